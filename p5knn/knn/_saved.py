"""What a classifier file holds (:class:`SavedData`), and the checks every loader applies
to it before anything is restored."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from p5knn._base.errors import CorruptFileError
from p5knn.knn._labels import MAX_LABEL_CHARS, MAX_LABEL_INT
from p5knn.knn._store import MAX_FEATURE_SIZE, MAX_VALUE

#: example ids stay far below int64's end, so later adds can always count on
MAX_EXAMPLE_ID = 1 << 62


@dataclass
class SavedData:
    """Everything a classifier file holds."""

    features: np.ndarray                 # (N, D) float32
    class_ids: np.ndarray                # (N,) int32, index into labels
    labels: list                         # class labels in class-index order
    model: str | None = None             # extractor that made the features (None: plain vectors)
    options: dict[str, Any] = field(default_factory=dict)
    thumbnails: np.ndarray | None = None  # (N, S, S, 3) uint8
    targets: np.ndarray | None = None     # (N, T) float64 regression targets (None: classes)
    scalar_targets: bool = True           # targets were plain numbers, not vectors
    example_ids: np.ndarray | None = None  # (N,) int64, increasing: the index's keys
    index: dict[str, Any] | None = None    # the saved vector index beside the file
    version: int = 0                       # the object's change count (not stored in files)
    checked: bool = False                  # validate() passed (a loader's output; not stored)


def _check_label(label: Any, where: str) -> None:
    if type(label) not in (str, int):
        raise CorruptFileError(f"{where}: label {label!r} is not a string or integer")
    if isinstance(label, str) and not 1 <= len(label) <= MAX_LABEL_CHARS:
        raise CorruptFileError(f"{where}: a label is empty or longer than {MAX_LABEL_CHARS} "
                               "characters")
    if isinstance(label, int) and not -MAX_LABEL_INT <= label < MAX_LABEL_INT:
        raise CorruptFileError(f"{where}: integer label beyond ±2**63")


def validate(data: SavedData, where: str) -> SavedData:
    """Check shapes, ranges and values; raise :class:`CorruptFileError` naming the problem."""
    f = data.features
    if f.ndim != 2 or f.dtype not in (np.float32, np.float16):
        raise CorruptFileError(f"{where}: features must be a float32 or float16 N×D matrix, "
                               f"got {f.dtype} {f.shape}")
    if f.shape[0] and f.shape[1] == 0:
        raise CorruptFileError(f"{where}: feature vectors are empty")
    if f.shape[1] > MAX_FEATURE_SIZE:
        raise CorruptFileError(f"{where}: feature vectors of {f.shape[1]} numbers (at most "
                               f"{MAX_FEATURE_SIZE})")
    for start in range(0, len(f), 8192):  # a block at a time: no full-size temporaries
        block = f[start:start + 8192]
        if not np.isfinite(block).all():
            raise CorruptFileError(f"{where}: features contain NaN or infinite values")
        if block.size and float(np.abs(block).max()) > MAX_VALUE:
            raise CorruptFileError(f"{where}: feature values beyond ±{MAX_VALUE:g}")
    ids = data.class_ids
    if ids.shape != (f.shape[0],):
        raise CorruptFileError(f"{where}: {len(ids)} class ids for {f.shape[0]} examples")
    if len(ids) and data.targets is None and (ids.min() < 0 or ids.max() >= len(data.labels)):
        raise CorruptFileError(f"{where}: class ids point outside the {len(data.labels)} labels")
    for label in data.labels:
        _check_label(label, where)
    if len(set(map(repr, data.labels))) != len(data.labels):
        raise CorruptFileError(f"{where}: duplicate labels")
    y = data.targets
    if y is not None:
        if y.ndim != 2 or y.shape[0] != f.shape[0] or y.shape[1] == 0 or y.dtype != np.float64:
            raise CorruptFileError(f"{where}: regression targets have shape {y.shape}, "
                                   f"expected {f.shape[0]}×T float64")
        if not np.isfinite(y).all():
            raise CorruptFileError(f"{where}: regression targets contain NaN or infinity")
        if data.labels or (len(ids) and ids.max() != 0):
            raise CorruptFileError(f"{where}: a regression file cannot also hold class labels")
        if data.scalar_targets and y.shape[1] != 1:
            raise CorruptFileError(f"{where}: number targets stored with {y.shape[1]} columns")
    elif len(ids):
        counts = np.bincount(ids, minlength=len(data.labels))
        if len(counts) != len(data.labels) or not np.all(counts > 0):
            raise CorruptFileError(f"{where}: a label has no examples")
    elif data.labels:
        raise CorruptFileError(f"{where}: labels without any examples")
    t = data.thumbnails
    if t is not None and (t.dtype != np.uint8 or t.ndim != 4 or t.shape[0] != f.shape[0]
                          or t.shape[3] != 3 or t.shape[1] != t.shape[2]
                          or not 1 <= t.shape[1] <= 1024):
        raise CorruptFileError(f"{where}: thumbnails have shape {t.shape}, expected N×S×S×3")
    e = data.example_ids
    if e is not None and (e.dtype != np.int64 or e.shape != (f.shape[0],)
                          or (len(e) and (e[0] < 0 or e[-1] >= MAX_EXAMPLE_ID
                                          or np.any(np.diff(e) <= 0)))):
        raise CorruptFileError(f"{where}: example ids must be {f.shape[0]} increasing int64 "
                               f"numbers, got {e.dtype} {e.shape}")
    data.checked = True
    return data
