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
#: graph search breadth and candidates re-scored per query; measured at 1 M examples
#: (benchmarks/bench_knn.py): recall@3 0.995 at 1.5 ms, where 128/64 gave 0.93-0.98.
DEFAULT_EXPANSION = 256
DEFAULT_CANDIDATES = 128


def available() -> bool:
    """True when usearch can be imported."""
    try:
        import usearch.index  # noqa: F401
    except ImportError:
        return False
    return True


def _prepared(rows: np.ndarray, metric: str) -> np.ndarray:
    """Rows as the index stores them: float32, unit length for cosine (which ignores length,
    and float16 cannot hold large values)."""
    rows = np.asarray(rows, np.float32)
    if metric == "cosine":
        norms = np.linalg.norm(rows, axis=-1, keepdims=True)
        rows = rows / np.where(norms > 0, norms, 1)
    return rows


class VectorIndex:
    """HNSW over vectors keyed by integer ids; ``metric`` is "cosine" or "euclidean"."""

    def __init__(self, dim: int, metric: str, connectivity: int = 16,
                 expansion_add: int = 128, expansion_search: int = DEFAULT_EXPANSION,
                 candidates: int = DEFAULT_CANDIDATES, threads: int | None = None,
                 graph: Any = None) -> None:
        """``graph``: an existing usearch ``Index`` to wrap (see :meth:`restore`)."""
        from usearch.index import Index

        self.metric = metric
        self.dim = dim
        self.threads = threads or max(1, os.cpu_count() or 1)
        self._index = graph if graph is not None else Index(
            ndim=dim, metric="cos" if metric == "cosine" else "l2sq", dtype="f16",
            connectivity=connectivity, expansion_add=expansion_add)
        self.set_search(expansion_search, candidates)

    def __len__(self) -> int:
        return len(self._index)

    def add(self, ids: np.ndarray, rows: np.ndarray, threads: int | None = None) -> None:
        """Insert rows under their ids (cosine: as unit vectors, so no float16 overflow)."""
        if len(ids):
            self._index.add(np.asarray(ids, np.uint64), _prepared(rows, self.metric),
                            threads=threads or 1)


    def remove(self, ids: Any) -> None:
        """Forget some ids (unknown ids are ignored)."""
        ids = np.asarray(list(ids), np.uint64)
        if len(ids):
            self._index.remove(ids)

    def search(self, query: np.ndarray, count: int) -> np.ndarray:
        """Ids of about ``count`` nearest vectors (approximate)."""
        matches = self._index.search(_prepared(query, self.metric), count)
        return np.asarray(matches.keys, np.int64)

    def set_search(self, expansion: int, candidates: int) -> None:
        """Trade speed for recall: the graph's search breadth and the candidates re-scored."""
        self._index.expansion_search = expansion
        self.candidates = candidates  #: ids asked of the graph per query, re-scored exactly

    def save(self, path: str | os.PathLike) -> None:
        """Write the graph and its vectors to ``path`` (usearch's own format)."""
        self._index.save(os.fspath(path))

    @classmethod
    def restore(cls, source: str | os.PathLike | bytes | bytearray, dim: int, metric: str,
                keys: np.ndarray, rows: np.ndarray | None = None,
                sample: int = 64) -> "VectorIndex":
        """Read an index written by :meth:`save` (a path, or its bytes already verified by
        the caller); ``ValueError`` unless it holds exactly ``keys`` as ``dim``-long vectors
        for ``metric`` and, when ``rows`` (the examples, in ``keys`` order) are given, a
        sample of ``sample`` stored vectors equals those rows (to float16 precision)."""
        from usearch.index import Index

        buffer = source if isinstance(source, (bytes, bytearray)) else os.fspath(source)
        try:
            index = Index.restore(buffer)
        except Exception as exc:  # usearch raises RuntimeError/ValueError/… on bad bytes
            raise ValueError(f"unreadable index ({exc})") from exc
        if index is None:
            raise ValueError("not a usearch index")
        kind = str(index.metric).lower()
        if index.ndim != dim or ("cos" in kind) != (metric == "cosine"):
            raise ValueError(f"index is for {index.ndim}-d {kind} vectors, not {dim}-d {metric}")
        keys = np.asarray(keys, np.uint64)
        if len(index) != len(keys) or not np.all(index.contains(keys)):
            raise ValueError(f"index holds {len(index)} vectors that are not this file's "
                             f"{len(keys)} examples")
        if rows is not None and len(keys):
            picks = np.unique(np.linspace(0, len(keys) - 1, min(sample, len(keys))).astype(int))
            stored = np.asarray(index.get(keys[picks], dtype=np.float32),
                                np.float32).reshape(len(picks), dim)
            expected = _prepared(rows[picks], metric)
            scale = np.abs(expected).max(axis=1, keepdims=True) + 1e-30
            if not np.all(np.abs(stored - expected) <= 2e-3 * scale):
                raise ValueError("the index's vectors are not this file's examples")
        return cls(dim, metric, graph=index)

    def memory_bytes(self) -> int:
        """Approximate memory the index uses."""
        return int(getattr(self._index, "memory_usage", 0))
