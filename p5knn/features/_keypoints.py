"""Hands, body and face keypoints as feature extractors: ``p5knn.feature_extractor("hands")``,
``"pose"`` and ``"face"`` (:class:`KeypointExtractor`), usable wherever MobileNet's extractor is
(KNN classifiers and regressors, background calls, ``classify_start``, save/load).

Vector layouts (:mod:`p5knn.features._keypoint_vectors`; every one ends with a constant 1.0 so
that "nobody" is not an all-zero vector, which cosine refuses):

* ``"hands"``, 129 numbers: two slots of 64 — slot 0 the hand MediaPipe labels ``"Right"``,
  slot 1 the one labelled ``"Left"`` (two hands with the same label: the more confident keeps
  its slot, the other takes the free one) — each 21 × (x, y, z) relative to the wrist and
  divided by the hand's size (3-D distance wrist → middle-finger knuckle, landmarks 0 → 9),
  then a presence flag (1/0); a missing hand is 64 zeros. Rotation is kept: a sign's
  orientation (thumb up or down) is part of it.
* ``"pose"``, 134 numbers: 33 × (x, y, z) relative to the hips' centre and divided by the
  torso's size (x-y distance shoulders' centre → hips' centre), z (BlazePose's rough depth)
  then multiplied by 0.25; 33 visibilities, a presence flag. Nobody: zeros.
* ``"face"``, 1406 numbers: 468 × (x, y, z) relative to the mesh's centre and divided by its
  size (root-mean-square x-y distance from the centre), a presence flag. No face: zeros.

Tracking (video mode, MediaPipe's speed-up): with ``tracking="auto"`` (the default) frames of
a stream — a ``Camera`` or other live source passed in, the frames ``classify_start`` reads,
a camera frame a background ``add_example``/``predict_class`` took — are taken as consecutive:
each frame's regions come from the previous frame's landmarks, and the detector runs only
when nothing is tracked, when tracking loses everything in a frame (then it runs on that
frame), or every ``redetect_every`` frames while fewer than the most hands/faces are tracked.
Each stream is tracked on its own. Arrays, py5 images, paths and PIL images are still images:
the detector runs every time. ``tracking=True`` also takes arrays and py5 images as frames of
one stream (a video read by hand); ``tracking=False`` never tracks. Paths and PIL images always
run the detector.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from typing import Any, Hashable, Iterable

import cv2
import numpy as np

from p5knn._base.errors import ImageError
from p5knn.features import _images as images
from p5knn.features._face import FaceDetector, face_roi_from_landmarks
from p5knn.features._hands import HandDetector, hand_roi_from_landmarks
from p5knn.features._keypoint_vectors import FEATURE_SIZES, VECTORS
from p5knn.features._pose import PoseDetector, pose_roi_from_landmarks
from p5knn.features._runtime import live_threads
from p5knn.live._background import Background
from p5knn.live._frames import StreamFrame
from p5knn.live._worker import Worker

KINDS = tuple(FEATURE_SIZES)
_STREAMS = 8  # streams tracked at once (the least recently seen is forgotten)


class _Track:
    """Tracking state of one stream."""

    __slots__ = ("shape", "tracked", "since_detection")

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape
        self.tracked: list[Any] = []
        self.since_detection = 0


class KeypointExtractor:
    """Hand, body or face landmarks (MediaPipe's models, run offline with LiteRT) and a
    fixed-length vector of them for KNN. Create one with ``p5knn.feature_extractor("hands")``
    (or ``"pose"``, ``"face"``); options below are passed through.

    Methods are thread-safe. The extractor owns one background worker (the thread that runs
    its models for background work of KNN classifiers built on it); :meth:`close` stops it.

    Parameters
    ----------
    kind : {"hands", "pose", "face"}
        What to find. Also :attr:`name`, recorded in saved classifiers.
    tracking : {"auto", True, False}
        Video mode (see the module docstring): reuse the last frame's landmarks to place the
        next region and run the detector only when tracking is lost. ``"auto"`` (default):
        for frames of a ``Camera``, ``classify_start`` or another live source; True: arrays
        and py5 images are frames of one stream too; False: every call detects.
    mirror : bool
        Flip each image left-right first, for a selfie view: landmarks are then in the flipped
        image's pixels and handedness follows the mirror image (MediaPipe labels hands as in a
        mirror, so ``mirror=True`` on a camera that is not mirrored gives a person's right hand
        ``"Right"``).
    num_hands : int
        Hands at most (``"hands"``; the vector always has 2 slots, so at most 2 are used).
    num_faces : int
        Faces at most (``"face"``; the vector holds the most confident).
    redetect_every : int
        Tracking: while fewer than ``num_hands`` (``num_faces``) are tracked, run the detector
        every this many frames to find the others.
    min_detection_confidence, min_presence : float
        Detector score and landmark-model presence thresholds (tracking is lost below
        ``min_presence``).
    num_threads : int, optional
        LiteRT threads per model for direct calls (default: every core, or ``P5KNN_THREADS``);
        background work next to a sketch uses :func:`live_threads`.
    sketch : py5 Sketch, optional
        Whose animation thread runs callbacks (class mode: ``self``); module mode finds it.
    callbacks : {"auto", "sketch", "worker"}
        Where callbacks run.

    Attributes
    ----------
    detector_runs : int
        How many times a detector (palm, body or face) has run on a whole image: with tracking
        it grows far slower than the number of frames.
    last_found : list of Hand, Pose or Face
        What the latest ``detect``/``infer`` call found, on any thread — e.g. in the frame
        that ``classify_start`` just classified: draw it with ``p5knn.draw.skeleton`` in
        ``draw()`` instead of detecting twice. ``[]`` before the first call.

    Example
    -------
    >>> hands = p5knn.feature_extractor("hands")   # tracks camera frames by itself
    >>> [h.handedness for h in hands.detect(frame)]
    ['Right']
    >>> hands.infer(frame).shape
    (129,)
    """

    def __init__(self, kind: str = "hands", *, tracking: bool | str = "auto",
                 mirror: bool = False,
                 num_hands: int = 2, num_faces: int = 1, redetect_every: int = 10,
                 min_detection_confidence: float = 0.5, min_presence: float = 0.5,
                 num_threads: int | None = None, sketch: Any = None,
                 callbacks: str = "auto") -> None:
        kind = str(kind).lower()
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
        if int(redetect_every) < 1:
            raise ValueError(f"redetect_every must be at least 1, got {redetect_every}")
        self.name = kind
        if tracking not in (True, False, "auto"):
            raise ValueError(f"tracking must be 'auto', True or False, got {tracking!r}")
        self.tracking: bool | str = tracking if tracking == "auto" else bool(tracking)
        self.mirror = bool(mirror)
        self.redetect_every = int(redetect_every)
        self.feature_size = FEATURE_SIZES[kind]
        self.source = "MediaPipe 0.10.21 models (Apache-2.0), shipped with p5knn"
        self._options = {"min_detection_confidence": float(min_detection_confidence),
                         "min_presence": float(min_presence)}
        if kind == "hands":
            self._options["num_hands"] = int(num_hands)
        elif kind == "face":
            self._options["num_faces"] = int(num_faces)
        self._limit = int(self._options.get("num_hands", self._options.get("num_faces", 1)))
        self._detector = self._make_detector(num_threads)
        self._live_detector: Any = None
        self.detector_runs = 0
        #: what the latest ``detect``/``infer`` call found (any thread: e.g. the frame
        #: ``classify_start`` just classified), for drawing; ``[]`` before the first call
        self.last_found: list[Any] = []
        self._state_lock = threading.Lock()
        self._streams: OrderedDict[Hashable, _Track] = OrderedDict()
        self._worker = Worker(f"p5knn-{kind}")
        self._background = Background(f"p5knn-{kind}", sketch, callbacks,
                                      on_sketch_end=self.close)

    def __repr__(self) -> str:
        return (f"KeypointExtractor({self.name!r}, feature_size={self.feature_size}, "
                f"tracking={self.tracking}, mirror={self.mirror})")

    def _make_detector(self, threads: int | None) -> Any:
        cls = {"hands": HandDetector, "pose": PoseDetector, "face": FaceDetector}[self.name]
        return cls(num_threads=threads, **self._options)

    @property
    def detector(self) -> Any:
        """The :class:`HandDetector`, :class:`PoseDetector` or :class:`FaceDetector` that
        direct calls use."""
        return self._detector

    @property
    def sketch(self) -> Any:
        """The sketch given at creation (None: module mode, or no sketch)."""
        return self._background.sketch

    @property
    def worker(self) -> Worker:
        """The background thread that runs this extractor's models; closed by :meth:`close`
        (a later background call starts it again)."""
        return self._worker

    @property
    def class_names(self) -> None:
        """Keypoint extractors have no classes of their own (None)."""
        return None

    def _detector_here(self) -> Any:
        if self._worker.is_current_thread():
            # Background work next to a sketch: fewer LiteRT threads (as MobileNet does).
            with self._state_lock:
                if self._live_detector is None:
                    self._live_detector = self._make_detector(live_threads())
                return self._live_detector
        return self._detector

    # ------------------------------------------------------------------ images
    @staticmethod
    def _is_still(image: Any) -> bool:
        return isinstance(image, (str, os.PathLike)) or \
            type(image).__module__.split(".")[0] == "PIL"

    def _rgb(self, image: Any, bands: str, crop: str | None = None) -> np.ndarray:
        if crop not in images.CROPS:
            raise ImageError(f"crop must be one of {images.CROPS}, got {crop!r}")
        rgb = images.to_rgb(image, bands)
        if crop == "center":
            height, width = rgb.shape[:2]
            side = min(height, width)
            top, left = (height - side) // 2, (width - side) // 2
            rgb = rgb[top:top + side, left:left + side]
        if self.mirror:
            rgb = cv2.flip(np.ascontiguousarray(rgb), 1)
        return np.ascontiguousarray(rgb)

    # --------------------------------------------------------------- detecting
    def _stream_key(self, image: Any) -> Hashable | None:
        """Which stream ``image`` is a frame of (None: a still image, detect afresh)."""
        if self.tracking is False or self._is_still(image):
            return None
        if isinstance(image, StreamFrame):
            return ("stream", image.stream)
        if hasattr(image, "__p5knn_frame__"):
            return ("stream", id(image))
        return "frames" if self.tracking is True else None

    def _find(self, image: Any, rgb: np.ndarray) -> list[Any]:
        detector = self._detector_here()
        key = self._stream_key(image)
        if key is None:
            found = detector.detect(rgb)
            with self._state_lock:
                self.detector_runs += 1
        else:
            found = self._track(detector, rgb, key)
        self.last_found = found
        return found

    def _track_call(self, detector: Any, rgb: np.ndarray, previous: list[Any],
                    run: bool) -> list[Any]:
        if self.name == "hands":
            return detector.track(rgb, [hand_roi_from_landmarks(h.landmarks) for h in previous],
                                  run)
        if self.name == "face":
            return detector.track(rgb, [face_roi_from_landmarks(f.landmarks) for f in previous],
                                  run)
        roi = pose_roi_from_landmarks(previous[0].auxiliary) \
            if previous and previous[0].auxiliary is not None else None
        return detector.track(rgb, roi, run)

    def _track(self, detector: Any, rgb: np.ndarray, key: Hashable) -> list[Any]:
        with self._state_lock:
            state = self._streams.pop(key, None)
            if state is None or rgb.shape[:2] != state.shape:  # a new stream (or size)
                state = _Track(rgb.shape[:2])
            self._streams[key] = state                        # most recently used last
            while len(self._streams) > _STREAMS:
                self._streams.popitem(last=False)
            previous = list(state.tracked)
            run = not previous or (len(previous) < self._limit
                                   and state.since_detection + 1 >= self.redetect_every)
        found = self._track_call(detector, rgb, previous, run)
        if not run and not found:  # tracking lost everything: look again in this frame
            found, run = self._track_call(detector, rgb, [], True), True
        with self._state_lock:
            self.detector_runs += int(run)
            state.since_detection = 0 if run else state.since_detection + 1
            state.tracked = list(found)
        return found

    def reset_tracking(self) -> None:
        """Forget the tracked landmarks of every stream: the next frame runs the detector.

        Example
        -------
        >>> hands.reset_tracking()       # e.g. after a cut in a video
        """
        with self._state_lock:
            self._streams.clear()

    def detect(self, image: Any, bands: str = "RGB") -> list[Any]:
        """Find hands, the body or faces.

        Parameters
        ----------
        image : array, PIL image, path, live source or py5 object
            The image (every kind :meth:`FeatureExtractor.infer` accepts).
        bands : str
            Channel order of an array: "RGB", "BGR", "RGBA", "BGRA" or "ARGB".

        Returns
        -------
        list of Hand, Pose or Face
            Most confident first; ``[]`` when there is nobody. Landmarks are in the pixels of
            the image (flipped first when ``mirror=True``).

        Example
        -------
        >>> found = p5knn.feature_extractor("hands").detect("right04.jpg")
        >>> found[0].handedness, found[0].landmarks.shape
        ('Right', (21, 3))
        """
        return self._find(image, self._rgb(image, bands))

    def vector(self, found: list[Any]) -> np.ndarray:
        """The feature vector of what :meth:`detect` found (the module docstring gives the
        layout).

        Example
        -------
        >>> hands.vector(hands.detect(frame)).shape
        (129,)
        """
        return VECTORS[self.name](found)

    def infer(self, image: Any, bands: str = "RGB", crop: str | None = None) -> np.ndarray:
        """The keypoint feature vector of one image: fixed length, finite, normalised.

        Parameters
        ----------
        image : array, PIL image, path, live source or py5 object
            The image.
        bands : str
            Channel order of an array.
        crop : {None, "center"}
            "center" keeps only the centred square of the image; None uses all of it (the
            models keep the aspect ratio either way).

        Returns
        -------
        numpy.ndarray
            float32, ``feature_size`` numbers (129 hands, 134 pose, 1406 face).

        Example
        -------
        >>> p5knn.feature_extractor("pose").infer("messi5.jpg").shape
        (134,)
        """
        return self.vector(self._find(image, self._rgb(image, bands, crop)))

    def infer_batch(self, images_: Iterable[Any], bands: str = "RGB",
                    crop: str | None = None) -> np.ndarray:
        """The vectors of several images, ``(N, feature_size)`` (with tracking, arrays are
        taken as consecutive frames).

        Example
        -------
        >>> hands.infer_batch([a, b]).shape
        (2, 129)
        """
        return images.infer_each(self.infer, images_, self.feature_size, bands, crop)

    def close(self) -> None:
        """Stop the background worker after the work already queued (a later background call
        starts it again). Called by itself when the linked sketch ends.

        Example
        -------
        >>> hands.close()
        """
        self._worker.close()
        self._background.close()


def keypoint_size(kind: str) -> int:
    """Vector length of ``"hands"``, ``"pose"`` or ``"face"`` without loading a model.

    Example
    -------
    >>> keypoint_size("hands")
    129
    """
    return FEATURE_SIZES[kind]


__all__ = ["KINDS", "KeypointExtractor", "keypoint_size"]
