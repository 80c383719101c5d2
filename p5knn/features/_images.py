"""Any supported image as an RGB ``uint8`` array, then as a model input tensor.

Accepted: numpy arrays (H×W grey, H×W×1, H×W×3, H×W×4; values by dtype as in
:mod:`p5knn.features._pixels`), PIL images, file paths (:mod:`p5knn.features._image_files`),
live sources such as :class:`p5knn.Camera`, and py5 ``Py5Image`` / ``Py5Graphics`` / sketches
/ the ``py5`` module (read through :mod:`p5knn.live._py5`, which imports py5 only then).

This module is the one door to image input for the layers above: it re-exports what they use
from the pixel and file modules.
"""

from __future__ import annotations

import os
from typing import Any

import cv2
import numpy as np
from PIL import Image

from p5knn._base.errors import ImageError
from p5knn.features._image_files import (MAX_PIXELS, image_file_size, max_pixels,
                                         read_image_file, too_large)
from p5knn.features._pixels import (BANDS, CROPS, PREPROCESS_MODES, Preprocess, array_to_rgb,
                                    check_bands, resize_rgb, scale_pixels, to_uint8)
from p5knn.live._py5 import is_py5_object, py5_to_rgb

__all__ = ["BANDS", "CROPS", "MAX_PIXELS", "PREPROCESS_MODES", "Preprocess", "array_to_rgb",
           "image_file_size", "is_image_like", "is_py5_object", "max_pixels", "pil_to_rgb",
           "prepare", "read_image_file", "resize_rgb", "scale_pixels", "thumbnail", "to_rgb",
           "to_uint8"]

_PIL_16BIT = ("I;16", "I;16L", "I;16B", "I;16N")


def _is_pil(obj: Any) -> bool:
    return type(obj).__module__.split(".")[0] == "PIL"


#: a 2-D array thinner than this is not read as a grey image
MIN_SIDE = 8


def is_image_like(obj: Any) -> bool:
    """Tell an image from a feature vector.

    Parameters
    ----------
    obj : object
        What a user passed: an image of any supported kind, or a feature vector.

    Returns
    -------
    bool
        True for paths, py5 objects, live sources, PIL images, arrays with 3 dimensions and
        2-D (grey) arrays at least ``MIN_SIDE`` (8) pixels on each side; False for lists,
        1-D arrays and thin 2-D arrays such as a few stacked feature vectors (which are then
        refused as vectors instead of being read as a picture).

    Example
    -------
    >>> is_image_like(np.zeros((10, 10, 3))), is_image_like([0.2, 0.8])
    (True, False)
    """
    if isinstance(obj, np.ndarray):
        return obj.ndim == 3 or (obj.ndim == 2 and min(obj.shape) >= MIN_SIDE)
    if isinstance(obj, (list, tuple)):
        return False
    return isinstance(obj, (str, os.PathLike)) or is_py5_object(obj) \
        or hasattr(obj, "__p5knn_frame__") or _is_pil(obj)


def _check_array_size(image: np.ndarray) -> None:
    """Arrays obey the pixel limit too, checked before any copy or conversion (a broadcast
    view costs nothing until something makes it contiguous)."""
    if image.ndim in (2, 3):
        limit = max_pixels()
        if int(image.shape[0]) * int(image.shape[1]) > limit:
            raise too_large("the image array", image.shape[1], image.shape[0], limit)


