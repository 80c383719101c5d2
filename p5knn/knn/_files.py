"""Saving and loading classifier examples.

Native format (``.p5knn``, any other suffix too): one uncompressed ``.npz`` zip holding
``features`` (float32 N×D; float16 from a ``dtype="float16"`` classifier), ``class_ids``
(int32 N), optional ``thumbnails`` (uint8 N×S×S×3), ``targets`` (float64 N×T),
``example_ids`` (int64 N, the keys of a vector index saved beside the file; see
:mod:`p5knn.index_file`) and ``meta`` (UTF-8 JSON: labels, model,
feature size, options, a SHA-256 of the arrays). It is read with ``allow_pickle=False`` and
written atomically.

ml5 format (``.json``): what ml5's ``KNNClassifier.save()`` writes and ``load()`` reads,
``{"dataset": {"0": {"label", "shape", ...}, ...}, "tensors": [{"0": x, ...}, ...]}``.
"""

from __future__ import annotations

import hashlib
import math
import stat
import json
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from p5knn._base import safe_json as safe_json
from p5knn._base.atomic import atomic_file
from p5knn._base.errors import CorruptFileError
from p5knn.knn._store import MAX_FEATURE_SIZE, MAX_VALUE

FORMAT_NAME = "p5knn"
FORMAT_VERSION = 1


@dataclass
class SavedData:
    """Everything a classifier file holds."""

    features: np.ndarray                 # (N, D) float32
    class_ids: np.ndarray                # (N,) int32, index into labels
    labels: list                         # class labels in class-index order
    model: str | None = None             # extractor that made the features (None: plain vectors)
    options: dict[str, Any] = field(default_factory=dict)
    thumbnails: np.ndarray | None = None  # (N, S, S, 3) uint8
    targets: np.ndarray | None = None     # (N, T) float64 regression targets (None: classes)
    scalar_targets: bool = True           # targets were plain numbers, not vectors
    example_ids: np.ndarray | None = None  # (N,) int64, increasing: the index's keys
    index: dict[str, Any] | None = None    # the saved vector index beside the file


def _checksum(data: SavedData) -> str:
    digest = hashlib.sha256()
    features = data.features
    if features.dtype != np.float16:
        features = np.asarray(features, np.float32)
    digest.update(np.ascontiguousarray(features).tobytes())
    digest.update(np.ascontiguousarray(data.class_ids, np.int32).tobytes())
    digest.update(json.dumps(data.labels).encode())
    if data.thumbnails is not None:
        digest.update(np.ascontiguousarray(data.thumbnails).tobytes())
    if data.targets is not None:
        digest.update(np.ascontiguousarray(data.targets, np.float64).tobytes())
    if data.example_ids is not None:
        digest.update(np.ascontiguousarray(data.example_ids, np.int64).tobytes())
    return digest.hexdigest()


def _check_label(label: Any, where: str) -> None:
    if isinstance(label, bool) or not isinstance(label, (str, int)):
        raise CorruptFileError(f"{where}: label {label!r} is not a string or integer")


