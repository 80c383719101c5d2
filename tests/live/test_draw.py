"""``p5knn.draw``: skeletons and confidence bars, drawn on a recording stand-in for a sketch
(fast, no display) and on a real py5 sketch under Xvfb (slow)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import p5knn

SCRIPTS = Path(__file__).resolve().parent.parent / "scripts"
OPENCV_DATA = Path("/usr/share/doc/opencv-doc/examples/data")


class Recorder:
    """Stands in for a py5 Sketch: records every call; text is 8 px per character."""

    LEFT, CENTER, RIGHT = "left", "center", "right"

    def __init__(self) -> None:
        self.calls: list[tuple] = []
        self.depth = 0

    def push_style(self) -> None:
        self.depth += 1

    def pop_style(self) -> None:
        self.depth -= 1

    def text_width(self, text: str) -> float:
        return 8.0 * len(text)

    def __getattr__(self, name: str):
        return lambda *args: self.calls.append((name, *args))

    def named(self, name: str) -> list[tuple]:
        return [c[1:] for c in self.calls if c[0] == name]


@pytest.fixture(scope="module")
def found():
    if not (OPENCV_DATA / "messi5.jpg").exists():
        pytest.skip("Debian opencv-doc is not installed")
    image = str(OPENCV_DATA / "messi5.jpg")
    made = {kind: p5knn.feature_extractor(kind) for kind in ("hands", "pose")}
    out = {kind: ex.detect(image) for kind, ex in made.items()}
    for ex in made.values():
        ex.close()
    return out


def test_skeleton_draws_each_connection_where_the_image_is(found) -> None:
    hand = found["hands"][0]
    canvas = Recorder()
    p5knn.draw.skeleton(hand, 10, 20, 0.5, sketch=canvas)
    assert canvas.depth == 0                                   # style pushed and popped
    lines = canvas.named("lines")
    assert len(lines) == 2                                     # dark edge, then colour
    drawn = lines[1][0]
    assert drawn.shape == (21, 4)
    expected = [(10 + hand.landmarks[a, 0] * 0.5, 20 + hand.landmarks[a, 1] * 0.5,
                 10 + hand.landmarks[b, 0] * 0.5, 20 + hand.landmarks[b, 1] * 0.5)
                for a, b in hand.connections]
    assert np.allclose(drawn, expected, atol=1e-3)
    assert canvas.named("points")[-1][0].shape == (21, 2)
    colour = canvas.named("stroke")[1]
    assert colour == p5knn.draw.RIGHT_HAND if hand.handedness == "Right" else p5knn.draw.LEFT_HAND

    canvas = Recorder()
    p5knn.draw.skeleton([], sketch=canvas)
    p5knn.draw.skeleton(None, sketch=canvas)
    assert canvas.calls == []


def test_hidden_body_parts_are_not_drawn(found) -> None:
    pose = found["pose"][0]
    canvas = Recorder()
    p5knn.draw.skeleton(pose, sketch=canvas, min_visibility=0.5, color=(1, 2, 3))
    visible = pose.visibility >= 0.5
    kept = [(a, b) for a, b in pose.connections if visible[a] and visible[b]]
    assert 0 < len(kept) < len(pose.connections) or len(kept) == len(pose.connections)
    lines = canvas.named("lines")
    coloured = lines[1::2]                                      # each after its dark edge
    assert sum(len(c[0]) for c in coloured) == len(kept)
    drawn = {tuple(np.round(r, 3)) for c in coloured for r in c[0]}
    xy = pose.landmarks[:, :2]
    assert drawn == {tuple(np.round(np.r_[xy[a], xy[b]], 3)) for a, b in kept}
    weights = [w[0] for w in canvas.named("stroke_weight")]
    face = [(a, b) for a, b in kept if a < 11 and b < 11]      # eyes, ears, mouth
    assert face and len(coloured) == 2 and len(coloured[1][0]) == len(face)
    assert weights[3] < weights[1]                              # face lines are thinner
    assert (1, 2, 3) in canvas.named("stroke")
    canvas = Recorder()
    p5knn.draw.skeleton(pose, sketch=canvas, min_visibility=1.1)   # nothing visible enough
    assert canvas.named("lines") == [] and canvas.depth == 0


def test_confidence_bars_in_class_order_with_the_answer_outlined() -> None:
    knn = p5knn.knn_classifier.create(k=3)
    for label, vec in (("cat", [1, 0]), ("cat", [1, 0.1]), ("a very long label indeed", [0, 1]),
                       ("a very long label indeed", [0.1, 1])):
        knn.add_example(vec, label)
    result = knn.predict_class([1, 0.05])
    canvas = Recorder()
    bottom = p5knn.draw.confidence_bars(result, 20, 30, 160, 20, gap=4, sketch=canvas)
    assert bottom == 30 + 2 * 20 + 4 and canvas.depth == 0
    texts = [c[0] for c in canvas.named("text")]
    assert texts[0] == "cat" and texts[1] == "67%"
    assert texts[2].endswith("…") and 8 * len(texts[2]) <= 160 - 2 * 7 - 8 * len("33%  ")
    assert texts[3] == "33%"
    bars = canvas.named("rect")
    assert any(b[1] == 30 and abs(b[2] - 160 * 2 / 3) < 1e-6 for b in bars)   # 67 % filled
    assert ("no_fill",) in canvas.calls                          # the outline of the answer
    canvas = Recorder()
    assert p5knn.draw.confidence_bars(None, 0, 5, sketch=canvas) == 5 and canvas.calls == []
    p5knn.draw.confidence_bars(None, 0, 0, labels=["a", "b"], sketch=canvas)
    assert [c[0] for c in canvas.named("text")] == ["a", "0%", "b", "0%"]
    assert ("no_fill",) not in canvas.calls                      # no answer yet
    canvas = Recorder()
    p5knn.draw.confidence_bars({}, 0, 0, labels=["a", "b"], sketch=canvas)
    p5knn.draw.confidence_bars({"a": 0.0, "b": 0.0}, 0, 0, sketch=canvas)
    assert ("no_fill",) not in canvas.calls                      # all zero: no answer
    canvas = Recorder()
    p5knn.draw.confidence_bars({"a": 0.2, "b": 0.8}, 0, 0, 100, 20, gap=0, sketch=canvas)
    outline = canvas.calls.index(("no_fill",))
    assert canvas.calls[outline + 3][:3] == ("rect", 0, 20)      # b, the highest, outlined
    # a bar is as long as its value: "0%" (0.4 %) draws none, 2 % a 4-px sliver, no stub
    canvas = Recorder()
    p5knn.draw.confidence_bars({"a": 0.004, "b": 0.02, "c": 0.976}, 0, 0, 200, 30, gap=0,
                               sketch=canvas)
    filled = [r for r in canvas.named("rect") if r[2] < 200]   # (x, y, width, height, r)
    assert [(r[1], r[2]) for r in filled] == [(30, 200 * 0.02), (60, 200 * 0.976)]
    assert filled[0][4] == 2.0                                   # its corners fit its width
    knn.close()


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("DISPLAY"),
                    reason="py5 needs an X display; run under xvfb-run")
def test_draw_on_a_real_sketch(tmp_path) -> None:
    if not (OPENCV_DATA / "messi5.jpg").exists():
        pytest.skip("Debian opencv-doc is not installed")
    png = tmp_path / "draw.png"
    out = subprocess.run([sys.executable, str(SCRIPTS / "draw_sketch.py"), str(png)],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert "error" not in result, result
    assert result["hands"] == 1 and result["pose"] == 1
    assert sum(c > 90 for c in result["changed"]) >= 17        # the hand's joints were drawn
    assert result["first_filled"][2] > 120 and max(result["first_empty"]) < 60
    assert result["second_filled"][0] > 200                    # the answer, full colour
    assert result["bottom"] == 20 + 2 * 30 + 6
    assert result["style_kept"] == [255, 0, 255]               # the sketch's own fill
    assert png.stat().st_size > 10_000


def test_chip_and_key_cap_keep_the_style_and_fit_the_text() -> None:
    canvas = Recorder()
    width = p5knn.draw.chip("show me your hand", 16, 16, sketch=canvas)
    assert width == 8 * len("show me your hand") + 28 and canvas.depth == 0
    assert ("rect", 16, 16, width, 36, 18) in canvas.calls
    assert canvas.named("text")[-1][0] == "show me your hand"
    canvas = Recorder()
    font = object()
    width = p5knn.draw.chip("rec", 0, 0, fill=(200, 30, 30), dot=(255, 80, 80), font=font,
                            sketch=canvas)
    assert width == 8 * 3 + 48 and ("text_font", font) in canvas.calls
    assert ("fill", 200, 30, 30, 190) in canvas.calls and ("circle", 22, 18, 12) in canvas.calls
    canvas = Recorder()
    p5knn.draw.key_cap("r", 10, 20, 30, active=True, sketch=canvas)
    assert ("fill", 200, 30, 30) in canvas.calls and ("rect", 10, 20, 30, 30, 6) in canvas.calls
    assert canvas.named("text")[-1] == ("r", 25.0, 33.0) and canvas.depth == 0
    canvas = Recorder()
    p5knn.draw.key_cap("1–9", 10, 20, 28, width=46, sketch=canvas)    # a wider key
    assert ("rect", 10, 20, 46, 28, 6) in canvas.calls
    assert canvas.named("text")[-1] == ("1–9", 33.0, 32.0)
    canvas = Recorder()
    p5knn.draw.key_cap("u", 0, 0, sketch=canvas)
    assert ("fill", 48, 52, 62) in canvas.calls
