"""The KNN classifier: ml5's ``KNNClassifier`` for py5, with the same math and more evidence.

    knn = p5knn.knn_classifier.create()
    knn.add_example(frame, "wave")
    result = knn.predict_class(frame)        # or predict_class(frame, callback=got)
"""

from __future__ import annotations

import sys
import threading
import warnings
from concurrent.futures import Future
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

from p5knn.features import _images as images

from p5knn.knn import _index_file as index_file

from p5knn.knn import _files as storage
from p5knn._base.atomic import check_target
from p5knn._base.errors import (EmptyClassifierError, FeatureSizeError, P5KNNError, UnknownLabelError)
from p5knn.features._extractor import FeatureExtractor, feature_extractor
from p5knn.knn._store import MAX_FEATURE_SIZE, MAX_VALUE, METRICS, WEIGHTS, ExampleStore, average, vote
from p5knn.knn._index import DEFAULT_CANDIDATES, DEFAULT_EXPANSION, DEFAULT_THRESHOLD
from p5knn.knn._results import KNNResult, Label, Neighbor, RegressionResult
from p5knn._base.version import __version__
from p5knn.live._continuous import ContinuousLoop
from p5knn.live._dispatch import check_mode, sketch_link
from p5knn.live._worker import Callback, Deliver, ErrorCallback, Worker, deliver_inline

_UNSET: Any = object()
DEFAULTS: dict[str, Any] = {"k": 3, "metric": "cosine", "weights": "uniform", "balanced": False,
                            "min_similarity": None, "unknown_label": "unknown"}


class KTooLargeWarning(UserWarning):
    """k is at least the number of examples: plain votes then always pick the biggest class."""


def _check_count(name: str, value: Any, none_ok: bool = False) -> int | None:
    """``value`` as an int ≥ 1 (or None when ``none_ok``); ValueError naming ``name``."""
    if value is None and none_ok:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be {'None or ' if none_ok else ''}a whole number ≥ 1, "
                         f"got {value!r}")
    return int(value)


def _check_k(k: Any) -> int:
    return _check_count("k", k)


def _check_option(name: str, value: Any) -> Any:
    if name == "k":
        return _check_k(value)
    if name == "metric" and value not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}, got {value!r}")
    if name == "weights" and value not in WEIGHTS:
        raise ValueError(f"weights must be one of {WEIGHTS}, got {value!r}")
    if name == "balanced" and not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"balanced must be True or False, got {value!r}")
    if name == "min_similarity" and value is not None:
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or not -1.0 <= float(value) <= 1.0:
            raise ValueError(f"min_similarity must be None or a number in −1…1, got {value!r}")
        return float(value)
    if name == "unknown_label":
        return clean_label(value)
    return value


def clean_label(label: Any) -> Label:
    """Validate a label: a non-empty string or an integer (numpy scalars are converted)."""
    if isinstance(label, (bool, np.bool_)):
        raise TypeError(f"label must be a string or an integer, got the boolean {label!r}")
    if isinstance(label, (np.integer,)):
        return int(label)
    if isinstance(label, np.str_):
        label = str(label)
    if isinstance(label, int):
        return label
    if isinstance(label, str):
        if not label:
            raise ValueError("label must not be an empty string")
        return label
    raise TypeError(f"label must be a string or an integer, got {type(label).__name__} "
                    f"{label!r}")


def parse_target(label: Any) -> tuple[str, Any]:
    """``("class", label)`` for str/int labels; ``("value", float)`` for a number and
    ``("value", float64 array)`` for a vector of numbers (KNN regression targets)."""
    if isinstance(label, (float, np.floating)) and not isinstance(label, bool):
        if not np.isfinite(label):
            raise ValueError(f"regression target {label!r} is NaN or infinite")
        return "value", float(label)
    if isinstance(label, (list, tuple, np.ndarray)):
        try:
            row = np.asarray(label, dtype=np.float64).reshape(-1)
        except (TypeError, ValueError):
            raise TypeError(f"a regression target must hold numbers, got {label!r}") from None
        if row.size == 0:
            raise ValueError("a regression target vector is empty")
    else:
        return "class", clean_label(label)
    if not np.isfinite(row).all():
        raise ValueError(f"regression target {label!r} contains NaN or infinite values")
    return "value", row


def _key(label: Label) -> tuple[type, Label]:
    return (type(label), label)


def to_vector(x: Any) -> np.ndarray:
    """Validate a feature vector (1-D, or 1×D; real numbers; at most ``MAX_FEATURE_SIZE``
    long; values within ±``MAX_VALUE``) and return it as float32."""
    if np.iscomplexobj(x) or (isinstance(x, (list, tuple))
                              and any(isinstance(v, (complex, np.complexfloating)) for v in x)):
        raise FeatureSizeError("feature vector holds complex numbers; give real ones")
    size = getattr(x, "size", None) if isinstance(x, np.ndarray) else \
        (len(x) if isinstance(x, (list, tuple)) else None)
    if size is not None and size > MAX_FEATURE_SIZE:
        raise FeatureSizeError(f"feature vector has {size} numbers; p5knn takes at most "
                               f"{MAX_FEATURE_SIZE}")
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise FeatureSizeError(f"cannot use {type(x).__name__} as a feature vector or "
                               "image") from exc
    if arr.ndim == 2 and arr.shape[0] == 1:
        arr = arr[0]
    if arr.ndim != 1:
        raise FeatureSizeError(f"feature vector must be 1-D, got shape {arr.shape}")
    if arr.size == 0:
        raise FeatureSizeError("feature vector is empty")
    if arr.size > MAX_FEATURE_SIZE:
        raise FeatureSizeError(f"feature vector has {arr.size} numbers; p5knn takes at most "
                               f"{MAX_FEATURE_SIZE}")
    if not np.isfinite(arr).all():
        raise ValueError("feature vector contains NaN or infinite values")
    if np.abs(arr).max() > MAX_VALUE:
        raise ValueError(f"feature vector values are too large (beyond ±{MAX_VALUE:g}); "
                         "scale the vectors")
    return arr.astype(np.float32)


