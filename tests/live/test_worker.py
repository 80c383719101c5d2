"""The background worker (p5knn/live/_worker.py), seen through a classifier and its
extractor's ``worker``: the latest prediction wins, adds are never dropped and keep their order,
errors are reported once and the worker keeps going, threads end on close and come back."""

from __future__ import annotations

import threading
from concurrent.futures import CancelledError

import pytest

import p5knn

from helpers import colour, gated_model, slow_extractor, wait_until


def test_predictions_are_dropped_not_queued():
    ex, runner = gated_model()
    runner.gate.set()
    knn = p5knn.knn_classifier.create(ex, k=1)
    knn.add_example(colour(255, 0, 0), "red")
    knn.add_example(colour(0, 0, 255), "blue")
    runner.gate.clear()
    runner.entered.clear()
    got = []
    futures = [knn.predict_class(colour(250, 10, 10), callback=got.append)]
    assert runner.entered.wait(60)          # the model is busy with the first request …
    for _ in range(29):                      # … while 29 more arrive
        futures.append(knn.predict_class(colour(250, 10, 10), callback=got.append))
        assert ex.worker.pending <= 1        # never a growing backlog
    assert ex.worker.dropped == 28           # each replaced the one waiting before it
    runner.gate.set()
    futures[-1].result(60)
    assert ex.worker.wait_idle(60)
    finished = [f for f in futures if not f.cancelled()]
    assert finished == [futures[0], futures[-1]]  # the newest request is always served
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
    assert ex.worker.wait_idle(60)
    assert len(knn) == 41 and stored == list(range(1, 41))
    assert [knn.get_example(i)[1] for i in range(1, 41)] == labels
    ex.close()


def test_a_prediction_sees_every_add_made_before_it():
    ex = slow_extractor(0.01)
    knn = p5knn.knn_classifier.create(ex, k=1)
    knn.add_example(colour(0, 0, 255), "blue")
    knn.add_example(colour(255, 0, 0), "red", wait=False)          # queued, not yet stored
    result = knn.predict_class(colour(255, 0, 0), wait=False).result(60)
    assert result.label == "red"
    ex.close()


def test_errors_reach_on_error_and_the_worker_keeps_going(capsys):
    ex = slow_extractor(0.0)
    knn = p5knn.knn_classifier.create(ex, k=1)
    errors = []
    knn.predict_class(colour(1, 2, 3), callback=lambda r: None, on_error=errors.append)
    assert ex.worker.wait_idle(60)
    assert isinstance(errors[0], p5knn.EmptyClassifierError)
    knn.add_example(colour(9, 9, 9), "x")

    def broken(result):
        raise RuntimeError("callback bug")

    for _ in range(3):
        knn.predict_class(colour(9, 9, 9), callback=broken)
        assert ex.worker.wait_idle(60)
    err = capsys.readouterr().err
    assert err.count("callback bug") == 2  # printed once: the message line and the traceback
    assert "Traceback" in err
    assert knn.predict_class(colour(9, 9, 9), callback=lambda r: None).result(60).label == "x"
    ex.close()


def test_a_failing_on_error_handler_is_reported_too(capsys):
    knn = p5knn.knn_classifier.create()

    def bad_handler(exc):
        raise KeyError("the handler itself is broken")

    future = knn.predict_class([1.0, 2.0], callback=lambda r: None, on_error=bad_handler)
    with pytest.raises(p5knn.EmptyClassifierError):
        future.result(60)
    assert wait_until(lambda: "the handler itself is broken" in capsys.readouterr().err, 30)
    knn.close()


def test_close_ends_threads_and_a_later_call_restarts_them():
    before = threading.active_count()
    extractors = [slow_extractor(0.0) for _ in range(5)]
    for ex in extractors:
        knn = p5knn.knn_classifier.create(ex)
        knn.add_example(colour(5, 5, 5), "a")
        knn.predict_class(colour(5, 5, 5), callback=lambda r: None).result(60)
        knn.predict_class([1, 2, 3, 4], callback=lambda r: None).result(60)
        knn.close()
        ex.close()
    assert wait_until(lambda: threading.active_count() <= before, 30)
    ex = extractors[0]
    knn = p5knn.knn_classifier.create(ex)     # a closed worker starts again on demand
    knn.add_example([1, 2, 3, 4], "v")
    # images run on the (closed) extractor's worker, vectors on the classifier's own
    assert knn.predict_class(colour(5, 5, 5), wait=False).result(60).label == "v"
    assert knn.predict_class([1, 2, 3, 4], callback=lambda r: None).result(60).label == "v"
    assert ex.infer(colour(5, 5, 5)).shape == (4,)
    knn.close()
    ex.close()
    assert wait_until(lambda: threading.active_count() <= before, 30)
