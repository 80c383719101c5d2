"""Very large example sets: float16 storage and the HNSW index used above a size threshold."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import p5knn
from p5knn.knn import _index as vector_index
from p5knn._base.errors import CorruptFileError

from helpers import run_together

DIM = 64


def clustered(n: int, seed: int = 0, centers: int = 40) -> np.ndarray:
    """Rows scattered around a few centres, like features of many similar webcam frames."""
    rng = np.random.default_rng(seed)
    middle = rng.normal(size=(centers, DIM)).astype(np.float32)
    picks = rng.integers(0, centers, n)
    return middle[picks] + 0.6 * rng.normal(size=(n, DIM)).astype(np.float32)


def filled(n: int, **options) -> p5knn.KNNClassifier:
    knn = p5knn.knn_classifier.create(k=5, **options)
    for i, row in enumerate(clustered(n)):
        knn.add_example(row, f"class{i % 6}")
    return knn


def exact_indices(knn, query, k=5, metric="cosine"):
    return list(knn._store.nearest(np.asarray(query, np.float32), k, metric, exact=True)[0])


# ------------------------------------------------------------------------------ float16

def test_float16_halves_memory_and_keeps_answers():
    rows = clustered(500)
    wide = p5knn.knn_classifier.create(k=5)
    half = p5knn.knn_classifier.create(k=5, dtype="float16")
    for i, row in enumerate(rows):
        wide.add_example(row, i % 4)
        half.add_example(row, i % 4)
    assert half.dtype == "float16" and wide.dtype == "float32"
    assert half._store.matrix().nbytes * 2 == wide._store.matrix().nbytes
    queries = clustered(30, seed=9)
    for q in queries:
        a, b = wide.predict_class(q), half.predict_class(q)
        assert a.label == b.label
        assert a.similarity == pytest.approx(b.similarity, abs=2e-3)
    assert np.allclose(half.get_example(7)[0], rows[7], atol=2e-2)


def test_float16_save_load_keeps_dtype_and_is_half_the_size(tmp_path):
    rows = clustered(400)
    wide = p5knn.knn_classifier.create()
    half = p5knn.knn_classifier.create(dtype="float16")
    for i, row in enumerate(rows):
        wide.add_example(row, f"l{i % 3}")
        half.add_example(row, f"l{i % 3}")
    wide.save(tmp_path / "w.p5knn")
    half.save(tmp_path / "h.p5knn")
    w_size = (tmp_path / "w.p5knn").stat().st_size
    h_size = (tmp_path / "h.p5knn").stat().st_size
    assert h_size < 0.6 * w_size
    back = p5knn.knn_classifier.load(tmp_path / "h.p5knn")
    assert back.dtype == "float16" and back.get_count_by_label() == half.get_count_by_label()
    assert np.array_equal(back._store.matrix(), half._store.matrix())
    as32 = p5knn.knn_classifier.load(tmp_path / "h.p5knn", dtype="float32")
    assert as32.dtype == "float32"
    assert as32.predict_class(rows[5]).label == half.predict_class(rows[5]).label
    half.save(tmp_path / "h.json")  # the ml5 format stays float32 and loads
    assert p5knn.knn_classifier.load(tmp_path / "h.json").get_count() == half.get_count()


def test_float16_tampered_file_is_refused(tmp_path):
    half = p5knn.knn_classifier.create(dtype="float16")
    for i, row in enumerate(clustered(50)):
        half.add_example(row, i % 2)
    path = half.save(tmp_path / "h.p5knn")
    data = dict(np.load(path, allow_pickle=False))
    data["features"][3, 3] += np.float16(1.0)
    with open(path, "wb") as handle:
        np.savez(handle, **data)
    with pytest.raises(CorruptFileError):
        p5knn.knn_classifier.load(path)


def test_float16_refuses_values_it_cannot_hold_and_changes_nothing():
    half = p5knn.knn_classifier.create(dtype="float16")
    half.add_example([1.0, 2.0, 3.0], "a")
    with pytest.raises(ValueError, match="float16"):
        half.add_example([1.0, 1e6, 3.0], "b")
    assert half.get_count_by_label() == {"a": 1} and half.labels == ["a"]
    wide = p5knn.knn_classifier.create()
    wide.add_example([1.0, 1e6, 3.0], "big")
    with pytest.raises(ValueError, match="float16"):
        p5knn.knn_classifier.create(dtype="float16")._restore(wide._saved_data(False))


@pytest.mark.parametrize("bad", ["float64", "half", None, 16])
def test_bad_dtype(bad):
    with pytest.raises(ValueError, match="dtype"):
        p5knn.knn_classifier.create(dtype=bad)


@pytest.mark.parametrize("bad", [0, -5, True, 2.5])
def test_bad_index_threshold(bad):
    with pytest.raises(ValueError, match="index_threshold"):
        p5knn.knn_classifier.create(index_threshold=bad)


# ------------------------------------------------------------------------------ the index

needs_usearch = pytest.mark.skipif(not vector_index.available(), reason="usearch not installed")


def test_below_the_threshold_search_is_exact():
    knn = filled(1500, index_threshold=2000)
    assert knn.index_state == "off"
    knn = filled(300, index_threshold=None)
    assert knn.index_state == "off"


@needs_usearch
def test_index_is_built_in_the_background_and_matches_exact_search():
    knn = filled(2500, index_threshold=2000)
    assert knn.index_state in ("building", "ready")
    assert knn.wait_for_index(120)
    assert knn.index_state == "ready"
    hits = total = 0
    for q in clustered(60, seed=5):
        r = knn.predict_class(q)
        truth = exact_indices(knn, q)
        got = [n.index for n in r.neighbors]
        hits += len(set(got) & set(truth))
        total += len(truth)
        if got == truth:  # same neighbours → same similarities, labels and votes as exact
            sims = knn._store.nearest(q, 5, "cosine", exact=True)[1]
            assert [n.similarity for n in r.neighbors] == pytest.approx(list(sims))
    assert hits / total >= 0.95


@needs_usearch
def test_adds_and_removals_reach_the_index():
    knn = filled(2500, index_threshold=2000)
    knn.wait_for_index(120)
    special = np.zeros(DIM, np.float32)
    special[:3] = [50.0, -40.0, 30.0]
    index = knn.add_example(special, "special")
    r = knn.predict_class(special, k=1)
    assert r.label == "special" and r.neighbors[0].index == index
    knn.remove_example(index)
    r = knn.predict_class(special, k=1)
    assert r.label != "special" and "special" not in knn.labels
    first = knn.predict_class(clustered(1, seed=3)[0], k=1).neighbors[0].index
    knn.remove_example(first)
    again = knn.predict_class(clustered(1, seed=3)[0], k=1)
    assert again.neighbors[0].index == exact_indices(knn, clustered(1, seed=3)[0], 1)[0]


@needs_usearch
def test_examples_added_while_building_are_found():
    knn = filled(2000, index_threshold=2000)  # the build starts with the last add
    extra = clustered(200, seed=11) * 3.0 + 7.0
    for row in extra:
        knn.add_example(row, "late")
    assert knn.wait_for_index(120)
    found = sum(knn.predict_class(row, k=1).neighbors[0].label == "late" for row in extra)
    assert found >= 0.95 * len(extra)


@needs_usearch
def test_metric_change_rebuilds_and_clear_drops_the_index():
    knn = filled(2500, index_threshold=2000)
    knn.wait_for_index(120)
    knn.set_options(metric="euclidean")
    assert knn.wait_for_index(120)
    q = clustered(1, seed=4)[0]
    got = [n.index for n in knn.predict_class(q).neighbors]
    assert len(set(got) & set(exact_indices(knn, q, metric="euclidean"))) >= 4
    knn.clear_all_labels()
    assert knn.index_state == "off" and knn.get_count() == {}


@needs_usearch
def test_regression_uses_the_index_too():
    rows = clustered(2500)
    knn = p5knn.knn_classifier.create(k=4, index_threshold=2000)
    for row in rows:
        knn.add_example(row, float(row[0]))
    assert knn.wait_for_index(120)
    q = clustered(1, seed=8)[0]
    r = knn.predict(q)
    truth = exact_indices(knn, q, 4)
    if [n.index for n in r.neighbors] == truth:
        assert r.value == pytest.approx(float(np.mean(rows[truth, 0])))
    assert len({n.index for n in r.neighbors} & set(truth)) >= 3


@needs_usearch
def test_loading_a_big_file_builds_the_index(tmp_path):
    knn = filled(2500, index_threshold=None)
    path = knn.save(tmp_path / "big.p5knn")
    back = p5knn.knn_classifier.load(path, index_threshold=2000)
    assert back.wait_for_index(120)
    q = clustered(1, seed=2)[0]
    assert back.predict_class(q).label == knn.predict_class(q).label


def test_without_usearch_search_stays_exact(monkeypatch):
    monkeypatch.setattr(vector_index, "available", lambda: False)
    knn = filled(2500, index_threshold=2000)
    assert knn.index_state == "off"
    q = clustered(1, seed=6)[0]
    assert [n.index for n in knn.predict_class(q).neighbors] == exact_indices(knn, q)


@needs_usearch
def test_threads_adding_and_predicting_during_a_build_lose_nothing():
    knn = filled(2000, index_threshold=2000)

    def add(seed):
        for row in clustered(150, seed=seed):
            knn.add_example(row, f"t{seed}")

    def predict():
        for q in clustered(100, seed=99):
            knn.predict_class(q)

    errors = run_together(lambda: add(21), lambda: add(22), predict, predict)
    assert not errors
    counts = knn.get_count_by_label()
    assert counts["t21"] == 150 and counts["t22"] == 150 and sum(counts.values()) == 2300
    assert knn.wait_for_index(120)
    assert len(knn._store._index) == 2300


@needs_usearch
def test_a_ready_index_answers_without_scanning_every_example(monkeypatch):
    knn = filled(2500, index_threshold=2000)
    assert knn.wait_for_index(120)
    q = clustered(1, seed=12)[0]
    truth = exact_indices(knn, q)

    def full_scan(*_args, **_kwargs):
        raise AssertionError("exact search over every example was used")

    monkeypatch.setattr(knn._store, "scores", full_scan)
    got = [n.index for n in knn.predict_class(q).neighbors]
    assert len(set(got) & set(truth)) >= 4


@pytest.mark.parametrize("bad", [0, -3, 2.5, True, "wide", None])
def test_bad_index_search(bad):
    knn = p5knn.knn_classifier.create()
    with pytest.raises(ValueError, match="expansion"):
        knn.set_index_search(expansion=bad)
    with pytest.raises(ValueError, match="candidates"):
        knn.set_index_search(candidates=bad)


@needs_usearch
def test_index_search_settings_apply_now_and_after_rebuilds():
    knn = filled(2500, index_threshold=2000)
    assert knn.wait_for_index(120)
    index = knn._store._index
    assert (index._index.expansion_search, index.candidates) == (
        vector_index.DEFAULT_EXPANSION, vector_index.DEFAULT_CANDIDATES)
    asked = []
    search = index.search
    index.search = lambda query, count: asked.append(count) or search(query, count)
    knn.set_index_search(expansion=40, candidates=300)
    assert index._index.expansion_search == 40
    knn.predict_class(clustered(1, seed=2)[0])
    assert asked == [300]
    knn.set_options(metric="euclidean")  # rebuilt with the same settings
    assert knn.wait_for_index(120)
    assert knn._store._index is not index
    assert (knn._store._index._index.expansion_search, knn._store._index.candidates) == (40, 300)
    rows = clustered(2100, seed=9)
    knn.clear_all_labels()
    for i, row in enumerate(rows):  # a fresh store keeps them too
        knn.add_example(row, i % 3)
    assert knn.wait_for_index(120)
    assert knn._store._index.candidates == 300
    knn.set_index_search()
    assert (knn._store._index._index.expansion_search, knn._store._index.candidates) == (
        vector_index.DEFAULT_EXPANSION, vector_index.DEFAULT_CANDIDATES)


# ------------------------------------------------------------- the index beside a saved file

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
        truth = exact_indices(knn, q, metric=knn.metric)
        hits += len({n.index for n in knn.predict_class(q).neighbors} & set(truth))
        total += len(truth)
    assert hits / total >= 0.95


@needs_usearch
def test_a_saved_index_is_read_back_instead_of_rebuilt(tmp_path, monkeypatch):
    knn = filled(2500, index_threshold=2000)
    assert knn.wait_for_index(120)
    knn.remove_example(7)  # example ids no longer 0…n-1: the file keeps them for the index
    path = knn.save(tmp_path / "big.p5knn")
    assert len(saved_indexes(tmp_path)) == 1

    def no_build(*_args):
        raise AssertionError("the index was rebuilt")

    monkeypatch.setattr(p5knn.knn._store.ExampleStore, "_start_index", no_build)
    loaded = p5knn.knn_classifier.load(path, index_threshold=2000)
    assert loaded.index_state == "ready"          # at once, no background build
    same_answers(knn, loaded)
    special = np.zeros(DIM, np.float32)
    special[:2] = [60.0, -30.0]
    index = loaded.add_example(special, "special")  # the read index still takes changes
    assert loaded.predict_class(special, k=1).neighbors[0].index == index
    loaded.undo_last()
    assert "special" not in loaded.labels
    same_answers(knn, loaded, seed=22)


@needs_usearch
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


@needs_usearch
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


@needs_usearch
def test_an_index_for_other_examples_or_metric_is_refused(tmp_path):
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


@needs_usearch
def test_a_loaded_file_keeps_its_metric_for_the_index(tmp_path):
    knn = filled(2500, index_threshold=2000, metric="euclidean")
    assert knn.wait_for_index(120)
    path = knn.save(tmp_path / "big.p5knn")
    loaded = p5knn.knn_classifier.load(path, index_threshold=2000)
    assert loaded.metric == "euclidean" and loaded.index_state == "ready"
    assert loaded._store._index.metric == "euclidean"
    same_answers(knn, loaded)


def test_example_ids_in_a_file_are_checked(tmp_path):
    from p5knn.knn import _files as storage

    data = storage.SavedData(clustered(4), np.zeros(4, np.int32), ["a"],
                             example_ids=np.array([0, 2, 2, 5], np.int64))
    with pytest.raises(CorruptFileError, match="example ids"):
        storage.validate(data, "f")
    data.example_ids = np.array([0, 2, 3, 9], np.int64)
    storage.save_native(tmp_path / "ids.p5knn", data, "test")
    back = storage.load_native(tmp_path / "ids.p5knn")
    assert back.example_ids.tolist() == [0, 2, 3, 9]
    knn = p5knn.knn_classifier.load(tmp_path / "ids.p5knn")
    knn.add_example(clustered(1, seed=3)[0], "a")
    assert knn._store.example_ids.tolist() == [0, 2, 3, 9, 10]
