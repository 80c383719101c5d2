"""What tests/live/test_modes.py checks in every py5 mode (module, class, imported, static,
Jupyter), shared by the mode sketches in this folder.

A camera on a still source (left half red, right half blue: known pixels), a MobileNet KNN
classifier taught from it, continuous classification of it and one prediction made inside
``draw()``. :class:`Checks` records where callbacks ran, what ``py5.image(cam, ...)`` drew and
the futures' Py5Promise shape, and says when everything has been seen; ``report()`` is the
JSON line the sketch prints last.
"""

from __future__ import annotations

import threading
import warnings
from pathlib import Path
import sys

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))
import p5knn  # noqa: E402
from p5knn.live._frames import StreamFrame  # noqa: E402

W, H = 64, 48           #: the camera's frame; the canvas is 2W × H
RED, BLUE, GREEN = (255, 0, 0), (0, 0, 255), (0, 255, 0)


class Still:
    """A still camera source: BGR frames, the left half red, the right half blue."""

    def __init__(self) -> None:
        self.frame = np.zeros((H, W, 3), np.uint8)
        self.frame[:, : W // 2] = RED[::-1]
        self.frame[:, W // 2:] = BLUE[::-1]

    def read(self):
        return True, self.frame.copy()


class Checks:
    """Everything one mode has to show; ``sketch`` is the sketch in class mode."""

    def __init__(self, sketch=None, link: bool = True) -> None:
        self.cam = p5knn.Camera(source=Still(), width=W, height=H, quiet=True)
        assert self.cam.wait_for_frame(0, 30), "no frame from the still camera"
        self.knn = p5knn.knn_classifier.create(sketch=sketch if link else None)
        green = np.zeros((H, W, 3), np.uint8)
        green[:] = GREEN
        self.frame = StreamFrame(green, "RGB", 0.0, "test")    # drawn at (W, 0)
        self.report_ = {"setup_add": None, "callbacks": 0, "callback_threads": set(),
                        "draw_threads": set(), "pixels": None, "draw_future": None,
                        "promise": None, "frames": 0, "labels": set()}
        self.pending = None
        self.lock = threading.Lock()
        self.finished = False

    # --- in setup()
    def setup(self) -> None:
        added = self.knn.add_example(self.cam, "still")     # setup: runs now, an index
        self.report_["setup_add"] = type(added).__name__
        self.knn.classify_start(self.cam, self.got)

    def got(self, result) -> None:
        if self.finished:
            return      # delivered after the sketch ended: on the worker, as documented
        with self.lock:
            self.report_["callbacks"] += 1
            self.report_["callback_threads"].add(threading.get_ident())
            self.report_["labels"].add(result.label)

    # --- in draw(), after image(cam, 0, 0) and image(frame, W, 0)
    def draw(self, pixels: np.ndarray) -> bool:
        """``pixels``: the canvas as H×2W×3 RGB. True when everything has been seen."""
        r = self.report_
        r["frames"] += 1
        r["draw_threads"].add(threading.get_ident())
        if r["pixels"] is None:
            r["pixels"] = canvas_colours(pixels)
        if self.pending is None:
            self.pending = self.knn.predict_class(self.cam)    # in draw(): a Future at once
            if not hasattr(self.pending, "is_ready"):           # no sketch: it ran now
                r["draw_future"] = [type(self.pending).__name__, True, True]
                r["promise"] = ["ran now", self.pending.label]
                return False
            r["draw_future"] = [type(self.pending).__name__, self.pending.done(),
                                self.pending.is_ready]
        elif hasattr(self.pending, "is_ready") and self.pending.is_ready and \
                r["promise"] is None:
            r["promise"] = [self.pending.is_ready, self.pending.value.label,
                            self.pending.result().label]
        return r["callbacks"] >= 3 and r["promise"] is not None

    def finish(self) -> None:
        """Stop classifying (call it in draw() before exit_sketch())."""
        self.finished = True
        self.knn.classify_stop(wait=False)

    def report(self, **extra) -> dict:
        self.finish()
        r = dict(self.report_)
        threads = r.pop("callback_threads")
        draws = r.pop("draw_threads")
        r["callbacks_on_draw_thread"] = bool(threads) and threads <= draws
        r["labels"] = sorted(r["labels"])
        r.update(extra)
        return r


def canvas_colours(pixels: np.ndarray) -> list:
    """The colours at the middle of the camera's two halves and of the stream frame."""
    return [pixels[H // 2, W // 4].tolist(), pixels[H // 2, 3 * W // 4].tolist(),
            pixels[H // 2, W + W // 2].tolist()]


def record_warnings() -> list:
    """Warnings raised from now on, on any thread (class mode warns on its animation
    thread)."""
    caught: list = []
    original = warnings.showwarning

    def show(message, category, filename, lineno, file=None, line=None):
        caught.append(f"{category.__name__}: {message}")
        original(message, category, filename, lineno, file, line)

    warnings.showwarning = show
    return caught
