"""A background thread that runs jobs in order and hands results to callbacks.

``submit`` returns a :class:`concurrent.futures.Future` at once. An error in a job or in a
callback goes to ``on_error`` if given, else its traceback is printed; the thread keeps going.
"""

from __future__ import annotations

import atexit
import queue
import sys
import threading
import traceback
import weakref
from concurrent.futures import Future
from typing import Any, Callable

Callback = Callable[[Any], Any]
ErrorCallback = Callable[[BaseException], Any]

_STOP = object()
_live_workers: "weakref.WeakSet[Worker]" = weakref.WeakSet()


def report_error(exc: BaseException, on_error: ErrorCallback | None, where: str) -> None:
    """Send ``exc`` to ``on_error``, or print its traceback to stderr."""
    if on_error is not None:
        try:
            on_error(exc)
            return
        except Exception as inner:  # the error handler itself failed: say both
            exc = inner
    print(f"p5knn: error in {where}:", file=sys.stderr)
    traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)


class Worker:
    """One daemon thread executing submitted jobs first in, first out."""

    def __init__(self, name: str = "p5knn-worker") -> None:
        self.name = name
        self._jobs: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._closed = False
        _live_workers.add(self)

    def _ensure_thread(self) -> None:
        with self._lock:
            if self._closed:
                raise RuntimeError(f"{self.name} is closed")
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
                self._thread.start()

    def submit(self, fn: Callable[..., Any], *args: Any, callback: Callback | None = None,
               on_error: ErrorCallback | None = None, **kwargs: Any) -> Future:
        """Queue ``fn(*args, **kwargs)``; return its future. ``callback(result)`` runs after."""
        future: Future = Future()
        self._ensure_thread()
        self._jobs.put((future, fn, args, kwargs, callback, on_error))
        return future

    def _loop(self) -> None:
        while True:
            job = self._jobs.get()
            if job is _STOP:
                return
            future, fn, args, kwargs, callback, on_error = job
            if not future.set_running_or_notify_cancel():
                continue
            try:
                result = fn(*args, **kwargs)
            except BaseException as exc:  # noqa: BLE001 - reported, never lost
                future.set_exception(exc)
                report_error(exc, on_error, f"{self.name} job {getattr(fn, '__name__', fn)}")
                continue
            future.set_result(result)
            if callback is not None:
                try:
                    callback(result)
                except BaseException as exc:  # noqa: BLE001
                    report_error(exc, on_error, f"callback {getattr(callback, '__name__', '')}")

    @property
    def alive(self) -> bool:
        """True while the thread runs."""
        return self._thread is not None and self._thread.is_alive()

    def close(self, timeout: float = 5.0) -> None:
        """Finish queued jobs, then stop the thread (idempotent)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            thread = self._thread
        if thread is not None and thread.is_alive():
            self._jobs.put(_STOP)
            if thread is not threading.current_thread():
                thread.join(timeout)


@atexit.register
def _close_all() -> None:
    for worker in list(_live_workers):
        worker.close(timeout=1.0)
