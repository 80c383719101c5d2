"""Body keypoints: MediaPipe's BlazePose detector and pose landmark model ("full"), run with
LiteRT, with MediaPipe's pre- and post-processing rewritten in numpy/OpenCV.

The pipeline is the one of MediaPipe's legacy ``mp.solutions.pose`` in static image mode
(``model_complexity=1``, one body at most):

1. the whole image, letterboxed to 224 × 224 (aspect ratio kept, black borders, values
   −1..1), goes through ``pose_detection``; 2254 SSD anchors (strides 8, 16, 32, 32, 32) are
   decoded with 4 keypoints each, scored with a sigmoid, thresholded at
   ``min_detection_confidence`` and merged by weighted non-max suppression (IoU 0.3); the
   most confident detection is kept;
2. it becomes a rotated region of interest (``PoseDetectionToRoi``): a square centred on
   keypoint 0 (the hips' centre), its side twice the distance to keypoint 1 (a point on the
   circle around the whole body), turned so that hips → that point is up, then scaled 1.25 ×;
3. that region is warped to 256 × 256 (edges replicated) and ``pose_landmark_full`` gives
   39 landmarks (x, y, z, visibility, presence; the first 33 are the body), a pose presence
   score and 64 × 64 heatmaps; x, y are refined from the heatmaps (7 × 7 window), visibility
   goes through a sigmoid and the landmarks are projected back to the image's pixels.

:meth:`PoseDetector.detect` runs the detector on every call (still images). For video,
:meth:`PoseDetector.track` takes the region found from the previous frame's two auxiliary
landmarks (:func:`pose_roi_from_landmarks`, MediaPipe's ``PoseLandmarksToRoi``) and runs the
detector only when asked to; :class:`p5knn.features.KeypointExtractor` decides when.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from p5knn.features._detector import KeypointDetector, landmark_box
from p5knn.features._keypoint_models import connections
from p5knn.features._keypoint_geometry import (
    Detections,
    RotatedRect,
    project_from_rect,
    transform_rect,
)
from p5knn.features._pose_geometry import (
    alignment_rect,
    letterbox_uint8,
    refine_from_heatmap,
)

DETECTOR_SIZE = 224
LANDMARK_SIZE = 256
DETECTOR_STRIDES = (8, 16, 32, 32, 32)
DETECTOR_KEYPOINTS = 4
ROI_SCALE = 1.25
HEATMAP_KERNEL = 7
HEATMAP_MIN_CONFIDENCE = 0.5
MODEL_LANDMARKS = 39
NUM_LANDMARKS = 33
#: MediaPipe's names of the 33 landmarks, in order.
LANDMARK_NAMES = (
    "nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner", "right_eye",
    "right_eye_outer", "left_ear", "right_ear", "mouth_left", "mouth_right", "left_shoulder",
    "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_pinky",
    "right_pinky", "left_index", "right_index", "left_thumb", "right_thumb", "left_hip",
    "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle", "left_heel",
    "right_heel", "left_foot_index", "right_foot_index")


@dataclass(frozen=True)
class Pose:
    """One body found in an image.

    Attributes
    ----------
    landmarks : numpy.ndarray
        float32 ``(33, 3)`` in MediaPipe's order (:data:`LANDMARK_NAMES`: 0 nose, 11/12
        shoulders, 15/16 wrists, 23/24 hips, 27/28 ankles, …; "left" is the person's left):
        x, y in the image's pixels, possibly outside the image for parts it cuts off; z the
        depth relative to the hips' centre, in the same pixel scale as x (MediaPipe's
        normalised z × image width; more negative is nearer the camera; rough).
    visibility : numpy.ndarray
        float32 ``(33,)``, 0..1: the model's belief that each landmark is in view and not
        hidden (MediaPipe's ``visibility``).
    score : float
        Pose presence, 0..1, from the landmark model.
    box : tuple of float
        ``(x0, y0, x1, y1)``: the landmarks' bounding box in pixels.

    Example
    -------
    >>> pose = PoseDetector().detect(rgb)[0]
    >>> pose.landmarks[0, :2]          # nose, pixels (messi5.jpg)
    array([250.3, 113.9], dtype=float32)
    """

    landmarks: np.ndarray
    visibility: np.ndarray
    score: float
    box: tuple[float, float, float, float]
    #: float32 ``(6, 3)`` pixels: the model's extra landmarks 33–38 (33 hips' centre, 34 a
    #: point on the circle around the body: what video tracking places the next region with)
    auxiliary: np.ndarray | None = field(default=None, repr=False, compare=False)

    @property
    def connections(self) -> np.ndarray:
        """Pairs of landmark indices joined by the body's skeleton lines, ``(35, 2)``; what
        ``p5knn.draw.skeleton`` draws (lines to landmarks with low visibility are skipped)."""
        return connections("pose")


def pose_roi_from_landmarks(auxiliary: np.ndarray) -> RotatedRect:
    """The region for the next video frame from a pose's auxiliary landmarks (MediaPipe's
    ``PoseLandmarksToRoi``: ``AlignmentPointsRects`` from landmark 33, the hips' centre, to
    landmark 34, on the circle around the body; scaled 1.25 ×, square on the long side).

    Parameters
    ----------
    auxiliary : numpy.ndarray
        ``(≥2, ≥2)`` pixels (:attr:`Pose.auxiliary`).

    Returns
    -------
    RotatedRect
        In pixels.

    Example
    -------
    >>> detector.track(next_frame, pose_roi_from_landmarks(pose.auxiliary))
    """
    pts = np.asarray(auxiliary, np.float64)
    # alignment_rect takes normalised points: pass pixels with a 1 × 1 "image"
    rect = alignment_rect(pts[0, :2], pts[1, :2], 1, 1)
    return transform_rect(rect, ROI_SCALE, square_long=True)


def pose_roi(keypoints: np.ndarray, width: int, height: int) -> RotatedRect:
    """The rotated region around a body given its detection (MediaPipe's
    ``PoseDetectionToRoi``: ``AlignmentPointsRects`` from keypoint 0, the hips' centre, to
    keypoint 1, on the circle around the full body, turned to vertical; then scaled 1.25 ×,
    square on the long side).

    Parameters
    ----------
    keypoints : numpy.ndarray
        ``(4, 2)`` normalised detection keypoints in the image.
    width, height : int
        Image size in pixels.

    Returns
    -------
    RotatedRect
        In pixels.

    Example
    -------
    >>> round(pose_roi(bodies.keypoints[0], 548, 342).width)  # messi5.jpg
    419
    """
    rect = alignment_rect(keypoints[0], keypoints[1], width, height)
    return transform_rect(rect, ROI_SCALE, square_long=True)


class PoseDetector(KeypointDetector):
    """Find a body and its 33 landmarks in RGB images, as MediaPipe Pose does on still images
    (``static_image_mode=True``, ``model_complexity=1``).

    Parameters
    ----------
    min_detection_confidence : float
        Pose detector score threshold.
    min_presence : float
        Pose presence threshold of the landmark model (MediaPipe's
        ``min_tracking_confidence`` plays this role in video).
    num_threads : int, optional
        LiteRT threads per model (default: every core, or ``P5KNN_THREADS``).

    Notes
    -----
    One body at most, like MediaPipe's legacy pose: the most confident detection. Landmarks
    are the person's own left and right, whichever way the image is mirrored.

    Example
    -------
    >>> detector = PoseDetector()
    >>> [round(p.score, 2) for p in detector.detect(rgb)]  # messi5.jpg
    [1.0]
    """

    def __init__(self, min_detection_confidence: float = 0.5, min_presence: float = 0.5,
                 num_threads: int | None = None) -> None:
        super().__init__("pose_detection", "pose_landmark_full", DETECTOR_SIZE,
                         DETECTOR_STRIDES, min_detection_confidence, min_presence, num_threads)
        outputs = self._landmark.output_shapes()
        # Identity: 39 × 5 landmarks, _1: presence, _2: segmentation, _3: heatmaps, _4: world.
        if (len(outputs) < 4 or outputs[0][-1] != MODEL_LANDMARKS * 5 or outputs[1][-1] != 1
                or outputs[3][-1] != MODEL_LANDMARKS):
            raise ValueError(f"unexpected pose landmark model outputs {outputs}")

    def bodies(self, rgb: np.ndarray) -> Detections:
        """Body detections in the image, normalised to it.

        Parameters
        ----------
        rgb : numpy.ndarray
            ``(H, W, 3)`` uint8 RGB.

        Returns
        -------
        Detections
            Boxes (of the face) and 4 keypoints (hips' centre, full-body circle point,
            shoulders' centre, upper-body circle point) normalised to the image, after
            weighted NMS; the most confident only (0 or 1 detection).

        Example
        -------
        >>> PoseDetector().bodies(rgb).keypoints.shape
        (1, 4, 2)
        """
        square, padding = letterbox_uint8(self._check(rgb), DETECTOR_SIZE)
        # quiet: exp of large logits overflows to a sigmoid of 0, as intended
        return self._ssd(square * 2.0 - 1.0, padding, DETECTOR_KEYPOINTS, 1, quiet=True)

    def landmarks_in(self, rgb: np.ndarray, roi: RotatedRect) -> Pose | None:
        """Run the landmark model on one region of interest.

        Parameters
        ----------
        rgb : numpy.ndarray
            ``(H, W, 3)`` uint8 RGB.
        roi : RotatedRect
            The region in pixels (square), e.g. from :func:`pose_roi`.

        Returns
        -------
        Pose or None
            None when the pose presence is below ``min_presence`` or the region is empty.

        Example
        -------
        >>> pose = detector.landmarks_in(rgb, RotatedRect(267, 227, 418, 418, -0.19))
        """
        image = self._check(rgb)
        values = (roi.cx, roi.cy, roi.width, roi.height, roi.rotation)
        if not (all(math.isfinite(v) for v in values) and roi.width > 0 and roi.height > 0):
            return None
        raw, presence, _, heatmap = self._run_landmark(image, roi, LANDMARK_SIZE)[:4]
        score = float(np.asarray(presence).reshape(-1)[0])  # the model's output is 0..1
        if not score >= self.min_presence:
            return None
        values = np.asarray(raw, np.float64).reshape(MODEL_LANDMARKS, 5)
        points = values[:, :3] / LANDMARK_SIZE
        points = refine_from_heatmap(points, heatmap[0], HEATMAP_KERNEL,
                                     HEATMAP_MIN_CONFIDENCE)
        projected = project_from_rect(points, roi)
        landmarks = projected[:NUM_LANDMARKS]
        if not np.isfinite(projected[:NUM_LANDMARKS + 2]).all():
            return None
        visibility = (1.0 / (1.0 + np.exp(-np.clip(values[:NUM_LANDMARKS, 3], -80, 80))))
        return Pose(np.ascontiguousarray(landmarks), visibility.astype(np.float32), score,
                    landmark_box(landmarks), np.ascontiguousarray(projected[NUM_LANDMARKS:]))

    # KeypointDetector's hooks (one body at most: the base's ``_limit`` is 1); the region
    # is placed by the keypoints alone, not the box
    _detections, _landmarks_in = bodies, landmarks_in

    def _roi(self, box: np.ndarray, keypoints: np.ndarray, width: int,
             height: int) -> RotatedRect:
        return pose_roi(keypoints, width, height)

    def detect(self, rgb: np.ndarray) -> list[Pose]:
        """Find the most confident body.

        Parameters
        ----------
        rgb : numpy.ndarray
            ``(H, W, 3)`` uint8 RGB, any size.

        Returns
        -------
        list of Pose
            One pose, or ``[]`` when there is nobody.

        Example
        -------
        >>> poses = PoseDetector().detect(rgb)
        >>> poses[0].landmarks.shape, poses[0].visibility.shape
        ((33, 3), (33,))
        """
        return super().detect(rgb)

    def track(self, rgb: np.ndarray, roi: RotatedRect | None,  # type: ignore[override]
              run_detector: bool = False) -> list[Pose]:
        """Video mode: the landmarks in the region tracked from the previous frame (see
        :func:`pose_roi_from_landmarks`); the detector runs instead when ``run_detector`` is
        True or there is no region.

        Parameters
        ----------
        rgb : numpy.ndarray
            ``(H, W, 3)`` uint8 RGB.
        roi : RotatedRect or None
            The region from the previous frame's pose, in pixels.
        run_detector : bool
            Run the detector (ignore ``roi``).

        Returns
        -------
        list of Pose
            One pose, or ``[]`` when the presence fell below ``min_presence`` (tracking lost).

        Example
        -------
        >>> poses = detector.track(frame, pose_roi_from_landmarks(poses[0].auxiliary))
        """
        if run_detector or roi is None:
            return self.detect(rgb)
        return super().track(rgb, [roi])
