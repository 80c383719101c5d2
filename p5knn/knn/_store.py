"""Example storage and the k-nearest-neighbour math (tfjs-models knn-classifier semantics).

Rows live in fixed-size chunks, so adding an example never copies the ones already stored
(no growth stall), and a query is one matrix-vector product per chunk. Rows can be stored as
float16 (half the memory). Above ``index_threshold`` rows an HNSW index
(:mod:`p5knn.vector_index`) is built in the background and then proposes candidates that
are re-scored exactly.
"""

from __future__ import annotations

import atexit
import threading
import weakref
from typing import Any

import numpy as np

from p5knn.knn._math import finish_scores, rank, row_norms, top_k, unit_query

CHUNK_ROWS = 4096
#: a chunk holds at most this many bytes: 4096 rows of 1024 float32, fewer rows when wider
CHUNK_BYTES = 16 << 20
#: longest feature vector a classifier takes (4 MB per float32 row)
MAX_FEATURE_SIZE = 1 << 20
#: largest magnitude a feature value may have: with vectors up to ``MAX_FEATURE_SIZE`` long,
#: every dot product and norm p5knn computes stays finite
MAX_VALUE = 1e30
#: rows handed to the index per native call while building: the longest a cancelled build
#: (a removal, a new metric, interpreter exit) keeps running, ≈ 0.5 s at 1024-d here
BUILD_BATCH = 1024

_building: "weakref.WeakSet[ExampleStore]" = weakref.WeakSet()


@atexit.register
def _stop_builds_at_exit() -> None:
    """Cancel background index builds and wait for their current native call: a process
    must not exit while usearch's C++ threads run (it aborts with "terminate called")."""
    for store in list(_building):
        store.cancel_build(wait=True)


