"""A checked Teachable Machine network (:mod:`p5knn.training._teachable_graph`) built with
Keras 3's functional API, layer by layer, and given its weights: :func:`build_keras`
(imports TensorFlow when called).
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from p5knn._base.errors import ModelError
from p5knn.training._teachable_graph import Network, Node
from p5knn.training._teachable_layers import _bad


def _keras_layer(keras: Any, node: Node, index: int) -> Any:
    name = f"n{index:04d}_{re.sub(r'[^A-Za-z0-9_]', '_', node.name)[:48]}"
    return getattr(keras.layers, node.kind)(name=name, **node.options)


def build_keras(net: Network, arrays: list[list[np.ndarray]], where: str) -> Any:
    """The network as a Keras 3 functional model with its weights (imports TensorFlow).

    Parameters
    ----------
    net : Network
        From :func:`parse_topology`.
    arrays : list of list of numpy.ndarray
        From :func:`match_weights`.
    where : str
        The file, for messages.

    Returns
    -------
    keras.Model
        One image input, one output. Raises :class:`~p5knn.CorruptFileError` when the
        weights do not fit the layers (shapes that only the whole graph decides).
    """
    import keras

    image = keras.Input(shape=net.input_shape, name="image")
    tensors: list[Any] = []
    for index, (node, values) in enumerate(zip(net.nodes, arrays)):
        layer = _keras_layer(keras, node, index)
        args = [image if i < 0 else tensors[i] for i in node.inputs]
        try:
            tensors.append(layer(args if len(args) > 1 else args[0]))
            if values:
                layer.set_weights(values)
        except ValueError as exc:
            raise _bad(where, f"layer {node.name!r} ({node.kind}) does not fit: "
                              f"{' '.join(str(exc).split())}"[:400]) from exc
        except Exception as exc:
            raise ModelError(f"{where}: Keras cannot build layer {node.name!r}: {exc}") from exc
    output = tensors[net.output]
    if len(output.shape) != 2:
        raise _bad(where, f"the model's output must be one score per class, got shape "
                          f"{tuple(output.shape)}")
    return keras.Model(image, output, name="teachable_machine")
