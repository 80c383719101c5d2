"""Geometry of MediaPipe's BlazePose pipeline that the hands do not need, beside the shared
helpers of :mod:`p5knn.features._keypoint_geometry`: the detector's letterbox warped on the
image's uint8 pixels, the ``AlignmentPointsRectsCalculator`` region (centre and scale
keypoints) and ``RefineLandmarksFromHeatmapCalculator``.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from p5knn.features._keypoint_geometry import RotatedRect, normalize_radians


def letterbox_uint8(rgb: np.ndarray, size: int) -> tuple[np.ndarray, tuple[float, float]]:
    """Like :func:`~p5knn.features._keypoint_geometry.letterbox` (aspect ratio kept, centred,
    black borders) but warping the uint8 pixels, then scaling to 0..1.

    On the reference photos this brings BlazePose's detection keypoints closer to MediaPipe's
    (messi5.jpg: scale keypoint 0.16 px away instead of 0.69 px, which moved the feet by 4.5 %
    of the body's size and their visibility by 0.17).

    Parameters
    ----------
    rgb : numpy.ndarray
        ``(H, W, 3)`` uint8.
    size : int

    Returns
    -------
    square : numpy.ndarray
        ``(size, size, 3)`` float32 in 0..1.
    padding : tuple of float
        ``(pad_x, pad_y)``: the border on each side as a fraction of ``size``.

    Example
    -------
    >>> square, (pad_x, pad_y) = letterbox_uint8(np.zeros((342, 548, 3), np.uint8), 224)
    >>> square.shape, round(pad_y, 3)
    ((224, 224, 3), 0.188)
    """
    height, width = rgb.shape[:2]
    side = max(width, height)
    corners = RotatedRect(width / 2, height / 2, side, side, 0.0).corners()
    dst = np.array([[0, size], [0, 0], [size, 0], [size, size]], np.float32)
    matrix = cv2.getPerspectiveTransform(corners, dst)
    square = cv2.warpPerspective(np.ascontiguousarray(rgb, np.uint8), matrix, (size, size),
                                 flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                                 borderValue=(0, 0, 0))
    return (square.astype(np.float32) * (1.0 / 255.0),
            ((side - width) / 2 / side, (side - height) / 2 / side))


def alignment_rect(centre: np.ndarray, scale_point: np.ndarray, width: int, height: int,
                   target_degrees: float = 90.0) -> RotatedRect:
    """``AlignmentPointsRectsCalculator``: a square centred on ``centre`` whose side is twice
    the distance to ``scale_point`` (in pixels), rotated so that ``centre → scale_point``
    points at ``target_degrees`` (90 = up).

    Parameters
    ----------
    centre, scale_point : numpy.ndarray
        Normalised x, y (for BlazePose: the hips' centre and the point on the circle around
        the whole body).
    width, height : int
        Image size in pixels.
    target_degrees : float
        ``rotation_vector_target_angle_degrees``.

    Returns
    -------
    RotatedRect
        In pixels.

    Example
    -------
    >>> alignment_rect(np.array([.5, .5]), np.array([.5, .25]), 100, 100)
    RotatedRect(cx=50.0, cy=50.0, width=50.0, height=50.0, rotation=0.0)
    """
    cx, cy = float(centre[0]) * width, float(centre[1]) * height
    dx, dy = float(scale_point[0]) * width - cx, float(scale_point[1]) * height - cy
    side = 2.0 * math.hypot(dx, dy)
    angle = math.radians(target_degrees) - math.atan2(-dy, dx)
    return RotatedRect(cx, cy, side, side, normalize_radians(angle))


def refine_from_heatmap(points: np.ndarray, heatmap: np.ndarray, kernel_size: int = 7,
                        min_confidence: float = 0.5) -> np.ndarray:
    """``RefineLandmarksFromHeatmapCalculator``: move each landmark to the confidence-weighted
    mean cell of a ``kernel_size`` window of its heatmap around it (sigmoid of the raw values),
    when the window's best confidence reaches ``min_confidence``.

    MediaPipe's quirks are kept: the weighted position is the cell index over the heatmap's
    size (no half-cell offset), and a landmark is skipped when its column (not its row) is
    beyond the heatmap's height.

    Parameters
    ----------
    points : numpy.ndarray
        ``(N, ≥2)`` x, y normalised to the model input.
    heatmap : numpy.ndarray
        ``(H, W, N)`` raw values (one channel per landmark).
    kernel_size : int
    min_confidence : float

    Returns
    -------
    numpy.ndarray
        float64 copy of ``points`` with x, y refined.

    Example
    -------
    >>> refined = refine_from_heatmap(raw[:, :3] / 256, heatmap[0])  # (64, 64, 39) heatmap
    """
    out = np.array(points, np.float64, copy=True)
    rows, cols = heatmap.shape[:2]
    half = (kernel_size - 1) // 2
    for index in range(min(out.shape[0], heatmap.shape[2])):
        if not np.isfinite(out[index, :2]).all():
            continue
        col, row = int(out[index, 0] * cols), int(out[index, 1] * rows)  # truncation, as C++
        if col < 0 or col >= cols or row < 0 or col >= rows:
            continue
        r0, r1 = max(0, row - half), min(rows, row + half + 1)
        c0, c1 = max(0, col - half), min(cols, col + half + 1)
        if r0 >= r1:
            continue
        logits = np.asarray(heatmap[r0:r1, c0:c1, index], np.float64)
        confidence = 1.0 / (1.0 + np.exp(-logits))
        total = float(confidence.sum())
        if confidence.max() >= min_confidence and total > 0:
            grid_rows, grid_cols = np.mgrid[r0:r1, c0:c1]
            out[index, 0] = float((grid_cols * confidence).sum()) / cols / total
            out[index, 1] = float((grid_rows * confidence).sum()) / rows / total
    return out
