"""Turn any supported image into an RGB ``uint8`` array, then into a model input tensor.

Accepted: numpy arrays (H×W gray, H×W×1, H×W×3, H×W×4; ``uint8``, integer 0–255 or float
0–1), PIL images, file paths, and py5 ``Py5Image`` / ``Py5Graphics`` / sketches (imported
lazily through :mod:`p5knn.py5_glue`). ``bands`` names the channel order of arrays:
``"RGB"`` (default), ``"BGR"`` (OpenCV frames), ``"RGBA"``, ``"BGRA"``, ``"ARGB"`` (py5 pixels).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable, Union

import cv2
import numpy as np

from .errors import ImageError

BANDS = ("RGB", "BGR", "RGBA", "BGRA", "ARGB")
CROPS = (None, "center")
Preprocess = Union[str, Callable[[np.ndarray], np.ndarray]]
PREPROCESS_MODES = ("mobilenet", "unit", "raw")


def is_py5_object(obj: Any) -> bool:
    """True for py5 images, graphics and sketches (checked without importing py5)."""
    if getattr(obj, "__name__", None) == "py5":  # the py5 module: module-mode canvas
        return True
    return any((getattr(cls, "__module__", "") or "").split(".")[0] == "py5"
               for cls in type(obj).__mro__)


def is_image_like(obj: Any) -> bool:
    """True when ``obj`` is an image (as opposed to a feature vector)."""
    if isinstance(obj, (str, os.PathLike)) or is_py5_object(obj) \
            or hasattr(obj, "__p5knn_frame__"):
        return True
    if type(obj).__module__.split(".")[0] == "PIL":
        return True
    if isinstance(obj, np.ndarray):
        return obj.ndim == 3 or (obj.ndim == 2 and obj.shape[0] > 1)
    return False


def _check_bands(bands: str) -> str:
    upper = str(bands).upper()
    if upper not in BANDS:
        raise ImageError(f"bands must be one of {BANDS}, got {bands!r}")
    return upper


MAX_PIXELS = int(os.environ.get("P5KNN_MAX_PIXELS", 60_000_000))


def image_file_size(path: str | os.PathLike) -> tuple[int, int] | None:
    """(width, height) from the file header without decoding (None if unknown)."""
    import warnings

    try:
        from PIL import Image

        with warnings.catch_warnings():  # we judge the size ourselves, right below
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                return img.size
    except Exception:  # noqa: BLE001 - not something PIL knows; decoding will tell
        return None


def read_image_file(path: str | os.PathLike) -> np.ndarray:
    """Read an image file as RGB ``uint8``; clear errors for missing, undecodable or absurdly
    large files (over ``P5KNN_MAX_PIXELS``, default 60 megapixels)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"image file not found: {path}")
    size = image_file_size(path)
    if size and size[0] * size[1] > MAX_PIXELS:
        raise ImageError(f"{path} is {size[0]}×{size[1]} ({size[0] * size[1] / 1e6:.0f} "
                         f"megapixels); p5knn reads images up to {MAX_PIXELS / 1e6:.0f} MP "
                         "(set P5KNN_MAX_PIXELS to allow more, or downscale it)")
    data = np.fromfile(path, dtype=np.uint8)
    decoded = cv2.imdecode(data, cv2.IMREAD_UNCHANGED) if data.size else None
    if decoded is None:
        raise ImageError(f"cannot decode image file {path} (not an image, or corrupt)")
    if decoded.dtype != np.uint8:  # 16-bit PNGs and the like
        decoded = cv2.convertScaleAbs(decoded, alpha=255.0 / max(float(decoded.max()), 1.0))
    if decoded.ndim == 2:
        return cv2.cvtColor(decoded, cv2.COLOR_GRAY2RGB)
    if decoded.shape[2] == 4:  # transparent drawings: put them on white paper
        alpha = decoded[:, :, 3:4].astype(np.uint16)
        bgr = (decoded[:, :, :3] * alpha + 255 * (255 - alpha) + 127) // 255
        return cv2.cvtColor(bgr.astype(np.uint8), cv2.COLOR_BGR2RGB)
    return cv2.cvtColor(decoded, cv2.COLOR_BGR2RGB)


def _to_uint8(arr: np.ndarray) -> np.ndarray:
    if arr.dtype == np.uint8:
        return arr
    if arr.dtype == np.bool_:
        raise ImageError("boolean arrays are not images; convert to uint8 0–255 first")
    if np.issubdtype(arr.dtype, np.integer):
        if arr.size and (arr.min() < 0 or arr.max() > 255):
            raise ImageError(f"integer image values must be in 0–255, got {arr.min()}–{arr.max()}")
        return arr.astype(np.uint8)
    if np.issubdtype(arr.dtype, np.floating):
        if not np.isfinite(arr).all():
            raise ImageError("image contains NaN or infinite values")
        low, high = float(arr.min()), float(arr.max())
        if low < -1e-6 or high > 1 + 1e-6:
            raise ImageError(f"float images must hold values in 0–1, got {low:g}–{high:g}; "
                             "divide by 255 or pass a uint8 array")
        return np.clip(arr * 255.0 + 0.5, 0, 255).astype(np.uint8)
    raise ImageError(f"unsupported image dtype {arr.dtype}")


def array_to_rgb(arr: np.ndarray, bands: str = "RGB") -> np.ndarray:
    """Convert an image array in channel order ``bands`` to an H×W×3 RGB ``uint8`` array."""
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


def to_rgb(image: Any, bands: str = "RGB") -> np.ndarray:
    """Any supported image → H×W×3 RGB ``uint8`` (a copy the caller may keep)."""
    if isinstance(image, (str, os.PathLike)):
        return read_image_file(image)
    if hasattr(image, "__p5knn_frame__"):  # a p5knn.Camera or another live source
        frame, frame_bands, _ = image.__p5knn_frame__()
        return array_to_rgb(frame, frame_bands)
    if is_py5_object(image):
        from .py5_glue import py5_to_rgb

        return py5_to_rgb(image)
    if type(image).__module__.split(".")[0] == "PIL":
        return np.asarray(image.convert("RGB"))
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
    if isinstance(image, np.ndarray) and image.ndim == 3 and image.shape[2] in (3, 4) \
            and image.dtype == np.uint8 and image.shape[0] > 0 and image.shape[1] > 0:
        bands = _check_bands(bands)
        small = resize_rgb(image, size, crop)
        rgb = array_to_rgb(small, bands)
    else:
        rgb = resize_rgb(to_rgb(image, bands), size, crop)
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
    if is_py5_object(x) or type(x).__module__.split(".")[0] == "PIL":
        return to_rgb(x, bands), "RGB"
    if isinstance(x, (list, tuple)):
        return list(x), bands
    return x, bands
