"""KNN math on small hand-checked cases: the tfjs/ml5 rules and the opt-in improvements."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import p5knn
from p5knn.knn._store import ExampleStore, top_k

from helpers import run_together


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
    store = ExampleStore(chunk_rows=2)
    for i, cls in enumerate([1, 0, 1, 0, 1]):
        store.append(np.array([1.0, 0.0], np.float32), cls, i)
    sims, _ = store.scores(np.array([1.0, 0.0], np.float32), "cosine")
    assert list(top_k(sims, store.class_ids, 3)) == [1, 3, 0]


def test_top_k_matches_a_full_sort_on_random_data():
    rng = np.random.default_rng(0)
    store = ExampleStore(chunk_rows=7)
    data = rng.normal(size=(50, 8)).astype(np.float32)
    for i, row in enumerate(data):
        store.append(row, i % 3, i)
    q = rng.normal(size=8).astype(np.float32)
    sims, dist = store.scores(q, "cosine")
    ref = data @ q / np.linalg.norm(data, axis=1) / np.linalg.norm(q)
    np.testing.assert_allclose(sims, ref, rtol=1e-5, atol=1e-6)
    assert list(top_k(sims, store.class_ids, 5)) == list(np.argsort(-ref)[:5])
    np.testing.assert_allclose(dist, 1 - sims)


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


def test_int_and_str_labels_are_distinct():
    knn = p5knn.knn_classifier.create(k=1)
    knn.add_example([1, 0], 1)
    knn.add_example([0, 1], "1")
    assert knn.labels == [1, "1"]
    assert knn.predict_class([1, 0.1]).label == 1
    assert knn.predict_class([0.1, 1]).label == "1"
    knn.add_example([1, 0.1], np.int64(1))
    assert knn.get_count_by_label() == {1: 2, "1": 1}


def test_many_examples_across_chunks():
    rng = np.random.default_rng(1)
    centers = rng.normal(size=(5, 64))
    knn = p5knn.knn_classifier.create(k=5)
    for i in range(5000):
        c = i % 5
        knn.add_example(centers[c] + 0.3 * rng.normal(size=64), f"c{c}")
    for c in range(5):
        assert knn.predict_class(centers[c]).label == f"c{c}"
    assert len(knn) == 5000


def test_concurrent_adds_and_predicts_lose_nothing():
    knn = p5knn.knn_classifier.create()
    knn.add_example(np.ones(32), "seed")

    def adder(tag):
        rng = np.random.default_rng(abs(hash(tag)) % 1000)
        for _ in range(500):
            knn.add_example(rng.normal(size=32) + 5, tag)

    def predictor():
        rng = np.random.default_rng(7)
        for _ in range(500):
            r = knn.predict_class(rng.normal(size=32))
            assert abs(sum(r.confidences.values()) - 1) < 1e-9
            assert all(np.isfinite(n.similarity) for n in r.neighbors)

    errors = run_together(*(lambda t=t: adder(t) for t in "abc"), predictor, predictor)
    assert not errors
    assert knn.get_count_by_label() == {"seed": 1, "a": 500, "b": 500, "c": 500}
    # rows were never half-written: every stored row is finite and matches its norm
    matrix = knn._store.matrix()
    assert np.isfinite(matrix).all()
    np.testing.assert_allclose(np.linalg.norm(matrix, axis=1), knn._store._norms[:len(knn)],
                               rtol=1e-5)


@pytest.mark.parametrize("dtype", ["float32", "float16"])
def test_dropping_rows_in_place_matches_a_rebuilt_store(dtype):
    """keep() moves rows down inside the chunks; it must equal storing the kept rows afresh
    (rows, class ids, example ids, norms, chunk count), for any chunk size and mask."""
    rng = np.random.default_rng(1)
    for trial in range(150):
        chunk = int(rng.integers(1, 9))
        store = ExampleStore(chunk_rows=chunk, dtype=dtype)
        n = int(rng.integers(1, 60))
        store.extend(rng.normal(size=(n, 5)).astype(np.float32),
                     rng.integers(0, 4, n).astype(np.int32), np.arange(n) * 3)
        for step in range(3):
            mask = rng.random(store.count) < rng.random()
            rows, norms = store.matrix()[mask], store._norms[: store.count][mask]
            classes, ids = store.class_ids[mask], store.example_ids[mask]
            store.keep(mask)
            fresh = ExampleStore(chunk_rows=chunk, dtype=dtype)
            fresh.extend(rows, classes, ids)
            assert store.count == fresh.count == int(mask.sum())
            assert np.array_equal(store.matrix(), rows)
            assert np.array_equal(store.class_ids, classes)
            assert np.array_equal(store.example_ids, ids)
            assert np.array_equal(store._norms[: store.count], norms)
            assert len(store._chunks) == len(fresh._chunks)
            new = rng.normal(size=(2, 5)).astype(np.float32)  # appends still land right
            store.extend(new, np.zeros(2, np.int32), np.arange(2) + 1000 * (trial + 1) + 10 * step)
            assert np.array_equal(store.matrix()[-2:], new.astype(dtype))
            q = rng.normal(size=5).astype(np.float32)
            expect = store.matrix().astype(np.float32) @ q
            expect /= np.linalg.norm(store.matrix().astype(np.float32), axis=1) * np.linalg.norm(q)
            assert np.allclose(store.scores(q, "cosine")[0], expect, atol=1e-5)
