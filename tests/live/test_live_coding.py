"""Live-coding-safe state (p5knn/live/_named.py): named objects survive a reload with their
examples, the unnamed objects of a replaced run are closed, and nothing calls the real
``exit_sketch`` under ``py5-live-coding``.

The fast tests stand in for py5-live-coding with a fake ``SyncDraw`` (its namespace, cleared
on each "reload", and its reload count); the slow ones drive the real ``py5-live-coding``
under Xvfb on a temp copy of tests/scripts/live_coding_sketch.py, editing it 10 times and
waiting for the line the sketch prints after each run's ``setup()`` — never for a time."""

from __future__ import annotations

import json
import os
import queue
import re
import subprocess
import sys
import threading
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

import p5knn
from p5knn.live import _named
from p5knn.live._worker import Future

TESTS = Path(__file__).resolve().parent.parent
ROOT = TESTS.parent
SCRIPTS = TESTS / "scripts"


@pytest.fixture
def names():
    """Names used by a test, forgotten afterwards (the registry lives as long as the
    process)."""
    used: list[tuple[str, str]] = []
    yield used
    for kind, name in used:
        obj = _named.forget(kind, name)
        if obj is not None:
            obj.close()


@pytest.fixture
def fake_live_coding(monkeypatch):
    """py5-live-coding as p5knn sees it: a SyncDraw with the file's namespace."""
    sync = SimpleNamespace(global_namespace={}, update_count=1, live_coding_mode=1)
    monkeypatch.setattr(_named, "live_coding_sync", lambda sketch=None: sync)

    def reload():
        sync.global_namespace.clear()          # what py5 does before re-executing the file
        sync.update_count += 1

    sync.reload = reload
    yield sync
    with _named._lock:
        stale = list(_named._tracked)
        _named._tracked.clear()
    for item in stale:
        item.close()


# ------------------------------------------------------------------ named objects
def test_a_name_returns_the_same_live_classifier_with_its_examples(names):
    names.append(("knn_classifier", "t-same"))
    knn = p5knn.knn_classifier.create(name="t-same", metric="euclidean", k=1)
    knn.add_example([0, 0], "a")
    again = p5knn.knn_classifier.create(name="t-same", metric="euclidean", k=1)
    assert again is knn and len(again) == 1


def test_options_changed_in_code_are_applied_others_keep_their_live_value(names):
    names.append(("knn_classifier", "t-opts"))
    knn = p5knn.knn_classifier.create(name="t-opts", metric="euclidean", k=1)
    knn.add_example([0, 0], "a")
    assert p5knn.knn_classifier.create(name="t-opts", metric="euclidean", k=3).k == 3
    knn.set_options(weights="distance")        # changed live (e.g. by a key press)
    again = p5knn.knn_classifier.create(name="t-opts", metric="euclidean", k=3,
                                        min_similarity=0.5)
    assert again is knn
    assert knn.k == 3 and knn.options["min_similarity"] == 0.5
    assert knn.options["weights"] == "distance"      # the code did not change it: kept


def test_a_defining_option_that_differs_is_a_clear_error(names):
    names.append(("knn_classifier", "t-model"))
    p5knn.knn_classifier.create(name="t-model", metric="euclidean")
    with pytest.raises(p5knn.P5KNNError, match=r"'t-model' already exists with other "
                                               r"model.*another name"):
        p5knn.knn_classifier.create("hands", name="t-model")
    with pytest.raises(p5knn.P5KNNError, match="dtype"):
        p5knn.knn_classifier.create(name="t-model", dtype="float16")


def test_kinds_have_their_own_names(names):
    names += [("knn_classifier", "t-kind"), ("knn_regressor", "t-kind"),
              ("gesture_classifier", "t-kind")]
    knn = p5knn.knn_classifier.create(name="t-kind")
    reg = p5knn.knn_regressor.create(name="t-kind")
    gestures = p5knn.gesture_classifier.create(name="t-kind")
    assert isinstance(reg, p5knn.KNNRegressor) and reg is not knn
    assert p5knn.knn_regressor.create(name="t-kind") is reg
    assert p5knn.gesture_classifier.create(name="t-kind") is gestures


