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
from p5knn.live import _named
from p5knn.live._report import ErrorCallback, call_safely, report_error

HOOK_NAME = "p5knn"
PAUSED_QUEUE = 1000   #: callbacks kept while py5-live-coding is paused (the newest)
CALLBACK_MODES = ("auto", "sketch", "worker")


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


# ------------------------------------------------------------ py5's image conversion
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


def _live_coding_setup_or_module(sketch: Any) -> bool:
    """Under py5-live-coding, True while py5 re-runs ``setup()`` or re-executes the file's
    module code (both on the animation thread, around a frame): calls there run now, as in
    a first run's ``setup()`` and module code."""
    sync = _named.live_coding_sync(sketch)
    if sync is None:
        return False
    if getattr(sync, "run_setup_again", False):
        return True
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_name == "exec_user_code" and \
                frame.f_globals.get("__name__", "").startswith("py5_tools"):
            return True
        frame = frame.f_back
    return False


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
        _named.check_reload(sketch)        # remembers py5-live-coding's reload count
        ensure_image_conversion()
        sketch._add_pre_hook("draw", HOOK_NAME, self)
        self._watchdog = threading.Thread(target=self._watch, name="p5knn-watchdog", daemon=True)
        self._watchdog.start()

    # py5 calls the hook object with the sketch, before each draw()
    def __call__(self, sketch: Any) -> None:
        self.animation_thread = threading.get_ident()
        self.frames += 1
        try:
            _named.check_reload(sketch)    # py5-live-coding re-ran the file: close the old run
            if self._paused():
                return                     # py5 calls none of your functions now; nor do we
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
            if self.live_coding:
                self._pause_live_coding()
            else:
                self.sketch.exit_sketch()

    @property
    def live_coding(self) -> bool:
        """True while py5-live-coding runs this sketch (its ``exit_sketch`` is a pause)."""
        return _named.live_coding_sync(self.sketch) is not None

    def _pause_live_coding(self) -> None:
        """Under py5-live-coding, pause the way py5's own ``exit_sketch()`` does there: the
        replaced ``exit_sketch`` raises py5's pause exception, which py5 catches only inside
        your functions — so it is raised from ``draw()`` this frame (py5 prints "Pausing after
        exit_sketch() call. Resume by updating your code." and resumes when the file is
        saved). Without py5's wrapper, only drawing stops (``no_loop``)."""
        sync = _named.live_coding_sync(self.sketch)
        wrapper = getattr(sync, "functions", {}).get("draw") if sync is not None else None
        original = getattr(wrapper, "f", None)
        if wrapper is None or original is None:
            self.sketch.no_loop()
            return
        sketch = self.sketch

        def pause(*_args: Any) -> None:
            wrapper.f = original             # once: the next run of draw() is yours again
            sketch.exit_sketch()             # py5-live-coding's pause (raises, py5 shows it)

        wrapper.f = pause

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
                    if not self.live_coding:   # live coding: py5 shows it, waits for a fix
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
        if self.animation_thread != threading.get_ident() or not self.active:
            return False
        return not _live_coding_setup_or_module(self.sketch)

    def _paused(self) -> bool:
        """py5-live-coding paused this sketch (it shows an error or ``exit_sketch()``'s pause
        and waits for a save): callbacks wait, as py5's calls of your functions do."""
        return _named.live_coding_paused() and self.live_coding

    def drop_queued(self) -> None:
        """Forget the callbacks not run yet (a live-coding reload replaced their run)."""
        self._queue.clear()

    def deliver(self, fn: Callable[[Any], Any], arg: Any, on_error: ErrorCallback | None) -> None:
        """Queue ``fn(arg)`` for the next pre-draw; run it right away if the sketch cannot."""
        if self.active:
            self._queue.append((fn, arg, on_error))
            if len(self._queue) > PAUSED_QUEUE and self._paused():
                self._queue.popleft()      # a long pause: keep the newest callbacks only
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

    def remove_exit_handler(self, handler: Callable[[], None] | None) -> None:
        """Forget ``handler`` (its object was closed already and may be freed)."""
        with self._lock:
            self._exit_handlers = [h for h in self._exit_handlers if h != handler]


_links: dict[int, SketchLink] = {}
_links_lock = threading.Lock()


def _drop_callbacks_of_replaced_run() -> None:
    """A live-coding reload started a new run: callbacks still queued belong to the old one."""
    for link in list(_links.values()):
        if link.live_coding:
            link.drop_queued()


_named.new_run_listeners.append(_drop_callbacks_of_replaced_run)


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