def pil_to_rgb(image: Any) -> np.ndarray:
    """A PIL image as RGB ``uint8``.

    16-bit modes (``I;16*``) are scaled by 65535; ``I`` (32-bit integers) must hold 0–255 and
    ``F`` (floats) finite values in 0–255, PIL's own convention. A lazily opened file is
    checked against the pixel limit before it is decoded.

    Parameters
    ----------
    image : PIL.Image.Image
        Any PIL image, open or lazily loaded.

    Returns
    -------
    numpy.ndarray
        H×W×3 RGB ``uint8``.

    Example
    -------
    >>> pil_to_rgb(Image.new("L", (4, 3))).shape
    (3, 4, 3)
    """
    if not isinstance(image, Image.Image):
        raise ImageError(f"cannot use {type(image).__name__} as an image: not a PIL image")
    try:
        width, height = image.size
        mode = image.mode
    except Exception as exc:  # noqa: BLE001 - a broken image object
        raise ImageError(f"cannot read the PIL image: {exc!r}") from exc
    limit = max_pixels()
    if int(width) * int(height) > limit:
        raise too_large("the PIL image", width, height, limit)
    try:
        if mode in _PIL_16BIT:
            return array_to_rgb(np.asarray(image).astype(np.uint16))
        if mode == "I":
            return array_to_rgb(np.asarray(image))
        if mode == "F":  # NaN and inf are refused by to_uint8
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
    """Any supported image as an H×W×3 RGB ``uint8`` array.

    Parameters
    ----------
    image : array, PIL image, path, live source or py5 object
        The image (see the module docstring for every kind).
    bands : str
        Channel order of an array: ``"RGB"``, ``"BGR"``, ``"RGBA"``, ``"BGRA"`` or
        ``"ARGB"``. Other kinds know their own order.

    Returns
    -------
    numpy.ndarray
        H×W×3 RGB ``uint8``; a copy the caller may keep when the input was not RGB ``uint8``
        already.

    Example
    -------
    >>> p5knn.features.to_rgb(bgr_frame, bands="BGR").shape
    (480, 640, 3)
    """
    if isinstance(image, (str, os.PathLike)):
        return read_image_file(image)
    if hasattr(image, "__p5knn_frame__"):  # a p5knn.Camera or another live source
        frame, frame_bands, _ = image.__p5knn_frame__()
        return array_to_rgb(frame, frame_bands)
    if is_py5_object(image):
        return py5_to_rgb(image)
    if _is_pil(image):
        return pil_to_rgb(image)
    if isinstance(image, np.ndarray):
        _check_array_size(image)
        return array_to_rgb(image, bands)
    raise ImageError(f"cannot use {type(image).__name__} as an image: pass a numpy array, "
                     "a PIL image, a file path or a py5 image/graphics/sketch")


def prepare(image: Any, size: tuple[int, int], bands: str = "RGB", crop: str | None = None,
            preprocess: Preprocess = "mobilenet") -> np.ndarray:
    """Any supported image as a float32 network input.

    Resizing happens on ``uint8`` pixels before the channel swap and scaling, which then
    touch only the small image.

    Parameters
    ----------
    image : array, PIL image, path, live source or py5 object
        The image.
    size : tuple of int
        ``(height, width)`` of the network input.
    bands : str
        Channel order of an array.
    crop : {None, "center"}
        ``"center"`` keeps the aspect ratio (cuts the sides); None stretches.
    preprocess : {"mobilenet", "unit", "raw"} or callable
        The network's input range (see :func:`~p5knn.features._pixels.scale_pixels`).

    Returns
    -------
    numpy.ndarray
        float32, ``size`` × 3.

    Example
    -------
    >>> prepare(frame, (224, 224), bands="BGR").shape
    (224, 224, 3)
    """
    if isinstance(image, np.ndarray):
        _check_array_size(image)
    try:
        if isinstance(image, np.ndarray) and image.ndim == 3 and image.shape[2] in (3, 4) \
                and image.dtype == np.uint8 and image.shape[0] > 0 and image.shape[1] > 0:
            bands = check_bands(bands)
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
    """A small square thumbnail (centre crop) of any supported image.

    Parameters
    ----------
    image : array, PIL image, path, live source or py5 object
        The image.
    size : int
        Side of the square, in pixels.
    bands : str
        Channel order of an array.

    Returns
    -------
    numpy.ndarray
        ``size``×``size``×3 RGB ``uint8``.

    Example
    -------
    >>> thumbnail(frame, 32).shape
    (32, 32, 3)
    """
    return resize_rgb(to_rgb(image, bands), (size, size), "center")


def infer_each(infer: Any, images_: Any, feature_size: int, bands: str = "RGB",
               crop: str | None = None) -> np.ndarray:
    """``infer(image, bands, crop)`` of each image, stacked into ``(N, feature_size)``
    float32 (what every extractor's ``infer_batch`` does); a bad image raises
    :class:`~p5knn.ImageError` naming its position.

    Example
    -------
    >>> infer_each(mobilenet.infer, [cat, cup], 1024).shape
    (2, 1024)
    """
    items = list(images_)
    out = np.empty((len(items), feature_size), dtype=np.float32)
    for row, image in enumerate(items):
        try:
            out[row] = infer(image, bands, crop)
        except ImageError as exc:
            raise ImageError(f"image {row} of the batch: {exc}") from exc
    return out
