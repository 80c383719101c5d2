"""The training sketches under Xvfb, driven by their autopilots on the demo camera
(``P5KNN_AUTOPILOT=1``): ``train_head_live.py`` records cat, rocket and coffee, trains a head
while drawing its loss curve, then recognises each photo; ``imagenet_labeller.py`` names
photos with MobileNet's own ImageNet classes (issue 15).

Nothing here asserts a time or a rate: the machine is shared. What is asserted is what the
sketches promise: the loss arrives epoch by epoch on many different frames while draw() keeps
running, recording is time-based (15 a second, not once per frame), the answers are right."""

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
report = functools.partial(sketch_report, clean=True)   # and no traceback


def autopilot(name: str, seconds: float, png: Path) -> dict:
    return report(run([str(ROOT / "sketches" / f"{name}.py")],
                      env={"P5KNN_AUTOPILOT": "1", "P5KNN_EXIT_AFTER": str(seconds),
                           "P5KNN_SCREENSHOT": str(png)}))


def size(png: Path) -> tuple[int, int]:
    from PIL import Image

    with Image.open(png) as shot:
        return shot.size


RECORD_RATE = 15      # examples a second while a key is held (the sketch's RECORD_EVERY)


def test_train_head_live_grows_its_loss_curve_while_drawing_and_predicts(tmp_path):
    png = tmp_path / "train_head_live.png"
    r = autopilot("train_head_live", 34, png)
    assert r["trained"], r
    assert r["predicted"] == {"chelsea": "cat", "rocket": "rocket", "coffee": "coffee"}, r

    # one loss per epoch, in order, each delivered to while_training() on the animation thread
    epochs = [epoch for epoch, _, _ in r["losses"]]
    assert epochs == list(range(1, 21)), r["losses"]
    # ... as they came, not all at once at the end: on many different frames, spread over
    # the training, while draw() kept running (frames drawn while it trained)
    frames = [frame for _, _, frame in r["losses"]]
    assert frames == sorted(frames)
    assert len(set(frames)) >= 8, frames
    assert frames[-1] - frames[0] >= 10, frames
    assert r["frames_while_training"] > len(set(frames)), r
    losses = [loss for _, loss, _ in r["losses"]]
    assert losses[-1] < losses[0] / 10, losses          # it learned

    # a steady rate while a key is held, not one example per drawn frame
    for label, seconds in r["held"].items():
        assert 1 <= r["counts"][label] <= seconds * RECORD_RATE + 2, r
    assert set(r["counts"]) == {"cat", "rocket", "coffee"}
    assert size(png) == (960, 480)


CATS = {"Egyptian cat", "tabby", "tiger cat"}
ROCKETS = {"missile", "projectile", "space shuttle"}


def test_imagenet_labeller_names_the_photos(tmp_path):
    png = tmp_path / "imagenet_labeller.png"
    r = autopilot("imagenet_labeller", 14, png)
    assert set(r["top1"]) == {"rocket", "coffee", "horse", "astronaut", "chelsea"}, r
    assert r["top1"]["chelsea"] in CATS, r
    assert r["top1"]["coffee"] == "espresso", r
    # MobileNet's top 1 for the rocket on its launch tower is "obelisk" (its 40 %; then
    # crane, drilling platform): a missile is among its five guesses, not first
    rocket = {name for name, _ in r["top5"]["rocket"]}
    assert rocket & ROCKETS and not rocket & CATS, r
    for guesses in r["top5"].values():                   # five, most likely first
        assert len(guesses) == 5
        assert [p for _, p in guesses] == sorted((p for _, p in guesses), reverse=True)
    assert size(png) == (960, 480)
