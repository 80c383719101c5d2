"""Trained heads on frozen features, ml5 ``featureExtractor`` style.

    head = extractor.classification()          # or extractor.regression()
    head.add_image(frame, "cat")               # features are computed once, here
    head.train(epochs=20, callback=on_loss)    # background thread; on_loss(epoch, loss)
    head.classify(frame)                       # [("cat", 0.97), ("dog", 0.03)]

Training uses Keras (a hidden Dense layer with ReLU, then softmax or linear outputs, Adam);
predictions run the trained weights in numpy, microseconds per image, never ``model.predict``.
Heads save as one ``.keras`` file that plain Keras loads too, with p5knn's metadata inside;
``load`` validates a whole file before it changes anything (see :meth:`Head.load`).
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import zipfile
from concurrent.futures import Future
from pathlib import Path
from typing import Any, Callable, NamedTuple, Sequence

import numpy as np

from p5knn.features import _images as images
from p5knn._base.atomic import atomic_file
from p5knn._base.errors import CorruptFileError, EmptyClassifierError, FeatureSizeError
from p5knn.training._head_file import (META_NAME, HeadMismatchError, check_meta,  # noqa: F401 - re-export
                        keras_layout, load_network, read_head_file)
from p5knn.knn._classifier import clean_label, parse_target, to_vector
from p5knn.live._worker import Callback, ErrorCallback, Worker

LossCallback = Callable[[int, float], Any]


class Confidence(NamedTuple):
    """One label of a head's answer, ml5 style."""

    label: Any
    confidence: float


class _DenseNet:
    """The trained head as plain numpy arrays (fast, thread-safe to call)."""

    def __init__(self, weights: Sequence[np.ndarray], softmax: bool, meta: Any = None) -> None:
        self.w1, self.b1, self.w2, self.b2 = (np.asarray(w, np.float32) for w in weights)
        self.softmax = softmax
        self.meta = meta  #: what answers need with these weights (labels, or "scalar")

    def __call__(self, x: np.ndarray) -> np.ndarray:
        hidden = np.maximum(x @ self.w1 + self.b1, 0.0)
        out = hidden @ self.w2 + self.b2
        if self.softmax:
            out = np.exp(out - out.max(axis=-1, keepdims=True))
            out /= out.sum(axis=-1, keepdims=True)
        return out


