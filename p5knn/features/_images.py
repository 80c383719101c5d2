"""Turn any supported image into an RGB ``uint8`` array, then into a model input tensor.

Accepted: numpy arrays (H×W gray, H×W×1, H×W×3, H×W×4), PIL images, file paths, and py5
``Py5Image`` / ``Py5Graphics`` / sketches (imported lazily through :mod:`p5knn.py5_glue`).
``bands`` names the channel order of arrays: ``"RGB"`` (default), ``"BGR"`` (OpenCV frames),
``"RGBA"``, ``"BGRA"``, ``"ARGB"`` (py5 pixels). Pixel values by dtype (see
:func:`_to_uint8`): ``uint8`` 0–255, ``uint16`` 0–65535 (16-bit data, scaled by 65535), other
integers 0–255, floats 0–1; anything else raises :class:`~p5knn.errors.ImageError`.

Every image is treated as possibly hostile: files are sized from their header and refused
over ``P5KNN_MAX_PIXELS`` (default 60 megapixels) *before* anything is decoded, and every
decoder failure becomes an :class:`~p5knn.errors.ImageError` naming the file.
"""

from __future__ import annotations

import os
import struct
import warnings
from pathlib import Path
from typing import Any, Callable, Union

import cv2
import numpy as np

from p5knn._base.errors import ImageError

BANDS = ("RGB", "BGR", "RGBA", "BGRA", "ARGB")
CROPS = (None, "center")
Preprocess = Union[str, Callable[[np.ndarray], np.ndarray]]
PREPROCESS_MODES = ("mobilenet", "unit", "raw")
DEFAULT_MAX_PIXELS = 60_000_000
_PIL_16BIT = ("I;16", "I;16L", "I;16B", "I;16N")


def is_py5_object(obj: Any) -> bool:
    """True for py5 images, graphics and sketches (checked without importing py5)."""
    if getattr(obj, "__name__", None) == "py5":  # the py5 module: module-mode canvas
        return True
    return any((getattr(cls, "__module__", "") or "").split(".")[0] == "py5"
               for cls in type(obj).__mro__)


def _is_pil(obj: Any) -> bool:
    return type(obj).__module__.split(".")[0] == "PIL"


def is_image_like(obj: Any) -> bool:
    """True when ``obj`` is an image (as opposed to a feature vector)."""
    if isinstance(obj, (str, os.PathLike)) or is_py5_object(obj) \
            or hasattr(obj, "__p5knn_frame__") or _is_pil(obj):
        return True
    if isinstance(obj, np.ndarray):
        return obj.ndim == 3 or (obj.ndim == 2 and obj.shape[0] > 1)
    return False


def _check_bands(bands: str) -> str:
    upper = str(bands).upper()
    if upper not in BANDS:
        raise ImageError(f"bands must be one of {BANDS}, got {bands!r}")
    return upper


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
    """The pixel limit now: ``P5KNN_MAX_PIXELS`` if it changed since import, else
    :data:`MAX_PIXELS` (default 60 000 000)."""
    raw = os.environ.get("P5KNN_MAX_PIXELS")
    return MAX_PIXELS if raw == _ENV_AT_IMPORT else _parse_max_pixels(raw)


def _too_large(where: str, width: int, height: int, limit: int) -> ImageError:
    return ImageError(f"{where} is {width}×{height} ({width * height / 1e6:.0f} megapixels); "
                      f"p5knn reads images up to {limit / 1e6:g} MP (set P5KNN_MAX_PIXELS to "
                      "allow more, or downscale it)")


def _header_size(path: Path) -> tuple[int, int] | None:
    """(width, height) as PIL's format plugins read it from the header — what ``Image.open``
    does, minus PIL's own decompression-bomb check (whose global setting must not decide
    what p5knn reads). None when no plugin recognises the file."""
    from PIL import Image

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
    """(width, height) from the file header without decoding (None if unknown)."""
    try:
        return _header_size(Path(path))
    except (OSError, ImageError):
        return None


