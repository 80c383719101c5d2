"""Background work without a sketch: latest frame wins, adds are never dropped, errors are
reported and the worker keeps going, threads end on close."""

from __future__ import annotations

import threading
import time
from concurrent.futures import CancelledError

import numpy as np
import pytest

import p5knn
from p5knn.live._worker import Worker
from helpers import colour, slow_extractor


def wait_idle(worker: Worker, timeout: float = 10.0) -> None:
    assert worker.wait_idle(timeout)


def test_predictions_are_dropped_not_queued():
    ex = slow_extractor(0.1)
    knn = p5knn.knn_classifier.create(ex, k=1)
    knn.add_example(colour(255, 0, 0), "red")
    knn.add_example(colour(0, 0, 255), "blue")
    got = []
    futures = [knn.predict_class(colour(250, 10, 10), callback=got.append) for _ in range(30)]
    assert ex.worker.pending <= 1  # never a growing backlog
    futures[-1].result(10)
    wait_idle(ex.worker)
    finished = [f for f in futures if not f.cancelled()]
    assert futures[-1] in finished  # the newest request is always served
    assert len(finished) <= 3 and ex.worker.dropped >= 27
    assert len(got) == len(finished) and all(r.label == "red" for r in got)
    with pytest.raises(CancelledError):
        futures[5].result()
    ex.close()


def test_background_adds_are_never_dropped_and_keep_their_order():
    ex = slow_extractor(0.01)
    knn = p5knn.knn_classifier.create(ex)
    knn.add_example(colour(1, 1, 1), "seed")
    labels = [f"l{i % 4}" for i in range(40)]
    stored = []
    for i, label in enumerate(labels):
        knn.add_example(colour(i * 6, 100, 50), label, callback=stored.append)
        knn.predict_class(colour(i * 6, 100, 50), callback=lambda r: None)  # competing work
    wait_idle(ex.worker)
    assert len(knn) == 41 and stored == list(range(1, 41))
    assert [knn.get_example(i)[1] for i in range(1, 41)] == labels
    ex.close()


def test_input_buffers_can_be_reused_right_after_the_call():
    ex = slow_extractor(0.05)
    knn = p5knn.knn_classifier.create(ex, k=1)
    frame = colour(255, 0, 0)
    future = knn.add_example(frame, "red", wait=False)
    frame[:] = (0, 0, 255)  # the caller draws the next frame into the same buffer
    knn.add_example(frame, "blue", wait=False)
    wait_idle(ex.worker)
    assert future.result() == 0
    assert knn.predict_class(colour(255, 0, 0)).label == "red"
    ex.close()


def test_errors_reach_on_error_and_the_worker_keeps_going(capsys):
    ex = slow_extractor(0.0)
    knn = p5knn.knn_classifier.create(ex, k=1)
    errors = []
    knn.predict_class(colour(1, 2, 3), callback=lambda r: None, on_error=errors.append)
    wait_idle(ex.worker)
    assert isinstance(errors[0], p5knn.EmptyClassifierError)
    knn.add_example(colour(9, 9, 9), "x")

    def broken(result):
        raise RuntimeError("callback bug")

    for _ in range(3):
        knn.predict_class(colour(9, 9, 9), callback=broken)
        wait_idle(ex.worker)
    err = capsys.readouterr().err
    assert err.count("callback bug") == 2  # printed once: the message line and the traceback
    assert "Traceback" in err
    assert knn.predict_class(colour(9, 9, 9), callback=lambda r: None).result(5).label == "x"
    ex.close()


def test_close_ends_threads_and_submit_restarts():
    before = threading.active_count()
    extractors = [slow_extractor(0.0) for _ in range(5)]
    for ex in extractors:
        knn = p5knn.knn_classifier.create(ex)
        knn.add_example(colour(5, 5, 5), "a")
        knn.predict_class(colour(5, 5, 5), callback=lambda r: None).result(5)
        knn.predict_class([1, 2, 3, 4], callback=lambda r: None).result(5)
        knn.close()
        ex.close()
    deadline = time.time() + 5
    while threading.active_count() > before and time.time() < deadline:
        time.sleep(0.05)
    assert threading.active_count() <= before
    w = Worker("restart")
    w.close()
    assert w.submit(lambda: 42).result(5) == 42  # a closed worker starts again on demand
    w.close()


def test_continuous_classification_of_a_video_file(tmp_path, mobilenet):
    from p5knn.live._video import demo_clip

    clip = demo_clip(tmp_path / "clip.avi", seconds=3, fps=30)
    demo = p5knn.DemoSource()
    knn = p5knn.knn_classifier.create(mobilenet, k=1)
    for name in ("chelsea", "rocket", "coffee", "astronaut", "horse", "hubble_deep_field"):
        demo.pointer = lambda n=name: demo.photo_position(n)
        knn.add_example(demo.read()[1], name, bands="BGR")
    results = []
    with p5knn.Camera(clip) as cam:
        knn.classify_start(cam, results.append)
        deadline = time.time() + 20
        while len(results) < 30 and time.time() < deadline:
            time.sleep(0.05)
        knn.classify_stop()
    assert len(results) >= 30
    assert all(r.frame_time is not None for r in results)
    assert len({r.label for r in results}) >= 2  # the clip pans across several photos
    assert not knn.classifying


def test_camera_sources(tmp_path):
    frames = iter([(True, np.full((240, 320, 3), v, np.uint8)) for v in range(50, 250, 10)])

    class Reader:
        def read(self):
            return next(frames, (False, None))

    with p5knn.Camera(source=Reader(), fps=200, retry_seconds=0.05, quiet=True) as cam:
        assert cam.wait_for_frame(0, timeout=5)
        frame = cam.read()
        assert frame.shape == (480, 640, 3)  # resized to the camera's size
        deadline = time.time() + 5
        while cam.connected and time.time() < deadline:
            time.sleep(0.02)
        assert not cam.connected  # the source ran dry: reported, thread still alive
        assert "no frame" in cam.status
    with pytest.raises(FileNotFoundError):
        p5knn.Camera(tmp_path / "missing.avi")
    with p5knn.Camera(7, fallback=None, retry_seconds=0.05, quiet=True) as cam:
        time.sleep(0.1)
        assert not cam.connected and "no webcam 7" in cam.status
        assert cam.read().shape == (480, 640, 3)  # a black frame, the sketch keeps running
    with p5knn.Camera(7, quiet=True) as cam:
        assert cam.kind == "demo" and cam.wait_for_frame(0, timeout=5)


def test_background_inference_uses_one_thread(mobilenet, photos):
    knn = p5knn.knn_classifier.create(mobilenet, k=1)
    knn.add_example(photos["chelsea"], "cat")
    result = knn.predict_class(photos["chelsea"], callback=lambda r: None).result(10)
    assert result.label == "cat"
    assert mobilenet._live_runner is not None and mobilenet._live_runner.num_threads == 1
    assert mobilenet.live_threads == 1
    knn.close()
