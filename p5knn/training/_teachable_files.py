"""What Teachable Machine's "Export model" gives, found and read defensively.

* **Keras**: ``keras_model.h5`` (newer exports: ``keras_Model.h5``) and ``labels.txt``, in
  ``converted_keras.zip``;
* **TensorFlow Lite**: ``model_unquant.tflite`` (float) or ``model.tflite`` (quantized: uint8
  in and out) and ``labels.txt``, in ``converted_tflite.zip`` / ``converted_tflite_quantized.zip``;
* **TensorFlow.js**: ``model.json``, ``weights.bin`` and ``metadata.json`` (labels, image
  size), in ``tm-my-image-model.zip``.

Each can be given as the zip, the folder it unpacks to, or the model file itself. Every file
is opened once, without blocking, must be a regular file and is size-limited before it is read;
a zip's members are checked by their declared and actual sizes. JSON is bounded in size and
nesting; ``labels.txt`` lines are ``"<index> <name>"`` with indices 0, 1, 2, ...; a TF.js
weights manifest must describe the weight files byte for byte (float32, or TF.js's documented
uint8/uint16/float16 quantization); an HDF5 file may hold only plain, unfiltered, fully
stored float datasets (no links to other files, no compression bombs). Anything else raises
:class:`~p5knn.CorruptFileError`. HDF5 itself is parsed by the h5py library (native code).
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from p5knn._base import safe_json as safe_json
from p5knn._base.errors import CorruptFileError
from p5knn._base.regular import open_regular

MAX_MODEL_BYTES = 512 << 20      #: largest model or weights file read
MAX_JSON_BYTES = 32 << 20        #: largest model.json / metadata.json
MAX_LABELS_BYTES = 1 << 20       #: largest labels.txt
MAX_ZIP_BYTES = 1 << 30          #: largest zip opened
MAX_CLASSES = 10_000             #: most classes a model may have
MAX_JSON_DEPTH = 64              #: Keras topologies nest ~12 levels
MAX_WEIGHTS = 100_000            #: most weight arrays
FORMATS = ("tflite", "keras", "tfjs")

#: model files in the order a folder or zip holding several is read: float models first
#: (no conversion for TFLite), the quantized TFLite last
_PREFERENCE = (("tflite", "model_unquant.tflite"), ("keras", "keras_model.h5"),
               ("tfjs", "model.json"), ("tflite", "model.tflite"))
_FILE_NAME = re.compile(r"[^/\\\x00]{1,255}")
_QUANTIZED = {"uint8": np.uint8, "uint16": np.uint16, "float16": np.float16}


# ------------------------------------------------------------------------------ files

class ExportFiles:
    """The files of one export (a folder or a zip), looked up by case-insensitive name."""

    def __init__(self, where: str) -> None:
        self.where = where
        self._names: dict[str, str] = {}

    def names(self) -> list[str]:
        """Lower-case names of the files there."""
        return sorted(self._names)

    def has(self, name: str) -> bool:
        """True when a file of that name (any case) is there."""
        return name.lower() in self._names

    def path_of(self, name: str) -> str:
        """How messages name a file."""
        return f"{self.where}/{self._names.get(name.lower(), name)}"

    def size(self, name: str) -> int:
        """A file's size in bytes."""
        raise NotImplementedError

    def read(self, name: str, limit: int) -> bytes:
        """A file's bytes; CorruptFileError when it is larger than ``limit``."""
        raise NotImplementedError

    def close(self) -> None:
        """Let go of the zip (folders hold nothing open)."""


class FolderFiles(ExportFiles):
    """The regular files directly inside a folder."""

    def __init__(self, folder: Path) -> None:
        super().__init__(str(folder))
        self.folder = folder
        try:
            entries = sorted(os.listdir(folder))
        except OSError as exc:
            raise CorruptFileError(f"{folder}: cannot list the folder ({exc})") from exc
        for entry in entries:
            self._names.setdefault(entry.lower(), entry)

    def _open(self, name: str) -> tuple[Any, int]:
        real = self._names.get(name.lower())
        if real is None:
            raise FileNotFoundError(f"{name} not found in {self.where}")
        return open_regular(self.folder / real, "Teachable Machine file")

    def size(self, name: str) -> int:
        handle, size = self._open(name)
        handle.close()
        return size

    def read(self, name: str, limit: int) -> bytes:
        handle, size = self._open(name)
        with handle:
            if size > limit:
                raise CorruptFileError(f"{self.path_of(name)}: {size} bytes, more than the "
                                       f"{limit} allowed")
            data = handle.read(limit + 1)
        if len(data) > limit:
            raise CorruptFileError(f"{self.path_of(name)}: grew past {limit} bytes while read")
        return data


