"""The KNN classifier: ml5's ``KNNClassifier`` for py5, with the same maths and more evidence.

    knn = p5knn.knn_classifier.create()
    knn.add_example(frame, "wave")
    result = knn.predict_class(frame)        # or predict_class(frame, callback=got)
"""

from __future__ import annotations

import warnings
from concurrent.futures import Future
from typing import Any, Iterable, Sequence

import numpy as np

from p5knn._base.errors import CorruptFileError, EmptyClassifierError
from p5knn._base.results import KNNResult, Neighbor
from p5knn.features import FeatureExtractor
from p5knn.features import _images as images
from p5knn.knn._examples import ExampleSet
from p5knn.knn._saved import SavedData
from p5knn.knn._labels import Label, LabelTable, clean_label
from p5knn.knn._math import vote
from p5knn.knn._options import Options, check_count
from p5knn.live._continuous import Continuous, ContinuousLoop
from p5knn.live._report import Callback, ErrorCallback
from p5knn.live._steady import Steady

#: per-call options ``predict_class`` and ``classify_start`` accept
CALL_OPTIONS = ("weights", "balanced", "min_similarity")


class KTooLargeWarning(UserWarning):
    """k is at least the number of examples: plain votes then always pick the biggest class."""


class KNNClassifier(Continuous, ExampleSet):
    """K-nearest-neighbour classifier over images (through a feature extractor) or feature
    vectors. Made by :func:`p5knn.knn_classifier.create`.

    The maths is tfjs-models ``knn-classifier``'s (ml5's engine) by default: cosine
    similarity, the k nearest vote, confidence = votes / k, ties to the label added first.
    """

    _task = "classification"

    def __init__(self, extractor: FeatureExtractor | str | None, options: Options,
                 explicit: set[str], **settings: Any) -> None:
        self._continuous: ContinuousLoop | None = None
        super().__init__(extractor, options, explicit, name="p5knn-knn", **settings)

    def _reset_task(self) -> None:
        self._table = LabelTable()
        self._warned_k = False

    def __repr__(self) -> str:
        return (f"KNNClassifier({self.get_num_labels()} labels, {len(self)} examples, "
                f"k={self.k}, metric={self.metric!r})")

    @property
    def labels(self) -> list[Label]:
        """Labels in order of first addition (``class_index`` order)."""
        with self._lock:
            return list(self._table.labels)

    # ------------------------------------------------------------------- adding
    def add_example(self, x: Any, label: Label, *, bands: str | None = None,
                    crop: str | None = None, callback: Callback | None = None,
                    on_error: ErrorCallback | None = None,
                    wait: bool | None = None) -> int | Future:
        """Add one example: an image or a feature vector, with a string or integer label.

        Parameters
        ----------
        x : image or feature vector
            Images go through the feature extractor (MobileNet by default).
        label : str or int
            The class. ``1`` and ``"1"`` are different labels.
        bands : str, optional
            An array's channel order (``"BGR"`` for OpenCV frames).
        crop : {"center"}, optional
            Keep the aspect ratio when resizing.
        callback : callable, optional
            ``callback(index)`` when it is stored.
        on_error : callable, optional
            Gets the exception if it fails in the background.
        wait : bool, optional
            True: always now; False: always in the background (see the rule in the README).

        Returns
        -------
        int or Future
            The example's index, or (by the live rule) a ``Future`` of it. Background adds are
            never dropped and run in call order.

        Example
        -------
        >>> knn.add_example([0.2, 0.9], "up")
        0
        """
        label = clean_label(label)
        return self._live.call(self._add_now, x, bands or self.bands, label, crop,
                               worker=lambda: self._worker_for(x), callback=callback,
                               on_error=on_error, wait=wait, snap=(0, bands or self.bands))

    def _add_row(self, vector: np.ndarray, label: Label, thumb: Any) -> int:
        """Store one checked row under ``label`` (lock held); on error nothing changed."""
        self._check_dim(len(vector), "feature vector")
        self._store.check_rows(vector)
        index = self._store_row(vector, self._table.next_index(label), thumb)
        self._table.count_one(label)
        return index

    def add_examples(self, xs: Iterable[Any], labels: Sequence[Label] | Label, *,
                     bands: str | None = None, crop: str | None = None,
                     wait: bool | None = None) -> list[int] | Future:
        """Add many examples, all or nothing: when any item or label is bad (or memory runs
        out) an error is raised and none is stored.

        Parameters
        ----------
        xs : iterable
            Images or feature vectors.
        labels : label or sequence of labels
            One label for all, or one per example.

        Returns
        -------
        list of int or Future
            The examples' indices (a ``Future`` of them by the live rule).

        Example
        -------
        >>> knn.add_examples([[0, 1], [1, 0]], ["up", "right"])
        [0, 1]
        """
        items = list(xs)
        if isinstance(labels, (str, int, np.integer)):
            labels = [labels] * len(items)
        return self._add_many(items, [clean_label(label) for label in labels], bands, crop,
                              wait)

    # --------------------------------------------------------------- predicting
    def predict_class(self, x: Any, k: int | None = None, *, callback: Callback | None = None,
                      on_error: ErrorCallback | None = None, wait: bool | None = None,
                      bands: str | None = None, crop: str | None = None, exact: bool = False,
                      **options: Any) -> KNNResult | Future:
        """Predict the label of an image or feature vector (ml5's ``classify``).

        Parameters
        ----------
        x : image or feature vector
        k : int, optional
            Neighbours that vote (default: the classifier's ``k``).
        callback : callable, optional
            ``callback(result)``; by the live rule the call then returns a ``Future`` at
            once, latest request wins (one not yet started is dropped), and in a running
            sketch the callback runs on the animation thread before the next ``draw()``.
        on_error, wait, bands, crop
            As in :meth:`add_example`.
        exact : bool
            Search every example even when the vector index is ready.
        **options
            ``weights``, ``balanced``, ``min_similarity`` for this call only.

        Returns
        -------
        KNNResult or Future

        Example
        -------
        >>> result = knn.predict_class([0.25, 0.85])
        >>> result.label, result.confidence
        ('up', 1.0)
        """
        k = check_count("k", k) if k is not None else self.k
        unknown = set(options) - set(CALL_OPTIONS)
        if unknown:
            raise TypeError(f"unknown option(s) {sorted(unknown)}; per call: {CALL_OPTIONS}")
        opts = self._opts.replace(**options) if options else self._opts
        return self._live.call(self._predict, x, bands or self.bands, k, opts, crop, exact,
                               worker=lambda: self._worker_for(x), callback=callback,
                               on_error=on_error, wait=wait, latest=(id(self), "predict"),
                               snap=(0, bands or self.bands))

    classify = predict_class  #: ml5's name for :meth:`predict_class`

    def _predict(self, x: Any, bands: str, k: int, opts: Options, crop: str | None,
                 exact: bool = False) -> KNNResult:
        with self._lock:
            if self._store.count == 0:
                raise EmptyClassifierError("cannot predict: the classifier has no examples yet; "
                                           "add some with add_example() first")
        vector, _ = self._features(x, bands, crop)
        with self._lock:
            return self._search(vector, k, opts, exact)

    def _search(self, vector: np.ndarray, k: int, opts: Options, exact: bool) -> KNNResult:
        store, table = self._store, self._table
        if store.count == 0:
            raise EmptyClassifierError("cannot predict: the classifier has no examples yet")
        self._check_dim(len(vector), "feature vector")
        if opts.metric == "cosine" and not np.any(vector):
            raise ValueError("cannot predict an all-zero vector with cosine similarity")
        k_val = min(k, store.count)
        if k_val >= store.count and len(table) > 1 and opts.weights == "uniform" \
                and not opts.balanced and not self._warned_k:
            self._warned_k = True
            warnings.warn(f"k={k} ≥ the {store.count} examples: every prediction will be the "
                          "biggest class whatever the input. Add examples, lower k, or use "
                          "balanced=True / weights='distance'.", KTooLargeWarning, stacklevel=5)
        class_ids = store.class_ids
        nearest, similarity, distance = store.nearest(vector, k_val, opts.metric, exact=exact)
        conf = vote(class_ids[nearest], distance, len(table), opts.weights,
                    table.counts.astype(np.float64) if opts.balanced else None)
        winner = int(np.argmax(conf))
        unknown = opts.min_similarity is not None and float(similarity[0]) < opts.min_similarity
        neighbors = tuple(Neighbor(int(i), table.labels[class_ids[i]], float(sim), float(dist))
                          for i, sim, dist in zip(nearest, similarity, distance))
        return KNNResult(
            label=opts.unknown_label if unknown else table.labels[winner],
            class_index=-1 if unknown else winner,
            confidences={lab: float(c) for lab, c in zip(table.labels, conf)},
            unknown=unknown, neighbors=neighbors, distance=float(distance[0]),
            similarity=float(similarity[0]), k=k_val)

    # ------------------------------------------------------------ continuous
    def classify_start(self, source: Any, callback: Callback, k: int | None = None, *,
                       on_error: ErrorCallback | None = None, bands: str | None = None,
                       crop: str | None = None, fps: float | None = None,
                       steady: Steady | dict | None = None, **options: Any) -> None:
        """Keep predicting the newest frame of ``source`` and call ``callback(result)`` for
        each, until :meth:`classify_stop` or the sketch ends.

        Parameters
        ----------
        source : Camera, Py5Graphics, sketch, function or image
            A sketch's canvas is read before each ``draw()``.
        callback : callable
            ``callback(result)``; ``result.frame_time`` tells when the frame arrived.
        fps : float, optional
            Cap on predictions per second. One prediction is in flight at a time; nothing is
            predicted while the classifier has no examples.
        steady : p5knn.Steady or dict, optional
            Steady outputs (off by default): a :class:`p5knn.Steady`, or a dict of its
            options (``majority``, ``min_stable``, ``timeout``, ``on_change``,
            ``unknown_label`` — by default this classifier's). Each prediction goes through
            ``steady.update`` before the callback, which then gets the steady label (and
            nothing when ``on_change`` finds no change); with ``timeout``, the callback also
            gets an unknown result when no known answer came for that long (no frames, no
            examples, only unknown answers). A Steady object given is reset first.

        Example
        -------
        >>> knn.classify_start(cam, got)
        >>> knn.classify_start(cam, got, steady={"majority": 5, "min_stable": 3})
        """
        k = check_count("k", k) if k is not None else self.k
        unknown = set(options) - set(CALL_OPTIONS)
        if unknown:
            raise TypeError(f"unknown option(s) {sorted(unknown)}; per call: {CALL_OPTIONS}")
        if not callable(callback):
            raise TypeError("callback must be a function taking the result")
        opts = self._opts.replace(**options)
        steady = Steady.from_option(steady, opts.unknown_label)
        self.classify_stop()
        if steady is not None:
            steady.reset()
        link = self._live.link()

        def predict(frame: Any, frame_bands: str) -> KNNResult:
            return self._predict(frame, frame_bands, k, opts, crop)

        images_in = self._model is not None or not callable(source) or \
            images.is_image_like(source)
        worker = self.extractor.worker if images_in else self._live.own_worker()
        self._continuous = ContinuousLoop(predict, worker,
                                          (id(self), "continuous"), source, callback, on_error,
                                          self._live.deliverer(), link, bands or self.bands, fps,
                                          ready=lambda: self._store.count > 0, steady=steady)

    # ----------------------------------------------------------------- removing
    def _keep_task(self, mask: np.ndarray) -> None:
        counts = np.bincount(self._store.class_ids[mask], minlength=len(self._table))
        self._store.keep(mask)
        self._store.remap_classes(self._table.keep(counts))

    def _label_of(self, index: int) -> Label:
        return self._table.labels[self._store.class_ids[index]]

    def clear_label(self, label: Label) -> None:
        """Remove every example of ``label`` (:class:`UnknownLabelError` if absent)."""
        with self._lock:
            self._keep(self._store.class_ids != self._table.index_of(label))

    def clear_all_labels(self) -> None:
        """Remove every example and label."""
        with self._lock:
            model = self._model
            self._reset()
            self._model = model
            self._mutated()

    # ------------------------------------------------------------------ reading
    def get_count(self) -> dict[int, int]:
        """Examples per class index (ml5's ``getCount``)."""
        with self._lock:
            return {i: int(c) for i, c in enumerate(self._table.counts)}

    def get_count_by_label(self) -> dict[Label, int]:
        """Examples per label (ml5's ``getCountByLabel``)."""
        with self._lock:
            return {lab: int(c) for lab, c in zip(self._table.labels, self._table.counts)}

    def get_num_labels(self) -> int:
        """Number of labels that have examples."""
        with self._lock:
            return len(self._table)

    # ---------------------------------------------------------------- snapshots
    def _snapshot_task(self, data: SavedData) -> None:
        data.labels = list(self._table.labels)

    def _check_task(self, data: SavedData, where: str) -> None:
        if data.targets is not None:
            raise CorruptFileError(f"{where} holds regression targets, not class labels: "
                                   "load it with p5knn.knn_classifier.load(path) (which returns "
                                   "a KNNRegressor) or p5knn.knn_regressor.create().load(path)")

    def _prepare_task(self, data: SavedData, n: int) -> LabelTable:
        labels = list(data.labels) if n else []
        return LabelTable(labels, np.bincount(data.class_ids, minlength=len(labels)))

    def _commit_task(self, table: LabelTable, n: int) -> None:
        self._table = table

    def close(self) -> None:
        """Stop continuous classification and this classifier's own background thread (the
        extractor's thread is shared and left running); with autosave, save what is pending."""
        self.classify_stop(wait=False)
        super().close()

