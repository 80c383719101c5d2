"""ml5's KNN file format (``.json``): what ml5's ``KNNClassifier.save()`` writes and
``load()`` reads, ``{"dataset": {"0": {"label", "shape", ...}, ...}, "tensors": [{"0": x, ...},
...]}`` — read strictly (bounded JSON, shapes, numbers, keys), written with tfjs's
L2-normalised rows and contiguous class ids."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np

from p5knn._base import safe_json
from p5knn._base.atomic import atomic_file
from p5knn._base.errors import CorruptFileError
from p5knn.knn._saved import SavedData, _check_label, validate
from p5knn.knn._store import MAX_FEATURE_SIZE

#: a class key ml5 writes: a (small) integer in plain ASCII digits
_INT_KEY = re.compile(r"-?[0-9]{1,18}")
#: largest ml5 JSON read (≈ 12 000 examples of 1024 numbers); parsing takes ~25× its size
MAX_JSON_BYTES = 256 << 20


def save(path: str | Path, data: SavedData, metric: str, version: str) -> None:
    """Write the JSON that ml5's ``KNNClassifier.load()`` reads: rows L2-normalised as tfjs
    keeps them (cosine), class keys contiguous 0…C−1 so ml5's positional loader maps them
    right, string and integer labels as they are."""
    rows = data.features.astype(np.float32)
    if metric == "cosine":
        norms = np.linalg.norm(rows, axis=1, keepdims=True)
        rows = rows / np.where(norms == 0, 1, norms)
    normalized = rows
    dim = int(normalized.shape[1]) if normalized.ndim == 2 else 0
    dataset, tensors = {}, []
    position = 0
    for class_id, label in enumerate(data.labels):
        rows = normalized[data.class_ids == class_id]
        if not len(rows):
            continue
        dataset[str(position)] = {
            "kept": False, "isDisposedInternal": False, "shape": [int(len(rows)), dim],
            "dtype": "float32", "size": int(rows.size), "strides": [dim], "dataId": {},
            "id": position, "rankType": "2", "label": label, "classIndex": position,
        }
        flat = rows.reshape(-1).astype(np.float32)
        tensors.append("{" + ",".join(f'"{i}":{v}' for i, v in enumerate(map(str, flat))) + "}")
        position += 1
    header = json.dumps({"dataset": dataset})[:-1]
    extra = json.dumps({"format": "p5knn", "p5knn_version": version, "model": data.model,
                        "feature_size": dim})
    text = f'{header},"tensors":[{",".join(tensors)}],"p5knn":{extra}}}'
    with atomic_file(path) as handle:
        handle.write(text.encode("utf-8"))


def _tensor_values(tensor: Any, where: str) -> np.ndarray:
    """A tensor's numbers: ml5 writes ``{"0": x, "1": y, …}`` (keys exactly 0…n−1)."""
    if isinstance(tensor, dict):
        values = [tensor.get(str(i)) for i in range(len(tensor))]
        if any(str(i) not in tensor for i in range(len(tensor))):
            raise CorruptFileError(f"{where}: tensor keys are not the indices 0…{len(tensor) - 1}")
    elif isinstance(tensor, list):
        values = tensor
    else:
        raise CorruptFileError(f"{where}: tensor is neither an object nor a list")
    if not all(type(v) in (int, float) for v in values):
        raise CorruptFileError(f"{where}: tensor holds values that are not numbers")
    try:
        with np.errstate(over="ignore"):  # beyond float32: inf, refused by validate()
            return np.asarray(values, dtype=np.float32).reshape(-1)
    except (TypeError, ValueError, OverflowError) as exc:
        raise CorruptFileError(f"{where}: tensor holds non-numbers") from exc


def load(path: Path, text: str | bytes) -> SavedData:
    """Read an ml5 ``KNNClassifier.save()`` JSON file, including ones whose class ids are not
    contiguous (after ``clearLabel``), which ml5's own loader mis-maps."""
    doc = safe_json.loads(text, str(path), max_bytes=MAX_JSON_BYTES)
    if not isinstance(doc, dict) or not isinstance(doc.get("dataset"), dict):
        raise CorruptFileError(f"{path}: not an ml5 KNN file (no 'dataset' object)")
    dataset = doc["dataset"]
    tensors = doc.get("tensors")
    if tensors is not None and not isinstance(tensors, list):
        raise CorruptFileError(f"{path}: 'tensors' must be a list, got "
                               f"{type(tensors).__name__}")

    def order(key: str) -> tuple:
        return (0, int(key), "") if _INT_KEY.fullmatch(key) else (1, 0, key)

    keys = sorted(dataset, key=order)
    labels, blocks, ids = [], [], []
    for position, key in enumerate(keys):
        entry = dataset[key]
        if entry is None:
            continue
        where = f"{path} class {key}"
        if not isinstance(entry, dict):
            raise CorruptFileError(f"{where}: entry is not an object")
        raw = tensors[position] if tensors is not None and position < len(tensors) \
            else entry.get("data")
        if raw is None:
            raise CorruptFileError(f"{where}: the class has no tensor data")
        shape = entry.get("shape")
        if not (isinstance(shape, list) and len(shape) == 2 and all(
                type(s) is int and s >= 1 for s in shape) and shape[1] <= MAX_FEATURE_SIZE):
            raise CorruptFileError(f"{where}: shape {shape!r} is not [examples, features] "
                                   f"(whole numbers ≥ 1, at most {MAX_FEATURE_SIZE} features)")
        values = _tensor_values(raw, where)
        if shape[0] * shape[1] != values.size:
            raise CorruptFileError(f"{where}: shape {shape} needs {shape[0] * shape[1]} "
                                   f"numbers, the tensor has {values.size}")
        label = entry.get("label")
        if label is None:
            label = int(key) if _INT_KEY.fullmatch(key) else key
        _check_label(label, where)
        if any(type(label) is type(l) and label == l for l in labels):
            raise CorruptFileError(f"{where}: label {label!r} appears twice")
        labels.append(label)
        blocks.append(values.reshape(shape))
        ids.append(np.full(shape[0], len(labels) - 1, np.int32))
    if not blocks:
        raise CorruptFileError(f"{path}: the ml5 file holds no examples")
    dims = {b.shape[1] for b in blocks}
    if len(dims) > 1:
        raise CorruptFileError(f"{path}: classes have different feature lengths {sorted(dims)}")
    features = np.concatenate(blocks) if blocks else np.empty((0, 0), np.float32)
    class_ids = np.concatenate(ids) if ids else np.empty(0, np.int32)
    extra = doc.get("p5knn") if isinstance(doc.get("p5knn"), dict) else {}
    model = extra.get("model")
    if model is not None and not isinstance(model, str):
        raise CorruptFileError(f"{path}: model name {model!r} is not a string")
    data = SavedData(features.astype(np.float32), class_ids, labels, model)
    return validate(data, str(path))
