"""Saving and loading classifier examples.

Native format (``.p5knn``, any other suffix too): one uncompressed ``.npz`` zip holding
``features`` (float32 N×D; float16 from a ``dtype="float16"`` classifier), ``class_ids``
(int32 N), optional ``thumbnails`` (uint8 N×S×S×3), ``targets`` (float64 N×T),
``example_ids`` (int64 N, the keys of a vector index saved beside the file; see
:mod:`p5knn.index_file`) and ``meta`` (UTF-8 JSON: labels, model,
feature size, options, a SHA-256 of the arrays). It is read with ``allow_pickle=False`` and
written atomically.

The ml5 format (``.json``) is in :mod:`p5knn.knn._ml5`; :func:`load_any` tells them apart.
"""

from __future__ import annotations

import hashlib
import math
import json
import zipfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from p5knn._base import safe_json as safe_json
from p5knn._base.atomic import atomic_file
from p5knn._base.errors import CorruptFileError, FileKindError
from p5knn._base.regular import open_regular
from p5knn.knn import _ml5
from p5knn.knn._saved import SavedData, validate
from p5knn.knn._store import MAX_FEATURE_SIZE

FORMAT_NAME = "p5knn"
FORMAT_VERSION = 1


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
        if info.flag_bits & 0x1:
            raise CorruptFileError(f"{where}: member {info.filename!r} is encrypted")
        if info.compress_type != zipfile.ZIP_STORED or info.compress_size != info.file_size \
                or info.file_size > file_size:
            raise CorruptFileError(f"{where}: member {info.filename!r} is compressed or larger "
                                   "than the file (p5knn files are stored uncompressed)")
        members[name] = info
    return members


def load_native(path: Path, handle: Any = None, size: int | None = None) -> SavedData:
    """Read and verify a native file. Nothing is allocated beyond what the file's own size
    and its header's counts allow; every array's dtype and shape is checked before its data
    is read; JSON is bounded in size and depth."""
    where = str(path)
    try:
        with zipfile.ZipFile(handle if handle is not None else path) as archive:
            members = _open_members(archive, size if size is not None else path.stat().st_size,
                                    where)
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
            KeyError, OSError, UnicodeDecodeError, NotImplementedError, RuntimeError) as exc:
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


def load_any(path: str | Path) -> SavedData:
    """Load a native or ml5 file, telling them apart by content. The file is opened once
    (without blocking, so a pipe cannot hang it) and must be a regular file."""
    path = Path(path)
    opened, size = open_regular(path, "classifier file")
    with opened as handle:
        head = handle.read(64)
        handle.seek(0)
        if head.startswith(b"PK"):
            return load_native(path, handle, size)
        if head.startswith(b'{"format":"p5knn-gestures"'):
            raise FileKindError(f"{path} is a gesture classifier file: load it with "
                                "p5knn.gesture_classifier.load()")
        if head.lstrip()[:1] == b"{":
            if size > _ml5.MAX_JSON_BYTES:
                raise CorruptFileError(f"{path}: {size} bytes of ml5 JSON, more than the "
                                       f"{_ml5.MAX_JSON_BYTES} p5knn reads; use the p5knn format")
            raw = handle.read(_ml5.MAX_JSON_BYTES + 1)
            return _ml5.load(path, raw)
    raise CorruptFileError(f"{path}: neither a p5knn file nor an ml5 KNN JSON file"
                           + (" (file is empty)" if not head else ""))
