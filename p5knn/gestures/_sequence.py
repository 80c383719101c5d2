"""Gesture sequences: the limits, checking a gesture into a float32 ``(T, D)`` array
(:func:`as_sequence`), and one keypoint frame (:func:`keypoint_frame`: shape, position or
both)."""

from __future__ import annotations

from typing import Any

import numpy as np

from p5knn._base.errors import FeatureSizeError
from p5knn.features import _images as images
from p5knn.gestures import _dtw

MAX_FRAMES, MAX_DIMS, MAX_GESTURES = _dtw.MAX_FRAMES, _dtw.MAX_DIMS, _dtw.MAX_GESTURES
KEYPOINT_PARTS = ("both", "position", "shape")
FLOAT32_MAX = float(np.finfo(np.float32).max)
#: keypoints="both": the position's weight, so that a hand's path counts about as much as its
#: shape (≈ √(shape numbers / 2) for hands)
POSITION_WEIGHT = 8.0


def keypoint_frame(extractor: Any, image: Any, bands: str, part: str,
                   last: np.ndarray | None = None) -> np.ndarray:
    """One frame of a keypoint gesture: the extractor's vector (``"shape"``), where the first
    hand, body or face is — x, y of its landmarks' centre in 0…1 of the frame — (``"position"``),
    or both, the position weighted by :data:`POSITION_WEIGHT`. When nobody is found the
    position is ``last`` (where it was last seen: one frame of lost tracking is not a jump to a
    corner), else the frame's centre."""
    found = extractor.detect(image, bands)
    if part == "shape":
        return np.asarray(extractor.vector(found), np.float32)
    shape = getattr(image, "shape", None)
    if shape is None:
        shape = images.to_rgb(image, bands).shape
    where = np.array(last if last is not None else (0.5, 0.5), np.float32)
    if found:
        centre = np.asarray(found[0].landmarks, np.float32)[:, :2].mean(axis=0)
        where = centre / np.array([shape[1], shape[0]], np.float32)
    if part == "position":
        return where
    return np.concatenate([extractor.vector(found), POSITION_WEIGHT * where]).astype(np.float32)


def as_sequence(sequence: Any, dims: int | None = None) -> np.ndarray:
    """A gesture as a checked float32 ``(T, D)`` array: 2 ≤ T ≤ :data:`MAX_FRAMES`, finite.

    Example
    -------
    >>> as_sequence([[0, 0], [1, 2], [2, 4]]).shape
    (3, 2)
    """
    try:
        seq = np.asarray(sequence, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError("a gesture is a (frames, numbers) array or a list of vectors of one "
                        "length") from None
    if seq.ndim == 1:
        seq = seq[:, None]                      # one number per frame
    if seq.ndim != 2 or seq.shape[1] == 0:
        raise ValueError(f"a gesture is a (frames, numbers) array, got shape {seq.shape}")
    if not 2 <= len(seq) <= MAX_FRAMES:
        raise ValueError(f"a gesture needs 2 to {MAX_FRAMES} frames, got {len(seq)}")
    if seq.shape[1] > MAX_DIMS:
        raise ValueError(f"at most {MAX_DIMS} numbers per frame, got {seq.shape[1]}")
    if dims is not None and seq.shape[1] != dims:
        raise FeatureSizeError(f"this classifier's frames have {dims} numbers, got "
                               f"{seq.shape[1]}")
    if not np.isfinite(seq).all():
        raise ValueError("a gesture contains NaN or infinite numbers")
    if np.abs(seq).max() > FLOAT32_MAX:
        raise ValueError("a gesture holds numbers too large for float32 (beyond ±3.4e38)")
    return seq.astype(np.float32)

