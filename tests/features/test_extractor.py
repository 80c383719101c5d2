"""The feature extractor: batches, options, ``classify`` and its result, and the one rule for
background calls (callback → Future, latest request wins, input copied at once)."""

from __future__ import annotations

import threading
from concurrent.futures import Future

import numpy as np
import pytest
from helpers import SlowRunner, colour

import p5knn
from p5knn import Classification, FeatureExtractor, ImageError, P5KNNError

NAMES = ["red", "green", "blue", "one"]


def slow_classifier(delay: float = 0.0) -> FeatureExtractor:
    """A stand-in model whose 4 outputs (mean R, G, B, 1) double as class scores."""
    return FeatureExtractor(SlowRunner(delay), "slow-head", 0, head_output=0,
                            class_names=NAMES, preprocess="unit")


@pytest.fixture
def blocked():
    """An extractor whose worker is held busy until ``release()``: background requests
    queue up deterministically."""
    ex = slow_classifier()
    gate = threading.Event()
    started = threading.Event()

    def hold() -> None:
        started.set()
        assert gate.wait(30)

    ex.worker.submit(hold)
    assert started.wait(30)
    yield ex, gate.set
    gate.set()
    ex.close()


def test_batch_equals_single(mobilenet, photos):
    batch = mobilenet.infer_batch([photos["chelsea"], photos["coffee"]])
    assert batch.shape == (2, 1024)
    np.testing.assert_allclose(batch[1], mobilenet.infer(photos["coffee"]), rtol=1e-5)


def test_batch_error_names_the_image(mobilenet, photos):
    with pytest.raises(ImageError, match="image 1 of the batch"):
        mobilenet.infer_batch([photos["chelsea"], np.zeros((4, 4, 7), np.uint8)])


def test_bad_options_raise(mobilenet, photos):
    with pytest.raises(ImageError, match="bands"):
        mobilenet.infer(photos["chelsea"], bands="XYZ")
    with pytest.raises(ImageError, match="crop"):
        mobilenet.infer(photos["chelsea"], crop="left")
    with pytest.raises(ValueError, match="top_k"):
        mobilenet.classify(photos["chelsea"], top_k=0)
    with pytest.raises(ImageError, match="ARGB"):
        mobilenet.infer(photos["chelsea"], bands="ARGB")
    with pytest.raises(ValueError, match="callbacks"):
        FeatureExtractor(SlowRunner(0), "x", 0, callbacks="later")


def test_classify_gives_the_top_k_classes_most_likely_first():
    ex = slow_classifier()
    result = ex.classify(colour(0, 0, 255), top_k=3)
    assert isinstance(result, Classification) and not result.unknown
    assert result.label == "blue" and result.class_index == NAMES.index("blue")
    assert list(result.confidences) == ["blue", "one", "red"]       # most likely first
    probs = list(result.confidences.values())
    assert probs == sorted(probs, reverse=True) and result.confidence == probs[0]
    assert result.top(2) == list(result.confidences.items())[:2]
    assert ex.class_names == NAMES
    full = ex.classify(colour(0, 0, 255), top_k=10)                 # capped at the classes
    assert len(full.confidences) == 4 and sum(full.confidences.values()) == pytest.approx(1)


def test_a_model_without_a_head_cannot_classify():
    ex = FeatureExtractor(SlowRunner(0), "no-head", 0, preprocess="unit")
    assert ex.class_names is None
    with pytest.raises(P5KNNError, match="no classification head"):
        ex.classify(colour(1, 2, 3))


def test_classify_runs_now_unless_told_otherwise():
    ex = slow_classifier()
    image = colour(255, 0, 0)
    assert isinstance(ex.classify(image), Classification)             # no callback: now
    assert isinstance(ex.classify(image, wait=True), Classification)
    future = ex.classify(image, wait=False)                            # always a Future
    assert isinstance(future, Future) and future.result(30).label == "red"
    got, where = [], []
    done = threading.Event()

    def callback(result):
        got.append(result)
        where.append(threading.current_thread().name)
        done.set()

    future = ex.classify(image, callback=callback)                     # a callback: a Future
    assert future.result(30).label == "red" and done.wait(30)
    assert got == [future.result()] and where == ["p5knn-slow-head"]   # no sketch: the worker
    ex.close()


def test_errors_in_the_background_go_to_on_error():
    ex = slow_classifier()
    errors, seen = [], threading.Event()
    future = ex.classify(np.zeros((4, 4, 7), np.uint8),
                         on_error=lambda exc: (errors.append(exc), seen.set()))
    with pytest.raises(ImageError):
        future.result(30)
    assert seen.wait(30) and isinstance(errors[0], ImageError)
    ex.close()


def test_the_latest_request_wins(blocked):
    ex, release = blocked
    futures = [ex.classify(colour(i, 0, 255), wait=False) for i in range(5)]
    release()
    assert futures[-1].result(30).label == "blue"
    assert all(f.cancelled() for f in futures[:-1])                    # replaced, never run
    assert ex.worker.dropped == 4


def test_the_input_is_copied_when_the_call_returns(blocked):
    ex, release = blocked
    image = colour(255, 0, 0)
    future = ex.classify(image, callback=lambda r: None)
    image[:] = (0, 255, 0)                                             # changed right after
    release()
    assert future.result(30).label == "red"


def test_close_stops_the_worker_and_a_later_call_restarts_it():
    ex = slow_classifier()
    assert ex.classify(colour(0, 255, 0), wait=False).result(30).label == "green"
    assert ex.worker.is_alive
    ex.close()
    assert not ex.worker.is_alive
    assert ex.classify(colour(0, 255, 0), wait=False).result(30).label == "green"
    ex.close()


def test_repr_and_sizes(mobilenet):
    assert repr(mobilenet) == "FeatureExtractor('mobilenet', feature_size=1024, " \
                              "input_size=(224, 224))"
    assert mobilenet.prepare(np.zeros((30, 40, 3), np.uint8)).shape == (224, 224, 3)
    assert p5knn.feature_extractor("MobileNet_V1").name == "mobilenet"
