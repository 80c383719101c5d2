"""KNN regression (p5knn/knn/_regressor.py): numbers or vectors as targets, the (weighted) mean
of the k nearest, a class of its own (``p5knn.knn_regressor``)."""

from __future__ import annotations

import numpy as np
import pytest

import p5knn


def line(**options):
    reg = p5knn.knn_regressor.create(metric="euclidean", k=2, **options)
    for x in (0, 10, 20, 30):
        reg.add_example([x, 0], x / 10)
    return reg


def test_mean_of_the_k_nearest():
    reg = line()
    r = reg.predict([12, 0])
    assert isinstance(reg, p5knn.knn_regressor.KNNRegressor)
    assert isinstance(r, p5knn.RegressionResult)
    assert r.value == pytest.approx(1.5) and r.k == 2
    assert [n.label for n in r.neighbors] == [1.0, 2.0]
    assert r.distance == pytest.approx(2.0)


def test_distance_weighted_mean():
    r = line(weights="distance").predict([12, 0])
    assert r.value == pytest.approx((1.0 / 2 + 2.0 / 8) / (1 / 2 + 1 / 8))
    assert line().predict([12, 0], weights="distance").value == pytest.approx(r.value)


def test_vector_targets_like_a_slider_position():
    reg = p5knn.knn_regressor.create(k=1)
    reg.add_example([1, 0, 0], [0.1, 0.9])
    reg.add_example([0, 1, 0], (0.7, 0.2))
    value = reg.predict([0.1, 1, 0]).value
    np.testing.assert_allclose(value, [0.7, 0.2])
    with pytest.raises(ValueError, match="does not match"):
        reg.add_example([0, 0, 1], [1, 2, 3])
    with pytest.raises(ValueError, match="does not match"):
        reg.add_example([0, 0, 1], 0.5)


def test_add_examples_is_all_or_nothing():
    reg = line()
    with pytest.raises(ValueError):
        reg.add_examples([[40, 0], [50, 0]], [4.0, float("nan")])
    assert len(reg) == 4
    assert reg.add_examples([[40, 0], [50, 0]], [4.0, 5.0]) == [4, 5]
    assert reg.predict([50, 0], k=1).value == pytest.approx(5.0)


def test_regression_with_images(mobilenet, photos):
    reg = p5knn.knn_regressor.create(mobilenet, k=1)
    reg.add_example(photos["chelsea"], 0.25)
    reg.add_example(photos["rocket"], 0.75)
    assert reg.predict(photos["cat"]).value == pytest.approx(0.25)
    future = reg.predict(photos["rocket"], callback=lambda r: None)
    assert future.result(60).value == pytest.approx(0.75)


def test_removal_undo_and_round_trip(tmp_path):
    reg = line()
    assert reg.remove_example(0) == 0.0
    assert reg.undo_last() == 3.0
    assert len(reg) == 2 and reg.get_example(0)[1] == 1.0
    loaded = p5knn.knn_classifier.load(reg.save(tmp_path / "reg.p5knn"))
    assert isinstance(loaded, p5knn.knn_regressor.KNNRegressor)  # the file says regression
    assert loaded.predict([15, 0]).value == pytest.approx(1.5)
    assert p5knn.knn_regressor.load(tmp_path / "reg.p5knn").predict([15, 0]).value == \
        pytest.approx(1.5)
    with pytest.raises(ValueError, match="ml5"):
        reg.save(tmp_path / "reg.json")
    reg.clear_all_examples()
    assert len(reg) == 0


def test_classes_and_values_do_not_mix(tmp_path):
    reg = line()
    with pytest.raises(TypeError, match="regression target"):
        reg.add_example([5, 0], "five")
    assert not hasattr(reg, "predict_class")          # regression predicts values only
    classes = p5knn.knn_classifier.create()
    classes.add_example([1, 2], "a")
    with pytest.raises(TypeError, match="knn_regressor"):
        classes.add_example([1, 2], 0.5)
    assert not hasattr(classes, "predict")            # classification predicts labels only
    with pytest.raises(ValueError, match="NaN"):
        line().add_example([1, 1], float("nan"))
    with pytest.raises(p5knn.EmptyClassifierError):
        p5knn.knn_regressor.create().predict([1, 2])
    # a file of one kind does not load into an object of the other
    with pytest.raises(p5knn.CorruptFileError, match="regression"):
        classes.load(reg.save(tmp_path / "reg.p5knn"))
    with pytest.raises(p5knn.CorruptFileError, match="class labels"):
        reg.load(classes.save(tmp_path / "cls.p5knn"))
    assert len(classes) == 1 and len(reg) == 4


def test_a_batch_of_images_records_the_model(mobilenet, photos):
    """One add path for single and batch adds: a regressor filled by add_examples with images
    remembers which model made its features, like one filled by add_example."""
    reg = p5knn.knn_regressor.create(mobilenet)
    reg.add_examples([photos["chelsea"], photos["rocket"]], [0.0, 1.0])
    assert reg.model == mobilenet.name
