"""What a KNN classifier and a KNN regressor share: the stored examples (features, ids,
thumbnails), the feature extractor for images, removal and undo, snapshots, files, autosave,
and their live side (background calls, the sketch link)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np

from p5knn._base.errors import FeatureSizeError
from p5knn.features import FeatureExtractor, feature_extractor
from p5knn.features import _images as images
from p5knn.knn._persistence import Persistence
from p5knn.knn._index import DEFAULT_CANDIDATES, DEFAULT_EXPANSION
from p5knn.knn._labels import to_vector
from p5knn.knn._options import Options, check_count
from p5knn.knn._store import ExampleStore
from p5knn.live._background import Background, snapshot
from p5knn.live._worker import Worker


class ExampleSet(Persistence):
    """Stored examples and everything around them (base of :class:`KNNClassifier` and
    :class:`KNNRegressor`; not used on its own). Snapshots, files and autosave come from
    :class:`~p5knn.knn._persistence.Persistence`."""

    _task = ""           #: "classification" or "regression" (files record it)

    def __init__(self, extractor: FeatureExtractor | str | None, options: Options,
                 explicit: set[str], *, thumbnails: bool | int, bands: str, crop: str | None,
                 sketch: Any, callbacks: str, autosave: str | Path | None,
                 autosave_interval: float, dtype: str, index_threshold: int | None,
                 name: str) -> None:
        if isinstance(extractor, str):
            extractor = feature_extractor(extractor)
        if extractor is not None and not isinstance(extractor, FeatureExtractor) and not all(
                hasattr(extractor, a) for a in ("infer", "feature_size", "name", "worker",
                                                "close")):
            raise TypeError(f"extractor must be a feature extractor (infer, feature_size, name, "
                            f"worker, close), a model name or None, got "
                            f"{type(extractor).__name__}")
        self._extractor = extractor
        self._opts = options
        self._explicit = set(explicit)
        self.thumbnail_size = 64 if thumbnails is True else int(thumbnails or 0)
        self.bands = bands
        self.crop = crop
        self._lock = threading.RLock()
        self._extractor_lock = threading.Lock()
        self._live = Background(name, sketch, callbacks, on_sketch_end=self._sketch_ended)
        self.version = 0  #: increases with every change to the examples or options
        self._autosaver: Any = None
        self._store_options: dict[str, Any] = {
            "dtype": dtype, "index_search": None,
            "index_threshold": check_count("index_threshold", index_threshold, none_ok=True)}
        self._store: ExampleStore | None = None
        self._reset()
        if autosave is not None:
            self.autosave(autosave, autosave_interval)

    # ------------------------------------------------------------------ state
    def _reset(self, store: ExampleStore | None = None) -> None:
        """Forget every example (``store``: a filled store to use instead of an empty one)."""
        if self._store is not None:
            self._store.close()
        self._store = store if store is not None else \
            ExampleStore(metric=self._opts.metric, **self._store_options)
        self._thumbs: list[np.ndarray | None] = []
        self._history: list[int] = []
        self._next_id = 0
        self._model: str | None = None
        self._reset_task()

    def _reset_task(self) -> None:
        """Forget labels or targets (subclasses)."""

    def __len__(self) -> int:
        return self._store.count

    @property
    def sketch(self) -> Any:
        """The py5 sketch whose animation thread runs callbacks (None: found by itself)."""
        return self._live.sketch

    @property
    def k(self) -> int:
        """Default number of neighbours."""
        return self._opts.k

    @k.setter
    def k(self, value: int) -> None:
        self.set_options(k=value)

    @property
    def metric(self) -> str:
        """``"cosine"`` (ml5/tfjs) or ``"euclidean"`` (better for positions and sensors)."""
        return self._opts.metric

    @property
    def options(self) -> dict[str, Any]:
        """The options in force (a copy)."""
        return self._opts.as_dict()

    def set_options(self, **options: Any) -> None:
        """Change options (see ``create()``); each is checked, an unknown name is a
        ``TypeError``, and on any error nothing changes.

        Example
        -------
        >>> knn.set_options(k=5, weights="distance")
        """
        new = self._opts.replace(**options)
        with self._lock:
            if new.metric == "cosine" and self.metric != "cosine" and self._store.count \
                    and not np.all(self._store.norms() > 0):
                raise ValueError("cannot switch to cosine: some examples are all zeros, which "
                                 "have no direction; remove them first")
            self._opts = new
            self._explicit.update(options)
            self._store.set_metric(new.metric)
            self._mutated()

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

    @property
    def index_search(self) -> tuple[int, int]:
        """``(expansion, candidates)``: the index's search breadth and re-scored candidates."""
        return self._store_options["index_search"] or (DEFAULT_EXPANSION, DEFAULT_CANDIDATES)

    def wait_for_index(self, timeout: float = 3600.0) -> bool:
        """Block until a background index build finishes; True when the index is in use."""
        return self._store.wait_for_index(timeout)

    def set_index_search(self, expansion: int = DEFAULT_EXPANSION,
                         candidates: int = DEFAULT_CANDIDATES) -> None:
        """Trade speed for recall in the index (used above ``index_threshold`` examples).

        Parameters
        ----------
        expansion : int
            How widely the graph is searched.
        candidates : int
            How many of its answers are re-scored exactly.

        Larger is slower and misses fewer true neighbours. Applies now and to every later
        rebuild; calling it bare restores the defaults.
        """
        search = (check_count("expansion", expansion), check_count("candidates", candidates))
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
    def _features(self, x: Any, bands: str | None, crop: str | None,
                  thumbnail: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
        """(feature vector, thumbnail or None) of an image or a feature vector."""
        if not images.is_image_like(x):
            vector = to_vector(x)
            self._check_dim(len(vector), "feature vector")
            self._check_direction(vector)
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
        thumb = images.thumbnail(x, self.thumbnail_size, bands) \
            if thumbnail and self.thumbnail_size else None
        return vector, thumb

    def _check_direction(self, vector: np.ndarray) -> None:
        """Cosine needs a vector with a direction (not all zeros)."""
        if self.metric == "cosine" and not np.any(vector):
            raise ValueError("an all-zero feature vector has no direction, so cosine "
                             "similarity is undefined; use metric='euclidean' for data "
                             "that can be zero (positions, sensors)")

    def _check_dim(self, n: int, what: str) -> None:
        dim = self._store.dim
        if dim is not None and n != dim:
            raise FeatureSizeError(f"{what} has {n} numbers, but this classifier's examples "
                                   f"have {dim}")

    def _worker_for(self, x: Any) -> Worker:
        """The extractor's worker for images (it owns the model), else this object's own."""
        return self.extractor.worker if images.is_image_like(x) else self._live.own_worker()

    def _add_row(self, vector: np.ndarray, target: Any, thumb: Any) -> int:
        """Store one checked row with its label or target (lock held; subclasses); on error
        nothing has changed."""
        raise NotImplementedError

    def _add_now(self, x: Any, bands: str, target: Any, crop: str | None) -> int:
        """Add one example now (what ``add_example`` runs, here or on a worker)."""
        return self._add_batch([(x, bands)], [target], crop)[0]

    def _add_many(self, items: list[Any], targets: list[Any], bands: str | None,
                  crop: str | None, wait: bool | None) -> list[int] | Any:
        """``add_examples`` once its targets are checked: by the live rule, now or (inputs
        snapshotted first) on a worker, all or nothing."""
        if len(targets) != len(items):
            raise ValueError(f"{len(items)} examples but {len(targets)} labels or targets")
        bands = bands or self.bands
        later = self._live.returns_at_once(None, None, wait)
        pairs = [snapshot(x, bands) if later else (x, bands) for x in items]
        worker = self._worker_for(items[0]) if items else None
        return self._live.call(self._add_batch, pairs, targets, crop, worker=worker,
                               wait=not later)

    def _add_batch(self, pairs: list[tuple[Any, str]], targets: list[Any],
                   crop: str | None) -> list[int]:
        """Store examples all or nothing: features first, then rows under the lock, and the
        batch's rows taken back if any of them fails."""
        features = [self._features(x, b, crop, thumbnail=True) for x, b in pairs]
        with self._lock:
            before = self._store.count
            try:
                indices = [self._add_row(v, t, thumb)
                           for (v, thumb), t in zip(features, targets)]
            except BaseException:
                if self._store.count > before:
                    mask = np.ones(self._store.count, bool)
                    mask[before:] = False
                    self._keep(mask)
                raise
            if before == 0 and indices and self._model is None and \
                    any(images.is_image_like(x) for x, _ in pairs):
                self._model = self.extractor.name
            self._mutated()
            return indices

    def _store_row(self, vector: np.ndarray, class_id: int, thumb: Any) -> int:
        """Append one row and its bookkeeping (lock held); on error nothing changed."""
        index = self._store.append(vector, class_id, self._next_id)
        self._thumbs.append(thumb)
        self._history.append(self._next_id)
        self._next_id += 1
        return index

    # ----------------------------------------------------------------- removing
    def _keep(self, mask: np.ndarray) -> None:
        """Drop the examples where ``mask`` is False (lock held)."""
        removed_ids = set(self._store.example_ids[~mask].tolist())
        self._keep_task(mask)
        self._thumbs = [t for t, keep in zip(self._thumbs, mask) if keep]
        self._history = [i for i in self._history if i not in removed_ids]
        if self._store.count == 0:
            model = self._model
            self._reset()
            self._model = model
        self._mutated()

    def _keep_task(self, mask: np.ndarray) -> None:
        """Drop rows (and labels or targets) where ``mask`` is False (subclasses)."""
        self._store.keep(mask)

    def _label_of(self, index: int) -> Any:
        raise NotImplementedError

    def remove_example(self, index: int) -> Any:
        """Remove the example at ``index`` (as in ``result.neighbors``) and return its label.
        Later examples move down by one, like a list.

        Example
        -------
        >>> wrong = knn.predict_class(frame).neighbors[0].index
        >>> knn.remove_example(wrong)
        'cat'
        """
        with self._lock:
            n = self._store.count
            if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
                raise TypeError(f"index must be an integer, got {type(index).__name__}")
            if not -n <= index < n:
                raise IndexError(f"example index {index} out of range: there are {n} examples")
            index = int(index) % n
            label = self._label_of(index)
            mask = np.ones(n, bool)
            mask[index] = False
            self._keep(mask)
            return label

    def undo_last(self) -> Any:
        """Remove the most recently added example still present and return its label (None
        when there is nothing to undo)."""
        with self._lock:
            if not self._history:
                return None
            last = self._history[-1]
            return self.remove_example(int(np.flatnonzero(self._store.example_ids == last)[0]))

    def get_example(self, index: int) -> tuple[np.ndarray, Any]:
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

    def _mutated(self) -> None:
        """Count a change (the autosaver persists every version); lock held."""
        self.version += 1
        if self._autosaver is not None:
            self._autosaver.changed()

    def flush(self, timeout: float | None = 30.0) -> bool:
        """Wait until every background add made so far is stored (``save`` does this first,
        so a save never misses an example). False on timeout."""
        done = self._live.flush(timeout)
        if self._extractor is not None:
            done = self._extractor.worker.flush(timeout) and done
        return done

    # ---------------------------------------------------------------- lifecycle
    def _sketch_ended(self) -> None:
        self.close()
        if self._extractor is not None:
            self._extractor.close()

    def close(self) -> None:
        """Stop this object's background work (its own thread; continuous classification;
        the extractor's thread is shared and left running); with autosave, save what is
        pending. A later call starts what it needs again."""
        if self._autosaver is not None:
            self._autosaver.close()
            self._autosaver = None
        self._live.close()