def test_a_named_gesture_classifier_takes_new_settings_and_keeps_its_gestures(names):
    names.append(("gesture_classifier", "t-moves"))
    g = p5knn.gesture_classifier.create(name="t-moves", normalize="sequence")
    t = np.linspace(0, 1, 12)
    g.add_gesture(np.c_[t, t], "up")
    g.add_gesture(np.c_[t, 1 - t], "down")
    again = p5knn.gesture_classifier.create(name="t-moves", normalize="sequence", threshold=2.5,
                                            settle=5)
    assert again is g and len(g) == 2
    assert g.threshold_option == 2.5 and g.matcher.settle == 5
    assert g.classify(np.c_[t, t]).label == "up"
    with pytest.raises(ValueError, match="threshold"):
        p5knn.gesture_classifier.create(name="t-moves", normalize="sequence", threshold=-1)
    with pytest.raises(p5knn.P5KNNError, match="keypoints"):
        p5knn.gesture_classifier.create(name="t-moves", keypoints="shape")


def test_a_named_camera_is_the_same_running_camera(names):
    names.append(("camera", "t-cam"))
    cam = p5knn.Camera("demo", 80, 60, name="t-cam", quiet=True)
    assert cam.wait_for_frame(0, 30)
    again = p5knn.Camera("demo", 80, 60, name="t-cam", quiet=True, mirror=True)
    assert again is cam and cam.mirror and cam.name == "t-cam"
    with pytest.raises(p5knn.P5KNNError, match="width, height"):
        p5knn.Camera("demo", 160, 120, name="t-cam")
    cam.close()                                 # closed for good: the name makes a new one
    fresh = p5knn.Camera("demo", 80, 60, name="t-cam", quiet=True)
    assert fresh is not cam and fresh.wait_for_frame(0, 30)


def test_load_with_a_live_name_keeps_the_live_examples(tmp_path, names):
    names.append(("knn_classifier", "t-load"))
    source = p5knn.knn_classifier.create(metric="euclidean")
    source.add_example([0, 1], "saved")
    source.save(tmp_path / "a.p5knn")
    knn = p5knn.knn_classifier.load(tmp_path / "a.p5knn", name="t-load", metric="euclidean")
    knn.add_example([1, 0], "added live")
    again = p5knn.knn_classifier.load(tmp_path / "a.p5knn", name="t-load", metric="euclidean")
    assert again is knn and knn.get_count_by_label() == {"saved": 1, "added live": 1}


# ------------------------------------------------------------------ runs and reloads
def test_outside_live_coding_nothing_is_tracked():
    before = _named.tracked_count()
    knn = p5knn.knn_classifier.create()
    assert _named.tracked_count() == before
    knn.close()


def test_a_reload_closes_the_unnamed_objects_of_the_replaced_run(fake_live_coding, names):
    names.append(("knn_classifier", "t-run"))
    kept = p5knn.knn_classifier.create(name="t-run", metric="euclidean", k=1)
    kept.add_example([0, 0], "run 1")
    old = p5knn.knn_classifier.create(metric="euclidean", k=1)
    old.add_example([0, 0], "a")
    old.predict_class([0, 0], callback=lambda r: None).result(30)
    worker = old._live._own
    cam = p5knn.Camera("demo", 40, 30, quiet=True)
    assert worker.is_alive and cam._thread.is_alive()
    run = fake_live_coding.global_namespace[_named.RUN_KEY]

    fake_live_coding.reload()
    new = p5knn.knn_classifier.create(metric="euclidean", k=1)   # the new run's first object
    assert fake_live_coding.global_namespace[_named.RUN_KEY] != run
    assert not worker.is_alive and not cam._thread.is_alive()      # the old run: closed
    again = p5knn.knn_classifier.create(name="t-run", metric="euclidean", k=1)
    assert again is kept and kept.get_count_by_label() == {"run 1": 1}
    new.add_example([0, 0], "b")
    assert new.predict_class([0, 0], callback=lambda r: None).result(30).label == "b"


