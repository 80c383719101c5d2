"""Training whole networks: fine-tuning MobileNet's top layers on your images, and (for the
comparison in ``p5knn eval --compare``) the same network trained from random weights.

Both use light augmentation (flips, shifts, zoom, brightness). Fine-tuning on a handful of
images overfits quickly: check it with ``p5knn eval --compare --fine-tune`` before you trust it.
"""

from __future__ import annotations

import hashlib
from typing import Any, Callable, Sequence

import numpy as np

from p5knn._base.errors import P5KNNError
from p5knn.features import FeatureExtractor
from p5knn.features._convert import keras_to_tflite, quiet_tensorflow
from p5knn.features._mobilenet import build_keras_mobilenet
from p5knn.features._runtime import TFLiteRunner
from p5knn.training._dataset import as_pairs

EpochCallback = Callable[[int, float, float], Any]


def _keras() -> Any:
    quiet_tensorflow()
    import keras

    return keras


def stack_inputs(extractor: FeatureExtractor, images_: Sequence[Any],
                 progress: Callable[[int], Any] | None = None) -> np.ndarray:
    """Images as one batch of network inputs.

    Parameters
    ----------
    extractor : FeatureExtractor
        Whose input size and range to use.
    images_ : sequence
        Images of any supported kind.
    progress : callable, optional
        ``progress(done)`` after each image.

    Returns
    -------
    numpy.ndarray
        float32, ``(N, H, W, 3)``.

    Example
    -------
    >>> stack_inputs(mobilenet, [cat, cup]).shape
    (2, 224, 224, 3)
    """
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


