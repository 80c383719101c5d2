"""The ImageNet MobileNetV1 1.0/224 p5knn ships, verified before use, and where it is built from.

At run time: ``models/mobilenet_v1_1.0_224.tflite`` (the converted model: 1024 features and
1000 ImageNet logits) and ``models/mobilenet_v1_1.0_224_batchnorm.npz`` (the batch-norm
statistics the converter folded into the convolutions, so that fine-tuning can rebuild the
original Keras model). ``models/MOBILENET.json`` records each file's size, SHA-256 and
provenance; a file that differs is refused with a :class:`~p5knn.ModelError` before any
native code reads it (:func:`shipped_bytes`).

At build time only (``scripts/build_mobilenet.py``, ``pip install -e '.[build]'``): the
weights come from ``files/retrained_graph.pb`` of PyPI ``nudity==0.2.3``, a frozen TF-slim
MobileNetV1 1.0/224 (ImageNet, 1001 classes with background at index 0) with one extra
retrained layer on top. Only the ``MobilenetV1/...`` constants are read; the package itself is
never imported.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import threading
from pathlib import Path

import numpy as np

from p5knn._base.errors import ModelError
from p5knn.features._shipped import read_verified

GRAPH_PACKAGE = "nudity"
GRAPH_FILE = ("files", "retrained_graph.pb")
NUM_BLOCKS = 13
FOLDER = Path(__file__).resolve().parent / "models"  #: where the shipped files are
MANIFEST = "MOBILENET.json"  #: their record: sizes, SHA-256, provenance
MODEL_FILE = "mobilenet_v1_1.0_224.tflite"
BATCH_NORM_FILE = "mobilenet_v1_1.0_224_batchnorm.npz"
_verified: dict[str, bytes] = {}
_lock = threading.Lock()
_REBUILD = "reinstall p5knn, or rebuild it: pip install -e '.[build]'; " \
           "python scripts/build_mobilenet.py"


def mobilenet_manifest() -> dict:
    """What ``models/MOBILENET.json`` records about the shipped MobileNet.

    Returns
    -------
    dict
        ``files`` (per role — ``"model"``, ``"batch_norm"`` — its ``file``, ``bytes`` and
        ``sha256``), ``source``, ``licence``, ``built_with`` and the build's ``checks``.

    Example
    -------
    >>> mobilenet_manifest()["files"]["model"]["file"]
    'mobilenet_v1_1.0_224.tflite'
    """
    try:
        data = json.loads((FOLDER / MANIFEST).read_text("utf-8"))
        files = data["files"]
        for role in ("model", "batch_norm"):
            entry = files[role]
            if not (isinstance(entry["file"], str) and isinstance(entry["bytes"], int)
                    and isinstance(entry["sha256"], str) and "/" not in entry["file"]
                    and "\\" not in entry["file"]):
                raise ValueError(f"bad entry for {role}")
        return data
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelError(f"p5knn's MobileNet record {FOLDER / MANIFEST} is missing or damaged "
                         f"({exc}); {_REBUILD}") from exc


def shipped_bytes(role: str = "model") -> bytes:
    """The bytes of a shipped MobileNet file, checked against ``MOBILENET.json``.

    Read once per process and kept: what native code gets is exactly what was checked
    (no second read of the file).

    Parameters
    ----------
    role : {"model", "batch_norm"}
        The ``.tflite`` model, or the batch-norm statistics (``.npz``).

    Returns
    -------
    bytes
        Raises :class:`~p5knn.ModelError` when the file is missing or its size or SHA-256
        differs from the record.

    Example
    -------
    >>> len(shipped_bytes()) == mobilenet_manifest()["files"]["model"]["bytes"]
    True
    """
    with _lock:
        if role in _verified:
            return _verified[role]
        files = mobilenet_manifest()["files"]
        if role not in files:
            raise ModelError(f"no shipped MobileNet file {role!r}; there are {sorted(files)}")
        info = files[role]
        data = read_verified(FOLDER / info["file"], info["bytes"], info["sha256"],
                             "p5knn's MobileNet file", _REBUILD)
        _verified[role] = data
        return data


def mobilenet_file() -> Path:
    """The path of the shipped MobileNet ``.tflite``, after checking it (for ``p5knn info``).

    Returns
    -------
    Path

    Example
    -------
    >>> mobilenet_file().name
    'mobilenet_v1_1.0_224.tflite'
    """
    shipped_bytes("model")
    return FOLDER / mobilenet_manifest()["files"]["model"]["file"]


def batch_norm_statistics() -> dict[str, np.ndarray]:
    """The batch-norm statistics of the shipped MobileNet (checked, no pickles).

    Returns
    -------
    dict
        ``"<layer>_bn/<gamma|beta|moving_mean|moving_variance>"`` → float32 array, for the
        27 batch-norm layers of Keras' ``MobileNet`` (``conv1_bn``, ``conv_dw_1_bn``, …).

    Example
    -------
    >>> batch_norm_statistics()["conv1_bn/gamma"].shape
    (32,)
    """
    try:
        with np.load(io.BytesIO(shipped_bytes("batch_norm")), allow_pickle=False) as npz:
            return {name: np.asarray(npz[name], dtype=np.float32) for name in npz.files}
    except ModelError:
        raise
    except Exception as exc:  # a verified file that numpy still refuses: a bad build
        raise ModelError(f"cannot read p5knn's MobileNet batch-norm statistics: {exc}") from exc


def graph_path() -> Path:
    """The frozen MobileNetV1 graph the shipped MobileNet is built from (build time only),
    inside the installed ``nudity`` package (the package itself is never imported).

    Returns
    -------
    Path
        ``.../site-packages/nudity/files/retrained_graph.pb``. Raises
        :class:`~p5knn.ModelError` when the package or the file is missing.

    Example
    -------
    >>> p5knn.features.graph_path().name
    'retrained_graph.pb'
    """
    spec = importlib.util.find_spec(GRAPH_PACKAGE)
    if spec is None or not spec.origin:
        raise ModelError(
            "the MobileNet graph is needed only to rebuild p5knn's shipped MobileNet: install "
            "the build extra (pip install -e '.[build]', which brings PyPI nudity==0.2.3)"
        )
    path = Path(spec.origin).parent.joinpath(*GRAPH_FILE)
    if not path.is_file():
        raise ModelError(f"MobileNet weights not found: {path} is missing from package 'nudity'.")
    return path


def file_sha256(path: Path) -> str:
    """The SHA-256 hex digest of a file, read in 1 MiB blocks.

    Parameters
    ----------
    path : Path
        Any file.

    Returns
    -------
    str
        64 hex digits.

    Example
    -------
    >>> len(file_sha256(mobilenet_file()))
    64
    """
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_slim_constants(path: Path | None = None) -> dict[str, np.ndarray]:
    """Every ``MobilenetV1/...`` constant of the frozen graph, as numpy arrays (imports
    TensorFlow).

    Parameters
    ----------
    path : Path, optional
        The graph (default: :func:`graph_path`).

    Returns
    -------
    dict
        Constant name → array.

    Example
    -------
    >>> read_slim_constants()["MobilenetV1/Conv2d_0/weights"].shape
    (3, 3, 3, 32)
    """
    from tensorflow.core.framework import graph_pb2  # heavy import, only when building
    from tensorflow.python.framework import tensor_util

    path = path or graph_path()
    graph = graph_pb2.GraphDef()
    try:
        graph.ParseFromString(Path(path).read_bytes())
    except Exception as exc:  # protobuf DecodeError and friends
        raise ModelError(f"cannot parse the MobileNet graph {path}: {exc}") from exc
    constants = {}
    for node in graph.node:
        if node.op == "Const" and node.name.startswith("MobilenetV1/"):
            constants[node.name] = tensor_util.MakeNdarray(node.attr["value"].tensor)
    if "MobilenetV1/Logits/Conv2d_1c_1x1/weights" not in constants:
        raise ModelError(f"{path} does not hold a TF-slim MobileNetV1 graph.")
    return constants


def keras_weights(constants: dict[str, np.ndarray]) -> dict[str, list[np.ndarray]]:
    """TF-slim constants mapped onto Keras ``MobileNet`` layer names and weight order.

    Keras BatchNormalization wants ``[gamma, beta, moving_mean, moving_variance]``; the
    classifier ``conv_preds`` gets the 1000 ImageNet classes (slim's background column 0
    dropped).

    Parameters
    ----------
    constants : dict
        What :func:`read_slim_constants` returns.

    Returns
    -------
    dict
        Keras layer name → list of weight arrays.

    Example
    -------
    >>> keras_weights(read_slim_constants())["conv1_bn"][0].shape
    (32,)
    """
    def batch_norm(scope: str) -> list[np.ndarray]:
        return [constants[f"MobilenetV1/{scope}/BatchNorm/{name}"]
                for name in ("gamma", "beta", "moving_mean", "moving_variance")]

    mapping = {
        "conv1": [constants["MobilenetV1/Conv2d_0/weights"]],
        "conv1_bn": batch_norm("Conv2d_0"),
    }
    for block in range(1, NUM_BLOCKS + 1):
        dw, pw = f"Conv2d_{block}_depthwise", f"Conv2d_{block}_pointwise"
        mapping[f"conv_dw_{block}"] = [constants[f"MobilenetV1/{dw}/depthwise_weights"]]
        mapping[f"conv_dw_{block}_bn"] = batch_norm(dw)
        mapping[f"conv_pw_{block}"] = [constants[f"MobilenetV1/{pw}/weights"]]
        mapping[f"conv_pw_{block}_bn"] = batch_norm(pw)
    logits_w = constants["MobilenetV1/Logits/Conv2d_1c_1x1/weights"]
    logits_b = constants["MobilenetV1/Logits/Conv2d_1c_1x1/biases"]
    mapping["conv_preds"] = [logits_w[..., 1:], logits_b[1:]]
    return mapping
