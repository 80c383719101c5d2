"""Telling py5 objects and sketches apart without importing py5: the running module-mode
sketch (:func:`current_sketch`), py5 objects (:func:`is_py5_object`), the class-mode sketch
whose method is on the stack (:func:`class_mode_sketch_on_stack`), a sketch's state, and the
mouse as a :class:`p5knn.DemoSource` pointer. py5 itself is imported only by :func:`_py5`,
when called."""

from __future__ import annotations

import sys
from typing import Any, Callable


def _py5() -> Any:
    import py5

    return py5


def current_sketch() -> Any | None:
    """The module-mode sketch, but only if py5 is already imported (never imports it)."""
    if "py5" not in sys.modules:
        return None
    return sys.modules["py5"].get_current_sketch()


def _is_sketch(obj: Any) -> bool:
    return hasattr(obj, "run_sketch") and hasattr(obj, "is_running")


def is_py5_object(obj: Any) -> bool:
    """True for py5 images, graphics and sketches, and the ``py5`` module itself (checked
    without importing py5)."""
    if getattr(obj, "__name__", None) == "py5":  # the py5 module: module-mode canvas
        return True
    return any((getattr(cls, "__module__", "") or "").split(".")[0] == "py5"
               for cls in type(obj).__mro__)


def mouse_pointer(sketch: Any | None = None) -> Callable[[], tuple[float, float] | None]:
    """A pointer for :class:`p5knn.DemoSource`: the mouse position of ``sketch`` (default: the
    module-mode sketch) scaled to 0…1, or None while the sketch is not running."""
    if getattr(sketch, "__name__", None) == "py5":
        sketch = None

    def pointer() -> tuple[float, float] | None:
        target = sketch if sketch is not None else current_sketch()
        if target is None or not target.is_running:
            return None
        width, height = max(target.width, 1), max(target.height, 1)
        return target.mouse_x / width, target.mouse_y / height

    return pointer


def _is_running(sketch: Any) -> bool:
    try:
        return bool(sketch.is_running)
    except Exception:  # noqa: BLE001
        return False


def _is_dead(sketch: Any) -> bool:
    try:
        return bool(sketch.is_dead)
    except Exception:  # noqa: BLE001
        return False


def class_mode_sketch_on_stack() -> Any | None:
    """The running class-mode sketch whose method (``draw``, ``setup``, an event…) is on the
    calling thread's stack, or None. Looks at each frame's ``self``; never imports py5."""
    frame = sys._getframe(1)
    module_sketch = current_sketch()
    while frame is not None:
        names = frame.f_code.co_varnames
        if frame.f_code.co_argcount and names and names[0] == "self":
            obj = frame.f_locals.get("self")
            if obj is not None and obj is not module_sketch and _is_sketch(obj) and \
                    is_py5_object(obj) and _is_running(obj):
                return obj
        frame = frame.f_back
    return None


def _frame_count(sketch: Any) -> int:
    try:
        return int(sketch.frame_count)
    except Exception:  # noqa: BLE001 - a sketch that is not running
        return 0

