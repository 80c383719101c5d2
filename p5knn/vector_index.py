"""An approximate nearest-neighbour index (HNSW, from usearch) for very large example sets.

Exact search stays the default below a size threshold; above it the classifier builds this
index on a background thread (exact search answers meanwhile) and then asks it for a short
list of candidates, which are re-scored exactly, so similarities and tie-breaking stay the
same as the exact path. Vectors are stored in the index as float16 to halve its memory.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

DEFAULT_THRESHOLD = 50_000


def available() -> bool:
    """True when usearch can be imported."""
    try:
        import usearch.index  # noqa: F401
    except ImportError:
        return False
    return True


class VectorIndex:
    """HNSW over vectors keyed by integer ids; ``metric`` is "cosine" or "euclidean"."""

    def __init__(self, dim: int, metric: str, connectivity: int = 16,
                 expansion_add: int = 128, expansion_search: int = 128,
                 candidates: int = 64, threads: int | None = None) -> None:
        from usearch.index import Index

        self.metric = metric
        self.dim = dim
        self.candidates = candidates  #: ids asked of the graph per query, re-scored exactly
        self.threads = threads or max(1, os.cpu_count() or 1)
        self._index = Index(ndim=dim, metric="cos" if metric == "cosine" else "l2sq",
                            dtype="f16", connectivity=connectivity,
                            expansion_add=expansion_add, expansion_search=expansion_search)

    def __len__(self) -> int:
        return len(self._index)

    def add(self, ids: np.ndarray, rows: np.ndarray, threads: int | None = None) -> None:
        """Insert rows under their ids."""
        if len(ids):
            self._index.add(np.asarray(ids, np.uint64), np.asarray(rows, np.float32),
                            threads=threads or 1)

    def remove(self, ids: Any) -> None:
        """Forget some ids (unknown ids are ignored)."""
        ids = np.asarray(list(ids), np.uint64)
        if len(ids):
            self._index.remove(ids)

    def search(self, query: np.ndarray, count: int) -> np.ndarray:
        """Ids of about ``count`` nearest vectors (approximate)."""
        matches = self._index.search(np.asarray(query, np.float32), count)
        return np.asarray(matches.keys, np.int64)

    def set_search(self, expansion: int, candidates: int) -> None:
        """Trade speed for recall: the graph's search breadth and the candidates re-scored."""
        self._index.expansion_search = expansion
        self.candidates = candidates

    def memory_bytes(self) -> int:
        """Approximate memory the index uses."""
        return int(getattr(self._index, "memory_usage", 0))
