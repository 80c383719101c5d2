"""The recorded gestures of a :class:`GestureClassifier` (a mixin it inherits): adding
gestures (vectors or image frames), removing them, counting them per label."""

from __future__ import annotations

from typing import Any

import numpy as np

from p5knn._base.errors import UnknownLabelError
from p5knn._base.results import Label
from p5knn.features import _images as images
from p5knn.gestures._sequence import MAX_GESTURES, POSITION_WEIGHT, as_sequence, keypoint_frame
from p5knn.knn._labels import clean_label
from p5knn.live._report import Callback, ErrorCallback


class GestureExamples:
    """The examples side of :class:`GestureClassifier`: its recorded gestures."""

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