class KNNClassifier:
    """K-nearest-neighbour classifier over feature vectors or images (via a feature extractor).

    Math is identical to tfjs-models ``knn-classifier`` (ml5's engine) by default: cosine
    similarity, the k nearest vote, confidence = votes / k, ties to the label added first.
    """

    def __init__(self, extractor: FeatureExtractor | str | None = None, *, k: int = _UNSET,
                 metric: str = _UNSET, weights: str = _UNSET, balanced: bool = _UNSET,
                 min_similarity: float | None = _UNSET, unknown_label: Label = _UNSET,
                 thumbnails: bool | int = False, bands: str = "RGB",
                 crop: str | None = None, sketch: Any = None, callbacks: str = "auto",
                 autosave: str | Path | None = None, autosave_interval: float = 1.0,
                 dtype: str = "float32", index_threshold: int | None = _UNSET) -> None:
        given = {"k": k, "metric": metric, "weights": weights, "balanced": balanced,
                 "min_similarity": min_similarity, "unknown_label": unknown_label}
        self._explicit = {name for name, value in given.items() if value is not _UNSET}
        self._options = {name: _check_option(name, value if value is not _UNSET else
                                             DEFAULTS[name]) for name, value in given.items()}
        if isinstance(extractor, str):
            extractor = feature_extractor(extractor)
        if extractor is not None and not isinstance(extractor, FeatureExtractor):
            raise TypeError(f"extractor must be a FeatureExtractor, a model name or None, "
                            f"got {type(extractor).__name__}")
        self._extractor = extractor
        self.thumbnail_size = 64 if thumbnails is True else int(thumbnails or 0)
        self.bands = bands
        self.crop = crop
        self._lock = threading.RLock()
        self._extractor_lock = threading.Lock()
        self._worker: Worker | None = None
        self.sketch = sketch
        self.callbacks = check_mode(callbacks)
        self._continuous: ContinuousLoop | None = None
        self._linked: set[int] = set()
        self.version = 0  #: increases with every change to the examples or options
        self._autosaver: Any = None
        if index_threshold is _UNSET:
            index_threshold = DEFAULT_THRESHOLD
        index_threshold = _check_count("index_threshold", index_threshold, none_ok=True)
        self._store_options: dict[str, Any] = {"dtype": dtype, "index_threshold": index_threshold,
                                               "index_search": None}
        self._store: ExampleStore | None = None
        self._reset()
        if autosave is not None:
            self.autosave(autosave, autosave_interval)

    # ------------------------------------------------------------------ state
    def _reset(self, store: ExampleStore | None = None) -> None:
        """Forget every example (``store``: a filled store to use instead of an empty one)."""
        if getattr(self, "_store", None) is not None:
            self._store.close()
        self._store = store if store is not None else \
            ExampleStore(metric=self._options["metric"], **self._store_options)
        self._labels: list[Label] = []
        self._label_pos: dict[tuple[type, Label], int] = {}
        self._sizes = np.zeros(0, np.int64)
        self._thumbs: list[np.ndarray | None] = []
        self._history: list[int] = []
        self._next_id = 0
        self._model: str | None = None
        self._warned_k = False
        self._task: str | None = None            # "classification" or "regression"
        self._targets = np.empty((0, 0))         # regression target rows, in store order
        self._scalar_targets = True

    def __len__(self) -> int:
        return self._store.count

    def __repr__(self) -> str:
        return (f"KNNClassifier({self.get_num_labels()} labels, {len(self)} examples, "
                f"k={self.k}, metric={self.metric!r})")

    @property
    def k(self) -> int:
        """Default number of neighbours that vote."""
        return self._options["k"]

    @k.setter
    def k(self, value: int) -> None:
        self._options["k"] = _check_k(value)

    @property
    def metric(self) -> str:
        """``"cosine"`` (ml5/tfjs) or ``"euclidean"`` (better for positions and sensors)."""
        return self._options["metric"]

    @property
    def options(self) -> dict[str, Any]:
        """The prediction options in force (a copy)."""
        return dict(self._options)

    def set_options(self, **options: Any) -> None:
        """Change prediction options: k, metric, weights, balanced, min_similarity, unknown_label."""
        unknown = set(options) - set(DEFAULTS)
        if unknown:
            raise TypeError(f"unknown option(s) {sorted(unknown)}; options are {sorted(DEFAULTS)}")
        checked = {name: _check_option(name, value) for name, value in options.items()}
        with self._lock:
            if checked.get("metric", self.metric) == "cosine" and self.metric != "cosine" \
                    and self._store.count and not np.all(self._store.norms() > 0):
                raise ValueError("cannot switch to cosine: some examples are all zeros, which "
                                 "have no direction; remove them first")
            self._options.update(checked)
            self._explicit.update(checked)
            self._store.set_metric(self._options["metric"])
            self._mutated()

    @property
    def labels(self) -> list[Label]:
        """Labels in order of first addition (``class_index`` order)."""
        with self._lock:
            return list(self._labels)

    @property
    def task(self) -> str | None:
        """``"classification"`` (str/int labels), ``"regression"`` (numbers or vectors as
        targets) or None while empty."""
        return self._task

    @property
    def feature_size(self) -> int | None:
        """Length of the stored feature vectors (None while empty)."""
        return self._store.dim

    @property
    def dtype(self) -> str:
        """How examples are stored: ``"float32"`` or ``"float16"`` (half the memory)."""
        return self._store_options["dtype"]

    @property
    def index_state(self) -> str:
        """The approximate index for very large sets: ``"off"`` (exact search), ``"building"``
        (in the background; exact search answers meanwhile) or ``"ready"``."""
        return self._store.index_state

    def wait_for_index(self, timeout: float = 3600.0) -> bool:
        """Block until a background index build finishes; True when the index is in use."""
        return self._store.wait_for_index(timeout)

    def set_index_search(self, expansion: int = DEFAULT_EXPANSION,
                         candidates: int = DEFAULT_CANDIDATES) -> None:
        """Trade speed for recall in the index (used above ``index_threshold`` examples):
        ``expansion`` is how widely the graph is searched, ``candidates`` how many of its
        answers are re-scored exactly. Larger is slower and misses fewer true neighbours.
        Applies now and to every later rebuild; the defaults are restored by calling it bare."""
        search = (_check_count("expansion", expansion), _check_count("candidates", candidates))
        self._store_options["index_search"] = search
        self._store.set_index_search(*search)

    @property
    def model(self) -> str | None:
        """Name of the extractor that made the stored features (None for plain vectors)."""
        return self._model

    @property
    def extractor(self) -> FeatureExtractor:
        """The feature extractor for images; MobileNet is loaded on first use if none was given."""
        with self._extractor_lock:
            if self._extractor is None:
                self._extractor = feature_extractor("mobilenet")
            return self._extractor

    # --------------------------------------------------------------- features
    def _features(self, x: Any, bands: str | None, crop: str | None) -> tuple[np.ndarray, Any]:
        """(feature vector, thumbnail or None) of an image or a feature vector."""
        if not images.is_image_like(x):
            vector = to_vector(x)
            self._check_dim(len(vector), "feature vector")
            self._check_direction(vector, self.metric)
            return vector, None
        extractor = self.extractor
        with self._lock:
            dim, model = self._store.dim, self._model
        if dim is not None and dim != extractor.feature_size:
            raise FeatureSizeError(
                f"this classifier holds examples of {dim} numbers, but {extractor.name} turns "
                f"images into {extractor.feature_size}; pass feature vectors of length {dim}, "
                f"or start a new classifier for images")
        if model is not None and model != extractor.name:
            raise FeatureSizeError(f"the examples were made by model {model!r}, but images now "
                                   f"go through {extractor.name!r}; their features don't mix")
        bands = bands or self.bands
        crop = crop if crop is not None else self.crop
        vector = extractor.infer(x, bands, crop)
        thumb = images.thumbnail(x, self.thumbnail_size, bands) if self.thumbnail_size else None
        return vector, thumb

    @staticmethod
    def _check_direction(vector: np.ndarray, metric: str) -> None:
        """Cosine needs a vector with a direction (not all zeros)."""
        if metric == "cosine" and not np.any(vector):
            raise ValueError("an all-zero feature vector has no direction, so cosine "
                             "similarity is undefined; use metric='euclidean' for data "
                             "that can be zero (positions, sensors)")

    def _check_dim(self, n: int, what: str) -> None:
        dim = self._store.dim
        if dim is not None and n != dim:
            raise FeatureSizeError(f"{what} has {n} numbers, but this classifier's examples "
                                   f"have {dim}")

    # ------------------------------------------------------------------- adding
    def add_example(self, x: Any, label: Label, *, bands: str | None = None,
                    crop: str | None = None, callback: Callback | None = None,
                    on_error: ErrorCallback | None = None,
                    wait: bool | None = None) -> int | Future:
        """Add one example: an image or a feature vector, with a string or integer label.

        Returns the example's index. Images go through the feature extractor (MobileNet by
        default); ``bands`` gives an array's channel order (``"BGR"`` for OpenCV frames).

        Called from a running sketch's ``draw()`` with an image (or with ``callback=``, or
        ``wait=False``), it returns a ``Future`` at once and the work runs on the background
        thread; every such call becomes exactly one example, in call order.
        ``callback(index)`` is called when it is stored.
        """
        kind, target = parse_target(label)
        self._check_task(kind, target)
        label = target
        is_image = images.is_image_like(x)
        if wait is None:
            background = callback is not None or (is_image and self._on_animation_thread())
        else:
            background = not wait
        if not background:
            return self._add_now(x, label, bands, crop)
        snap, snap_bands = images.snapshot(x, bands or self.bands)
        worker = self.extractor.worker if is_image else self._own_worker()
        return worker.submit(self._add_now, snap, label, snap_bands, crop, callback=callback,
                             on_error=on_error, deliver=self._deliver())

    def _check_task(self, kind: str, target: Any) -> None:
        task = "regression" if kind == "value" else "classification"
        with self._lock:
            if self._task is not None and self._task != task:
                raise ValueError(
                    f"this classifier does {self._task}; {target!r} is a "
                    f"{'numeric target' if kind == 'value' else 'class label'}. Use str/int "
                    "labels for classes, floats or vectors for regression, not both")
            if task == "regression" and self._task == task:
                width = np.atleast_1d(target).size
                if width != self._targets.shape[1] or \
                        isinstance(target, float) != self._scalar_targets:
                    raise ValueError(f"regression target {target!r} does not match the stored "
                                     f"ones ({'numbers' if self._scalar_targets else 'vectors'}"
                                     f" of {self._targets.shape[1]})")

    def _add_now(self, x: Any, label: Any, bands: str | None, crop: str | None) -> int:
        vector, thumb = self._features(x, bands, crop)
        from_image = images.is_image_like(x)
        is_value = isinstance(label, (float, np.ndarray))
        with self._lock:
            self._check_dim(len(vector), "feature vector")
            self._store.check_rows(vector)
            self._check_task("value" if is_value else "class", label)
            first = self._store.count == 0
            if is_value:
                index = self._add_value(vector, label, thumb)
            else:
                index = self._add_class(vector, label, thumb)
            if from_image and first and self._model is None:
                self._model = self.extractor.name
            return index

    def _add_class(self, vector: np.ndarray, label: Label, thumb: Any) -> int:
        """Store one classified example (lock held); on any error nothing has changed."""
        pos = self._label_pos.get(_key(label))
        new = pos is None
        if new:
            pos = len(self._labels)
        sizes = np.append(self._sizes, 0) if new else self._sizes
        index = self._store.append(vector, pos, self._next_id)  # may raise: nothing changed
        if new:
            self._labels.append(label)
            self._label_pos[_key(label)] = pos
            self._sizes = sizes
        self._task = "classification"
        self._sizes[pos] += 1
        return self._added(thumb, index)

    def _added(self, thumb: Any, index: int) -> int:
        """Bookkeeping after a row was stored (lock held)."""
        self._thumbs.append(thumb)
        self._history.append(self._next_id)
        self._next_id += 1
        self._mutated()
        return index

    def _add_value(self, vector: np.ndarray, value: float | np.ndarray, thumb: Any) -> int:
        """Store one regression example (lock held); on any error nothing has changed."""
        target = np.atleast_1d(np.asarray(value, np.float64))
        n = self._store.count
        targets = self._targets
        if self._task is None:
            targets = np.empty((64, len(target)))
        elif n >= len(targets):
            targets = np.empty((2 * len(targets), targets.shape[1]))
            targets[:n] = self._targets[:n]
        index = self._store.append(vector, 0, self._next_id)  # may raise: nothing changed
        if self._task is None:
            self._scalar_targets = isinstance(value, float)
        self._targets = targets
        self._targets[n] = target
        self._task = "regression"
        return self._added(thumb, index)

    # ------------------------------------------------------------ sketch glue
    def _link(self) -> Any | None:
        link = sketch_link(self.sketch, self.callbacks)
        if link is not None and id(link) not in self._linked:
            self._linked.add(id(link))
            link.on_exit(self._sketch_ended)
        return link

    def _deliver(self) -> Deliver:
        link = self._link()
        return link.deliver if link is not None else deliver_inline

    def _on_animation_thread(self) -> bool:
        if self.sketch is None and "py5" not in sys.modules:
            return False
        link = self._link()
        return link is not None and link.on_animation_thread()

    def _sketch_ended(self) -> None:
        self.classify_stop(wait=False)
        self.close()
        if self._extractor is not None:
            self._extractor.close()

    def add_examples(self, xs: Iterable[Any], labels: Sequence[Label] | Label, *,
                     bands: str | None = None, crop: str | None = None) -> list[int] | Future:
        """Add many examples, all or nothing: when any item or label is bad (or memory runs
        out), an error is raised and none of them is stored.

        Parameters
        ----------
        xs : iterable
            Images or feature vectors.
        labels : label or sequence of labels
            One label for all, or one per example.

        Returns
        -------
        list of int
            The examples' indices. Called with images from a running sketch's ``draw()``,
            a ``Future`` of that list is returned at once and the work runs in the background.

        Example
        -------
        >>> knn.add_examples([[0, 1], [1, 0]], ["up", "right"])
        [0, 1]
        """
        items = list(xs)
        if isinstance(labels, (str, int, np.integer)):
            labels = [labels] * len(items)
        labels = list(labels)
        if len(labels) != len(items):
            raise ValueError(f"{len(items)} examples but {len(labels)} labels")
        targets = [parse_target(label) for label in labels]
        for kind, target in targets:
            self._check_task(kind, target)
        if any(images.is_image_like(x) for x in items) and self._on_animation_thread():
            snaps = [images.snapshot(x, bands or self.bands) for x in items]
            return self.extractor.worker.submit(self._add_batch, snaps, targets, crop,
                                                deliver=self._deliver())
        return self._add_batch([(x, bands) for x in items], targets, crop)

    def _add_batch(self, items: list[tuple[Any, str | None]], targets: list[tuple[str, Any]],
                   crop: str | None) -> list[int]:
        features = [self._features(x, item_bands, crop) for x, item_bands in items]
        with self._lock:
            before, first = self._store.count, self._store.count == 0
            try:
                indices = []
                for (vector, thumb), (kind, target) in zip(features, targets):
                    self._check_dim(len(vector), "feature vector")
                    self._store.check_rows(vector)
                    self._check_task(kind, target)
                    add = self._add_value if kind == "value" else self._add_class
                    indices.append(add(vector, target, thumb))
            except BaseException:
                if self._store.count > before:  # take back this batch's examples
                    mask = np.ones(self._store.count, bool)
                    mask[before:] = False
                    self._keep(mask)
                raise
            if first and indices and self._model is None and \
                    any(images.is_image_like(x) for x, _ in items):
                self._model = self.extractor.name
            return indices

    # --------------------------------------------------------------- predicting
    def predict_class(self, x: Any, k: int | None = None, *, callback: Callback | None = None,
                      on_error: ErrorCallback | None = None, bands: str | None = None,
                      crop: str | None = None, **options: Any) -> KNNResult | Future:
        """Predict the label of an image or feature vector.

        Without ``callback`` this returns a :class:`KNNResult`. With ``callback`` it returns a
        ``Future`` at once, and the work (feature extraction and search) runs on a background
        thread that then calls ``callback(result)``; errors go to ``on_error`` (or are printed).
        Latest frame wins: a request not yet started when a newer one comes is dropped (its
        future is cancelled), so calling this every frame never builds a backlog. In a running
        py5 sketch the callback runs on the animation thread before the next ``draw()``.
        ``options`` override ``weights``, ``balanced``, ``min_similarity`` for this call.
        """
        k = _check_k(k) if k is not None else self.k
        if self._task == "regression":
            raise P5KNNError("this classifier holds numeric targets (regression): use predict()")
        unknown = set(options) - {"weights", "balanced", "min_similarity"}
        if unknown:
            raise TypeError(f"unknown option(s) {sorted(unknown)}")
        opts = {**self._options, **{n: _check_option(n, v) for n, v in options.items()}}
        if callback is None and on_error is None:
            return self._predict(x, k, opts, bands, crop)
        return self._in_background(self._predict, x, k, opts, bands, crop, callback, on_error)

    def _in_background(self, fn: Any, x: Any, k: int, how: Any, bands: str | None,
                       crop: str | None, callback: Callback | None,
                       on_error: ErrorCallback | None) -> Future:
        """Run ``fn(snapshot of x, k, how, bands, crop)`` on the worker, latest request wins."""
        snap, snap_bands = images.snapshot(x, bands or self.bands)
        worker = self.extractor.worker if images.is_image_like(x) else self._own_worker()
        return worker.submit_latest((id(self), "predict"), fn, snap, k, how, snap_bands, crop,
                                    callback=callback, on_error=on_error,
                                    deliver=self._deliver())

    classify = predict_class  #: ml5's name for ``predict_class``

    def predict(self, x: Any, k: int | None = None, *, callback: Callback | None = None,
                on_error: ErrorCallback | None = None, bands: str | None = None,
                crop: str | None = None, weights: str | None = None) -> RegressionResult | Future:
        """KNN regression: the mean of the ``k`` nearest examples' values (numbers or vectors
        given to ``add_example``), weighted by 1/distance with ``weights="distance"``.
        With ``callback`` it works in the background like :meth:`predict_class`."""
        k = _check_k(k) if k is not None else self.k
        if self._task == "classification":
            raise P5KNNError("this classifier holds class labels: use predict_class(); "
                             "predict() is for numeric targets")
        how = _check_option("weights", weights) if weights is not None else self.options["weights"]
        if callback is None and on_error is None:
            return self._predict_value(x, k, how, bands, crop)
        return self._in_background(self._predict_value, x, k, how, bands, crop, callback,
                                   on_error)

    def _predict_value(self, x: Any, k: int, how: str, bands: str | None,
                       crop: str | None) -> RegressionResult:
        with self._lock:
            if self._store.count == 0:
                raise EmptyClassifierError("cannot predict: no examples yet; add some with "
                                           "add_example(x, value) first")
        vector = self._features(x, bands, crop)[0] if images.is_image_like(x) else to_vector(x)
        with self._lock:
            store = self._store
            self._check_dim(len(vector), "feature vector")
            if self.metric == "cosine" and not np.any(vector):
                raise ValueError("cannot predict an all-zero vector with cosine similarity")
            nearest, similarity, distance = store.nearest(vector, min(k, store.count),
                                                          self.metric)
            targets = self._targets[: store.count]
            mean = average(targets[nearest], distance, how)
            neighbors = tuple(Neighbor(int(i), self._value(i), float(sim), float(dist))
                              for i, sim, dist in zip(nearest, similarity, distance))
            return RegressionResult(
                value=float(mean[0]) if self._scalar_targets else mean,
                neighbors=neighbors, distance=float(distance[0]),
                similarity=float(similarity[0]), k=len(nearest))

    def _value(self, index: int) -> Any:
        row = self._targets[index]
        return float(row[0]) if self._scalar_targets else row.copy()

    def _own_worker(self) -> Worker:
        with self._extractor_lock:
            if self._worker is None:
                self._worker = Worker("p5knn-knn")
            return self._worker

    def _predict(self, x: Any, k: int, opts: dict[str, Any], bands: str | None,
                 crop: str | None) -> KNNResult:
        with self._lock:
            if self._store.count == 0:
                raise EmptyClassifierError("cannot predict: the classifier has no examples yet; "
                                           "add some with add_example() first")
        vector, _ = self._features(x, bands, crop) if images.is_image_like(x) else \
            (to_vector(x), None)
        with self._lock:
            return self._search(vector, k, opts)

    def _search(self, vector: np.ndarray, k: int, opts: dict[str, Any]) -> KNNResult:
        store = self._store
        if store.count == 0:
            raise EmptyClassifierError("cannot predict: the classifier has no examples yet")
        self._check_dim(len(vector), "feature vector")
        metric = opts["metric"]
        if metric == "cosine" and not np.any(vector):
            raise ValueError("cannot predict an all-zero vector with cosine similarity")
        k_val = min(k, store.count)
        if k_val >= store.count and len(self._labels) > 1 and opts["weights"] == "uniform" \
                and not opts["balanced"] and not self._warned_k:
            self._warned_k = True
            warnings.warn(f"k={k} ≥ the {store.count} examples: every prediction will be the "
                          "biggest class whatever the input. Add examples, lower k, or use "
                          "balanced=True / weights='distance'.", KTooLargeWarning, stacklevel=4)
        class_ids = store.class_ids
        nearest, similarity, distance = store.nearest(vector, k_val, metric)
        conf = vote(class_ids[nearest], distance, len(self._labels), opts["weights"],
                    self._sizes.astype(np.float64) if opts["balanced"] else None)
        winner = int(np.argmax(conf))
        threshold = opts["min_similarity"]
        unknown = threshold is not None and float(similarity[0]) < threshold
        neighbors = tuple(Neighbor(int(i), self._labels[class_ids[i]], float(sim), float(dist))
                          for i, sim, dist in zip(nearest, similarity, distance))
        return KNNResult(
            label=opts["unknown_label"] if unknown else self._labels[winner],
            class_index=-1 if unknown else winner,
            confidences={lab: float(c) for lab, c in zip(self._labels, conf)},
            neighbors=neighbors, distance=float(distance[0]),
            similarity=float(similarity[0]), unknown=unknown, k=k_val)

    def classify_start(self, source: Any, callback: Callback, k: int | None = None, *,
                       on_error: ErrorCallback | None = None, bands: str | None = None,
                       crop: str | None = None, fps: float | None = None,
                       **options: Any) -> None:
        """Keep predicting the newest frame of ``source`` and call ``callback(result)`` for
        each, until :meth:`classify_stop` or the sketch ends.

        ``source``: a :class:`p5knn.Camera`, a ``Py5Graphics``, a sketch (its canvas; read
        before each ``draw()``), a function returning an image, or an image. One prediction
        is in flight at a time; ``fps`` caps the rate; nothing is predicted while the
        classifier has no examples. ``result.frame_time`` tells when the frame arrived.
        """
        k = _check_k(k) if k is not None else self.k
        unknown = set(options) - {"weights", "balanced", "min_similarity"}
        if unknown:
            raise TypeError(f"unknown option(s) {sorted(unknown)}")
        if not callable(callback):
            raise TypeError("callback must be a function taking the result")
        opts = {**self._options, **{n: _check_option(n, v) for n, v in options.items()}}
        self.classify_stop()
        link = self._link()
        deliver = link.deliver if link is not None else deliver_inline

        def predict(frame: Any, frame_bands: str) -> KNNResult:
            return self._predict(frame, k, opts, frame_bands, crop)

        self._continuous = ContinuousLoop(predict, self.extractor.worker,
                                          (id(self), "continuous"), source, callback, on_error,
                                          deliver, link, bands or self.bands, fps,
                                          ready=lambda: self._store.count > 0)

    def classify_stop(self, wait: bool = True) -> None:
        """Stop :meth:`classify_start` (safe to call when it is not running)."""
        loop, self._continuous = self._continuous, None
        if loop is not None:
            loop.stop(wait)

    @property
    def classifying(self) -> bool:
        """True while continuous classification runs."""
        return self._continuous is not None

    # ----------------------------------------------------------------- removing
    def _position(self, label: Any) -> int:
        try:
            label = clean_label(label)
        except (TypeError, ValueError) as exc:
            raise UnknownLabelError(str(exc)) from None
        pos = self._label_pos.get(_key(label))
        if pos is None:
            raise UnknownLabelError(f"no label {label!r} in this classifier; its labels are "
                                    f"{self._labels}")
        return pos

    def _keep(self, mask: np.ndarray) -> None:
        """Drop the examples where ``mask`` is False; drop labels left without examples."""
        store = self._store
        removed_ids = set(store.example_ids[~mask].tolist())
        if self._task == "regression":
            kept = self._targets[: store.count][mask]
            self._targets = np.empty((max(64, 2 * len(kept)), kept.shape[1]))
            self._targets[: len(kept)] = kept
            store.keep(mask)
            self._after_keep(mask, removed_ids)
            return
        old_ids = store.class_ids[mask]
        counts = np.bincount(old_ids, minlength=len(self._labels))
        survivors = [i for i in range(len(self._labels)) if counts[i] > 0]
        mapping = np.full(max(len(self._labels), 1), -1, np.int32)
        mapping[survivors] = np.arange(len(survivors), dtype=np.int32)
        store.keep(mask)
        store.remap_classes(mapping)
        self._labels = [self._labels[i] for i in survivors]
        self._label_pos = {_key(lab): i for i, lab in enumerate(self._labels)}
        self._sizes = counts[survivors].astype(np.int64)
        self._after_keep(mask, removed_ids)

    def _after_keep(self, mask: np.ndarray, removed_ids: set) -> None:
        self._thumbs = [t for t, keep in zip(self._thumbs, mask) if keep]
        self._history = [i for i in self._history if i not in removed_ids]
        if self._store.count == 0:
            model = self._model
            self._reset()
            self._model = model
        self._mutated()

    def _mutated(self) -> None:
        """Count a change (the autosaver persists every version); call with the lock held."""
        self.version += 1
        if self._autosaver is not None:
            self._autosaver.changed()

    def clear_label(self, label: Label) -> None:
        """Remove every example of ``label`` (raises :class:`UnknownLabelError` if absent)."""
        with self._lock:
            pos = self._position(label)
            self._keep(self._store.class_ids != pos)

    def clear_all_labels(self) -> None:
        """Remove every example and label."""
        with self._lock:
            model = self._model
            self._reset()
            self._model = model
            self._mutated()

    def remove_example(self, index: int) -> Label:
        """Remove the example at ``index`` (as in ``result.neighbors``); return its label.
        Later examples move down by one, like a list."""
        with self._lock:
            n = self._store.count
            if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
                raise TypeError(f"index must be an integer, got {type(index).__name__}")
            if not -n <= index < n:
                raise IndexError(f"example index {index} out of range: the classifier has "
                                 f"{n} examples")
            index = int(index) % n
            label = self._label_of(index)
            mask = np.ones(n, bool)
            mask[index] = False
            self._keep(mask)
            return label

    def _label_of(self, index: int) -> Any:
        if self._task == "regression":
            return self._value(index)
        return self._labels[self._store.class_ids[index]]

    def undo_last(self) -> Label | None:
        """Remove the most recently added example still present; return its label
        (None when there is nothing to undo)."""
        with self._lock:
            if not self._history:
                return None
            last = self._history[-1]
            index = int(np.flatnonzero(self._store.example_ids == last)[0])
            return self.remove_example(index)

    # ------------------------------------------------------------------ reading
    def get_count(self) -> dict[int, int]:
        """Examples per class index (ml5's ``getCount``)."""
        with self._lock:
            return {i: int(c) for i, c in enumerate(self._sizes)}

    def get_count_by_label(self) -> dict[Label, int]:
        """Examples per label (ml5's ``getCountByLabel``)."""
        with self._lock:
            return {lab: int(c) for lab, c in zip(self._labels, self._sizes)}

    def get_num_labels(self) -> int:
        """Number of labels that have examples."""
        with self._lock:
            return len(self._labels)

    def get_example(self, index: int) -> tuple[np.ndarray, Label]:
        """``(features, label)`` of one stored example (a copy)."""
        with self._lock:
            if not -len(self) <= index < len(self):
                raise IndexError(f"example index {index} out of range ({len(self)} examples)")
            index %= len(self)
            return self._store.row(index), self._label_of(index)

    def get_thumbnail(self, index: int) -> np.ndarray | None:
        """The stored RGB thumbnail of an example added from an image (None otherwise)."""
        with self._lock:
            if not -len(self) <= index < len(self):
                raise IndexError(f"example index {index} out of range ({len(self)} examples)")
            return self._thumbs[index]

    def flush(self, timeout: float | None = 30.0) -> bool:
        """Wait until every background ``add_example`` made so far is stored (``save`` does
        this first, so a save never misses an example). False on timeout."""
        done = True
        for worker in (self._extractor.worker if self._extractor is not None else None,
                       self._worker):
            if worker is not None:
                done = worker.flush(timeout) and done
        return done

    # -------------------------------------------------------------- persistence
    def _saved_data(self, thumbnails: bool) -> storage.SavedData:
        thumbs = None
        if thumbnails and any(t is not None for t in self._thumbs):
            size = next(t for t in self._thumbs if t is not None).shape[0]
            thumbs = np.stack([t if t is not None and t.shape[0] == size
                               else np.zeros((size, size, 3), np.uint8) for t in self._thumbs])
        targets = None
        if self._task == "regression":
            targets = self._targets[: self._store.count].copy()
        return storage.SavedData(self._store.matrix(), self._store.class_ids.copy(),
                                 list(self._labels), self._model, dict(self._options), thumbs,
                                 targets, self._scalar_targets)

    def save(self, path: str | Path = "my_knn.p5knn", format: str | None = None,
             thumbnails: bool = True, index: bool = True) -> Path:
        """Save every example and label to one file, atomically; return its path.

        ``format="p5knn"`` (default; any suffix but ``.json``) keeps everything, including
        thumbnails. ``format="ml5"`` (default for ``.json``) writes what ml5's
        ``KNNClassifier.load()`` reads. With ``index=True`` a ready vector index (very large
        sets) is saved beside the file as ``<name>.<token>.usearch`` so loading skips the
        rebuild; index files of earlier saves to the same path are removed.
        """
        path = Path(path)
        check_target(path)
        self.flush()
        fmt = format or ("ml5" if path.suffix.lower() == ".json" else "p5knn")
        if fmt not in ("p5knn", "ml5"):
            raise ValueError(f"format must be 'p5knn' or 'ml5', got {format!r}")
        if fmt == "ml5" and self._task == "regression":
            raise ValueError("ml5's KNN format has no numeric targets; save regression "
                             "examples in the p5knn format")
        with self._lock:
            if self._store.count == 0:
                raise EmptyClassifierError("nothing to save: the classifier has no examples")
            data = self._saved_data(thumbnails and fmt == "p5knn")
            ready = self._store.ready_index() if index and fmt == "p5knn" else None
            if ready is not None:  # written under the lock: it must match the rows exactly
                data.example_ids = self._store.example_ids.copy()
                data.index = index_file.write(ready, path)
        if fmt == "ml5":
            rows = data.features.astype(np.float32)
            norms = np.linalg.norm(rows, axis=1, keepdims=True)
            normalized = rows / np.where(norms == 0, 1, norms) if self.metric == "cosine" else rows
            storage.save_ml5(path, data, normalized, __version__)
        else:
            try:
                storage.save_native(path, data, __version__)
            except BaseException:
                if data.index is not None:  # the old file still names its own index
                    path.with_name(data.index["file"]).unlink(missing_ok=True)
                raise
            index_file.remove_stale(path, keep=data.index["file"] if data.index else None)
        return path

    def load(self, path: str | Path) -> "KNNClassifier":
        """Replace this classifier's examples with those in ``path`` (a p5knn file or an ml5
        JSON). The file is fully checked first: on any error nothing changes."""
        self._restore(storage.load_any(path), path)
        return self

    def _restore(self, data: storage.SavedData, path: str | Path | None = None) -> None:
        """Replace the state with checked file contents (``path``: where they came from, to
        find a vector index saved beside them). Everything is checked and built aside first
        (options, rows, memory for the new store); the classifier changes only at the end,
        so any error leaves it as it was."""
        where = str(path) if path is not None else "classifier data"
        with self._lock:
            options = dict(self._options)
            for name, value in data.options.items():
                if name in DEFAULTS and name not in self._explicit:
                    try:
                        options[name] = _check_option(name, value)
                    except (TypeError, ValueError) as exc:
                        raise storage.CorruptFileError(
                            f"{where}: stored option {name}={value!r} is invalid ({exc})") from None
            n = len(data.features)
            store = ExampleStore(metric=options["metric"], **self._store_options)
            try:
                store.check_rows(data.features)
            except ValueError as exc:
                raise storage.CorruptFileError(f"{where}: {exc}") from None
            keys = data.example_ids if data.example_ids is not None else np.arange(n)
            threshold = store.index_threshold
            saved_index = None
            if path is not None and data.index and threshold and n >= threshold:
                saved_index = index_file.read(path, data.index, data.features.shape[1],
                                              options["metric"], keys, data.features)
            targets = None
            if data.targets is not None:
                targets = np.empty((max(64, 2 * n), data.targets.shape[1]))
                targets[:n] = data.targets
            try:
                store.extend(data.features, data.class_ids, keys, index=saved_index)
                thumbs = [None] * n if data.thumbnails is None else list(data.thumbnails)
            except BaseException:
                store.close()
                raise
            # nothing below can fail: switch over
            self._options = options
            self._reset(store)
            self._model = data.model
            self._thumbs = thumbs
            self._next_id = int(keys[-1]) + 1 if n else 0
            self._history = [int(i) for i in keys]
            if targets is not None:
                self._task = "regression"
                self._targets = targets
                self._scalar_targets = data.scalar_targets
            elif n:
                self._task = "classification"
                self._labels = list(data.labels)
                self._label_pos = {_key(lab): i for i, lab in enumerate(self._labels)}
                self._sizes = np.bincount(data.class_ids,
                                          minlength=len(self._labels)).astype(np.int64)
            self._mutated()

    # ----------------------------------------------------------------- autosave
    def autosave(self, path: str | Path, interval: float = 1.0,
                 on_error: ErrorCallback | None = None) -> Any:
        """Resume from ``path`` (or its ``.bak`` if damaged) and save every change there
        within ``interval`` seconds, crash-safely. Returns the :class:`AutoSaver`."""
        from p5knn.knn._autosave import attach

        if self._autosaver is not None:
            self._autosaver.close()
        self._autosaver = attach(self, path, interval, on_error)
        return self._autosaver

    def wait_saved(self, timeout: float | None = None) -> bool:
        """With autosave: block until every change so far is on disk (False on timeout)."""
        if self._autosaver is None:
            raise P5KNNError("autosave is off: create(autosave='file.p5knn') to turn it on")
        self.flush(timeout)
        return self._autosaver.wait_saved(timeout)

    def close(self) -> None:
        """Stop continuous classification and this classifier's own background thread (the
        extractor's thread is shared and left running); with autosave, save what is pending."""
        self.classify_stop(wait=False)
        if self._autosaver is not None:
            self._autosaver.close()
            self._autosaver = None
        with self._extractor_lock:
            if self._worker is not None:
                self._worker.close()
                self._worker = None


