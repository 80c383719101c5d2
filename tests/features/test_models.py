"""Your own models: a Keras model cut at a layer (converted once and cached), with its own
labels (Teachable Machine's labels.txt), a TFLite model cut at a tensor, unsupported files."""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pytest

import p5knn


@pytest.fixture(scope="module")
def small_keras_model(tmp_path_factory):
    keras = pytest.importorskip("keras")
    inputs = keras.Input((32, 32, 3))
    x = keras.layers.Conv2D(8, 3, activation="relu", name="conv")(inputs)
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    outputs = keras.layers.Dense(2, activation="softmax", name="probs")(x)
    model = keras.Model(inputs, outputs)
    folder = tmp_path_factory.mktemp("models")
    path = folder / "tiny.keras"
    model.save(path)
    return model, path


def tflite_bytes(model) -> bytes:
    import tensorflow as tf

    with contextlib.redirect_stdout(io.StringIO()):
        return tf.lite.TFLiteConverter.from_keras_model(model).convert()


@pytest.mark.slow
def test_keras_model_cut_at_a_layer(small_keras_model, monkeypatch, tmp_path):
    monkeypatch.setenv("P5KNN_CACHE_DIR", str(tmp_path))
    model, path = small_keras_model
    extractor = p5knn.feature_extractor(path, layer="conv", preprocess="unit")
    assert extractor.feature_size == 8 and extractor.input_size == (32, 32)
    image = np.random.default_rng(0).integers(0, 256, (48, 40, 3), dtype=np.uint8)
    x = extractor.prepare(image)
    ref = model.get_layer("conv").output  # keras reference through a sub-model
    import keras

    expected = np.asarray(keras.Model(model.inputs, ref)(x[None])).mean(axis=(1, 2))[0]
    np.testing.assert_allclose(extractor.infer(image), expected, rtol=1e-4, atol=1e-5)
    with pytest.raises(p5knn.ModelError, match="no layer 'nope'.*conv"):
        p5knn.feature_extractor(path, layer="nope")


@pytest.mark.slow
def test_keras_model_with_labels_classifies(small_keras_model, monkeypatch, tmp_path):
    monkeypatch.setenv("P5KNN_CACHE_DIR", str(tmp_path))
    model, path = small_keras_model
    labels = tmp_path / "labels.txt"
    labels.write_text("0 Class 1\n1 Class 2\n")  # Teachable Machine's labels.txt
    extractor = p5knn.feature_extractor(path, layer="pool", labels=labels)
    image = np.full((32, 32, 3), 128, np.uint8)
    top = extractor.classify(image, top_k=2).top()
    expected = np.asarray(model(extractor.prepare(image)[None]))[0]
    assert {name for name, _ in top} == {"Class 1", "Class 2"}
    assert dict(top)["Class 1"] == pytest.approx(float(expected[0]), rel=1e-4)
    assert extractor.class_names == ["Class 1", "Class 2"]
    knn = p5knn.knn_classifier.create(extractor, k=1)
    knn.add_example(image, "grey")
    assert knn.predict_class(image).label == "grey" and knn.model == extractor.name


@pytest.mark.slow
def test_tflite_model_cut_at_a_tensor(small_keras_model, tmp_path):
    from ai_edge_litert.interpreter import Interpreter

    model, _ = small_keras_model
    path = tmp_path / "tiny.tflite"
    path.write_bytes(tflite_bytes(model))
    whole = p5knn.feature_extractor(path, preprocess="unit")
    assert whole.feature_size == 2
    details = Interpreter(model_path=str(path)).get_tensor_details()
    pool = next(d["name"] for d in details if "pool" in d["name"] and list(d["shape"]) == [1, 8])
    cut = p5knn.feature_extractor(path, layer=pool, preprocess="unit")
    assert cut.feature_size == 8
    image = np.random.default_rng(1).integers(0, 256, (32, 32, 3), dtype=np.uint8)
    vec = cut.infer(image)
    assert vec.shape == (8,) and np.isfinite(vec).all()
    with pytest.raises(p5knn.ModelError, match="no tensor named"):
        p5knn.feature_extractor(path, layer="does-not-exist")
    labelled = p5knn.feature_extractor(path, labels=["a", "b"], preprocess="unit")
    assert labelled.classify(image).label in ("a", "b")


def test_unsupported_model_file(tmp_path):
    bad = tmp_path / "model.onnx"
    bad.write_bytes(b"x")
    with pytest.raises(p5knn.ModelError, match="unsupported model file"):
        p5knn.feature_extractor(bad)
    junk = tmp_path / "junk.tflite"
    junk.write_bytes(b"not a flatbuffer")
    with pytest.raises(p5knn.ModelError, match="cannot load TFLite model"):
        p5knn.feature_extractor(junk)


def test_missing_model_and_labels_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="model not found"):
        p5knn.feature_extractor(tmp_path / "nowhere.keras")
    model = tmp_path / "model.tflite"
    model.write_bytes(b"x")
    with pytest.raises(FileNotFoundError, match="labels file not found"):
        p5knn.feature_extractor(model, labels=tmp_path / "labels.txt")
