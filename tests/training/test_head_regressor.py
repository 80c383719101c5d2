"""The regression head (ml5 ``featureExtractor.regression()``): numbers or vectors as
targets, all of one length."""

from __future__ import annotations

import pytest

import p5knn


@pytest.mark.slow
def test_regression_head_with_vector_targets(mobilenet, views, photos):
    head = mobilenet.regression(epochs=80)
    targets = {"chelsea": [0.0, 1.0], "rocket": [1.0, 0.0], "coffee": [0.5, 0.5]}
    for name, frames in views.items():
        for frame in frames[:3]:
            head.add_image(frame, targets[name])
    head.train(wait=True)
    value = head.predict(photos["rocket"])
    assert value.shape == (2,)
    assert value[0] > value[1]  # closer to the rocket's target than to the cat's
    scalar = mobilenet.regression(epochs=40)
    for name, frames in views.items():
        scalar.add_image(frames[0], {"chelsea": 0, "rocket": 1, "coffee": 0.5}[name])
    scalar.train(wait=True)
    assert isinstance(scalar.predict(photos["chelsea"]), float)
    future = scalar.predict(photos["chelsea"], callback=lambda v: None)
    assert isinstance(future.result(30), float)


def test_targets_are_checked_when_added(mobilenet, vectors):
    head = mobilenet.regression()
    assert head.target_size is None
    head.add_image(vectors(0)[0], [0.2, 0.8])
    assert head.target_size == 2 and not head.is_scalar
    with pytest.raises(ValueError, match="3 numbers"):
        head.add_image(vectors(0)[0], [1, 2, 3])
    for bad in ("cat", True, float("nan"), [], [1.0, float("inf")]):
        with pytest.raises((TypeError, ValueError)):
            head.add_image(vectors(0)[0], bad)
    assert len(head) == 1
    head.clear()
    head.add_image(vectors(0)[0], 3)               # after clear(), a new target length
    assert head.target_size == 1 and head.is_scalar
    with pytest.raises(p5knn.EmptyClassifierError, match="two examples"):
        head.train()
    with pytest.raises(p5knn.EmptyClassifierError, match="not trained"):
        head.predict(vectors(0)[0])
    assert isinstance(head, p5knn.HeadRegressor)
