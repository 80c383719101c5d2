"""Image files, read as if hostile: sized from their header and refused over the pixel limit
``P5KNN_MAX_PIXELS`` (default 60 megapixels) *before* anything is decoded; every decoder
failure becomes an :class:`~p5knn.ImageError` naming the file."""

from __future__ import annotations

import os
import struct
import warnings
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image

from p5knn._base.errors import ImageError
from p5knn.features._pixels import to_uint8

DEFAULT_MAX_PIXELS = 60_000_000


def _parse_max_pixels(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_MAX_PIXELS
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        warnings.warn(f"p5knn: P5KNN_MAX_PIXELS={raw!r} is not a positive whole number; "
                      f"using {DEFAULT_MAX_PIXELS}", RuntimeWarning, stacklevel=3)
        return DEFAULT_MAX_PIXELS
    return value


_ENV_AT_IMPORT = os.environ.get("P5KNN_MAX_PIXELS")
MAX_PIXELS = _parse_max_pixels(_ENV_AT_IMPORT)  #: the limit as set when p5knn was imported


def max_pixels() -> int:
    """The largest image p5knn reads, in pixels.

    Returns
    -------
    int
        ``P5KNN_MAX_PIXELS`` if it changed since p5knn was imported, else the limit at import
        (default 60 000 000). A value that is not a positive whole number warns
        (``RuntimeWarning``) and gives the default.

    Example
    -------
    >>> p5knn.features.max_pixels()
    60000000
    """
    raw = os.environ.get("P5KNN_MAX_PIXELS")
    return MAX_PIXELS if raw == _ENV_AT_IMPORT else _parse_max_pixels(raw)


def too_large(where: str, width: int, height: int, limit: int) -> ImageError:
    """The error for an image over the pixel limit.

    Parameters
    ----------
    where : str
        What the image is (a path, "the PIL image").
    width, height : int
        Its size.
    limit : int
        The limit, in pixels.

    Returns
    -------
    ImageError
        To raise; its message says how to allow more.

    Example
    -------
    >>> raise too_large("scan.tif", 20000, 20000, max_pixels())
    """
    return ImageError(f"{where} is {width}×{height} ({width * height / 1e6:.0f} megapixels); "
                      f"p5knn reads images up to {limit / 1e6:g} MP (set P5KNN_MAX_PIXELS to "
                      "allow more, or downscale it)")


def _header_size(path: Path) -> tuple[int, int] | None:
    """(width, height) as PIL's format plugins read it from the header — what ``Image.open``
    does, minus PIL's own decompression-bomb check (whose global setting must not decide
    what p5knn reads). None when no plugin recognises the file."""
    with open(path, "rb") as handle:
        prefix = handle.read(16)
        tried: set[str] = set()
        for loader in (Image.preinit, Image.init):
            loader()
            for fmt in [f for f in Image.ID if f not in tried]:
                tried.add(fmt)
                factory, accept = Image.OPEN[fmt]
                try:
                    accepted = not accept or accept(prefix)
                    if isinstance(accepted, str) or not accepted:  # str: PIL's warning
                        continue
                    handle.seek(0)
                    width, height = factory(handle, str(path)).size
                except Image.DecompressionBombError as exc:  # raised by some plugins' _open
                    raise ImageError(f"{path}: {exc}") from exc
                except (MemoryError, RecursionError):
                    raise
                except Exception:  # noqa: BLE001 - this plugin does not read it; next one
                    continue
                if isinstance(width, int) and isinstance(height, int):
                    return width, height
        try:
            return _tiff_size(handle)
        except (struct.error, OverflowError, ValueError):
            return None


def _tiff_size(handle: Any) -> tuple[int, int] | None:
    """(width, height) from the first directory of a TIFF (classic or BigTIFF): OpenCV reads
    float and signed colour TIFFs that PIL does not open."""
    handle.seek(0)
    head = handle.read(16)
    order = {b"II": "<", b"MM": ">"}.get(head[:2])
    if order is None or len(head) < 16:
        return None
    magic = struct.unpack_from(order + "H", head, 2)[0]
    if magic not in (42, 43):
        return None
    big = magic == 43
    count_fmt, entry_fmt = (order + "Q", order + "HHQ8s") if big else (order + "H", order + "HHI4s")
    handle.seek(struct.unpack_from(order + ("Q" if big else "I"), head, 8 if big else 4)[0])
    raw = handle.read(struct.calcsize(count_fmt))
    if len(raw) < struct.calcsize(count_fmt):
        return None
    count, size = struct.unpack(count_fmt, raw)[0], struct.calcsize(entry_fmt)
    found: dict[int, int] = {}
    for _ in range(min(count, 4096)):
        entry = handle.read(size)
        if len(entry) < size:
            break
        tag, kind, _, value = struct.unpack(entry_fmt, entry)
        if tag in (256, 257) and kind in ((3, 4, 16) if big else (3, 4)):  # width, height
            code = {3: "H", 4: "I", 16: "Q"}[kind]
            found[tag] = struct.unpack_from(order + code, value)[0]
    return (found[256], found[257]) if len(found) == 2 else None


def image_file_size(path: str | os.PathLike) -> tuple[int, int] | None:
    """The size of an image file, read from its header without decoding the pixels.

    Parameters
    ----------
    path : str or os.PathLike
        An image file.

    Returns
    -------
    tuple of int or None
        ``(width, height)``, or None when the file cannot be read or is not a known format.

    Example
    -------
    >>> p5knn.features.image_file_size("cat.png")
    (451, 300)
    """
    try:
        return _header_size(Path(path))
    except (OSError, ImageError):
        return None


def read_image_file(path: str | os.PathLike) -> np.ndarray:
    """Read an image file as RGB ``uint8``.

    16-bit files are scaled by 65535; transparent pixels are put on white paper; files over
    the pixel limit (:func:`max_pixels`, judged from the header) are refused before decoding.

    Parameters
    ----------
    path : str or os.PathLike
        A PNG, JPEG, BMP, GIF, TIFF, WebP … file.

    Returns
    -------
    numpy.ndarray
        H×W×3 RGB ``uint8``.

    Raises
    ------
    FileNotFoundError
        When there is no such file.
    ImageError
        For a folder or other non-file, an unreadable, undecodable or too large file, NaN
        pixels or an unusual channel count.

    Example
    -------
    >>> p5knn.features.read_image_file("cat.png").shape
    (300, 451, 3)
    """
    path = Path(path)
    if path.is_dir():
        raise ImageError(f"{path} is a directory, not an image file")
    if not path.is_file():
        if path.exists():
            raise ImageError(f"{path} is not a regular file (a pipe or device?)")
        raise FileNotFoundError(f"image file not found: {path}")
    limit = max_pixels()
    try:
        nbytes = path.stat().st_size
        size = _header_size(path) if nbytes else None
        if size and size[0] * size[1] > limit:
            raise too_large(str(path), size[0], size[1], limit)
        if size is None:
            raise ImageError(f"cannot decode image file {path} (not an image, or corrupt)")
        if nbytes > 8 * limit + (64 << 20):  # more than any uncompressed 16-bit RGBA image
            raise ImageError(f"{path} is {nbytes / 1e6:.0f} MB, too large for an image of "
                             f"at most {limit / 1e6:g} MP")
        data = np.fromfile(path, dtype=np.uint8)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise ImageError(f"cannot read image file {path}: {exc}") from exc
    try:
        decoded = cv2.imdecode(data, cv2.IMREAD_UNCHANGED)
    except cv2.error as exc:  # OpenCV refuses some headers with an exception, not None
        raise ImageError(f"cannot decode image file {path} (corrupt: "
                         f"{' '.join(str(exc).split())})") from exc
    if decoded is None or decoded.size == 0:
        raise ImageError(f"cannot decode image file {path} (not an image, or corrupt)")
    del data
    height, width = decoded.shape[:2]
    if height * width > limit:  # the decoder disagreed with the header
        raise too_large(str(path), width, height, limit)
    if decoded.ndim == 3 and decoded.shape[2] == 1:
        decoded = decoded[:, :, 0]
    if decoded.ndim not in (2, 3) or (decoded.ndim == 3 and decoded.shape[2] not in (3, 4)):
        raise ImageError(f"{path}: unsupported image layout {decoded.shape}")
    try:
        decoded = to_uint8(decoded)
    except ImageError as exc:
        raise ImageError(f"{path}: {exc}") from exc
    if decoded.ndim == 2:
        return cv2.cvtColor(decoded, cv2.COLOR_GRAY2RGB)
    if decoded.shape[2] == 4:  # transparent drawings: put them on white paper
        alpha = decoded[:, :, 3:4].astype(np.uint16)
        bgr = (decoded[:, :, :3] * alpha + 255 * (255 - alpha) + 127) // 255
        return cv2.cvtColor(bgr.astype(np.uint8), cv2.COLOR_BGR2RGB)
    return cv2.cvtColor(decoded, cv2.COLOR_BGR2RGB)