class Head:
    """Common part of :class:`HeadClassifier` and :class:`HeadRegressor`."""

    task = "classification"

    def __init__(self, extractor: Any, hidden_units: int = 100, learning_rate: float = 1e-3,
                 epochs: int = 20, batch_size: int = 16, seed: int | None = 0,
                 sketch: Any = None, callbacks: str = "auto") -> None:
        if int(hidden_units) < 1 or int(epochs) < 1 or int(batch_size) < 1:
            raise ValueError("hidden_units, epochs and batch_size must be at least 1")
        if not float(learning_rate) > 0:
            raise ValueError(f"learning_rate must be positive, got {learning_rate}")
        self.extractor = extractor
        self.hidden_units = int(hidden_units)
        self.learning_rate = float(learning_rate)
        self.epochs = int(epochs)
        self.batch_size = int(batch_size)
        self.seed = seed
        self.sketch = sketch
        self.callbacks = callbacks
        self._features: list[np.ndarray] = []
        self._targets: list[Any] = []
        self._lock = threading.RLock()
        self._net: _DenseNet | None = None
        self._model: Any = None
        self._trainer: Worker | None = None
        self.losses: list[float] = []  #: loss after each epoch of the last training
        self.training = False

    # ------------------------------------------------------------ examples
    def __len__(self) -> int:
        return len(self._features)

    def _deliver(self):
        from p5knn.live._dispatch import deliverer

        return deliverer(self.sketch, self.callbacks)

    def _clean(self, target: Any) -> Any:
        raise NotImplementedError

    def add_image(self, image: Any, target: Any, *, callback: Callback | None = None,
                  on_error: ErrorCallback | None = None, bands: str = "RGB",
                  crop: str | None = None) -> int | Future:
        """Add an example (an image, or a feature vector of the extractor's length). With
        ``callback`` the feature extraction runs in the background; never dropped."""
        target = self._clean(target)
        if callback is None and on_error is None:
            return self._add_now(image, target, bands, crop)
        snap, snap_bands = images.snapshot(image, bands)
        return self.extractor.worker.submit(self._add_now, snap, target, snap_bands, crop,
                                            callback=callback, on_error=on_error,
                                            deliver=self._deliver())

    add_example = add_image  #: the KNN classifier's name for the same thing

    def _vector(self, image: Any, bands: str, crop: str | None) -> np.ndarray:
        """Features of an image, or a checked feature vector of the extractor's length."""
        if images.is_image_like(image):
            return self.extractor.infer(image, bands, crop)
        vector = to_vector(image)
        if len(vector) != self.extractor.feature_size:
            raise FeatureSizeError(f"feature vector has {len(vector)} numbers; "
                                   f"{self.extractor.name} gives {self.extractor.feature_size}")
        return vector

    def _add_now(self, image: Any, target: Any, bands: str, crop: str | None) -> int:
        vector = self._vector(image, bands, crop)
        with self._lock:
            self._features.append(vector)
            self._targets.append(target)
            return len(self._features) - 1

    def clear(self) -> None:
        """Forget every example (the trained weights stay until the next ``train``)."""
        with self._lock:
            self._features, self._targets = [], []

    # ------------------------------------------------------------ training
    def _training_data(self) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def _build(self, keras: Any, inputs: int) -> Any:
        raise NotImplementedError

    def train(self, epochs: int | None = None, callback: LossCallback | None = None, *,
              while_training: LossCallback | None = None, done: Callable[[Any], Any] | None = None,
              on_error: ErrorCallback | None = None, wait: bool = False) -> Future:
        """Train on every example added so far, on a background thread.

        ``callback(epoch, loss)`` (or ml5's name ``while_training``) is called after each
        epoch — on the sketch's animation thread when one runs — and ``done(head)`` at the
        end. Returns a ``Future`` of the loss history; ``wait=True`` blocks until trained.
        The first training imports TensorFlow (≈ 2 s, once).
        """
        epochs = int(epochs or self.epochs)
        if epochs < 1:
            raise ValueError(f"epochs must be at least 1, got {epochs}")
        x, y = self._training_data()  # validates now, in the caller's thread
        per_epoch = callback or while_training
        deliver = self._deliver()
        if self._trainer is None:
            self._trainer = Worker("p5knn-train")

        def report(epoch: int, loss: float) -> None:
            if per_epoch is not None:
                deliver(lambda pair: per_epoch(*pair), (epoch, loss), on_error)

        future = self._trainer.submit(self._fit, x, y, epochs, report,
                                      callback=(lambda _: done(self)) if done else None,
                                      on_error=on_error, deliver=deliver)
        if wait:
            future.result()
        return future

    def _fit(self, x: np.ndarray, y: np.ndarray, epochs: int,
             report: Callable[[int, float], None]) -> list[float]:
        from p5knn.features._convert import quiet_tensorflow

        quiet_tensorflow()
        import keras

        self.training = True
        try:
            if self.seed is not None:
                keras.utils.set_random_seed(self.seed)
            model = self._build(keras, x.shape[1])
            losses: list[float] = []

            class Progress(keras.callbacks.Callback):
                def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
                    loss = float((logs or {}).get("loss", float("nan")))
                    losses.append(loss)
                    report(epoch + 1, loss)

            model.fit(x, y, epochs=epochs, batch_size=min(self.batch_size, len(x)),
                      shuffle=True, verbose=0, callbacks=[Progress()])
            weights = [w for layer in model.layers for w in layer.get_weights()]
            self._commit(model, weights, {"losses": losses, **self._fitted()})
            return losses
        finally:
            self.training = False

    def _fitted(self) -> dict[str, Any]:
        """Attributes a finished training sets (subclasses)."""
        return {}

    def _commit(self, model: Any, weights: Sequence[np.ndarray], state: dict[str, Any]) -> None:
        """Swap in a network and the attributes that go with it, all at once."""
        net = _DenseNet(weights, self.task == "classification", self._net_meta(state))
        with self._lock:
            self._model, self._net = model, net
            for name, value in state.items():
                setattr(self, name, value)

    def _net_meta(self, state: dict[str, Any]) -> Any:
        return None

    @property
    def trained(self) -> bool:
        """True once ``train`` has finished at least once."""
        return self._net is not None

    def _outputs(self, image: Any, bands: str, crop: str | None) -> tuple[np.ndarray, Any]:
        """The network's outputs for ``image`` and the ``meta`` of that same network."""
        with self._lock:
            net = self._net
        if net is None:
            raise EmptyClassifierError("the head is not trained yet: add examples, then "
                                       "call train()")
        return net(self._vector(image, bands, crop)[None])[0], net.meta

    def _async(self, fn: Callable[..., Any], image: Any, bands: str, crop: str | None,
               callback: Callback | None, on_error: ErrorCallback | None) -> Future:
        snap, snap_bands = images.snapshot(image, bands)
        return self.extractor.worker.submit_latest((id(self), "predict"), fn, snap, snap_bands,
                                                   crop, callback=callback, on_error=on_error,
                                                   deliver=self._deliver())

    # ------------------------------------------------------------ saving
    def _meta(self) -> dict[str, Any]:
        return {"format": "p5knn-head", "task": self.task, "model": self.extractor.name,
                "feature_size": self.extractor.feature_size, "losses": self.losses}

    def save(self, path: str | os.PathLike) -> Path:
        """Save the trained head as one ``.keras`` file (plain Keras loads it; p5knn's labels
        and metadata ride along inside). Written atomically."""
        path = Path(path)
        if path.suffix != ".keras":
            raise ValueError(f"heads are saved as .keras files, got {path.name}")
        with self._lock:
            model, meta = self._model, self._meta()
        if model is None:
            raise EmptyClassifierError("nothing to save: train() the head first")
        with tempfile.TemporaryDirectory() as folder:
            tmp = Path(folder) / "head.keras"
            model.save(tmp)
            with zipfile.ZipFile(tmp, "a") as archive:
                archive.writestr(META_NAME, json.dumps(meta))
            with atomic_file(path) as handle:
                handle.write(tmp.read_bytes())
        return path

    def load(self, path: str | os.PathLike) -> "Head":
        """Load a head saved by :meth:`save` (checked against this head's extractor).

        The whole file is checked before anything changes: the zip (sizes, CRCs), the
        metadata (types and values, labels against the network's outputs), the Keras layout
        (Input → Dense relu → Dense, Keras classes only, feature size = input size) and the
        weights (shapes, finite values). Any problem raises :class:`CorruptFileError`
        (:class:`HeadMismatchError` for a head of another extractor) and leaves the head as it
        was. Raises ``FileNotFoundError`` when there is no such file."""
        path = Path(path)
        if not path.is_file():
            if path.exists():
                raise CorruptFileError(f"{path} is not a head file (a directory?)")
            raise FileNotFoundError(f"head file not found: {path}")
        data, meta, config = read_head_file(path)
        inputs, hidden, outputs = keras_layout(config, self.task, path)
        state = check_meta(meta, self.task, self.extractor, (inputs, outputs), path)
        self._commit(*load_network(data, (inputs, hidden, outputs), path), state)
        return self

    def close(self) -> None:
        """Stop the training thread."""
        if self._trainer is not None:
            self._trainer.close()