def validate(data: SavedData, where: str) -> SavedData:
    """Check shapes, ranges and values; raise :class:`CorruptFileError` naming the problem."""
    f = data.features
    if f.ndim != 2 or f.dtype not in (np.float32, np.float16):
        raise CorruptFileError(f"{where}: features must be a float32 or float16 N×D matrix, "
                               f"got {f.dtype} {f.shape}")
    if f.shape[0] and f.shape[1] == 0:
        raise CorruptFileError(f"{where}: feature vectors are empty")
    if f.shape[1] > MAX_FEATURE_SIZE:
        raise CorruptFileError(f"{where}: feature vectors of {f.shape[1]} numbers (at most "
                               f"{MAX_FEATURE_SIZE})")
    for start in range(0, len(f), 8192):  # a block at a time: no full-size temporaries
        block = f[start:start + 8192]
        if not np.isfinite(block).all():
            raise CorruptFileError(f"{where}: features contain NaN or infinite values")
        if block.size and float(np.abs(block).max()) > MAX_VALUE:
            raise CorruptFileError(f"{where}: feature values beyond ±{MAX_VALUE:g}")
    ids = data.class_ids
    if ids.shape != (f.shape[0],):
        raise CorruptFileError(f"{where}: {len(ids)} class ids for {f.shape[0]} examples")
    if len(ids) and data.targets is None and (ids.min() < 0 or ids.max() >= len(data.labels)):
        raise CorruptFileError(f"{where}: class ids point outside the {len(data.labels)} labels")
    for label in data.labels:
        _check_label(label, where)
    if len(set(map(repr, data.labels))) != len(data.labels):
        raise CorruptFileError(f"{where}: duplicate labels")
    y = data.targets
    if y is not None:
        if y.ndim != 2 or y.shape[0] != f.shape[0] or y.shape[1] == 0 or y.dtype != np.float64:
            raise CorruptFileError(f"{where}: regression targets have shape {y.shape}, "
                                   f"expected {f.shape[0]}×T float64")
        if not np.isfinite(y).all():
            raise CorruptFileError(f"{where}: regression targets contain NaN or infinity")
        if data.labels or (len(ids) and ids.max() != 0):
            raise CorruptFileError(f"{where}: a regression file cannot also hold class labels")
    t = data.thumbnails
    if t is not None and (t.dtype != np.uint8 or t.ndim != 4 or t.shape[0] != f.shape[0]
                          or t.shape[3] != 3):
        raise CorruptFileError(f"{where}: thumbnails have shape {t.shape}, expected N×S×S×3")
    e = data.example_ids
    if e is not None and (e.dtype != np.int64 or e.shape != (f.shape[0],)
                          or (len(e) and (e[0] < 0 or np.any(np.diff(e) <= 0)))):
        raise CorruptFileError(f"{where}: example ids must be {f.shape[0]} increasing int64 "
                               f"numbers, got {e.dtype} {e.shape}")
    return data


# ------------------------------------------------------------------------------ native

def _file_dtype(features: np.ndarray) -> type:
    return np.float16 if features.dtype == np.float16 else np.float32


def save_native(path: str | Path, data: SavedData, version: str) -> None:
    """Write ``data`` to ``path`` atomically in the native format."""
    meta = {
        "format": FORMAT_NAME, "format_version": FORMAT_VERSION, "p5knn_version": version,
        "count": int(data.features.shape[0]), "feature_size": int(data.features.shape[1]),
        "labels": data.labels, "model": data.model, "options": data.options,
        "task": "regression" if data.targets is not None else "classification",
        "scalar_targets": bool(data.scalar_targets), "sha256": _checksum(data),
    }
    if data.index is not None:
        meta["index"] = data.index
    arrays = {
        "features": np.ascontiguousarray(data.features, _file_dtype(data.features)),
        "class_ids": np.ascontiguousarray(data.class_ids, np.int32),
        "meta": np.frombuffer(json.dumps(meta).encode("utf-8"), np.uint8),
    }
    if data.thumbnails is not None:
        arrays["thumbnails"] = np.ascontiguousarray(data.thumbnails, np.uint8)
    if data.targets is not None:
        arrays["targets"] = np.ascontiguousarray(data.targets, np.float64)
    if data.example_ids is not None:
        arrays["example_ids"] = np.ascontiguousarray(data.example_ids, np.int64)
    with atomic_file(path) as handle:
        np.savez(handle, **arrays)


#: a native file's JSON header is a few KB; anything near this is not one
MAX_META_BYTES = 16 << 20
_MEMBERS = ("features", "class_ids", "meta", "thumbnails", "targets", "example_ids")


