"""A softmax classifier trained on features (ml5's ``featureExtractor.classification()``)."""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any

import numpy as np

from p5knn._base.errors import EmptyClassifierError
from p5knn._base.results import Classification, Label
from p5knn.knn._labels import clean_label
from p5knn.live._report import Callback, ErrorCallback
from p5knn.training._head import Head


class HeadClassifier(Head):
    """A softmax classifier trained on an extractor's features; no need to declare the
    classes up front. Create one with ``extractor.classification(**options)``.

    Parameters are those of :class:`~p5knn.training._head.Head`: ``extractor``,
    ``hidden_units=100``, ``learning_rate=1e-3``, ``epochs=20``, ``batch_size=16``,
    ``seed=0``, ``sketch=None``, ``callbacks="auto"``.

    Example
    -------
    >>> head = mobilenet.classification(epochs=30)
    >>> head.add_image(cat_frame, "cat"); head.add_image(cup_frame, "cup")
    >>> head.train(wait=True)
    >>> head.classify(frame).label
    'cat'
    """

    task = "classification"

    def __init__(self, extractor: Any, **options: Any) -> None:
        super().__init__(extractor, **options)
        self.labels: list[Label] = []  #: the labels the trained head knows, in class order

    def _clean(self, target: Any) -> Label:
        return clean_label(target)

    def _training_data(self) -> tuple[np.ndarray, np.ndarray, int, dict[str, Any]]:
        with self._lock:
            if not self._features:
                raise EmptyClassifierError("no examples to train on: add_image() first")
            keys = list(dict.fromkeys((type(t), t) for t in self._targets))
            if len(keys) < 2:
                raise ValueError("a classifier needs examples of at least two labels")
            index = {key: i for i, key in enumerate(keys)}
            y = np.array([index[(type(t), t)] for t in self._targets], np.int32)
            x = np.stack(self._features)
        return x, y, len(keys), {"labels": [t for _, t in keys]}

    def _answer_meta(self, state: dict[str, Any]) -> Any:
        return tuple(state["labels"])

    def _apply(self, state: dict[str, Any]) -> None:
        self.labels = list(state["labels"])

    def classify(self, image: Any, *, bands: str = "RGB", crop: str | None = None,
                 callback: Callback | None = None, on_error: ErrorCallback | None = None,
                 wait: bool | None = None) -> Classification | Future:
        """The trained head's answer for ``image``, with every label's confidence.

        Runs now, or — with ``callback`` (or ``on_error``), or when called from ``draw()`` —
        returns a ``Future`` at once and runs on the extractor's worker, the newest request
        winning; ``callback(result)`` then runs on the sketch's animation thread before a
        later ``draw()``. ``wait=True`` always runs now, ``wait=False`` always returns a
        Future.

        Parameters
        ----------
        image : array, PIL image, path, live source, py5 object or feature vector
            What to classify (copied at once when the call returns early).
        bands : str
            Channel order of an array: "RGB", "BGR", "RGBA", "BGRA" or "ARGB".
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
            ``label`` (the most likely), its ``class_index`` in :attr:`labels`, and
            ``confidences``: every label's softmax probability, in class order (``top()``
            sorts them). Raises :class:`~p5knn.EmptyClassifierError` before training.

        Example
        -------
        >>> result = head.classify(frame)
        >>> result.label, result.top()
        ('cat', [('cat', 0.97), ('cup', 0.03)])
        """
        return self._background_answer(self._classify_now, image, bands, crop, callback,
                                       on_error, wait)

    def _classify_now(self, image: Any, bands: str, crop: str | None) -> Classification:
        probs, labels = self._outputs(image, bands, crop)
        best = int(np.argmax(probs))
        return Classification(labels[best], best,
                              {label: float(p) for label, p in zip(labels, probs)})

    def _meta(self) -> dict[str, Any]:
        return {**super()._meta(), "labels": self.labels}
