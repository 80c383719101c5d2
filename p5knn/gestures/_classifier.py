"""The gesture classifier: dynamic-time-warping nearest neighbour over recorded gestures."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np

from p5knn._base.errors import EmptyClassifierError, FeatureSizeError, UnknownLabelError
from p5knn._base.results import GestureResult, Label
from p5knn.features import _images as images
from p5knn.gestures import _dtw
from p5knn.gestures._matcher import Matcher, Templates
from p5knn.gestures._stream import Stream
from p5knn.knn._labels import clean_label
from p5knn.live._background import Background
from p5knn.live._report import Callback, ErrorCallback
from p5knn.live._steady import Steady

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


class GestureClassifier:
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

    # ------------------------------------------------------------------ examples
    def __len__(self) -> int:
        return len(self._raw)

    @property
    def labels(self) -> list[Label]:
        """Labels with at least one gesture, in class order (first recorded first)."""
        with self._lock:
            present = set(self._ids)
            return [label for i, label in enumerate(self._labels) if i in present]

    @property
    def dims(self) -> int | None:
        """Numbers per frame (None before the first gesture)."""
        return self._dims

    def image_vector(self, image: Any, bands: str = "RGB") -> np.ndarray:
        """The vector one image frame becomes: the extractor's features; for keypoints
        (``"hands"``, ``"pose"``, ``"face"``), what ``keypoints=`` chose (see ``create``).

        Example
        -------
        >>> p5knn.gesture_classifier.create("hands").image_vector(frame).shape
        (131,)
        """
        ex = self.extractor
        if not hasattr(ex, "detect"):
            return np.asarray(ex.infer(image, bands), np.float32)
        frame = keypoint_frame(ex, image, bands, self.keypoints, self._last_where)
        if self.keypoints != "shape":
            self._last_where = frame[-2:] / (1.0 if self.keypoints == "position"
                                             else POSITION_WEIGHT)
        return frame
    def _vectors(self, frames: Any) -> Any:
        """Image frames become feature vectors (with an extractor); vectors stay."""
        if self.extractor is not None and not isinstance(frames, np.ndarray):
            items = list(frames)
            if items and images.is_image_like(items[0]):
                return np.stack([self.image_vector(item) for item in items])
            return items
        return frames

    def _add_now(self, sequence: Any, label: Label) -> int:
        seq = as_sequence(self._vectors(sequence), self._dims)
        with self._lock:
            if len(self._raw) >= MAX_GESTURES:
                raise ValueError(f"at most {MAX_GESTURES} gestures")
            if label not in self._labels:
                self._labels.append(label)
            self._raw.append(seq)
            self._ids.append(self._labels.index(label))
            self._serial.append(self._next_serial)
            self._next_serial += 1
            self._dims = seq.shape[1]
            self._changed()
            return len(self._raw) - 1

    def add_gesture(self, sequence: Any, label: Label, *, callback: Callback | None = None,
                    on_error: ErrorCallback | None = None, wait: bool | None = None) -> Any:
        """Record one gesture under ``label``.

        Parameters
        ----------
        sequence : (T, D) array, list of D-vectors, or list of images
            The gesture, frame by frame (2 to 10 000 frames). Images need a classifier made
            with a feature extractor (``create("hands")``); each becomes its vector.
        label : str or int
            Its name.
        callback, on_error, wait
            The live rule (README, "Live sketches"): with a callback, or inside ``draw()``,
            the call returns a ``Future`` at once.

        Returns
        -------
        int
            The new gesture's index (or a ``Future`` of it).

        Example
        -------
        >>> g.add_gesture([(x, y) for x, y in mouse_path], "circle")
        0
        """
        label = clean_label(label)
        if isinstance(sequence, np.ndarray):
            sequence = sequence.copy()
        elif not isinstance(sequence, (str, bytes)):
            sequence = list(sequence)
        return self._live.call(self._add_now, sequence, label, worker=self._worker,
                               callback=callback, on_error=on_error, wait=wait)

    def _worker(self) -> Any:
        return self.extractor.worker if self.extractor is not None else self._live.own_worker()

    def _remove(self, which: list[int]) -> None:
        gone = set(which)
        keep = [i for i in range(len(self._raw)) if i not in gone]
        self._raw = [self._raw[i] for i in keep]
        self._ids = [self._ids[i] for i in keep]
        self._serial = [self._serial[i] for i in keep]
        if not self._raw:
            self._dims = None
        self._changed()

    def remove_gesture(self, index: int) -> Label:
        """Remove gesture ``index`` (later ones move down by one); return its label.

        Example
        -------
        >>> g.remove_gesture(3)
        'circle'
        """
        with self._lock:
            if isinstance(index, bool) or not isinstance(index, (int, np.integer)) or \
                    not -len(self._raw) <= index < len(self._raw):
                raise IndexError(f"no gesture {index!r}; there are {len(self._raw)}")
            index = int(index) % len(self._raw)
            label = self._labels[self._ids[index]]
            self._remove([index])
            return label

    def undo_last(self) -> Label | None:
        """Remove the most recently recorded gesture; return its label (None: none left).

        Example
        -------
        >>> g.undo_last()
        'zigzag'
        """
        with self._lock:
            if not self._raw:
                return None
            return self.remove_gesture(int(np.argmax(self._serial)))

    def clear_label(self, label: Label) -> int:
        """Remove every gesture of ``label``; return how many went.

        Example
        -------
        >>> g.clear_label("circle")
        5
        """
        label = clean_label(label)
        with self._lock:
            if label not in self._labels:
                raise UnknownLabelError(f"no gestures labelled {label!r}")
            class_id = self._labels.index(label)
            which = [i for i, c in enumerate(self._ids) if c == class_id]
            self._remove(which)
            return len(which)

    def clear_all(self) -> None:
        """Remove every gesture.

        Example
        -------
        >>> g.clear_all(); len(g)
        0
        """
        with self._lock:
            self._remove(list(range(len(self._raw))))
            self._labels = []

    def get_count_by_label(self) -> dict[Label, int]:
        """Gestures per label, in class order.

        Example
        -------
        >>> g.get_count_by_label()
        {'circle': 5, 'zigzag': 4}
        """
        with self._lock:
            counts = np.bincount(self._ids, minlength=len(self._labels)) if self._ids else []
            return {label: int(counts[i]) for i, label in enumerate(self._labels)
                    if len(counts) and counts[i]}

    def gesture(self, index: int) -> tuple[np.ndarray, Label]:
        """A copy of gesture ``index`` and its label.

        Example
        -------
        >>> frames, label = g.gesture(0)
        """
        with self._lock:
            return self._raw[index].copy(), self._labels[self._ids[index]]

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

    # ------------------------------------------------------------------ streams
    def add_frame(self, frame: Any, frame_time: float | None = None) -> GestureResult | None:
        """Feed one frame of a live stream (a vector, or an image with an extractor): recorded
        while :meth:`start_recording` is on, otherwise matched against the recorded gestures.
        Runs now (a few milliseconds at most); :meth:`classify_start` does it on a thread.

        Returns
        -------
        GestureResult or None
            A gesture that has just ended, else None.

        Example
        -------
        >>> def draw():
        ...     found = g.add_frame((py5.mouse_x, py5.mouse_y))
        ...     if found: print(found.label)
        """
        result = self.stream.push(frame, frame_time)
        self.stream.deliver(result)      # to classify_start(None, callback), when on
        return result

    def start_recording(self, label: Label) -> None:
        """Collect the frames that follow (from :meth:`add_frame` or :meth:`classify_start`'s
        source) as a gesture of ``label``, until :meth:`stop_recording`.

        Example
        -------
        >>> def key_pressed(): g.start_recording("circle")
        >>> def key_released(): g.stop_recording()
        """
        self.stream.start_recording(clean_label(label))

    def stop_recording(self) -> int | None:
        """Stop recording and add what was recorded; return the new gesture's index (None
        when fewer than 2 frames came).

        Example
        -------
        >>> g.stop_recording()
        4
        """
        return self.stream.stop_recording()

    @property
    def is_recording(self) -> bool:
        """True between :meth:`start_recording` and :meth:`stop_recording`."""
        return self.stream.recording is not None

    def classify_start(self, source: Any, callback: Callback, *, fps: float | None = 30.0,
                       on_error: ErrorCallback | None = None, bands: str = "RGB",
                       steady: Steady | dict | None = None) -> None:
        """Watch a stream and call ``callback(result)`` once per recognised gesture.

        Parameters
        ----------
        source : function, Camera or None
            Read ``fps`` times a second on a thread of its own: a function returning the
            newest vector (e.g. the mouse position) or image; a ``Camera`` (each new frame,
            with a feature extractor); None: frames come from :meth:`add_frame`.
        callback : callable
            ``callback(result)`` with a :class:`GestureResult`, on the animation thread when a
            sketch runs.
        fps : float
            How often a function source is read (match it to how gestures were recorded).
        on_error : callable, optional
            Gets exceptions (else printed once).
        bands : str
            Channel order of image arrays from a function.
        steady : p5knn.Steady or dict, optional
            Turn the recognised gestures (events) into a steady label (off by default): a
            :class:`p5knn.Steady` or a dict of its options (``unknown_label`` defaults to
            this classifier's). Useful here: ``timeout=S`` — the callback also gets an
            unknown result (the last gesture, relabelled) once no gesture was recognised for
            S seconds, checked at every frame the stream reads (with ``source=None``: at
            every :meth:`add_frame`); ``on_change=True`` — a gesture recognised again while
            it is still the steady label (before the timeout) is not sent again.
            ``majority`` and ``min_stable`` count recognised gestures, not frames
            (``min_stable=2``: a gesture is sent once it was recognised twice in a row):
            usually leave them off. :meth:`add_frame` still returns the raw answer.

        Example
        -------
        >>> g.classify_start(lambda: (py5.mouse_x, py5.mouse_y), got)
        >>> g.classify_start(None, got, steady={"timeout": 1.0, "on_change": True})
        """
        self.stream.start(source, callback, fps, on_error, bands,
                          Steady.from_option(steady, self.unknown_label))

    def classify_stop(self) -> None:
        """Stop :meth:`classify_start` (safe when it is not running)."""
        self.stream.stop()

    @property
    def is_classifying(self) -> bool:
        """True while :meth:`classify_start` runs."""
        return self.stream.running

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

