"""The gesture classifier: dynamic-time-warping nearest neighbour over recorded gestures.

Its recorded gestures are handled in :mod:`p5knn.gestures._examples`, its live streams in
:mod:`p5knn.gestures._streaming` (mixins it inherits); checking sequences and keypoint frames
is in :mod:`p5knn.gestures._sequence`."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np

from p5knn._base.errors import EmptyClassifierError, FeatureSizeError
from p5knn._base.results import GestureResult, Label
from p5knn.gestures import _dtw
from p5knn.gestures._examples import GestureExamples
from p5knn.gestures._matcher import Matcher, Templates
from p5knn.gestures._sequence import KEYPOINT_PARTS, MAX_FRAMES, as_sequence
from p5knn.gestures._stream import Stream
from p5knn.gestures._streaming import GestureStreaming
from p5knn.knn._labels import clean_label
from p5knn.live._background import Background
from p5knn.live._report import Callback, ErrorCallback


class GestureClassifier(GestureExamples, GestureStreaming):
    """Recognise gestures over time: each recorded gesture is a sequence of vectors (mouse
    positions, hand keypoints, sensor values, image features), and a new sequence gets the
    label of the nearest one by dynamic time warping (dtaidistance's C code).

    Create one with ``p5knn.gesture_classifier.create()``; the parameters are described there.

    Example
    -------
    >>> g = p5knn.gesture_classifier.create()
    >>> g.add_gesture(circle_path, "circle")
    0
    >>> g.classify(another_circle).label
    'circle'
    """

    def __init__(self, extractor: Any = None, *, window: str | int | float = "learned",
                 threshold: str | float = "learned", normalize: str = "dims",
                 max_length: int = 64, settle: int = 3, refractory: int | None = None,
                 unknown_label: Label = "unknown", keypoints: str = "both",
                 sketch: Any = None, callbacks: str = "auto") -> None:
        if keypoints not in KEYPOINT_PARTS:
            raise ValueError(f"keypoints must be one of {KEYPOINT_PARTS}, got {keypoints!r}")
        self.keypoints = keypoints
        self._last_where: np.ndarray | None = None   # keypoints: where the hand was last seen
        if normalize not in _dtw.NORMALIZE:
            raise ValueError(f"normalize must be one of {_dtw.NORMALIZE}, got {normalize!r}")
        if window != "learned" and (isinstance(window, bool) or not isinstance(
                window, (int, float)) or not 0 <= window < MAX_FRAMES):
            raise ValueError(f"window must be 'learned', a number of frames (int) or a fraction "
                             f"of max_length (float < 1), got {window!r}")
        if threshold != "learned" and (isinstance(threshold, bool) or not isinstance(
                threshold, (int, float)) or not threshold > 0):
            raise ValueError(f"threshold must be 'learned' or a number > 0, got {threshold!r}")
        if isinstance(max_length, bool) or not isinstance(max_length, int) or \
                not 2 <= max_length <= MAX_FRAMES:
            raise ValueError(f"max_length must be a whole number from 2 to {MAX_FRAMES}")
        if isinstance(settle, bool) or not isinstance(settle, int) or settle < 1:
            raise ValueError(f"settle must be a whole number ≥ 1, got {settle!r}")
        if refractory is not None and (isinstance(refractory, bool) or
                                       not isinstance(refractory, int) or refractory < 0):
            raise ValueError(f"refractory must be None or a whole number ≥ 0, got {refractory!r}")
        self.extractor = extractor
        self.window_option = window
        self.threshold_option = threshold
        self.normalize = normalize
        self.max_length = max_length
        self.unknown_label = clean_label(unknown_label)
        self._raw: list[np.ndarray] = []
        self._ids: list[int] = []            # class id of each gesture
        self._serial: list[int] = []         # order of addition (for undo_last)
        self._next_serial = 0
        self._labels: list[Label] = []
        self._dims: int | None = None
        self._lock = threading.RLock()
        self._templates: Templates | None = None
        self.window_scores: dict[int, float] = {}   #: learned window → leave-one-out accuracy
        self._live = Background("p5knn-gestures", sketch, callbacks, on_sketch_end=self.close)
        self.matcher = Matcher(settle, refractory)
        self.stream = Stream(self)

    # ------------------------------------------------------------ what is learned
    def _changed(self) -> None:
        self._templates = None
        self.matcher.reset()

    def _model(self) -> Templates:
        with self._lock:
            if self._templates is not None:
                return self._templates
            if not self._raw:
                raise EmptyClassifierError("no gestures recorded yet: add_gesture() or "
                                           "start_recording() first")
            normalizer = _dtw.Normalizer(self.normalize, self._raw)
            length = _dtw.common_length(self._raw, self.max_length)
            prepared = [_dtw.prepare(r, normalizer, length) for r in self._raw]
            ids = np.asarray(self._ids)
            matrix = None      # distances at the window in use, when already computed
            if self.window_option == "learned":
                window, self.window_scores, matrix = _dtw.learn_window(prepared, ids, length)
            else:
                window = int(round(self.window_option * length)) \
                    if isinstance(self.window_option, float) and self.window_option < 1 \
                    else int(self.window_option)
                self.window_scores = {}
            if self.threshold_option == "learned":
                if matrix is None:
                    matrix = _dtw.pairwise(prepared, window)
                thresholds = _dtw.learn_thresholds(matrix, ids)
            else:
                thresholds = np.full(len(ids), float(self.threshold_option))
            labels = [self._labels[i] for i in self._ids]
            self._templates = Templates(self._raw, prepared, labels, normalizer, length,
                                        window, thresholds)
            return self._templates

    @property
    def window(self) -> int:
        """The Sakoe-Chiba window in use, in resampled frames (learned unless given)."""
        return self._model().window

    @property
    def thresholds(self) -> dict[Label, float]:
        """Each label's match threshold (learned unless given): a gesture farther than its
        nearest label's threshold is "unknown", and never fires in a stream."""
        t = self._model()
        return {label: float(t.thresholds[t.labels.index(label)]) for label in self.labels}

    @property
    def threshold(self) -> float:
        """The loosest label's threshold (the given one when ``threshold=`` was a number)."""
        return self._model().threshold

    # ------------------------------------------------------------------ answers
    def _classify_now(self, sequence: Any) -> GestureResult:
        t = self._model()
        seq = as_sequence(self._vectors(sequence), self._dims)
        query = _dtw.prepare(seq, t.normalizer, t.length)
        distances = _dtw.to_many(t.prepared, query, t.window)
        nearest: dict[Label, float] = {}
        for label, d in zip(t.labels, distances):
            nearest[label] = min(nearest.get(label, np.inf), float(d))
        nearest = {label: nearest[label] for label in self.labels if label in nearest}
        best = int(np.argmin(distances))
        unknown = bool(distances[best] > t.thresholds[best])
        return GestureResult(label=self.unknown_label if unknown else t.labels[best],
                             distance=float(distances[best]), distances=nearest,
                             unknown=unknown, threshold=float(t.thresholds[best]),
                             frames=len(seq))

    def classify(self, sequence: Any, *, callback: Callback | None = None,
                 on_error: ErrorCallback | None = None, wait: bool | None = None) -> Any:
        """The recorded gesture nearest to a whole sequence.

        Parameters
        ----------
        sequence : (T, D) array, list of D-vectors, or list of images
            The movement to recognise, from its start to its end.
        callback, on_error, wait
            The live rule.

        Returns
        -------
        GestureResult
            ``label``, ``distance``, ``distances`` (per label), ``unknown`` (farther than
            the nearest label's threshold, :attr:`thresholds`), or a ``Future`` of it.

        Example
        -------
        >>> r = g.classify(path)
        >>> r.label, r.unknown
        ('circle', False)
        """
        if isinstance(sequence, np.ndarray):
            sequence = sequence.copy()
        elif not isinstance(sequence, (str, bytes)):
            sequence = list(sequence)
        return self._live.call(self._classify_now, sequence, worker=self._worker,
                               callback=callback, on_error=on_error, wait=wait,
                               latest=(id(self), "classify"))

    # ------------------------------------------------------------------ files
    def save(self, path: str | Path = "gestures.p5gestures") -> Path:
        """Save every gesture and option to one file, atomically; return its path.

        Example
        -------
        >>> g.save("moves.p5gestures")
        PosixPath('moves.p5gestures')
        """
        from p5knn.gestures._file import save

        return save(self, path)

    def load(self, path: str | Path) -> "GestureClassifier":
        """Replace the gestures with those in ``path``, fully checked first: on any error
        nothing changes. Returns this object.

        Example
        -------
        >>> g.load("moves.p5gestures")
        """
        from p5knn.gestures._file import read

        data = read(path)
        model = getattr(self.extractor, "name", None)
        if data["model"] != model:
            raise FeatureSizeError(f"{path} holds gestures of {data['model'] or 'plain vectors'}"
                                   f", this classifier takes {model or 'plain vectors'}: use "
                                   "p5knn.gesture_classifier.load(path)")
        with self._lock:
            options = data["options"]
            self.window_option, self.threshold_option = options["window"], options["threshold"]
            self.normalize, self.max_length = options["normalize"], options["max_length"]
            self.keypoints = options["keypoints"]
            self._raw = data["gestures"]
            self._ids = data["class_ids"]
            self._labels = data["labels"]
            self._serial = list(range(len(self._raw)))
            self._next_serial = len(self._raw)
            self._dims = data["dims"] if self._raw else None
            self._changed()
        return self

    def close(self) -> None:
        """Stop streaming and the background thread this classifier owns.

        Example
        -------
        >>> g.close()
        """
        self.stream.stop()
        self._live.close()

    def __repr__(self) -> str:
        return (f"GestureClassifier({len(self)} gestures, labels={self.labels}, "
                f"normalize={self.normalize!r})")

