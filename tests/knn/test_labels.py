"""Labels, targets and feature vectors as users give them (p5knn/knn/_labels.py): checked with
a clear exception, and the classifier unchanged after a refusal."""

from __future__ import annotations

import numpy as np
import pytest

import p5knn
from p5knn import FeatureSizeError, UnknownLabelError


@pytest.fixture
def knn():
    k = p5knn.knn_classifier.create()
    k.add_example([1.0, 0.0, 0.0], "a")
    k.add_example([0.0, 1.0, 0.0], "b")
    return k


def state(k):
    return k.labels, k.get_count(), k.snapshot(thumbnails=False).features


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
    before = state(knn)
    with pytest.raises(error, match=message):
        knn.add_example(vector, "c")
    with pytest.raises(error, match=message):
        knn.predict_class(vector)
    after = state(knn)
    assert after[:2] == before[:2]
    np.testing.assert_array_equal(after[2], before[2])


# A float or a vector as a label is a regression target: the classifier refuses it with a
# TypeError pointing to p5knn.knn_regressor (a ValueError before the regressor split).
@pytest.mark.parametrize("label, error", [(None, TypeError), (1.5, TypeError), (True, TypeError),
                                          ("", ValueError), ([1], TypeError), ({}, TypeError)])
def test_bad_labels(knn, label, error):
    before = state(knn)
    with pytest.raises(error, match="label"):
        knn.add_example([0, 0, 1], label)
    assert state(knn)[:2] == before[:2]


@pytest.mark.parametrize("target", [0.5, [0.1, 0.9], np.float32(2.0), np.array([1.0, 2.0])])
def test_numbers_and_vectors_as_labels_point_to_the_regressor(knn, target):
    with pytest.raises(TypeError, match="knn_regressor"):
        knn.add_example([0, 0, 1], target)
    assert len(knn) == 2


def test_unknown_label(knn):
    with pytest.raises(UnknownLabelError, match="no label 'zzz'.*\\['a', 'b'\\]"):
        knn.clear_label("zzz")
    with pytest.raises(UnknownLabelError):
        knn.clear_label(None)


def test_int_and_str_labels_are_distinct():
    knn = p5knn.knn_classifier.create(k=1)
    knn.add_example([1, 0], 1)
    knn.add_example([0, 1], "1")
    assert knn.labels == [1, "1"]
    assert knn.predict_class([1, 0.1]).label == 1
    assert knn.predict_class([0.1, 1]).label == "1"
    knn.add_example([1, 0.1], np.int64(1))
    assert knn.get_count_by_label() == {1: 2, "1": 1}