class ZipFiles(ExportFiles):
    """The files of a zip, at its top or inside one top folder (``__MACOSX`` and hidden
    files are skipped)."""

    def __init__(self, path: Path) -> None:
        super().__init__(str(path))
        handle, size = open_regular(path, "zip file")
        if size > MAX_ZIP_BYTES:
            handle.close()
            raise CorruptFileError(f"{path}: {size} bytes, more than the {MAX_ZIP_BYTES} "
                                   "allowed for a zip")
        self._handle = handle
        try:
            self._zip = zipfile.ZipFile(handle)
            infos = self._zip.infolist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            handle.close()
            raise CorruptFileError(f"{path}: not a readable zip ({exc})") from exc
        if len(infos) > 10_000:
            self.close()
            raise CorruptFileError(f"{path}: {len(infos)} members, too many for an export")
        self._infos: dict[str, zipfile.ZipInfo] = {}
        files = [i for i in infos if not i.is_dir() and not i.filename.startswith("__MACOSX/")
                 and not i.filename.rsplit("/", 1)[-1].startswith(".")]
        for info in files:
            parts = info.filename.split("/")
            if len(parts) > 2:
                continue
            key = parts[-1].lower()
            if key in self._infos and len(parts) > 1:
                continue                     # a top-level file wins over a folder's one
            self._infos[key] = info
            self._names[key] = info.filename

    def size(self, name: str) -> int:
        info = self._infos.get(name.lower())
        if info is None:
            raise FileNotFoundError(f"{name} not found in {self.where}")
        return info.file_size

    def read(self, name: str, limit: int) -> bytes:
        info = self._infos.get(name.lower())
        if info is None:
            raise FileNotFoundError(f"{name} not found in {self.where}")
        where = self.path_of(name)
        if info.file_size > limit:
            raise CorruptFileError(f"{where}: {info.file_size} bytes, more than the "
                                   f"{limit} allowed")
        if info.flag_bits & 0x1:
            raise CorruptFileError(f"{where}: encrypted zip members are not supported")
        try:
            with self._zip.open(info) as member:
                data = member.read(info.file_size + 1)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError,
                RuntimeError) as exc:  # bad CRC, truncation, unknown compression
            raise CorruptFileError(f"{where}: cannot be unpacked ({exc})") from exc
        if len(data) != info.file_size:
            raise CorruptFileError(f"{where}: holds {len(data)} bytes, its header says "
                                   f"{info.file_size}")
        return data

    def close(self) -> None:
        try:
            self._zip.close()
        finally:
            self._handle.close()


# ------------------------------------------------------------------------------ finding

@dataclass
class Export:
    """One Teachable Machine export, found but not read yet."""

    format: str          #: "tflite", "keras" or "tfjs"
    model: str           #: the model file's name among ``files``
    files: ExportFiles   #: the folder or zip it is in
    source: str          #: what the user passed, for messages and ``source``


def _pick(files: ExportFiles, wanted: str | None, where: str) -> tuple[str, str]:
    """(format, model file name) of the model to read in a folder or zip."""
    names = files.names()
    options = [(fmt, name) for fmt, name in _PREFERENCE if files.has(name)]
    options += [("keras", n) for n in names if n.endswith((".h5", ".hdf5"))
                and ("keras", n) not in options]
    options += [("tflite", n) for n in names if n.endswith(".tflite") and
                "edgetpu" not in n and ("tflite", n) not in options]
    if wanted is not None:
        options = [o for o in options if o[0] == wanted]
    if options:
        return options[0]
    if any("edgetpu" in n for n in names):
        raise CorruptFileError(f"{where} holds an Edge TPU model, which needs a Coral "
                               "accelerator: export \"TensorFlow Lite\" as Floating point "
                               "or Quantized instead")
    kind = f"a {wanted} model" if wanted else "a Teachable Machine model"
    raise FileNotFoundError(f"{where} holds no {kind} (keras_model.h5, model_unquant.tflite, "
                            f"model.tflite or model.json); it has: {names[:12]}")


