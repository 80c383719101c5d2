"""The one way p5knn works in the background, used by every front object (feature extractors,
KNN classifiers and regressors, trained heads).

**The rule.** A method that takes ``callback=`` returns at once — a ``Future`` — when you give
it ``callback=`` (or ``on_error=``), or when you call it on a running sketch's animation thread
(inside ``draw()``); the work then runs on a background worker and ``callback(result)`` runs
on the animation thread before a later ``draw()`` (on the worker thread when no sketch runs).
Otherwise the call runs now and returns its result. ``wait=True`` always runs now (a
callback given too is called right away); ``wait=False`` always returns a ``Future``. The
animation thread is known from the first frame on: calls in ``setup()`` run now.

Steps of a background call: *snapshot* the input on the calling thread (arrays are copied,
a camera's newest frame is copied, py5 images and canvases are read there and then), pick the
worker (the extractor's when a model runs, else the front object's own), submit — *ordered*
(never dropped: adds, training) or *latest-wins* (a newer request replaces one not yet
started: predictions) — and *deliver* the result where callbacks run.

Who owns which thread: an extractor owns the worker that runs its model and closes it in
``close()``; a front object without a model (a KNN fed vectors) owns its own worker, closed
by its ``close()``; a :class:`Background` closes only the worker it created.

Under ``py5-live-coding`` every :class:`Background` is tracked with the run of the file that
made it (:mod:`p5knn.live._named`): when a reload replaces that run, its owner is closed as if
its sketch had ended, unless the owner is named or held by a named object.

Class mode without ``sketch=``: a call made on a running class-mode sketch's animation thread
by an object that has no sketch, while no module-mode sketch runs, cannot reach that sketch;
p5knn warns once (:class:`SketchNotLinkedWarning`) and says how to fix it.
"""

from __future__ import annotations

import sys
import threading
import warnings
from typing import Any, Callable, Hashable

import numpy as np

from p5knn._base.errors import P5KNNError
from p5knn.live import _named
from p5knn.live._report import Callback, ErrorCallback, call_safely
from p5knn.live._worker import Deliver, Worker, deliver_inline

CALLBACKS = ("auto", "sketch", "worker")


class SketchNotLinkedWarning(UserWarning):
    """A class-mode sketch uses a p5knn object made without ``sketch=self``."""


_warned_sketches: set[int] = set()
_warned_lock = threading.Lock()


def _warn_class_mode(owner_name: str) -> None:
    """Warn once per sketch when a class-mode sketch's animation thread calls an object that
    has no sketch (so its callbacks run on the worker, and calls in ``draw()`` run now)."""
    if not isinstance(threading.current_thread(), threading._DummyThread):
        return          # not a JVM thread: not a sketch's animation thread
    from p5knn.live._py5 import class_mode_sketch_on_stack

    sketch = class_mode_sketch_on_stack()
    if sketch is None:
        return
    with _warned_lock:
        if id(sketch) in _warned_sketches:
            return
        _warned_sketches.add(id(sketch))
    level, frame = 1, sys._getframe(0)
    while frame is not None and frame.f_globals.get("__name__", "").startswith("p5knn"):
        frame, level = frame.f_back, level + 1     # point at the user's line
    warnings.warn(
        f"p5knn: this class-mode sketch ({type(sketch).__name__}) uses a p5knn object "
        f"({owner_name}) created without sketch=: its callbacks will run on the worker thread, "
        "not on the animation thread (py5 calls in them are unsafe), and calls inside draw() "
        "run now instead of in the background. Fix: create it in setup() with sketch=self, "
        "e.g. self.knn = p5knn.knn_classifier.create(sketch=self)",
        SketchNotLinkedWarning, stacklevel=level)


def check_callbacks(mode: str) -> str:
    """Validate a ``callbacks=`` option: ``"auto"`` (the sketch's animation thread when one
    runs, else the worker thread), ``"sketch"`` (insist on a sketch) or ``"worker"``."""
    if mode not in CALLBACKS:
        raise ValueError(f"callbacks must be one of {CALLBACKS}, got {mode!r}")
    return mode


def snapshot(x: Any, bands: str) -> tuple[Any, str]:
    """``(copy of x, its bands)`` that stays valid when the caller changes ``x`` right after
    the call returns: arrays are copied, cameras give a copy of their newest frame, py5 images
    and canvases are read now (on the calling, animation, thread), PIL images are copied."""
    from p5knn.live._frames import stream_frame
    from p5knn.live._py5 import is_py5_object, py5_to_rgb

    if hasattr(x, "__p5knn_frame__"):  # a camera: its newest frame, marked as of its stream
        frame = stream_frame(x)
        return frame, frame.bands
    if isinstance(x, np.ndarray):
        return x.copy(), bands
    if is_py5_object(x):
        return py5_to_rgb(x), "RGB"
    if type(x).__module__.split(".")[0] == "PIL" and hasattr(x, "copy"):
        return x.copy(), bands
    if isinstance(x, (list, tuple)):
        return list(x), bands
    return x, bands


