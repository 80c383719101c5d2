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
                          "9", "--screenshot", str(shot), "--save-path",
                          str(tmp_path / "demo.p5knn")],
                         capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-3000:]
    line = next(ln for ln in out.stdout.splitlines() if ln.startswith("p5knn demo summary"))
    summary = json.loads(line.split(":", 1)[1])
    print("\ndemo summary:", summary)
    assert set(summary["examples"]) == {"chelsea", "rocket", "coffee"}
    assert all(n >= 10 for n in summary["examples"].values())
    assert summary["predictions"] > 50
    assert summary["last_label"] in {"chelsea", "rocket", "coffee"}
    assert shot.stat().st_size > 10_000


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("DISPLAY"),
                    reason="py5 needs an X display; run under xvfb-run")
@pytest.mark.parametrize("model", ["hands", "pose"])
def test_keypoint_demo_autopilot_teaches_photos_of_people(tmp_path, model):
    if not Path("/usr/share/doc/opencv-doc/examples/data/messi5.jpg").exists():
        pytest.skip("Debian opencv-doc is not installed")
    shot = tmp_path / "demo.png"
    out = subprocess.run([sys.executable, "-m", "p5knn", "demo", f"--{model}", "--autopilot",
                          "--seconds", "14", "--screenshot", str(shot), "--save-path",
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
