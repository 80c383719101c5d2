"""Autosave (p5knn/knn/_autosave.py): bounded-time persistence, one backup generation
(``<name>.bak``), resume after kill -9, damaged files detected and the backup used, errors
(read-only folder, full disk) reported and retried."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import p5knn

from helpers import wait_until

SCRIPTS = Path(__file__).resolve().parent.parent / "scripts"


def vector(i: int) -> np.ndarray:
    return np.sin(np.arange(16) * 0.37 + i) + 2.0


def backup_of(path: Path) -> Path:
    return path.with_name(path.name + ".bak")


def test_changes_reach_disk_and_resume(tmp_path):
    path = tmp_path / "auto.p5knn"
    knn = p5knn.knn_classifier.create(autosave=path, autosave_interval=0.05)
    for i in range(20):
        knn.add_example(vector(i), f"l{i % 3}")
    assert knn.wait_saved(30)
    assert len(p5knn.knn_classifier.load(path)) == 20
    knn.remove_example(0)
    knn.clear_label("l1")
    assert knn.wait_saved(30)
    assert p5knn.knn_classifier.load(path).get_count_by_label() == knn.get_count_by_label()
    assert backup_of(path).exists()  # the previous generation is kept
    knn.close()
    again = p5knn.knn_classifier.create(autosave=path)
    assert again.get_count_by_label() == knn.get_count_by_label()
    again.clear_all_labels()
    again.close()
    assert len(p5knn.knn_classifier.load(path)) == 0  # an emptied classifier stays empty


def test_wait_saved_needs_autosave():
    with pytest.raises(p5knn.P5KNNError, match="autosave"):
        p5knn.knn_classifier.create().wait_saved(1)


def test_damaged_file_falls_back_to_the_backup(tmp_path):
    path = tmp_path / "auto.p5knn"
    knn = p5knn.knn_classifier.create(autosave=path, autosave_interval=0.02)
    knn.add_example(vector(0), "a")
    assert knn.wait_saved(30)
    knn.add_example(vector(1), "b")
    assert knn.wait_saved(30)
    knn.close()
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])  # truncated: a torn write or a bad disk
    with pytest.warns(p5knn.AutosaveWarning, match="backup"):
        resumed = p5knn.knn_classifier.create(autosave=path)
    assert resumed.labels == ["a"]  # the previous generation
    assert resumed.wait_saved(30)
    assert p5knn.knn_classifier.load(path).labels == ["a"]  # main file rewritten from it
    assert path.with_name("auto.p5knn.damaged").exists()
    resumed.close()
    path.write_bytes(b"junk")
    backup_of(path).write_bytes(b"junk too")
    with pytest.raises(p5knn.CorruptFileError, match="cannot be resumed"):
        p5knn.knn_classifier.create(autosave=path)


def test_a_regressor_autosaves_too(tmp_path):
    path = tmp_path / "reg.p5knn"
    reg = p5knn.knn_regressor.create(autosave=path, autosave_interval=0.02)
    reg.add_example([1.0, 2.0], 0.5)
    assert reg.wait_saved(30)
    reg.close()
    again = p5knn.knn_regressor.create(autosave=path)
    assert again.predict([1.0, 2.0]).value == pytest.approx(0.5)
    again.close()


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores folder permissions")
def test_read_only_folder_is_reported_and_retried(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    errors = []
    knn = p5knn.knn_classifier.create()
    saver = knn.autosave(folder / "auto.p5knn", interval=0.02, on_error=errors.append)
    folder.chmod(0o500)
    try:
        knn.add_example(vector(0), "a")
        assert wait_until(lambda: errors, 30)
        assert isinstance(errors[0], OSError) and len(knn) == 1
    finally:
        folder.chmod(0o700)
    assert knn.wait_saved(30) and saver.last_error is None


def test_full_disk_is_reported_and_retried(tmp_path, monkeypatch):
    # Fault injection: the file writer fails as on a full disk (no public way to fill one).
    from p5knn.knn import _files as storage

    errors = []
    knn = p5knn.knn_classifier.create()
    saver = knn.autosave(tmp_path / "auto.p5knn", interval=0.02, on_error=errors.append)
    real = storage.save_native
    full = {"on": True}

    def save_native(path, data, version):
        if full["on"]:
            raise OSError(28, "No space left on device")
        return real(path, data, version)

    monkeypatch.setattr(storage, "save_native", save_native)
    knn.add_example(vector(0), "a")
    assert wait_until(lambda: errors, 30)
    assert "No space left" in str(errors[0]) and saver.saved_version < knn.version
    assert len(knn) == 1  # nothing lost in memory
    full["on"] = False  # space is back
    assert knn.wait_saved(30)
    assert len(p5knn.knn_classifier.load(tmp_path / "auto.p5knn")) == 1
    knn.close()


@pytest.mark.slow
def test_kill_9_during_writes_never_loses_acknowledged_examples(tmp_path):
    path = tmp_path / "crash.p5knn"
    script = SCRIPTS / "autosave_writer.py"
    rng = random.Random(0)
    acknowledged = 0
    for attempt in range(8):
        proc = subprocess.Popen([sys.executable, str(script), str(path)],
                                stdout=subprocess.PIPE, text=True)
        first = proc.stdout.readline()
        assert first.startswith("resumed"), first
        assert int(first.split()[1]) >= acknowledged
        deadline = time.time() + rng.uniform(0.3, 1.2)
        while time.time() < deadline:
            line = proc.stdout.readline()
            if line.startswith("ack"):
                acknowledged = int(line.split()[1])
        os.kill(proc.pid, signal.SIGKILL)  # at whatever moment the writer is in
        proc.wait(60)
        proc.stdout.close()
        knn = p5knn.knn_classifier.load(path)  # loads: never half a file
        assert len(knn) >= acknowledged
        rows = knn.snapshot(thumbnails=False).features
        expected = np.stack([vector(i) for i in range(len(knn))]).astype(np.float32)
        np.testing.assert_allclose(rows, expected, rtol=1e-6)  # in order, nothing lost
        assert [knn.get_example(i)[1] for i in range(len(knn))] == \
            [f"label{i % 5}" for i in range(len(knn))]
    print(f"\nkill -9: {acknowledged} examples acknowledged over 8 runs")
    assert acknowledged >= 25           # at least one acknowledgement was put to the test
