"""The visual example sketches (gesture_particles, mouse_vectors, regression_slider) run headless
with their autopilot (P5KNN_AUTOPILOT=1): each teaches itself — on the demo camera, or with a
scripted mouse — then checks its answers and prints one JSON summary line at exit.

Asserted: what each predicts where it taught, that holding a key or the mouse records at a
steady rate (at most 15 examples per second held, plus one per press: recording once per
frame would give about four times as many at 60 fps), that a burst keeps the particles on
screen, and the screenshot's size. No rate is asserted as such: the sketches report how long
they held, and the bound follows from their own clock."""

from __future__ import annotations

import functools
import os
from pathlib import Path

import pytest

from helpers import run_python as run
from helpers import sketch_report

ROOT = Path(__file__).resolve().parent.parent.parent
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not os.environ.get("DISPLAY"),
                                 reason="py5 needs an X display; run under xvfb-run")]
RATE = 15                                        # examples a second while held
report = functools.partial(sketch_report, clean=True)   # and no traceback


def autopilot(name: str, seconds: float, tmp_path: Path) -> tuple[dict, tuple[int, int]]:
    png = tmp_path / f"{name}.png"
    out = run([str(ROOT / "sketches" / f"{name}.py")],
              env={"P5KNN_AUTOPILOT": "1", "P5KNN_EXIT_AFTER": str(seconds),
                   "P5KNN_SCREENSHOT": str(png)})
    r = report(out)
    from PIL import Image

    with Image.open(png) as shot:
        return r, shot.size


def test_gesture_particles_autopilot(tmp_path):
    r, size = autopilot("gesture_particles", 14, tmp_path)
    # taught swirl on the galaxy field, burst on the rocket, rain on the coffee
    assert r["predicted"] == {"hubble_deep_field": "swirl", "rocket": "burst",
                              "coffee": "rain"}, r
    assert set(r["counts"]) == {"swirl", "burst", "rain"}, r
    assert min(r["counts"].values()) >= 3, r
    assert r["holds"] == 3, r                    # one hold per lesson
    assert sum(r["counts"].values()) <= r["held_s"] * RATE + r["holds"] + 2, r   # steady rate
    # the burst: watched for a while, and the particles stayed in view (not flung off the
    # field, not piled against its edges) through every explosion and at its end
    assert r["burst_frames"] > 20, r
    assert r["burst_inside_min"] >= 0.98 and r["burst_inside_end"] >= 0.98, r
    assert r["mode"] == "swirl" and r["inside"] >= 0.98, r   # the last frame: the galaxy
    assert size == (960, 540)


# Where mouse_vectors' autopilot asks, and the class it painted nearest each point.
MOUSE_QUERIES = {"150,170": "1", "520,200": "2", "330,420": "3", "240,130": "1",
                 "470,420": "3"}
SEEDS = 3                                        # the sketch starts with one example a class


def test_mouse_vectors_autopilot(tmp_path):
    r, size = autopilot("mouse_vectors", 10, tmp_path)
    assert r["predicted"] == MOUSE_QUERIES, r
    assert set(r["counts"]) == {"1", "2", "3"}, r
    assert r["undone"] == 1 and r["presses"] == 3, r
    painted = sum(r["counts"].values()) - SEEDS + r["undone"]
    assert painted >= 3 * 4, r                   # each 1-s stroke painted several examples
    assert painted <= r["held_s"] * RATE + 2 * r["presses"] + 2, r             # steady rate
    assert size == (960, 480)


REGRESSION_SPOTS = [(90, 80), (550, 80), (550, 400), (90, 400), (320, 240)]


def test_regression_slider_autopilot(tmp_path):
    r, size = autopilot("regression_slider", 14, tmp_path)
    assert r["spots"] == len(REGRESSION_SPOTS) and r["holds"] == len(REGRESSION_SPOTS), r
    for x, y in REGRESSION_SPOTS:                # each taught view predicts its own spot
        px, py = r["predicted"][f"{x},{y}"]
        assert abs(px - x) <= 40 and abs(py - y) <= 40, (x, y, r)
    assert r["count"] >= 3 * len(REGRESSION_SPOTS), r
    assert r["count"] <= r["held_s"] * RATE + r["holds"] + 2, r                # steady rate
    assert size == (960, 480)
