"""Dynamic time warping for gestures, computed by dtaidistance's C code (PyPI ``dtaidistance``):
resampling, normalisation, distances to many templates in one call, and what p5knn learns from
the recorded examples — the Sakoe-Chiba window (leave-one-out, as the UCR archive's "learned
window" baseline does) and the match threshold.

Windows here are the largest shift allowed between the two gestures' frames (0: no warping,
the euclidean distance); :func:`_shift` turns them into dtaidistance's convention.
Distances are dtaidistance's: the square root of the summed squared euclidean distances along
the best warping path, so the first and the last frames of two sequences are always matched
(:func:`end_bound` uses that to skip templates cheaply).
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from p5knn._base.errors import P5KNNError

NORMALIZE = ("dims", "sequence", "none")
MAX_FRAMES = 10_000     #: longest gesture, in frames
MAX_DIMS = 65_536       #: most numbers per frame
MAX_GESTURES = 100_000  #: most recorded gestures
#: windows tried when learning one, as fractions of the resampled length (0: no warping)
WINDOW_FRACTIONS = (0.0, 0.02, 0.05, 0.08, 0.1, 0.15, 0.2, 0.3)
#: the learned threshold: this times the largest distance from an example to its nearest
#: example of the same label (leave-one-out)
THRESHOLD_MARGIN = 1.2
#: ... raised to half the smallest gap between labels, but to at most this times that
THRESHOLD_GAP_CAP = 3.0
#: "sequence" normalisation: a stretch of a stream matches a gesture only when its size is
#: within this factor of the gesture's (tiny jitter scaled up is not a gesture)
SIZE_RATIO = 3.0


_module: Any = None


def dtw() -> Any:
    """dtaidistance's multi-dimensional DTW module, with its C library."""
    global _module
    if _module is None:
        try:
            from dtaidistance import dtw_cc, dtw_ndim  # noqa: F401 - dtw_cc: the C library
        except ImportError as exc:  # pragma: no cover - a dependency of p5knn
            raise P5KNNError("gesture classifiers need dtaidistance with its C library: pip "
                             "install --force-reinstall dtaidistance (a C compiler is needed "
                             "where no wheel fits)") from exc
        _module = dtw_ndim
    return _module


def resample(seq: np.ndarray, length: int) -> np.ndarray:
    """``seq`` (T, D) linearly resampled to ``length`` frames (itself when T == length).

    Example
    -------
    >>> resample(np.array([[0.0], [2.0]]), 3).ravel().tolist()
    [0.0, 1.0, 2.0]
    """
    count = len(seq)
    if count == length:
        return np.ascontiguousarray(seq, np.float64)
    where = np.linspace(0.0, count - 1, length)
    low = np.floor(where).astype(int)
    high = np.minimum(low + 1, count - 1)
    frac = (where - low)[:, None]
    return np.ascontiguousarray(seq[low] * (1.0 - frac) + seq[high] * frac, np.float64)


class Normalizer:
    """How sequences are scaled before matching.

    ``"dims"``: each dimension minus its mean, divided by its standard deviation, over every
    frame of every recorded gesture (sensors in different units weigh the same). ``"sequence"``:
    each sequence minus its own mean and divided by its own overall size (root-mean-square
    distance from that mean) — where and how big the gesture was stops mattering, its shape and
    aspect ratio stay (mouse and hand paths). ``"none"``: as given.
    """

    def __init__(self, mode: str, examples: Sequence[np.ndarray] = ()) -> None:
        if mode not in NORMALIZE:
            raise ValueError(f"normalize must be one of {NORMALIZE}, got {mode!r}")
        self.mode = mode
        self.mean: np.ndarray | None = None
        self.scale: np.ndarray | None = None
        if mode == "dims" and len(examples):
            frames = np.concatenate(examples).astype(np.float64)
            self.mean = frames.mean(axis=0)
            std = frames.std(axis=0)
            constant = std <= 1e-9 * np.maximum(1.0, np.abs(self.mean))
            self.scale = np.where(constant, 1.0, std)   # constant numbers stay constant

    def __call__(self, seq: np.ndarray) -> np.ndarray:
        seq = np.asarray(seq, np.float64)
        if self.mode == "dims" and self.mean is not None:
            return (seq - self.mean) / self.scale
        if self.mode == "sequence":
            centred = seq - seq.mean(axis=0)
            size = float(np.sqrt((centred ** 2).sum(axis=1).mean()))
            return centred / size if size > 1e-12 else centred
        return seq


def size(seq: np.ndarray) -> float:
    """Root-mean-square distance of a sequence's frames from their mean (its spatial size)."""
    centred = np.asarray(seq, np.float64) - np.mean(seq, axis=0)
    return float(np.sqrt((centred ** 2).sum(axis=1).mean()))


def prepare(seq: np.ndarray, normalizer: Normalizer, length: int) -> np.ndarray:
    """Normalised, then resampled to ``length`` frames, C-contiguous float64."""
    return resample(normalizer(seq), length)


def common_length(raw: Sequence[np.ndarray], max_length: int) -> int:
    """The one length every gesture and query is resampled to: the longest recorded gesture's,
    at most ``max_length`` (equal lengths keep DTW's window as narrow as learned, and make
    speed not matter)."""
    return max(2, min(max_length, max(len(r) for r in raw)))


