"""Training whole networks: fine-tuning MobileNet's top layers on your images, and (for the
comparison in ``p5knn eval --compare``) the same network trained from random weights.

Both use light augmentation (flips, shifts, zoom, brightness). Fine-tuning on a handful of
images overfits quickly: check it with ``p5knn eval --compare --fine-tune`` before you trust it.
"""

from __future__ import annotations

import hashlib
from typing import Any, Callable, Sequence

import numpy as np

from .errors import P5KNNError

EpochCallback = Callable[[int, float, float], Any]


def _keras() -> Any:
    from .convert import quiet_tensorflow

    quiet_tensorflow()
    import keras

    return keras


def stack_inputs(extractor: Any, images_: Sequence[Any], progress: Any = None) -> np.ndarray:
    """Preprocess images into one float32 ``(N, H, W, 3)`` batch."""
    h, w = extractor.input_size
    out = np.empty((len(images_), h, w, 3), np.float32)
    for i, image in enumerate(images_):
        out[i] = extractor.prepare(image)
        if progress:
            progress(i + 1)
    return out


def _augmentation(keras: Any, seed: int) -> Any:
    return keras.Sequential([
        keras.layers.RandomFlip("horizontal", seed=seed),
        keras.layers.RandomTranslation(0.1, 0.1, seed=seed),
        keras.layers.RandomZoom(0.15, seed=seed),
        keras.layers.RandomBrightness(0.2, value_range=(-1.0, 1.0), seed=seed),
    ], name="augment")


def _reporter(keras: Any, callback: EpochCallback | None) -> list:
    if callback is None:
        return []

    class Report(keras.callbacks.Callback):
        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            logs = logs or {}
            callback(epoch + 1, float(logs.get("loss", np.nan)),
                     float(logs.get("accuracy", np.nan)))

    return [Report()]


def _label_ids(labels: Sequence[Any]) -> tuple[list[Any], np.ndarray]:
    names = list(dict.fromkeys(labels))
    if len(names) < 2:
        raise ValueError("training needs images of at least two labels")
    index = {name: i for i, name in enumerate(names)}
    return names, np.array([index[label] for label in labels], np.int32)


def fine_tune(extractor: Any, images_: Sequence[Any], labels: Sequence[Any],
              unfreeze_last: int = 20, epochs: int = 5, callback: EpochCallback | None = None,
              learning_rate: float = 1e-4, batch_size: int = 16, augment: bool = True,
              seed: int = 0) -> Any:
    """Fine-tune MobileNet: the last ``unfreeze_last`` layers that hold weights are trained
    together with a new softmax head. Returns a new :class:`FeatureExtractor` whose ``infer``
    gives the fine-tuned 1024 features and whose ``classify`` answers with your labels."""
    if extractor.name != "mobilenet":
        raise P5KNNError("fine_tune() works on the built-in MobileNet extractor")
    if int(unfreeze_last) < 0 or int(epochs) < 1:
        raise ValueError("unfreeze_last must be ≥ 0 and epochs ≥ 1")
    keras = _keras()
    from .convert import keras_to_tflite
    from .features import FeatureExtractor
    from .mobilenet import build_keras_mobilenet
    from .runtime import TFLiteRunner

    names, y = _label_ids(labels)
    x = stack_inputs(extractor, images_)
    keras.utils.set_random_seed(seed)
    base = build_keras_mobilenet()
    backbone = keras.Model(base.input, base.outputs[0], name="backbone")
    weighted = [layer for layer in backbone.layers if layer.weights]
    for layer in backbone.layers:
        layer.trainable = False
    for layer in weighted[len(weighted) - int(unfreeze_last):] if unfreeze_last else []:
        layer.trainable = True
    inputs = keras.Input(x.shape[1:])
    h = _augmentation(keras, seed)(inputs) if augment else inputs
    features = backbone(h, training=False)  # BatchNorm keeps ImageNet statistics
    probs = keras.layers.Dense(len(names), activation="softmax", name="head")(
        keras.layers.Dropout(0.2)(features))
    model = keras.Model(inputs, probs)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=int(epochs), batch_size=min(batch_size, len(x)), shuffle=True,
              verbose=0, callbacks=_reporter(keras, callback))
    plain_in = keras.Input(x.shape[1:])
    plain_features = backbone(plain_in, training=False)
    plain_probs = model.get_layer("head")(plain_features)
    export = keras.Model(plain_in, [plain_features, plain_probs])
    flat = keras_to_tflite(export)
    digest = hashlib.sha256(flat).hexdigest()[:10]

    def factory(threads: int) -> TFLiteRunner:
        return TFLiteRunner(flat, num_threads=threads)

    runner = factory(0)
    return FeatureExtractor(runner, f"mobilenet-finetuned-{digest}", 0, 1, [str(n) for n in names],
                            "mobilenet", head_is_logits=False,
                            source=f"MobileNetV1 fine-tuned ({unfreeze_last} layers, "
                                   f"{epochs} epochs, {len(x)} images)",
                            runner_factory=factory)


class ScratchModel:
    """MobileNetV1 (same architecture) trained from random weights: no transfer."""

    def __init__(self, input_size: int = 224, epochs: int = 15, batch_size: int = 16,
                 learning_rate: float = 1e-3, augment: bool = True, seed: int = 0,
                 callback: EpochCallback | None = None) -> None:
        self.input_size, self.epochs, self.batch_size = input_size, epochs, batch_size
        self.learning_rate, self.augment, self.seed = learning_rate, augment, seed
        self.callback = callback
        self.model: Any = None
        self.labels: list[Any] = []

    def fit(self, x: np.ndarray, labels: Sequence[Any]) -> "ScratchModel":
        """Train on preprocessed inputs ``x`` (N, H, W, 3)."""
        keras = _keras()
        self.labels, y = _label_ids(labels)
        keras.utils.set_random_seed(self.seed)
        net = keras.applications.MobileNet(input_shape=x.shape[1:], weights=None,
                                           classes=len(self.labels), include_top=True)
        inputs = keras.Input(x.shape[1:])
        h = _augmentation(keras, self.seed)(inputs) if self.augment else inputs
        self.model = keras.Model(inputs, net(h))
        self.model.compile(optimizer=keras.optimizers.Adam(self.learning_rate),
                           loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        self.model.fit(x, y, epochs=self.epochs, batch_size=min(self.batch_size, len(x)),
                       shuffle=True, verbose=0, callbacks=_reporter(keras, self.callback))
        return self

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """Class probabilities for preprocessed inputs (batched; evaluation only)."""
        return np.asarray(self.model.predict(x, batch_size=32, verbose=0))
