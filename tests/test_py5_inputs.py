"""py5 images, graphics and the sketch canvas as inputs (needs an X display: run under Xvfb)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

needs_display = pytest.mark.skipif(not os.environ.get("DISPLAY"),
                                   reason="py5 needs an X display; run under xvfb-run")


@needs_display
def test_py5_objects_become_rgb_arrays():
    script = Path(__file__).parent / "scripts" / "py5_inputs_sketch.py"
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    results = json.loads(out.stdout.strip().splitlines()[-1])
    assert "error" not in results, results
    assert results["canvas"] == [[100, 200, 3], [255, 0, 0]]
    assert results["graphics"] == [[40, 50, 3], [0, 0, 255]]
    assert results["image"] == [[20, 30, 3], [0, 200, 0]]
