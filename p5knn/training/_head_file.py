"""A trained head's file: one ``.keras`` zip that plain Keras loads, holding Keras's
``config.json`` and ``model.weights.h5`` plus p5knn's ``p5knn_head.json`` (labels, task,
extractor, losses).

Reading is defensive: :meth:`p5knn.HeadClassifier.load` runs these checks in order — the zip,
the Keras layout, the metadata, then Keras itself on the checked bytes — and changes the head
only when all pass. Every check raises :class:`~p5knn.CorruptFileError`.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from p5knn._base import safe_json as safe_json
from p5knn._base.atomic import atomic_file
from p5knn._base.errors import CorruptFileError, FeatureSizeError
from p5knn.features._convert import quiet_tensorflow
from p5knn.knn._labels import clean_label

META_NAME = "p5knn_head.json"
MAX_HEAD_BYTES = 256 << 20  #: largest head file (and unpacked contents) ``load`` reads
MAX_WEIGHTS = 1 << 25  #: most numbers a loaded head may hold (128 MB of float32)


class HeadMismatchError(CorruptFileError, FeatureSizeError):
    """A well-formed head file trained on another extractor's features (a
    :class:`~p5knn.CorruptFileError` and a :class:`~p5knn.FeatureSizeError`).

    Example
    -------
    >>> tuned.classification().load("mobilenet_head.keras")
    HeadMismatchError: mobilenet_head.keras was trained on 'mobilenet' features (1024), ...
    """


def write_head_file(path: str | os.PathLike, model: Any, meta: dict[str, Any]) -> Path:
    """Write a Keras model and p5knn's metadata as one ``.keras`` file, atomically.

    Parameters
    ----------
    path : str or os.PathLike
        Where; must end in ``.keras``.
    model : keras.Model
        The trained network.
    meta : dict
        p5knn's metadata (JSON-ready), stored as ``p5knn_head.json`` inside.

    Returns
    -------
    Path

    Example
    -------
    >>> write_head_file("head.keras", model, {"format": "p5knn-head", ...})
    PosixPath('head.keras')
    """
    path = Path(path)
    if path.suffix != ".keras":
        raise ValueError(f"heads are saved as .keras files, got {path.name}")
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder) / "head.keras"
        model.save(tmp)
        with zipfile.ZipFile(tmp, "a") as archive:
            archive.writestr(META_NAME, json.dumps(meta))
        with atomic_file(path) as handle:
            handle.write(tmp.read_bytes())
    return path


def short(value: Any) -> str:
    """A value for an error message.

    Parameters
    ----------
    value : object
        Anything, possibly huge.

    Returns
    -------
    str
        ``repr(value)``, cut to 60 characters.

    Example
    -------
    >>> short("x" * 100)[-5:]
    'xx...'
    """
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def whole(value: Any) -> bool:
    """Whether a value read from a file is a whole number ≥ 1.

    Parameters
    ----------
    value : object
        Anything.

    Returns
    -------
    bool
        True for a positive ``int`` (not a bool, not a float).

    Example
    -------
    >>> whole(3), whole(3.0), whole(True)
    (True, False, False)
    """
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def read_head_file(path: Path) -> tuple[bytes, Any, Any]:
    """The bytes, p5knn metadata and Keras config of a head file, after checking the zip.

    The file's size, member names, declared sizes and every member's CRC are checked, so no
    damaged byte reaches Keras.

    Parameters
    ----------
    path : Path
        The head file.

    Returns
    -------
    tuple
        ``(bytes, metadata, Keras config)``; :class:`CorruptFileError` on any problem.

    Example
    -------
    >>> data, meta, config = read_head_file(Path("head.keras"))
    >>> meta["task"]
    'classification'
    """
    try:
        if path.stat().st_size > MAX_HEAD_BYTES:
            raise CorruptFileError(f"{path}: larger than any p5knn head ({MAX_HEAD_BYTES} bytes)")
        data = path.read_bytes()
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            names = [info.filename for info in infos]
            if {META_NAME, "config.json", "model.weights.h5"} - set(names) or \
                    len(set(names)) != len(names) or len(names) > 64:
                raise CorruptFileError(f"{path}: not a p5knn head file (members "
                                       f"{short(names)})")
            if sum(info.file_size for info in infos) > MAX_HEAD_BYTES or any(
                    info.file_size > 1 << 20 for info in infos if info.filename.endswith(".json")):
                raise CorruptFileError(f"{path}: its members are too large for a head")
            damaged = archive.testzip()
            if damaged is not None:
                raise CorruptFileError(f"{path}: {damaged} inside it is damaged (bad CRC)")
            meta, config = archive.read(META_NAME), archive.read("config.json")
    except (CorruptFileError, MemoryError):
        raise
    except Exception as exc:  # noqa: BLE001 - zipfile raises many kinds on damaged archives
        raise CorruptFileError(f"{path}: not a p5knn head file ({type(exc).__name__}: "
                               f"{exc})") from exc
    return (data, safe_json.loads(meta, f"{path} ({META_NAME})"),
            safe_json.loads(config, f"{path} (config.json)"))


def keras_layout(config: Any, task: str, path: Path) -> tuple[int, int, int]:
    """The sizes of a head's network, read from its Keras config.

    Only Keras's own classes and exactly Input → Dense(relu) → Dense(softmax | linear) pass,
    with bounded sizes, so Keras never builds anything else (nor anything huge) from a
    hostile file.

    Parameters
    ----------
    config : object
        The parsed ``config.json``.
    task : {"classification", "regression"}
        The head's task (softmax or linear output).
    path : Path
        For error messages.

    Returns
    -------
    tuple of int
        ``(inputs, hidden units, outputs)``.

    Example
    -------
    >>> keras_layout(config, "classification", path)
    (1024, 100, 3)
    """
    def only_keras(node: Any) -> bool:
        if isinstance(node, list):
            return all(only_keras(item) for item in node)
        if not isinstance(node, dict):
            return True
        module = node.get("module", "keras")
        if "class_name" in node and (node.get("registered_name") is not None or not (
                isinstance(module, str) and module.split(".")[0] == "keras")):
            return False
        return all(only_keras(item) for item in node.values())

    try:
        layers = config["config"]["layers"]
        first, hidden, out = (layer["config"] for layer in layers)
        shape = first.get("batch_shape", first.get("batch_input_shape"))
        sizes = (shape[-1], hidden["units"], out["units"])
        ok = (only_keras(config) and config["class_name"] == "Sequential"
              and [layer["class_name"] for layer in layers] == ["InputLayer", "Dense", "Dense"]
              and len(shape) == 2 and all(whole(n) for n in sizes)
              and hidden["activation"] == "relu" and hidden.get("use_bias", True) is True
              and out["activation"] == ("softmax" if task == "classification" else "linear")
              and out.get("use_bias", True) is True
              and (sizes[0] + 1 + sizes[2]) * sizes[1] + sizes[2] <= MAX_WEIGHTS)
    except (KeyError, TypeError, ValueError, IndexError, AttributeError):
        ok = False
    if not ok:
        raise CorruptFileError(f"{path}: its Keras model is not a p5knn {task} head "
                               "(Input → Dense relu → Dense, Keras classes only)")
    return sizes


def load_network(data: bytes, sizes: tuple[int, int, int],
                 path: Path) -> tuple[Any, list[np.ndarray]]:
    """The Keras model in a head file's bytes, and its four weight arrays.

    Parameters
    ----------
    data : bytes
        The checked file contents.
    sizes : tuple of int
        ``(inputs, hidden units, outputs)`` the weights must have.
    path : Path
        For error messages.

    Returns
    -------
    tuple
        ``(keras.Model, [w1, b1, w2, b2])``; :class:`CorruptFileError` when Keras cannot load
        it or the weights do not fit or are not finite.

    Example
    -------
    >>> model, weights = load_network(data, (1024, 100, 3), path)
    """
    quiet_tensorflow()
    import keras

    inputs, hidden, outputs = sizes
    try:
        with tempfile.TemporaryDirectory() as folder:  # the bytes checked, not a newer file
            copy = Path(folder) / "head.keras"
            copy.write_bytes(data)
            model = keras.models.load_model(copy, compile=False, safe_mode=True)
        weights = [np.asarray(w, np.float32) for layer in model.layers
                   for w in layer.get_weights()]
    except Exception as exc:  # noqa: BLE001 - whatever Keras or h5py raise
        raise CorruptFileError(f"{path}: Keras cannot load it ({type(exc).__name__}: "
                               f"{exc})") from exc
    expected = [(inputs, hidden), (hidden,), (hidden, outputs), (outputs,)]
    if [w.shape for w in weights] != expected or not all(np.isfinite(w).all() for w in weights):
        raise CorruptFileError(f"{path}: its weights do not match the head's layout or hold "
                               "NaN/infinite values")
    return model, weights


def check_meta(meta: Any, task: str, extractor: Any, sizes: tuple[int, int],
               path: Path) -> dict[str, Any]:
    """What a head file's metadata sets, after checking its types and values.

    Parameters
    ----------
    meta : object
        The parsed ``p5knn_head.json``.
    task : {"classification", "regression"}
        The loading head's task.
    extractor : FeatureExtractor
        The loading head's extractor: the file must come from the same model.
    sizes : tuple of int
        ``(inputs, outputs)`` of the file's network.
    path : Path
        For error messages.

    Returns
    -------
    dict
        ``losses`` and ``labels`` (classification) or ``losses``, ``width`` and ``scalar``
        (regression). :class:`HeadMismatchError` for another extractor's head,
        :class:`CorruptFileError` for anything else wrong.

    Example
    -------
    >>> check_meta(meta, "classification", mobilenet, (1024, 3), path)["labels"]
    ['cat', 'dog', 7]
    """
    inputs, outputs = sizes
    if not isinstance(meta, dict) or meta.get("format") != "p5knn-head":
        raise CorruptFileError(f"{path}: not a p5knn head file (no p5knn-head metadata)")
    kind, model, size = meta.get("task"), meta.get("model"), meta.get("feature_size")
    if kind != task:
        raise CorruptFileError(f"{path} holds a {short(kind)} head, not {task}")
    if not isinstance(model, str) or not whole(size) or size != inputs:
        raise CorruptFileError(f"{path}: metadata model {short(model)} / feature_size "
                               f"{short(size)} do not fit a network taking {inputs} numbers")
    if (model, size) != (extractor.name, extractor.feature_size):
        raise HeadMismatchError(f"{path} was trained on {short(model)} features ({size}), this "
                                f"head uses {extractor.name} ({extractor.feature_size})")
    losses = meta.get("losses", [])
    try:
        if not isinstance(losses, list) or any(isinstance(v, bool) for v in losses):
            raise TypeError("not a list of numbers")
        state: dict[str, Any] = {"losses": [float(v) for v in losses]}
        if task == "classification":
            labels = meta.get("labels")
            if not isinstance(labels, list):
                raise TypeError(f"labels {short(labels)} are not a list")
            state["labels"] = [clean_label(label) for label in labels]
        else:
            state["width"] = meta.get("width", outputs)
            state["scalar"] = meta.get("scalar", outputs == 1)
    except (TypeError, ValueError, OverflowError) as exc:
        raise CorruptFileError(f"{path}: bad metadata ({exc})") from exc
    if task == "classification":
        labels = state["labels"]
        if len({(type(label), label) for label in labels}) != len(labels) or \
                len(labels) != outputs:
            raise CorruptFileError(f"{path}: {len(labels)} labels (some repeated?) for a "
                                   f"network with {outputs} outputs")
    elif state["width"] != outputs or not whole(state["width"]) or \
            not isinstance(state["scalar"], bool) or (state["scalar"] and outputs != 1):
        raise CorruptFileError(f"{path}: metadata width {short(state['width'])} / scalar "
                               f"{short(state['scalar'])} do not fit a network with "
                               f"{outputs} outputs")
    return state
