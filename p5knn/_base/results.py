"""What every ``classify()`` returns — a KNN classifier, a trained head, MobileNet's own
ImageNet head — and what KNN regression returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

import numpy as np

Label = Union[str, int]


@dataclass(frozen=True)
class Classification:
    """One answer of a classifier.

    ``confidences`` maps each label to its confidence (KNN: share of the votes; heads and
    MobileNet: probability). KNN classifiers and heads list *every* label in class-index order
    (the order of first addition), as ml5 keys them; MobileNet's ImageNet head lists its
    ``top_k`` classes, most confident first. :meth:`top` sorts whatever is there.

    Example
    -------
    >>> result = knn.classify(frame)
    >>> result.label, f"{result.confidence:.0%}"
    ('wave', '100%')
    >>> result.top(2)
    [('wave', 1.0), ('still', 0.0)]
    """

    label: Label                                 #: the answer (or the unknown label)
    class_index: int                             #: position of ``label`` among the labels; −1 if unknown
    confidences: dict[Label, float]              #: label → confidence (see above)
    unknown: bool = False                        #: True when the answer is "unknown"
    frame_time: float | None = None              #: ``perf_counter()`` when the input frame arrived

    @property
    def confidence(self) -> float:
        """Confidence of the answer (0 when it is unknown)."""
        return 0.0 if self.unknown else self.confidences.get(self.label, 0.0)

    def top(self, n: int | None = None) -> list[tuple[Label, float]]:
        """``(label, confidence)`` pairs, most confident first (ties in class order)."""
        pairs = sorted(self.confidences.items(), key=lambda kv: -kv[1])
        return pairs if n is None else pairs[: max(0, int(n))]


@dataclass(frozen=True)
class Neighbor:
    """One of the k nearest stored examples."""

    index: int          #: position of the example in the classifier (as ``remove_example`` takes)
    label: Label        #: its label (regression: its value)
    similarity: float   #: cosine similarity (−1…1), or 1/(1+distance) for the euclidean metric
    distance: float     #: 1 − cosine similarity, or the euclidean distance


@dataclass(frozen=True)
class KNNResult(Classification):
    """A KNN prediction: ml5's fields plus the evidence behind it."""

    neighbors: tuple[Neighbor, ...] = field(default=())  #: the k nearest examples, nearest first
    distance: float = 0.0                        #: distance of the nearest example
    similarity: float = 1.0                      #: similarity of the nearest example
    k: int = 0                                   #: neighbours that voted (k capped at the count)


@dataclass(frozen=True)
class RegressionResult:
    """A KNN regression answer: the (weighted) mean of the k nearest examples' values."""

    value: Union[float, np.ndarray]              #: a number, or an array for vector targets
    neighbors: tuple[Neighbor, ...] = field(default=())  #: nearest first; ``label`` is the value
    distance: float = 0.0                        #: distance of the nearest example
    similarity: float = 1.0                      #: similarity of the nearest example
    k: int = 0                                   #: neighbours averaged
    frame_time: float | None = None              #: ``perf_counter()`` when the input arrived


@dataclass(frozen=True)
class GestureResult:
    """What a gesture classifier recognised: the nearest recorded gesture by dynamic time
    warping.

    ``distance`` is the DTW distance to the nearest recorded gesture (of ``label``),
    ``distances`` the nearest distance per label (class order; streaming leaves out labels
    whose gestures could not be that close), ``threshold`` the match threshold: farther than
    it, the answer is ``unknown``. ``confidences`` turns distances into 0…1 scores
    (1 − distance / threshold), for bars.

    Example
    -------
    >>> r = gestures.classify(path)
    >>> r.label, round(r.distance, 2), r.unknown
    ('circle', 1.37, False)
    """

    label: Label                       #: the answer (the unknown label when unknown)
    distance: float                    #: DTW distance to the nearest recorded gesture
    distances: dict[Label, float]      #: nearest distance per label
    unknown: bool = False              #: True when nothing recorded was within ``threshold``
    threshold: float = float("inf")    #: the match threshold used
    frames: int = 0                    #: frames the input (or the matched stretch) spanned
    frame_time: float | None = None    #: ``perf_counter()`` when the last frame arrived

    @property
    def confidences(self) -> dict[Label, float]:
        """Per label, 1 − distance / threshold, clipped to 0…1 (1 for all matches when the
        threshold is infinite — a single recorded gesture)."""
        if not np.isfinite(self.threshold) or self.threshold <= 0:
            return {label: 1.0 if label == self.label else 0.0 for label in self.distances}
        return {label: float(min(1.0, max(0.0, 1.0 - d / self.threshold)))
                for label, d in self.distances.items()}

    @property
    def confidence(self) -> float:
        """The answer's confidence (0 when unknown)."""
        return 0.0 if self.unknown else self.confidences.get(self.label, 0.0)
