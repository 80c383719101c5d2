"""py5-live-coding seen from a sketch link: whether py5 is re-running ``setup()`` or the
file's module code right now (:func:`live_coding_setup_or_module`), and pausing a live-coded
sketch the way py5's own ``exit_sketch()`` does there (:func:`pause_live_coding`)."""

from __future__ import annotations

import sys
from typing import Any

from p5knn.live import _named


def live_coding_setup_or_module(sketch: Any) -> bool:
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


def pause_live_coding(sketch: Any) -> None:
    """Under py5-live-coding, pause the way py5's own ``exit_sketch()`` does there: the
    replaced ``exit_sketch`` raises py5's pause exception, which py5 catches only inside
    your functions — so it is raised from ``draw()`` this frame (py5 prints "Pausing after
    exit_sketch() call. Resume by updating your code." and resumes when the file is
    saved). Without py5's wrapper, only drawing stops (``no_loop``)."""
    sync = _named.live_coding_sync(sketch)
    wrapper = getattr(sync, "functions", {}).get("draw") if sync is not None else None
    original = getattr(wrapper, "f", None)
    if wrapper is None or original is None:
        sketch.no_loop()
        return

    def pause(*_args: Any) -> None:
        wrapper.f = original             # once: the next run of draw() is yours again
        sketch.exit_sketch()             # py5-live-coding's pause (raises, py5 shows it)

    wrapper.f = pause
