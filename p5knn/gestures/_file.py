"""Gesture classifier files (``.p5gestures``): one UTF-8 JSON object, written atomically.

    {"format": "p5knn-gestures", "version": 1, "p5knn": "…", "model": null | "hands" | …,
     "dims": D, "options": {"window", "threshold", "normalize", "max_length", "keypoints"},
     "labels": [label, …], "gestures": [{"label": class index, "frames": [[D numbers], …]}, …],
     "sha256": hex digest of everything above}

Reading checks everything before anything changes: a regular file of at most
:data:`MAX_BYTES`, JSON nested at most a few levels, the digest, every type, count and number
(finite), labels as ``add_gesture`` takes them, class indices in range.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np

from p5knn._base import safe_json
from p5knn._base.atomic import atomic_write, check_target
from p5knn._base.errors import CorruptFileError
from p5knn._base.regular import open_regular
from p5knn._base.version import __version__
from p5knn.gestures import _dtw
from p5knn.knn._labels import clean_label


FORMAT, VERSION = "p5knn-gestures", 1
MAX_BYTES = 256 * 1024 * 1024
HEADER = ("format", "version", "p5knn", "model", "dims", "options", "labels", "gestures")


def _digest(payload: dict[str, Any]) -> str:
    body = json.dumps({key: payload[key] for key in HEADER}, separators=(",", ":"),
                      sort_keys=True, allow_nan=False)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def save(g: Any, path: str | Path) -> Path:
    """Write ``g`` to ``path`` atomically (see the module docstring)."""
    path = Path(path)
    check_target(path)
    with g._lock:
        payload: dict[str, Any] = {
            "format": FORMAT, "version": VERSION, "p5knn": __version__,
            "model": getattr(g.extractor, "name", None), "dims": g.dims or 0,
            "options": {"window": g.window_option, "threshold": g.threshold_option,
                        "normalize": g.normalize, "max_length": g.max_length,
                        "keypoints": g.keypoints},
            "labels": list(g._labels),
            "gestures": [{"label": int(c), "frames": r.astype(float).tolist()}
                         for r, c in zip(g._raw, g._ids)],
        }
    payload["sha256"] = _digest(payload)
    text = json.dumps(payload, separators=(",", ":"), allow_nan=False)
    atomic_write(path, text.encode("utf-8"))
    return path


def _fail(where: str, problem: str) -> CorruptFileError:
    return CorruptFileError(f"{where}: {problem}")


def _options(raw: Any, where: str) -> dict[str, Any]:
    from p5knn.gestures._dtw import MAX_FRAMES

    if not isinstance(raw, dict) or set(raw) != {"window", "threshold", "normalize",
                                                  "max_length", "keypoints"}:
        raise _fail(where, "options are missing or not what p5knn writes")
    window, threshold = raw["window"], raw["threshold"]
    if window != "learned" and (isinstance(window, bool) or not isinstance(window, (int, float))
                                or not 0 <= window < MAX_FRAMES):
        raise _fail(where, f"bad window {window!r}")
    if threshold != "learned" and (isinstance(threshold, bool) or not isinstance(
            threshold, (int, float)) or not 0 < threshold < float("inf")):
        raise _fail(where, f"bad threshold {threshold!r}")
    if raw["normalize"] not in _dtw.NORMALIZE:
        raise _fail(where, f"bad normalize {raw['normalize']!r}")
    if raw["keypoints"] not in ("both", "position", "shape"):
        raise _fail(where, f"bad keypoints {raw['keypoints']!r}")
    length = raw["max_length"]
    if isinstance(length, bool) or not isinstance(length, int) or not 2 <= length <= MAX_FRAMES:
        raise _fail(where, f"bad max_length {length!r}")
    return dict(raw)


def read(path: str | Path) -> dict[str, Any]:
    """Read and check a gesture file; return ``gestures`` (float32 arrays), ``class_ids``,
    ``labels``, ``dims``, ``model``, ``options``. Raises CorruptFileError (or
    FileNotFoundError) and changes nothing."""
    from p5knn.gestures._dtw import MAX_DIMS, MAX_FRAMES, MAX_GESTURES

    where = str(path)
    handle, size = open_regular(path, "gesture file")
    with handle:
        if size > MAX_BYTES:
            raise _fail(where, f"{size} bytes, more than the {MAX_BYTES} p5knn reads")
        raw = handle.read(MAX_BYTES + 1)
    data = safe_json.loads(raw, where, MAX_BYTES, max_depth=6)
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise _fail(where, "not a p5knn gesture file")
    if data.get("version") != VERSION:
        raise _fail(where, f"gesture file version {data.get('version')!r}; this p5knn reads "
                           f"version {VERSION}")
    if set(data) != set(HEADER) | {"sha256"}:
        raise _fail(where, "fields missing or unexpected")
    try:
        digest = _digest(data)
    except (ValueError, TypeError):            # NaN or infinity written into the file
        raise _fail(where, "numbers JSON cannot hold (NaN or infinity)") from None
    if data["sha256"] != digest:
        raise _fail(where, "checksum mismatch: the file was changed or damaged")
    model = data["model"]
    if model is not None and not isinstance(model, str):
        raise _fail(where, "bad model name")
    dims, labels_raw, gestures_raw = data["dims"], data["labels"], data["gestures"]
    if isinstance(dims, bool) or not isinstance(dims, int) or not 0 <= dims <= MAX_DIMS:
        raise _fail(where, f"bad dims {dims!r}")
    if not isinstance(labels_raw, list) or not isinstance(gestures_raw, list) or \
            len(gestures_raw) > MAX_GESTURES or len(labels_raw) > MAX_GESTURES:
        raise _fail(where, "labels and gestures must be lists of a sane length")
    try:
        labels = [clean_label(label) for label in labels_raw]
    except (TypeError, ValueError) as exc:
        raise _fail(where, f"bad label ({exc})") from None
    if len(set(map(repr, labels))) != len(labels):
        raise _fail(where, "a label appears twice")
    gestures, class_ids = [], []
    for n, item in enumerate(gestures_raw):
        if not isinstance(item, dict) or set(item) != {"label", "frames"}:
            raise _fail(where, f"gesture {n} is not {{label, frames}}")
        class_id, frames = item["label"], item["frames"]
        if isinstance(class_id, bool) or not isinstance(class_id, int) or \
                not 0 <= class_id < len(labels):
            raise _fail(where, f"gesture {n} has a bad label index")
        if not isinstance(frames, list) or not 2 <= len(frames) <= MAX_FRAMES or not all(
                isinstance(f, list) and len(f) == dims for f in frames):
            raise _fail(where, f"gesture {n}: 2 to {MAX_FRAMES} frames of {dims} numbers needed")
        if not all(type(v) in (int, float) for f in frames for v in f):
            raise _fail(where, f"gesture {n} holds something other than numbers")
        try:
            seq = np.asarray(frames, np.float64)
        except OverflowError:
            raise _fail(where, f"gesture {n} holds numbers too large") from None
        if not np.isfinite(seq).all() or np.abs(seq).max() > 3.4e38:
            raise _fail(where, f"gesture {n} holds numbers float32 cannot hold")
        gestures.append(seq.astype(np.float32))
        class_ids.append(class_id)
    if gestures and dims == 0:
        raise _fail(where, "gestures of zero numbers per frame")
    return {"gestures": gestures, "class_ids": class_ids, "labels": labels, "dims": dims,
            "model": model, "options": _options(data["options"], where)}
