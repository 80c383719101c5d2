"""How p5knn reports errors that happen away from the caller (in a worker, a callback, a
sketch hook): to the ``on_error`` function given, else printed once — repeats of the same error
are counted, not printed — so a thread keeps running and a console is not flooded."""

from __future__ import annotations

import collections
import sys
import threading
import traceback
from typing import Any, Callable

Callback = Callable[[Any], Any]
ErrorCallback = Callable[[BaseException], Any]

_reported: collections.Counter = collections.Counter()
_reported_lock = threading.Lock()


def report_error(exc: BaseException, on_error: ErrorCallback | None, where: str) -> None:
    """Send ``exc`` to ``on_error``; without one, print its traceback the first time only."""
    if on_error is not None:
        try:
            on_error(exc)
            return
        except Exception as inner:  # the error handler itself failed: report that
            exc, where = inner, f"on_error handler for {where}"
    key = (where, type(exc).__name__, str(exc))
    with _reported_lock:
        _reported[key] += 1
        first = _reported[key] == 1
    if first:
        print(f"p5knn: error in {where} (the thread keeps running; identical errors are not "
              "printed again):", file=sys.stderr)
        traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)


def call_safely(fn: Callable[[Any], Any], arg: Any, on_error: ErrorCallback | None) -> None:
    """``fn(arg)``, with any exception reported instead of raised."""
    try:
        fn(arg)
    except BaseException as exc:  # noqa: BLE001 - a user callback must never kill a thread
        report_error(exc, on_error, f"callback {getattr(fn, '__name__', fn)!s}")
