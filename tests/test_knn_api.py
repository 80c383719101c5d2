"""Classifier bookkeeping (ml5 names), removal, undo, images and the async form."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import p5knn
from p5knn import UnknownLabelError


@pytest.fixture
def knn():
    k = p5knn.knn_classifier.create(k=1)
    for vec, label in [([1, 0, 0], "a"), ([0, 1, 0], "b"), ([0.9, 0.1, 0], "a"), ([0, 0, 1], "c")]:
        k.add_example(vec, label)
    return k


def test_counts_and_labels(knn):
    assert len(knn) == 4 and knn.get_num_labels() == 3
    assert knn.labels == ["a", "b", "c"]
    assert knn.get_count() == {0: 2, 1: 1, 2: 1}
    assert knn.get_count_by_label() == {"a": 2, "b": 1, "c": 1}
    features, label = knn.get_example(2)
    np.testing.assert_allclose(features, [0.9, 0.1, 0])
    assert label == "a" and knn.feature_size == 3


def test_add_example_returns_index(knn):
    assert knn.add_example([1, 1, 1], "d") == 4


def test_clear_label_keeps_the_rest_and_reindexes(knn):
    knn.clear_label("b")
    assert knn.labels == ["a", "c"] and knn.get_count() == {0: 2, 1: 1}
    r = knn.predict_class([0, 0.1, 1])
    assert r.label == "c" and r.class_index == 1
    assert knn.predict_class([0, 1, 0.5]).label == "c"  # "b" is gone
    with pytest.raises(UnknownLabelError, match="'b'"):
        knn.clear_label("b")


def test_remove_one_bad_example(knn):
    assert knn.remove_example(2) == "a"
    assert knn.get_count_by_label() == {"a": 1, "b": 1, "c": 1}
    assert [knn.get_example(i)[1] for i in range(3)] == ["a", "b", "c"]
    assert knn.remove_example(-1) == "c"
    assert knn.labels == ["a", "b"]  # a label without examples disappears
    with pytest.raises(IndexError, match="out of range"):
        knn.remove_example(5)
    with pytest.raises(TypeError):
        knn.remove_example("0")


def test_undo_last(knn):
    assert knn.undo_last() == "c"
    assert knn.undo_last() == "a"
    assert knn.get_count_by_label() == {"a": 1, "b": 1}
    knn.add_example([0, 0, 1], "z")
    knn.remove_example(2)  # remove "z" by hand: undo skips it
    assert knn.undo_last() == "b"
    assert knn.undo_last() == "a"
    assert knn.undo_last() is None and len(knn) == 0


def test_clear_all_labels(knn):
    knn.clear_all_labels()
    assert len(knn) == 0 and knn.labels == [] and knn.get_count() == {}
    knn.add_example([1, 2], "new")  # a different length is fine once empty
    assert knn.feature_size == 2


def test_options_and_set_options():
    knn = p5knn.knn_classifier.create(k=5, weights="distance")
    assert knn.k == 5 and knn.options["weights"] == "distance"
    knn.set_options(balanced=True, min_similarity=0.5)
    assert knn.options["balanced"] and knn.options["min_similarity"] == 0.5
    with pytest.raises(TypeError, match="unknown option"):
        knn.set_options(colour="red")


def test_async_predict_with_callback(knn):
    got, threads = [], []
    done = threading.Event()

    def on_result(result):
        got.append(result)
        threads.append(threading.current_thread().name)
        done.set()

    future = knn.predict_class([0, 1, 0], callback=on_result)
    assert future.result(timeout=5).label == "b"
    assert done.wait(5)
    assert got[0].label == "b" and threads[0] != threading.current_thread().name
    knn.close()


def test_async_errors_reach_on_error():
    knn = p5knn.knn_classifier.create()
    errors = []
    future = knn.predict_class([1, 2], callback=lambda r: None, on_error=errors.append)
    with pytest.raises(p5knn.EmptyClassifierError):
        future.result(timeout=5)
    assert isinstance(errors[0], p5knn.EmptyClassifierError)
    knn.close()


def test_async_input_is_copied_before_return(knn):
    frame = np.array([0.0, 1.0, 0.0])
    future = knn.predict_class(frame, callback=lambda r: None)
    frame[:] = [0, 0, 1]  # the caller reuses its buffer at once
    assert future.result(timeout=5).label == "b"
    knn.close()


def test_images_with_the_default_mobilenet(mobilenet, photos):
    knn = p5knn.knn_classifier.create(mobilenet, k=1, thumbnails=True)
    knn.add_example(photos["chelsea"], "cat")
    knn.add_example(photos["coffee"], "coffee")
    knn.add_example(photos["rocket"], "rocket")
    assert knn.model == "mobilenet" and knn.feature_size == 1024
    assert knn.predict_class(photos["cat"]).label == "cat"  # a different cat photo
    assert knn.predict_class(np.ascontiguousarray(photos["coffee"][:, ::-1])).label == "coffee"
    thumb = knn.get_thumbnail(0)
    assert thumb.shape == (64, 64, 3) and thumb.dtype == np.uint8
    # features computed elsewhere mix with images of the same model
    knn.add_example(mobilenet.infer(photos["astronaut"]), "person")
    assert knn.predict_class(photos["astronaut"]).label == "person"
    assert knn.get_thumbnail(3) is None
    result = knn.predict_class(photos["chelsea"], callback=lambda r: None).result(timeout=10)
    assert result.label == "cat"


def test_bgr_frames(mobilenet, photos):
    knn = p5knn.knn_classifier.create(mobilenet, k=1, bands="BGR")
    bgr = {n: np.ascontiguousarray(photos[n][:, :, ::-1]) for n in ("chelsea", "rocket")}
    knn.add_example(bgr["chelsea"], "cat")
    knn.add_example(bgr["rocket"], "rocket")
    assert knn.predict_class(photos["chelsea"], bands="RGB").label == "cat"
    assert knn.predict_class(bgr["rocket"]).label == "rocket"
