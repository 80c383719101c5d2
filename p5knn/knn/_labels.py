"""Labels, regression targets and feature vectors as users give them, checked; and the table
of a classifier's labels in class-index order."""

from __future__ import annotations

from typing import Any, Union

import numpy as np

from p5knn._base.errors import FeatureSizeError, UnknownLabelError
from p5knn.knn._store import MAX_FEATURE_SIZE, MAX_VALUE

Label = Union[str, int]
#: longest string label (they are shown, saved and sent over OSC)
MAX_LABEL_CHARS = 1000
#: integer labels lie in −2**63 … 2**63 − 1 (what files and other tools can hold)
MAX_LABEL_INT = 1 << 63


def clean_label(label: Any) -> Label:
    """A checked label: a non-empty string or an integer (numpy scalars are converted).

    Example
    -------
    >>> clean_label(np.int64(3))
    3
    """
    if isinstance(label, (bool, np.bool_)):
        raise TypeError(f"label must be a string or an integer, got the boolean {label!r}")
    if isinstance(label, (int, np.integer)):
        label = int(label)               # plain int (IntEnum and numpy ints included)
        if not -MAX_LABEL_INT <= label < MAX_LABEL_INT:
            raise ValueError("integer labels must lie within ±2**63")
        return label
    if isinstance(label, str):
        label = "" + label               # plain str (subclasses and np.str_ included)
        if not label:
            raise ValueError("label must not be an empty string")
        if len(label) > MAX_LABEL_CHARS:
            raise ValueError(f"label is {len(label)} characters long; at most "
                             f"{MAX_LABEL_CHARS}")
        return label
    if isinstance(label, (float, np.floating, list, tuple, np.ndarray)):
        raise TypeError(f"label must be a string or an integer, got {label!r}; numbers and "
                        "vectors as targets are for p5knn.knn_regressor.create()")
    raise TypeError(f"label must be a string or an integer, got {type(label).__name__} "
                    f"{label!r}")


def clean_target(value: Any) -> float | np.ndarray:
    """A checked regression target: a finite number (float) or a non-empty vector of finite
    numbers (float64 array)."""
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"a regression target must be a number or a vector, got {value!r}")
    if isinstance(value, (int, float, np.integer, np.floating)):
        if not np.isfinite(value):
            raise ValueError(f"regression target {value!r} is NaN or infinite")
        return float(value)
    if isinstance(value, (list, tuple, np.ndarray)):
        try:
            row = np.asarray(value, dtype=np.float64).reshape(-1)
        except (TypeError, ValueError):
            raise TypeError(f"a regression target must hold numbers, got {value!r}") from None
        if row.size == 0:
            raise ValueError("a regression target vector is empty")
        if not np.isfinite(row).all():
            raise ValueError(f"regression target {value!r} contains NaN or infinite values")
        return row
    raise TypeError(f"a regression target must be a number or a vector, got "
                    f"{type(value).__name__} {value!r}")


