"""KNN maths (p5knn/knn/_math.py) on small hand-checked cases: the tfjs/ml5 rules (cosine, the
k nearest vote, ties) and the opt-in improvements, all through ``predict_class``."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import p5knn


def make(**options):
    knn = p5knn.knn_classifier.create(**options)
    knn.add_example([1.0, 0.0], "right")
    knn.add_example([0.9, 0.1], "right")
    knn.add_example([0.0, 1.0], "up")
    knn.add_example([-1.0, 0.0], "left")
    return knn


def test_votes_over_k_like_tfjs():
    knn = make()
    r = knn.predict_class([1.0, 0.2], k=3)
    # similarities: right 0.981, right 0.994, up 0.196, left −0.981 → top-3 = right,right,up
    assert r.label == "right" and r.class_index == 0
    assert r.confidences == pytest.approx({"right": 2 / 3, "up": 1 / 3, "left": 0.0})
    assert [n.label for n in r.neighbors] == ["right", "right", "up"]
    assert r.neighbors[0].index == 1  # [0.9, 0.1] is closer to [1, 0.2] than [1, 0]
    expected = np.dot([0.9, 0.1], [1.0, 0.2]) / np.linalg.norm([0.9, 0.1]) / np.linalg.norm(
        [1.0, 0.2])
    assert r.similarity == pytest.approx(expected, abs=1e-6)
    assert r.distance == pytest.approx(1 - expected, abs=1e-6)
    assert r.k == 3 and r.confidence == pytest.approx(2 / 3)
    assert r.top(2) == [("right", pytest.approx(2 / 3)), ("up", pytest.approx(1 / 3))]
    assert isinstance(r, p5knn.KNNResult)


def test_scale_does_not_matter_for_cosine():
    knn = make()
    a = knn.predict_class([1.0, 0.2])
    b = knn.predict_class([100.0, 20.0])
    assert a.confidences == b.confidences and a.label == b.label


def test_k_is_capped_at_the_number_of_examples_and_warns():
    knn = make()
    with pytest.warns(p5knn.KTooLargeWarning):
        r = knn.predict_class([-1.0, 0.0], k=10)
    assert r.k == 4
    # votes / 4: the biggest class wins even for a vector pointing exactly at "left"
    assert r.label == "right"
    assert r.confidences == pytest.approx({"right": 0.5, "up": 0.25, "left": 0.25})


def test_balanced_votes_fix_the_big_class_trap():
    knn = make(balanced=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = knn.predict_class([-1.0, 0.0], k=4)
    assert r.confidences == pytest.approx({"right": 1 / 3, "up": 1 / 3, "left": 1 / 3})
    r = knn.predict_class([-1.0, 0.1], k=3)
    # top-3 = left, up, right(0.9,0.1)… each weighted by 1/class size: left 1, up 1, right 1/2
    assert r.confidences == pytest.approx({"right": 0.2, "up": 0.4, "left": 0.4})
    assert r.label == "up"  # tie between up and left: the label added first wins


def test_distance_weighted_votes():
    knn = make(weights="distance")
    q = np.array([0.0, 1.0])
    r = knn.predict_class(q, k=3)
    sims = np.array([0.0, 0.1 / np.linalg.norm([0.9, 0.1]), 1.0])  # right, right, up
    w = 1 / np.maximum(1 - sims, 1e-6)
    assert r.confidences["up"] == pytest.approx(w[2] / w.sum(), rel=1e-4)
    assert r.label == "up"


def test_ties_go_to_the_label_added_first():
    knn = p5knn.knn_classifier.create()
    knn.add_example([0.0, 1.0], "b")
    knn.add_example([1.0, 0.0], "a")
    with pytest.warns(p5knn.KTooLargeWarning):
        r = knn.predict_class([1.0, 1.0], k=2)
    assert r.confidences == {"b": 0.5, "a": 0.5}
    assert r.label == "b" and r.class_index == 0


def test_equal_similarities_break_by_class_order_then_insertion():
    knn = p5knn.knn_classifier.create(k=3)
    knn.add_example([0.0, 1.0], "a")          # makes "a" class 0; removed below
    for label in ["b", "a", "b", "a", "b"]:   # every one exactly like the query
        knn.add_example([1.0, 0.0], label)
    knn.remove_example(0)                      # rows now: b a b a b (classes 1 0 1 0 1)
    assert knn.labels == ["a", "b"]
    r = knn.predict_class([1.0, 0.0])
    assert [n.index for n in r.neighbors] == [1, 3, 0]
    assert r.label == "a"


def test_the_k_nearest_match_a_full_sort_on_random_data():
    rng = np.random.default_rng(0)
    data = rng.normal(size=(50, 8)).astype(np.float32)
    knn = p5knn.knn_classifier.create(weights="distance")
    knn.add_examples(data, [i % 3 for i in range(50)])
    q = rng.normal(size=8).astype(np.float32)
    ref = data @ q / np.linalg.norm(data, axis=1) / np.linalg.norm(q)
    r = knn.predict_class(q, k=50)
    assert [n.index for n in r.neighbors] == list(np.argsort(-ref))
    sims = np.array([n.similarity for n in r.neighbors])
    np.testing.assert_allclose(sims, ref[np.argsort(-ref)], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose([n.distance for n in r.neighbors], 1 - sims, atol=1e-6)
    assert [n.index for n in knn.predict_class(q, k=5).neighbors] == list(np.argsort(-ref)[:5])


def test_unknown_answer_below_min_similarity():
    knn = make(min_similarity=0.9)
    r = knn.predict_class([1.0, 0.05])
    assert not r.unknown and r.label == "right"
    r = knn.predict_class([1.0, 1.0])  # 45°: nearest similarity ≈ 0.78
    assert r.unknown and r.label == "unknown" and r.class_index == -1 and r.confidence == 0.0
    assert r.confidences["right"] > 0  # the votes are still reported
    r = knn.predict_class([1.0, 1.0], min_similarity=None)
    assert not r.unknown


def test_euclidean_metric_for_positions():
    knn = p5knn.knn_classifier.create(metric="euclidean", k=1)
    knn.add_example([0, 0], "corner")     # a zero vector is fine for euclidean
    knn.add_example([100, 100], "middle")
    r = knn.predict_class([90, 95])
    assert r.label == "middle"
    assert r.distance == pytest.approx(np.hypot(10, 5), rel=1e-5)
    assert r.similarity == pytest.approx(1 / (1 + np.hypot(10, 5)), rel=1e-5)
    # cosine would call [10, 10] and [100, 100] identical; euclidean does not
    assert knn.predict_class([10, 10]).label == "corner"
