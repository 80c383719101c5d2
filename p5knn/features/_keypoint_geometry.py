"""Geometry shared by p5knn's keypoint pipelines (hands now; pose and face later): SSD anchors,
decoding, weighted non-max suppression, letterboxing, rotated regions of interest, their crops
and the projection of landmarks back to the image, following MediaPipe's calculators of the
same names (``SsdAnchors``, ``TensorsToDetections``, ``NonMaxSuppression``,
``DetectionsToRects``, ``RectTransformation``, ``ImageToTensor``, ``LandmarkProjection``).
Coordinates are normalised to the image (0..1) unless a name or docstring says pixels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np


def ssd_anchor_centres(input_size: int, strides: tuple[int, ...],
                       anchors_per_layer: int = 2, offset: float = 0.5) -> np.ndarray:
    """SSD anchor centres as MediaPipe's ``SsdAnchorsCalculator`` makes them with
    ``fixed_anchor_size: true`` (every anchor is 1 × 1, so only the centres matter).

    Consecutive layers with the same stride share one feature map, as in MediaPipe; each layer
    contributes ``anchors_per_layer`` anchors per cell (one aspect ratio 1.0 plus the
    interpolated scale).

    Parameters
    ----------
    input_size : int
        Side of the square network input (192 for the palm detector).
    strides : tuple of int
        Stride of each layer (``(8, 16, 16, 16)`` for the palm detector).
    anchors_per_layer : int
        Anchors per cell and layer.
    offset : float
        ``anchor_offset_x`` and ``anchor_offset_y``.

    Returns
    -------
    numpy.ndarray
        float32 ``(N, 2)``: x, y centres, normalised, in the model's output order.

    Example
    -------
    >>> ssd_anchor_centres(192, (8, 16, 16, 16)).shape
    (2016, 2)
    """
    centres = []
    layer = 0
    while layer < len(strides):
        same = layer
        while same < len(strides) and strides[same] == strides[layer]:
            same += 1
        per_cell = anchors_per_layer * (same - layer)
        side = math.ceil(input_size / strides[layer])
        ys, xs = np.meshgrid((np.arange(side) + offset) / side,
                             (np.arange(side) + offset) / side, indexing="ij")
        cells = np.stack([xs.ravel(), ys.ravel()], axis=1)
        centres.append(np.repeat(cells, per_cell, axis=0))
        layer = same
    return np.concatenate(centres).astype(np.float32)


@dataclass(frozen=True)
class Detections:
    """Decoded SSD detections, normalised to the network input.

    Attributes
    ----------
    boxes, keypoints, scores : numpy.ndarray
        float32 ``(N, 4)`` xmin, ymin, xmax, ymax; ``(N, K, 2)`` x, y; ``(N,)`` sigmoid scores.

    Example
    -------
    >>> len(Detections(np.zeros((0, 4)), np.zeros((0, 7, 2)), np.zeros(0)))
    0
    """

    boxes: np.ndarray
    keypoints: np.ndarray
    scores: np.ndarray

    def __len__(self) -> int:
        return int(self.scores.shape[0])


def decode_ssd(raw_boxes: np.ndarray, raw_scores: np.ndarray, anchors: np.ndarray,
               scale: float, num_keypoints: int, min_score: float,
               score_clip: float = 100.0) -> Detections:
    """Decode SSD outputs as ``TensorsToDetectionsCalculator`` does with ``reverse_output_order``
    (x, y, w, h), fixed-size anchors, sigmoid scores, and a minimum score.

    Parameters
    ----------
    raw_boxes, raw_scores : numpy.ndarray
        ``(N, 4 + 2K)`` raw regressions; ``(N,)`` or ``(N, 1)`` logits.
    anchors : numpy.ndarray
        ``(N, 2)`` from :func:`ssd_anchor_centres`.
    scale : float
        ``x_scale = y_scale = w_scale = h_scale`` (the input size).
    num_keypoints : int
        K.
    min_score : float
        Detections below this sigmoid score are dropped (logits clipped to ``±score_clip``).

    Returns
    -------
    Detections

    Example
    -------
    >>> found = decode_ssd(boxes[0], scores[0], ssd_anchor_centres(192, (8, 16, 16, 16)),
    ...                    192.0, 7, 0.5)
    """
    logits = np.clip(np.asarray(raw_scores, np.float32).reshape(-1), -score_clip, score_clip)
    scores = 1.0 / (1.0 + np.exp(-logits))
    keep = scores >= min_score
    raw = np.asarray(raw_boxes, np.float32)[keep]
    anc = anchors[keep]
    cx = raw[:, 0] / scale + anc[:, 0]
    cy = raw[:, 1] / scale + anc[:, 1]
    w = raw[:, 2] / scale
    h = raw[:, 3] / scale
    boxes = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1)
    kps = raw[:, 4:4 + 2 * num_keypoints].reshape(-1, num_keypoints, 2) / scale + anc[:, None, :]
    return Detections(boxes.astype(np.float32), kps.astype(np.float32),
                      scores[keep].astype(np.float32))


def box_iou(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Intersection over union of one ``(4,)`` box with ``(N, 4)`` boxes (xmin, ymin, xmax, ymax).

    Example
    -------
    >>> float(box_iou(np.array([0, 0, 1, 1.]), np.array([[0, 0, 1, 1.]]))[0])
    1.0
    """
    x0 = np.maximum(box[0], boxes[:, 0])
    y0 = np.maximum(box[1], boxes[:, 1])
    x1 = np.minimum(box[2], boxes[:, 2])
    y1 = np.minimum(box[3], boxes[:, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    union = area + areas - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)


def weighted_nms(found: Detections, min_suppression: float = 0.3,
                 max_detections: int | None = None) -> Detections:
    """MediaPipe's weighted non-max suppression (``algorithm: WEIGHTED``, IoU overlap).

    The best remaining detection gathers every detection overlapping it by more than
    ``min_suppression`` (itself included); its box and keypoints become their score-weighted
    mean, its score stays its own.

    Parameters
    ----------
    found : Detections
    min_suppression : float
        IoU above which detections are merged.
    max_detections : int, optional
        Stop after this many.

    Returns
    -------
    Detections
        Most confident first.

    Example
    -------
    >>> merged = weighted_nms(found, 0.3)
    """
    order = np.argsort(-found.scores, kind="stable")
    boxes, kps, scores = [], [], []
    while order.size and (max_detections is None or len(scores) < max_detections):
        top = order[0]
        overlap = box_iou(found.boxes[top], found.boxes[order])
        group = order[overlap > min_suppression]
        order = order[~(overlap > min_suppression)]
        if group.size == 0:  # a degenerate box overlaps nothing, not even itself
            group = np.array([top])
            order = order[order != top]
        weights = found.scores[group]
        total = float(weights.sum())
        boxes.append((found.boxes[group] * weights[:, None]).sum(0) / total)
        kps.append((found.keypoints[group] * weights[:, None, None]).sum(0) / total)
        scores.append(found.scores[top])
    k = found.keypoints.shape[1]
    return Detections(np.array(boxes, np.float32).reshape(-1, 4),
                      np.array(kps, np.float32).reshape(-1, k, 2), np.array(scores, np.float32))


def letterbox(rgb: np.ndarray, size: int) -> tuple[np.ndarray, tuple[float, float]]:
    """Scale an image into a ``size × size`` square keeping its aspect ratio, centred, with
    black (zero) borders, as ``ImageToTensorCalculator`` does with ``keep_aspect_ratio`` and
    ``BORDER_ZERO``.

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
        ``(pad_x, pad_y)``: the border on *each* side as a fraction of ``size``.

    Example
    -------
    >>> square, (pad_x, pad_y) = letterbox(np.zeros((342, 548, 3), np.uint8), 192)
    >>> round(pad_y, 3)
    0.188
    """
    height, width = rgb.shape[:2]
    side = max(width, height)
    # The region of interest is the whole image grown to a square around its centre.
    roi = RotatedRect(width / 2, height / 2, side, side, 0.0)
    square = crop_rotated(rgb, roi, size, cv2.BORDER_CONSTANT)
    return square, ((side - width) / 2 / side, (side - height) / 2 / side)


def remove_letterbox(points: np.ndarray, padding: tuple[float, float]) -> np.ndarray:
    """Map normalised x, y (last axis, first two values) from a letterboxed square back to the
    image (``DetectionLetterboxRemovalCalculator``).

    Example
    -------
    >>> remove_letterbox(np.array([[0.5, 0.5]]), (0.0, 0.25)).tolist()
    [[0.5, 0.5]]
    """
    out = np.array(points, np.float32, copy=True)
    pad_x, pad_y = padding
    out[..., 0] = (out[..., 0] - pad_x) / (1 - 2 * pad_x)
    out[..., 1] = (out[..., 1] - pad_y) / (1 - 2 * pad_y)
    return out


@dataclass(frozen=True)
class RotatedRect:
    """A rotated rectangle in the image's pixels (centre, size, rotation in radians, clockwise
    on screen because y points down), like MediaPipe's ``NormalizedRect`` times the image size.

    Example
    -------
    >>> RotatedRect(100, 80, 50, 50, 0.0).corners().shape
    (4, 2)
    """

    cx: float
    cy: float
    width: float
    height: float
    rotation: float

    def corners(self) -> np.ndarray:
        """OpenCV's ``boxPoints`` order: bottom-left, top-left, top-right, bottom-right (in the
        rectangle's own frame)."""
        box = ((self.cx, self.cy), (self.width, self.height), math.degrees(self.rotation))
        return cv2.boxPoints(box).astype(np.float32)


def normalize_radians(angle: float) -> float:
    """Wrap an angle into [-π, π).

    Example
    -------
    >>> round(normalize_radians(3 * math.pi), 6)
    -3.141593
    """
    return angle - 2 * math.pi * math.floor((angle + math.pi) / (2 * math.pi))


def rect_from_keypoints(box: np.ndarray, start: np.ndarray, end: np.ndarray, width: int,
                        height: int, target_degrees: float = 90.0) -> RotatedRect:
    """``DetectionsToRectsCalculator``: the detection's box as a rectangle rotated so that the
    vector ``start → end`` points at ``target_degrees`` (90 = up).

    Parameters
    ----------
    box : numpy.ndarray
        Normalised xmin, ymin, xmax, ymax.
    start, end : numpy.ndarray
        Normalised x, y of the two keypoints.
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
    >>> rect_from_keypoints(np.array([.4, .4, .6, .6]), np.array([.5, .6]), np.array([.5, .4]),
    ...                     100, 100).rotation
    0.0
    """
    x0, y0, x1, y1 = (float(v) for v in box)
    angle = math.radians(target_degrees) - math.atan2(-(end[1] - start[1]) * height,
                                                       (end[0] - start[0]) * width)
    return RotatedRect((x0 + x1) / 2 * width, (y0 + y1) / 2 * height, (x1 - x0) * width,
                       (y1 - y0) * height, normalize_radians(angle))


def transform_rect(rect: RotatedRect, scale: float = 1.0, shift_x: float = 0.0,
                   shift_y: float = 0.0, square_long: bool = False) -> RotatedRect:
    """``RectTransformationCalculator``: shift along the rectangle's own axes (as fractions of
    its size), make it square on its long side, then scale.

    Example
    -------
    >>> transform_rect(RotatedRect(50, 50, 10, 20, 0.0), 2.0, shift_y=-0.5, square_long=True)
    RotatedRect(cx=50.0, cy=40.0, width=40.0, height=40.0, rotation=0.0)
    """
    cos, sin = math.cos(rect.rotation), math.sin(rect.rotation)
    dx = rect.width * shift_x * cos - rect.height * shift_y * sin
    dy = rect.width * shift_x * sin + rect.height * shift_y * cos
    width, height = rect.width, rect.height
    if square_long:
        width = height = max(width, height)
    return RotatedRect(rect.cx + dx, rect.cy + dy, width * scale, height * scale, rect.rotation)


def crop_rotated(rgb: np.ndarray, rect: RotatedRect, size: int,
                 border: int = cv2.BORDER_REPLICATE) -> np.ndarray:
    """Cut ``rect`` out of the image into an upright ``size × size`` float32 crop in 0..1, as
    ``ImageToTensorCalculator`` does on the CPU (perspective warp of the rectangle's corners,
    bilinear). The warp runs on float pixels: on MediaPipe's reference images that brought
    the palm boxes within 0.1 px of MediaPipe's (uint8 warping: 0.2 px, enough to move a
    thumb tip by 6 % of the hand's size after rotation).

    Parameters
    ----------
    rgb : numpy.ndarray
        ``(H, W, 3)`` uint8.
    rect : RotatedRect
        In pixels; should have the output's aspect ratio (square).
    size : int
    border : int
        OpenCV border mode outside the image (MediaPipe replicates by default).

    Returns
    -------
    numpy.ndarray
        ``(size, size, 3)`` float32.

    Example
    -------
    >>> crop_rotated(frame, RotatedRect(320, 240, 200, 200, 0.3), 224).shape
    (224, 224, 3)
    """
    dst = np.array([[0, size], [0, 0], [size, 0], [size, size]], np.float32)
    matrix = cv2.getPerspectiveTransform(rect.corners(), dst)
    crop = cv2.warpPerspective(rgb.astype(np.float32), matrix, (size, size), flags=cv2.INTER_LINEAR,
                               borderMode=border, borderValue=(0, 0, 0))
    return crop.astype(np.float32) * (1.0 / 255.0)


def project_from_rect(points: np.ndarray, rect: RotatedRect) -> np.ndarray:
    """``LandmarkProjectionCalculator``: landmarks normalised to a crop of ``rect`` back to the
    image's pixels; z (normalised like x) is scaled by the rectangle's width.

    Parameters
    ----------
    points : numpy.ndarray
        ``(N, 3)`` x, y in 0..1 of the crop, z in crop widths.
    rect : RotatedRect

    Returns
    -------
    numpy.ndarray
        float32 ``(N, 3)``: x, y, z in pixels (z in the same scale as x).

    Example
    -------
    >>> project_from_rect(np.array([[0.5, 0.5, 0.0]]), RotatedRect(10, 20, 4, 4, 1.0)).tolist()
    [[10.0, 20.0, 0.0]]
    """
    pts = np.asarray(points, np.float64)
    cos, sin = math.cos(rect.rotation), math.sin(rect.rotation)
    x = pts[:, 0] - 0.5
    y = pts[:, 1] - 0.5
    out = np.empty((pts.shape[0], 3), np.float64)
    out[:, 0] = (cos * x - sin * y) * rect.width + rect.cx
    out[:, 1] = (sin * x + cos * y) * rect.height + rect.cy
    out[:, 2] = pts[:, 2] * rect.width
    return out.astype(np.float32)

