"""The background thread that owns a model: ordered jobs that are never dropped (adds) and
latest-wins jobs (predictions), each handing its result to a callback.

``submit`` queues a job first in, first out. ``submit_latest(key, ...)`` keeps at most one
pending job per key: a newer request replaces an older one that has not started (its future
is cancelled and counted in ``dropped``), so a fast caller never builds a backlog. Queued
ordered jobs run before latest-wins jobs, so a prediction sees every example added before it.

An error in a job or a callback is reported (:mod:`p5knn.live._report`); the thread keeps
going.

Every future is a :class:`Future`: a ``concurrent.futures.Future`` that also has py5's
``Py5Promise`` shape for polling in ``draw()`` (``is_ready``; ``value`` is the result or None).
"""

from __future__ import annotations

import atexit
import collections
import concurrent.futures
import threading
import weakref
from typing import Any, Callable, Hashable

from p5knn.live._report import Callback, ErrorCallback, call_safely, report_error

Deliver = Callable[[Callable[[Any], Any], Any, "ErrorCallback | None"], None]

_live_workers: "weakref.WeakSet[Worker]" = weakref.WeakSet()


class Future(concurrent.futures.Future):
    """A ``concurrent.futures.Future`` (``result(timeout)``, ``done()``, ``add_done_callback``
    … all work as usual) with py5's ``Py5Promise`` shape for polling from ``draw()``:

    * ``is_ready`` — True once the result is there (like ``Py5Promise.is_ready``); False while
      it runs, and for a cancelled (dropped) or failed job;
    * ``value`` — the result when ready, else None, never blocking (what
      ``Py5Promise.result`` is; ``result`` itself stays ``Future.result()``, a call).

    Unlike a ``Py5Promise`` it is always true in ``if future:`` (a ``Future`` is), so existing
    ``if pending: ...`` code keeps its meaning.

    Example
    -------
    >>> pending = knn.predict_class(cam, wait=False)
    >>> if pending.is_ready:                 # in a later draw()
    ...     label = pending.value.label
    """

    @property
    def is_ready(self) -> bool:
        """True once the job finished with a result (not cancelled, not failed)."""
        return self.done() and not self.cancelled() and self.exception(0) is None

    @property
    def value(self) -> Any:
        """The result when :attr:`is_ready`, else None (never waits, never raises)."""
        return self.result(0) if self.is_ready else None


def deliver_inline(fn: Callable[[Any], Any], arg: Any, on_error: ErrorCallback | None) -> None:
    """Run a callback right here, on the worker thread."""
    call_safely(fn, arg, on_error)


class _Job:
    __slots__ = ("future", "fn", "args", "kwargs", "callback", "on_error", "deliver")

    def __init__(self, fn, args, kwargs, callback, on_error, deliver) -> None:
        self.future: Future = Future()
        self.fn, self.args, self.kwargs = fn, args, kwargs
        self.callback, self.on_error, self.deliver = callback, on_error, deliver


class Worker:
    """One daemon thread executing jobs; restartable after :meth:`close`."""

    def __init__(self, name: str = "p5knn-worker") -> None:
        self.name = name
        self._ordered: collections.deque[_Job] = collections.deque()
        self._latest: dict[Hashable, _Job] = {}
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stop = False
        self._running_job = False
        self._exiting = False  # the thread has taken its last job and is ending
        self.completed = 0   #: jobs finished (successfully or not)
        self.dropped = 0     #: latest-wins jobs replaced before they started
        _live_workers.add(self)

    def __repr__(self) -> str:
        return (f"Worker({self.name!r}, is_alive={self.is_alive}, pending={self.pending}, "
                f"completed={self.completed}, dropped={self.dropped})")

    @property
    def pending(self) -> int:
        """Jobs waiting to start."""
        with self._cond:
            return len(self._ordered) + len(self._latest)

    def is_current_thread(self) -> bool:
        """True when called from this worker's own thread."""
        return self._thread is threading.current_thread()

    @property
    def is_alive(self) -> bool:
        """True while the thread runs."""
        return self._thread is not None and self._thread.is_alive()

    def _start(self) -> None:
        if self._thread is None or self._exiting or not self._thread.is_alive():
            self._stop = False
            self._exiting = False
            self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
            self._thread.start()

    def submit(self, fn: Callable[..., Any], *args: Any, callback: Callback | None = None,
               on_error: ErrorCallback | None = None, deliver: Deliver | None = None,
               **kwargs: Any) -> Future:
        """Queue ``fn(*args, **kwargs)`` in order; it is never dropped. Returns its future."""
        job = _Job(fn, args, kwargs, callback, on_error, deliver or deliver_inline)
        with self._cond:
            self._start()
            self._ordered.append(job)
            self._cond.notify()
        return job.future

    def submit_latest(self, key: Hashable, fn: Callable[..., Any], *args: Any,
                      callback: Callback | None = None, on_error: ErrorCallback | None = None,
                      deliver: Deliver | None = None, **kwargs: Any) -> Future:
        """Queue ``fn`` as the newest request for ``key``, replacing a pending older one."""
        job = _Job(fn, args, kwargs, callback, on_error, deliver or deliver_inline)
        with self._cond:
            self._start()
            old = self._latest.pop(key, None)
            if old is not None:
                old.future.cancel()
                self.dropped += 1
            self._latest[key] = job
            self._cond.notify()
        return job.future

    def _next(self) -> _Job | None:
        with self._cond:
            while not self._ordered and not self._latest and not self._stop:
                self._cond.wait()
            if self._ordered:
                self._running_job = True
                return self._ordered.popleft()
            if self._latest:
                key = next(iter(self._latest))
                self._running_job = True
                return self._latest.pop(key)
            self._exiting = True  # a submit from now on starts a new thread
            return None  # stopping and nothing left

    def _loop(self) -> None:
        while True:
            job = self._next()
            if job is None:
                return
            try:
                self._run(job)
            finally:
                with self._cond:
                    self._running_job = False
                    self._cond.notify_all()

    def _run(self, job: _Job) -> None:
        if job.future.set_running_or_notify_cancel():
            try:
                result = job.fn(*job.args, **job.kwargs)
            except BaseException as exc:  # noqa: BLE001 - reported, never lost
                job.future.set_exception(exc)
                self.completed += 1
                report_error(exc, job.on_error, f"{self.name} ({getattr(job.fn, '__name__', '')})")
                return
            job.future.set_result(result)
            self.completed += 1
            if job.callback is not None:
                job.deliver(job.callback, result, job.on_error)

    def flush(self, timeout: float | None = 30.0) -> bool:
        """Wait until every ordered job (e.g. background adds) submitted so far has run.
        Returns False on timeout; returns at once when called from the worker itself."""
        if self._thread is threading.current_thread() or not self.is_alive:
            return True
        marker = threading.Event()
        self.submit(marker.set)
        return marker.wait(timeout)

    def wait_idle(self, timeout: float | None = 30.0) -> bool:
        """Wait until nothing is queued or running. Returns False on timeout."""
        if self._thread is threading.current_thread():
            return True
        with self._cond:
            return self._cond.wait_for(
                lambda: not (self._ordered or self._latest or self._running_job), timeout)

    def close(self, timeout: float = 5.0) -> None:
        """Run what is queued, then stop the thread. A later submit starts a new thread."""
        with self._cond:
            thread = self._thread
            self._stop = True
            self._cond.notify_all()
        if thread is not None and thread.is_alive() and thread is not threading.current_thread():
            thread.join(timeout)


@atexit.register
def _close_all() -> None:
    for worker in list(_live_workers):
        worker.close(timeout=1.0)
