"""Options (p5knn/knn/_options.py): checked once at ``create()``, ``set_options`` and per call;
an unknown name is a TypeError, a bad value a ValueError, and nothing changes on error."""

from __future__ import annotations

import pytest

import p5knn


def test_options_and_set_options():
    knn = p5knn.knn_classifier.create(k=5, weights="distance")
    assert knn.k == 5 and knn.options["weights"] == "distance"
    knn.set_options(balanced=True, min_similarity=0.5)
    assert knn.options["balanced"] and knn.options["min_similarity"] == 0.5
    with pytest.raises(TypeError, match="unknown option"):
        knn.set_options(colour="red")


def test_a_failed_set_options_changes_nothing():
    knn = p5knn.knn_classifier.create(k=2)
    before = knn.options
    with pytest.raises(ValueError):
        knn.set_options(k=4, metric="manhattan")
    assert knn.options == before


def test_per_call_options_apply_to_that_call_only():
    knn = p5knn.knn_classifier.create(k=1, min_similarity=0.99)
    knn.add_example([1.0, 0.0], "a")
    knn.add_example([0.0, 1.0], "b")
    assert knn.predict_class([1.0, 1.0]).unknown
    assert not knn.predict_class([1.0, 1.0], min_similarity=None).unknown
    assert knn.predict_class([1.0, 1.0]).unknown and knn.options["min_similarity"] == 0.99
    with pytest.raises(TypeError, match="unknown option"):
        knn.predict_class([1.0, 1.0], metric="euclidean")


@pytest.mark.parametrize("k", [0, -1, 1.5, "3", True])
def test_bad_k(k):
    knn = p5knn.knn_classifier.create()
    knn.add_example([1.0, 0.0, 0.0], "a")
    with pytest.raises(ValueError, match="k must"):
        knn.predict_class([1, 0, 0], k=k)
    with pytest.raises(ValueError, match="k must"):
        p5knn.knn_classifier.create(k=k)


@pytest.mark.parametrize("option", [{"metric": "manhattan"}, {"weights": "votes"},
                                    {"min_similarity": 2.0}, {"balanced": "yes"}])
def test_bad_options(option):
    with pytest.raises(ValueError):
        p5knn.knn_classifier.create(**option)


@pytest.mark.parametrize("bad", [0, -5, True, 2.5])
def test_bad_index_threshold(bad):
    with pytest.raises(ValueError, match="index_threshold"):
        p5knn.knn_classifier.create(index_threshold=bad)


@pytest.mark.parametrize("bad", [0, -3, 2.5, True, "wide", None])
def test_bad_index_search(bad):
    knn = p5knn.knn_classifier.create()
    with pytest.raises(ValueError, match="expansion"):
        knn.set_index_search(expansion=bad)
    with pytest.raises(ValueError, match="candidates"):
        knn.set_index_search(candidates=bad)


def test_loaded_options_yield_to_explicit_ones(tmp_path):
    knn = p5knn.knn_classifier.create(k=5)
    knn.add_example([1.0, 0.0], "a")
    path = knn.save(tmp_path / "m.p5knn")
    assert p5knn.knn_classifier.load(path).k == 5
    assert p5knn.knn_classifier.load(path, k=1).k == 1
