"""The converted-model cache and user-supplied Keras / TFLite models."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

import p5knn
from p5knn.features import _model_cache as model_cache
from p5knn.features._extractor import MOBILENET_KEY


def test_damaged_cache_is_rebuilt(mobilenet, photos, tmp_path, monkeypatch):
    good = model_cache.cache_dir() / f"{MOBILENET_KEY}.tflite"
    monkeypatch.setenv("P5KNN_CACHE_DIR", str(tmp_path))
    shutil.copy(good, tmp_path / good.name)
    shutil.copy(good.with_suffix(".json"), tmp_path / f"{MOBILENET_KEY}.json")
    data = bytearray((tmp_path / good.name).read_bytes())
    data[len(data) // 2: len(data) // 2 + 64] = bytes(64)  # zero out some weights
    (tmp_path / good.name).write_bytes(bytes(data))
    extractor = p5knn.feature_extractor()
    assert extractor.classify(photos["chelsea"], 1)[0].class_name == "Egyptian cat"
    meta = json.loads((tmp_path / f"{MOBILENET_KEY}.json").read_text())
    assert meta["size"] == (tmp_path / good.name).stat().st_size
    np.testing.assert_allclose(extractor.infer(photos["coffee"]), mobilenet.infer(photos["coffee"]),
                               rtol=1e-4, atol=1e-4)


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


def test_keras_model_with_labels_classifies(small_keras_model, monkeypatch, tmp_path):
    monkeypatch.setenv("P5KNN_CACHE_DIR", str(tmp_path))
    model, path = small_keras_model
    labels = tmp_path / "labels.txt"
    labels.write_text("0 Class 1\n1 Class 2\n")  # Teachable Machine's labels.txt
    extractor = p5knn.feature_extractor(path, layer="pool", labels=labels)
    image = np.full((32, 32, 3), 128, np.uint8)
    top = extractor.classify(image, top_k=2)
    expected = np.asarray(model(extractor.prepare(image)[None]))[0]
    assert {name for name, _ in top} == {"Class 1", "Class 2"}
    assert dict(top)["Class 1"] == pytest.approx(float(expected[0]), rel=1e-4)
    knn = p5knn.knn_classifier.create(extractor, k=1)
    knn.add_example(image, "grey")
    assert knn.predict_class(image).label == "grey" and knn.model == extractor.name


def test_tflite_model_cut_at_a_tensor(small_keras_model, tmp_path):
    from p5knn.features._convert import keras_to_tflite

    model, _ = small_keras_model
    path = tmp_path / "tiny.tflite"
    path.write_bytes(keras_to_tflite(model))
    whole = p5knn.feature_extractor(path, preprocess="unit")
    assert whole.feature_size == 2
    from p5knn.features._runtime import TFLiteRunner

    details = TFLiteRunner(path, num_threads=1).tensor_details()
    pool = next(d["name"] for d in details if "pool" in d["name"] and list(d["shape"]) == [1, 8])
    cut = p5knn.feature_extractor(path, layer=pool, preprocess="unit")
    assert cut.feature_size == 8
    image = np.random.default_rng(1).integers(0, 256, (32, 32, 3), dtype=np.uint8)
    vec = cut.infer(image)
    assert vec.shape == (8,) and np.isfinite(vec).all()
    with pytest.raises(p5knn.ModelError, match="no tensor named"):
        p5knn.feature_extractor(path, layer="does-not-exist")


def test_unsupported_model_file(tmp_path):
    bad = tmp_path / "model.onnx"
    bad.write_bytes(b"x")
    with pytest.raises(p5knn.ModelError, match="unsupported model file"):
        p5knn.feature_extractor(bad)
    junk = tmp_path / "junk.tflite"
    junk.write_bytes(b"not a flatbuffer")
    with pytest.raises(p5knn.ModelError, match="cannot load TFLite model"):
        p5knn.feature_extractor(junk)