def _shift(window: int) -> int:
    """dtaidistance's ``window`` for a Sakoe-Chiba window of ``window`` frames: it allows shifts
    *below* its value, and takes 0 for "no window at all", so 0 (no warping) is its 1."""
    return max(0, int(window)) + 1


def to_many(templates: Sequence[np.ndarray], query: np.ndarray, window: int,
            max_dist: float | None = None) -> np.ndarray:
    """DTW distance from ``query`` to every template, in one call of the C library
    (``max_dist``: stop early on a template once farther than this; it then gets infinity).

    Example
    -------
    >>> to_many([a, b], q, window=3)      # doctest: +SKIP
    array([2.1, 5.7])
    """
    if not templates:
        return np.zeros(0)
    n = len(templates)
    extra = {"max_dist": max_dist} if max_dist is not None and \
        np.isfinite(max_dist) else {}
    got = dtw().distance_matrix_fast(list(templates) + [query], window=_shift(window),
                                     block=((0, n), (n, n + 1)), compact=True, parallel=False,
                                     **extra)
    return np.asarray(got, np.float64)


def pairwise(seqs: Sequence[np.ndarray], window: int) -> np.ndarray:
    """Symmetric matrix of DTW distances between prepared sequences (0 on the diagonal)."""
    if len(seqs) < 2:
        return np.zeros((len(seqs), len(seqs)))
    got = dtw().distance_matrix_fast(list(seqs), window=_shift(window), compact=False,
                                     parallel=False)
    matrix = np.asarray(got, np.float64)
    matrix = np.where(np.isfinite(matrix), matrix, matrix.T)
    np.fill_diagonal(matrix, 0.0)
    return matrix


def loo_accuracy(matrix: np.ndarray, class_ids: np.ndarray) -> float:
    """Leave-one-out 1-NN accuracy of a distance matrix."""
    masked = matrix + np.diag(np.full(len(matrix), np.inf))
    return float((class_ids[np.argmin(masked, axis=1)] == class_ids).mean())


def learn_window(seqs: Sequence[np.ndarray], class_ids: np.ndarray, length: int,
                 default: float = 0.1) -> tuple[int, dict[int, float], np.ndarray | None]:
    """The window (in resampled frames) with the best leave-one-out 1-NN accuracy over the
    recorded gestures; ties go to the narrower window. Needs two labels and a label with two
    gestures; otherwise ``default`` × ``length``. Returns (window, {window: accuracy}, the
    :func:`pairwise` matrix at that window, or None when none was computed)."""
    class_ids = np.asarray(class_ids)
    labels, counts = np.unique(class_ids, return_counts=True)
    if len(labels) < 2 or counts.max() < 2:
        return int(round(default * length)), {}, None
    scores: dict[int, float] = {}
    matrices: dict[int, np.ndarray] = {}
    for window in sorted({int(round(f * length)) for f in WINDOW_FRACTIONS}):
        matrices[window] = pairwise(seqs, window)
        scores[window] = loo_accuracy(matrices[window], class_ids)
    best = max(scores.values())
    window = min(w for w, s in scores.items() if s == best)
    return window, scores, matrices[window]


def learn_thresholds(matrix: np.ndarray, class_ids: np.ndarray) -> np.ndarray:
    """How close a new gesture must be to count as one of each label's, per recorded gesture
    (the threshold of its label). For a label with several gestures: the larger of
    :data:`THRESHOLD_MARGIN` × the largest leave-one-out distance from one of them to its
    nearest same-label gesture, and half the smallest distance to another label's gestures
    (closer than that is unambiguous) capped at :data:`THRESHOLD_GAP_CAP` × the first. A label
    with one gesture: that half gap, capped at :data:`THRESHOLD_GAP_CAP` × the median of the
    other labels' spreads when there are some. A single gesture: infinity (everything matches
    it)."""
    class_ids = np.asarray(class_ids)
    count = len(class_ids)
    if count < 2:
        return np.full(count, np.inf)
    masked = matrix + np.diag(np.full(count, np.inf))
    same = class_ids[:, None] == class_ids[None, :]
    nearest_same = np.where(same, masked, np.inf).min(axis=1)
    nearest_other = np.where(same, np.inf, masked).min(axis=1)
    spread, gap = {}, {}
    for label in np.unique(class_ids):
        mine = class_ids == label
        known = nearest_same[mine][np.isfinite(nearest_same[mine])]
        spread[label] = THRESHOLD_MARGIN * float(known.max()) if len(known) else None
        gap[label] = 0.5 * float(nearest_other[mine].min())
    spreads = [v for v in spread.values() if v]
    out = {}
    for label in spread:
        within, half_gap = spread[label], gap[label]
        if within:
            out[label] = max(within, min(half_gap, THRESHOLD_GAP_CAP * within)) \
                if np.isfinite(half_gap) else within
        elif np.isfinite(half_gap):
            out[label] = min(half_gap, THRESHOLD_GAP_CAP * float(np.median(spreads))) \
                if spreads else half_gap
        else:
            out[label] = np.inf
    return np.array([out[c] for c in class_ids], np.float64)


def end_bound(templates_ends: np.ndarray, query: np.ndarray) -> np.ndarray:
    """A lower bound of the DTW distance from ``query`` to each template: both sequences'
    first frames and last frames are always matched. ``templates_ends``: (n, 2, D)."""
    first = ((templates_ends[:, 0] - query[0]) ** 2).sum(axis=1)
    last = ((templates_ends[:, 1] - query[-1]) ** 2).sum(axis=1)
    return np.sqrt(first + last)