def to_vector(x: Any) -> np.ndarray:
    """A checked feature vector as float32: 1-D (or 1×D), real, finite, at most
    ``MAX_FEATURE_SIZE`` numbers, values within ±``MAX_VALUE``.

    Example
    -------
    >>> to_vector([1, 2, 3]).dtype
    dtype('float32')
    """
    if type(x) is np.ndarray and x.dtype == np.float32 and x.ndim == 1 and \
            0 < x.size <= MAX_FEATURE_SIZE:
        # the common case (features, camera vectors): one reduction checks NaN, inf and range
        top = np.abs(x).max()
        if not np.isfinite(top):
            raise ValueError("feature vector contains NaN or infinite values")
        if top > MAX_VALUE:
            raise ValueError(f"feature vector values are too large (beyond ±{MAX_VALUE:g}); "
                             "scale the vectors")
        return x
    if isinstance(x, np.ma.MaskedArray):
        if np.ma.getmaskarray(x).any():
            raise FeatureSizeError("feature vector has masked values; fill them first")
        x = np.ma.getdata(x)
    if np.iscomplexobj(x) or (isinstance(x, (list, tuple))
                              and any(isinstance(v, (complex, np.complexfloating)) for v in x)):
        raise FeatureSizeError("feature vector holds complex numbers; give real ones")
    size = x.size if isinstance(x, np.ndarray) else len(x) if isinstance(x, (list, tuple)) \
        else None
    if size is not None and size > MAX_FEATURE_SIZE:
        raise FeatureSizeError(f"feature vector has {size} numbers; p5knn takes at most "
                               f"{MAX_FEATURE_SIZE}")
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise FeatureSizeError(f"cannot use {type(x).__name__} as a feature vector or "
                               "image") from exc
    if arr.ndim == 2 and arr.shape[0] == 1:
        arr = arr[0]
    if arr.ndim != 1:
        raise FeatureSizeError(f"feature vector must be 1-D, got shape {arr.shape}")
    if arr.size == 0:
        raise FeatureSizeError("feature vector is empty")
    if arr.size > MAX_FEATURE_SIZE:
        raise FeatureSizeError(f"feature vector has {arr.size} numbers; p5knn takes at most "
                               f"{MAX_FEATURE_SIZE}")
    if not np.isfinite(arr).all():
        raise ValueError("feature vector contains NaN or infinite values")
    if np.abs(arr).max() > MAX_VALUE:
        raise ValueError(f"feature vector values are too large (beyond ±{MAX_VALUE:g}); "
                         "scale the vectors")
    return arr.astype(np.float32)


def _key(label: Label) -> tuple[type, Label]:
    return (type(label), label)


class LabelTable:
    """A classifier's labels in order of first addition (= class index), with the number of
    examples of each. Labels 1 and "1" are different labels."""

    def __init__(self, labels: list[Label] | None = None,
                 counts: np.ndarray | None = None) -> None:
        self.labels: list[Label] = list(labels or [])
        self._pos = {_key(lab): i for i, lab in enumerate(self.labels)}
        self.counts = np.zeros(len(self.labels), np.int64) if counts is None else \
            np.asarray(counts, np.int64).copy()

    def __len__(self) -> int:
        return len(self.labels)

    def find(self, label: Label) -> int | None:
        """The class index of ``label``, or None."""
        return self._pos.get(_key(label))

    def index_of(self, label: Any) -> int:
        """The class index of ``label``; :class:`UnknownLabelError` when absent."""
        try:
            label = clean_label(label)
        except (TypeError, ValueError) as exc:
            raise UnknownLabelError(str(exc)) from None
        pos = self.find(label)
        if pos is None:
            raise UnknownLabelError(f"no label {label!r} in this classifier; its labels are "
                                    f"{self.labels}")
        return pos

    def next_index(self, label: Label) -> int:
        """The class index ``label`` has, or would get if added now."""
        pos = self.find(label)
        return len(self.labels) if pos is None else pos

    def count_one(self, label: Label) -> int:
        """Count one more example of ``label`` (added as a new class if needed)."""
        pos = self.find(label)
        if pos is None:
            pos = len(self.labels)
            counts = np.append(self.counts, 0)   # allocated before anything changes
            self.labels.append(label)
            self._pos[_key(label)] = pos
            self.counts = counts
        self.counts[pos] += 1
        return pos

    def keep(self, counts: np.ndarray) -> np.ndarray:
        """Keep the classes that still have examples (``counts`` per old class index); return
        the old → new class-index mapping (−1 for dropped classes)."""
        survivors = [i for i in range(len(self.labels)) if counts[i] > 0]
        mapping = np.full(max(len(self.labels), 1), -1, np.int32)
        mapping[survivors] = np.arange(len(survivors), dtype=np.int32)
        self.labels = [self.labels[i] for i in survivors]
        self._pos = {_key(lab): i for i, lab in enumerate(self.labels)}
        self.counts = np.asarray(counts, np.int64)[survivors]
        return mapping
