"""Reading the two Teachable Machine exports that are rebuilt before they run: a TF.js
``model.json`` with its weight files (:func:`read_tfjs`) and a Keras 2 ``.h5`` model
(:func:`read_h5`), each into its topology and its weights by name.

A TF.js weights manifest must describe the weight files byte for byte (float32, or TF.js's
documented uint8/uint16/float16 quantization); an HDF5 file may hold only plain, unfiltered,
fully stored float datasets (no links to other files, no compression bombs). Anything else
raises :class:`~p5knn.CorruptFileError`. HDF5 itself is parsed by the h5py library (native
code).
"""

from __future__ import annotations

import hashlib
import io
import re
from typing import Any

import numpy as np

from p5knn._base import safe_json as safe_json
from p5knn._base.errors import CorruptFileError
from p5knn.training._teachable_export import (
    MAX_JSON_BYTES,
    MAX_JSON_DEPTH,
    MAX_MODEL_BYTES,
    MAX_WEIGHTS,
    ExportFiles,
)


_FILE_NAME = re.compile(r"[^/\\\x00]{1,255}")
_QUANTIZED = {"uint8": np.uint8, "uint16": np.uint16, "float16": np.float16}


# ------------------------------------------------------------------------------ TF.js

def _shape(value: Any, where: str) -> tuple[int, ...]:
    if not isinstance(value, list) or len(value) > 8 or any(
            isinstance(d, bool) or not isinstance(d, int) or not 1 <= d <= 1 << 28
            for d in value):
        raise CorruptFileError(f"{where}: a weight shape must be up to 8 whole numbers "
                               f"from 1 to 2**28, got {str(value)[:80]}")
    return tuple(value)


def _entry(value: Any, where: str) -> tuple[str, tuple[int, ...], Any, dict | None]:
    """(name, shape, stored numpy dtype, quantization) of one manifest weight."""
    if not isinstance(value, dict):
        raise CorruptFileError(f"{where}: a weight entry must be an object")
    name = value.get("name")
    if not isinstance(name, str) or not 0 < len(name) <= 1000:
        raise CorruptFileError(f"{where}: a weight needs a name")
    shape = _shape(value.get("shape"), f"{where}: weight {name!r}")
    if value.get("dtype") != "float32":
        raise CorruptFileError(f"{where}: weight {name!r} has dtype "
                               f"{str(value.get('dtype'))[:20]!r}; only float32 is supported")
    quant = value.get("quantization")
    if quant is None:
        return name, shape, np.dtype("<f4"), None
    if not isinstance(quant, dict) or quant.get("dtype") not in _QUANTIZED:
        raise CorruptFileError(f"{where}: weight {name!r}: unsupported quantization "
                               f"{str(quant)[:60]}")
    if quant["dtype"] != "float16":
        for key in ("scale", "min"):
            number = quant.get(key)
            if isinstance(number, bool) or not isinstance(number, (int, float)) or \
                    not np.isfinite(number) or abs(number) > 1e30:
                raise CorruptFileError(f"{where}: weight {name!r}: quantization {key} must "
                                       "be a finite number")
    return name, shape, np.dtype(_QUANTIZED[quant["dtype"]]).newbyteorder("<"), quant


def _weight_file_name(value: Any, where: str) -> str:
    """A manifest path: a plain file name beside model.json (TF.js's browser downloads write
    ``./name.weights.bin``, so a leading ``./`` is allowed)."""
    if isinstance(value, str) and value.startswith("./"):
        value = value[2:]
    if not isinstance(value, str) or not _FILE_NAME.fullmatch(value) or value in (".", ".."):
        raise CorruptFileError(f"{where}: weight file {str(value)[:80]!r} must be a plain "
                               "file name beside model.json")
    return value


