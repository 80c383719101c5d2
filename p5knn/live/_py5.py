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
"""

from __future__ import annotations

import collections
import os
import sys
import threading
import time
from typing import Any, Callable

import numpy as np

from p5knn._base.errors import ImageError
from p5knn.live._report import ErrorCallback, call_safely, report_error

HOOK_NAME = "p5knn"
CALLBACK_MODES = ("auto", "sketch", "worker")


def _py5() -> Any:
    import py5

    return py5


def current_sketch() -> Any | None:
    """The module-mode sketch, but only if py5 is already imported (never imports it)."""
    if "py5" not in sys.modules:
        return None
    return sys.modules["py5"].get_current_sketch()


def py5_to_rgb(obj: Any) -> np.ndarray:
    """Copy the pixels of a ``Py5Image``, ``Py5Graphics``, a ``Sketch`` or the ``py5`` module
    (the running module-mode sketch's canvas) into a new H×W×3 RGB ``uint8`` array."""
    target = _py5().get_current_sketch() if getattr(obj, "__name__", None) == "py5" else obj
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


def numpy_to_py5_image(frame: np.ndarray, bands: str, dst: Any | None, sketch: Any | None) -> Any:
    """Copy a numpy frame into ``dst`` (a reused ``Py5Image``; created when None)."""
    sketch = sketch or _py5().get_current_sketch()
    link_for(sketch)  # any p5knn use inside a sketch attaches p5knn's hook (watchdog, exit)
    mode = "BGR" if bands.upper().startswith("BGR") else "RGB"
    if dst is not None and (dst.pixel_width, dst.pixel_height) != (frame.shape[1], frame.shape[0]):
        dst = None
    if dst is None:
        return sketch.create_image_from_numpy(frame, mode)
    return sketch.create_image_from_numpy(frame, mode, dst=dst)


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


class SketchLink:
    """p5knn's connection to one sketch: a pre-draw hook that runs queued callbacks and
    per-frame tick functions on the animation thread, a watchdog that ends a sketch that died
    from an error (so the JVM can exit), and exit handlers run when the sketch ends."""

    def __init__(self, sketch: Any) -> None:
        self.sketch = sketch
        self.animation_thread: int | None = None
        self._queue: collections.deque = collections.deque()
        self._ticks: dict[Any, Callable[[], None]] = {}
        self._exit_handlers: list[Callable[[], None]] = []
        self._lock = threading.Lock()
        self._ended = False
        self.frames = 0
        self.callbacks_run = 0
        self._exit_after = float(os.environ.get("P5KNN_EXIT_AFTER", "0") or 0)
        self._screenshot = os.environ.get("P5KNN_SCREENSHOT", "").strip()
        self._started: float | None = None
        sketch._add_pre_hook("draw", HOOK_NAME, self)
        self._watchdog = threading.Thread(target=self._watch, name="p5knn-watchdog", daemon=True)
        self._watchdog.start()

    # py5 calls the hook object with the sketch, before each draw()
    def __call__(self, sketch: Any) -> None:
        self.animation_thread = threading.get_ident()
        self.frames += 1
        try:
            self._run_ticks()
            self._run_callbacks()
            self._maybe_exit()
        except BaseException as exc:  # noqa: BLE001 - an exception here would kill the sketch
            report_error(exc, None, "p5knn's pre-draw hook")

    def _run_ticks(self) -> None:
        with self._lock:
            ticks = list(self._ticks.values())
        for tick in ticks:
            try:
                tick()
            except BaseException as exc:  # noqa: BLE001
                report_error(exc, None, "continuous classification")

    def _run_callbacks(self) -> None:
        for _ in range(len(self._queue)):
            fn, arg, on_error = self._queue.popleft()
            call_safely(fn, arg, on_error)
            self.callbacks_run += 1

    def _maybe_exit(self) -> None:
        if not self._exit_after:
            return
        now = time.perf_counter()
        self._started = self._started or now
        if now - self._started >= self._exit_after:
            self._exit_after = 0
            if self._screenshot:
                self._save_screenshot(self._screenshot)
            print(f"p5knn: P5KNN_EXIT_AFTER reached: {self.frames} frames, "
                  f"{self.callbacks_run} callbacks", flush=True)
            self.sketch.exit_sketch()

    def _save_screenshot(self, path: str) -> None:
        """Save the canvas (here, before ``draw()``: the last frame drawn, whole) as ``path``."""
        try:
            target = os.path.abspath(os.path.expanduser(path))
            os.makedirs(os.path.dirname(target), exist_ok=True)
            self.sketch.save(target, drop_alpha=True)
            print(f"p5knn: P5KNN_SCREENSHOT saved {target}", flush=True)
        except Exception as exc:  # noqa: BLE001 - a failed screenshot must not keep it running
            report_error(exc, None, f"P5KNN_SCREENSHOT ({path})")

    # py5 calls this when the sketch ends
    def sketch_terminated(self) -> None:
        self._end()

    def _end(self) -> None:
        with self._lock:
            if self._ended:
                return
            self._ended = True
            handlers, self._exit_handlers = self._exit_handlers, []
            self._ticks.clear()
        self._queue.clear()
        for handler in handlers:
            call_safely(lambda _: handler(), None, None)
        _links.pop(id(self.sketch), None)

    def _watch(self) -> None:
        while not self._ended:
            time.sleep(0.25)
            try:
                if self.sketch.is_dead_from_error:
                    self.sketch.exit_sketch()  # or the animation thread keeps the JVM alive
                    self._end()
                elif self.sketch.is_dead:
                    self._end()
            except Exception:  # noqa: BLE001 - py5 shutting down
                self._end()

    @property
    def active(self) -> bool:
        """True while the sketch runs and has a ``draw()`` (so the hook fires)."""
        if self._ended:
            return False
        try:
            bridge = self.sketch._py5_bridge
            return bool(self.sketch.is_running) and bridge is not None and \
                bridge.has_function("draw")
        except Exception:  # noqa: BLE001
            return False

    def on_animation_thread(self) -> bool:
        """True when called from this sketch's animation thread — from its first frame on:
        before the hook has fired once (an object's first call inside ``draw()``), a call
        that comes from a JVM thread (not one Python started) into a running sketch is."""
        if self.animation_thread is None and isinstance(threading.current_thread(),
                                                        threading._DummyThread) \
                and self.active and _frame_count(self.sketch) >= 1:   # draw(), not setup()
            self.animation_thread = threading.get_ident()
        return self.animation_thread == threading.get_ident() and self.active

    def deliver(self, fn: Callable[[Any], Any], arg: Any, on_error: ErrorCallback | None) -> None:
        """Queue ``fn(arg)`` for the next pre-draw; run it right away if the sketch cannot."""
        if self.active:
            self._queue.append((fn, arg, on_error))
        else:
            call_safely(fn, arg, on_error)

    def add_tick(self, key: Any, fn: Callable[[], None]) -> None:
        """Call ``fn()`` before every ``draw()`` until :meth:`remove_tick`."""
        with self._lock:
            self._ticks[key] = fn

    def remove_tick(self, key: Any) -> None:
        with self._lock:
            self._ticks.pop(key, None)

    def on_exit(self, handler: Callable[[], None]) -> None:
        """Run ``handler()`` once when the sketch ends."""
        with self._lock:
            self._exit_handlers.append(handler)


_links: dict[int, SketchLink] = {}
_links_lock = threading.Lock()


def _frame_count(sketch: Any) -> int:
    try:
        return int(sketch.frame_count)
    except Exception:  # noqa: BLE001 - a sketch that is not running
        return 0


def link_for(sketch: Any | None) -> SketchLink | None:
    """The :class:`SketchLink` of ``sketch`` (default: the module-mode sketch if py5 is
    imported), created on first use; None when there is no sketch."""
    sketch = sketch if sketch is not None else current_sketch()
    if sketch is None:
        return None
    if getattr(sketch, "__name__", None) == "py5":
        sketch = sketch.get_current_sketch()
    with _links_lock:
        link = _links.get(id(sketch))
        if link is None or link._ended:
            link = _links[id(sketch)] = SketchLink(sketch)
        return link


def is_py5_object(obj: Any) -> bool:
    """True for py5 images, graphics and sketches, and the ``py5`` module itself (checked
    without importing py5)."""
    if getattr(obj, "__name__", None) == "py5":  # the py5 module: module-mode canvas
        return True
    return any((getattr(cls, "__module__", "") or "").split(".")[0] == "py5"
               for cls in type(obj).__mro__)
