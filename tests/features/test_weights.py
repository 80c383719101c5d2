"""Where MobileNet's weights come from at build time: a file of the PyPI package ``nudity``
(the ``build`` extra), never imported. At run time p5knn reads only its own shipped files
(``test_mobilenet.py``); these tests skip without the build extra."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

import p5knn
from p5knn.features import _weights, graph_path

needs_nudity = pytest.mark.skipif(importlib.util.find_spec("nudity") is None,
                                  reason="the build extra (PyPI nudity) is not installed")


@needs_nudity
def test_weights_come_from_the_nudity_package_file_without_importing_it():
    spec = importlib.util.find_spec("nudity")
    assert graph_path().parent.parent == Path(spec.origin).parent
    assert graph_path().name == "retrained_graph.pb" and graph_path().stat().st_size > 10**6
    record = _weights.mobilenet_manifest()["source"]
    assert record["sha256"] == _weights.file_sha256(graph_path())   # the graph it was built from


def test_without_the_build_extra_the_graph_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(_weights, "GRAPH_PACKAGE", "no_such_package_p5knn")
    with pytest.raises(p5knn.ModelError, match=r"build extra"):
        graph_path()


@pytest.mark.slow
@needs_nudity
def test_finding_the_weights_does_not_import_the_package():
    code = ("import sys; from p5knn.features import graph_path; graph_path(); "
            "print('nudity' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "False"