def fine_tune(extractor: FeatureExtractor, dataset: Any, labels: Sequence[Any] | None = None,
              unfreeze_last: int = 6, epochs: int = 5, callback: EpochCallback | None = None,
              learning_rate: float = 1e-4, head_epochs: int = 5, batch_size: int = 16,
              augment: bool = True, seed: int = 0) -> FeatureExtractor:
    """Fine-tune MobileNet on your images (``extractor.fine_tune(...)`` calls this).

    Two phases: first a new softmax head alone (``head_epochs``, learning rate 1e-3), then the
    last ``unfreeze_last`` convolution layers together with it (``epochs``,
    ``learning_rate``), with flips, shifts, zoom and brightness augmentation. BatchNorm
    layers keep their ImageNet statistics (small batches would wreck them). The result is
    converted to LiteRT, so it runs as fast as MobileNet. It runs now, in the calling thread.

    Parameters
    ----------
    extractor : FeatureExtractor
        The built-in MobileNet extractor.
    dataset : folder, dict, pairs or images
        A folder with one sub-folder per class, a ``{label: [images]}`` dict,
        ``(image, label)`` pairs, or images with ``labels=``.
    labels : sequence, optional
        One label per image, when ``dataset`` is a list of images.
    unfreeze_last : int
        Convolution layers (from the top) that train in the second phase.
    epochs : int
        Epochs of the second phase.
    callback : callable, optional
        ``callback(epoch, loss, accuracy)`` after each epoch, both phases counted together.
    learning_rate : float
        Adam's learning rate in the second phase.
    head_epochs : int
        Epochs of the first phase (the new head alone).
    batch_size : int
        Images per training step.
    augment : bool
        Random flips, shifts, zoom and brightness while training.
    seed : int
        Random seed.

    Returns
    -------
    FeatureExtractor
        ``infer`` gives the fine-tuned 1024 features; ``classify`` answers with your labels.

    Example
    -------
    >>> tuned = mobilenet.fine_tune("my_photos/", unfreeze_last=6, epochs=5)
    >>> tuned.classify(frame).label
    'mug'
    """
    images_, labels = as_pairs(dataset, labels)
    if extractor.name != "mobilenet":
        raise P5KNNError("fine_tune() works on the built-in MobileNet extractor")
    if int(unfreeze_last) < 0 or int(epochs) < 0 or int(head_epochs) < 0 or \
            int(epochs) + int(head_epochs) < 1:
        raise ValueError("unfreeze_last, epochs and head_epochs must be ≥ 0 (and train ≥ 1 epoch)")
    keras = _keras()
    names, y = _label_ids(labels)
    x = stack_inputs(extractor, images_)
    keras.utils.set_random_seed(seed)
    base = build_keras_mobilenet()
    backbone = keras.Model(base.input, base.outputs[0], name="backbone")
    convs = [layer for layer in backbone.layers
             if isinstance(layer, (keras.layers.Conv2D, keras.layers.DepthwiseConv2D))]
    for layer in backbone.layers:
        layer.trainable = False
    inputs = keras.Input(x.shape[1:])
    h = _augmentation(keras, seed)(inputs) if augment else inputs
    features = backbone(h, training=False)
    probs = keras.layers.Dense(len(names), activation="softmax", name="head")(
        keras.layers.Dropout(0.2)(features))
    model = keras.Model(inputs, probs)
    done = [0]

    def phase(epochs_: int, rate: float) -> None:
        if epochs_ < 1:
            return
        model.compile(optimizer=keras.optimizers.Adam(rate),
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        report = None if callback is None else (
            lambda epoch, loss, accuracy: callback(done[0] + epoch, loss, accuracy))
        model.fit(x, y, epochs=int(epochs_), batch_size=min(batch_size, len(x)),
                  shuffle=True, verbose=0, callbacks=_reporter(keras, report))
        done[0] += int(epochs_)

    phase(head_epochs, 1e-3)
    if unfreeze_last:
        for layer in convs[-int(unfreeze_last):]:
            layer.trainable = True
    phase(epochs, learning_rate)
    plain_in = keras.Input(x.shape[1:])
    plain_features = backbone(plain_in, training=False)
    plain_probs = model.get_layer("head")(plain_features)
    flat = keras_to_tflite(keras.Model(plain_in, [plain_features, plain_probs]))
    digest = hashlib.sha256(flat).hexdigest()[:10]

    def factory(threads: int) -> TFLiteRunner:
        return TFLiteRunner(flat, num_threads=threads)

    return FeatureExtractor(factory(0), f"mobilenet-finetuned-{digest}", 0, 1,
                            [str(n) for n in names], "mobilenet", head_is_logits=False,
                            source=f"MobileNetV1 fine-tuned (last {unfreeze_last} conv layers, "
                                   f"{head_epochs}+{epochs} epochs, {len(x)} images)",
                            runner_factory=factory, sketch=extractor.sketch)


class ScratchModel:
    """MobileNetV1 (the same architecture) trained from random weights: no transfer. The
    baseline of ``p5knn eval --compare``.

    Parameters
    ----------
    input_size : int
        Side of the square input.
    epochs, batch_size, learning_rate : int, int, float
        Training settings (Adam).
    augment : bool
        Random flips, shifts, zoom and brightness while training.
    seed : int
        Random seed.
    callback : callable, optional
        ``callback(epoch, loss, accuracy)`` after each epoch.

    Example
    -------
    >>> model = ScratchModel(epochs=15).fit(stack_inputs(mobilenet, images), labels)
    >>> model.predict_proba(x).shape
    (10, 3)
    """

    def __init__(self, input_size: int = 224, epochs: int = 15, batch_size: int = 16,
                 learning_rate: float = 1e-3, augment: bool = True, seed: int = 0,
                 callback: EpochCallback | None = None) -> None:
        self.input_size, self.epochs, self.batch_size = input_size, epochs, batch_size
        self.learning_rate, self.augment, self.seed = learning_rate, augment, seed
        self.callback = callback
        self.model: Any = None
        self.labels: list[Any] = []

    def fit(self, x: np.ndarray, labels: Sequence[Any]) -> "ScratchModel":
        """Train on network inputs.

        Parameters
        ----------
        x : numpy.ndarray
            ``(N, H, W, 3)`` float32, as :func:`stack_inputs` makes them.
        labels : sequence
            One label per input.

        Returns
        -------
        ScratchModel
            This model, trained.

        Example
        -------
        >>> model = ScratchModel(epochs=1).fit(x, ["cat", "cup"])
        """
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
        """Class probabilities for network inputs (batched; evaluation only).

        Parameters
        ----------
        x : numpy.ndarray
            ``(N, H, W, 3)`` float32.

        Returns
        -------
        numpy.ndarray
            ``(N, classes)``, classes in the order of :attr:`labels`.

        Example
        -------
        >>> model.labels[model.predict_proba(x).argmax(axis=1)[0]]
        'cat'
        """
        return np.asarray(self.model.predict(x, batch_size=32, verbose=0))
