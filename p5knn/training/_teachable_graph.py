"""A Teachable Machine network, from its Keras topology: checked in plain Python, then built
with Keras 3 layer by layer and given its weights by name.

Teachable Machine's image models are Keras-2-era topologies: an outer ``Sequential`` holding
a ``Sequential`` (the truncated MobileNet, a functional ``Model``, then global average
pooling or ``Flatten``) and a ``Sequential`` head (``Dense`` 100 ReLU, ``Dense`` softmax).
The TF.js ``model.json`` holds that topology as TF.js wrote it; ``keras_model.h5`` holds it as
TensorFlow 2.3's Keras rewrote it. Keras 3 cannot read either as is: ``DepthwiseConv2D``
configs carry a ``groups`` argument it refuses (Teachable Machine issue #403), nested
``Sequential`` models inside a ``Sequential`` do not deserialise, and TF.js's
``VarianceScaling`` initializers name a ``"normal"`` distribution it does not know. So p5knn
does not deserialise configs at all: :func:`parse_topology` reads the topology into a flat
list of known layers (an allowlist, every option type- and range-checked; initializers and
regularizers are ignored, the weights replace them), and :func:`build_keras` builds that
graph with Keras's functional API. Nothing in a file can name a Python class or function.

Weights are matched by name, ``<layer name>/<weight name>`` (``Conv1/kernel``,
``bn_Conv1/moving_mean``, ``expanded_conv_depthwise/depthwise_kernel``), the names both TF.js
and Keras 2 use, so the order they are stored in does not matter.

Here: the flat graph (:class:`Node`, :class:`Network`), :func:`parse_topology` and
:func:`match_weights`. Each layer's options are checked in
:mod:`p5knn.training._teachable_layers`; :func:`build_keras` is in
:mod:`p5knn.training._teachable_keras`.
"""

from __future__ import annotations

import collections
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from p5knn.training._teachable_layers import ACTIVATIONS as ACTIVATIONS
from p5knn.training._teachable_layers import (
    _bad,
    _check_dtype,
    _check_options,
    _dict,
    _int,
    _leaf,
    _list,
    _name,
)


MAX_LAYERS = 4096        #: most layers a network may have (MobileNetV2 has 155)
MAX_MODEL_NESTING = 8    #: models inside models (Teachable Machine uses 3 levels)
MAX_IMAGE_SIDE = 4096    #: largest input image side
MODELS = ("Sequential", "Functional", "Model")


@dataclass
class Node:
    """One layer of the flat graph."""

    kind: str                      #: its Keras class
    name: str                      #: its name in the file (weights are found by it)
    options: dict[str, Any]        #: checked constructor arguments for Keras 3
    inputs: list[int]              #: indices of the nodes it takes (-1: the image)
    weights: list[tuple[str, tuple[int | None, ...]]] = field(default_factory=list)
    """The weights it needs, in Keras 3's order: (file name suffix, shape; None: any)."""


@dataclass
class Network:
    """A checked topology: the image size and the layers, in an order that computes."""

    input_shape: tuple[int, int, int]   #: (height, width, channels)
    nodes: list[Node]
    output: int                          #: index of the node whose output is the answer

    def classes(self) -> int | None:
        """How many scores the network gives, when its last layer with a size says so (a
        ``Dense``, maybe followed by activations); None when only running it would tell."""
        index = self.output
        while index >= 0:
            node = self.nodes[index]
            if node.kind == "Dense":
                return int(node.options["units"])
            if node.kind not in ("Activation", "Softmax", "ReLU", "LeakyReLU"):
                return None
            index = node.inputs[0]
        return None


# ------------------------------------------------------------------------------ topology

def _shape_of(cfg: dict) -> Any:
    for key in ("batch_input_shape", "batch_shape"):
        if cfg.get(key) is not None:
            return cfg[key]
    return None


