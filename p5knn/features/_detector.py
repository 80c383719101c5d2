"""What p5knn's three MediaPipe keypoint pipelines (hands, pose, face) share: the two LiteRT
models, the input check, the SSD detector's decoding, the detect → regions → association →
landmarks → sort sequence of still images, video tracking, and the lock that keeps one image
at a time in the interpreters.

Each model (:mod:`p5knn.features._hands`, :mod:`p5knn.features._pose`,
:mod:`p5knn.features._face`) subclasses :class:`KeypointDetector` with what is its own: its
options, the detector's input (:meth:`KeypointDetector._detections`), the region of interest
of a detection (:meth:`KeypointDetector._roi`), the landmark model's decoding
(:meth:`KeypointDetector._landmarks_in`) and its result's dataclass.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any

import numpy as np

from p5knn.features._keypoint_geometry import (
    Detections,
    RotatedRect,
    box_iou,
    crop_rotated,
    decode_ssd,
    remove_letterbox,
    ssd_anchor_centres,
    weighted_nms,
)
from p5knn.features._keypoint_models import keypoint_model
from p5knn.features._runtime import TFLiteRunner

NMS_IOU = 0.3
ASSOCIATION_IOU = 0.5


def rect_iou(a: RotatedRect, b: RotatedRect) -> float:
    """IoU of two rectangles' axis-aligned extents ignoring rotation, as MediaPipe's
    ``AssociationNormRectCalculator`` compares them.

    Example
    -------
    >>> rect_iou(RotatedRect(0, 0, 2, 2, 0.), RotatedRect(0, 0, 2, 2, 1.))
    1.0
    """
    def extent(r: RotatedRect) -> np.ndarray:
        return np.array([r.cx - r.width / 2, r.cy - r.height / 2, r.cx + r.width / 2,
                         r.cy + r.height / 2])
    return float(box_iou(extent(a), extent(b)[None])[0])


def associate(rois: list[RotatedRect]) -> list[RotatedRect]:
    """MediaPipe's ``AssociationNormRectCalculator``: each region replaces the earlier ones it
    overlaps by more than IoU 0.5 (so list tracked regions after detected ones to prefer them).

    Example
    -------
    >>> len(associate([RotatedRect(0, 0, 2, 2, 0.), RotatedRect(0, 0, 2, 2, 0.)]))
    1
    """
    kept: list[RotatedRect] = []
    for roi in rois:
        kept = [r for r in kept if rect_iou(r, roi) <= ASSOCIATION_IOU] + [roi]
    return kept


def landmark_box(landmarks: np.ndarray) -> tuple[float, float, float, float]:
    """``(x0, y0, x1, y1)``: the bounding box of landmarks' x, y.

    Example
    -------
    >>> landmark_box(np.array([[1., 5., 0.], [3., 2., 0.]]))
    (1.0, 2.0, 3.0, 5.0)
    """
    lo = landmarks[:, :2].min(axis=0)
    hi = landmarks[:, :2].max(axis=0)
    return (float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1]))


class KeypointDetector:
    """Base of the keypoint detectors: an SSD detector model and a landmark model run with
    LiteRT, one image at a time.

    Parameters
    ----------
    detector_model, landmark_model : str
        Names for :func:`p5knn.features.keypoint_model`.
    detector_size : int
        Side of the detector's square input.
    strides : tuple of int
        The detector's SSD layer strides (its anchors).
    min_detection_confidence : float
        Detector score threshold.
    min_presence : float
        Presence threshold of the landmark model.
    num_threads : int, optional
        LiteRT threads per model (default: every core, or ``P5KNN_THREADS``).

    Notes
    -----
    Subclasses implement ``_detections(image)`` (normalised :class:`Detections`),
    ``_roi(box, keypoints, width, height)`` (a detection's region in pixels) and
    ``_landmarks_in(image, roi)`` (a result with a ``score``, or None), and set ``_limit``
    (at most this many results when tracking).

    Example
    -------
    >>> class Palms(KeypointDetector): ...   # see p5knn.features._hands.HandDetector
    """

    #: at most this many results from :meth:`track`
    _limit = 1

    def __init__(self, detector_model: str, landmark_model: str, detector_size: int,
                 strides: tuple[int, ...], min_detection_confidence: float,
                 min_presence: float, num_threads: int | None) -> None:
        self.min_detection_confidence = float(min_detection_confidence)
        self.min_presence = float(min_presence)
        self._detector = TFLiteRunner(keypoint_model(detector_model), num_threads)
        self._landmark = TFLiteRunner(keypoint_model(landmark_model), num_threads)
        self._detector_size = detector_size
        self._anchors = ssd_anchor_centres(detector_size, strides)
        self._lock = threading.Lock()

    @staticmethod
    def _check(rgb: np.ndarray) -> np.ndarray:
        image = np.asarray(rgb)
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise ValueError("detect needs an RGB uint8 image of shape (H, W, 3), got "
                             f"{image.dtype} {image.shape}")
        if image.shape[0] < 1 or image.shape[1] < 1:
            raise ValueError(f"empty image {image.shape}")
        return np.ascontiguousarray(image)

    def _ssd(self, square: np.ndarray, padding: tuple[float, float], num_keypoints: int,
             limit: int, score_clip: float = 100.0, quiet: bool = False) -> Detections:
        """Run the detector on its letterboxed input and decode it: SSD boxes and keypoints,
        sigmoid scores above ``min_detection_confidence``, weighted NMS (IoU 0.3) keeping at
        most ``limit``, normalised to the image (letterbox removed). ``quiet`` silences
        overflow in the sigmoid's exp of large logits (a score of 0, as intended)."""
        raw_boxes, raw_scores = self._detector.run(square)
        with np.errstate(over="ignore") if quiet else contextlib.nullcontext():
            found = decode_ssd(raw_boxes[0], raw_scores[0], self._anchors,
                               float(self._detector_size), num_keypoints,
                               self.min_detection_confidence, score_clip=score_clip)
        found = weighted_nms(found, NMS_IOU, limit)
        return Detections(remove_letterbox(found.boxes.reshape(-1, 2, 2),
                                           padding).reshape(-1, 4),
                          remove_letterbox(found.keypoints, padding), found.scores)

    def _run_landmark(self, image: np.ndarray, roi: RotatedRect, size: int) -> list:
        """The landmark model's outputs on ``roi`` warped to ``size`` × ``size``."""
        return self._landmark.run(crop_rotated(image, roi, size))

    def _detections(self, image: np.ndarray) -> Detections:
        raise NotImplementedError

    def _roi(self, box: np.ndarray, keypoints: np.ndarray, width: int,
             height: int) -> RotatedRect:
        raise NotImplementedError

    def _landmarks_in(self, image: np.ndarray, roi: RotatedRect) -> Any:
        raise NotImplementedError

    def _regions(self, image: np.ndarray) -> list[RotatedRect]:
        height, width = image.shape[:2]
        found = self._detections(image)
        return [self._roi(box, kps, width, height)
                for box, kps in zip(found.boxes, found.keypoints)]

    def _landmarks_sorted(self, image: np.ndarray, rois: list[RotatedRect]) -> list:
        results = [r for r in (self._landmarks_in(image, roi) for roi in rois) if r is not None]
        return sorted(results, key=lambda r: -r.score)

    def detect(self, rgb: np.ndarray) -> list:
        """Still images: run the detector, turn each detection into a region (a later region
        replaces overlapping ones, as MediaPipe's ``AssociationNormRectCalculator`` does) and
        run the landmark model in each.

        Parameters
        ----------
        rgb : numpy.ndarray
            ``(H, W, 3)`` uint8 RGB, any size.

        Returns
        -------
        list
            The subclass's results, most confident (presence) first; ``[]`` when none.

        Example
        -------
        >>> HandDetector().detect(rgb)[0].landmarks.shape
        (21, 3)
        """
        image = self._check(rgb)
        with self._lock:
            return self._landmarks_sorted(image, associate(self._regions(image)))

    def track(self, rgb: np.ndarray, rois: list[RotatedRect],
              run_detector: bool = False) -> list:
        """Video mode: landmarks in the regions tracked from the previous frame plus, when
        ``run_detector``, in the detector's regions (one overlapping a tracked region is
        dropped).

        Parameters
        ----------
        rgb : numpy.ndarray
            ``(H, W, 3)`` uint8 RGB.
        rois : list of RotatedRect
            Regions from the previous frame's results, in pixels.
        run_detector : bool
            Also run the detector on the whole image.

        Returns
        -------
        list
            At most ``_limit`` results, most confident first; a tracked one whose presence
            fell below ``min_presence`` is gone.

        Example
        -------
        >>> detector.track(frame, [hand_roi_from_landmarks(h.landmarks) for h in hands])
        """
        image = self._check(rgb)
        with self._lock:
            found = self._regions(image) if run_detector else []
            return self._landmarks_sorted(image, associate(found + list(rois)))[:self._limit]
