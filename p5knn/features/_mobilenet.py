"""ImageNet MobileNetV1 1.0/224: built once as a Keras model from the shipped TF-slim weights,
converted to LiteRT and cached; then every start loads the cached model.

The model has two outputs: the 1024 global-average-pooled ``conv_pw_13`` features and the 1000
ImageNet logits. TensorFlow is imported only when the model must be built.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from p5knn._base.errors import ModelError
from p5knn.features._convert import keras_to_tflite, quiet_tensorflow
from p5knn.features._extractor import FeatureExtractor
from p5knn.features._model_cache import cached_model
from p5knn.features._runtime import TFLiteRunner
from p5knn.features._weights import graph_path, keras_weights, read_slim_constants

MOBILENET_NAMES = ("mobilenet", "mobilenet_v1", "mobilenetv1")  #: names it goes by
MOBILENET_KEY = "mobilenet_v1_1.0_224-imagenet-v1"  #: its name in the model cache
INPUT_SIZE = 224
SOURCE = "TF-slim MobileNetV1 1.0/224 ImageNet (PyPI nudity==0.2.3)"


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


def build_keras_mobilenet() -> Any:
    """MobileNetV1 1.0/224 as a Keras model with ImageNet weights.

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
    quiet_tensorflow()
    import keras

    base = keras.applications.MobileNet(
        input_shape=(INPUT_SIZE, INPUT_SIZE, 3), alpha=1.0, include_top=True,
        weights=None, classes=1000, classifier_activation=None,
    )
    mapping = keras_weights(read_slim_constants(graph_path()))
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


def _check(path: Path) -> None:
    runner = TFLiteRunner(path, num_threads=1)
    shapes = sorted(runner.output_shapes())
    if shapes != [(1, 1000), (1, 1024)]:
        raise ModelError(f"cached MobileNet has outputs {shapes}")
    probe = runner.run(np.zeros((224, 224, 3), np.float32))
    if not all(np.isfinite(p).all() for p in probe):
        raise ModelError("cached MobileNet gives NaN")


def _build() -> bytes:
    return keras_to_tflite(build_keras_mobilenet())


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
    path = cached_model(MOBILENET_KEY, _build, _check)
    runner = TFLiteRunner(path, num_threads=num_threads)

    def factory(threads: int) -> TFLiteRunner:
        return TFLiteRunner(path, num_threads=threads)

    shapes = runner.output_shapes()
    return FeatureExtractor(runner, "mobilenet", shapes.index((1, 1024)),
                            shapes.index((1, 1000)), imagenet_classes(), "mobilenet",
                            head_is_logits=True, source=SOURCE, runner_factory=factory,
                            sketch=sketch, callbacks=callbacks)