class Background:
    """The live side of one front object: its sketch link, its callback mode and, when it has
    no model worker to use, a worker of its own.

    Parameters
    ----------
    name : str
        Name of the worker thread this object may create.
    sketch : py5 Sketch, optional
        Whose animation thread runs callbacks (class mode: ``self``); module mode finds it.
    callbacks : {"auto", "sketch", "worker"}
        Where callbacks run.
    on_sketch_end : callable, optional
        Called once when the linked sketch ends (stop loops, close threads).

    Example
    -------
    >>> bg = Background("p5knn-example")
    >>> bg.call(lambda x: x * 2, 21, callback=print).result()
    42
    """

    def __init__(self, name: str, sketch: Any = None, callbacks: str = "auto",
                 on_sketch_end: Callable[[], None] | None = None) -> None:
        self.name = name
        self.sketch = sketch
        self.callbacks = check_callbacks(callbacks)
        self._on_sketch_end = on_sketch_end
        self._linked: dict[int, Any] = {}     # id → SketchLink that runs on_sketch_end
        self._own: Worker | None = None
        self._lock = threading.Lock()
        owner = getattr(on_sketch_end, "__self__", None)
        self.owner = owner if owner is not None else self   #: the object this serves
        _named.track(self.owner, self.close_for_reload)

    # ------------------------------------------------------------ the sketch
    def link(self) -> Any | None:
        """The sketch link callbacks go through, or None (they run on the worker)."""
        if self.callbacks == "worker":
            return None
        if self.sketch is None and "py5" not in sys.modules:
            if self.callbacks == "sketch":
                raise P5KNNError("callbacks='sketch' needs a py5 sketch: pass sketch=... "
                                 "(class mode) or import py5 first (module mode)")
            return None
        from p5knn.live._py5 import link_for

        link = link_for(self.sketch)
        if link is None and self.callbacks == "sketch":
            raise P5KNNError("callbacks='sketch' needs a py5 sketch, and none was found")
        if link is not None and id(link) not in self._linked and self._on_sketch_end:
            self._linked[id(link)] = link
            link.on_exit(self._on_sketch_end)
        if self.sketch is None and link is not None and not link.active:
            _warn_class_mode(type(self.owner).__name__)   # no module-mode sketch runs
        return link

    def deliverer(self) -> Deliver:
        """Where a callback runs: the sketch's pre-draw hook, or inline on the worker."""
        link = self.link()
        return link.deliver if link is not None else deliver_inline

    def on_animation_thread(self) -> bool:
        """True when called from the linked sketch's animation thread."""
        if self.sketch is None and "py5" not in sys.modules:
            return False
        link = self.link()
        return link is not None and link.on_animation_thread()

    # ------------------------------------------------------------ the rule
    def returns_at_once(self, callback: Callback | None, on_error: ErrorCallback | None,
                        wait: bool | None) -> bool:
        """The rule (module docstring): does this call go to the background?"""
        if wait is not None:
            return not wait
        return callback is not None or on_error is not None or self.on_animation_thread()

    def own_worker(self) -> Worker:
        """This object's own worker (made on first use; closed by :meth:`close`)."""
        with self._lock:
            if self._own is None:
                self._own = Worker(self.name)
            return self._own

    def call(self, fn: Callable[..., Any], *args: Any,
             worker: Worker | Callable[[], Worker] | None = None,
             callback: Callback | None = None, on_error: ErrorCallback | None = None,
             wait: bool | None = None, latest: Hashable | None = None,
             snap: tuple[int, str] | None = None) -> Any:
        """Run ``fn(*args)`` now or in the background, by the rule.

        ``worker``: the model's worker, or a function giving it (asked only for background
        work; default: this object's own). ``latest``: a key
        making the call latest-wins (else ordered). ``snap``: ``(position, bands)`` of the
        argument to snapshot and the band order to read it with; the snapshot's bands replace
        the argument right after it. Returns ``fn``'s result, or a ``Future`` of it.
        """
        if not self.returns_at_once(callback, on_error, wait):
            result = fn(*args)
            if callback is not None:  # wait=True with a callback: called here, right away
                call_safely(callback, result, on_error)
            return result
        args_ = list(args)
        if snap is not None:
            position, bands = snap
            args_[position], args_[position + 1] = snapshot(args_[position], bands)
        if callable(worker) and not isinstance(worker, Worker):
            worker = worker()
        worker = worker or self.own_worker()
        deliver = self.deliverer()
        if latest is not None:
            return worker.submit_latest(latest, fn, *args_, callback=callback,
                                        on_error=on_error, deliver=deliver)
        return worker.submit(fn, *args_, callback=callback, on_error=on_error, deliver=deliver)

    def deliver_later(self, fn: Callable[[Any], Any], arg: Any,
                      on_error: ErrorCallback | None = None) -> None:
        """Run ``fn(arg)`` where callbacks run (e.g. a training progress callback)."""
        link = self.link()
        if link is not None:
            link.deliver(fn, arg, on_error)
        else:
            call_safely(fn, arg, on_error)

    def flush(self, timeout: float | None = 30.0) -> bool:
        """Wait until ordered work on this object's own worker has run."""
        return self._own.flush(timeout) if self._own is not None else True

    def close(self) -> None:
        """Stop this object's own worker (a later call starts it again)."""
        with self._lock:
            own, self._own = self._own, None
        if own is not None:
            own.close()

    def close_for_reload(self) -> None:
        """A live-coding reload replaced the run that made this object: close its owner as if
        its sketch had ended, and drop the sketch's hold on it (so it can be freed)."""
        handler = self._on_sketch_end
        if handler is not None:
            handler()
        else:
            close = getattr(self.owner, "close", None)
            if callable(close) and self.owner is not self:
                close()
        self.close()
        links, self._linked = list(self._linked.values()), {}
        for link in links:
            link.remove_exit_handler(handler)
