"""Build ImageNet MobileNetV1 1.0/224 as a Keras model from the shipped TF-slim weights.

The result has two outputs: the 1024 global-average-pooled ``conv_pw_13`` features and the
1000 ImageNet logits. TensorFlow is imported only here (and only when a model must be built).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from p5knn._base.errors import ModelError
from p5knn.features._weights import graph_path, keras_weights, read_slim_constants

INPUT_SIZE = 224
FEATURE_SIZE = 1024


def build_keras_mobilenet() -> Any:
    """Return a ``keras.Model`` mapping ``x/127.5-1`` images to ``[features, logits]``."""
    from p5knn.features._convert import quiet_tensorflow

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
    pooled = next(l for l in base.layers if isinstance(l, keras.layers.GlobalAveragePooling2D))
    features = keras.layers.Flatten(name="features")(pooled.output)
    logits = base.output
    return keras.Model(base.input, [features, logits], name="mobilenet_v1_1.0_224")