def read_tfjs(files: ExportFiles, model: str) -> tuple[Any, dict[str, np.ndarray], bytes]:
    """A TF.js layers model: its topology, its weights by name, and every byte read (for the
    cache key).

    The manifest's byte count must equal the weight files' sizes exactly, checked before
    anything is decoded, so a small file cannot ask for gigabytes.

    Returns
    -------
    (topology, weights, raw)
        ``weights`` maps ``"layer/weight"`` to float32 arrays.
    """
    where = files.path_of(model)
    raw = files.read(model, MAX_JSON_BYTES)
    doc = safe_json.loads(raw, where, max_bytes=MAX_JSON_BYTES, max_depth=MAX_JSON_DEPTH)
    if not isinstance(doc, dict) or "modelTopology" not in doc:
        raise CorruptFileError(f"{where}: not a TF.js model (no modelTopology)")
    if doc.get("format", "layers-model") != "layers-model":
        raise CorruptFileError(f"{where}: a TF.js {str(doc.get('format'))[:30]!r}; "
                               "Teachable Machine exports a layers-model")
    manifest = doc.get("weightsManifest")
    if not isinstance(manifest, list) or not 1 <= len(manifest) <= 1000:
        raise CorruptFileError(f"{where}: weightsManifest must be a list of 1 to 1000 groups")
    weights: dict[str, np.ndarray] = {}
    digest = hashlib.sha256(raw)
    count = 0
    for group in manifest:
        if not isinstance(group, dict):
            raise CorruptFileError(f"{where}: a weightsManifest group must be an object")
        paths = group.get("paths")
        entries = group.get("weights")
        if not isinstance(paths, list) or not 1 <= len(paths) <= 1000 or \
                not isinstance(entries, list):
            raise CorruptFileError(f"{where}: a weightsManifest group needs paths and weights")
        count += len(entries)
        if count > MAX_WEIGHTS:
            raise CorruptFileError(f"{where}: more than {MAX_WEIGHTS} weights")
        parsed = [_entry(e, where) for e in entries]
        need = sum(int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
                   for _, shape, dtype, _ in parsed)
        names = [_weight_file_name(p, where) for p in paths]
        for name in names:
            if not files.has(name):
                raise CorruptFileError(f"{where}: weight file {name!r} is missing")
        have = sum(files.size(name) for name in names)
        if have != need:
            raise CorruptFileError(f"{where}: the weight files {names[:3]} hold {have} bytes, "
                                   f"the manifest describes {need}")
        if need > MAX_MODEL_BYTES:
            raise CorruptFileError(f"{where}: {need} bytes of weights, more than allowed")
        data = b"".join(files.read(name, MAX_MODEL_BYTES) for name in names)
        if len(data) != need:
            raise CorruptFileError(f"{where}: the weight files changed while read")
        digest.update(data)
        offset = 0
        for name, shape, dtype, quant in parsed:
            size = int(np.prod(shape, dtype=np.int64))
            values = np.frombuffer(data, dtype, size, offset).reshape(shape)
            offset += size * dtype.itemsize
            if quant is not None and quant["dtype"] != "float16":
                values = values.astype(np.float32) * np.float32(quant["scale"]) + \
                    np.float32(quant["min"])
            if name in weights:
                raise CorruptFileError(f"{where}: weight {name!r} is listed twice"[:300])
            weights[name] = finite(values.astype(np.float32), name, where)
    return doc["modelTopology"], weights, digest.digest()


def finite(values: np.ndarray, name: str, where: str) -> np.ndarray:
    """``values`` when every number is finite, else CorruptFileError."""
    if not np.isfinite(values).all():
        raise CorruptFileError(f"{where}: weight {name!r} holds NaN or infinite numbers"[:300])
    return values


# ------------------------------------------------------------------------------ Keras .h5

def _hard_child(group: Any, name: str, where: str) -> Any:
    """``group[name]`` (a path of plain HDF5 links only: no soft or external links)."""
    import h5py

    current = group
    for part in name.split("/"):
        if not part:
            continue
        link = current.get(part, getlink=True)
        if link is None:
            raise CorruptFileError(f"{where}: {name!r} is missing"[:300])
        if not isinstance(link, h5py.HardLink):
            raise CorruptFileError(f"{where}: {name!r} is a link to elsewhere; only plain "
                                   "datasets are read"[:300])
        current = current[part]
    return current


