"""Snapshots, files and autosave of a KNN classifier or regressor (a base class of
:class:`~p5knn.knn._examples.ExampleSet`, which provides the state it reads and writes)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from p5knn._base.atomic import check_target
from p5knn._base.errors import CorruptFileError, EmptyClassifierError, P5KNNError
from p5knn._base.version import __version__
from p5knn.knn import _files, _index_file, _ml5
from p5knn.knn._saved import SavedData, validate
from p5knn.knn._autosave import attach
from p5knn.knn._store import ExampleStore
from p5knn.live._report import ErrorCallback




class Persistence:
    """Snapshot / restore, save / load and autosave, on the state of an ``ExampleSet``
    (``_lock``, ``_store``, ``_opts``, ``_thumbs`` …) and its task hooks
    (``_snapshot_task``, ``_check_task``, ``_prepare_task``, ``_commit_task``)."""

    # --------------------------------------------------------------- snapshots
    def snapshot(self, thumbnails: bool = True) -> SavedData:
        """Everything needed to rebuild this object, as of now (what files and autosave
        store). ``snapshot().version`` tells which change it includes."""
        with self._lock:
            thumbs = None
            if thumbnails and any(t is not None for t in self._thumbs):
                size = next(t for t in self._thumbs if t is not None).shape[0]
                thumbs = np.stack([t if t is not None and t.shape[0] == size
                                   else np.zeros((size, size, 3), np.uint8)
                                   for t in self._thumbs])
            data = SavedData(self._store.matrix(), self._store.class_ids.copy(), [],
                             self._model, self._opts.as_dict(), thumbs)
            data.version = self.version
            data.example_ids = self._store.example_ids.copy()
            self._snapshot_task(data)
            return data

    def _snapshot_task(self, data: SavedData) -> None:
        raise NotImplementedError

    def restore(self, data: SavedData, path: str | Path | None = None) -> None:
        """Replace everything with ``data`` (from :meth:`snapshot` or a file). It is checked
        and built aside first (options, rows, memory); any error leaves this object as it
        was. ``path``: where a file came from, to find a vector index saved beside it."""
        where = str(path) if path is not None else "classifier data"
        if not isinstance(data, SavedData):
            raise TypeError(f"restore() takes what snapshot() or a file gives, not "
                            f"{type(data).__name__}")
        if not data.checked:               # a loader's output was checked already
            validate(data, where)
        self._check_task(data, where)
        with self._lock:
            options = self._opts.merged_with_stored(data.options, self._explicit, where)
            n = len(data.features)
            store = ExampleStore(metric=options.metric, **self._store_options)
            try:
                store.check_rows(data.features)
            except ValueError as exc:
                raise CorruptFileError(f"{where}: {exc}") from None
            keys = data.example_ids if data.example_ids is not None else np.arange(n)
            threshold = store.index_threshold
            saved_index = None
            if path is not None and data.index and threshold and n >= threshold:
                saved_index = _index_file.read(path, data.index, data.features.shape[1],
                                               options.metric, keys, data.features)
            task_state = self._prepare_task(data, n)
            try:
                store.extend(data.features, data.class_ids, keys, index=saved_index)
                thumbs = [None] * n if data.thumbnails is None else list(data.thumbnails)
            except BaseException:
                store.close()
                raise
            # nothing below can fail: switch over
            self._opts = options
            self._reset(store)
            self._model = data.model
            self._thumbs = thumbs
            self._next_id = int(keys[-1]) + 1 if n else 0
            self._history = [int(i) for i in keys]
            self._commit_task(task_state, n)
            self._mutated()

    def _check_task(self, data: SavedData, where: str) -> None:
        raise NotImplementedError

    def _prepare_task(self, data: SavedData, n: int) -> Any:
        raise NotImplementedError

    def _commit_task(self, state: Any, n: int) -> None:
        raise NotImplementedError

    # -------------------------------------------------------------------- files
    def save(self, path: str | Path = "my_knn.p5knn", format: str | None = None,
             thumbnails: bool = True, index: bool = True) -> Path:
        """Save every example to one file, atomically; return its path.

        Parameters
        ----------
        path : str or Path
            The file. An existing folder, device or pipe there is refused.
        format : {"p5knn", "ml5"}, optional
            ``"p5knn"`` (default; any suffix but ``.json``) keeps everything, thumbnails
            included; ``"ml5"`` (default for ``.json``) writes what ml5's
            ``KNNClassifier.load()`` reads (classifiers only).
        thumbnails : bool
            Store thumbnails (p5knn format).
        index : bool
            Save a ready vector index (very large sets) beside the file as
            ``<name>.<token>.usearch``; index files of earlier saves to the same path go.

        Example
        -------
        >>> knn.save("gestures.p5knn")
        PosixPath('gestures.p5knn')
        """
        path = Path(path)
        check_target(path)
        self.flush()
        fmt = format or ("ml5" if path.suffix.lower() == ".json" else "p5knn")
        if fmt not in ("p5knn", "ml5"):
            raise ValueError(f"format must be 'p5knn' or 'ml5', got {format!r}")
        if fmt == "ml5" and self._task != "classification":
            raise ValueError("ml5's KNN format has no numeric targets; save regression "
                             "examples in the p5knn format")
        with self._lock:
            if self._store.count == 0:
                raise EmptyClassifierError("nothing to save: there are no examples")
            data = self.snapshot(thumbnails and fmt == "p5knn")
            ready = self._store.ready_index() if index and fmt == "p5knn" else None
            if ready is not None:  # written under the lock: it must match the rows exactly
                data.example_ids = self._store.example_ids.copy()
                data.index = _index_file.write(ready, path)
        if fmt == "ml5":
            _ml5.save(path, data, self.metric, __version__)
            return path
        try:
            _files.save_native(path, data, __version__)
        except BaseException:
            if data.index is not None:  # the old file still names its own index
                path.with_name(data.index["file"]).unlink(missing_ok=True)
            raise
        _index_file.remove_stale(path, keep=data.index["file"] if data.index else None)
        return path

    def load(self, path: str | Path) -> "Persistence":
        """Replace the examples with those in ``path`` (a p5knn file or an ml5 JSON), fully
        checked first: on any error nothing changes. Returns this object."""
        self.restore(_files.load_any(path), path)
        return self

    # ----------------------------------------------------------------- autosave
    def autosave(self, path: str | Path, interval: float = 1.0,
                 on_error: ErrorCallback | None = None) -> Any:
        """Resume from ``path`` (or its ``.bak`` if damaged) and save every change there
        within ``interval`` seconds, crash-safely. Returns the autosaver."""
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
