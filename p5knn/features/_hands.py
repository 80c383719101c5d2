"""Hand keypoints: MediaPipe's palm detector and hand landmark model (both "full"), run with
LiteRT, with MediaPipe's pre- and post-processing rewritten in numpy/OpenCV.

The pipeline is the one of MediaPipe's legacy ``mp.solutions.hands`` in static image mode:

1. the whole image, letterboxed to 192 × 192 (aspect ratio kept, black borders), goes through
   ``palm_detection_full``; 2016 SSD anchors are decoded, scored with a sigmoid, thresholded at
   ``min_detection_confidence`` and merged by weighted non-max suppression (IoU 0.3);
2. each palm becomes a rotated region of interest: its box turned so that wrist → middle-finger
   knuckle points up, shifted half a box up, squared on its long side and scaled 2.6 ×;
3. that region is warped to 224 × 224 and ``hand_landmark_full`` gives 21 landmarks, a hand
   presence score and handedness; the landmarks are projected back to the image's pixels.

:meth:`HandDetector.detect` runs the detector on every call (still images). For video,
:meth:`HandDetector.track` takes regions found from the previous frame's landmarks
(:func:`hand_roi_from_landmarks`, MediaPipe's ``HandLandmarkLandmarksToRoi``) and runs the palm
detector only when asked to; :class:`p5knn.features.KeypointExtractor` decides when.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from p5knn.features._detector import KeypointDetector, landmark_box
from p5knn.features._keypoint_models import connections
from p5knn.features._keypoint_geometry import (
    Detections,
    RotatedRect,
    letterbox,
    normalize_radians,
    project_from_rect,
    rect_from_keypoints,
    transform_rect,
)

PALM_SIZE = 192
LANDMARK_SIZE = 224
PALM_STRIDES = (8, 16, 16, 16)
PALM_KEYPOINTS = 7
ROI_SCALE = 2.6
ROI_SHIFT_Y = -0.5
TRACK_SCALE = 2.0
TRACK_SHIFT_Y = -0.1
#: the landmarks MediaPipe's ``HandLandmarkLandmarksToRoi`` keeps (wrist, thumb base, and the
#: first two joints of each finger)
TRACK_LANDMARKS = (0, 1, 2, 3, 5, 6, 9, 10, 13, 14, 17, 18)
Z_NORMALISATION = 0.4
HANDEDNESS = ("Left", "Right")
NUM_LANDMARKS = 21


@dataclass(frozen=True)
class Hand:
    """One hand found in an image.

    Attributes
    ----------
    landmarks : numpy.ndarray
        float32 ``(21, 3)`` in MediaPipe's order (0 wrist, 4 thumb tip, 8 index tip, …,
        20 little-finger tip): x, y in the image's pixels; z the depth relative to the wrist,
        in the same pixel scale as x (MediaPipe's normalised z × image width; more negative
        is nearer the camera).
    handedness : str
        ``"Left"`` or ``"Right"`` as MediaPipe labels it, which assumes a mirrored (selfie)
        image: in an unmirrored photo a person's right hand is labelled ``"Left"``.
    score : float
        Hand presence, 0..1, from the landmark model.
    box : tuple of float
        ``(x0, y0, x1, y1)``: the landmarks' bounding box in pixels.
    handedness_score : float
        The model's probability of ``handedness`` (0.5..1; MediaPipe's handedness score).
        Near 0.5 the label is a coin flip.

    Example
    -------
    >>> hand = HandDetector().detect(rgb)[0]
    >>> hand.landmarks[8, :2]          # index fingertip, pixels
    array([376.4, 166.2], dtype=float32)
    """

    landmarks: np.ndarray
    handedness: str
    score: float
    box: tuple[float, float, float, float]
    handedness_score: float = 1.0

    @property
    def connections(self) -> np.ndarray:
        """Pairs of landmark indices joined by the hand's skeleton lines (palm and fingers),
        ``(21, 2)``; what ``p5knn.draw.skeleton`` draws."""
        return connections("hands")


def hand_roi(box: np.ndarray, keypoints: np.ndarray, width: int, height: int) -> RotatedRect:
    """The rotated region around a hand given its palm detection (MediaPipe's
    ``PalmDetectionDetectionToRoi``: ``DetectionsToRects`` from keypoint 0, the wrist, to
    keypoint 2, the middle finger's knuckle, turned to vertical; then ``RectTransformation``
    with scale 2.6, shift y −0.5, square on the long side).

    Parameters
    ----------
    box : numpy.ndarray
        The palm's normalised xmin, ymin, xmax, ymax in the image.
    keypoints : numpy.ndarray
        ``(7, 2)`` normalised palm keypoints in the image.
    width, height : int
        Image size in pixels.

    Returns
    -------
    RotatedRect
        In pixels.

    Example
    -------
    >>> round(hand_roi(palms.boxes[0], palms.keypoints[0], 548, 342).width, 1)  # messi5.jpg
    60.3
    """
    rect = rect_from_keypoints(box, keypoints[0], keypoints[2], width, height)
    return transform_rect(rect, ROI_SCALE, shift_y=ROI_SHIFT_Y, square_long=True)


def hand_roi_from_landmarks(landmarks: np.ndarray) -> RotatedRect:
    """The region for the next video frame from a hand's landmarks (MediaPipe's
    ``HandLandmarksToRectCalculator`` on the wrist, the thumb's base and the first two joints
    of each finger; then ``RectTransformation`` with scale 2.0, shift y −0.1, square on the long
    side).

    The rotation turns wrist → (mean of the index and ring knuckles, averaged with the middle
    knuckle) to vertical; the rectangle is the landmarks' extent in that rotated frame.

    Parameters
    ----------
    landmarks : numpy.ndarray
        ``(21, ≥2)`` in pixels (:attr:`Hand.landmarks`).

    Returns
    -------
    RotatedRect
        In pixels.

    Example
    -------
    >>> roi = hand_roi_from_landmarks(hand.landmarks)
    >>> detector.track(next_frame, [roi])
    """
    pts = np.asarray(landmarks, np.float64)[list(TRACK_LANDMARKS), :2]
    x0, y0 = pts[0]
    # indices into TRACK_LANDMARKS: 4 → index knuckle (5), 6 → middle (9), 8 → ring (13)
    x1 = ((pts[4, 0] + pts[8, 0]) / 2 + pts[6, 0]) / 2
    y1 = ((pts[4, 1] + pts[8, 1]) / 2 + pts[6, 1]) / 2
    rotation = normalize_radians(math.pi / 2 - math.atan2(-(y1 - y0), x1 - x0))
    centre = (pts.max(axis=0) + pts.min(axis=0)) / 2
    cos, sin = math.cos(-rotation), math.sin(-rotation)
    rel = pts - centre
    projected = np.stack([rel[:, 0] * cos - rel[:, 1] * sin, rel[:, 0] * sin + rel[:, 1] * cos], 1)
    lo, hi = projected.min(axis=0), projected.max(axis=0)
    px, py = (lo + hi) / 2
    cos, sin = math.cos(rotation), math.sin(rotation)
    rect = RotatedRect(float(px * cos - py * sin + centre[0]),
                       float(px * sin + py * cos + centre[1]),
                       float(hi[0] - lo[0]), float(hi[1] - lo[1]), rotation)
    return transform_rect(rect, TRACK_SCALE, shift_y=TRACK_SHIFT_Y, square_long=True)


class HandDetector(KeypointDetector):
    """Find hands and their 21 landmarks in RGB images, as MediaPipe Hands does on still
    images (``static_image_mode=True``, ``model_complexity=1``).

    Parameters
    ----------
    num_hands : int
        At most this many hands (MediaPipe's ``max_num_hands``).
    min_detection_confidence : float
        Palm detector score threshold.
    min_presence : float
        Hand presence threshold of the landmark model (MediaPipe's ``min_tracking_confidence``
        plays this role).
    num_threads : int, optional
        LiteRT threads per model (default: every core, or ``P5KNN_THREADS``).

    Notes
    -----
    Handedness is labelled as MediaPipe labels it, for a mirrored selfie view: flip the image
    (or swap the labels) for a camera that is not mirrored.

    Example
    -------
    >>> detector = HandDetector(num_hands=2)
    >>> [(h.handedness, round(h.score, 2)) for h in detector.detect(rgb)]  # right04.jpg
    [('Right', 0.99)]
    """

    def __init__(self, num_hands: int = 2, min_detection_confidence: float = 0.5,
                 min_presence: float = 0.5, num_threads: int | None = None) -> None:
        if num_hands < 1:
            raise ValueError(f"num_hands must be at least 1, got {num_hands}")
        self.num_hands = int(num_hands)
        super().__init__("palm_detection_full", "hand_landmark_full", PALM_SIZE, PALM_STRIDES,
                         min_detection_confidence, min_presence, num_threads)
        outputs = self._landmark.output_shapes()
        # Identity: 63 landmarks, Identity_1: presence, Identity_2: handedness, _3: world.
        if [s[-1] for s in outputs[:3]] != [63, 1, 1]:
            raise ValueError(f"unexpected hand landmark model outputs {outputs}")

    @property
    def _limit(self) -> int:  # type: ignore[override]
        return self.num_hands

    def palms(self, rgb: np.ndarray) -> Detections:
        """Palm detections in the image, normalised to it, most confident first.

        Parameters
        ----------
        rgb : numpy.ndarray
            ``(H, W, 3)`` uint8 RGB.

        Returns
        -------
        Detections
            Boxes and 7 keypoints normalised to the image, after weighted NMS, at most
            ``num_hands``.

        Example
        -------
        >>> len(HandDetector().palms(rgb))
        1
        """
        square, padding = letterbox(self._check(rgb), PALM_SIZE)
        return self._ssd(square, padding, PALM_KEYPOINTS, self.num_hands)

    def landmarks_in(self, rgb: np.ndarray, roi: RotatedRect) -> Hand | None:
        """Run the landmark model on one region of interest.

        Parameters
        ----------
        rgb : numpy.ndarray
            ``(H, W, 3)`` uint8 RGB.
        roi : RotatedRect
            The region in pixels (square), e.g. from :func:`hand_roi`.

        Returns
        -------
        Hand or None
            None when the hand presence is below ``min_presence``.

        Example
        -------
        >>> hand = detector.landmarks_in(rgb, RotatedRect(360, 165, 60, 60, -1.2))
        """
        raw, presence, left = self._run_landmark(self._check(rgb), roi, LANDMARK_SIZE)[:3]
        score = float(np.asarray(presence).reshape(-1)[0])
        if not score >= self.min_presence:
            return None
        points = np.asarray(raw, np.float64).reshape(NUM_LANDMARKS, 3) / LANDMARK_SIZE
        points[:, 2] /= Z_NORMALISATION
        landmarks = project_from_rect(points, roi)
        # Binary classification: the model gives P("Left"); MediaPipe keeps the larger class.
        p_left = float(np.asarray(left).reshape(-1)[0])
        handedness = HANDEDNESS[0] if p_left >= 1.0 - p_left else HANDEDNESS[1]
        return Hand(landmarks, handedness, score, landmark_box(landmarks),
                    max(p_left, 1.0 - p_left))

    # KeypointDetector's hooks: palm detections, their regions, the landmark model
    _detections, _roi, _landmarks_in = palms, staticmethod(hand_roi), landmarks_in

    def detect(self, rgb: np.ndarray) -> list[Hand]:
        """Find up to ``num_hands`` hands.

        Parameters
        ----------
        rgb : numpy.ndarray
            ``(H, W, 3)`` uint8 RGB, any size.

        Returns
        -------
        list of Hand
            Most confident (hand presence) first; ``[]`` when there is no hand.

        Example
        -------
        >>> hands = HandDetector().detect(rgb)
        >>> hands[0].landmarks.shape
        (21, 3)
        """
        return super().detect(rgb)

    def track(self, rgb: np.ndarray, rois: list[RotatedRect],
              run_detector: bool = False) -> list[Hand]:
        """Video mode: landmarks in the regions tracked from the previous frame (see
        :func:`hand_roi_from_landmarks`), plus, when ``run_detector``, hands the palm detector
        finds elsewhere (a palm whose region overlaps a tracked one is dropped).

        Parameters
        ----------
        rgb : numpy.ndarray
            ``(H, W, 3)`` uint8 RGB.
        rois : list of RotatedRect
            Regions from the previous frame's hands, in pixels.
        run_detector : bool
            Also run the palm detector on the whole image.

        Returns
        -------
        list of Hand
            At most ``num_hands``, most confident first; a tracked hand whose presence fell
            below ``min_presence`` is gone.

        Example
        -------
        >>> hands = detector.track(frame, [hand_roi_from_landmarks(h.landmarks) for h in hands])
        """
        return super().track(rgb, rois, run_detector)
