"""Loading a Teachable Machine export for :func:`p5knn.teachable_machine`: its class names
(given, ``labels.txt`` or ``metadata.json``, made distinct) and its model as LiteRT. TFLite
files run as they are; Keras and TF.js models are rebuilt from their checked topology,
converted to LiteRT once and kept in the model cache.
"""

from __future__ import annotations

import hashlib
import os
import warnings
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from p5knn._base.errors import CorruptFileError, ModelError
from p5knn._base.regular import open_regular
from p5knn.features._convert import keras_to_tflite, quiet_tensorflow
from p5knn.features._model_cache import cached_model
from p5knn.features._runtime import TFLiteRunner
from p5knn.training._teachable_export import MAX_LABELS_BYTES, MAX_MODEL_BYTES, Export
from p5knn.training._teachable_files import check_labels, parse_labels_txt, parse_metadata
from p5knn.training._teachable_graph import match_weights, parse_topology
from p5knn.training._teachable_keras import build_keras
from p5knn.training._teachable_weights import read_h5, read_tfjs


#: bump when the conversion changes, so cached models are rebuilt
CONVERTER_VERSION = "tm1"


def _labels(export: Export, given: Sequence[Any] | str | os.PathLike | None,
            meta: dict[str, Any] | None) -> list[str]:
    if given is not None:
        if isinstance(given, (str, os.PathLike)):
            path = Path(given)
            handle, _ = open_regular(path, "labels file")
            with handle:
                return parse_labels_txt(handle.read(MAX_LABELS_BYTES + 1), str(path))
        return check_labels([str(x) for x in given], "labels=")
    if meta is not None:
        return meta["labels"]
    if not export.files.has("labels.txt"):
        raise FileNotFoundError(f"labels.txt not found beside {export.files.path_of(export.model)}"
                                " (Teachable Machine exports it with the model); or pass "
                                "labels=[...]")
    return parse_labels_txt(export.files.read("labels.txt", MAX_LABELS_BYTES),
                            export.files.path_of("labels.txt"))


def _unique(labels: list[str]) -> list[str]:
    """Class names made distinct (a result maps names to confidences): a repeated name gets
    " (2)", " (3)", ... with a warning."""
    out: list[str] = []
    for label in labels:
        name, n = label, 1
        while name in out:
            n += 1
            name = f"{label} ({n})"
        if name != label:
            warnings.warn(f"Teachable Machine model: the class name {label!r} is used twice; "
                          f"the later class is called {name!r}", stacklevel=3)
        out.append(name)
    return out


def _check_classes(net: Any, labels: list[str], where: str) -> None:
    classes = net.classes()
    if classes is not None and classes != len(labels):
        raise CorruptFileError(f"{where}: the model has {classes} outputs but "
                               f"{len(labels)} class names were given")


def _converted(kind: str, digest: str, where: str, build_net: Callable[[], Any],
               labels: list[str]) -> Path:
    """The cached LiteRT file of a Keras or TF.js model (converted on first use)."""
    outputs = len(labels)

    def build() -> bytes:
        net, arrays = build_net()              # checks the topology before TensorFlow loads
        _check_classes(net, labels, where)
        quiet_tensorflow()
        return keras_to_tflite(build_keras(net, arrays, where))

    def check(path: Path) -> None:
        shapes = TFLiteRunner(path, num_threads=1).output_shapes()
        if len(shapes) != 1 or int(np.prod(shapes[0])) != outputs:
            raise ModelError(f"cached model {path.name} has outputs {shapes}")

    return cached_model(f"teachable-{kind}-{digest[:24]}-{CONVERTER_VERSION}", build, check)


def _load(export: Export, labels: Sequence[Any] | str | os.PathLike | None
          ) -> tuple[Path | bytes, list[str], dict[str, Any]]:
    """(the LiteRT model, the class names, metadata) of an export."""
    files = export.files
    where = files.path_of(export.model)
    info: dict[str, Any] = {}
    if export.format == "tflite":
        model = files.read(export.model, MAX_MODEL_BYTES)
        return model, _labels(export, labels, None), info
    if export.format == "keras":
        names = _labels(export, labels, None)
        raw = files.read(export.model, MAX_MODEL_BYTES)

        def keras_net() -> Any:
            topology, weights = read_h5(raw, where)
            net = parse_topology(topology, where)
            return net, match_weights(net, weights, where)

        digest = hashlib.sha256(raw).hexdigest()
        return _converted("keras", digest, where, keras_net, names), names, info
    meta = None
    if files.has("metadata.json"):
        meta = parse_metadata(files.read("metadata.json", MAX_LABELS_BYTES),
                              files.path_of("metadata.json"))
        info = dict(meta["info"], image_size=meta["image_size"], grayscale=meta["grayscale"])
    names = _labels(export, labels, meta)
    topology, weights, digest = read_tfjs(files, export.model)
    net = parse_topology(topology, where)         # checked now, even when cached
    arrays = match_weights(net, weights, where)
    _check_classes(net, names, where)
    if meta and meta["image_size"] and meta["image_size"] != net.input_shape[0]:
        raise CorruptFileError(f"{where}: metadata.json says imageSize {meta['image_size']}, "
                               f"the model takes {net.input_shape[0]}")
    path = _converted("tfjs", digest.hex(), where, lambda: (net, arrays), names)
    return path, names, info
