"""The KNN classifier (p5knn/knn/_classifier.py): ml5's bookkeeping names, removal and undo,
images through MobileNet, clear errors, and many threads using one classifier at once."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import p5knn
from p5knn import (EmptyClassifierError, FeatureSizeError, ImageError, P5KNNError,
                   UnknownLabelError)

from helpers import run_together


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
    assert isinstance(knn, p5knn.KNNClassifier)


def test_add_example_returns_index(knn):
    assert knn.add_example([1, 1, 1], "d") == 4
    assert knn.add_examples([[1, 2, 3], [3, 2, 1]], "e") == [5, 6]
    assert knn.add_examples([[1, 2, 4], [4, 2, 1]], ["f", "g"]) == [7, 8]


def test_classify_is_predict_class(knn):
    assert knn.classify([0, 1, 0.1]) == knn.predict_class([0, 1, 0.1])


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


def test_predict_with_no_examples():
    with pytest.raises(EmptyClassifierError, match="no examples"):
        p5knn.knn_classifier.create().predict_class([1, 2, 3])


def test_all_errors_share_a_base_class():
    for cls in (EmptyClassifierError, FeatureSizeError, ImageError, UnknownLabelError,
                p5knn.CorruptFileError, p5knn.ModelError):
        assert issubclass(cls, P5KNNError)


def test_unknown_model_name():
    with pytest.raises(FileNotFoundError, match="use 'mobilenet'"):
        p5knn.feature_extractor("resnet9000")


# ------------------------------------------------------------------------------ images

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
    result = knn.predict_class(photos["chelsea"], callback=lambda r: None).result(timeout=60)
    assert result.label == "cat"


def test_bgr_frames(mobilenet, photos):
    knn = p5knn.knn_classifier.create(mobilenet, k=1, bands="BGR")
    bgr = {n: np.ascontiguousarray(photos[n][:, :, ::-1]) for n in ("chelsea", "rocket")}
    knn.add_example(bgr["chelsea"], "cat")
    knn.add_example(bgr["rocket"], "rocket")
    assert knn.predict_class(photos["chelsea"], bands="RGB").label == "cat"
    assert knn.predict_class(bgr["rocket"]).label == "rocket"


def test_wrong_image_shape_reaches_user_as_image_error(mobilenet):
    knn = p5knn.knn_classifier.create(mobilenet)
    with pytest.raises(ImageError, match="shape"):
        knn.add_example(np.zeros((8, 8, 5), np.uint8), "x")
    assert len(knn) == 0


# ----------------------------------------------------------------------- many threads

def test_many_threads_add_predict_clear_and_remove():
    knn = p5knn.knn_classifier.create(k=3)
    stop = threading.Event()

    def adder(tag):
        rng = np.random.default_rng(len(tag))
        for _ in range(400):
            knn.add_example(rng.normal(size=24) + 3, tag)

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
            stop.wait(0.001)

    def adders_then_stop():
        try:
            assert not run_together(*(lambda t=t: adder(t) for t in ("a", "b", "temp")))
        finally:
            stop.set()

    errors = run_together(adders_then_stop, predictor, predictor, remover)
    assert not errors, errors[:3]
    counts = knn.get_count_by_label()
    saved = knn.snapshot()
    assert sum(counts.values()) == len(knn) == len(saved.features)
    assert np.isfinite(saved.features).all()
    assert len(knn.labels) == len(set(knn.labels)) == len(saved.labels)
    for i in range(len(knn)):
        assert knn.get_thumbnail(i) is None       # bookkeeping kept in step with the rows
    assert (np.bincount(saved.class_ids, minlength=len(knn.labels)) ==
            list(counts.values())).all()