def _image_shape(value: Any, where: str) -> tuple[int, int, int]:
    shape = _list(value, "input shape", where)
    if len(shape) != 4 or shape[0] not in (None, 1):
        raise _bad(where, f"the input must be a batch of images [null, height, width, "
                          f"channels], got {shape}"[:300])
    height = _int(shape[1], 1, MAX_IMAGE_SIDE, "image height", where)
    width = _int(shape[2], 1, MAX_IMAGE_SIDE, "image width", where)
    channels = _int(shape[3], 1, 3, "channels", where)
    if channels == 2:
        raise _bad(where, "images must have 1 (grey) or 3 (RGB) channels")
    return height, width, channels


class _Parser:
    def __init__(self, where: str) -> None:
        self.where = where
        self.nodes: list[Node] = []
        self.input_shape: Any = None

    def layer(self, entry: Any, inputs: list[int], depth: int) -> int:
        """Add one layer config (a model or a leaf) fed by ``inputs``; its output node."""
        entry = _dict(entry, "a layer", self.where)
        kind = entry.get("class_name")
        cfg = entry.get("config")
        if kind in MODELS and isinstance(cfg, list):  # Keras 2.1: a Sequential's layer list
            cfg = {"layers": cfg}
        cfg = _dict(cfg, f"the config of {kind!r}"[:100], self.where)
        if not isinstance(kind, str):
            raise _bad(self.where, "a layer has no class_name")
        name = _name(cfg.get("name", entry.get("name", kind)), self.where)
        where = f"{self.where}: layer {name!r}"
        if kind in MODELS:
            if depth >= MAX_MODEL_NESTING:
                raise _bad(where, f"models nested more than {MAX_MODEL_NESTING} deep")
            return (self.sequential if kind == "Sequential" else self.functional)(
                cfg, inputs, depth + 1, where)
        if kind == "InputLayer":
            raise _bad(where, "an InputLayer can only start a model")
        if len(self.nodes) >= MAX_LAYERS:
            raise _bad(self.where, f"more than {MAX_LAYERS} layers")
        if self.input_shape is None and _shape_of(cfg) is not None:
            self.input_shape = _image_shape(_shape_of(cfg), where)
        opts, weights, keys = _leaf(kind, cfg, where)
        _check_options(kind, cfg, keys, where)
        merge = kind in ("Add", "Multiply", "Average", "Maximum", "Concatenate")
        if merge != (len(inputs) > 1) or (merge and len(inputs) > 64):
            raise _bad(where, f"{kind} takes {'2 to 64 inputs' if merge else 'one input'}, "
                              f"got {len(inputs)}")
        if kind == "Dropout":   # nothing at inference: the input goes on unchanged
            return inputs[0]
        self.nodes.append(Node(kind, name, opts, list(inputs), weights))
        return len(self.nodes) - 1

    def sequential(self, cfg: dict, inputs: list[int], depth: int, where: str) -> int:
        layers = _list(cfg.get("layers"), "layers", where)
        if not layers:
            raise _bad(where, "a Sequential model without layers")
        if len(inputs) != 1:
            raise _bad(where, "a Sequential model takes one input")
        current = inputs[0]
        for i, entry in enumerate(layers):
            entry = _dict(entry, "a layer", where)
            if entry.get("class_name") == "InputLayer":
                if i:
                    raise _bad(where, "an InputLayer can only start a model")
                self._input_layer(entry, where)
                continue
            current = self.layer(entry, [current], depth)
        return current

    def _input_layer(self, entry: dict, where: str) -> str:
        cfg = _dict(entry.get("config"), "InputLayer config", where)
        name = _name(cfg.get("name", entry.get("name", "input")), where)
        _check_dtype(cfg.get("dtype"), where)
        if cfg.get("sparse") or cfg.get("ragged"):
            raise _bad(where, "sparse or ragged inputs are not supported")
        shape = _shape_of(cfg)
        if self.input_shape is None and shape is not None:
            self.input_shape = _image_shape(shape, where)
        return name

    def functional(self, cfg: dict, inputs: list[int], depth: int, where: str) -> int:
        layers = _list(cfg.get("layers"), "layers", where)
        ins = _endpoints(cfg.get("input_layers"), "input_layers", where)
        outs = _endpoints(cfg.get("output_layers"), "output_layers", where)
        if len(ins) != 1 or len(outs) != 1 or len(inputs) != 1:
            raise _bad(where, "only models with one input and one output are supported")
        if len(layers) > MAX_LAYERS:
            raise _bad(where, f"more than {MAX_LAYERS} layers")
        done: dict[str, int] = {}
        pending: list[tuple[str, dict, list[str]]] = []
        seen: set[str] = set()
        for entry in layers:
            entry = _dict(entry, "a layer", where)
            lcfg = entry.get("config")
            lname = _name((lcfg if isinstance(lcfg, dict) else {}).get("name",
                                                                      entry.get("name")), where)
            if lname in seen:
                raise _bad(where, f"two layers are named {lname!r}"[:300])
            seen.add(lname)
            if entry.get("class_name") == "InputLayer":
                if lname != ins[0]:
                    raise _bad(where, f"input layer {lname!r} is not the model's input"[:300])
                self._input_layer(entry, where)
                done[lname] = inputs[0]
                continue
            pending.append((lname, entry, _inbound(entry.get("inbound_nodes"), where)))
        if ins[0] not in done:
            raise _bad(where, f"the model's input {ins[0]!r} is not one of its layers"[:300])
        # Kahn's algorithm: an order that computes, whatever order the file lists them in
        waiting = [len({src for src in p[2] if src not in done}) for p in pending]
        users: dict[str, list[int]] = {}
        for i, (_, _, sources) in enumerate(pending):
            for src in set(sources):
                users.setdefault(src, []).append(i)
        ready = collections.deque(i for i, count in enumerate(waiting) if not count)
        while ready:
            lname, entry, sources = pending[ready.popleft()]
            done[lname] = self.layer(entry, [done[s] for s in sources], depth)
            for j in users.get(lname, []):
                waiting[j] -= 1
                if not waiting[j]:
                    ready.append(j)
        if len(done) < len(pending) + 1:
            missing = sorted({s for p in pending for s in p[2] if s not in done})[:5]
            raise _bad(where, f"layers wait for inputs that never come: {missing} "
                              "(unknown names or a cycle)"[:300])
        if outs[0] not in done:
            raise _bad(where, f"the model's output {outs[0]!r} is not one of its layers"[:300])
        return done[outs[0]]


