"""What ``predict_class`` returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

import numpy as np

Label = Union[str, int]


@dataclass(frozen=True)
class Neighbor:
    """One of the k nearest stored examples."""

    index: int          #: position of the example in the classifier (as ``remove_example`` takes)
    label: Label        #: its label
    similarity: float   #: cosine similarity (−1…1), or 1/(1+distance) for the euclidean metric
    distance: float     #: 1 − cosine similarity, or the euclidean distance


@dataclass(frozen=True)
class KNNResult:
    """A KNN prediction, with the same fields as ml5 plus the evidence behind it."""

    label: Label                                 #: winning label (or the unknown label)
    class_index: int                             #: position of ``label`` in ``labels``; −1 if unknown
    confidences: dict[Label, float]              #: every label → its share of the (weighted) votes
    neighbors: tuple[Neighbor, ...] = field(default=())  #: the k nearest examples, nearest first
    distance: float = 0.0                        #: distance of the nearest example
    similarity: float = 1.0                      #: similarity of the nearest example
    unknown: bool = False                        #: True when the nearest example was too far away
    k: int = 0                                   #: neighbours that voted (k capped at the count)
    frame_time: float | None = None              #: ``perf_counter()`` when the input frame arrived

    @property
    def confidence(self) -> float:
        """Confidence of the winning label (0 when the answer is unknown)."""
        return 0.0 if self.unknown else self.confidences.get(self.label, 0.0)

    @property
    def confidences_by_label(self) -> dict[Label, float]:
        """Alias of ``confidences`` under its ml5 name."""
        return self.confidences


@dataclass(frozen=True)
class RegressionResult:
    """A KNN regression answer: the (weighted) mean of the k nearest examples' values."""

    value: Union[float, np.ndarray]              #: a number, or an array for vector targets
    neighbors: tuple[Neighbor, ...] = field(default=())  #: nearest first; ``label`` is the value
    distance: float = 0.0                        #: distance of the nearest example
    similarity: float = 1.0                      #: similarity of the nearest example
    k: int = 0                                   #: neighbours averaged
    frame_time: float | None = None              #: ``perf_counter()`` when the input arrived
