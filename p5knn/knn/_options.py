"""The prediction options of a KNN classifier, checked once when made."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from p5knn._base.errors import CorruptFileError
from p5knn.knn._labels import Label, clean_label

METRICS = ("cosine", "euclidean")
WEIGHTS = ("uniform", "distance")


def check_count(name: str, value: Any, none_ok: bool = False) -> int | None:
    """``value`` as an int ≥ 1 (or None when ``none_ok``); ValueError naming ``name``."""
    if value is None and none_ok:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be {'None or ' if none_ok else ''}a whole number ≥ 1, "
                         f"got {value!r}")
    return int(value)


@dataclasses.dataclass(frozen=True)
class Options:
    """How a KNN classifier predicts. Every field is checked when an ``Options`` is made, so
    one that exists is valid; :meth:`replace` makes a checked copy with some fields changed.

    Parameters
    ----------
    k : int
        Neighbours that vote (capped at the number of examples).
    metric : {"cosine", "euclidean"}
        Cosine similarity (ml5/tfjs) or euclidean distance (positions, sensors).
    weights : {"uniform", "distance"}
        Each vote counts 1, or 1 / distance.
    balanced : bool
        Each vote counts 1 / (size of its class).
    min_similarity : float or None
        Below it (for the nearest example) the answer is ``unknown_label``.
    unknown_label : str or int
        The label of an "unknown" answer.

    Example
    -------
    >>> Options(k=5).replace(metric="euclidean").k
    5
    """

    k: int = 3
    metric: str = "cosine"
    weights: str = "uniform"
    balanced: bool = False
    min_similarity: float | None = None
    unknown_label: Label = "unknown"

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "k", check_count("k", self.k))
        if self.metric not in METRICS:
            raise ValueError(f"metric must be one of {METRICS}, got {self.metric!r}")
        if self.weights not in WEIGHTS:
            raise ValueError(f"weights must be one of {WEIGHTS}, got {self.weights!r}")
        if not isinstance(self.balanced, (bool, np.bool_)):
            raise ValueError(f"balanced must be True or False, got {self.balanced!r}")
        set_(self, "balanced", bool(self.balanced))
        value = self.min_similarity
        if value is not None:
            if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)) \
                    or not -1.0 <= float(value) <= 1.0:
                raise ValueError(f"min_similarity must be None or a number in −1…1, "
                                 f"got {value!r}")
            set_(self, "min_similarity", float(value))
        set_(self, "unknown_label", clean_label(self.unknown_label))

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """The option names."""
        return tuple(f.name for f in dataclasses.fields(cls))

    def replace(self, **changes: Any) -> "Options":
        """A checked copy with ``changes``; ``TypeError`` for an unknown name."""
        unknown = set(changes) - set(self.names())
        if unknown:
            raise TypeError(f"unknown option(s) {sorted(unknown)}; options are "
                            f"{sorted(self.names())}")
        return dataclasses.replace(self, **changes)

    def as_dict(self) -> dict[str, Any]:
        """The options as a plain dict (what files store)."""
        return dataclasses.asdict(self)

    def merged_with_stored(self, stored: dict[str, Any], explicit: set[str],
                           where: str) -> "Options":
        """These options with a file's stored ones applied, except those given explicitly;
        :class:`CorruptFileError` when a stored value is invalid."""
        changes = {n: v for n, v in stored.items() if n in self.names() and n not in explicit}
        try:
            return self.replace(**changes)
        except (TypeError, ValueError) as exc:
            raise CorruptFileError(f"{where}: a stored option is invalid ({exc})") from None
