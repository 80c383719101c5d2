"""Every kind of bad input raises a clear exception, and the classifier is unchanged after."""

from __future__ import annotations

import numpy as np
import pytest

import p5knn
from p5knn import (EmptyClassifierError, FeatureSizeError, ImageError, P5KNNError,
                   UnknownLabelError)


@pytest.fixture
def knn():
    k = p5knn.knn_classifier.create()
    k.add_example([1.0, 0.0, 0.0], "a")
    k.add_example([0.0, 1.0, 0.0], "b")
    return k


def snapshot(k):
    return k.labels, k.get_count(), k._store.matrix().copy()


@pytest.mark.parametrize("vector, error, message", [
    ([1.0, 2.0], FeatureSizeError, "2 numbers.*have 3"),
    ([1.0, np.nan, 0.0], ValueError, "NaN"),
    ([1.0, np.inf, 0.0], ValueError, "NaN or infinite"),
    ([], FeatureSizeError, "empty"),
    ([0.0, 0.0, 0.0], ValueError, "all-zero"),
    (np.ones((2, 2, 2, 2)), FeatureSizeError, "1-D"),
    (["x", "y", "z"], FeatureSizeError, "feature vector"),
    ([1e39, 0.0, 0.0], ValueError, "too large"),
])
def test_bad_vectors(knn, vector, error, message):
    before = snapshot(knn)
    with pytest.raises(error, match=message):
        knn.add_example(vector, "c")
    with pytest.raises(error, match=message):
        knn.predict_class(vector)
    after = snapshot(knn)
    assert after[:2] == before[:2]
    np.testing.assert_array_equal(after[2], before[2])


@pytest.mark.parametrize("k", [0, -1, 1.5, "3", True])
def test_bad_k(knn, k):
    with pytest.raises(ValueError, match="k must"):
        knn.predict_class([1, 0, 0], k=k)
    with pytest.raises(ValueError, match="k must"):
        p5knn.knn_classifier.create(k=k)


def test_predict_with_no_examples():
    with pytest.raises(EmptyClassifierError, match="no examples"):
        p5knn.knn_classifier.create().predict_class([1, 2, 3])


@pytest.mark.parametrize("label, error", [(None, TypeError), (1.5, ValueError), (True, TypeError),
                                          ("", ValueError), ([1], ValueError), ({}, TypeError)])
def test_bad_labels(knn, label, error):
    before = snapshot(knn)
    with pytest.raises(error, match="label"):
        knn.add_example([0, 0, 1], label)
    assert snapshot(knn)[:2] == before[:2]


def test_unknown_label(knn):
    with pytest.raises(UnknownLabelError, match="no label 'zzz'.*\\['a', 'b'\\]"):
        knn.clear_label("zzz")
    with pytest.raises(UnknownLabelError):
        knn.clear_label(None)


@pytest.mark.parametrize("option", [{"metric": "manhattan"}, {"weights": "votes"},
                                    {"min_similarity": 2.0}, {"balanced": "yes"}])
def test_bad_options(option):
    with pytest.raises(ValueError):
        p5knn.knn_classifier.create(**option)


def test_wrong_image_shape_reaches_user_as_image_error(mobilenet):
    knn = p5knn.knn_classifier.create(mobilenet)
    with pytest.raises(ImageError, match="shape"):
        knn.add_example(np.zeros((8, 8, 5), np.uint8), "x")
    assert len(knn) == 0


def test_all_errors_share_a_base_class():
    for cls in (EmptyClassifierError, FeatureSizeError, ImageError, UnknownLabelError,
                p5knn.CorruptFileError, p5knn.ModelError):
        assert issubclass(cls, P5KNNError)


def test_unknown_model_name():
    with pytest.raises(FileNotFoundError, match="use 'mobilenet'"):
        p5knn.feature_extractor("resnet9000")
