"""The shipped keypoint models (MediaPipe's .tflite files): present, verified by SHA-256, and
runnable by LiteRT with the input shapes MediaPipe's graphs use."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

import p5knn
from p5knn.features import keypoint_model

SHAPES = {"palm_detection_full": (1, 192, 192, 3), "hand_landmark_full": (1, 224, 224, 3),
          "pose_detection": (1, 224, 224, 3), "pose_landmark_full": (1, 256, 256, 3),
          "face_detection_short_range": (1, 128, 128, 3), "face_landmark": (1, 192, 192, 3)}


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_each_model_is_verified_and_runs_in_litert(name):
    from ai_edge_litert.interpreter import Interpreter

    path = keypoint_model(name)
    interpreter = Interpreter(model_path=str(path), num_threads=1)
    interpreter.allocate_tensors()
    (inp,) = interpreter.get_input_details()
    assert tuple(inp["shape"]) == SHAPES[name]
    interpreter.set_tensor(inp["index"], np.zeros(SHAPES[name], np.float32))
    interpreter.invoke()
    outputs = [interpreter.get_tensor(o["index"]) for o in interpreter.get_output_details()]
    assert outputs and all(np.isfinite(o).all() for o in outputs)


def test_unknown_and_damaged_models_are_refused(tmp_path, monkeypatch):
    with pytest.raises(p5knn.ModelError, match="no keypoint model"):
        keypoint_model("hand_landmark_lite")
    from p5knn.features import _keypoint_models  # fault injection: a damaged copy

    for f in _keypoint_models.FOLDER.iterdir():
        shutil.copy(f, tmp_path / f.name)
    blob = bytearray((tmp_path / "face_landmark.tflite").read_bytes())
    blob[5000] ^= 0xFF
    (tmp_path / "face_landmark.tflite").write_bytes(bytes(blob))
    monkeypatch.setattr(_keypoint_models, "FOLDER", tmp_path)
    monkeypatch.setattr(_keypoint_models, "_verified", {})
    with pytest.raises(p5knn.ModelError, match="damaged"):
        keypoint_model("face_landmark")
    (tmp_path / "pose_detection.tflite").unlink()
    with pytest.raises(p5knn.ModelError, match="missing"):
        keypoint_model("pose_detection")