def create(extractor: FeatureExtractor | str | None = None, **options: Any) -> KNNClassifier:
    """Create a KNN classifier (ml5: ``ml5.KNNClassifier()``; tfjs: ``knnClassifier.create()``).

    ``extractor``: a :class:`FeatureExtractor`, a model name/path, or None (MobileNet is loaded
    the first time an image is given). Options: ``k=3``, ``metric="cosine"``,
    ``weights="uniform"`` or ``"distance"``, ``balanced=False``, ``min_similarity=None`` (below
    it the answer is ``unknown_label``), ``thumbnails=False``, ``bands="RGB"``, ``crop=None``.
    ``sketch``: the py5 sketch whose animation thread runs callbacks (class mode: ``self``;
    module mode finds it). ``callbacks``: ``"auto"`` (the sketch's thread when one runs, else
    the worker thread), ``"sketch"`` or ``"worker"``. ``autosave="file.p5knn"`` resumes from
    that file and saves every change there within ``autosave_interval`` seconds.
    ``dtype="float16"`` halves the examples' memory; above ``index_threshold`` examples
    (default 50 000; None: never) an HNSW index is built in the background and used.
    """
    return KNNClassifier(extractor, **options)


def load(path: str | Path, extractor: FeatureExtractor | str | None = None,
         **options: Any) -> KNNClassifier:
    """Create a classifier and load ``path`` into it (stored as float16 when the file is,
    unless ``dtype`` is given)."""
    data = storage.load_any(path)
    if data.features.dtype == np.float16:
        options.setdefault("dtype", "float16")
    knn = create(extractor, **options)
    knn._restore(data, path)
    return knn


__all__ = ["KNNClassifier", "KTooLargeWarning", "create", "load", "P5KNNError"]
