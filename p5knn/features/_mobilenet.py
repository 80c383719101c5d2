"""ImageNet MobileNetV1 1.0/224, shipped converted: ``models/mobilenet_v1_1.0_224.tflite``.

The model has two outputs: the 1024 global-average-pooled ``conv_pw_13`` features and the 1000
ImageNet logits. Starting it reads the shipped file, checks its SHA-256 and hands those very
bytes to LiteRT: no TensorFlow, no conversion, no cache (about 0.1 s).

TensorFlow is imported only for the Keras model (:func:`build_keras_mobilenet`, for
fine-tuning): it is rebuilt from the shipped model's weights and batch-norm statistics, and
``scripts/build_mobilenet.py`` builds it from the original TF-slim graph
(:func:`keras_mobilenet_from_graph`).
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from p5knn._base.errors import ModelError
from p5knn.features._extractor import FeatureExtractor
from p5knn.features._runtime import TFLiteRunner, model_constants, quiet_tensorflow
from p5knn.features._weights import (
    NUM_BLOCKS,
    batch_norm_statistics,
    graph_path,
    keras_weights,
    mobilenet_manifest,
    read_slim_constants,
    shipped_bytes,
)

MOBILENET_NAMES = ("mobilenet", "mobilenet_v1", "mobilenetv1")  #: names it goes by
#: its name in the model cache of p5knn before 0.2 (MobileNet now ships converted); kept
#: for code that still names it
MOBILENET_KEY = "mobilenet_v1_1.0_224-imagenet-v1"
INPUT_SIZE = 224
SOURCE = "TF-slim MobileNetV1 1.0/224 ImageNet, shipped with p5knn (models/MOBILENET.json)"
BN_EPSILON = 1e-3  #: Keras MobileNet's (and TF-slim's) batch-norm epsilon
#: Keras layer names of the convolutions, in the order the model runs them
CONV_LAYERS = ("conv1", *[f"conv_{kind}_{block}" for block in range(1, NUM_BLOCKS + 1)
                          for kind in ("dw", "pw")], "conv_preds")


def imagenet_classes() -> list[str]:
    """The 1000 ImageNet class names, in the order of MobileNet's outputs.

    Returns
    -------
    list of str

    Example
    -------
    >>> p5knn.imagenet_classes()[285]
    'Egyptian cat'
    """
    data = resources.files("p5knn").joinpath("data/imagenet_classes.json").read_text("utf-8")
    return json.loads(data)["classes"]


def keras_mobilenet(mapping: dict[str, list[np.ndarray]]) -> Any:
    """MobileNetV1 1.0/224 as a Keras model with the given weights (imports TensorFlow).

    Parameters
    ----------
    mapping : dict
        Keras layer name → weights, as :func:`~p5knn.features._weights.keras_weights` or
        :func:`shipped_keras_weights` give them.

    Returns
    -------
    keras.Model
        Maps ``x / 127.5 - 1`` images (224×224×3) to ``[features (1024), logits (1000)]``.
    """
    quiet_tensorflow()
    import keras

    base = keras.applications.MobileNet(
        input_shape=(INPUT_SIZE, INPUT_SIZE, 3), alpha=1.0, include_top=True,
        weights=None, classes=1000, classifier_activation=None,
    )
    for name, values in mapping.items():
        layer = base.get_layer(name)
        expected = [tuple(w.shape) for w in layer.get_weights()]
        got = [tuple(v.shape) for v in values]
        if expected != got:
            raise ModelError(f"MobileNet layer {name}: weights {got} do not fit {expected}")
        layer.set_weights([np.asarray(v, dtype=np.float32) for v in values])
    pooled = next(layer for layer in base.layers
                  if isinstance(layer, keras.layers.GlobalAveragePooling2D))
    features = keras.layers.Flatten(name="features")(pooled.output)
    logits = base.output
    return keras.Model(base.input, [features, logits], name="mobilenet_v1_1.0_224")


def shipped_keras_weights(model: bytes | None = None,
                          statistics: dict[str, np.ndarray] | None = None
                          ) -> dict[str, list[np.ndarray]]:
    """The original Keras weights, recovered from the shipped (converted) model.

    TensorFlow's converter folds each batch norm into the convolution before it: kernel ×
    γ/√(σ² + ε) and bias β − μ·γ/√(σ² + ε). With the statistics (γ, β, μ, σ²) shipped beside the
    model, the kernels are unfolded again, and each folded bias is checked against them.

    Parameters
    ----------
    model : bytes, optional
        A converted MobileNet (default: the shipped, verified one).
    statistics : dict, optional
        Its batch-norm statistics (default: the shipped ones).

    Returns
    -------
    dict
        Keras layer name → weights, for :func:`keras_mobilenet`.

    Example
    -------
    >>> shipped_keras_weights()["conv1"][0].shape
    (3, 3, 3, 32)
    """
    ops = model_constants(shipped_bytes("model") if model is None else model)
    stats = batch_norm_statistics() if statistics is None else statistics
    convs = [(name, inputs) for name, inputs in ops
             if name in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED")]
    if len(convs) != len(CONV_LAYERS):
        raise ModelError(f"the MobileNet model has {len(convs)} convolutions, not "
                         f"{len(CONV_LAYERS)}")
    mapping: dict[str, list[np.ndarray]] = {}
    for layer, (op, inputs) in zip(CONV_LAYERS, convs):
        if len(inputs) < 3 or inputs[1] is None or inputs[2] is None:
            raise ModelError(f"MobileNet layer {layer}: weights missing from the model")
        weights, bias = inputs[1].astype(np.float64), inputs[2].astype(np.float64)
        if op == "FULLY_CONNECTED":                      # (out, in) → (1, 1, in, out)
            kernel = weights.T[None, None]
        else:                                            # OHWI / 1HWC → HWIO / HWC1
            kernel = weights.transpose(1, 2, 3, 0)
        if layer == "conv_preds":
            mapping[layer] = [kernel.astype(np.float32), bias.astype(np.float32)]
            continue
        try:
            gamma, beta, mean, variance = (stats[f"{layer}_bn/{k}"].astype(np.float64) for k in
                                           ("gamma", "beta", "moving_mean", "moving_variance"))
        except KeyError as exc:
            raise ModelError(f"MobileNet batch-norm statistics lack {exc}") from None
        scale = gamma / np.sqrt(variance + BN_EPSILON)
        channels = kernel.shape[2] if op == "DEPTHWISE_CONV_2D" else kernel.shape[3]
        if scale.shape != (channels,) or not np.all(np.abs(scale) > 1e-12):
            raise ModelError(f"MobileNet layer {layer}: batch-norm statistics do not fit")
        if not np.allclose(bias, beta - mean * scale, rtol=1e-4, atol=1e-5):
            raise ModelError(f"MobileNet layer {layer}: batch-norm statistics do not match "
                             "the model (a model and statistics from different builds?)")
        unfolded = kernel / (scale[:, None] if op == "DEPTHWISE_CONV_2D" else scale)
        mapping[layer] = [unfolded.astype(np.float32)]
        mapping[f"{layer}_bn"] = [v.astype(np.float32) for v in (gamma, beta, mean, variance)]
    return mapping


def build_keras_mobilenet() -> Any:
    """MobileNetV1 1.0/224 as a Keras model with ImageNet weights (imports TensorFlow), rebuilt
    from the shipped model: the same layers and weights as the TF-slim original.

    Returns
    -------
    keras.Model
        Maps ``x / 127.5 - 1`` images (224×224×3) to ``[features (1024), logits (1000)]``.

    Example
    -------
    >>> model = build_keras_mobilenet()       # imports TensorFlow
    >>> [tuple(o.shape) for o in model.outputs]
    [(None, 1024), (None, 1000)]
    """
    return keras_mobilenet(shipped_keras_weights())


def keras_mobilenet_from_graph(path: Path | None = None) -> Any:
    """MobileNetV1 1.0/224 as a Keras model built from the original TF-slim graph (build time:
    needs PyPI ``nudity==0.2.3``, the ``build`` extra).

    Parameters
    ----------
    path : Path, optional
        The frozen graph (default: :func:`~p5knn.features._weights.graph_path`).

    Returns
    -------
    keras.Model
    """
    return keras_mobilenet(keras_weights(read_slim_constants(path or graph_path())))


def _check(runner: TFLiteRunner) -> None:
    shapes = sorted(runner.output_shapes())
    if shapes != [(1, 1000), (1, 1024)]:
        raise ModelError(f"p5knn's MobileNet has outputs {shapes}; reinstall p5knn")


def mobilenet(num_threads: int | None = None, *, sketch: Any = None,
              callbacks: str = "auto") -> FeatureExtractor:
    """The ImageNet MobileNetV1 1.0/224 extractor: 1024 features and the 1000 ImageNet classes.

    Parameters
    ----------
    num_threads : int, optional
        LiteRT threads for direct calls (default: every core, or ``P5KNN_THREADS``).
    sketch : py5 Sketch, optional
        Whose animation thread runs callbacks (class mode: ``self``).
    callbacks : {"auto", "sketch", "worker"}
        Where callbacks run.

    Returns
    -------
    FeatureExtractor

    Example
    -------
    >>> mobilenet(num_threads=1).feature_size
    1024
    """
    model = shipped_bytes("model")  # checked against MOBILENET.json; LiteRT reads these bytes
    runner = TFLiteRunner(model, num_threads=num_threads)
    _check(runner)

    def factory(threads: int) -> TFLiteRunner:
        return TFLiteRunner(model, num_threads=threads)

    shapes = runner.output_shapes()
    source = f"{SOURCE}, sha256 {mobilenet_manifest()['files']['model']['sha256'][:16]}…"
    return FeatureExtractor(runner, "mobilenet", shapes.index((1, 1024)),
                            shapes.index((1, 1000)), imagenet_classes(), "mobilenet",
                            head_is_logits=True, source=source, runner_factory=factory,
                            sketch=sketch, callbacks=callbacks)