def test_a_run_that_makes_nothing_still_replaces_the_last_one(fake_live_coding):
    sketch = object()
    _named.check_reload(sketch)                     # first look: nothing to close
    old = p5knn.knn_classifier.create(metric="euclidean")
    old.add_example([0, 1], "a")
    old.predict_class([0, 1], callback=lambda r: None).result(30)
    worker = old._live._own
    fake_live_coding.reload()                       # the new file makes no p5knn object
    _named.check_reload(sketch)                     # the next frame's hook
    assert not worker.is_alive


def test_a_named_classifier_keeps_its_extractor_across_reloads(fake_live_coding, names):
    from helpers import slow_extractor

    names.append(("knn_classifier", "t-ex"))
    extractor = slow_extractor(0.0)                 # made by run 1, unnamed
    knn = p5knn.knn_classifier.create(extractor, name="t-ex")
    knn.add_example(np.zeros((8, 8, 3), np.uint8), "black", callback=lambda i: None).result(30)
    fake_live_coding.reload()
    again = p5knn.knn_classifier.create(extractor, name="t-ex")    # same object given again
    assert again is knn and knn.extractor is extractor
    fut = knn.predict_class(np.zeros((8, 8, 3), np.uint8), callback=lambda r: None)
    assert fut.result(30).label == "black"


def test_a_new_extractor_object_replaces_the_named_classifiers_one(fake_live_coding, names):
    from helpers import slow_extractor

    names.append(("knn_classifier", "t-swap"))
    first = slow_extractor(0.0)
    knn = p5knn.knn_classifier.create(first, name="t-swap")
    knn.add_example(np.zeros((8, 8, 3), np.uint8), "black")
    fake_live_coding.reload()
    second = slow_extractor(0.0)                     # the new run's extractor, same model
    assert p5knn.knn_classifier.create(second, name="t-swap") is knn
    assert knn.extractor is second and len(knn) == 1


# ------------------------------------------------------------------ futures
def test_futures_have_py5_promise_shape_and_stay_futures():
    knn = p5knn.knn_classifier.create(metric="euclidean")
    knn.add_example([0, 0], "a")
    gate = threading.Event()
    blocker = knn._live.own_worker().submit(gate.wait, 30)
    fut = knn.predict_class([0, 0], wait=False)
    assert isinstance(fut, Future) and fut          # a Future: always true in `if fut:`
    assert fut.is_ready is False and fut.value is None
    gate.set()
    assert fut.result(30).label == "a" and blocker.result(30)
    assert fut.is_ready and fut.value.label == "a"
    failed = knn.predict_class([0, 0, 0], wait=False, on_error=lambda e: None)
    with pytest.raises(p5knn.FeatureSizeError):
        failed.result(30)
    assert failed.is_ready is False and failed.value is None
    knn.close()


# ------------------------------------------------------------------ the real py5-live-coding
def _tool(name: str) -> str:
    return str(Path(sys.executable).parent / name)


class LiveCoding:
    """``py5-live-coding`` on a copy of the sketch; ``edit()`` rewrites it, ``wait()`` reads
    its output until a line matches (each line the sketch prints is an event)."""

    def __init__(self, folder: Path, env: dict | None = None, source: str | None = None) -> None:
        self.path = folder / "sketch.py"
        self.source = source or (SCRIPTS / "live_coding_sketch.py").read_text()
        self.path.write_text(self.source)
        self.lines: list[str] = []
        self._queue: queue.Queue = queue.Queue()
        self.proc = subprocess.Popen(
            [_tool("py5-live-coding"), str(self.path)], cwd=folder, text=True,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1",
                 "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
                 **(env or {})})
        threading.Thread(target=self._read, daemon=True).start()
        self._mtime = 0

    def _read(self) -> None:
        for line in self.proc.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait(self, pattern: str, timeout: float = 240) -> str:
        """The next output line matching ``pattern`` (a regular expression)."""
        while True:
            try:
                line = self._queue.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(f"no line matching {pattern!r} within {timeout} s; "
                                     f"output so far:\n" + "\n".join(self.lines[-40:]))
            if line is None:
                raise AssertionError(f"py5-live-coding ended (rc {self.proc.wait()}) before "
                                     f"{pattern!r}:\n" + "\n".join(self.lines[-40:]))
            self.lines.append(line)
            if re.search(pattern, line):
                return line

    def run_report(self, run: int) -> dict:
        return json.loads(self.wait(r'^\{"run": %d,' % run))

    def edit(self, **values: object) -> None:
        """Set ``NAME = value`` lines, save, and give the file a new modification time."""
        for key, value in values.items():
            self.source = re.sub(rf"^{key} = .*$", f"{key} = {value!r}", self.source,
                                 flags=re.M)
        self.path.write_text(self.source)
        self._mtime = max(self._mtime + 1, int(os.stat(self.path).st_mtime) + 1)
        os.utime(self.path, (self._mtime, self._mtime))    # py5 compares modification times

    def touch(self) -> None:
        """Save the file unchanged (a new modification time)."""
        self.edit()

    def close(self, timeout: float = 120) -> int | None:
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None
        finally:
            if self.proc.poll() is None:
                self.proc.kill()           # only the process this test started, by its id
                self.proc.wait(30)


