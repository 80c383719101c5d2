"""Image → feature vector: the frozen MobileNet (or your own model) run with LiteRT, and the
model's own classes (``classify``). ``classification()``, ``regression()`` and ``fine_tune()``
are filled by the training layer (:mod:`p5knn.features._trainers`)."""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from p5knn._base.errors import ModelError, P5KNNError
from p5knn._base.results import Classification
from p5knn.features import _images as images
from p5knn.features._runtime import TFLiteRunner, live_threads
from p5knn.features._trainers import trainer
from p5knn.live._background import Background
from p5knn.live._report import Callback, ErrorCallback
from p5knn.live._worker import Worker


def _softmax(values: np.ndarray) -> np.ndarray:
    shifted = np.exp(values - values.max())
    return shifted / shifted.sum()


class FeatureExtractor:
    """Turns images into feature vectors (:meth:`infer`) and, when the model has a head with
    class names, names them (:meth:`classify`). Create one with :func:`p5knn.feature_extractor`.

    Methods are thread-safe. The extractor owns one background worker, the thread that runs its
    model for background work (its own ``classify`` callbacks, and the KNN classifiers and heads
    built on it); :meth:`close` stops it.

    Parameters
    ----------
    runner : TFLiteRunner
        The model (anything with ``input_shape``, ``num_threads``, ``output_shapes()`` and
        ``run(tensor)``).
    name : str
        The model's name; stored with examples and heads to tell features apart.
    feature_output : int
        Which output of ``runner`` holds the features (spatial maps are average-pooled).
    head_output : int, optional
        Which output holds class scores, for :meth:`classify`.
    class_names : sequence of str, optional
        Names of the head's classes, in output order.
    preprocess : {"mobilenet", "unit", "raw"} or callable
        The model's input range.
    head_is_logits : bool
        True: softmax is applied to the head's outputs; False: they are probabilities.
    source : str, optional
        Where the model came from (shown by ``p5knn info``).
    runner_factory : callable, optional
        ``factory(threads)`` makes a runner with that many threads, for background work next
        to a sketch (see :attr:`live_threads`).
    sketch : py5 Sketch, optional
        Whose animation thread runs callbacks (class mode: ``self``); module mode finds it.
    callbacks : {"auto", "sketch", "worker"}
        Where callbacks run: the sketch's animation thread when one runs ("auto"), always
        there ("sketch"), or on the worker thread ("worker").

    Example
    -------
    >>> mobilenet = p5knn.feature_extractor()
    >>> mobilenet.infer(frame).shape
    (1024,)
    """

    def __init__(self, runner: TFLiteRunner, name: str, feature_output: int,
                 head_output: int | None = None, class_names: Sequence[str] | None = None,
                 preprocess: images.Preprocess = "mobilenet", head_is_logits: bool = True,
                 source: str | None = None,
                 runner_factory: Callable[[int], TFLiteRunner] | None = None, *,
                 sketch: Any = None, callbacks: str = "auto") -> None:
        self._runner = runner
        self._runner_factory = runner_factory
        self._live_runner: TFLiteRunner | None = None
        self.name = name
        self.source = source
        self._feature_output = feature_output
        self._head_output = head_output
        self._class_names = list(class_names) if class_names is not None else None
        self._head_is_logits = head_is_logits
        self.preprocess = preprocess
        self.input_size: tuple[int, int] = runner.input_shape[:2]
        if runner.input_shape[2] != 3:
            raise ModelError(f"model {name} takes {runner.input_shape[2]}-channel images; "
                             "p5knn feeds RGB (3 channels)")
        shape = runner.output_shapes()[feature_output]
        self.feature_size = int(shape[-1] if len(shape) == 4 else np.prod(shape[1:]))
        self._worker = Worker(f"p5knn-{name}")
        self._background = Background(f"p5knn-{name}", sketch, callbacks,
                                      on_sketch_end=self.close)

    def __repr__(self) -> str:
        return (f"FeatureExtractor({self.name!r}, feature_size={self.feature_size}, "
                f"input_size={self.input_size})")

    @property
    def class_names(self) -> list[str] | None:
        """Names of the model's own classes, in output order (None without a head)."""
        return None if self._class_names is None else list(self._class_names)

    @property
    def sketch(self) -> Any:
        """The sketch given at creation (None: module mode, or no sketch)."""
        return self._background.sketch

    @property
    def num_threads(self) -> int:
        """Threads LiteRT uses for one inference called directly (``infer``, ``classify``)."""
        return self._runner.num_threads

    @property
    def live_threads(self) -> int:
        """Threads LiteRT uses for background work (callbacks, ``classify_start``)."""
        return live_threads() if self._runner_factory else self._runner.num_threads

    @property
    def worker(self) -> Worker:
        """The background thread that runs this extractor's model; closed by :meth:`close`
        (a later background call starts it again)."""
        return self._worker

    def prepare(self, image: Any, bands: str = "RGB", crop: str | None = None) -> np.ndarray:
        """The network input for ``image``: resized and scaled.

        Parameters
        ----------
        image : array, PIL image, path, live source or py5 object
            The image.
        bands : str
            Channel order of an array: "RGB", "BGR", "RGBA", "BGRA" or "ARGB".
        crop : {None, "center"}
            "center" keeps the aspect ratio; None stretches.

        Returns
        -------
        numpy.ndarray
            float32, ``input_size`` × 3.

        Example
        -------
        >>> mobilenet.prepare(frame, bands="BGR").shape
        (224, 224, 3)
        """
        return images.prepare(image, self.input_size, bands, crop, self.preprocess)

    def _run(self, tensor: np.ndarray) -> list[np.ndarray]:
        if self._runner_factory and self._worker.is_current_thread():
            # Background work from a sketch: fewer threads, so the animation thread keeps a
            # core to itself (measured in benchmarks/bench_sketch.py).
            if self._live_runner is None:
                self._live_runner = self._runner_factory(live_threads())
            return self._live_runner.run(tensor)
        return self._runner.run(tensor)

    def _features_from(self, outputs: list[np.ndarray]) -> np.ndarray:
        out = outputs[self._feature_output][0]
        if out.ndim == 3:  # a spatial map: global-average-pool it
            out = out.mean(axis=(0, 1))
        vector = np.ascontiguousarray(out.reshape(-1), dtype=np.float32)
        if not np.isfinite(vector).all():
            raise ModelError(f"model {self.name} produced NaN/inf features")
        return vector

    def infer(self, image: Any, bands: str = "RGB", crop: str | None = None) -> np.ndarray:
        """The feature vector of one image.

        Parameters
        ----------
        image : array, PIL image, path, live source or py5 object
            The image.
        bands : str
            Channel order of an array: "RGB", "BGR", "RGBA", "BGRA" or "ARGB".
        crop : {None, "center"}
            "center" keeps the aspect ratio; None stretches.

        Returns
        -------
        numpy.ndarray
            float32, ``feature_size`` numbers.

        Example
        -------
        >>> mobilenet.infer("cat.png").shape
        (1024,)
        """
        return self._features_from(self._run(self.prepare(image, bands, crop)))

    def infer_batch(self, images_: Iterable[Any], bands: str = "RGB",
                    crop: str | None = None) -> np.ndarray:
        """The feature vectors of several images.

        Parameters
        ----------
        images_ : iterable
            Images of any supported kind.
        bands : str
            Channel order of arrays.
        crop : {None, "center"}
            "center" keeps the aspect ratio; None stretches.

        Returns
        -------
        numpy.ndarray
            float32, ``(N, feature_size)``. A bad image raises :class:`~p5knn.ImageError`
            naming its position.

        Example
        -------
        >>> mobilenet.infer_batch([cat, cup]).shape
        (2, 1024)
        """
        return images.infer_each(self.infer, images_, self.feature_size, bands, crop)

    def classify(self, image: Any, top_k: int = 5, bands: str = "RGB", crop: str | None = None,
                 *, callback: Callback | None = None, on_error: ErrorCallback | None = None,
                 wait: bool | None = None) -> Classification | Future:
        """The model's own guess for ``image``: its ``top_k`` most likely classes.

        Runs now and returns the answer, or — with ``callback`` (or ``on_error``), or when
        called from ``draw()`` — returns a ``Future`` at once and runs on the extractor's
        worker, the newest request winning; ``callback(result)`` then runs on the sketch's
        animation thread before a later ``draw()``. ``wait=True`` always runs now,
        ``wait=False`` always returns a ``Future``.

        Parameters
        ----------
        image : array, PIL image, path, live source or py5 object
            The image (copied at once when the call returns early).
        top_k : int
            How many classes to list.
        bands : str
            Channel order of an array.
        crop : {None, "center"}
            "center" keeps the aspect ratio; None stretches.
        callback : callable, optional
            ``callback(result)``, for a background call.
        on_error : callable, optional
            ``on_error(exception)`` when it fails in the background.
        wait : bool, optional
            Force running now (True) or in the background (False).

        Returns
        -------
        Classification or Future
            ``label`` and ``class_index`` (its index in :attr:`class_names`) of the most
            likely class; ``confidences`` maps the ``top_k`` class names to probabilities,
            most likely first (a name listed twice among the classes, like ImageNet's two
            "crane"s, keeps its more likely entry).

        Example
        -------
        >>> result = mobilenet.classify(cat, top_k=3)
        >>> result.label, round(result.confidence, 2)
        ('Egyptian cat', 0.94)
        >>> result.top(2)
        [('Egyptian cat', 0.94), ('tabby, tabby cat', 0.04)]
        """
        if self._head_output is None or self._class_names is None:
            raise P5KNNError(f"model {self.name} has no classification head with class names; "
                             "pass labels=... to feature_extractor() for a custom model")
        if int(top_k) < 1:
            raise ValueError(f"top_k must be at least 1, got {top_k}")
        return self._background.call(
            self._classify_now, image, bands, crop, int(top_k), worker=self._worker,
            callback=callback, on_error=on_error, wait=wait, latest=(id(self), "classify"),
            snap=(0, bands))

    def _classify_now(self, image: Any, bands: str, crop: str | None,
                      top_k: int) -> Classification:
        names = self._class_names or []
        scores = self._run(self.prepare(image, bands, crop))[self._head_output][0].reshape(-1)
        if len(scores) != len(names):
            raise ModelError(f"model {self.name} has {len(scores)} outputs but "
                             f"{len(names)} class names were given")
        probs = _softmax(scores) if self._head_is_logits else scores / max(scores.sum(), 1e-12)
        order = np.argsort(-probs, kind="stable")[:top_k]
        confidences: dict[Any, float] = {}
        for i in order:
            confidences.setdefault(names[i], float(probs[i]))
        best = int(order[0])
        return Classification(names[best], best, confidences)

    # ---------------------------------------------------------------- training (registered)
    def classification(self, **options: Any) -> Any:
        """A softmax head trained on this extractor's features (ml5's
        ``featureExtractor.classification()``); no need to say how many classes.

        Parameters
        ----------
        **options
            Options of :class:`p5knn.HeadClassifier` (``hidden_units``, ``epochs``,
            ``learning_rate``, ``batch_size``, ``seed``, ``sketch``, ``callbacks``).

        Returns
        -------
        HeadClassifier

        Example
        -------
        >>> head = mobilenet.classification(epochs=30)
        >>> head.add_image(frame, "cat")
        0
        """
        return trainer("classification")(self, **options)

    def regression(self, **options: Any) -> Any:
        """A regression head trained on this extractor's features (ml5's
        ``featureExtractor.regression()``): numbers or vectors as targets.

        Parameters
        ----------
        **options
            Options of :class:`p5knn.HeadRegressor`.

        Returns
        -------
        HeadRegressor

        Example
        -------
        >>> reg = mobilenet.regression()
        >>> reg.add_image(frame, [0.2, 0.8])
        0
        """
        return trainer("regression")(self, **options)

    def fine_tune(self, dataset: Any, labels: Sequence[Any] | None = None,
                  unfreeze_last: int = 6, epochs: int = 5,
                  callback: Callable[[int, float, float], Any] | None = None,
                  **options: Any) -> "FeatureExtractor":
        """Fine-tune MobileNet's last layers on your images: a new extractor whose
        ``classify`` answers with your labels and whose features suit them better.

        A new softmax head trains first (``head_epochs``), then the last ``unfreeze_last``
        convolution layers with it (``epochs``); BatchNorm layers stay frozen. It overfits on
        tiny data: measure it with ``p5knn eval --compare --fine-tune``.

        Parameters
        ----------
        dataset : folder, dict, pairs or images
            A folder with one sub-folder per class, a ``{label: [images]}`` dict,
            ``(image, label)`` pairs, or images with ``labels=``.
        labels : sequence, optional
            The labels of ``dataset``'s images, when it is a list of images.
        unfreeze_last : int
            Convolution layers (from the top) that train.
        epochs : int
            Epochs of the second phase.
        callback : callable, optional
            ``callback(epoch, loss, accuracy)`` after each epoch of both phases.
        **options
            ``learning_rate``, ``head_epochs``, ``batch_size``, ``augment``, ``seed``.

        Returns
        -------
        FeatureExtractor

        Example
        -------
        >>> tuned = mobilenet.fine_tune("my_photos/", epochs=5)
        >>> tuned.classify(frame).label
        'mug'
        """
        return trainer("fine_tune")(self, dataset, labels, unfreeze_last=unfreeze_last,
                                     epochs=epochs, callback=callback, **options)

    def close(self) -> None:
        """Stop the background worker after the work already queued (a later background call
        starts it again). Called by itself when the linked sketch ends.

        Example
        -------
        >>> mobilenet.close()
        """
        self._worker.close()
        self._background.close()
