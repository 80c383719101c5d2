"""The core never imports py5 (it needs a display) nor TensorFlow (slow) just to run."""

from __future__ import annotations

import os
import subprocess
import sys


def test_core_imports_neither_py5_nor_tensorflow(mobilenet):
    # the ``mobilenet`` fixture has filled the model cache; only a cold cache needs TensorFlow
    code = ("import sys, p5knn, numpy as np\n"
            "knn = p5knn.knn_classifier.create()\n"
            "knn.add_example([1, 2], 'a'); knn.predict_class([1, 2])\n"
            "ex = p5knn.feature_extractor()\n"
            "ex.infer(np.zeros((10, 10, 3), np.uint8))\n"
            "print('py5' in sys.modules, 'tensorflow' in sys.modules)\n")
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "False False"
