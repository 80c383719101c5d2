"""Save/load round trips (native and ml5 JSON), damaged files, and state safety."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

import p5knn
from p5knn import CorruptFileError, FeatureSizeError


def sample(**options):
    knn = p5knn.knn_classifier.create(**options)
    rng = np.random.default_rng(3)
    for i in range(30):
        knn.add_example(rng.normal(size=16), ["wave", 7, "fist"][i % 3])
    return knn


def same_predictions(a, b, queries):
    for q in queries:
        ra, rb = a.predict_class(q), b.predict_class(q)
        assert ra.label == rb.label and ra.confidences == pytest.approx(rb.confidences)


def test_native_round_trip_keeps_everything(tmp_path):
    knn = sample(k=5, weights="distance", min_similarity=0.1)
    knn.remove_example(4)
    path = knn.save(tmp_path / "model.p5knn")
    assert path.exists() and not list(tmp_path.glob(".*.tmp"))
    loaded = p5knn.knn_classifier.load(path)
    assert loaded.labels == ["wave", 7, "fist"]  # the int label stays an int
    assert loaded.get_count_by_label() == knn.get_count_by_label()
    assert loaded.options == knn.options
    np.testing.assert_array_equal(loaded._store.matrix(), knn._store.matrix())
    same_predictions(knn, loaded, np.random.default_rng(9).normal(size=(20, 16)))
    assert loaded.undo_last() is not None  # loaded examples can be undone one by one


def test_loaded_options_yield_to_explicit_ones(tmp_path):
    path = sample(k=5).save(tmp_path / "m.p5knn")
    assert p5knn.knn_classifier.load(path).k == 5
    assert p5knn.knn_classifier.load(path, k=1).k == 1


def test_thumbnails_round_trip(mobilenet, photos, tmp_path):
    knn = p5knn.knn_classifier.create(mobilenet, thumbnails=32)
    knn.add_example(photos["chelsea"], "cat")
    knn.add_example(mobilenet.infer(photos["coffee"]), "coffee")
    loaded = p5knn.knn_classifier.load(knn.save(tmp_path / "t.p5knn"), mobilenet)
    np.testing.assert_array_equal(loaded.get_thumbnail(0), knn.get_thumbnail(0))
    assert loaded.model == "mobilenet"
    assert loaded.predict_class(photos["chelsea"], k=1).label == "cat"


def test_ml5_round_trip(tmp_path):
    knn = sample()
    path = knn.save(tmp_path / "myKNN.json")
    doc = json.loads(path.read_text())
    assert set(doc) >= {"dataset", "tensors"}
    assert [doc["dataset"][k]["label"] for k in sorted(doc["dataset"])] == ["wave", 7, "fist"]
    assert doc["dataset"]["0"]["shape"] == [10, 16]
    loaded = p5knn.knn_classifier.load(path)
    assert loaded.labels == ["wave", 7, "fist"]
    same_predictions(knn, loaded, np.random.default_rng(5).normal(size=(20, 16)))


def ml5_positional_load(doc):
    """What ml5's KNNClassifier.load() does: label list from dataset keys, tensor i shaped by
    dataset[i] (by *position*), tensor values in key order."""
    keys = sorted(doc["dataset"], key=int)
    labels = [doc["dataset"][k].get("label") for k in keys]
    classes = {}
    for i, tensor in enumerate(doc["tensors"]):
        values = [tensor[v] for v in sorted(tensor, key=int)]
        shape = doc["dataset"][str(i)]["shape"]
        classes[i] = np.asarray(values, np.float32).reshape(shape)
    return labels, classes


def test_ml5_loader_reads_our_file_after_clear_label(tmp_path):
    knn = sample()
    knn.clear_label(7)  # ml5's own save would now have keys 0 and 2 and break its load
    doc = json.loads(knn.save(tmp_path / "k.json").read_text())
    labels, classes = ml5_positional_load(doc)
    assert labels == ["wave", "fist"]
    for i, label in enumerate(labels):
        rows = classes[i]
        assert rows.shape == (10, 16)
        np.testing.assert_allclose(np.linalg.norm(rows, axis=1), 1, rtol=1e-5)  # tfjs rows


ML5_FILE = {  # shape of a real ml5 save() after clearLabel("paper"): class keys 0 and 2
    "dataset": {
        "0": {"kept": False, "isDisposedInternal": False, "shape": [2, 3], "dtype": "float32",
              "size": 6, "strides": [3], "dataId": {}, "id": 41, "rankType": "2",
              "label": "rock"},
        "2": {"kept": False, "isDisposedInternal": False, "shape": [1, 3], "dtype": "float32",
              "size": 3, "strides": [3], "dataId": {}, "id": 57, "rankType": "2",
              "label": "scissors"},
    },
    "tensors": [
        {"0": 1, "1": 0, "2": 0, "3": 0.8, "4": 0.6, "5": 0},
        {"0": 0, "1": 0, "2": 1},
    ],
}


def test_reads_ml5_files_with_gaps_in_class_ids(tmp_path):
    path = tmp_path / "myKNN.json"
    path.write_text(json.dumps(ML5_FILE))
    knn = p5knn.knn_classifier.load(path, k=1)
    assert knn.labels == ["rock", "scissors"]
    assert knn.get_count_by_label() == {"rock": 2, "scissors": 1}
    assert knn.predict_class([0, 0.1, 1]).label == "scissors"
    assert knn.predict_class([0.7, 0.7, 0]).label == "rock"


def test_reads_ml5_files_with_numeric_labels(tmp_path):
    doc = json.loads(json.dumps(ML5_FILE))
    for entry in doc["dataset"].values():
        del entry["label"]
    path = tmp_path / "numeric.json"
    path.write_text(json.dumps(doc))
    assert p5knn.knn_classifier.load(path).labels == [0, 2]


def test_any_vector_length_but_refused_for_images(mobilenet, photos, tmp_path):
    path = tmp_path / "pose.json"
    path.write_text(json.dumps(ML5_FILE))
    knn = p5knn.knn_classifier.load(path, mobilenet)
    assert knn.feature_size == 3
    knn.add_example([0, 1, 0], "paper")  # vectors of the file's length are fine
    with pytest.raises(FeatureSizeError, match="3 numbers.*1024"):
        knn.add_example(photos["chelsea"], "cat")
    with pytest.raises(FeatureSizeError, match="1024"):
        knn.predict_class(photos["chelsea"])
    assert len(knn) == 4


@pytest.mark.parametrize("damage", ["truncate", "flip", "junk", "empty", "json", "badml5",
                                    "shape", "nan", "labels"])
def test_damaged_files_raise_and_leave_state_alone(tmp_path, damage):
    good = sample().save(tmp_path / "good.p5knn")
    raw = good.read_bytes()
    bad = tmp_path / "bad.p5knn"
    if damage == "truncate":
        bad.write_bytes(raw[: len(raw) // 2])
    elif damage == "flip":  # change one feature byte inside the uncompressed zip
        with zipfile.ZipFile(good) as z:
            info = z.getinfo("features.npy")
        data = bytearray(raw)
        data[info.header_offset + 200] ^= 0xFF
        bad.write_bytes(bytes(data))
    elif damage == "junk":
        bad.write_bytes(b"\x00\x01garbage" * 10)
    elif damage == "empty":
        bad.write_bytes(b"")
    elif damage == "json":
        bad.write_text("{not json")
    elif damage == "badml5":
        bad.write_text(json.dumps({"hello": 1}))
    elif damage == "shape":
        doc = json.loads(json.dumps(ML5_FILE))
        doc["dataset"]["0"]["shape"] = [3, 3]
        bad.write_text(json.dumps(doc))
    elif damage == "nan":
        doc = json.loads(json.dumps(ML5_FILE))
        doc["tensors"][0]["1"] = float("nan")
        bad.write_text(json.dumps(doc))
    elif damage == "labels":
        doc = json.loads(json.dumps(ML5_FILE))
        doc["dataset"]["2"]["label"] = "rock"
        bad.write_text(json.dumps(doc))
    knn = sample()
    before = (knn.labels, knn.get_count(), knn._store.matrix().copy())
    with pytest.raises(CorruptFileError):
        knn.load(bad)
    assert (knn.labels, knn.get_count()) == before[:2]
    np.testing.assert_array_equal(knn._store.matrix(), before[2])


def test_tampered_native_file_fails_its_checksum(tmp_path):
    import io

    path = sample().save(tmp_path / "m.p5knn")
    with np.load(path, allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
    arrays["features"] = arrays["features"].copy()
    arrays["features"][0, 0] += 1.0
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    path.write_bytes(buffer.getvalue())
    with pytest.raises(CorruptFileError, match="checksum"):
        p5knn.knn_classifier.load(path)


def test_missing_file_and_empty_save(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.p5knn"):
        p5knn.knn_classifier.load(tmp_path / "nope.p5knn")
    with pytest.raises(p5knn.EmptyClassifierError, match="nothing to save"):
        p5knn.knn_classifier.create().save(tmp_path / "e.p5knn")
    with pytest.raises(ValueError, match="format"):
        sample().save(tmp_path / "x.bin", format="pickle")


def test_pickled_npz_is_refused(tmp_path):
    path = tmp_path / "evil.p5knn"
    np.savez(path.open("wb"), features=np.array([object()], dtype=object),
             class_ids=np.zeros(1, np.int32), meta=np.zeros(1, np.uint8))
    with pytest.raises(CorruptFileError):
        p5knn.knn_classifier.load(path)
