"""Continuous classification (p5knn/live/_continuous.py): ``classify_start`` keeps predicting
the newest frame of a source, one prediction in flight, through camera outages, until
``classify_stop``."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

import p5knn

from helpers import colour, slow_extractor, wait_until


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


def test_continuous_classification_of_a_video_file(tmp_path, mobilenet):
    clip = p5knn.demo_clip(tmp_path / "clip.avi", seconds=3, fps=30)
    demo = p5knn.DemoSource()
    knn = p5knn.knn_classifier.create(mobilenet, k=1)
    for name in ("chelsea", "rocket", "coffee", "astronaut", "horse", "hubble_deep_field"):
        demo.pointer = lambda n=name: demo.photo_position(n)
        knn.add_example(demo.read()[1], name, bands="BGR")
    results = []
    started = time.perf_counter()
    with p5knn.Camera(clip) as cam:
        knn.classify_start(cam, results.append)
        assert knn.is_classifying
        wait_until(lambda: len(results) >= 30, 120)
        knn.classify_stop()
    print(f"\n{len(results)} predictions in {time.perf_counter() - started:.1f} s")
    assert len(results) >= 30
    assert all(r.frame_time is not None for r in results)
    assert len({r.label for r in results}) >= 2  # the clip pans across several photos
    assert not knn.is_classifying


def test_continuous_classification_survives_a_camera_outage():
    source = FlakyCamera()
    ex = slow_extractor(0.0)
    knn = p5knn.knn_classifier.create(ex, k=1)
    knn.add_example(np.zeros((120, 160, 3), np.uint8), "dark")
    knn.add_example(np.full((120, 160, 3), 255, np.uint8), "bright")
    results = []
    with p5knn.Camera(source=source, width=160, height=120, fps=60, retry_seconds=0.05,
                      quiet=True) as cam:
        knn.classify_start(cam, results.append)
        assert wait_until(lambda: len(results) >= 3, 60)
        source.plugged = False
        assert wait_until(lambda: not cam.is_connected, 30)
        assert ex.worker.wait_idle(60)
        during = len(results)
        threading.Event().wait(0.3)     # no new frames, no new predictions
        assert len(results) <= during + 1
        source.plugged = True
        assert wait_until(lambda: len(results) > during + 3, 60)  # resumed by themselves
        knn.classify_stop()
    ex.close()


def test_one_prediction_in_flight_and_nothing_before_the_first_example():
    ex = slow_extractor(0.02)
    knn = p5knn.knn_classifier.create(ex, k=1)
    results, calls = [], []

    def frame():
        calls.append(time.perf_counter())
        return colour(200, 30, 30)

    knn.classify_start(frame, results.append)
    threading.Event().wait(0.2)
    assert results == [] and calls == []          # no examples yet: nothing is predicted
    knn.add_example(colour(255, 0, 0), "red")
    assert wait_until(lambda: len(results) >= 5, 60)
    knn.classify_stop()
    assert ex.worker.wait_idle(60)
    assert all(r.label == "red" for r in results)
    assert len(calls) <= len(results) + 1          # a frame is read only when one is due
    assert ex.worker.dropped == 0                  # so no request is ever replaced
    ex.close()


def test_fps_caps_predictions_and_bad_arguments_are_refused():
    knn = p5knn.knn_classifier.create(k=1)
    knn.add_example([1.0, 0.0], "a")
    results = []
    knn.classify_start(lambda: [1.0, 0.1], results.append, fps=20)
    assert wait_until(lambda: len(results) >= 3, 60)
    first = time.perf_counter()
    count = len(results)
    threading.Event().wait(0.5)
    knn.classify_stop()
    rate = (len(results) - count) / (time.perf_counter() - first)
    print(f"\nfps=20 gave {rate:.1f} predictions per second")
    assert rate < 40                               # capped (never faster; slower is fine)
    with pytest.raises(TypeError, match="callback"):
        knn.classify_start(lambda: [1.0, 0.1], "not a function")
    with pytest.raises(TypeError, match="unknown option"):
        knn.classify_start(lambda: [1.0, 0.1], results.append, colour="red")
    knn.close()
