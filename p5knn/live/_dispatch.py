"""Where callbacks run: on the sketch's animation thread (before the next ``draw()``) when a
py5 sketch is running, else on the worker thread. Never imports py5 itself."""

from __future__ import annotations

import sys
from typing import Any

from p5knn._base.errors import P5KNNError
from p5knn.live._worker import Deliver, deliver_inline

CALLBACK_MODES = ("auto", "sketch", "worker")


def check_mode(mode: str) -> str:
    """Validate a ``callbacks=`` option."""
    if mode not in CALLBACK_MODES:
        raise ValueError(f"callbacks must be one of {CALLBACK_MODES}, got {mode!r}")
    return mode


def sketch_link(sketch: Any | None, mode: str) -> Any | None:
    """The SketchLink to deliver through, or None to run callbacks on the worker thread."""
    if mode == "worker":
        return None
    if sketch is None and "py5" not in sys.modules:
        if mode == "sketch":
            raise P5KNNError("callbacks='sketch' needs a py5 sketch: pass sketch=... "
                             "(class mode) or import py5 first (module mode)")
        return None
    from p5knn.live._py5 import link_for

    link = link_for(sketch)
    if link is None and mode == "sketch":
        raise P5KNNError("callbacks='sketch' needs a py5 sketch, and none was found")
    return link


def deliverer(sketch: Any | None, mode: str) -> Deliver:
    """A ``deliver(fn, arg, on_error)`` function for the given sketch and mode."""
    link = sketch_link(sketch, mode)
    return link.deliver if link is not None else deliver_inline
