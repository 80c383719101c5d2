"""KNN regression: numbers or vectors as targets, mean of the k nearest."""

from __future__ import annotations

import numpy as np
import pytest

import p5knn


def line(**options):
    knn = p5knn.knn_classifier.create(metric="euclidean", k=2, **options)
    for x in (0, 10, 20, 30):
        knn.add_example([x, 0], x / 10)
    return knn


def test_mean_of_the_k_nearest():
    knn = line()
    r = knn.predict([12, 0])
    assert knn.task == "regression"
    assert r.value == pytest.approx(1.5) and r.k == 2
    assert [n.label for n in r.neighbors] == [1.0, 2.0]
    assert r.distance == pytest.approx(2.0)


def test_distance_weighted_mean():
    r = line(weights="distance").predict([12, 0])
    assert r.value == pytest.approx((1.0 / 2 + 2.0 / 8) / (1 / 2 + 1 / 8))


def test_vector_targets_like_a_slider_position():
    knn = p5knn.knn_classifier.create(k=1)
    knn.add_example([1, 0, 0], [0.1, 0.9])
    knn.add_example([0, 1, 0], (0.7, 0.2))
    value = knn.predict([0.1, 1, 0]).value
    np.testing.assert_allclose(value, [0.7, 0.2])
    with pytest.raises(ValueError, match="does not match"):
        knn.add_example([0, 0, 1], [1, 2, 3])
    with pytest.raises(ValueError, match="does not match"):
        knn.add_example([0, 0, 1], 0.5)


def test_regression_with_images(mobilenet, photos):
    knn = p5knn.knn_classifier.create(mobilenet, k=1)
    knn.add_example(photos["chelsea"], 0.25)
    knn.add_example(photos["rocket"], 0.75)
    assert knn.predict(photos["cat"]).value == pytest.approx(0.25)
    future = knn.predict(photos["rocket"], callback=lambda r: None)
    assert future.result(10).value == pytest.approx(0.75)


def test_removal_undo_and_round_trip(tmp_path):
    knn = line()
    assert knn.remove_example(0) == 0.0
    assert knn.undo_last() == 3.0
    assert len(knn) == 2 and knn.get_example(0)[1] == 1.0
    loaded = p5knn.knn_classifier.load(knn.save(tmp_path / "reg.p5knn"))
    assert loaded.task == "regression"
    assert loaded.predict([15, 0]).value == pytest.approx(1.5)
    with pytest.raises(ValueError, match="ml5"):
        knn.save(tmp_path / "reg.json")


def test_classes_and_values_do_not_mix():
    knn = line()
    with pytest.raises(ValueError, match="regression"):
        knn.add_example([5, 0], "five")
    with pytest.raises(p5knn.P5KNNError, match="predict\\(\\)"):
        knn.predict_class([5, 0])
    classes = p5knn.knn_classifier.create()
    classes.add_example([1, 2], "a")
    with pytest.raises(ValueError, match="classification"):
        classes.add_example([1, 2], 0.5)
    with pytest.raises(p5knn.P5KNNError, match="predict_class"):
        classes.predict([1, 2])
    with pytest.raises(ValueError, match="NaN"):
        line().add_example([1, 1], float("nan"))
    with pytest.raises(p5knn.EmptyClassifierError):
        p5knn.knn_classifier.create().predict([1, 2])
