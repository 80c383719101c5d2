"""The vector index saved beside a classifier file (p5knn/knn/_index_file.py): read back
instead of rebuilt, one index file per save, and a missing, damaged or foreign index rebuilt."""

from __future__ import annotations

import importlib.util
import warnings

import numpy as np
import pytest

import p5knn

from helpers import clustered, exact_neighbors

DIM = 64
pytestmark = pytest.mark.skipif(importlib.util.find_spec("usearch") is None,
                                reason="usearch not installed")


def filled(n: int, **options) -> p5knn.KNNClassifier:
    knn = p5knn.knn_classifier.create(k=5, **options)
    for i, row in enumerate(clustered(n)):
        knn.add_example(row, f"class{i % 6}")
    return knn


def saved_indexes(folder) -> list:
    return sorted(p.name for p in folder.glob("*.usearch"))


def same_answers(a, b, seed=21):
    """The same index graph gives the same answers."""
    for q in clustered(20, seed=seed):
        ra, rb = a.predict_class(q), b.predict_class(q)
        assert [n.index for n in ra.neighbors] == [n.index for n in rb.neighbors]
        assert ra.label == rb.label and ra.confidences == pytest.approx(rb.confidences)


def rebuilt_well(knn, seed=21):
    """A rebuilt graph differs from the saved one (threads race while building); its answers
    are held to exact search instead."""
    assert knn.index_state in ("building", "ready") and knn.wait_for_index(120)
    hits = total = 0
    for q in clustered(20, seed=seed):
        truth = exact_neighbors(knn, q)
        hits += len({n.index for n in knn.predict_class(q).neighbors} & set(truth))
        total += len(truth)
    assert hits / total >= 0.95


def test_a_saved_index_is_read_back_instead_of_rebuilt(tmp_path):
    knn = filled(2500, index_threshold=2000)
    assert knn.wait_for_index(120)
    knn.remove_example(7)  # example ids no longer 0…n-1: the file keeps them for the index
    path = knn.save(tmp_path / "big.p5knn")
    assert len(saved_indexes(tmp_path)) == 1
    loaded = p5knn.knn_classifier.load(path, index_threshold=2000)
    assert loaded.index_state == "ready"          # at once: read, not built in the background
    same_answers(knn, loaded)
    special = np.zeros(DIM, np.float32)
    special[:2] = [60.0, -30.0]
    index = loaded.add_example(special, "special")  # the read index still takes changes
    assert loaded.predict_class(special, k=1).neighbors[0].index == index
    loaded.undo_last()
    assert "special" not in loaded.labels
    same_answers(knn, loaded, seed=22)


def test_each_save_keeps_one_index_file_and_index_false_keeps_none(tmp_path):
    knn = filled(2500, index_threshold=2000)
    assert knn.wait_for_index(120)
    path = tmp_path / "big.p5knn"
    knn.save(path)
    first = saved_indexes(tmp_path)
    knn.add_example(clustered(1, seed=8)[0], "class1")
    knn.save(path)
    second = saved_indexes(tmp_path)
    assert len(second) == 1 and second != first   # a new name: never pairs with old contents
    knn.save(path, index=False)
    assert saved_indexes(tmp_path) == []
    rebuilt_well(p5knn.knn_classifier.load(path, index_threshold=2000))
    small = filled(300)                           # below the threshold: nothing to save
    small.save(tmp_path / "small.p5knn")
    assert saved_indexes(tmp_path) == []


def test_a_missing_or_damaged_index_is_rebuilt(tmp_path):
    knn = filled(2500, index_threshold=2000)
    assert knn.wait_for_index(120)
    path = knn.save(tmp_path / "big.p5knn")
    (index_path,) = tmp_path.glob("*.usearch")
    saved = index_path.read_bytes()
    index_path.write_bytes(saved[: len(saved) // 2])          # truncated
    with pytest.warns(RuntimeWarning, match="does not fit"):
        loaded = p5knn.knn_classifier.load(path, index_threshold=2000)
    rebuilt_well(loaded)
    index_path.write_bytes(b"\0" * len(saved))                 # same size, not an index
    with pytest.warns(RuntimeWarning, match="does not fit"):
        loaded = p5knn.knn_classifier.load(path, index_threshold=2000)
    rebuilt_well(loaded)
    index_path.unlink()                                         # copied without it: quiet
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = p5knn.knn_classifier.load(path, index_threshold=2000)
    rebuilt_well(loaded)
    assert p5knn.knn_classifier.load(path, index_threshold=None).index_state == "off"


def test_an_index_for_other_examples_or_metric_is_refused(tmp_path):
    # Not reachable through the public API: a file's index record (size, SHA-256, HMAC)
    # refuses a swapped index before these checks run; they are the last line of defence.
    from p5knn.knn import _index as vector_index

    rows = clustered(300)
    index = vector_index.VectorIndex(DIM, "cosine")
    index.add(np.arange(300), rows)
    index.save(tmp_path / "i.usearch")
    keys = np.arange(300)
    assert len(vector_index.VectorIndex.restore(tmp_path / "i.usearch", DIM, "cosine", keys)) == 300
    for dim, metric, ids, problem in [(DIM + 1, "cosine", keys, "64-d"),
                                      (DIM, "euclidean", keys, "cos"),
                                      (DIM, "cosine", keys + 1, "not this file"),
                                      (DIM, "cosine", keys[:-1], "not this file")]:
        with pytest.raises(ValueError, match=problem):
            vector_index.VectorIndex.restore(tmp_path / "i.usearch", dim, metric, ids)


def test_a_loaded_file_keeps_its_metric_for_the_index(tmp_path):
    knn = filled(2500, index_threshold=2000, metric="euclidean")
    assert knn.wait_for_index(120)
    path = knn.save(tmp_path / "big.p5knn")
    loaded = p5knn.knn_classifier.load(path, index_threshold=2000)
    assert loaded.metric == "euclidean" and loaded.index_state == "ready"
    same_answers(knn, loaded)          # the same (euclidean) graph answers
