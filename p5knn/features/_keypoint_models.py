"""The hand, body and face keypoint models p5knn ships (MediaPipe's ``.tflite`` files, run with
LiteRT), found inside the package and verified by SHA-256 before native code reads them.

``models/MODELS.json`` records each file's size, SHA-256 and where it came from (PyPI
``mediapipe==0.10.21``, Apache-2.0); ``scripts/extract_mediapipe_models.py`` re-extracts them
from the wheel and checks the sums. ``models/CONNECTIONS.json`` (same wheel) says which
landmarks make a hand's, body's or face's lines (:func:`connections`).
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np

from p5knn._base.errors import ModelError
from p5knn.features._shipped import read_verified

FOLDER = Path(__file__).resolve().parent / "models"
_verified: dict[str, Path] = {}
_lock = threading.Lock()


def manifest() -> dict:
    """What ``MODELS.json`` records: source, licence and, per model, file, bytes, sha256."""
    try:
        return json.loads((FOLDER / "MODELS.json").read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"p5knn's keypoint model list is missing or damaged ({exc}); "
                         "reinstall p5knn") from exc


def keypoint_model(name: str) -> Path:
    """The verified path of keypoint model ``name`` (e.g. ``"palm_detection_full"``).

    Parameters
    ----------
    name : str
        One of the models in ``MODELS.json``.

    Returns
    -------
    Path
        The ``.tflite`` file, checked once per process against its recorded size and SHA-256.

    Example
    -------
    >>> keypoint_model("hand_landmark_full").name
    'hand_landmark_full.tflite'
    """
    with _lock:
        if name in _verified:
            return _verified[name]
        models = manifest()["models"]
        if name not in models:
            raise ModelError(f"no keypoint model {name!r}; p5knn ships {sorted(models)}")
        info = models[name]
        path = FOLDER / info["file"]
        read_verified(path, info["bytes"], info["sha256"], "keypoint model",
                      "reinstall p5knn or run scripts/extract_mediapipe_models.py")
        _verified[name] = path
        return path


_LANDMARKS = {"hands": 21, "pose": 33, "face_oval": 468, "face_lips": 468, "face_eyes": 468,
              "face_eyebrows": 468}
_connections: dict[str, np.ndarray] = {}


def connections(part: str) -> np.ndarray:
    """Which landmarks MediaPipe's drawing code joins with a line (``models/CONNECTIONS.json``,
    from the same wheel as the models, Apache-2.0).

    Parameters
    ----------
    part : {"hands", "pose", "face_oval", "face_lips", "face_eyes", "face_eyebrows"}
        The skeleton or face contour.

    Returns
    -------
    numpy.ndarray
        Read-only int ``(N, 2)``: landmark index pairs.

    Example
    -------
    >>> connections("hands")[:3].tolist()
    [[0, 1], [0, 5], [0, 17]]
    """
    with _lock:
        if part in _connections:
            return _connections[part]
        if part not in _LANDMARKS:
            raise ValueError(f"part must be one of {sorted(_LANDMARKS)}, got {part!r}")
        try:
            data = json.loads((FOLDER / "CONNECTIONS.json").read_text("utf-8"))["connections"]
            pairs = np.asarray(data[part], dtype=np.int64).reshape(-1, 2)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ModelError(f"p5knn's landmark connection list is missing or damaged ({exc}); "
                             "reinstall p5knn") from exc
        if pairs.size == 0 or pairs.min() < 0 or pairs.max() >= _LANDMARKS[part]:
            raise ModelError("p5knn's landmark connection list is damaged; reinstall p5knn")
        pairs.flags.writeable = False
        _connections[part] = pairs
        return pairs
