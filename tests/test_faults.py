"""Faults: a camera that disappears and comes back, an unwritable save path, and many threads
adding, predicting, clearing and removing at once."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

import p5knn


class FlakyCamera:
    """A ``read()`` source that is unplugged for a while, then comes back."""

    def __init__(self) -> None:
        self.plugged = True
        self.count = 0

    def read(self):
        if not self.plugged:
            return False, None
        self.count += 1
        return True, np.full((120, 160, 3), self.count % 255, np.uint8)


def test_camera_disappears_and_comes_back():
    source = FlakyCamera()
    with p5knn.Camera(source=source, width=160, height=120, fps=100, retry_seconds=0.05,
                      quiet=True) as cam:
        assert cam.wait_for_frame(0, timeout=5) and cam.connected
        source.plugged = False
        deadline = time.time() + 5
        while cam.connected and time.time() < deadline:
            time.sleep(0.01)
        assert not cam.connected and "no frame" in cam.status
        frozen = cam.frame_id
        assert cam.read().shape == (120, 160, 3)  # the last frame is still there
        source.plugged = True
        assert cam.wait_for_frame(frozen, timeout=5)
        deadline = time.time() + 5
        while not cam.connected and time.time() < deadline:
            time.sleep(0.01)
        assert cam.connected and cam.frame_id > frozen


def test_continuous_classification_survives_a_camera_outage():
    source = FlakyCamera()
    knn = p5knn.knn_classifier.create(p5knn.feature_extractor(), k=1)
    knn.add_example(np.zeros((120, 160, 3), np.uint8), "dark")
    knn.add_example(np.full((120, 160, 3), 255, np.uint8), "bright")
    results = []
    with p5knn.Camera(source=source, width=160, height=120, fps=60, retry_seconds=0.05,
                      quiet=True) as cam:
        knn.classify_start(cam, results.append)
        time.sleep(0.5)
        source.plugged = False
        time.sleep(0.5)
        during = len(results)
        time.sleep(0.3)
        assert len(results) <= during + 1  # no new frames, no new predictions
        source.plugged = True
        time.sleep(0.7)
        knn.classify_stop()
    assert len(results) > during + 3  # predictions resumed by themselves


def test_unwritable_save_path_raises_and_keeps_everything(tmp_path):
    knn = p5knn.knn_classifier.create()
    knn.add_example([1.0, 2.0], "a")
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("a file where a folder should be")
    with pytest.raises(OSError):
        knn.save(blocker / "model.p5knn")
    assert len(knn) == 1 and not list(tmp_path.glob("**/.*.tmp"))
    assert knn.save(tmp_path / "ok.p5knn").exists()


def test_many_threads_add_predict_clear_and_remove():
    knn = p5knn.knn_classifier.create(k=3)
    errors: list[BaseException] = []
    stop = threading.Event()
    added = {"n": 0}

    def guard(fn):
        def run():
            try:
                fn()
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)
        return run

    def adder(tag):
        rng = np.random.default_rng(len(tag))
        for _ in range(400):
            knn.add_example(rng.normal(size=24) + 3, tag)
            added["n"] += 1

    def predictor():
        rng = np.random.default_rng(9)
        while not stop.is_set():
            try:
                r = knn.predict_class(rng.normal(size=24) + 3)
                assert abs(sum(r.confidences.values()) - 1) < 1e-9
                assert r.label in r.confidences
            except p5knn.EmptyClassifierError:
                pass

    def remover():
        while not stop.is_set():
            try:
                knn.clear_label("temp")
            except p5knn.UnknownLabelError:
                pass
            try:
                knn.remove_example(0)
            except IndexError:
                pass
            knn.undo_last()
            time.sleep(0.001)

    workers = [threading.Thread(target=guard(lambda t=t: adder(t))) for t in ("a", "b", "temp")]
    others = [threading.Thread(target=guard(predictor)) for _ in range(2)]
    others.append(threading.Thread(target=guard(remover)))
    for t in workers + others:
        t.start()
    for t in workers:
        t.join()
    stop.set()
    for t in others:
        t.join()
    assert not errors, errors[:3]
    counts = knn.get_count_by_label()
    assert sum(counts.values()) == len(knn) == knn._store.count
    assert np.isfinite(knn._store.matrix()).all()
    assert len(knn._thumbs) == len(knn) and len(knn.labels) == len(set(knn.labels))
    ids = knn._store.class_ids
    assert (np.bincount(ids, minlength=len(knn.labels)) == list(counts.values())).all()
