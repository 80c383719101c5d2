"""The example store (p5knn/knn/_store.py), seen through a classifier: rows in chunks, float16
storage, removal in place, and rows never half-written under concurrent use."""

from __future__ import annotations

import numpy as np
import pytest

import p5knn

from helpers import clustered, run_together

# Rows this wide fill a store chunk (16 MB) with 16 float32 rows or 32 float16 rows, so a few
# dozen examples span several chunks and removals move rows across chunk boundaries.
WIDE = 1 << 18


def rows_of(knn) -> np.ndarray:
    return knn.snapshot(thumbnails=False).features


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
    # rows were never half-written: every stored row is finite and its stored norm matches it
    # (an example is exactly as similar to itself as cosine allows: 1)
    matrix = rows_of(knn)
    assert np.isfinite(matrix).all() and len(matrix) == len(knn)
    for row in matrix[::7]:
        assert knn.predict_class(row, k=1).similarity == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize("dtype, most", [("float32", 40), ("float16", 70)])
def test_dropping_rows_in_place_matches_a_rebuilt_classifier(dtype, most):
    """Removal moves rows down inside the store's chunks; the result must equal storing the
    kept rows afresh (rows, labels, similarities), for any mask, across chunk boundaries."""
    rng = np.random.default_rng(1)
    for trial in range(6):
        knn = p5knn.knn_classifier.create(dtype=dtype, k=1)
        n = int(rng.integers(2, most))
        labels = [f"l{int(c)}" for c in rng.integers(0, 4, n)]
        knn.add_examples(rng.standard_normal((n, WIDE), dtype=np.float32), labels)
        for step in range(3):
            before = rows_of(knn)
            if rng.random() < 0.4:                                   # one whole label
                victim = labels[int(rng.integers(0, len(labels)))]
                mask = np.array([lab != victim for lab in labels])
                knn.clear_label(victim)
            else:                                                    # a random mask
                mask = rng.random(len(labels)) < rng.random()
                mask[int(rng.integers(0, len(labels)))] = True       # keep one at least
                for i in sorted(np.flatnonzero(~mask), reverse=True):
                    knn.remove_example(int(i))
            labels = [lab for lab, keep in zip(labels, mask) if keep]
            fresh = p5knn.knn_classifier.create(dtype=dtype, k=1)
            fresh.add_examples(before[mask], labels)
            assert len(knn) == len(fresh) == int(mask.sum())
            assert np.array_equal(rows_of(knn), rows_of(fresh))
            assert [knn.get_example(i)[1] for i in range(len(knn))] == labels
            assert knn.get_count_by_label() == fresh.get_count_by_label()
            new = rng.standard_normal((2, WIDE), dtype=np.float32)  # appends still land right
            knn.add_examples(new, ["new", "new"])
            labels += ["new", "new"]
            assert np.array_equal(rows_of(knn)[-2:], new.astype(dtype))
            q = rng.standard_normal(WIDE, dtype=np.float32)
            stored = rows_of(knn).astype(np.float32)
            expect = stored @ q / (np.linalg.norm(stored, axis=1) * np.linalg.norm(q))
            got = knn.predict_class(q, k=len(knn), weights="distance", exact=True)
            sims = np.empty(len(knn))
            sims[[nb.index for nb in got.neighbors]] = [nb.similarity for nb in got.neighbors]
            assert np.allclose(sims, expect, atol=1e-5)


# ------------------------------------------------------------------------------ float16

def test_float16_halves_memory_and_keeps_answers():
    rows = clustered(500)
    wide = p5knn.knn_classifier.create(k=5)
    half = p5knn.knn_classifier.create(k=5, dtype="float16")
    for i, row in enumerate(rows):
        wide.add_example(row, i % 4)
        half.add_example(row, i % 4)
    assert half.dtype == "float16" and wide.dtype == "float32"
    assert rows_of(half).nbytes * 2 == rows_of(wide).nbytes
    for q in clustered(30, seed=9):
        a, b = wide.predict_class(q), half.predict_class(q)
        assert a.label == b.label
        assert a.similarity == pytest.approx(b.similarity, abs=2e-3)
    assert np.allclose(half.get_example(7)[0], rows[7], atol=2e-2)


def test_float16_refuses_values_it_cannot_hold_and_changes_nothing():
    half = p5knn.knn_classifier.create(dtype="float16")
    half.add_example([1.0, 2.0, 3.0], "a")
    with pytest.raises(ValueError, match="float16"):
        half.add_example([1.0, 1e6, 3.0], "b")
    assert half.get_count_by_label() == {"a": 1} and half.labels == ["a"]
    wide = p5knn.knn_classifier.create()
    wide.add_example([1.0, 1e6, 3.0], "big")
    with pytest.raises(ValueError, match="float16"):
        p5knn.knn_classifier.create(dtype="float16").restore(wide.snapshot(thumbnails=False))


@pytest.mark.parametrize("bad", ["float64", "half", None, 16])
def test_bad_dtype(bad):
    with pytest.raises(ValueError, match="dtype"):
        p5knn.knn_classifier.create(dtype=bad)
