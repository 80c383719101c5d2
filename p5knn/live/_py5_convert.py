"""py5's image conversion for p5knn's frames (``py5.register_image_conversion``), so
``py5.image(cam, x, y)`` draws a :class:`p5knn.Camera` (its reused ``Py5Image``) or a
``StreamFrame`` directly: registered by :func:`ensure_image_conversion`, never importing py5
itself."""

from __future__ import annotations

import sys
import threading
from typing import Any

import numpy as np

from p5knn.live._py5_objects import _py5

_conversion_registered = False
_conversion_lock = threading.Lock()


def _is_p5knn_frame_source(obj: Any) -> bool:
    """A p5knn camera, stream frame or any object with ``__p5knn_frame__``."""
    return hasattr(type(obj), "__p5knn_frame__")


def _frame_to_py5(sketch: Any, obj: Any, **_kwargs: Any) -> Any:
    """py5 image converter: a camera's reused ``Py5Image``, or a new one for other frames."""
    py5_image = getattr(obj, "py5_image", None)
    if callable(py5_image):
        return py5_image(sketch)
    frame, bands, _time = obj.__p5knn_frame__()
    frame = np.ascontiguousarray(frame, dtype=np.uint8)
    bands = (bands or "RGB").upper()
    if frame.ndim == 2 or (frame.ndim == 3 and frame.shape[2] == 1):
        return _py5().NumpyImageArray(frame.reshape(frame.shape[:2]), "L")
    if bands in ("BGR", "BGRA"):
        frame = frame[..., [2, 1, 0] + ([3] if bands == "BGRA" else [])]
        bands = bands[2::-1] + bands[3:]       # RGB or RGBA
    return _py5().NumpyImageArray(np.ascontiguousarray(frame), bands)


def ensure_image_conversion() -> bool:
    """Register p5knn's py5 image conversion (once), if py5 is imported; True when it is."""
    global _conversion_registered
    if _conversion_registered:
        return True
    py5 = sys.modules.get("py5")
    register = getattr(py5, "register_image_conversion", None)
    if register is None:
        return False
    with _conversion_lock:
        if not _conversion_registered:
            register(_is_p5knn_frame_source, _frame_to_py5)
            _conversion_registered = True
    return True
