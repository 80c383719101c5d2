"""Face keypoints: MediaPipe's short-range face detector and face mesh model (468 landmarks),
run with LiteRT, with MediaPipe's pre- and post-processing rewritten in numpy/OpenCV.

The pipeline is the one of MediaPipe's legacy ``mp.solutions.face_mesh`` in static image mode
without refined landmarks (graphs ``face_detection_short_range``,
``face_detection_front_detection_to_roi``, ``face_landmark_cpu``):

1. the whole image, letterboxed to 128 × 128 (aspect ratio kept, black borders) in -1..1,
   goes through ``face_detection_short_range``; 896 SSD anchors (strides 8, 16, 16, 16) are
   decoded with 6 keypoints (eyes, nose tip, mouth, ear tragions), scored with a sigmoid,
   thresholded at ``min_detection_confidence`` and merged by weighted non-max suppression
   (IoU 0.3);
2. each face becomes a rotated region of interest: its box turned so that the line from one
   eye (keypoint 0) to the other (keypoint 1) is horizontal, squared on its long side and
   scaled 1.5 ×;
3. that region is warped to 192 × 192 (0..1, border replicated) and ``face_landmark`` gives
   468 landmarks and a face-presence logit; the landmarks are projected back to the image.

:meth:`FaceDetector.detect` runs the detector on every call (still images). For video,
:meth:`FaceDetector.track` takes regions found from the previous frame's mesh
(:func:`face_roi_from_landmarks`, MediaPipe's ``FaceLandmarkLandmarksToRoi``) and runs the
detector only when asked to; :class:`p5knn.features.KeypointExtractor` decides when.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from p5knn.features._detector import KeypointDetector, landmark_box
from p5knn.features._keypoint_models import connections
from p5knn.features._keypoint_geometry import (
    Detections,
    RotatedRect,
    letterbox,
    project_from_rect,
    rect_from_keypoints,
    transform_rect,
)

DETECTOR_SIZE = 128
LANDMARK_SIZE = 192
DETECTOR_STRIDES = (8, 16, 16, 16)
DETECTOR_KEYPOINTS = 6
SCORE_CLIP = 80.0  # MediaPipe clips at 100; exp(100) overflows float32, same sigmoid
ROI_SCALE = 1.5
NUM_LANDMARKS = 468


@dataclass(frozen=True)
class Face:
    """One face found in an image.

    Attributes
    ----------
    landmarks : numpy.ndarray
        float32 ``(468, 3)`` in MediaPipe's face mesh order (1 nose tip, 13 and 14 the inner
        lips, 33 and 263 the outer eye corners, 61 and 291 the mouth corners, 10 forehead,
        152 chin): x, y in the image's pixels; z the depth relative to the face's centre, in
        the same pixel scale as x (MediaPipe's normalised z × image width; more negative is
        nearer the camera).
    score : float
        Face presence, 0..1, from the landmark model.
    box : tuple of float
        ``(x0, y0, x1, y1)``: the landmarks' bounding box in pixels.

    Example
    -------
    >>> face = FaceDetector().detect(rgb)[0]       # skimage.data.astronaut()
    >>> face.landmarks[1, :2]                      # nose tip, pixels
    array([224.1, 131.2], dtype=float32)
    """

    landmarks: np.ndarray
    score: float
    box: tuple[float, float, float, float]

    @property
    def connections(self) -> np.ndarray:
        """Pairs of landmark indices that draw the face's contours — its oval, lips, eyes and
        eyebrows (124 lines); what ``p5knn.draw.skeleton`` draws."""
        return np.concatenate([connections(part) for part in
                               ("face_oval", "face_lips", "face_eyes", "face_eyebrows")])


def face_roi(box: np.ndarray, keypoints: np.ndarray, width: int, height: int) -> RotatedRect:
    """The rotated region around a face given its detection (MediaPipe's
    ``FaceDetectionFrontDetectionToRoi``: ``DetectionsToRects`` from keypoint 0 to keypoint 1,
    the eyes, turned to horizontal; then ``RectTransformation`` with scale 1.5, square on the
    long side).

    Parameters
    ----------
    box : numpy.ndarray
        The face's normalised xmin, ymin, xmax, ymax in the image.
    keypoints : numpy.ndarray
        ``(6, 2)`` normalised face keypoints in the image.
    width, height : int
        Image size in pixels.

    Returns
    -------
    RotatedRect
        In pixels.

    Example
    -------
    >>> kps = np.array([[.4, .4], [.6, .4], [.5, .5], [.5, .6], [.3, .45], [.7, .45]])
    >>> face_roi(np.array([.3, .3, .7, .7]), kps, 100, 100)
    RotatedRect(cx=50.0, cy=50.0, width=60.0, height=60.0, rotation=0.0)
    """
    rect = rect_from_keypoints(box, keypoints[0], keypoints[1], width, height,
                               target_degrees=0.0)
    return transform_rect(rect, ROI_SCALE, square_long=True)


def face_roi_from_landmarks(landmarks: np.ndarray) -> RotatedRect:
    """The region for the next video frame from a face's mesh (MediaPipe's
    ``FaceLandmarkLandmarksToRoi``: the landmarks' bounding box turned so that landmark 33 →
    landmark 263, the outer eye corners, is horizontal; scaled 1.5 ×, square on the long side).

    Parameters
    ----------
    landmarks : numpy.ndarray
        ``(468, ≥2)`` pixels (:attr:`Face.landmarks`).

    Returns
    -------
    RotatedRect
        In pixels.

    Example
    -------
    >>> detector.track(next_frame, [face_roi_from_landmarks(face.landmarks)])
    """
    pts = np.asarray(landmarks, np.float64)[:, :2]
    box = np.concatenate([pts.min(axis=0), pts.max(axis=0)])
    # rect_from_keypoints takes normalised values: pass pixels with a 1 × 1 "image"
    rect = rect_from_keypoints(box, pts[33], pts[263], 1, 1, target_degrees=0.0)
    return transform_rect(rect, ROI_SCALE, square_long=True)


class FaceDetector(KeypointDetector):
    """Find faces and their 468 face-mesh landmarks in RGB images, as MediaPipe's Face Mesh
    does on still images (``static_image_mode=True``, ``refine_landmarks=False``).

    Parameters
    ----------
    num_faces : int
        At most this many faces (MediaPipe's ``max_num_faces``).
    min_detection_confidence : float
        Face detector score threshold.
    min_presence : float
        Face presence threshold of the landmark model (MediaPipe's ``min_tracking_confidence``
        plays this role).
    num_threads : int, optional
        LiteRT threads per model (default: every core, or ``P5KNN_THREADS``).

    Notes
    -----
    The short-range detector is made for faces that fill a good part of the picture (selfies,
    webcams, portraits, within about 2 m); small faces in a wide shot are not found.

    Example
    -------
    >>> detector = FaceDetector()
    >>> [round(f.score, 2) for f in detector.detect(rgb)]  # skimage.data.astronaut()
    [1.0]
    """

    def __init__(self, num_faces: int = 1, min_detection_confidence: float = 0.5,
                 min_presence: float = 0.5, num_threads: int | None = None) -> None:
        if num_faces < 1:
            raise ValueError(f"num_faces must be at least 1, got {num_faces}")
        self.num_faces = int(num_faces)
        super().__init__("face_detection_short_range", "face_landmark", DETECTOR_SIZE,
                         DETECTOR_STRIDES, min_detection_confidence, min_presence, num_threads)
        sizes = [int(np.prod(s)) for s in self._landmark.output_shapes()]
        # conv2d_21: 468 × 3 landmarks; conv2d_31: the face-presence logit.
        if sorted(sizes) != [1, 3 * NUM_LANDMARKS]:
            raise ValueError(f"unexpected face landmark model outputs {sizes}")
        self._mesh_index = sizes.index(3 * NUM_LANDMARKS)
        self._flag_index = sizes.index(1)

    @property
    def _limit(self) -> int:  # type: ignore[override]
        return self.num_faces

    def detections(self, rgb: np.ndarray) -> Detections:
        """Face detections in the image, normalised to it, most confident first.

        Parameters
        ----------
        rgb : numpy.ndarray
            ``(H, W, 3)`` uint8 RGB.

        Returns
        -------
        Detections
            Boxes and 6 keypoints (eye, eye, nose tip, mouth centre, ear tragion, ear tragion)
            normalised to the image, after weighted NMS, at most ``num_faces``.

        Example
        -------
        >>> len(FaceDetector().detections(rgb))
        1
        """
        square, padding = letterbox(self._check(rgb), DETECTOR_SIZE)
        return self._ssd(square * 2.0 - 1.0, padding, DETECTOR_KEYPOINTS, self.num_faces,
                         score_clip=SCORE_CLIP)

    def landmarks_in(self, rgb: np.ndarray, roi: RotatedRect) -> Face | None:
        """Run the face mesh model on one region of interest.

        Parameters
        ----------
        rgb : numpy.ndarray
            ``(H, W, 3)`` uint8 RGB.
        roi : RotatedRect
            The region in pixels (square), e.g. from :func:`face_roi`.

        Returns
        -------
        Face or None
            None when the face presence is below ``min_presence``.

        Example
        -------
        >>> face = detector.landmarks_in(rgb, RotatedRect(225, 125, 160, 160, 0.1))
        """
        outputs = self._run_landmark(self._check(rgb), roi, LANDMARK_SIZE)
        logit = float(np.clip(np.asarray(outputs[self._flag_index]).reshape(-1)[0], -100, 100))
        score = 1.0 / (1.0 + np.exp(-logit))
        if not score >= self.min_presence:
            return None
        points = np.asarray(outputs[self._mesh_index], np.float64).reshape(NUM_LANDMARKS, 3)
        landmarks = project_from_rect(points / LANDMARK_SIZE, roi)
        return Face(landmarks, float(score), landmark_box(landmarks))

    # KeypointDetector's hooks: face detections, their regions, the face mesh model
    _detections, _roi, _landmarks_in = detections, staticmethod(face_roi), landmarks_in

    def detect(self, rgb: np.ndarray) -> list[Face]:
        """Find up to ``num_faces`` faces.

        Parameters
        ----------
        rgb : numpy.ndarray
            ``(H, W, 3)`` uint8 RGB, any size.

        Returns
        -------
        list of Face
            Most confident (face presence) first; ``[]`` when there is no face.

        Example
        -------
        >>> faces = FaceDetector().detect(rgb)
        >>> faces[0].landmarks.shape
        (468, 3)
        """
        return super().detect(rgb)

    def track(self, rgb: np.ndarray, rois: list[RotatedRect],
              run_detector: bool = False) -> list[Face]:
        """Video mode: meshes in the regions tracked from the previous frame (see
        :func:`face_roi_from_landmarks`), plus, when ``run_detector``, faces the detector finds
        elsewhere (a detection whose region overlaps a tracked one is dropped).

        Parameters
        ----------
        rgb : numpy.ndarray
            ``(H, W, 3)`` uint8 RGB.
        rois : list of RotatedRect
            Regions from the previous frame's faces, in pixels.
        run_detector : bool
            Also run the face detector on the whole image.

        Returns
        -------
        list of Face
            At most ``num_faces``, most confident first.

        Example
        -------
        >>> faces = detector.track(frame, [face_roi_from_landmarks(f.landmarks) for f in faces])
        """
        return super().track(rgb, rois, run_detector)