def _endpoints(value: Any, what: str, where: str) -> list[str]:
    """``input_layers``/``output_layers``: ``[[name, 0, 0], ...]`` or one ``[name, 0, 0]``."""
    items = _list(value, what, where)
    if items and isinstance(items[0], str):
        items = [items]
    names = []
    for item in items:
        item = _list(item, what, where)
        if len(item) != 3 or item[1:] != [0, 0]:
            raise _bad(where, f"{what} entries must be [name, 0, 0], got {item}"[:300])
        names.append(_name(item[0], where))
    return names


def _inbound(value: Any, where: str) -> list[str]:
    """The names of the layers feeding one layer, from Keras 2 / TF.js inbound nodes
    (``[[[name, 0, 0, {}], ...]]``) or Keras 3 ones (``[{"args": [...], "kwargs": {}}]``)."""
    nodes = _list(value, "inbound_nodes", where)
    if len(nodes) != 1:
        raise _bad(where, f"each layer must be used exactly once, one is used {len(nodes)} "
                          "times (shared layers are not supported)")
    node = nodes[0]
    if isinstance(node, dict):  # Keras 3
        tensors: list[Any] = []
        for arg in _list(node.get("args"), "args", where):
            tensors.extend(arg if isinstance(arg, list) else [arg])
        history = []
        for tensor in tensors:
            tensor = _dict(tensor, "an inbound tensor", where)
            cfg = _dict(tensor.get("config"), "an inbound tensor", where)
            history.append(_list(cfg.get("keras_history"), "keras_history", where))
    else:
        history = [_list(item, "an inbound tensor", where) for item in
                   _list(node, "an inbound node", where)]
    if not 1 <= len(history) <= 64:
        raise _bad(where, f"a layer takes 1 to 64 inputs, got {len(history)}")
    names = []
    for item in history:
        if len(item) not in (3, 4) or item[1:3] != [0, 0]:
            raise _bad(where, f"inbound tensors must be [name, 0, 0, {{}}], got {item}"[:300])
        names.append(_name(item[0], where))
    return names


