"""The live path never imports TensorFlow, and a first start with an empty model cache is quick
and quiet (issue 14): MobileNet ships converted, so ``feature_extractor()`` only checks the
shipped file and starts LiteRT.

Each test runs a fresh Python (``sys.modules`` of this process already has whatever other tests
imported), with ``P5KNN_CACHE_DIR`` pointing at an empty folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.slow  # subprocess runs

LIVE_PATH = """
import sys, time
import numpy as np
import p5knn
from skimage import data
cat, coffee = data.chelsea(), data.coffee()
ex = p5knn.feature_extractor()
vector = ex.infer(cat)
print("first-vector", time.perf_counter(), flush=True)
knn = p5knn.knn_classifier.create(ex, k=1)
knn.add_example(cat, "cat"); knn.add_example(coffee, "coffee")
assert knn.predict_class(cat).label == "cat" and knn.predict_class(coffee).label == "coffee"
assert knn.predict_class(cat, callback=lambda r: None).result(60).label == "cat"
cam = p5knn.Camera(source="demo", quiet=True)
cam.wait_for_frame(timeout=10)
assert knn.predict_class(cam).label in ("cat", "coffee")
cam.close()
hands = p5knn.feature_extractor("hands")
assert hands.infer(data.astronaut()).shape == (129,)
gestures = p5knn.gesture_classifier.create()
rng = np.random.default_rng(0)
gestures.add_gesture(np.cumsum(rng.normal(size=(30, 2)), 0), "a")
gestures.add_gesture(np.cumsum(rng.normal(size=(30, 2)), 0) + 50, "b")
gestures.classify(np.cumsum(rng.normal(size=(30, 2)), 0))
print("modules", "tensorflow" in sys.modules, "keras" in sys.modules, "py5" in sys.modules)
"""


def run_fresh(code: str, tmp_path, **env: str) -> tuple[subprocess.CompletedProcess, float]:
    """Run ``code`` in a new Python with an empty model cache; also the wall time from
    starting the process to its ``first-vector`` line (its ``time.perf_counter()`` is
    compared with ours: both use the same monotonic clock)."""
    cache = tmp_path / "empty-cache"
    cache.mkdir(exist_ok=True)
    full_env = {k: v for k, v in os.environ.items()
                if k not in ("DISPLAY", "P5KNN_VERBOSE", "P5KNN_RUNTIME")}
    full_env.update(P5KNN_CACHE_DIR=str(cache), **env)
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=full_env, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    stamps = [float(line.split()[1]) for line in out.stdout.splitlines()
              if line.startswith("first-vector")]
    return out, (stamps[0] - start) if stamps else float("nan")


def test_live_path_never_imports_tensorflow_and_starts_fast(tmp_path):
    out, first = run_fresh(LIVE_PATH, tmp_path)
    assert out.stdout.strip().splitlines()[-1] == "modules False False False"
    assert list((tmp_path / "empty-cache").iterdir()) == []   # MobileNet needs no cache
    assert "XNNPACK" not in out.stderr and "INFO" not in out.stderr, out.stderr
    # the goal is <= 3 s on 2 cores; timing is reported, not asserted (shared CI)
    print(f"\nempty cache: first MobileNet feature vector {first:.2f} s after the process "
          "started")


def test_verbose_shows_the_runtime_chatter(tmp_path):
    code = "import p5knn, numpy as np; p5knn.feature_extractor().infer(np.zeros((9, 9, 3)))"
    quiet, _ = run_fresh(code, tmp_path)
    loud, _ = run_fresh(code, tmp_path, P5KNN_VERBOSE="1")
    assert "XNNPACK" not in quiet.stderr
    assert "INFO: Created TensorFlow Lite XNNPACK delegate for CPU." in loud.stderr


def test_forced_tensorflow_runtime_is_quiet_too(tmp_path):
    code = ("import sys, p5knn, numpy as np\n"
            "ex = p5knn.feature_extractor()\n"
            "ex.infer(np.zeros((9, 9, 3)))\n"
            "print(ex._runner.runtime, 'tensorflow' in sys.modules)\n")
    out, _ = run_fresh(code, tmp_path, P5KNN_RUNTIME="tensorflow")
    assert out.stdout.strip().splitlines()[-1] == "tensorflow True"
    for chatter in ("XNNPACK", "I0000", "absl::InitializeLog", "cuda", "deprecated"):
        assert chatter not in out.stderr, out.stderr
