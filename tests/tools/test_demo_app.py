"""The live demo (p5knn/tools/_demo_app.py, ``p5knn demo``): the autopilot teaches three photos
of the demo source and predicts them, headless under Xvfb."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("DISPLAY"),
                    reason="py5 needs an X display; run under xvfb-run")
def test_demo_autopilot_teaches_and_predicts(tmp_path):
    shot = tmp_path / "demo.png"
    out = subprocess.run([sys.executable, "-m", "p5knn", "demo", "--autopilot", "--seconds",
                          "16", "--screenshot", str(shot), "--save-path",
                          str(tmp_path / "demo.p5knn")],
                         capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-3000:]
    line = next(ln for ln in out.stdout.splitlines() if ln.startswith("p5knn demo summary"))
    summary = json.loads(line.split(":", 1)[1])
    print("\ndemo summary:", summary)
    assert set(summary["examples"]) == {"cat", "rocket", "coffee"}
    assert all(n >= 3 for n in summary["examples"].values())   # 15 a second while held
    assert summary["predictions"] > 50
    assert summary["last_label"] in {"cat", "rocket", "coffee"}
    assert summary["checks"] == {"chelsea": "cat", "rocket": "rocket", "coffee": "coffee"}
    assert shot.stat().st_size > 10_000
    assert_every_example_shows_its_photo(tmp_path / "demo.p5knn", summary["taught"])
    # after teaching, the autopilot pressed keys as a person does: real key events, each held
    # 0.15 s (several frames) — every press acted exactly once
    keys = summary["keys"]
    assert keys["pressed"] == ["1", "2", "3", "u", "m", "m", "+", "-"]
    assert keys["undone"] == ["coffee"]                  # u: the last example, once
    assert sum(summary["examples"].values()) == keys["saved"] - 1
    assert keys["mirror"] == [True, False] and keys["k"] == [4, 3]
    # and dragged the picture 120 px to the right: the view moved 120 camera pixels left
    # over the 1280 it can travel (the wall is three 640-px photos wide)
    (x0, y0), (x1, y1) = keys["view_before_drag"], keys["view_after_drag"]
    assert x1 - x0 == pytest.approx(-120 / 1280, abs=1e-6) and y1 == y0
    # issue 14: the model is ready and the first prediction comes after the first example;
    # how soon (0.10-0.13 s on a quiet machine) is printed, not asserted: a busy core slows it
    assert summary["ready_s"] is not None and summary["first_prediction_s"] is not None
    assert f"first prediction {summary['first_prediction_s']:.2f} s after the first example" \
        in out.stdout


def assert_every_example_shows_its_photo(saved: Path, taught: dict[str, str]) -> None:
    """Each example the autopilot recorded (saved at the end of its teaching, as ``s`` does)
    is closest to the photo its label was taught on — never the view it came from."""
    import numpy as np

    import p5knn

    knn = p5knn.knn_classifier.create()
    knn.load(saved)
    mobilenet = p5knn.feature_extractor()
    photos = {}
    for photo in taught:
        at = p5knn.DemoSource().photo_position(photo)
        _, frame = p5knn.DemoSource(pointer=lambda at=at: at, noise=0).read()
        vector = mobilenet.infer(frame, bands="BGR")
        photos[photo] = vector / np.linalg.norm(vector)
    assert len(knn) >= 30
    for i in range(len(knn)):
        vector, label = knn.get_example(i)
        nearest = max(photos, key=lambda photo: float(photos[photo] @ vector))
        assert taught[nearest] == label, (i, label, nearest)


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("DISPLAY"),
                    reason="py5 needs an X display; run under xvfb-run")
@pytest.mark.parametrize("model", ["hands", "pose"])
def test_keypoint_demo_autopilot_teaches_photos_of_people(tmp_path, model):
    if not Path("/usr/share/doc/opencv-doc/examples/data/messi5.jpg").exists():
        pytest.skip("Debian opencv-doc is not installed")
    shot = tmp_path / "demo.png"
    out = subprocess.run([sys.executable, "-m", "p5knn", "demo", f"--{model}", "--autopilot",
                          "--seconds", "17", "--screenshot", str(shot), "--save-path",
                          str(tmp_path / "demo.p5knn")],
                         capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-3000:]
    line = next(ln for ln in out.stdout.splitlines() if ln.startswith("p5knn demo summary"))
    summary = json.loads(line.split(":", 1)[1])
    print("\ndemo summary:", summary)
    assert summary["model"] == model
    assert set(summary["examples"]) == set(summary["taught"].values())
    assert all(n >= 3 for n in summary["examples"].values())
    assert summary["checks"], "the autopilot never looked back at a taught photo"
    for photo, predicted in summary["checks"].items():   # each taught photo is recognised
        assert predicted == summary["taught"][photo], (photo, predicted)
    assert shot.stat().st_size > 10_000
    assert summary["first_prediction_s"] is not None


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("DISPLAY"),
                    reason="py5 needs an X display; run under xvfb-run")
def test_the_window_says_loading_until_the_model_is_ready(tmp_path):
    """Ended at once, the demo's last frame is its first: the camera with "loading
    MobileNet…" across it — never a uniform grey window."""
    import cv2
    import numpy as np

    shot = tmp_path / "loading.png"
    out = subprocess.run([sys.executable, "-m", "p5knn", "demo", "--demo", "--seconds",
                          "0.001", "--screenshot", str(shot), "--save-path",
                          str(tmp_path / "demo.p5knn")],
                         capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "p5knn demo: window open; loading MobileNet…" in out.stdout
    picture = cv2.imread(str(shot))
    assert picture is not None and picture.shape[:2] == (600, 960)
    assert picture[:, :640].std() > 20                     # the camera's picture, not grey
    band = picture[210:270, :640].astype(int)              # the banner: dark, yellow text
    yellow = (abs(band[..., 2] - 255) < 40) & (abs(band[..., 1] - 230) < 40) & \
        (band[..., 0] < 170)
    assert yellow.sum() > 100 and np.median(band) < 60