class HeadClassifier(Head):
    """A softmax classifier trained on features; no need to declare the classes up front."""

    task = "classification"

    def __init__(self, extractor: Any, **options: Any) -> None:
        super().__init__(extractor, **options)
        self.labels: list[Any] = []  #: the labels the trained head knows, in output order

    def _clean(self, target: Any) -> Any:
        return clean_label(target)

    def _training_data(self) -> tuple[np.ndarray, np.ndarray]:
        with self._lock:
            if not self._features:
                raise EmptyClassifierError("no examples to train on: add_image() first")
            labels = list(dict.fromkeys((type(t), t) for t in self._targets))
            if len(labels) < 2:
                raise ValueError("a classifier needs examples of at least two labels")
            index = {key: i for i, key in enumerate(labels)}
            y = np.array([index[(type(t), t)] for t in self._targets], np.int32)
            self._pending_labels = [t for _, t in labels]
            return np.stack(self._features), y

    def _build(self, keras: Any, inputs: int) -> Any:
        self._training_labels = self._pending_labels
        model = keras.Sequential([
            keras.Input((inputs,)),
            keras.layers.Dense(self.hidden_units, activation="relu"),
            keras.layers.Dense(len(self._training_labels), activation="softmax"),
        ])
        model.compile(optimizer=keras.optimizers.Adam(self.learning_rate),
                      loss="sparse_categorical_crossentropy")
        return model

    def _fitted(self) -> dict[str, Any]:
        return {"labels": list(self._training_labels)}

    def _net_meta(self, state: dict[str, Any]) -> Any:
        return tuple(state["labels"])

    def classify(self, image: Any, *, callback: Callback | None = None,
                 on_error: ErrorCallback | None = None, bands: str = "RGB",
                 crop: str | None = None) -> list[Confidence] | Future:
        """Every label with its softmax confidence, most confident first. With ``callback``
        it runs in the background (latest request wins)."""
        if callback is not None or on_error is not None:
            return self._async(self._classify_now, image, bands, crop, callback, on_error)
        return self._classify_now(image, bands, crop)

    def _classify_now(self, image: Any, bands: str, crop: str | None) -> list[Confidence]:
        probs, labels = self._outputs(image, bands, crop)
        order = np.argsort(-probs, kind="stable")
        return [Confidence(labels[i], float(probs[i])) for i in order]

    def _meta(self) -> dict[str, Any]:
        return {**super()._meta(), "labels": self.labels}