def _expected_arrays(meta: dict[str, Any], where: str) -> dict[str, tuple]:
    """For each array a native file may hold: (allowed dtypes, shape with None for free
    sizes), from the counts its header declares."""
    count, size = meta.get("count"), meta.get("feature_size")
    for name, value, top in (("count", count, 1 << 31), ("feature_size", size, MAX_FEATURE_SIZE)):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= top:
            raise CorruptFileError(f"{where}: header field {name}={value!r} is not a whole "
                                   f"number in 0…{top}")
    return {"features": (("<f4", "<f2"), (count, size)), "class_ids": (("<i4",), (count,)),
            "thumbnails": (("|u1",), (count, None, None, 3)),
            "targets": (("<f8",), (count, None)), "example_ids": (("<i8",), (count,))}


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, dtypes: tuple,
                 shape: tuple, where: str) -> np.ndarray:
    """One ``.npy`` member, after its header's dtype and shape are checked against what the
    file's header declares and its stored size against the data that shape needs."""
    name = info.filename[:-4]
    with archive.open(info) as handle:
        version = np.lib.format.read_magic(handle)
        reader = {(1, 0): np.lib.format.read_array_header_1_0,
                  (2, 0): np.lib.format.read_array_header_2_0}.get(version)
        if reader is None:
            raise CorruptFileError(f"{where}: array {name} has npy format {version}")
        got_shape, fortran, dtype = reader(handle)
        if fortran or dtype.str not in dtypes or len(got_shape) != len(shape) or any(
                want is not None and got != want for got, want in zip(got_shape, shape)):
            raise CorruptFileError(f"{where}: array {name} is {dtype} {got_shape}, the header "
                                   f"declares {' or '.join(dtypes)} {shape}")
        free = [s for s, want in zip(got_shape, shape) if want is None]
        if any(s > MAX_FEATURE_SIZE for s in free):
            raise CorruptFileError(f"{where}: array {name} has shape {got_shape}")
        needed = math.prod(got_shape) * dtype.itemsize  # Python ints: no overflow
        if info.file_size - handle.tell() != needed:
            raise CorruptFileError(f"{where}: array {name} holds {info.file_size - handle.tell()} "
                                   f"bytes, its shape {got_shape} needs {needed}")
        array = np.empty(got_shape, dtype)
        view = memoryview(array.reshape(-1).view(np.uint8))
        done = 0
        while done < needed:
            got = handle.readinto(view[done:done + (8 << 20)])
            if not got:
                raise CorruptFileError(f"{where}: array {name} is truncated")
            done += got
    return array


def _open_members(archive: zipfile.ZipFile, file_size: int, where: str) -> dict[str, Any]:
    """The archive's members by array name, checked to be uncompressed ``.npy`` entries that
    fit in the file (p5knn writes them so; a compressed member could inflate far beyond
    the file's size)."""
    members: dict[str, Any] = {}
    for info in archive.infolist():
        name = info.filename[:-4] if info.filename.endswith(".npy") else info.filename
        if name not in _MEMBERS or name in members:
            raise CorruptFileError(f"{where}: unexpected member {info.filename!r}")
        if info.compress_type != zipfile.ZIP_STORED or info.compress_size != info.file_size \
                or info.file_size > file_size:
            raise CorruptFileError(f"{where}: member {info.filename!r} is compressed or larger "
                                   "than the file (p5knn files are stored uncompressed)")
        members[name] = info
    return members


def load_native(path: Path) -> SavedData:
    """Read and verify a native file. Nothing is allocated beyond what the file's own size
    and its header's counts allow; every array's dtype and shape is checked before its data
    is read; JSON is bounded in size and depth."""
    where = str(path)
    try:
        with zipfile.ZipFile(path) as archive:
            members = _open_members(archive, path.stat().st_size, where)
            missing = {"features", "class_ids", "meta"} - set(members)
            if missing:
                raise CorruptFileError(f"{path}: not a p5knn file (missing {sorted(missing)})")
            if members["meta"].file_size > MAX_META_BYTES:
                raise CorruptFileError(f"{path}: header of {members['meta'].file_size} bytes")
            raw = _read_member(archive, members["meta"], ("|u1",), (None,), where)
            meta = safe_json.loads(raw.tobytes(), f"{where} header")
            if not isinstance(meta, dict) or meta.get("format") != FORMAT_NAME:
                raise CorruptFileError(f"{path}: not a p5knn file")
            version = meta.get("format_version", 0)
            if isinstance(version, bool) or not isinstance(version, int):
                raise CorruptFileError(f"{path}: format_version {version!r} is not a number")
            if version > FORMAT_VERSION:
                raise CorruptFileError(f"{path}: written by a newer p5knn (format {version}); "
                                       "upgrade p5knn to read it")
            expected = _expected_arrays(meta, where)
            arrays = {name: _read_member(archive, members[name], *expected[name], where)
                      for name in expected if name in members}
    except CorruptFileError:
        raise
    except MemoryError as exc:
        raise CorruptFileError(f"{path}: too large to load into memory") from exc
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, ValueError,
            KeyError, OSError, UnicodeDecodeError, NotImplementedError) as exc:
        raise CorruptFileError(f"{path}: damaged or truncated p5knn file ({exc})") from exc
    _check_meta_types(meta, where)
    targets = arrays.get("targets")
    if (meta.get("task") == "regression") != (targets is not None):
        raise CorruptFileError(f"{path}: regression targets missing or unexpected")
    data = SavedData(arrays["features"], arrays["class_ids"], list(meta.get("labels", [])),
                     meta.get("model"), dict(meta.get("options") or {}),
                     arrays.get("thumbnails"), targets, bool(meta.get("scalar_targets", True)),
                     arrays.get("example_ids"),
                     meta.get("index") if isinstance(meta.get("index"), dict) else None)
    validate(data, str(path))
    if _checksum(data) != meta.get("sha256"):
        raise CorruptFileError(f"{path}: checksum mismatch — the file was modified or damaged")
    return data


