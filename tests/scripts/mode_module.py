"""Module mode (tests/live/test_modes.py): ``import py5``, ``py5.run_sketch()``. Also checks
that passing ``py5`` (the module-mode canvas) before the sketch runs is a clear p5knn error."""

import json
import sys
from pathlib import Path

import py5

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mode_checks import H, W, Checks  # noqa: E402

import p5knn  # noqa: E402

checks = None
try:
    p5knn.knn_classifier.create().add_example(py5, "canvas")   # not running yet
    before_run = "no error"
except p5knn.P5KNNError as exc:
    before_run = f"{type(exc).__name__}: {exc}"


def setup():
    global checks
    py5.size(2 * W, H)
    checks = Checks()
    checks.setup()


def draw():
    py5.image(checks.cam, 0, 0)                # a p5knn Camera, drawn by py5 itself
    py5.image(checks.frame, W, 0)              # a StreamFrame too
    if checks.draw(py5.get_np_pixels(bands="RGB")) or py5.frame_count > 1800:
        checks.finish()
        py5.exit_sketch()


py5.run_sketch(block=True)
print(json.dumps(checks.report(mode="module", before_run=before_run)), flush=True)
