"""py5 glue (p5knn/live/_py5.py): where callbacks run, and py5 images, graphics and the sketch
canvas as inputs. The sketch test needs an X display (run under xvfb-run)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import p5knn

SCRIPTS = Path(__file__).resolve().parent.parent / "scripts"


def test_no_sketch_callbacks_run_on_the_worker_thread():
    knn = p5knn.knn_classifier.create(callbacks="auto")
    knn.add_example([1.0, 0.0], "a")
    threads = []
    knn.predict_class([1.0, 0.1], callback=lambda r: threads.append(threading.get_ident())
                      ).result(60)
    assert knn.flush(60)
    assert threads and threads[0] != threading.get_ident()
    knn.close()


def test_callbacks_sketch_without_a_sketch_is_an_error():
    knn = p5knn.knn_classifier.create(callbacks="sketch")
    knn.add_example([1.0, 0.0], "a")
    if "py5" in sys.modules:            # module mode would find the (not running) sketch
        pytest.skip("py5 already imported in this process")
    with pytest.raises(p5knn.P5KNNError, match="py5 sketch"):
        knn.predict_class([1.0, 0.1], callback=lambda r: None)
    assert knn.predict_class([1.0, 0.1]).label == "a"   # running now needs no sketch


def test_bad_callbacks_option():
    with pytest.raises(ValueError, match="callbacks"):
        p5knn.knn_classifier.create(callbacks="elsewhere")


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("DISPLAY"),
                    reason="py5 needs an X display; run under xvfb-run")
def test_py5_objects_become_rgb_arrays():
    out = subprocess.run([sys.executable, str(SCRIPTS / "py5_inputs_sketch.py")],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    results = json.loads(out.stdout.strip().splitlines()[-1])
    assert "error" not in results, results
    assert results["canvas"][:2] == [[100, 200, 3], [255, 0, 0]]
    assert results["graphics"][:2] == [[40, 50, 3], [0, 0, 255]]
    assert results["image"][:2] == [[20, 30, 3], [0, 200, 0]]
    for name, (_, colour, now, later) in results.items():
        assert now == colour and later == colour, name     # what the classifier stored


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("DISPLAY"),
                    reason="py5 needs an X display; run under xvfb-run")
def test_the_first_call_inside_draw_returns_at_once():
    out = subprocess.run([sys.executable, str(SCRIPTS / "first_call_sketch.py")],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result == {"setup": "int", "draw": [True, True, True]}
