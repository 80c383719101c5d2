"""The extension point the training layer fills: ``extractor.classification()``,
``.regression()`` and ``.fine_tune()`` without features importing training."""

from __future__ import annotations

import pytest

import p5knn
from p5knn import P5KNNError
from p5knn.features import TRAINERS, register_trainer


def test_the_training_layer_fills_the_extractor_methods(mobilenet):
    assert TRAINERS == ("classification", "regression", "fine_tune")
    assert isinstance(mobilenet.classification(), p5knn.HeadClassifier)
    assert isinstance(mobilenet.regression(epochs=3), p5knn.HeadRegressor)


@pytest.mark.parametrize("name", TRAINERS)
def test_with_nothing_registered_a_clear_error(mobilenet, name):
    previous = register_trainer(name, None)
    try:
        assert previous is not None
        with pytest.raises(P5KNNError, match=f"extractor.{name}.*import p5knn"):
            getattr(mobilenet, name)([]) if name == "fine_tune" else getattr(mobilenet, name)()
    finally:
        assert register_trainer(name, previous) is None


def test_a_registered_factory_gets_the_extractor_and_the_options(mobilenet):
    calls = []
    previous = register_trainer("regression", lambda *args, **kw: calls.append((args, kw)))
    try:
        mobilenet.regression(epochs=5)
    finally:
        register_trainer("regression", previous)
    assert calls == [((mobilenet,), {"epochs": 5})]
    assert isinstance(mobilenet.regression(), p5knn.HeadRegressor)


def test_only_the_three_methods_can_be_registered():
    with pytest.raises(ValueError, match="classification"):
        register_trainer("keypoints", lambda extractor: None)
    with pytest.raises(TypeError, match="callable"):
        register_trainer("regression", "not a function")
