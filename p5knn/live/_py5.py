"""Everything that touches py5, imported lazily: the core never imports py5 at module load,
because ``import py5`` raises without an X display.

:class:`SketchLink` ties p5knn to one running sketch through py5's library hook
(``sketch._add_pre_hook("draw", ...)``, as py5's own tools do): results of background work
are handed to callbacks there, on the animation thread, before the next ``draw()``.

Two environment variables act on any sketch that uses p5knn (read when p5knn first links to
the sketch):

* ``P5KNN_EXIT_AFTER=SECONDS`` ends the sketch cleanly (``exit_sketch()``) that long after its
  first frame and prints ``p5knn: P5KNN_EXIT_AFTER reached: N frames, M callbacks`` — for
  tests, timed installations and autostart.
* ``P5KNN_SCREENSHOT=path.png`` (with ``P5KNN_EXIT_AFTER``) saves the canvas as that image
  just before that exit: the last frame ``draw()`` finished, whole (for documentation and
  headless checks). The folder is created if needed; a failure is reported, and the sketch
  still exits.

Under ``py5-live-coding`` p5knn never calls the real ``exit_sketch()``: py5 replaces it with a
pause ("Pausing after exit_sketch() call. Resume by updating your code."), and that pause is
what ``P5KNN_EXIT_AFTER`` triggers (saving the file resumes); the watchdog leaves a sketch
that died from an error to py5's live coding (it shows the error and waits for a fix). The
hook also tells :mod:`p5knn.live._named` when py5 has re-run the file, so the objects of the
replaced run are closed.

When py5 is imported, p5knn registers an image conversion (``py5.register_image_conversion``)
so ``py5.image(cam, x, y)`` draws a :class:`p5knn.Camera` (its reused ``Py5Image``) or a
``StreamFrame`` directly — registered the first time p5knn links to a sketch or makes a
camera with py5 imported, never importing py5 itself.

The code is split by concern; this module holds the image copies between numpy and py5
(:func:`py5_to_rgb`, :func:`numpy_to_py5_image`) and re-exports the rest, so
``p5knn.live._py5`` stays the one place other modules import from:

* :mod:`p5knn.live._py5_objects` — telling py5 objects and sketches apart, lazily importing py5;
* :mod:`p5knn.live._py5_convert` — py5's image conversion for p5knn's frames;
* :mod:`p5knn.live._py5_live_coding` — what py5-live-coding is doing to the sketch;
* :mod:`p5knn.live._py5_link` — :class:`SketchLink`: the hook, callback delivery, the watchdog.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from p5knn._base.errors import ImageError
from p5knn.live._py5_convert import ensure_image_conversion
from p5knn.live._py5_link import HOOK_NAME, PAUSED_QUEUE, SketchLink, link_for
from p5knn.live._py5_objects import (_is_dead, _is_running, _is_sketch, _py5,
                                     class_mode_sketch_on_stack, current_sketch, is_py5_object,
                                     mouse_pointer)

CALLBACK_MODES = ("auto", "sketch", "worker")

__all__ = ["CALLBACK_MODES", "HOOK_NAME", "PAUSED_QUEUE", "SketchLink",
           "class_mode_sketch_on_stack", "current_sketch", "ensure_image_conversion",
           "is_py5_object", "link_for", "mouse_pointer", "numpy_to_py5_image", "py5_to_rgb"]


def py5_to_rgb(obj: Any) -> np.ndarray:
    """Copy the pixels of a ``Py5Image``, ``Py5Graphics``, a ``Sketch`` or the ``py5`` module
    (the running module-mode sketch's canvas) into a new H×W×3 RGB ``uint8`` array."""
    is_module = getattr(obj, "__name__", None) == "py5"
    target = _py5().get_current_sketch() if is_module else obj
    getter = getattr(target, "get_np_pixels", None)
    if getter is None:
        raise ImageError(f"cannot read pixels from py5 object {type(obj).__name__}")
    if _is_sketch(target) and not _is_running(target):
        what = "the py5 module (the module-mode sketch's canvas)" if is_module else \
            f"a {type(target).__name__} sketch (its canvas)"
        raise ImageError(
            f"cannot read pixels from {what}: the sketch is not running "
            f"({'not started yet' if not _is_dead(target) else 'it has ended'}). Pass it once "
            f"run_sketch() has started it — in setup(), draw() or a callback — or pass an "
            f"image, a Py5Graphics or a camera instead")
    try:
        pixels = getter(bands="RGB")
    except Exception as exc:
        raise ImageError(f"cannot read pixels from {type(obj).__name__}: {exc}") from exc
    arr = np.asarray(pixels)
    if arr.ndim != 3 or arr.shape[2] != 3 or arr.size == 0:
        raise ImageError(f"py5 returned pixels of shape {arr.shape}, expected H×W×3")
    return np.ascontiguousarray(arr, dtype=np.uint8)


def numpy_to_py5_image(frame: np.ndarray, bands: str, dst: Any | None, sketch: Any | None) -> Any:
    """Copy a numpy frame into ``dst`` (a reused ``Py5Image``; created when None)."""
    sketch = sketch or _py5().get_current_sketch()
    if getattr(sketch, "__name__", None) == "py5":
        sketch = sketch.get_current_sketch()
    link_for(sketch)  # any p5knn use inside a sketch attaches p5knn's hook (watchdog, exit)
    mode = "BGR" if bands.upper().startswith("BGR") else "RGB"
    if dst is not None and (dst.pixel_width, dst.pixel_height) != (frame.shape[1], frame.shape[0]):
        dst = None
    if dst is None:
        return sketch.create_image_from_numpy(frame, mode)
    return sketch.create_image_from_numpy(frame, mode, dst=dst)
