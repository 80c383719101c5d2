"""Very large example sets (p5knn/knn/_index.py): the HNSW index built in the background above
``index_threshold`` examples, kept in step with adds and removals, and its search settings.
Every check compares with ``predict_class(..., exact=True)``, the search over every example."""

from __future__ import annotations

import importlib.util
import sys

import numpy as np
import pytest

import p5knn

from helpers import clustered, exact_neighbors, run_together

DIM = 64
needs_usearch = pytest.mark.skipif(importlib.util.find_spec("usearch") is None,
                                   reason="usearch not installed")


def filled(n: int, **options) -> p5knn.KNNClassifier:
    knn = p5knn.knn_classifier.create(k=5, **options)
    for i, row in enumerate(clustered(n)):
        knn.add_example(row, f"class{i % 6}")
    return knn


def recall(knn, queries) -> float:
    """Share of the true (exact search's) 5 nearest neighbours that the index found."""
    hits = sum(len({n.index for n in knn.predict_class(q).neighbors} &
                   set(exact_neighbors(knn, q))) for q in queries)
    return hits / (5 * len(queries))


# Measured on these 2500 clustered examples: the narrowest search (expansion=1, candidates=1)
# finds 0.80-0.85 of the true neighbours, a wide one (expansion=40, 5000 candidates) 0.99-1.0
# (a graph may leave a node or two unreachable): far apart, whatever the machine's speed.
NARROW, WIDE = 0.95, 0.98


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
        exact = knn.predict_class(q, exact=True)
        truth = [n.index for n in exact.neighbors]
        got = [n.index for n in r.neighbors]
        hits += len(set(got) & set(truth))
        total += len(truth)
        if got == truth:  # same neighbours → same similarities, labels and votes as exact
            assert [n.similarity for n in r.neighbors] == \
                pytest.approx([n.similarity for n in exact.neighbors])
    assert hits / total >= 0.95


@needs_usearch
def test_a_ready_index_answers_without_scanning_every_example():
    knn = filled(2500, index_threshold=2000)
    assert knn.wait_for_index(120)
    queries = clustered(60, seed=12)
    # the narrowest search the index allows misses true neighbours: the answers come from
    # the index, not from a scan of every example
    knn.set_index_search(expansion=1, candidates=1)
    assert recall(knn, queries) < NARROW
    knn.set_index_search()
    q = queries[0]
    got = [n.index for n in knn.predict_class(q).neighbors]
    assert len(set(got) & set(exact_neighbors(knn, q))) >= 4


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
    assert again.neighbors[0].index == exact_neighbors(knn, clustered(1, seed=3)[0], 1)[0]


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
    assert len(set(got) & set(exact_neighbors(knn, q))) >= 4
    knn.clear_all_labels()
    assert knn.index_state == "off" and knn.get_count() == {}


@needs_usearch
def test_regression_uses_the_index_too():
    rows = clustered(2500)
    reg = p5knn.knn_regressor.create(k=4, index_threshold=2000)
    for row in rows:
        reg.add_example(row, float(row[0]))
    assert reg.wait_for_index(120) and reg.index_state == "ready"
    q = clustered(1, seed=8)[0]
    r = reg.predict(q)
    cosine = rows @ q / np.linalg.norm(rows, axis=1) / np.linalg.norm(q)
    truth = list(np.argsort(-cosine)[:4])           # exact search, by hand
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
    # usearch not installed: its import fails
    monkeypatch.setitem(sys.modules, "usearch", None)
    monkeypatch.setitem(sys.modules, "usearch.index", None)
    knn = filled(2500, index_threshold=2000)
    assert knn.index_state == "off"
    q = clustered(1, seed=6)[0]
    assert [n.index for n in knn.predict_class(q).neighbors] == exact_neighbors(knn, q)


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
    # every example added during the build is in the index: each finds itself
    late = np.concatenate([clustered(150, seed=21), clustered(150, seed=22)])
    found = sum(knn.predict_class(row, k=1).similarity > 0.9999 for row in late)
    assert found >= 0.95 * len(late)


@needs_usearch
def test_index_search_settings_apply_now_and_after_rebuilds():
    knn = filled(2500, index_threshold=2000)
    assert knn.wait_for_index(120)
    defaults = knn.index_search
    queries = clustered(60, seed=2)
    knn.set_index_search(expansion=40, candidates=5000)    # every candidate re-scored
    assert knn.index_search == (40, 5000)
    assert recall(knn, queries) >= WIDE
    knn.set_index_search(expansion=1, candidates=1)         # applies now
    assert recall(knn, queries) < NARROW
    knn.set_options(metric="euclidean")                     # rebuilt with the same settings
    assert knn.wait_for_index(120)
    assert knn.index_search == (1, 1) and recall(knn, queries) < NARROW
    knn.set_index_search(expansion=40, candidates=5000)
    assert recall(knn, queries) >= WIDE
    knn.set_index_search(expansion=1, candidates=1)
    rows = clustered(2100, seed=9)
    knn.clear_all_labels()
    for i, row in enumerate(rows):                          # a fresh store keeps them too
        knn.add_example(row, i % 3)
    assert knn.wait_for_index(120)
    assert knn.index_search == (1, 1) and recall(knn, queries) < NARROW
    knn.set_index_search()
    assert knn.index_search == defaults
