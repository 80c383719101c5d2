"""Imported mode (tests/live/test_modes.py): run by ``py5-run-sketch``, py5's functions
without the ``py5.`` prefix."""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mode_checks import H, W, Checks  # noqa: E402

checks = None


def setup():
    global checks
    size(2 * W, H)
    checks = Checks()
    checks.setup()


def draw():
    image(checks.cam, 0, 0)
    image(checks.frame, W, 0)
    if checks.draw(get_np_pixels(bands="RGB")) or frame_count > 1800:
        checks.finish()
        print(json.dumps(checks.report(mode="imported")), flush=True)
        exit_sketch()