needs_display = pytest.mark.skipif(not os.environ.get("DISPLAY"),
                                   reason="py5 needs an X display; run under xvfb-run")


@pytest.mark.slow
@needs_display
def test_ten_reloads_keep_named_state_and_start_no_threads(tmp_path):
    live = LiveCoding(tmp_path)
    try:
        reports = [live.run_report(0)]
        for run in range(1, 11):
            live.edit(RUN=run, QUIT=run == 10)
            reports.append(live.run_report(run))
        assert live.close() == 0
    finally:
        live.close()
    print("\nthreads per run (python, p5knn, os):",
          [(r["threads"], len(r["p5knn_threads"]), r["os_threads"]) for r in reports])
    first = reports[0]
    for run, r in enumerate(reports):
        assert r["p5knn_threads"] == first["p5knn_threads"], (run, r["p5knn_threads"])
        assert r["threads"] == first["threads"], run
        assert r["os_threads"] <= first["os_threads"] + 4, run    # the JVM's own may vary
        assert r["kept_examples"] == {f"run{i}": 1 for i in range(run + 1)}   # examples kept
        assert (r["kept_id"], r["cam_id"]) == (first["kept_id"], first["cam_id"])
        assert r["callbacks_from_earlier_runs"] == 0, run     # the old classifiers stopped
        assert r["tracked"] == first["tracked"], run          # tracking does not pile up
    assert len(first["p5knn_threads"]) == 7, first["p5knn_threads"]
    assert reports[-1]["cam_frames"] > first["cam_frames"]    # the same camera kept running


@pytest.mark.slow
@needs_display
def test_exit_after_pauses_live_coding_instead_of_exiting(tmp_path):
    live = LiveCoding(tmp_path, env={"P5KNN_EXIT_AFTER": "0.5"})
    try:
        live.wait(r"^p5knn: P5KNN_EXIT_AFTER reached")
        live.wait(r"Pausing after exit_sketch\(\) call")       # py5's own pause, shown by py5
        assert live.proc.poll() is None                         # not exited
        live.edit(RUN=1)                                        # saving resumes it
        live.wait(r"Resuming Sketch execution")
        assert live.run_report(1)["kept_examples"]
        live.edit(RUN=2, QUIT=True)
        live.run_report(2)
        assert live.close() == 0
    finally:
        live.close()
    assert not any("Traceback" in line for line in live.lines), "\n".join(live.lines)


@pytest.mark.slow
@needs_display
def test_the_readme_live_coding_sketch_pauses_and_resumes(tmp_path):
    text = (ROOT / "README.md").read_text()
    code = text.split("\n## Live coding\n", 1)[1].split("```python", 1)[1].split("```", 1)[0]
    live = LiveCoding(tmp_path, env={"P5KNN_EXIT_AFTER": "1"}, source=code)
    try:
        live.wait(r"^p5knn: P5KNN_EXIT_AFTER reached")
        live.wait(r"Pausing after exit_sketch\(\) call")
        live.touch()
        live.wait(r"Resuming Sketch execution")
        assert live.proc.poll() is None
    finally:
        live.close(timeout=0)        # it runs until closed, like a live coder's window
    assert not any("Traceback" in line or "rror" in line for line in live.lines), live.lines
