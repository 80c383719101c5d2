"""Sketch linking and callback delivery: :class:`SketchLink` ties p5knn to one running sketch
through py5's library hook (``sketch._add_pre_hook("draw", ...)``, as py5's own tools do) —
results of background work are handed to callbacks there, on the animation thread, before the
next ``draw()`` — and :func:`link_for` gives each sketch its one link. The link also runs the
per-frame ticks, the watchdog, ``P5KNN_EXIT_AFTER`` / ``P5KNN_SCREENSHOT`` and the
py5-live-coding behaviour described in :mod:`p5knn.live._py5`."""

from __future__ import annotations

import collections
import os
import threading
import time
from typing import Any, Callable

from p5knn.live import _named
from p5knn.live._py5_convert import ensure_image_conversion
from p5knn.live._py5_live_coding import live_coding_setup_or_module, pause_live_coding
from p5knn.live._py5_objects import _frame_count, current_sketch
from p5knn.live._report import ErrorCallback, call_safely, report_error

HOOK_NAME = "p5knn"
PAUSED_QUEUE = 1000   #: callbacks kept while py5-live-coding is paused (the newest)


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
        """Under py5-live-coding, pause the way py5's own ``exit_sketch()`` does there (see
        :func:`p5knn.live._py5_live_coding.pause_live_coding`)."""
        pause_live_coding(self.sketch)

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
        return not live_coding_setup_or_module(self.sketch)

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

