"""The hand, body and face keypoint models p5knn ships (MediaPipe's ``.tflite`` files, run with
LiteRT), found inside the package and verified by SHA-256 before native code reads them.

``models/MODELS.json`` records each file's size, SHA-256 and where it came from (PyPI
``mediapipe==0.10.21``, Apache-2.0); ``scripts/extract_mediapipe_models.py`` re-extracts them
from the wheel and checks the sums.
"""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path

from p5knn._base.errors import ModelError

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
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ModelError(f"keypoint model {path} is missing ({exc}); reinstall p5knn or run "
                             "scripts/extract_mediapipe_models.py") from exc
        if len(data) != info["bytes"] or hashlib.sha256(data).hexdigest() != info["sha256"]:
            raise ModelError(f"keypoint model {path} is damaged (size or SHA-256 differs from "
                             "MODELS.json); reinstall p5knn or run "
                             "scripts/extract_mediapipe_models.py")
        _verified[name] = path
        return path
