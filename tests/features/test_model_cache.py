"""The cache of converted models: a damaged model or a damaged record means a rebuild, never
a damaged model in use (converting, so these are slow)."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

import p5knn
from p5knn.features import MOBILENET_KEY, cache_dir

pytestmark = pytest.mark.slow


def test_damaged_cache_is_rebuilt(mobilenet, photos, tmp_path, monkeypatch):
    good = cache_dir() / f"{MOBILENET_KEY}.tflite"
    monkeypatch.setenv("P5KNN_CACHE_DIR", str(tmp_path))
    shutil.copy(good, tmp_path / good.name)
    shutil.copy(good.with_suffix(".json"), tmp_path / f"{MOBILENET_KEY}.json")
    data = bytearray((tmp_path / good.name).read_bytes())
    data[len(data) // 2: len(data) // 2 + 64] = bytes(64)  # zero out some weights
    (tmp_path / good.name).write_bytes(bytes(data))
    extractor = p5knn.feature_extractor()
    assert extractor.classify(photos["chelsea"], 1).label == "Egyptian cat"
    meta = json.loads((tmp_path / f"{MOBILENET_KEY}.json").read_text())
    assert meta["size"] == (tmp_path / good.name).stat().st_size
    np.testing.assert_allclose(extractor.infer(photos["coffee"]), mobilenet.infer(photos["coffee"]),
                               rtol=1e-4, atol=1e-4)


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