def _text_attr(node: Any, key: str, where: str, limit: int) -> Any:
    if key not in node.attrs:
        return None
    value = node.attrs[key]
    if isinstance(value, bytes):
        if len(value) > limit:
            raise CorruptFileError(f"{where}: attribute {key} is too long")
        return value.decode("utf-8", "strict")
    if isinstance(value, str):
        return value
    if isinstance(value, np.ndarray):
        if value.size > 100_000:
            raise CorruptFileError(f"{where}: attribute {key} is too long")
        return [v.decode("utf-8", "strict") if isinstance(v, bytes) else str(v)
                for v in value.reshape(-1)]
    raise CorruptFileError(f"{where}: attribute {key} is not text")


def read_h5(raw: bytes, where: str) -> tuple[Any, dict[str, np.ndarray]]:
    """A Keras 2 ``.h5`` model file (what Teachable Machine exports): its topology (the
    ``model_config`` attribute) and its weights by name (``model_weights/<layer>/...``).

    Returns
    -------
    (topology, weights)
        ``weights`` maps ``"layer/weight"`` (without Keras 2's ``:0``) to float32 arrays.
    """
    import h5py

    from p5knn.training._teachable_graph import normal_weight_name

    if not raw.startswith(b"\x89HDF\r\n\x1a\n"):
        raise CorruptFileError(f"{where}: not an HDF5 file")
    try:
        with h5py.File(io.BytesIO(raw), "r") as f:
            text = _text_attr(f, "model_config", where, MAX_JSON_BYTES)
            if not isinstance(text, str):
                raise CorruptFileError(f"{where}: no model_config: a weights-only file, not "
                                       "a whole Keras model")
            topology = safe_json.loads(text, where, max_bytes=MAX_JSON_BYTES,
                                       max_depth=MAX_JSON_DEPTH)
            if "model_weights" not in f:
                raise CorruptFileError(f"{where}: no model_weights group")
            root = _hard_child(f, "model_weights", where)
            layer_names = _text_attr(root, "layer_names", where, 1 << 20) or []
            weights: dict[str, np.ndarray] = {}
            total = 0
            for layer_name in layer_names:
                group = _hard_child(root, layer_name, where)
                names = _text_attr(group, "weight_names", where, 1 << 22) or []
                if not isinstance(names, list):
                    raise CorruptFileError(f"{where}: weight_names must be a list")
                for wname in names:
                    data = _hard_child(group, wname, where)
                    if not isinstance(data, h5py.Dataset):
                        raise CorruptFileError(f"{where}: {wname!r} is not a dataset"[:300])
                    array = _dataset(data, wname, where)
                    total += array.nbytes
                    if total > 2 * len(raw) + (1 << 20) or len(weights) >= MAX_WEIGHTS:
                        raise CorruptFileError(f"{where}: more weight data than the file holds")
                    key = normal_weight_name(wname)
                    if key in weights:
                        raise CorruptFileError(f"{where}: weight {key!r} is stored twice"[:300])
                    weights[key] = array
    except CorruptFileError:
        raise
    except (OSError, ValueError, KeyError, TypeError, UnicodeDecodeError, RuntimeError) as exc:
        raise CorruptFileError(f"{where}: not a readable Keras .h5 model ({exc})"[:400]) from exc
    return topology, weights


def _dataset(data: Any, name: str, where: str) -> np.ndarray:
    """One weight dataset, refused unless it is a plain, fully stored float array (so its
    size is bounded by the file's: no compression, fill values or external storage)."""
    if data.dtype.kind != "f" or data.dtype.itemsize not in (2, 4, 8) or data.ndim > 8:
        raise CorruptFileError(f"{where}: weight {name!r} is not a float array"[:300])
    plist = data.id.get_create_plist()
    if plist.get_nfilters() or plist.get_external_count() or data.is_virtual:
        raise CorruptFileError(f"{where}: weight {name!r} is compressed or stored outside "
                               "the file; only plain datasets are read"[:300])
    if data.id.get_storage_size() != data.size * data.dtype.itemsize:
        raise CorruptFileError(f"{where}: weight {name!r} is not fully stored in the file"[:300])
    return finite(np.asarray(data[()], dtype=np.float32), name, where)
