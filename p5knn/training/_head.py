"""What every trained head shares: examples, training, files (ml5 ``featureExtractor`` style).

Background work follows p5knn's one rule (:mod:`p5knn.live._background`): a call with
``callback=`` (or ``on_error=``), or made from ``draw()``, returns a ``Future`` at once.
Images go through the extractor's worker (adds in order, never dropped; predictions
latest-wins); training runs on the head's own thread, after the adds queued before it.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import Future
from pathlib import Path
from typing import Any, Callable

import numpy as np

from p5knn._base.errors import CorruptFileError, EmptyClassifierError, FeatureSizeError
from p5knn.features import FeatureExtractor
from p5knn.features._images import is_image_like
from p5knn.knn._labels import to_vector
from p5knn.live._background import Background
from p5knn.live._report import Callback, ErrorCallback
from p5knn.training._head_file import (check_meta, keras_layout, load_network, read_head_file,
                                       write_head_file)
from p5knn.training._network import DenseNet, fit_network

LossCallback = Callable[[int, float], Any]


class Head:
    """What :class:`HeadClassifier` and :class:`HeadRegressor` share: examples, training,
    files. Create heads with ``extractor.classification()`` / ``extractor.regression()``.

    Parameters
    ----------
    extractor : FeatureExtractor
        Whose features the head learns from (and whose worker runs its image work).
    hidden_units : int
        Size of the hidden ReLU layer.
    learning_rate : float
        Adam's learning rate.
    epochs : int
        Default epochs of :meth:`train`.
    batch_size : int
        Examples per training step.
    seed : int or None
        Random seed of training (None: different every time).
    sketch : py5 Sketch, optional
        Whose animation thread runs callbacks (default: the extractor's; module mode finds
        it).
    callbacks : {"auto", "sketch", "worker"}
        Where callbacks run.

    Example
    -------
    >>> head = mobilenet.classification(hidden_units=50, epochs=30, seed=None)
    """

    task = "classification"

    def __init__(self, extractor: FeatureExtractor, hidden_units: int = 100,
                 learning_rate: float = 1e-3, epochs: int = 20, batch_size: int = 16,
                 seed: int | None = 0, sketch: Any = None, callbacks: str = "auto") -> None:
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
        sketch = sketch if sketch is not None else getattr(extractor, "sketch", None)
        self._background = Background("p5knn-train", sketch, callbacks)
        self._features: list[np.ndarray] = []
        self._targets: list[Any] = []
        self._lock = threading.RLock()
        self._queued = 0      # background adds not stored yet
        self._trainings = 0   # trainings asked for and not finished
        self._net: DenseNet | None = None
        self._model: Any = None
        self.losses: list[float] = []  #: loss after each epoch of the last training

    def __len__(self) -> int:
        """The number of examples stored (background adds count once they land)."""
        return len(self._features)

    @property
    def is_trained(self) -> bool:
        """True once a training has finished (or a head was loaded)."""
        return self._net is not None

    @property
    def is_training(self) -> bool:
        """True from a :meth:`train` call until that training has finished."""
        return self._trainings > 0

    @property
    def model(self) -> Any:
        """The trained Keras model (None before training); predictions do not use it."""
        return self._model

    # ------------------------------------------------------------ examples
    def _clean(self, target: Any) -> Any:
        raise NotImplementedError

    def add_image(self, image: Any, target: Any, *, bands: str = "RGB", crop: str | None = None,
                  callback: Callback | None = None, on_error: ErrorCallback | None = None,
                  wait: bool | None = None) -> int | Future:
        """Add one example: the features of an image (computed once, here) and its target.

        Runs now, or — with ``callback`` (or ``on_error``), or when called from ``draw()`` —
        returns a ``Future`` at once and runs on the extractor's worker, in call order and
        never dropped. ``wait=True`` always runs now, ``wait=False`` always returns a Future.

        Parameters
        ----------
        image : array, PIL image, path, live source, py5 object or feature vector
            The example (copied at once when the call returns early). A feature vector must
            have the extractor's length.
        target : str, int, number or vector
            A label (classifier) or a number or vector of numbers (regressor). Checked now.
        bands : str
            Channel order of an array: "RGB", "BGR", "RGBA", "BGRA" or "ARGB".
        crop : {None, "center"}
            "center" keeps the aspect ratio; None stretches.
        callback : callable, optional
            ``callback(index)`` once the example is stored.
        on_error : callable, optional
            ``on_error(exception)`` when it fails in the background.
        wait : bool, optional
            Force running now (True) or in the background (False).

        Returns
        -------
        int or Future
            The example's index.

        Example
        -------
        >>> head.add_image(frame, "cat")
        0
        """
        target = self._clean(target)
        if not self._background.returns_at_once(callback, on_error, wait):
            return self._add_now(image, bands, target, crop)
        with self._lock:
            self._queued += 1
        try:
            return self._background.call(self._add_queued, image, bands, target, crop,
                                         worker=self.extractor.worker, callback=callback,
                                         on_error=on_error, wait=False, snap=(0, bands))
        except BaseException:
            self._add_done()
            raise

    def _vector(self, image: Any, bands: str, crop: str | None) -> np.ndarray:
        """Features of an image, or a checked feature vector of the extractor's length."""
        if is_image_like(image):
            return self.extractor.infer(image, bands, crop)
        vector = to_vector(image)
        if len(vector) != self.extractor.feature_size:
            raise FeatureSizeError(f"feature vector has {len(vector)} numbers; "
                                   f"{self.extractor.name} gives {self.extractor.feature_size}")
        return vector

    def _add_now(self, image: Any, bands: str, target: Any, crop: str | None) -> int:
        vector = self._vector(image, bands, crop)
        with self._lock:
            self._features.append(vector)
            self._targets.append(target)
            return len(self._features) - 1

    def _add_queued(self, image: Any, bands: str, target: Any, crop: str | None) -> int:
        try:
            return self._add_now(image, bands, target, crop)
        finally:
            self._add_done()

    def _add_done(self) -> None:
        with self._lock:
            self._queued -= 1

    def clear(self) -> None:
        """Forget every example stored so far (the trained network stays until the next
        :meth:`train`).

        Example
        -------
        >>> head.clear(); len(head)
        0
        """
        with self._lock:
            self._features, self._targets = [], []

    # ------------------------------------------------------------ training
    def _training_data(self) -> tuple[np.ndarray, np.ndarray, int, dict[str, Any]]:
        """``(x, y, outputs, state)``: what to train on, and what the trained head keeps."""
        raise NotImplementedError

    def train(self, epochs: int | None = None, callback: LossCallback | None = None, *,
              while_training: LossCallback | None = None,
              done: Callable[[Any], Any] | None = None, on_error: ErrorCallback | None = None,
              wait: bool | None = None) -> list[float] | Future:
        """Train on every example added so far (including background adds still queued).

        Runs now, or — with ``callback``, ``done`` or ``on_error``, or when called from a
        sketch (``draw()``, ``key_pressed()``) — returns a ``Future`` at once and trains on the
        head's own thread. ``wait=True`` always runs now, ``wait=False`` always returns a
        Future. The first training imports TensorFlow (≈ 2 s, once). Predictions keep using
        the previous network until the new one is ready.

        Parameters
        ----------
        epochs : int, optional
            Passes over the examples (default: the head's ``epochs``).
        callback : callable, optional
            ``callback(epoch, loss)`` after each epoch, on the sketch's animation thread when
            one runs (ml5's ``whileTraining``); ``while_training=`` is the same.
        done : callable, optional
            ``done(head)`` once trained, where callbacks run.
        on_error : callable, optional
            ``on_error(exception)`` when training fails in the background.
        wait : bool, optional
            Force running now (True) or in the background (False).

        Returns
        -------
        list of float or Future
            The loss after each epoch.

        Example
        -------
        >>> future = head.train(epochs=20, callback=lambda epoch, loss: print(epoch, loss))
        """
        epochs = int(epochs or self.epochs)
        if epochs < 1:
            raise ValueError(f"epochs must be at least 1, got {epochs}")
        per_epoch = callback or while_training
        with self._lock:
            queued = self._queued
        if not queued:
            self._training_data()  # nothing on its way: check the examples here and now
        background = self._background.returns_at_once(per_epoch or done, on_error, wait)
        with self._lock:
            self._trainings += 1
        try:
            return self._background.call(self._train_now, epochs, per_epoch, done, on_error,
                                         on_error=on_error, wait=not background)
        except BaseException:
            if not background:  # ran now: _train_now has counted itself out
                raise
            with self._lock:
                self._trainings -= 1
            raise

    def _train_now(self, epochs: int, per_epoch: LossCallback | None,
                   done: Callable[[Any], Any] | None, on_error: ErrorCallback | None) -> list:
        try:
            if self._queued:  # adds queued before this training: let them land first
                self.extractor.worker.flush(None)
            x, y, outputs, state = self._training_data()

            def report(epoch: int, loss: float) -> None:
                if per_epoch is not None:
                    self._background.deliver_later(lambda pair: per_epoch(*pair),
                                                   (epoch, loss), on_error)

            model, weights, losses = fit_network(
                x, y, outputs, self.task == "classification", self.hidden_units,
                self.learning_rate, epochs, self.batch_size, self.seed, report)
            self._commit(model, weights, {**state, "losses": losses})
        finally:
            with self._lock:
                self._trainings -= 1
        if done is not None:
            self._background.deliver_later(done, self, on_error)
        return losses

    def _commit(self, model: Any, weights: list[np.ndarray], state: dict[str, Any]) -> None:
        """Swap in a network and the attributes that go with it, all at once."""
        net = DenseNet(weights, self.task == "classification", self._answer_meta(state))
        with self._lock:
            self._model, self._net = model, net
            self.losses = list(state["losses"])
            self._apply(state)

    def _answer_meta(self, state: dict[str, Any]) -> Any:
        """What answers need besides the network's outputs (labels, or "is it a number")."""
        raise NotImplementedError

    def _apply(self, state: dict[str, Any]) -> None:
        """Set the attributes a training or a loaded file gives (subclasses)."""

    def _require_trained(self) -> DenseNet:
        with self._lock:
            net = self._net
        if net is None:
            raise EmptyClassifierError("the head is not trained yet: add examples, then "
                                       "call train()")
        return net

    def _outputs(self, image: Any, bands: str, crop: str | None) -> tuple[np.ndarray, Any]:
        """The network's outputs for ``image`` and the answer meta of that same network."""
        net = self._require_trained()
        return net(self._vector(image, bands, crop)[None])[0], net.meta

    def _background_answer(self, fn: Callable[..., Any], image: Any, bands: str,
                           crop: str | None, callback: Callback | None,
                           on_error: ErrorCallback | None, wait: bool | None) -> Any:
        self._require_trained()
        return self._background.call(fn, image, bands, crop, worker=self.extractor.worker,
                                     callback=callback, on_error=on_error, wait=wait,
                                     latest=(id(self), "answer"), snap=(0, bands))

    # ------------------------------------------------------------ files
    def _meta(self) -> dict[str, Any]:
        return {"format": "p5knn-head", "task": self.task, "model": self.extractor.name,
                "feature_size": self.extractor.feature_size, "losses": self.losses}

    def save(self, path: str | os.PathLike) -> Path:
        """Save the trained head as one ``.keras`` file, atomically.

        Plain Keras loads the file too; p5knn's labels and metadata ride along inside.

        Parameters
        ----------
        path : str or os.PathLike
            Where; must end in ``.keras``.

        Returns
        -------
        Path

        Example
        -------
        >>> head.save("head.keras")
        PosixPath('head.keras')
        """
        if Path(path).suffix != ".keras":
            raise ValueError(f"heads are saved as .keras files, got {Path(path).name}")
        with self._lock:
            model, meta = self._model, self._meta()
        if model is None:
            raise EmptyClassifierError("nothing to save: train() the head first")
        return write_head_file(path, model, meta)

    def load(self, path: str | os.PathLike) -> "Head":
        """Load a head saved by :meth:`save`, trained on this head's extractor.

        The whole file is checked before anything changes: the zip (sizes, CRCs), the
        metadata (types and values, labels against the network's outputs), the Keras layout
        (Input → Dense relu → Dense, Keras classes only, feature size = input size) and the
        weights (shapes, finite values). Any problem leaves the head as it was.

        Parameters
        ----------
        path : str or os.PathLike
            A ``.keras`` head file.

        Returns
        -------
        Head
            This head.

        Raises
        ------
        FileNotFoundError
            When there is no such file.
        CorruptFileError
            For a damaged or hostile file (``HeadMismatchError``, also a
            ``FeatureSizeError``, for a head of another extractor).

        Example
        -------
        >>> head = mobilenet.classification().load("head.keras")
        """
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
        """Stop the training thread after the training already queued (a later ``train``
        starts it again). The extractor's worker belongs to the extractor.

        Example
        -------
        >>> head.close()
        """
        self._background.close()