def find_export(path: str | os.PathLike, format: str | None = None) -> Export:
    """Where the model of a Teachable Machine export is and which format it has.

    Parameters
    ----------
    path : str or os.PathLike
        The zip TM downloads, the folder it unpacks to, or a model file in such a folder
        (``keras_model.h5``, ``model.tflite``, ``model_unquant.tflite``, ``model.json``).
    format : {"tflite", "keras", "tfjs"}, optional
        Which model to read when a folder holds several (default: ``model_unquant.tflite``,
        then ``keras_model.h5``, ``model.json``, ``model.tflite``).

    Returns
    -------
    Export

    Example
    -------
    >>> find_export("converted_keras.zip").format
    'keras'
    """
    if format is not None and format not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS} or None, got {format!r}")
    path = Path(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise FileNotFoundError(f"Teachable Machine model not found: {path}") from None
    except OSError as exc:
        raise CorruptFileError(f"{path}: cannot be read ({exc})") from exc
    if stat.S_ISDIR(info.st_mode):
        files: ExportFiles = FolderFiles(path)
        fmt, model = _pick(files, format, str(path))
        return Export(fmt, model, files, str(path))
    suffix = path.suffix.lower()
    if suffix == ".zip":
        files = ZipFiles(path)
        try:
            fmt, model = _pick(files, format, str(path))
        except BaseException:
            files.close()
            raise
        return Export(fmt, model, files, str(path))
    by_suffix = {".h5": "keras", ".hdf5": "keras", ".tflite": "tflite", ".json": "tfjs"}
    if path.name.lower() in ("labels.txt", "metadata.json"):
        return find_export(path.parent, format)
    if suffix not in by_suffix:
        raise CorruptFileError(f"{path.name} is not a Teachable Machine export: give the zip, "
                               "its folder, keras_model.h5, a .tflite or model.json")
    if format is not None and by_suffix[suffix] != format:
        raise ValueError(f"{path.name} is a {by_suffix[suffix]} model, not {format}")
    files = FolderFiles(path.parent)
    return Export(by_suffix[suffix], path.name.lower(), files, str(path))


# ------------------------------------------------------------------------------ labels

def parse_labels_txt(raw: bytes, where: str) -> list[str]:
    """Class names from Teachable Machine's ``labels.txt``: one ``"<index> <name>"`` line
    per class (``"0 Class 1"``), indices 0, 1, 2, ... A file without indices is read as one
    name per line.

    Parameters
    ----------
    raw : bytes
        The file (UTF-8; a byte-order mark and Windows line ends are fine).
    where : str
        For messages.

    Returns
    -------
    list of str

    Example
    -------
    >>> parse_labels_txt(b"0 Class 1\\n1 Class 2\\n", "labels.txt")
    ['Class 1', 'Class 2']
    """
    if len(raw) > MAX_LABELS_BYTES:
        raise CorruptFileError(f"{where}: {len(raw)} bytes, too long for a labels file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CorruptFileError(f"{where}: not UTF-8 text ({exc})") from exc
    lines = [line.strip() for line in text.splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        raise CorruptFileError(f"{where}: no labels")
    numbered = [re.fullmatch(r"(\d{1,6})[ \t]+(.*)", line) for line in lines]
    if all(numbered):
        indices = [int(m.group(1)) for m in numbered]  # type: ignore[union-attr]
        if indices != list(range(len(lines))):
            raise CorruptFileError(f"{where}: label numbers must be 0, 1, 2, ... in order, "
                                   f"got {indices[:10]}")
        lines = [m.group(2).strip() for m in numbered]  # type: ignore[union-attr]
    return check_labels(lines, where)


def check_labels(labels: Any, where: str) -> list[str]:
    """Class names as a list of 1–1000-character strings (at most :data:`MAX_CLASSES`)."""
    if not isinstance(labels, list) or not 1 <= len(labels) <= MAX_CLASSES:
        raise CorruptFileError(f"{where}: labels must be a list of 1 to {MAX_CLASSES} names")
    out = []
    for label in labels:
        if not isinstance(label, str) or not 1 <= len(label) <= 1000 or "\x00" in label:
            raise CorruptFileError(f"{where}: a label must be text of 1 to 1000 characters, "
                                   f"got {str(label)[:40]!r}")
        out.append(label)
    return out


def parse_metadata(raw: bytes, where: str) -> dict[str, Any]:
    """Teachable Machine's TF.js ``metadata.json``: ``labels`` (required), ``imageSize``
    and ``grayscale`` (newer exports), the rest is informative.

    Returns
    -------
    dict
        ``{"labels": [...], "image_size": int or None, "grayscale": bool, "info": {...}}``.
    """
    meta = safe_json.loads(raw, where, max_bytes=MAX_LABELS_BYTES, max_depth=MAX_JSON_DEPTH)
    if not isinstance(meta, dict):
        raise CorruptFileError(f"{where}: metadata must be a JSON object")
    size = meta.get("imageSize")
    if size is not None and (isinstance(size, bool) or not isinstance(size, int) or
                             not 1 <= size <= 4096):
        raise CorruptFileError(f"{where}: imageSize must be a whole number from 1 to 4096")
    grey = meta.get("grayscale", False)
    if not isinstance(grey, bool):
        raise CorruptFileError(f"{where}: grayscale must be true or false")
    info = {key: meta[key] for key in ("tfjsVersion", "tmVersion", "packageVersion",
                                       "packageName", "modelName", "timeStamp")
            if isinstance(meta.get(key), str)}
    return {"labels": check_labels(meta.get("labels"), where), "image_size": size,
            "grayscale": grey, "info": info}


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
