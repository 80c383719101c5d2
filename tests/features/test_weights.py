"""MobileNet's weights come from a file of the PyPI package ``nudity``, never imported."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from p5knn.features import graph_path


def test_weights_come_from_the_nudity_package_file_without_importing_it():
    spec = importlib.util.find_spec("nudity")
    assert graph_path().parent.parent == Path(spec.origin).parent
    assert graph_path().name == "retrained_graph.pb" and graph_path().stat().st_size > 10**6


@pytest.mark.slow
def test_finding_the_weights_does_not_import_the_package():
    code = ("import sys; from p5knn.features import graph_path; graph_path(); "
            "print('nudity' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "False"
