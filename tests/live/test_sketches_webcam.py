"""The two webcam classifier sketches, run headless with their autopilot (P5KNN_AUTOPILOT=1 on
the demo camera): they teach cat, rocket and coffee by "holding" 1, 2, 3 over those photos,
then look at each again. Asserted: what they predict, that holding a key records at a steady
15 examples a second (never one per frame), and, in class mode, that a real key press of u
that spans several frames undoes exactly one example.

Frame rates depend on the machine: nothing here asserts a rate. The counts are checked
against the time each key was held, as the sketch measured it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from helpers import run_python as run
from helpers import sketch_report

ROOT = Path(__file__).resolve().parent.parent.parent
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not os.environ.get("DISPLAY"),
                                 reason="py5 needs an X display; run under xvfb-run")]
TAUGHT = {"cat", "rocket", "coffee"}
report = sketch_report


def autopilot(name: str, seconds: float, png: Path) -> dict:
    out = run([str(ROOT / "sketches" / f"{name}.py")],
              env={"P5KNN_AUTOPILOT": "1", "P5KNN_EXIT_AFTER": str(seconds),
                   "P5KNN_SCREENSHOT": str(png)})
    assert "Traceback" not in out.stderr, out.stderr[-3000:]
    r = report(out)
    from PIL import Image

    with Image.open(png) as shot:                # the last frame, whole
        assert shot.size == (960, 480)
    return r


def assert_steady_rate(recorded: dict, r: dict) -> None:
    """Each key was held about a second; examples came at most one per RECORD_EVERY of it
    (one per frame would be about 60 at 60 fps: far above the bound whenever the sketch drew
    more than ~17 frames in that second, which ``held_frames`` shows)."""
    assert set(recorded) == TAUGHT and set(r["held_seconds"]) == TAUGHT, r
    assert r["record_every"] == pytest.approx(1 / 15)
    for label, count in recorded.items():
        held = r["held_seconds"][label]
        assert 0.1 < held < 2.0, r                    # the autopilot held it ~1 s (stalls)
        assert 1 <= count <= held / r["record_every"] + 2, (label, r)
        if r["held_frames"][label] > 2 * (held * 15 + 2):   # enough frames to tell
            assert count < r["held_frames"][label] / 2, (label, r)


def test_webcam_classifier_autopilot(tmp_path):
    r = autopilot("webcam_classifier", 16, tmp_path / "shot.png")
    # the taught photos again, and the horse it never saw: below min_similarity, "unknown"
    assert r["predicted"] == {"rocket": "rocket", "coffee": "coffee", "horse": "unknown",
                              "chelsea": "cat"}, r
    assert_steady_rate(r["counts"], r)


def test_webcam_classifier_class_mode_autopilot_and_undo_per_press(tmp_path):
    r = autopilot("webcam_classifier_class_mode", 16, tmp_path / "shot.png")
    assert r["predicted"] == {"coffee": "coffee", "chelsea": "cat", "rocket": "rocket"}, r
    # every key went through py5's event path: key_pressed() saw each press once
    assert r["keys_pressed"] == ["1", "2", "3", "u", "u"], r
    recorded = r["recorded"]                         # the counts just before the first undo
    assert_steady_rate(recorded, r)
    undo = r["undo"]
    assert undo["taps"] == 2, r
    assert all(frames >= 4 for frames in undo["frames_per_tap"]), r   # u down several frames
    assert undo["frames_u_held"] >= 8, r             # ... and draw() saw it held in each
    assert undo["removed"] == [1, 1], r              # one example per press, not per frame
    # the taps removed the newest examples (coffee, taught last); nothing else changed
    assert r["counts"] == {**recorded, "coffee": recorded["coffee"] - 2}, r