def _check_meta_types(meta: dict[str, Any], where: str) -> None:
    """The header's fields have the types p5knn writes."""
    checks = {"labels": (list,), "model": (str, type(None)), "options": (dict, type(None)),
              "task": (str,), "scalar_targets": (bool,), "sha256": (str,),
              "index": (dict, type(None))}
    for name, types in checks.items():
        if name in meta and not isinstance(meta[name], types):
            raise CorruptFileError(f"{where}: header field {name!r} has the wrong type "
                                   f"({type(meta[name]).__name__})")


# --------------------------------------------------------------------------------- ml5

def save_ml5(path: str | Path, data: SavedData, normalized: np.ndarray, version: str) -> None:
    """Write the JSON that ml5's ``KNNClassifier.load()`` reads (rows L2-normalised, as tfjs
    keeps them). Class keys are contiguous 0…C−1, so ml5's positional loader maps them right."""
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
    extra = json.dumps({"format": FORMAT_NAME, "p5knn_version": version, "model": data.model,
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


def load_ml5(path: Path, text: str) -> SavedData:
    """Read an ml5 ``KNNClassifier.save()`` JSON file, including ones whose class ids are not
    contiguous (after ``clearLabel``), which ml5's own loader mis-maps."""
    doc = safe_json.loads(text, str(path))
    if not isinstance(doc, dict) or not isinstance(doc.get("dataset"), dict):
        raise CorruptFileError(f"{path}: not an ml5 KNN file (no 'dataset' object)")
    dataset = doc["dataset"]
    tensors = doc.get("tensors")
    if tensors is not None and not isinstance(tensors, list):
        raise CorruptFileError(f"{path}: 'tensors' must be a list, got "
                               f"{type(tensors).__name__}")

    def order(key: str) -> tuple:
        return (0, int(key), "") if key.lstrip("-").isdigit() else (1, 0, key)

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
            label = int(key) if key.lstrip("-").isdigit() else key
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


def load_any(path: str | Path) -> SavedData:
    """Load a native or ml5 file, telling them apart by content."""
    path = Path(path)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise FileNotFoundError(f"classifier file not found: {path}") from None
    except OSError as exc:
        raise CorruptFileError(f"{path}: cannot be read ({exc})") from exc
    if stat.S_ISDIR(mode):
        raise CorruptFileError(f"{path} is a folder, not a classifier file")
    if not stat.S_ISREG(mode):
        raise CorruptFileError(f"{path} is not a regular file (a device, pipe or socket)")
    with open(path, "rb") as handle:
        head = handle.read(64)
    if head.startswith(b"PK"):
        return load_native(path)
    if head.lstrip()[:1] == b"{":
        try:
            text = path.read_text("utf-8")
        except UnicodeDecodeError as exc:
            raise CorruptFileError(f"{path}: not UTF-8 JSON") from exc
        return load_ml5(path, text)
    raise CorruptFileError(f"{path}: neither a p5knn file nor an ml5 KNN JSON file"
                           + (" (file is empty)" if not head else ""))
