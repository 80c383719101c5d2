"""Everything that touches py5. Imported lazily: the core never imports py5 at module load,
because ``import py5`` raises without an X display."""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import ImageError


def _current_sketch() -> Any:
    import py5

    return py5.get_current_sketch()


def py5_to_rgb(obj: Any) -> np.ndarray:
    """Copy the pixels of a ``Py5Image``, ``Py5Graphics``, a ``Sketch`` or the ``py5`` module
    (the running module-mode sketch's canvas) into a new H×W×3 RGB ``uint8`` array."""
    target = _current_sketch() if getattr(obj, "__name__", None) == "py5" else obj
    getter = getattr(target, "get_np_pixels", None)
    if getter is None:
        raise ImageError(f"cannot read pixels from py5 object {type(obj).__name__}")
    try:
        pixels = getter(bands="RGB")
    except Exception as exc:
        raise ImageError(f"cannot read pixels from {type(obj).__name__}: {exc}") from exc
    arr = np.asarray(pixels)
    if arr.ndim != 3 or arr.shape[2] != 3 or arr.size == 0:
        raise ImageError(f"py5 returned pixels of shape {arr.shape}, expected H×W×3")
    return np.ascontiguousarray(arr, dtype=np.uint8)
