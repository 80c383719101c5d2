"""ImageNet MobileNetV1: real photos get the right ImageNet classes, the features are pooled
ReLU6 values, the shipped model is checked by SHA-256 before LiteRT reads it, and it reproduces
the original TensorFlow graph (and the Keras model rebuilt from it, for fine-tuning)."""

from __future__ import annotations

import importlib.util
import json
import shutil

import numpy as np
import pytest

import p5knn
from p5knn.features import _mobilenet, _weights
from p5knn.features._weights import file_sha256, mobilenet_file, mobilenet_manifest

needs_nudity = pytest.mark.skipif(importlib.util.find_spec("nudity") is None,
                                  reason="the build extra (PyPI nudity) is not installed")


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


def test_the_shipped_model_is_recorded_and_checked():
    record = mobilenet_manifest()
    assert record["licence"] == "Apache-2.0" and "nudity==0.2.3" in record["source"]["package"]
    for role in ("model", "batch_norm"):
        info = record["files"][role]
        path = _weights.FOLDER / info["file"]
        assert path.stat().st_size == info["bytes"] and file_sha256(path) == info["sha256"]
    assert mobilenet_file().name == "mobilenet_v1_1.0_224.tflite"
    assert 15e6 < record["files"]["model"]["bytes"] < 20e6     # float32 weights, ~17 MB
    assert record["checks"]["cat_photo_top1"] == "Egyptian cat"
    assert record["checks"]["max_abs_features_vs_graph"] <= 1e-4


@pytest.fixture
def shipped_copy(tmp_path, monkeypatch):
    """The shipped MobileNet files copied to a folder the test may damage; nothing verified
    yet, and LiteRT must never be started on them."""
    for role in ("model", "batch_norm"):
        name = mobilenet_manifest()["files"][role]["file"]
        shutil.copy(_weights.FOLDER / name, tmp_path / name)
    shutil.copy(_weights.FOLDER / _weights.MANIFEST, tmp_path / _weights.MANIFEST)
    monkeypatch.setattr(_weights, "FOLDER", tmp_path)
    monkeypatch.setattr(_weights, "_verified", {})

    def no_native_code(*args, **kwargs):
        raise AssertionError("LiteRT was handed an unverified model")

    monkeypatch.setattr(_mobilenet, "TFLiteRunner", no_native_code)
    return tmp_path


@pytest.mark.parametrize("damage", ["flip", "truncate", "append", "replace", "missing"])
def test_a_damaged_or_replaced_model_is_refused_before_litert_reads_it(shipped_copy, damage):
    model = shipped_copy / "mobilenet_v1_1.0_224.tflite"
    data = bytearray(model.read_bytes())
    if damage == "flip":
        data[len(data) // 2] ^= 0x01
    elif damage == "truncate":
        data = data[:-1]
    elif damage == "append":
        data += b"\0"
    elif damage == "replace":                  # same size, another model's bytes
        data = bytearray(np.random.default_rng(0).integers(0, 256, len(data), np.uint8))
    if damage == "missing":
        model.unlink()
    else:
        model.write_bytes(bytes(data))
    with pytest.raises(p5knn.ModelError, match="missing" if damage == "missing" else "damaged"):
        p5knn.feature_extractor()


@pytest.mark.parametrize("record", [b"", b"{", b"[]", b'{"files": {}}',
                                    b'{"files": {"model": {"file": "../x", "bytes": 1, '
                                    b'"sha256": "0"}, "batch_norm": {}}}'])
def test_a_damaged_record_is_refused(shipped_copy, record):
    (shipped_copy / _weights.MANIFEST).write_bytes(record)
    with pytest.raises(p5knn.ModelError, match="MobileNet record"):
        p5knn.feature_extractor()


def test_a_damaged_batch_norm_file_is_refused(shipped_copy):
    stats = shipped_copy / "mobilenet_v1_1.0_224_batchnorm.npz"
    stats.write_bytes(stats.read_bytes()[:-10] + bytes(10))
    with pytest.raises(p5knn.ModelError, match="damaged"):
        _weights.batch_norm_statistics()


def test_the_extractor_runs_the_verified_bytes(mobilenet):
    assert mobilenet.source.startswith("TF-slim MobileNetV1 1.0/224 ImageNet, shipped")
    record = json.loads((_weights.FOLDER / _weights.MANIFEST).read_text())
    assert record["files"]["model"]["sha256"][:16] in mobilenet.source


@pytest.mark.slow
def test_keras_model_rebuilt_from_the_shipped_files(mobilenet, photos):
    """Fine-tuning's Keras model: unfolded from the shipped model and batch-norm statistics,
    it gives the shipped model's features and logits (and, with the build extra, has the
    graph's own weights)."""
    pytest.importorskip("tensorflow")
    model = _mobilenet.build_keras_mobilenet()
    x = np.stack([mobilenet.prepare(photos[name]) for name in ("chelsea", "rocket")])
    features, logits = (np.asarray(o) for o in model(x, training=False))
    for i, name in enumerate(("chelsea", "rocket")):
        np.testing.assert_allclose(features[i], mobilenet.infer(photos[name]), atol=1e-4)
    assert p5knn.imagenet_classes()[int(np.argmax(logits[0]))] == "Egyptian cat"
    if importlib.util.find_spec("nudity") is not None:
        from p5knn.features._weights import graph_path, keras_weights, read_slim_constants

        original = keras_weights(read_slim_constants(graph_path()))
        rebuilt = _mobilenet.shipped_keras_weights()
        assert set(rebuilt) == set(original)
        for layer, values in original.items():
            for got, want in zip(rebuilt[layer], values):
                np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6 * np.abs(want).max())


@pytest.mark.slow
@needs_nudity
def test_features_match_the_frozen_tensorflow_graph(mobilenet, photos):
    """The shipped model reproduces the original graph's AvgPool output."""
    tf = pytest.importorskip("tensorflow")
    from p5knn.features._weights import graph_path

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
