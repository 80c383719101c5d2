"""Pixel arrays: values by dtype, channel orders, resizing and the network's input range.

Pixel values by dtype (see :func:`to_uint8`): ``uint8`` 0–255, ``uint16`` 0–65535 (16-bit
data, scaled by 65535), other integers 0–255, floats 0–1; anything else raises
:class:`~p5knn.ImageError`. ``bands`` names the channel order of an array: ``"RGB"``
(default), ``"BGR"`` (OpenCV frames), ``"RGBA"``, ``"BGRA"``, ``"ARGB"`` (py5 pixels).
"""

from __future__ import annotations

from typing import Callable, Union

import cv2
import numpy as np

from p5knn._base.errors import ImageError

BANDS = ("RGB", "BGR", "RGBA", "BGRA", "ARGB")
CROPS = (None, "center")
PREPROCESS_MODES = ("mobilenet", "unit", "raw")
Preprocess = Union[str, Callable[[np.ndarray], np.ndarray]]


def check_bands(bands: str) -> str:
    """Return ``bands`` in upper case, or raise :class:`ImageError` if it is not in ``BANDS``.

    Parameters
    ----------
    bands : str
        A channel order such as ``"bgr"``.

    Returns
    -------
    str
        The channel order in upper case.

    Example
    -------
    >>> check_bands("bgr")
    'BGR'
    """
    upper = str(bands).upper()
    if upper not in BANDS:
        raise ImageError(f"bands must be one of {BANDS}, got {bands!r}")
    return upper


def to_uint8(arr: np.ndarray) -> np.ndarray:
    """Pixel values of any numeric dtype as ``uint8`` 0–255.

    The rule: ``uint8`` as is; ``uint16`` (any byte order) is 16-bit data, 0–65535, divided by
    257 and rounded (so ``x.astype(np.uint16) * 257`` gives back ``x``); other integers
    (``int8`` … ``int64``, ``uint32``, ``uint64``) must hold 0–255; floats (``float16`` …
    ``longdouble``) must be finite and in 0–1. Booleans, complex numbers and non-numeric
    dtypes raise :class:`ImageError`.

    Parameters
    ----------
    arr : numpy.ndarray
        Pixel values of any shape.

    Returns
    -------
    numpy.ndarray
        The same shape as ``uint8``.

    Example
    -------
    >>> to_uint8(np.array([0.0, 0.5, 1.0]))
    array([  0, 128, 255], dtype=uint8)
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
    """An image array in channel order ``bands`` as an H×W×3 RGB ``uint8`` array.

    Parameters
    ----------
    arr : numpy.ndarray
        H×W (grey), H×W×1, H×W×3 or H×W×4 pixels, values by dtype as in :func:`to_uint8`.
    bands : str
        Channel order of ``arr``: ``"RGB"``, ``"BGR"``, ``"RGBA"``, ``"BGRA"`` or ``"ARGB"``.

    Returns
    -------
    numpy.ndarray
        H×W×3 RGB ``uint8`` (alpha is dropped; grey is repeated).

    Example
    -------
    >>> array_to_rgb(np.zeros((2, 2), np.uint8)).shape
    (2, 2, 3)
    """
    bands = check_bands(bands)
    arr = np.asarray(arr)
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[:, :, 0]
    if arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.shape[2] not in (3, 4)):
        raise ImageError(f"image must be H×W, H×W×1, H×W×3 or H×W×4, got shape {arr.shape}")
    if arr.shape[0] < 1 or arr.shape[1] < 1:
        raise ImageError(f"image is empty (shape {arr.shape})")
    arr = to_uint8(arr)
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


def resize_rgb(rgb: np.ndarray, size: tuple[int, int], crop: str | None = None) -> np.ndarray:
    """Resize bilinearly (like tfjs MobileNet) to ``size``.

    Parameters
    ----------
    rgb : numpy.ndarray
        An H×W×C ``uint8`` image.
    size : tuple of int
        ``(height, width)`` wanted.
    crop : {None, "center"}
        ``"center"`` first cuts the largest centred region with the target's aspect ratio;
        None stretches the whole image.

    Returns
    -------
    numpy.ndarray
        The resized image (``rgb`` itself when it already has that size).

    Example
    -------
    >>> resize_rgb(np.zeros((480, 640, 3), np.uint8), (224, 224), "center").shape
    (224, 224, 3)
    """
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
    """Map resized RGB ``uint8`` pixels to a network's input range.

    Parameters
    ----------
    small : numpy.ndarray
        The resized H×W×3 RGB ``uint8`` image.
    preprocess : {"mobilenet", "unit", "raw"} or callable
        ``"mobilenet"``: −1…1; ``"unit"``: 0…1; ``"raw"``: 0…255; a function gets ``small``
        and must return an array of the same shape.

    Returns
    -------
    numpy.ndarray
        float32 network input, H×W×3.

    Example
    -------
    >>> scale_pixels(np.full((1, 1, 3), 255, np.uint8), "mobilenet").ravel()
    array([1., 1., 1.], dtype=float32)
    """
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
