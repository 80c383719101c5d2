"""Locate and read the ImageNet MobileNetV1 weights shipped in PyPI package ``nudity``.

``nudity==0.2.3`` carries ``files/retrained_graph.pb``: a frozen TF-slim MobileNetV1 1.0/224
(ImageNet, 1001 classes with background at index 0) with one extra retrained layer on top.
Only the ``MobilenetV1/...`` constants are read; the package itself is never imported.
"""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path

import numpy as np

from p5knn._base.errors import ModelError

GRAPH_PACKAGE = "nudity"
GRAPH_FILE = ("files", "retrained_graph.pb")
NUM_BLOCKS = 13


def graph_path() -> Path:
    """The frozen MobileNetV1 graph MobileNet's weights are read from, inside the installed
    ``nudity`` package (the package itself is never imported).

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
            "MobileNet weights not found: install the PyPI package 'nudity==0.2.3' "
            "(pip install nudity==0.2.3); it ships the ImageNet MobileNetV1 graph p5knn uses."
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
    >>> len(file_sha256(graph_path()))
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
