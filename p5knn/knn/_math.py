"""The k-nearest-neighbour maths, as tfjs-models ``knn-classifier`` (ml5's engine) does it,
plus p5knn's options: scores, the top k with tfjs's tie-breaking, votes, regression means.

Scores are finished in float64 from dot products with a unit-length query, so no value a
feature may hold (see :data:`p5knn.knn._store.MAX_VALUE`) overflows or underflows.
"""

from __future__ import annotations

import numpy as np

_MIN_DISTANCE = 1e-6


def rank(similarity: np.ndarray, distance: np.ndarray, metric: str) -> np.ndarray:
    """Higher is nearer. Euclidean ranks by −distance: 1 / (1 + d) cannot tell tiny
    distances apart (it is 1.0 for every d below 1e-16)."""
    return similarity if metric == "cosine" else -distance


def row_norms(rows: np.ndarray) -> np.ndarray | np.float64:
    """L2 norm of each row (or of one vector), computed in float64 so that no value a
    float32 can hold overflows or underflows."""
    wide = np.asarray(rows, np.float64)
    return np.sqrt(np.einsum("...i,...i->...", wide, wide))


def unit_query(query: np.ndarray) -> tuple[np.ndarray, np.float64]:
    """The query scaled to length 1 (float32) and its length (float64). Dot products with a
    unit query stay within float32 whatever the magnitudes (see ``MAX_FEATURE_SIZE`` and the
    value bound in the classifier)."""
    wide = np.asarray(query, np.float64)
    q_norm = np.sqrt(wide.dot(wide))
    if q_norm == 0:
        return np.asarray(query, np.float32), np.float64(0.0)
    return (wide / q_norm).astype(np.float32), q_norm


def finish_scores(unit_dots: np.ndarray, norms: np.ndarray, q_norm: np.float64,
                   metric: str) -> tuple[np.ndarray, np.ndarray]:
    """``(similarity, distance)`` from each row's dot product with the unit query, the rows'
    norms and the query's norm; float64, so ‖x‖² and ‖q‖² never overflow."""
    dots = unit_dots.astype(np.float64)
    if metric == "cosine":
        similarity = dots / norms
        np.clip(similarity, -1.0, 1.0, out=similarity)
        return similarity, 1.0 - similarity
    squared = norms * norms - 2.0 * q_norm * dots + q_norm * q_norm
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
