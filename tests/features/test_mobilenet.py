"""ImageNet MobileNetV1: real photos get the right ImageNet classes, the features are pooled
ReLU6 values, and the converted model reproduces the original TensorFlow graph."""

from __future__ import annotations

import numpy as np
import pytest

import p5knn
from p5knn.features import graph_path


def test_chelsea_is_a_cat(mobilenet, photos):
    top = mobilenet.classify(photos["chelsea"], top_k=5).top()
    assert len(top) == 5
    assert top[0][0] in ("Egyptian cat", "tabby, tabby cat", "tiger cat")
    assert top[0][1] > 0.5
    probs = [p for _, p in top]
    assert probs == sorted(probs, reverse=True)


def test_coffee_is_espresso_or_cup(mobilenet, photos):
    result = mobilenet.classify(photos["coffee"], top_k=1)
    name, prob = result.label, result.confidence
    assert name in ("espresso", "cup", "coffee mug")
    assert prob > 0.5
    assert p5knn.imagenet_classes()[result.class_index] == name


def test_class_names_file():
    names = p5knn.imagenet_classes()
    assert len(names) == 1000
    assert names[0].startswith("tench") and names[999].startswith("toilet tissue")


def test_features_shape_and_values(mobilenet, photos):
    vec = mobilenet.infer(photos["astronaut"])
    assert vec.shape == (1024,) and vec.dtype == np.float32
    assert np.isfinite(vec).all() and vec.min() >= 0.0 and vec.max() <= 6.0  # pooled ReLU6
    assert mobilenet.feature_size == 1024 and mobilenet.input_size == (224, 224)
    assert mobilenet.class_names == p5knn.imagenet_classes()


@pytest.mark.slow
def test_features_match_the_frozen_tensorflow_graph(mobilenet, photos):
    """The converted model reproduces the original graph's AvgPool output."""
    tf = pytest.importorskip("tensorflow")

    graph_def = tf.compat.v1.GraphDef()
    graph_def.ParseFromString(graph_path().read_bytes())
    graph = tf.Graph()
    with graph.as_default():
        tf.import_graph_def(graph_def, name="")
    x = mobilenet.prepare(photos["rocket"])[None]
    with tf.compat.v1.Session(graph=graph) as session:
        ref = session.run("MobilenetV1/Logits/AvgPool_1a/AvgPool:0", {"input:0": x})
    np.testing.assert_allclose(mobilenet.infer(photos["rocket"]), ref.reshape(-1),
                               rtol=1e-3, atol=1e-3)
