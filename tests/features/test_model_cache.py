"""The cache of converted models (your own Keras models; MobileNet ships converted): a damaged
model or a damaged record means a rebuild, never a damaged model in use, and converting says so
once on the console (converting, so these are slow)."""

from __future__ import annotations

import json

import numpy as np
import pytest

import p5knn
from p5knn.features._model_cache import _display_name, cached_model

pytestmark = pytest.mark.slow


def test_display_names_of_cache_keys():
    assert _display_name("custom-tiny-0123456789abcdef-output-nohead") == "tiny (Keras)"
    assert _display_name("custom-my-model-0123456789abcdef-dense_1-head") == "my-model (Keras)"
    assert _display_name("other") == "other"


@pytest.fixture(scope="module")
def tiny_keras_file(tmp_path_factory):
    keras = pytest.importorskip("keras")
    model = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Conv2D(2, 3, name="conv"),
                              keras.layers.GlobalAveragePooling2D()])
    path = tmp_path_factory.mktemp("tiny") / "tiny.keras"
    model.save(path)
    return path


def cache_files(folder):
    """The model files in the cache folder and when each was last written."""
    return {p.name: p.stat().st_mtime_ns for p in folder.glob("*.tflite")}


@pytest.mark.parametrize("record", [b"[" * 100_000 + b"]" * 100_000, b'{"a":' * 50_000,
                                    b"\xff\xfe", b"null", b"[1, 2]", b'"text"',
                                    b'{"size": true, "sha256": "x"}', b'{"size": "11"}',
                                    b'{"size": 11, "sha256": 5}', b" " * 100_000])
def test_damaged_model_cache_record_means_rebuild(tmp_path, monkeypatch, record,
                                                  tiny_keras_file):
    monkeypatch.setenv("P5KNN_CACHE_DIR", str(tmp_path))
    p5knn.feature_extractor(tiny_keras_file, preprocess="unit")
    built = cache_files(tmp_path)
    (name,) = built
    p5knn.feature_extractor(tiny_keras_file, preprocess="unit")
    assert cache_files(tmp_path) == built                               # intact: used as is
    record_file = (tmp_path / name).with_suffix(".json")
    record_file.write_bytes(record)
    extractor = p5knn.feature_extractor(tiny_keras_file, preprocess="unit")
    assert cache_files(tmp_path)[name] != built[name]                   # rebuilt
    assert json.loads(record_file.read_text())["size"] == (tmp_path / name).stat().st_size
    assert extractor.infer(np.zeros((8, 8, 3), np.uint8)).shape == (2,)
    rebuilt = cache_files(tmp_path)
    p5knn.feature_extractor(tiny_keras_file, preprocess="unit")
    assert cache_files(tmp_path) == rebuilt                             # and trusted


def test_converting_says_so_once_and_a_damaged_model_is_rebuilt(tmp_path, monkeypatch, capfd,
                                                                 tiny_keras_file):
    monkeypatch.setenv("P5KNN_CACHE_DIR", str(tmp_path))
    capfd.readouterr()
    first = p5knn.feature_extractor(tiny_keras_file, preprocess="unit")
    err = capfd.readouterr().err
    assert err.count("p5knn: converting tiny.keras to LiteRT (once, ~5 s)") == 1, err
    for chatter in ("I0000", "absl::InitializeLog", "XNNPACK", "Captures"):
        assert chatter not in err, err
    p5knn.feature_extractor(tiny_keras_file, preprocess="unit")
    assert "converting" not in capfd.readouterr().err                    # cached: silent
    (name,) = cache_files(tmp_path)
    data = bytearray((tmp_path / name).read_bytes())
    data[len(data) // 2: len(data) // 2 + 16] = bytes(16)               # damage the weights
    (tmp_path / name).write_bytes(bytes(data))
    again = p5knn.feature_extractor(tiny_keras_file, preprocess="unit")
    assert "converting" in capfd.readouterr().err                       # rebuilt, and said so
    image = np.random.default_rng(0).integers(0, 256, (8, 8, 3), np.uint8)
    np.testing.assert_allclose(again.infer(image), first.infer(image), rtol=1e-6)


def test_cached_model_names_what_it_converts(tmp_path, monkeypatch, capfd):
    monkeypatch.setenv("P5KNN_CACHE_DIR", str(tmp_path))
    path = cached_model("k", lambda: b"model bytes", name="model.keras", seconds=8)
    assert path.read_bytes() == b"model bytes"
    assert "p5knn: converting model.keras to LiteRT (once, ~8 s)…" in capfd.readouterr().err
    assert cached_model("k", lambda: b"never built") == path
    assert capfd.readouterr().err == ""
