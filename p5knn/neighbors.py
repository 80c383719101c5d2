"""Example storage and the k-nearest-neighbour math (tfjs-models knn-classifier semantics).

Rows live in fixed-size chunks, so adding an example never copies the ones already stored
(no growth stall), and a query is one matrix-vector product per chunk.
"""

from __future__ import annotations

import numpy as np

METRICS = ("cosine", "euclidean")
WEIGHTS = ("uniform", "distance")
CHUNK_ROWS = 4096
_MIN_DISTANCE = 1e-6


class ExampleStore:
    """Feature rows (float32) with a class id and a stable example id per row."""

    def __init__(self, chunk_rows: int = CHUNK_ROWS) -> None:
        self.chunk_rows = chunk_rows
        self.dim: int | None = None
        self.count = 0
        self._chunks: list[np.ndarray] = []
        self._norms = np.empty(0, np.float32)
        self._class_ids = np.empty(0, np.int32)
        self._example_ids = np.empty(0, np.int64)

    def __len__(self) -> int:
        return self.count

    @staticmethod
    def _grow(arr: np.ndarray, needed: int) -> np.ndarray:
        if needed <= len(arr):
            return arr
        bigger = np.empty(max(needed, 2 * len(arr), 64), arr.dtype)
        bigger[: len(arr)] = arr
        return bigger

    def append(self, vector: np.ndarray, class_id: int, example_id: int) -> int:
        """Store one row; return its index."""
        if self.dim is None:
            self.dim = int(vector.shape[0])
        row = self.count % self.chunk_rows
        if row == 0:
            self._chunks.append(np.empty((self.chunk_rows, self.dim), np.float32))
        self._chunks[-1][row] = vector
        n = self.count + 1
        self._norms = self._grow(self._norms, n)
        self._class_ids = self._grow(self._class_ids, n)
        self._example_ids = self._grow(self._example_ids, n)
        self._norms[self.count] = np.sqrt(np.dot(vector, vector))
        self._class_ids[self.count] = class_id
        self._example_ids[self.count] = example_id
        self.count = n
        return n - 1

    @property
    def class_ids(self) -> np.ndarray:
        """Class id of every row (a view; do not modify)."""
        return self._class_ids[: self.count]

    @property
    def example_ids(self) -> np.ndarray:
        """Stable id of every row (a view; do not modify)."""
        return self._example_ids[: self.count]

    def row(self, index: int) -> np.ndarray:
        """A copy of one stored row."""
        return self._chunks[index // self.chunk_rows][index % self.chunk_rows].copy()

    def matrix(self) -> np.ndarray:
        """All rows as one new ``(count, dim)`` array."""
        if self.count == 0:
            return np.empty((0, self.dim or 0), np.float32)
        return np.concatenate(self._chunks)[: self.count]

    def extend(self, rows: np.ndarray, class_ids: np.ndarray, example_ids: np.ndarray) -> None:
        """Store many rows at once (chunk by chunk, no per-row Python work)."""
        if not len(rows):
            return
        if self.dim is None:
            self.dim = int(rows.shape[1])
        n = self.count + len(rows)
        self._norms = self._grow(self._norms, n)
        self._class_ids = self._grow(self._class_ids, n)
        self._example_ids = self._grow(self._example_ids, n)
        self._norms[self.count:n] = np.sqrt(np.einsum("ij,ij->i", rows, rows))
        self._class_ids[self.count:n] = class_ids
        self._example_ids[self.count:n] = example_ids
        done = 0
        while done < len(rows):
            row = self.count % self.chunk_rows
            if row == 0:
                self._chunks.append(np.empty((self.chunk_rows, self.dim), np.float32))
            take = min(self.chunk_rows - row, len(rows) - done)
            self._chunks[-1][row:row + take] = rows[done:done + take]
            done += take
            self.count += take

    def keep(self, mask: np.ndarray) -> None:
        """Drop every row where ``mask`` is False, keeping the order of the rest."""
        rows = self.matrix()[mask]
        class_ids = self.class_ids[mask].copy()
        example_ids = self.example_ids[mask].copy()
        dim = self.dim
        self.__init__(self.chunk_rows)  # type: ignore[misc]
        if len(rows):
            self.dim = dim
        self.extend(rows, class_ids, example_ids)

    def remap_classes(self, mapping: np.ndarray) -> None:
        """Replace every row's class id ``c`` with ``mapping[c]``."""
        self._class_ids[: self.count] = mapping[self._class_ids[: self.count]]

    def scores(self, query: np.ndarray, metric: str) -> tuple[np.ndarray, np.ndarray]:
        """``(similarity, distance)`` of the query to every row.

        cosine: similarity = x̂·q̂ (−1…1), distance = 1 − similarity.
        euclidean: distance = ‖x − q‖, similarity = 1 / (1 + distance).
        """
        dots = np.empty(self.count, np.float32)
        for start in range(0, self.count, self.chunk_rows):
            stop = min(start + self.chunk_rows, self.count)
            np.dot(self._chunks[start // self.chunk_rows][: stop - start], query,
                   out=dots[start:stop])
        norms = self._norms[: self.count]
        q_norm = np.float32(np.sqrt(np.dot(query, query)))
        if metric == "cosine":
            similarity = dots / (norms * q_norm)
            np.clip(similarity, -1.0, 1.0, out=similarity)
            return similarity, 1.0 - similarity
        squared = norms * norms - 2.0 * dots + q_norm * q_norm
        distance = np.sqrt(np.maximum(squared, 0.0))
        return 1.0 / (1.0 + distance), distance


def top_k(similarity: np.ndarray, class_rank: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` most similar rows, best first.

    Exact ties are broken like tfjs, whose example matrix is grouped by class: the class
    created first wins, then the example stored first.
    """
    n = len(similarity)
    if k < n:
        kth = similarity[np.argpartition(-similarity, k - 1)[k - 1]]
        candidates = np.flatnonzero(similarity >= kth)
    else:
        candidates = np.arange(n)
    order = np.lexsort((candidates, class_rank[candidates], -similarity[candidates]))
    return candidates[order[:k]]


def vote(neighbor_classes: np.ndarray, neighbor_distances: np.ndarray, num_classes: int,
         weights: str, class_sizes: np.ndarray | None) -> np.ndarray:
    """Confidence per class from the neighbours' classes.

    ``weights="uniform"`` without balancing is exactly tfjs: votes / k. ``"distance"`` weighs
    each vote by 1 / distance; ``class_sizes`` (balancing) divides each vote by the size of its
    class, so a big class does not win just by being big. Weighted results are normalised to 1.
    """
    k = len(neighbor_classes)
    if weights == "uniform" and class_sizes is None:
        return np.bincount(neighbor_classes, minlength=num_classes) / np.float64(k)
    w = np.ones(k, np.float64)
    if weights == "distance":
        w = 1.0 / np.maximum(neighbor_distances.astype(np.float64), _MIN_DISTANCE)
    if class_sizes is not None:
        w = w / class_sizes[neighbor_classes]
    totals = np.bincount(neighbor_classes, weights=w, minlength=num_classes)
    return totals / totals.sum()


def average(neighbor_values: np.ndarray, neighbor_distances: np.ndarray,
            weights: str) -> np.ndarray:
    """KNN regression: the neighbours' target rows averaged, plainly or weighted by
    1 / distance (``weights="distance"``)."""
    if weights == "distance":
        w = 1.0 / np.maximum(neighbor_distances.astype(np.float64), _MIN_DISTANCE)
    else:
        w = np.ones(len(neighbor_values))
    return (w[:, None] * neighbor_values.astype(np.float64)).sum(axis=0) / w.sum()