class ExampleStore:
    """Feature rows (float32 or float16) with a class id and a stable, increasing example id
    per row; optionally an approximate index for very large sets."""

    def __init__(self, chunk_rows: int = CHUNK_ROWS, dtype: str = "float32",
                 index_threshold: int | None = None, metric: str = "cosine",
                 index_search: tuple[int, int] | None = None) -> None:
        if dtype not in ("float32", "float16"):
            raise ValueError(f"dtype must be 'float32' or 'float16', got {dtype!r}")
        self.chunk_rows = chunk_rows
        self.dtype = np.dtype(dtype)
        self.index_threshold = index_threshold
        self.metric = metric
        self.dim: int | None = None
        self.count = 0
        self._chunks: list[np.ndarray] = []
        self._norms = np.empty(0, np.float64)    # float64: no overflow for huge values
        self._class_ids = np.empty(0, np.int32)
        self._example_ids = np.empty(0, np.int64)
        self._index: Any = None                  # VectorIndex once built
        self._index_state = "off"                # off | building | ready
        self._index_lock = threading.Lock()
        self._pending_add: list[tuple[np.ndarray, np.ndarray]] = []
        self._pending_remove: set[int] = set()
        self._generation = 0                     # bumped to cancel a background build
        self._builder: threading.Thread | None = None
        self.index_search = index_search         # (expansion, candidates); None: defaults

    def __len__(self) -> int:
        return self.count

    def check_rows(self, rows: np.ndarray) -> None:
        """Raise ValueError if ``rows`` (one row or a matrix) cannot be stored exactly enough
        in this store's dtype (float16 holds magnitudes up to 65504), or, for cosine, have no
        direction once stored (all zero, or so small that float16 turns them into zeros).
        Works through large matrices a block at a time (no full-size temporaries)."""
        if rows.ndim == 1 and self.dtype == np.float32:   # the common case: one float32 row
            if self.metric == "cosine" and not rows.any():
                raise ValueError("an all-zero feature vector has no direction, so cosine "
                                 "similarity is undefined; use metric='euclidean' for data "
                                 "that can be zero")
            return
        rows = np.atleast_2d(rows)
        limit = float(np.finfo(np.float16).max)
        for start in range(0, len(rows), 8192):
            block = rows[start:start + 8192]
            if self.dtype == np.float16 and block.size and float(np.max(np.abs(block))) > limit:
                raise ValueError("a feature value is larger than float16 can hold (65504); "
                                 "use dtype='float32' or scale the vectors")
            if self.metric != "cosine":
                continue
            stored = block.astype(self.dtype) if block.dtype != self.dtype else block
            if np.all(np.any(stored != 0, axis=1)):
                continue
            if self.dtype == np.float16 and np.all(np.any(block != 0, axis=1)):
                raise ValueError("an example's values are too small for float16 (they would "
                                 "be stored as zeros); use dtype='float32' or scale the vectors")
            raise ValueError("an all-zero feature vector has no direction, so cosine "
                             "similarity is undefined; use metric='euclidean' for data "
                             "that can be zero")

    def _start_chunks(self, dim: int) -> None:
        """Fix the row length (first rows only) and the rows per chunk that go with it."""
        if self.dim is None:
            itemsize = self.dtype.itemsize
            self.chunk_rows = max(1, min(self.chunk_rows, CHUNK_BYTES // (dim * itemsize)))
            self.dim = int(dim)

    @staticmethod
    def _grow(arr: np.ndarray, needed: int) -> np.ndarray:
        if needed <= len(arr):
            return arr
        bigger = np.empty(max(needed, 2 * len(arr), 64), arr.dtype)
        bigger[: len(arr)] = arr
        return bigger

    def append(self, vector: np.ndarray, class_id: int, example_id: int) -> int:
        """Store one row; return its index."""
        fresh = self.dim is None
        self._start_chunks(int(vector.shape[0]))
        try:  # allocate everything first: a MemoryError leaves the store as it was
            row = self.count % self.chunk_rows
            if row == 0:
                self._chunks.append(np.empty((self.chunk_rows, self.dim), self.dtype))
            n = self.count + 1
            self._norms = self._grow(self._norms, n)
            self._class_ids = self._grow(self._class_ids, n)
            self._example_ids = self._grow(self._example_ids, n)
        except MemoryError:
            if row == 0 and len(self._chunks) * self.chunk_rows > self.count:
                self._chunks.pop()
            if fresh:
                self.dim, self.chunk_rows = None, CHUNK_ROWS
            raise
        self._chunks[-1][row] = vector
        stored = self._chunks[-1][row].astype(np.float32)
        wide = stored.astype(np.float64)
        self._norms[self.count] = np.sqrt(wide.dot(wide))
        self._class_ids[self.count] = class_id
        self._example_ids[self.count] = example_id
        self.count = n
        self._index_add(np.array([example_id]), stored[None])
        return n - 1

    def norms(self) -> np.ndarray:
        """L2 norm of every row (a view; do not modify)."""
        return self._norms[: self.count]

    @property
    def class_ids(self) -> np.ndarray:
        """Class id of every row (a view; do not modify)."""
        return self._class_ids[: self.count]

    @property
    def example_ids(self) -> np.ndarray:
        """Stable id of every row (a view; do not modify)."""
        return self._example_ids[: self.count]

    def row(self, index: int) -> np.ndarray:
        """A float32 copy of one stored row."""
        return self._chunks[index // self.chunk_rows][index % self.chunk_rows].astype(np.float32)

    def matrix(self) -> np.ndarray:
        """All rows as one new ``(count, dim)`` array."""
        if self.count == 0:
            return np.empty((0, self.dim or 0), self.dtype)
        return np.concatenate(self._chunks)[: self.count]

    def extend(self, rows: np.ndarray, class_ids: np.ndarray, example_ids: np.ndarray,
               index: Any = None) -> None:
        """Store many rows at once (chunk by chunk, no per-row Python work). ``index``: a
        ready :class:`~p5knn.vector_index.VectorIndex` already holding exactly these rows
        under these ids (an empty store only), used instead of building one."""
        adopt = index is not None and self.count == 0 and index.metric == self.metric
        self._write(rows, class_ids, example_ids)
        if adopt:
            with self._index_lock:
                self._generation += 1
                if self.index_search is not None:
                    index.set_search(*self.index_search)
                self._index, self._index_state = index, "ready"
        elif len(rows):
            self._index_add(np.asarray(example_ids), rows)

    def ready_index(self) -> Any:
        """The index when it is built and holds every row, else None."""
        with self._index_lock:
            return self._index if self._index_state == "ready" else None

    def _write(self, rows: np.ndarray, class_ids: np.ndarray, example_ids: np.ndarray) -> None:
        if not len(rows):
            return
        self._start_chunks(int(rows.shape[1]))
        n = self.count + len(rows)
        self._norms = self._grow(self._norms, n)
        self._class_ids = self._grow(self._class_ids, n)
        self._example_ids = self._grow(self._example_ids, n)
        self._class_ids[self.count:n] = class_ids
        self._example_ids[self.count:n] = example_ids
        done = 0
        while done < len(rows):
            row = self.count % self.chunk_rows
            if row == 0:
                self._chunks.append(np.empty((self.chunk_rows, self.dim), self.dtype))
            take = min(self.chunk_rows - row, len(rows) - done)
            block = self._chunks[-1][row:row + take]
            block[:] = rows[done:done + take]
            self._norms[self.count:self.count + take] = row_norms(block)
            done += take
            self.count += take

    def keep(self, mask: np.ndarray) -> None:
        """Drop every row where ``mask`` is False, keeping the order of the rest. Rows after
        the first dropped one move down in place, a chunk at a time: no second copy of the
        examples is made and stored norms are kept, not recomputed. A background index
        build reads rows that are about to move, so it is discarded and started again."""
        with self._index_lock:
            restart = self._index_state == "building"
            if restart:
                self._generation += 1
                self._index_state = "off"
                self._pending_add, self._pending_remove = [], set()
        self._index_remove(self.example_ids[~mask])
        kept = np.flatnonzero(mask[: self.count])
        first = int(np.argmin(mask[: self.count])) if len(kept) < self.count else self.count
        size = self.chunk_rows
        target = first
        while target < len(kept):  # fill one destination chunk (or its tail) per step
            stop = min(len(kept), (target // size + 1) * size)
            self._chunks[target // size][target % size:target % size + stop - target] = \
                self._gather(kept[target:stop])
            target = stop
        for arr in (self._norms, self._class_ids, self._example_ids):
            arr[first:len(kept)] = arr[kept[first:]]
        self.count = len(kept)
        del self._chunks[-(-self.count // size):]
        if restart and self.index_threshold and self.count >= self.index_threshold:
            self._start_index()

    def _gather(self, positions: np.ndarray) -> np.ndarray:
        """Rows at increasing ``positions``, as one new array."""
        size = self.chunk_rows
        chunk_of = positions // size
        bounds = np.flatnonzero(np.diff(chunk_of)) + 1
        parts = [self._chunks[int(group[0] // size)][group % size]
                 for group in np.split(positions, bounds)]
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    # ------------------------------------------------------------ the index
    def _index_add(self, ids: np.ndarray, rows: np.ndarray) -> None:
        with self._index_lock:
            state = self._index_state
            if state == "ready":
                self._index.add(ids, rows.astype(np.float32))
            elif state == "building":
                self._pending_add.append((np.array(ids), np.array(rows, np.float32)))
        if state == "off" and self.index_threshold and self.count >= self.index_threshold:
            self._start_index()

    def _index_remove(self, ids: np.ndarray) -> None:
        with self._index_lock:
            if self._index_state == "ready":
                self._index.remove(ids)
            elif self._index_state == "building":
                self._pending_remove.update(int(i) for i in ids)

    def set_index_search(self, expansion: int, candidates: int) -> None:
        """Search breadth and re-scored candidates for the index, now and after rebuilds."""
        with self._index_lock:
            self.index_search = (expansion, candidates)
            if self._index is not None:
                self._index.set_search(expansion, candidates)

    def set_metric(self, metric: str) -> None:
        """Change the metric; an index built for the old one is dropped and rebuilt."""
        if metric == self.metric:
            return
        self.metric = metric
        with self._index_lock:
            self._generation += 1
            self._index, self._index_state = None, "off"
            self._pending_add, self._pending_remove = [], set()
        if self.index_threshold and self.count >= self.index_threshold:
            self._start_index()

    def _start_index(self) -> None:
        from p5knn.knn import _index as vector_index

        if not vector_index.available():
            self.index_threshold = None  # exact search only
            return
        with self._index_lock:
            self._index_state = "building"
            self._generation += 1
            generation = self._generation
        chunks, count, ids = list(self._chunks), self.count, self.example_ids.copy()
        self._builder = threading.Thread(target=self._build_index,
                                         args=(chunks, count, ids, self.metric, generation),
                                         name="p5knn-index", daemon=True)
        _building.add(self)
        self._builder.start()

    def cancel_build(self, wait: bool = False) -> None:
        """Stop a background index build (the index goes "off"); ``wait``: until its current
        native call returns."""
        with self._index_lock:
            if self._index_state == "building":
                self._generation += 1
                self._index_state = "off"
                self._pending_add, self._pending_remove = [], set()
            builder = self._builder
        if wait and builder is not None and builder is not threading.current_thread():
            builder.join()

    def _build_index(self, chunks: list[np.ndarray], count: int, ids: np.ndarray,
                     metric: str, generation: int) -> None:
        from p5knn.knn._index import VectorIndex

        index = VectorIndex(self.dim or 0, metric)
        start = 0
        while start < count:
            if self._generation != generation:
                return  # replaced (closed store, new metric, rows moved, exit)
            chunk, offset = divmod(start, self.chunk_rows)
            stop = min(start + BUILD_BATCH, count, (chunk + 1) * self.chunk_rows)
            index.add(ids[start:stop], chunks[chunk][offset:offset + stop - start],
                      threads=index.threads)
            start = stop
        with self._index_lock:
            if self._generation != generation:
                return
            for pending_ids, rows in self._pending_add:
                index.add(pending_ids, rows)
            index.remove(self._pending_remove)
            self._pending_add, self._pending_remove = [], set()
            if self.index_search is not None:
                index.set_search(*self.index_search)
            self._index = index
            self._index_state = "ready"

    @property
    def index_state(self) -> str:
        """"off", "building" or "ready"."""
        return self._index_state

    def wait_for_index(self, timeout: float = 3600.0) -> bool:
        """Block until a started index is ready (True) or ``timeout`` passes."""
        import time

        deadline = time.monotonic() + timeout
        while self._index_state == "building" and time.monotonic() < deadline:
            time.sleep(0.05)
        return self._index_state == "ready"

    def close(self) -> None:
        """Stop a background index build and drop the index (the store is being replaced)."""
        with self._index_lock:
            self._generation += 1
            self._index, self._index_state = None, "off"
            self._pending_add, self._pending_remove = [], set()
            self.index_threshold = None

    def nearest(self, query: np.ndarray, k: int, metric: str,
                exact: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(indices, similarity, distance)`` of the ``k`` nearest rows, best first. Uses the
        index when it is ready (candidates re-scored exactly), else exact search."""
        k = min(k, self.count)
        index = self._index if self._index_state == "ready" else None
        small = not self.index_threshold or self.count < self.index_threshold
        if exact or small or index is None or index.metric != metric:
            similarity, distance = self.scores(query, metric)
            best = top_k(rank(similarity, distance, metric), self.class_ids, k)
            return best, similarity[best], distance[best]
        ids = index.search(query, max(4 * k, index.candidates))
        positions = np.searchsorted(self.example_ids, ids)
        inside = positions < self.count
        positions, ids = positions[inside], ids[inside]
        positions = np.unique(positions[self.example_ids[positions] == ids])
        if len(positions) < k:  # the index lost track (e.g. mid-update): be exact
            return self.nearest(query, k, metric, exact=True)
        rows = self._gather(positions).astype(np.float32)
        similarity, distance = self._score_rows(rows, self._norms[positions], query, metric)
        best = top_k(rank(similarity, distance, metric), self.class_ids[positions], k)
        return positions[best], similarity[best], distance[best]


    def remap_classes(self, mapping: np.ndarray) -> None:
        """Replace every row's class id ``c`` with ``mapping[c]``."""
        self._class_ids[: self.count] = mapping[self._class_ids[: self.count]]

    def scores(self, query: np.ndarray, metric: str) -> tuple[np.ndarray, np.ndarray]:
        """``(similarity, distance)`` of the query to every row.

        cosine: similarity = x̂·q̂ (−1…1), distance = 1 − similarity.
        euclidean: distance = ‖x − q‖, similarity = 1 / (1 + distance).
        """
        unit, q_norm = unit_query(query)
        dots = np.empty(self.count, np.float32)
        for start in range(0, self.count, self.chunk_rows):
            stop = min(start + self.chunk_rows, self.count)
            chunk = self._chunks[start // self.chunk_rows][: stop - start]
            if chunk.dtype != np.float32:
                chunk = chunk.astype(np.float32)
            np.dot(chunk, unit, out=dots[start:stop])
        return finish_scores(dots, self._norms[: self.count], q_norm, metric)

    def _score_rows(self, rows: np.ndarray, norms: np.ndarray, query: np.ndarray,
                    metric: str) -> tuple[np.ndarray, np.ndarray]:
        unit, q_norm = unit_query(query)
        return finish_scores(rows @ unit, norms, q_norm, metric)
