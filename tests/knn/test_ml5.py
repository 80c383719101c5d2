"""ml5's KNN JSON (p5knn/knn/_ml5.py): what we write ml5's ``KNNClassifier.load()`` reads, and
we read what ml5's ``save()`` writes, gaps in class ids and numeric labels included."""

from __future__ import annotations

import json

import numpy as np
import pytest

import p5knn
from p5knn import FeatureSizeError

from helpers import ML5_FILE, same_predictions, sample_classifier as sample


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
