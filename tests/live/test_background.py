"""The one live rule (p5knn/live/_background.py): a method taking ``callback=`` returns a
``Future`` at once when ``callback=``/``on_error=`` is given or when called on a running
sketch's animation thread; ``wait=True`` always runs now, ``wait=False`` always returns a
``Future``. The input is snapshotted before the call returns. (The animation-thread half of
the rule runs in real sketches: tests/live/test_sketches.py.)"""

from __future__ import annotations

import threading
from concurrent.futures import Future

import numpy as np
import pytest

import p5knn

from helpers import colour, gated_model, slow_extractor


@pytest.fixture
def knn():
    k = p5knn.knn_classifier.create(k=1)
    for vec, label in [([1, 0, 0], "a"), ([0, 1, 0], "b"), ([0.9, 0.1, 0], "a"), ([0, 0, 1], "c")]:
        k.add_example(vec, label)
    yield k
    k.close()


def test_the_rule_outside_a_sketch(knn):
    assert knn.predict_class([0, 1, 0]).label == "b"                       # runs now
    assert isinstance(knn.predict_class([0, 1, 0], callback=lambda r: None), Future)
    assert isinstance(knn.predict_class([0, 1, 0], on_error=lambda e: None), Future)
    assert isinstance(knn.predict_class([0, 1, 0], wait=False), Future)
    assert knn.predict_class([0, 1, 0], wait=True, on_error=print).label == "b"
    assert knn.add_example([0, 1, 0.1], "b") == 4
    future = knn.add_example([0, 1, 0.2], "b", wait=False)
    assert isinstance(future, Future) and future.result(60) == 5
    future = knn.add_examples([[0, 1, 0.3]], "b", wait=False)
    assert isinstance(future, Future) and future.result(60) == [6]
    reg = p5knn.knn_regressor.create()
    assert isinstance(reg.add_example([1.0, 2.0], 0.5, wait=False), Future)
    assert isinstance(reg.predict([1.0, 2.0], callback=lambda r: None), Future)
    reg.close()


def test_wait_true_with_a_callback_runs_now_and_calls_back_here(knn):
    got = []
    result = knn.predict_class([0, 1, 0], wait=True, callback=got.append)
    assert result.label == "b" and got == [result]         # called before the return
    assert knn.add_example([0, 1, 0.1], "b", wait=True, callback=got.append) == 4
    assert got[-1] == 4


def test_async_predict_with_callback(knn):
    got, threads = [], []
    done = threading.Event()

    def on_result(result):
        got.append(result)
        threads.append(threading.current_thread().name)
        done.set()

    future = knn.predict_class([0, 1, 0], callback=on_result)
    assert future.result(timeout=60).label == "b"
    assert done.wait(60)
    # no sketch: the callback runs on the worker thread
    assert got[0].label == "b" and threads[0] != threading.current_thread().name


def test_async_errors_reach_on_error():
    knn = p5knn.knn_classifier.create()
    errors = []
    future = knn.predict_class([1, 2], callback=lambda r: None, on_error=errors.append)
    with pytest.raises(p5knn.EmptyClassifierError):
        future.result(timeout=60)
    assert isinstance(errors[0], p5knn.EmptyClassifierError)
    knn.close()


def test_async_input_is_copied_before_return(knn):
    frame = np.array([0.0, 1.0, 0.0])
    future = knn.predict_class(frame, callback=lambda r: None)
    frame[:] = [0, 0, 1]  # the caller reuses its buffer at once
    assert future.result(timeout=60).label == "b"


def test_input_buffers_can_be_reused_right_after_the_call():
    ex, runner = gated_model()                 # busy until the buffer has been reused
    knn = p5knn.knn_classifier.create(ex, k=1)
    frame = colour(255, 0, 0)
    future = knn.add_example(frame, "red", wait=False)
    assert runner.entered.wait(60)
    frame[:] = (0, 0, 255)  # the caller draws the next frame into the same buffer
    knn.add_example(frame, "blue", wait=False)
    runner.gate.set()
    assert ex.worker.wait_idle(60)
    assert future.result() == 0
    assert knn.predict_class(colour(255, 0, 0)).label == "red"
    assert knn.predict_class(colour(0, 0, 255)).label == "blue"
    ex.close()


def test_background_add_examples_is_all_or_nothing():
    ex = slow_extractor(0.0)
    knn = p5knn.knn_classifier.create(ex, k=1)
    knn.add_example(colour(10, 10, 10), "dark")
    bad = knn.add_examples([colour(200, 0, 0), np.zeros((8, 8, 5), np.uint8)], ["r", "x"],
                           wait=False)
    with pytest.raises(p5knn.ImageError):
        bad.result(60)
    assert knn.get_count_by_label() == {"dark": 1}
    assert knn.add_examples([colour(200, 0, 0)], ["r"], wait=False).result(60) == [1]
    ex.close()


def test_background_inference_uses_one_thread(mobilenet, photos):
    knn = p5knn.knn_classifier.create(mobilenet, k=1)
    knn.add_example(photos["chelsea"], "cat")
    result = knn.predict_class(photos["chelsea"], callback=lambda r: None).result(60)
    assert result.label == "cat"
    assert mobilenet.live_threads == 1   # background work leaves the sketch a core
    knn.close()
