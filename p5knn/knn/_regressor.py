"""KNN regression: the (weighted) mean of the k nearest examples' numbers or vectors.

    reg = p5knn.knn_regressor.create(k=3, weights="distance")
    reg.add_example(frame, [mouse_x / width, mouse_y / height])
    reg.predict(frame).value                 # array([0.41, 0.72])
"""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any, Iterable, Sequence

import numpy as np

from p5knn._base.errors import CorruptFileError, EmptyClassifierError
from p5knn._base.results import Neighbor, RegressionResult
from p5knn.features import FeatureExtractor
from p5knn.knn._examples import ExampleSet
from p5knn.knn._saved import SavedData
from p5knn.knn._labels import clean_target
from p5knn.knn._math import average
from p5knn.knn._options import WEIGHTS, Options, check_count
from p5knn.live._report import Callback, ErrorCallback


class KNNRegressor(ExampleSet):
    """K-nearest-neighbour regression over images or feature vectors: every example has a
    number or a vector of numbers as its target. Made by :func:`p5knn.knn_regressor.create`
    (or returned by :func:`p5knn.knn_classifier.load` for a regression file)."""

    _task = "regression"

    def __init__(self, extractor: FeatureExtractor | str | None, options: Options,
                 explicit: set[str], **settings: Any) -> None:
        super().__init__(extractor, options, explicit, name="p5knn-regressor", **settings)

    def _reset_task(self) -> None:
        self._targets = np.empty((0, 0))         # target rows, in store order
        self._scalar = True                      # targets are plain numbers, not vectors

    def __repr__(self) -> str:
        width = self._targets.shape[1] if len(self) else 0
        return (f"KNNRegressor({len(self)} examples, targets of {width}, k={self.k}, "
                f"metric={self.metric!r})")

    def _check_target(self, target: float | np.ndarray) -> None:
        if len(self) == 0:
            return
        width = np.atleast_1d(target).size
        if width != self._targets.shape[1] or isinstance(target, float) != self._scalar:
            raise ValueError(f"regression target {target!r} does not match the stored ones "
                             f"({'numbers' if self._scalar else 'vectors'} of "
                             f"{self._targets.shape[1]})")

    # ------------------------------------------------------------------- adding
    def add_example(self, x: Any, target: Any, *, bands: str | None = None,
                    crop: str | None = None, callback: Callback | None = None,
                    on_error: ErrorCallback | None = None,
                    wait: bool | None = None) -> int | Future:
        """Add one example: an image or a feature vector, with a number or a vector of
        numbers as its target.

        Parameters
        ----------
        x : image or feature vector
        target : float or sequence of float
            Every example of a regressor has the same kind of target.
        bands, crop, callback, on_error, wait
            As in :meth:`p5knn.KNNClassifier.add_example`.

        Returns
        -------
        int or Future
            The example's index (a ``Future`` of it by the live rule).

        Example
        -------
        >>> reg.add_example([0.5], 10.0)
        0
        """
        target = clean_target(target)
        with self._lock:
            self._check_target(target)
        return self._live.call(self._add_now, x, bands or self.bands, target, crop,
                               worker=lambda: self._worker_for(x), callback=callback,
                               on_error=on_error, wait=wait, snap=(0, bands or self.bands))

    def _add_row(self, vector: np.ndarray, target: Any, thumb: Any) -> int:
        """Store one checked row with its target (lock held); on error nothing changed."""
        self._check_dim(len(vector), "feature vector")
        self._store.check_rows(vector)
        self._check_target(target)
        row = np.atleast_1d(np.asarray(target, np.float64))
        n = len(self)
        targets = self._targets
        if n == 0:
            targets = np.empty((64, len(row)))
        elif n >= len(targets):
            targets = np.empty((2 * len(targets), targets.shape[1]))
            targets[:n] = self._targets[:n]
        index = self._store_row(vector, 0, thumb)
        if n == 0:
            self._scalar = isinstance(target, float)
        self._targets = targets
        self._targets[n] = row
        return index

    def add_examples(self, xs: Iterable[Any], targets: Sequence[Any], *,
                     bands: str | None = None, crop: str | None = None,
                     wait: bool | None = None) -> list[int] | Future:
        """Add many examples, all or nothing (see
        :meth:`p5knn.KNNClassifier.add_examples`); ``targets``: one per example."""
        return self._add_many(list(xs), [clean_target(t) for t in targets], bands, crop, wait)

    # --------------------------------------------------------------- predicting
    def predict(self, x: Any, k: int | None = None, *, callback: Callback | None = None,
                on_error: ErrorCallback | None = None, wait: bool | None = None,
                bands: str | None = None, crop: str | None = None,
                weights: str | None = None, exact: bool = False) -> RegressionResult | Future:
        """The mean of the ``k`` nearest examples' targets.

        Parameters
        ----------
        x : image or feature vector
        k : int, optional
            Neighbours averaged (default: the regressor's ``k``).
        weights : {"uniform", "distance"}, optional
            Plain mean, or weighted by 1 / distance (default: the regressor's option).
        callback, on_error, wait, bands, crop, exact
            As in :meth:`p5knn.KNNClassifier.predict_class` (latest request wins).

        Returns
        -------
        RegressionResult or Future
            ``.value`` is a float for number targets, an array for vector targets.

        Example
        -------
        >>> reg.predict([0.5]).value
        10.0
        """
        k = check_count("k", k) if k is not None else self.k
        if weights is not None and weights not in WEIGHTS:
            raise ValueError(f"weights must be one of {WEIGHTS}, got {weights!r}")
        how = weights or self._opts.weights
        return self._live.call(self._predict, x, bands or self.bands, k, how, crop, exact,
                               worker=lambda: self._worker_for(x), callback=callback,
                               on_error=on_error, wait=wait, latest=(id(self), "predict"),
                               snap=(0, bands or self.bands))

    def _predict(self, x: Any, bands: str, k: int, how: str, crop: str | None,
                 exact: bool = False) -> RegressionResult:
        with self._lock:
            if len(self) == 0:
                raise EmptyClassifierError("cannot predict: no examples yet; add some with "
                                           "add_example(x, value) first")
        vector, _ = self._features(x, bands, crop)
        with self._lock:
            store = self._store
            if store.count == 0:
                raise EmptyClassifierError("cannot predict: no examples yet")
            self._check_dim(len(vector), "feature vector")
            if self.metric == "cosine" and not np.any(vector):
                raise ValueError("cannot predict an all-zero vector with cosine similarity")
            nearest, similarity, distance = store.nearest(vector, min(k, store.count),
                                                          self.metric, exact=exact)
            mean = average(self._targets[: store.count][nearest], distance, how)
            neighbors = tuple(Neighbor(int(i), self._label_of(int(i)), float(sim), float(dist))
                              for i, sim, dist in zip(nearest, similarity, distance))
            return RegressionResult(value=float(mean[0]) if self._scalar else mean,
                                    neighbors=neighbors, distance=float(distance[0]),
                                    similarity=float(similarity[0]), k=len(nearest))

    # ----------------------------------------------------------------- removing
    def _keep_task(self, mask: np.ndarray) -> None:
        kept = self._targets[: len(self)][mask]
        targets = np.empty((max(64, 2 * len(kept)), kept.shape[1]))
        targets[: len(kept)] = kept
        self._store.keep(mask)
        self._targets = targets

    def _label_of(self, index: int) -> float | np.ndarray:
        row = self._targets[index]
        return float(row[0]) if self._scalar else row.copy()

    def clear_all_examples(self) -> None:
        """Remove every example."""
        with self._lock:
            model = self._model
            self._reset()
            self._model = model
            self._mutated()

    # ---------------------------------------------------------------- snapshots
    def _snapshot_task(self, data: SavedData) -> None:
        data.targets = self._targets[: len(self)].copy()
        data.scalar_targets = self._scalar

    def _check_task(self, data: SavedData, where: str) -> None:
        if data.targets is None and len(data.features):
            raise CorruptFileError(f"{where} holds class labels, not regression targets: "
                                   "load it with p5knn.knn_classifier.load(path)")

    def _prepare_task(self, data: SavedData, n: int) -> tuple[np.ndarray, bool]:
        width = data.targets.shape[1] if data.targets is not None else 1
        targets = np.empty((max(64, 2 * n), width))
        if n:
            targets[:n] = data.targets
        return targets, data.scalar_targets

    def _commit_task(self, state: tuple[np.ndarray, bool], n: int) -> None:
        self._targets, self._scalar = state
