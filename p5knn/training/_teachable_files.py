"""What Teachable Machine's "Export model" gives, found and read defensively: the class names
(``labels.txt``, ``metadata.json``) are read here, and this module gathers the names of the
others, so everything that reads an export can be imported from it.

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

The limits, the folder and zip readers and :func:`find_export` are in
:mod:`p5knn.training._teachable_export`; :func:`read_tfjs` and :func:`read_h5` in
:mod:`p5knn.training._teachable_weights`.
"""

from __future__ import annotations

import re
from typing import Any

from p5knn._base import safe_json as safe_json
from p5knn._base.errors import CorruptFileError
from p5knn.training._teachable_export import FORMATS as FORMATS
from p5knn.training._teachable_export import MAX_CLASSES as MAX_CLASSES
from p5knn.training._teachable_export import MAX_JSON_BYTES as MAX_JSON_BYTES
from p5knn.training._teachable_export import MAX_JSON_DEPTH as MAX_JSON_DEPTH
from p5knn.training._teachable_export import MAX_LABELS_BYTES as MAX_LABELS_BYTES
from p5knn.training._teachable_export import MAX_MODEL_BYTES as MAX_MODEL_BYTES
from p5knn.training._teachable_export import MAX_WEIGHTS as MAX_WEIGHTS
from p5knn.training._teachable_export import MAX_ZIP_BYTES as MAX_ZIP_BYTES
from p5knn.training._teachable_export import Export as Export
from p5knn.training._teachable_export import ExportFiles as ExportFiles
from p5knn.training._teachable_export import FolderFiles as FolderFiles
from p5knn.training._teachable_export import ZipFiles as ZipFiles
from p5knn.training._teachable_export import find_export as find_export
from p5knn.training._teachable_weights import finite as finite
from p5knn.training._teachable_weights import read_h5 as read_h5
from p5knn.training._teachable_weights import read_tfjs as read_tfjs


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
