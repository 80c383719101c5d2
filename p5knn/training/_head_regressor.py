"""A regressor trained on features (ml5's ``featureExtractor.regression()``): numbers or
vectors as targets, such as a slider's position or a point's x and y."""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any

import numpy as np

from p5knn._base.errors import EmptyClassifierError
from p5knn.knn._labels import clean_target
from p5knn.live._report import Callback, ErrorCallback
from p5knn.training._head import Head


class HeadRegressor(Head):
    """A regressor trained on an extractor's features. Create one with
    ``extractor.regression(**options)``; options as :class:`HeadClassifier`.

    Every target has the same length: the first example's (a number counts as length 1).

    Example
    -------
    >>> reg = mobilenet.regression()
    >>> reg.add_image(left_frame, [0.0, 0.5]); reg.add_image(right_frame, [1.0, 0.5])
    >>> reg.train(wait=True)
    >>> reg.predict(frame)
    array([0.21, 0.49])
    """

    task = "regression"

    def __init__(self, extractor: Any, **options: Any) -> None:
        super().__init__(extractor, **options)
        self._width: int | None = None
        self._scalar = True

    @property
    def target_size(self) -> int | None:
        """Numbers per target (None before the first example or loaded file)."""
        return self._width

    @property
    def is_scalar(self) -> bool:
        """True when targets are single numbers: :meth:`predict` gives a float, not an array."""
        return self._scalar

    def _clean(self, target: Any) -> np.ndarray:
        value = clean_target(target)
        row = np.atleast_1d(np.asarray(value, np.float64))
        with self._lock:
            if self._width is None or not (self._features or self._queued):
                self._width, self._scalar = len(row), isinstance(value, float)
            elif len(row) != self._width:
                raise ValueError(f"target has {len(row)} numbers, earlier ones have "
                                 f"{self._width}")
        return row

    def _training_data(self) -> tuple[np.ndarray, np.ndarray, int, dict[str, Any]]:
        with self._lock:
            if len(self._features) < 2:
                raise EmptyClassifierError("a regressor needs at least two examples to train")
            x = np.stack(self._features)
            y = np.stack(self._targets).astype(np.float32)
            return x, y, y.shape[1], {"width": y.shape[1], "scalar": self._scalar}

    def _answer_meta(self, state: dict[str, Any]) -> Any:
        return state["scalar"]

    def _apply(self, state: dict[str, Any]) -> None:
        self._width, self._scalar = state["width"], state["scalar"]

    def predict(self, image: Any, *, bands: str = "RGB", crop: str | None = None,
                callback: Callback | None = None, on_error: ErrorCallback | None = None,
                wait: bool | None = None) -> float | np.ndarray | Future:
        """The trained head's value for ``image``.

        Runs now, or — with ``callback`` (or ``on_error``), or when called from ``draw()`` —
        returns a ``Future`` at once and runs on the extractor's worker, the newest request
        winning. ``wait=True`` always runs now, ``wait=False`` always returns a Future.

        Parameters
        ----------
        image : array, PIL image, path, live source, py5 object or feature vector
            The input (copied at once when the call returns early).
        bands : str
            Channel order of an array: "RGB", "BGR", "RGBA", "BGRA" or "ARGB".
        crop : {None, "center"}
            "center" keeps the aspect ratio; None stretches.
        callback : callable, optional
            ``callback(value)``, for a background call.
        on_error : callable, optional
            ``on_error(exception)`` when it fails in the background.
        wait : bool, optional
            Force running now (True) or in the background (False).

        Returns
        -------
        float, numpy.ndarray or Future
            A number when targets were numbers (:attr:`is_scalar`), else a float64 array.
            Raises :class:`~p5knn.EmptyClassifierError` before training.

        Example
        -------
        >>> reg.predict(frame)
        array([0.21, 0.79])
        """
        return self._background_answer(self._predict_now, image, bands, crop, callback,
                                       on_error, wait)

    def _predict_now(self, image: Any, bands: str, crop: str | None) -> float | np.ndarray:
        out, scalar = self._outputs(image, bands, crop)
        out = out.astype(np.float64)
        return float(out[0]) if scalar else out

    def _meta(self) -> dict[str, Any]:
        return {**super()._meta(), "scalar": self._scalar, "width": self._width}