def read_image_file(path: str | os.PathLike) -> np.ndarray:
    """Read an image file as RGB ``uint8``.

    Raises ``FileNotFoundError`` for a missing file and :class:`ImageError` for a directory or
    other non-file, an unreadable, undecodable or absurdly large file (over
    ``P5KNN_MAX_PIXELS``, judged from the header before decoding), NaN pixels or an unusual
    channel count. 16-bit files are scaled by 65535; transparent pixels go on white paper.
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
            raise _too_large(str(path), size[0], size[1], limit)
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
        raise _too_large(str(path), width, height, limit)
    if decoded.ndim == 3 and decoded.shape[2] == 1:
        decoded = decoded[:, :, 0]
    if decoded.ndim not in (2, 3) or (decoded.ndim == 3 and decoded.shape[2] not in (3, 4)):
        raise ImageError(f"{path}: unsupported image layout {decoded.shape}")
    try:
        decoded = _to_uint8(decoded)
    except ImageError as exc:
        raise ImageError(f"{path}: {exc}") from exc
    if decoded.ndim == 2:
        return cv2.cvtColor(decoded, cv2.COLOR_GRAY2RGB)
    if decoded.shape[2] == 4:  # transparent drawings: put them on white paper
        alpha = decoded[:, :, 3:4].astype(np.uint16)
        bgr = (decoded[:, :, :3] * alpha + 255 * (255 - alpha) + 127) // 255
        return cv2.cvtColor(bgr.astype(np.uint8), cv2.COLOR_BGR2RGB)
    return cv2.cvtColor(decoded, cv2.COLOR_BGR2RGB)


def _to_uint8(arr: np.ndarray) -> np.ndarray:
    """Pixel values of any numeric dtype → ``uint8`` 0–255, by this rule:

    * ``uint8``: as is;
    * ``uint16`` (any byte order): 16-bit data, full range 0–65535, divided by 257 and rounded
      (so ``x.astype(np.uint16) * 257`` gives back ``x``);
    * other integers (``int8``…``int64``, ``uint32``, ``uint64``): must hold 0–255;
    * floats (``float16``…``longdouble``): must be finite and in 0–1;
    * booleans, complex numbers and non-numeric dtypes raise :class:`ImageError`.
    """
    kind, itemsize = arr.dtype.kind, arr.dtype.itemsize
    if kind == "u" and itemsize == 1:
        return arr
    if kind == "b":
        raise ImageError("boolean arrays are not images; convert to uint8 0–255 first")
    if kind == "c":
        raise ImageError(f"complex-valued arrays ({arr.dtype}) are not images; pass the real "
                         "part or the magnitude explicitly")
    if kind == "u" and itemsize == 2:
        return cv2.convertScaleAbs(np.ascontiguousarray(arr, dtype=np.uint16), alpha=1 / 257)
    if kind in "iu":
        low, high = (arr.min(), arr.max()) if arr.size else (0, 0)
        if low < 0 or high > 255:
            raise ImageError(f"integer image values must be in 0–255, got {low}–{high} "
                             "(16-bit data: pass a uint16 array, 0–65535)")
        return arr.astype(np.uint8)
    if kind == "f":
        if not np.isfinite(arr).all():
            raise ImageError("image contains NaN or infinite values")
        low, high = (float(arr.min()), float(arr.max())) if arr.size else (0.0, 0.0)
        if low < -1e-6 or high > 1 + 1e-6:
            raise ImageError(f"float images must hold values in 0–1, got {low:g}–{high:g}; "
                             "divide by 255 or pass a uint8 array")
        return np.clip(arr * 255.0 + 0.5, 0, 255).astype(np.uint8)
    raise ImageError(f"unsupported image dtype {arr.dtype}")


def array_to_rgb(arr: np.ndarray, bands: str = "RGB") -> np.ndarray:
    """Convert an image array in channel order ``bands`` to an H×W×3 RGB ``uint8`` array
    (values by dtype as in :func:`_to_uint8`)."""
    bands = _check_bands(bands)
    arr = np.asarray(arr)
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[:, :, 0]
    if arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.shape[2] not in (3, 4)):
        raise ImageError(f"image must be H×W, H×W×1, H×W×3 or H×W×4, got shape {arr.shape}")
    if arr.shape[0] < 1 or arr.shape[1] < 1:
        raise ImageError(f"image is empty (shape {arr.shape})")
    arr = _to_uint8(arr)
    if arr.ndim == 2:
        return cv2.cvtColor(arr, cv2.COLOR_GRAY2RGB)
    if arr.shape[2] == 4:
        if bands == "ARGB":
            return np.ascontiguousarray(arr[:, :, 1:4])
        if bands in ("BGR", "BGRA"):
            return cv2.cvtColor(arr, cv2.COLOR_BGRA2RGB)
        return np.ascontiguousarray(arr[:, :, :3])
    if bands == "ARGB":
        raise ImageError("bands='ARGB' needs a 4-channel image")
    if bands in ("BGR", "BGRA"):
        return cv2.cvtColor(arr, cv2.COLOR_BGR2RGB)
    return arr


def pil_to_rgb(image: Any) -> np.ndarray:
    """A PIL image → RGB ``uint8``. 16-bit modes (``I;16*``) are scaled by 65535; ``I``
    (32-bit integers) must hold 0–255 and ``F`` (floats) finite values in 0–255, PIL's own
    convention. Checked against the pixel limit before a lazily opened file is decoded."""
    from PIL import Image

    if not isinstance(image, Image.Image):
        raise ImageError(f"cannot use {type(image).__name__} as an image: not a PIL image")
    try:
        width, height = image.size
        mode = image.mode
    except Exception as exc:  # noqa: BLE001 - a broken image object
        raise ImageError(f"cannot read the PIL image: {exc!r}") from exc
    limit = max_pixels()
    if int(width) * int(height) > limit:
        raise _too_large("the PIL image", width, height, limit)
    try:
        if mode in _PIL_16BIT:
            return array_to_rgb(np.asarray(image).astype(np.uint16))
        if mode == "I":
            return array_to_rgb(np.asarray(image))
        if mode == "F":  # NaN and inf are refused by _to_uint8
            values = np.asarray(image, dtype=np.float32)
            if np.isfinite(values).all() and (values.min() < 0 or values.max() > 255):
                raise ImageError(f"PIL 'F' images must hold values in 0–255, got "
                                 f"{values.min():g}–{values.max():g}")
            return array_to_rgb(values / np.float32(255))
        rgb = np.asarray(image.convert("RGB"))
    except (ImageError, MemoryError):
        raise
    except Exception as exc:  # noqa: BLE001 - closed, truncated or unconvertible images
        detail = str(exc) or type(exc).__name__
        raise ImageError(f"cannot read the PIL image ({mode}, {width}×{height}): "
                         f"{detail}") from exc
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ImageError(f"PIL gave an unexpected array {rgb.shape} {rgb.dtype}")
    return rgb


def to_rgb(image: Any, bands: str = "RGB") -> np.ndarray:
    """Any supported image → H×W×3 RGB ``uint8`` (a copy the caller may keep)."""
    if isinstance(image, (str, os.PathLike)):
        return read_image_file(image)
    if hasattr(image, "__p5knn_frame__"):  # a p5knn.Camera or another live source
        frame, frame_bands, _ = image.__p5knn_frame__()
        return array_to_rgb(frame, frame_bands)
    if is_py5_object(image):
        from p5knn.live._py5 import py5_to_rgb

        return py5_to_rgb(image)
    if _is_pil(image):
        return pil_to_rgb(image)
    if isinstance(image, np.ndarray):
        return array_to_rgb(image, bands)
    raise ImageError(f"cannot use {type(image).__name__} as an image: pass a numpy array, "
                     "a PIL image, a file path or a py5 image/graphics/sketch")


def resize_rgb(rgb: np.ndarray, size: tuple[int, int], crop: str | None = None) -> np.ndarray:
    """Resize (bilinear, like tfjs MobileNet) to ``size`` = (height, width); ``crop="center"``
    first cuts the largest centred region with the target's aspect ratio."""
    if crop not in CROPS:
        raise ImageError(f"crop must be one of {CROPS}, got {crop!r}")
    height, width = size
    if crop == "center":
        h, w = rgb.shape[:2]
        scale = min(h / height, w / width)
        ch, cw = max(1, round(height * scale)), max(1, round(width * scale))
        top, left = (h - ch) // 2, (w - cw) // 2
        rgb = rgb[top:top + ch, left:left + cw]
    if rgb.shape[:2] == (height, width):
        return rgb
    return cv2.resize(rgb, (width, height), interpolation=cv2.INTER_LINEAR)


