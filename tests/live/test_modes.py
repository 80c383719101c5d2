"""p5knn in every py5 mode, headless under Xvfb: module mode, class mode (with and without
``sketch=self``), imported mode and static mode (``py5-run-sketch``), and Jupyter (the example
notebook, executed with nbclient in a plain Python kernel, with ``%%py5draw`` for a static
picture). Live coding has its own file (test_live_coding.py).

Each mode sketch (tests/scripts/mode_*.py, sharing mode_checks.py) teaches a MobileNet KNN
from a still camera (left half red, right half blue), classifies it continuously, makes one
prediction inside ``draw()``, draws the camera and a ``StreamFrame`` (green) with py5's own
``image()``, and prints a JSON report; the sketch ends when it has seen everything (events),
or after 1800 frames."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent.parent
ROOT = TESTS.parent
SCRIPTS = TESTS / "scripts"
NOTEBOOK = ROOT / "examples" / "p5knn_in_jupyter.ipynb"
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not os.environ.get("DISPLAY"),
                                 reason="py5 needs an X display; run under xvfb-run")]
RED, BLUE, GREEN = [255, 0, 0], [0, 0, 255], [0, 255, 0]


def _env() -> dict:
    return {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT), os.environ.get("PYTHONPATH", "")])}


def run(command: list[str], timeout: float = 300) -> tuple[dict, str]:
    out = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                         cwd=SCRIPTS, env=_env())
    assert out.returncode == 0, out.stderr[-3000:]
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    assert lines, f"no report; stdout:\n{out.stdout[-2000:]}\nstderr:\n{out.stderr[-2000:]}"
    report = json.loads(lines[-1])
    print("\nmode report:", json.dumps(report))
    return report, out.stderr


def tool(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def assert_live_sketch(r: dict) -> None:
    """What a running sketch with a linked classifier shows, in any mode."""
    assert r["setup_add"] == "int"                          # setup(): runs now
    assert r["draw_future"] == ["Future", False, False]     # draw(): a Future, at once
    assert r["promise"] == [True, "still", "still"]         # is_ready, value, result()
    assert r["callbacks"] >= 3 and r["callbacks_on_draw_thread"]
    assert r["labels"] == ["still"]
    assert r["pixels"] == [RED, BLUE, GREEN]                # py5.image(cam) and a StreamFrame


def test_module_mode():
    r, err = run([sys.executable, "mode_module.py"])
    assert_live_sketch(r)
    assert "SketchNotLinkedWarning" not in err
    assert r["before_run"].startswith("ImageError: cannot read pixels from the py5 module")
    assert "not running (not started yet)" in r["before_run"]
    assert "NullPointerException" not in r["before_run"]


def test_class_mode_with_sketch_self():
    r, err = run([sys.executable, "mode_class.py"])
    assert_live_sketch(r)
    assert r["warnings"] == [] and "SketchNotLinkedWarning" not in err


def test_class_mode_without_sketch_warns_once():
    r, err = run([sys.executable, "mode_class.py", "nosketch"])
    assert len(r["warnings"]) == 1, r["warnings"]
    warning = r["warnings"][0]
    assert warning.startswith("SketchNotLinkedWarning: p5knn: this class-mode sketch "
                              "(ModeSketch)")
    assert "callbacks will run on the worker thread" in warning
    assert "sketch=self" in warning
    assert err.count("SketchNotLinkedWarning") == 1         # once, for 60 frames of calls
    assert r["callbacks"] >= 1 and not r["callbacks_on_draw_thread"]   # as it warned
    assert r["draw_future"][0] == "KNNResult"                # and draw() calls ran now
    assert r["pixels"] == [RED, BLUE, GREEN]


def test_imported_mode_with_py5_run_sketch():
    r, err = run([tool("py5-run-sketch"), "mode_imported.py"])
    assert_live_sketch(r)
    assert "SketchNotLinkedWarning" not in err


def test_static_mode_with_py5_run_sketch():
    r, err = run([tool("py5-run-sketch"), "mode_static.py"])
    assert "SketchNotLinkedWarning" not in err      # a module-mode sketch without draw()
    assert r["setup_add"] == "int" and r["answer_type"] == "KNNResult"   # all runs now
    assert r["label"] == "still" and r["callback_arrived"]               # on the worker
    assert r["pixels"] == [RED, BLUE, GREEN]


def test_the_jupyter_notebook_example_runs():
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    old = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = _env()["PYTHONPATH"]        # the kernel inherits it
    try:
        nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3",
                                resources={"metadata": {"path": str(ROOT)}}).execute()
    finally:
        if old is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = old
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    outputs = [output for cell in code for output in cell.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    pictures = [cell.source.splitlines()[0] for cell in code
                if any("image/png" in o.get("data", {}) for o in cell.get("outputs", []))]
    assert pictures == ["import py5_tools", "%%py5draw 320 240"], pictures
    summary = json.loads(code[-1].outputs[-1].text.strip().splitlines()[-1])
    print("\nnotebook summary:", summary)
    assert summary["examples"] == {"cat": 5, "rocket": 5}
    assert summary["sketch_answer"] == "rocket"             # the live sketch's callback
    assert summary["promise"] == [True, "cat"]