class HeadRegressor(Head):
    """A regressor trained on features: numbers or vectors (e.g. a slider's x, y)."""

    task = "regression"

    def __init__(self, extractor: Any, **options: Any) -> None:
        super().__init__(extractor, **options)
        self._width: int | None = None
        self._scalar = True

    def _clean(self, target: Any) -> Any:
        if isinstance(target, (int, np.integer)) and not isinstance(target, bool):
            target = float(target)
        kind, value = parse_target(target)
        if kind != "value":
            raise TypeError(f"a regression target must be a number or a vector of numbers, "
                            f"got {target!r}")
        row = np.atleast_1d(np.asarray(value, np.float64))
        with self._lock:
            if self._width is None or not self._features:
                self._width, self._scalar = len(row), isinstance(value, float)
            elif len(row) != self._width:
                raise ValueError(f"target has {len(row)} numbers, earlier ones have "
                                 f"{self._width}")
        return row

    def _training_data(self) -> tuple[np.ndarray, np.ndarray]:
        with self._lock:
            if len(self._features) < 2:
                raise EmptyClassifierError("a regressor needs at least two examples to train")
            return np.stack(self._features), np.stack(self._targets).astype(np.float32)

    def _build(self, keras: Any, inputs: int) -> Any:
        model = keras.Sequential([
            keras.Input((inputs,)),
            keras.layers.Dense(self.hidden_units, activation="relu"),
            keras.layers.Dense(self._width or 1),
        ])
        model.compile(optimizer=keras.optimizers.Adam(self.learning_rate), loss="mse")
        return model

    def predict(self, image: Any, *, callback: Callback | None = None,
                on_error: ErrorCallback | None = None, bands: str = "RGB",
                crop: str | None = None) -> float | np.ndarray | Future:
        """The predicted value (a number, or an array for vector targets)."""
        if callback is not None or on_error is not None:
            return self._async(self._predict_now, image, bands, crop, callback, on_error)
        return self._predict_now(image, bands, crop)

    def _predict_now(self, image: Any, bands: str, crop: str | None) -> float | np.ndarray:
        out, scalar = self._outputs(image, bands, crop)
        out = out.astype(np.float64)
        return float(out[0]) if scalar else out

    def _net_meta(self, state: dict[str, Any]) -> Any:
        return state.get("_scalar", self._scalar)

    def _meta(self) -> dict[str, Any]:
        return {**super()._meta(), "scalar": self._scalar, "width": self._width}