def scale_pixels(small: np.ndarray, preprocess: Preprocess) -> np.ndarray:
    """Map resized RGB ``uint8`` pixels to the network's input range."""
    if callable(preprocess):
        out = np.asarray(preprocess(small), dtype=np.float32)
        if out.shape != small.shape:
            raise ImageError(f"preprocess function changed the shape {small.shape} → {out.shape}")
        return out
    if preprocess == "mobilenet":
        return small.astype(np.float32) * np.float32(1 / 127.5) - np.float32(1.0)
    if preprocess == "unit":
        return small.astype(np.float32) * np.float32(1 / 255.0)
    if preprocess == "raw":
        return small.astype(np.float32)
    raise ImageError(f"preprocess must be one of {PREPROCESS_MODES} or a function, "
                     f"got {preprocess!r}")


def prepare(image: Any, size: tuple[int, int], bands: str = "RGB", crop: str | None = None,
            preprocess: Preprocess = "mobilenet") -> np.ndarray:
    """Any supported image → float32 H×W×3 network input. Resizing happens on ``uint8`` before
    the channel swap and scaling, which touch only the small image."""
    try:
        if isinstance(image, np.ndarray) and image.ndim == 3 and image.shape[2] in (3, 4) \
                and image.dtype == np.uint8 and image.shape[0] > 0 and image.shape[1] > 0:
            bands = _check_bands(bands)
            small = resize_rgb(image, size, crop)
            rgb = array_to_rgb(small, bands)
        else:
            rgb = resize_rgb(to_rgb(image, bands), size, crop)
    except cv2.error as exc:  # e.g. an array too large for OpenCV's int sizes
        shape = getattr(image, "shape", None)
        raise ImageError(f"OpenCV cannot process this image (shape {shape}): "
                         f"{' '.join(str(exc).split())}") from exc
    return scale_pixels(rgb, preprocess)


def thumbnail(image: Any, size: int = 64, bands: str = "RGB") -> np.ndarray:
    """A small RGB ``uint8`` square thumbnail (centre crop) of any supported image."""
    return resize_rgb(to_rgb(image, bands), (size, size), "center")


def snapshot(x: Any, bands: str) -> tuple[Any, str]:
    """``(copy of x, its bands)`` that stays valid when the caller changes ``x`` right after
    the call returns: arrays are copied, cameras give a copy of their newest frame, and py5
    images and canvases are read now, on the calling (animation) thread."""
    if hasattr(x, "__p5knn_frame__"):
        frame, frame_bands, _ = x.__p5knn_frame__()
        return frame, frame_bands
    if isinstance(x, np.ndarray):
        return x.copy(), bands
    if is_py5_object(x) or _is_pil(x):
        return to_rgb(x, bands), "RGB"
    if isinstance(x, (list, tuple)):
        return list(x), bands
    return x, bands