def parse_topology(topology: Any, where: str) -> Network:
    """Check a Keras model config (Keras 2, Keras 3 or TF.js) and flatten it.

    Parameters
    ----------
    topology : dict
        ``{"class_name": ..., "config": ...}``, or TF.js's ``modelTopology`` (which may wrap
        it in ``model_config``).
    where : str
        The file, for messages.

    Returns
    -------
    Network
        Raises :class:`~p5knn.CorruptFileError` for anything it does not understand.

    Example
    -------
    >>> net = parse_topology(json.loads(raw)["modelTopology"], "model.json")
    >>> net.input_shape
    (224, 224, 3)
    """
    topology = _dict(topology, "the model topology", where)
    if "model_config" in topology:
        topology = _dict(topology["model_config"], "model_config", where)
    if topology.get("class_name") not in MODELS:
        raise _bad(where, f"the top of the topology must be a Sequential or functional model, "
                          f"got {topology.get('class_name')!r}"[:300])
    parser = _Parser(where)
    output = parser.layer(topology, [-1], 0)
    if output < 0:
        raise _bad(where, "the model computes nothing")
    if parser.input_shape is None:
        raise _bad(where, "the model does not say its input image size")
    names = [node.name for node in parser.nodes if node.weights]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise _bad(where, f"two layers with weights share the name {dup[0]!r}"[:300])
    return Network(parser.input_shape, parser.nodes, output)


# ------------------------------------------------------------------------------ weights

def normal_weight_name(name: str) -> str:
    """``"Conv1/kernel:0"`` → ``"Conv1/kernel"`` (Keras 2 adds the ``:0``)."""
    return re.sub(r":\d+$", "", name)


def match_weights(net: Network, weights: dict[str, np.ndarray],
                  where: str) -> list[list[np.ndarray]]:
    """Each node's weights, in Keras 3's order, found by name and checked for shape.

    A name is ``layer/weight``; a file whose names carry outer scopes
    (``sequential_1/Conv1/kernel``) matches on its last two parts when that is unambiguous.
    Every weight in the file must be used, and every weight the network needs must be there.

    Returns
    -------
    list of list of numpy.ndarray
        Parallel to ``net.nodes``. Raises :class:`~p5knn.CorruptFileError`.
    """
    by_short: dict[str, list[str]] = {}
    for full in weights:
        by_short.setdefault("/".join(full.split("/")[-2:]), []).append(full)
    used: set[str] = set()
    out: list[list[np.ndarray]] = []
    for node in net.nodes:
        arrays = []
        for suffix, shape in node.weights:
            key = f"{node.name}/{suffix}"
            if key not in weights:
                options = by_short.get(key, [])
                if len(options) != 1:
                    raise _bad(where, f"weight {key!r} is "
                                      f"{'missing' if not options else 'ambiguous'}"[:300])
                key = options[0]
            array = weights[key]
            if array.ndim != len(shape) or any(s is not None and s != d
                                               for s, d in zip(shape, array.shape)):
                want = [("?" if s is None else s) for s in shape]
                raise _bad(where, f"weight {key!r} has shape {list(array.shape)}, "
                                  f"the layer needs {want}"[:300])
            used.add(key)
            arrays.append(array)
        out.append(arrays)
    extra = sorted(set(weights) - used)
    if extra:
        raise _bad(where, f"{len(extra)} weight(s) belong to no layer, e.g. {extra[0]!r}"[:300])
    return out
