"""Live streams of a :class:`GestureClassifier` (a mixin it inherits): frames fed by hand
(``add_frame``), recording (``start_recording``/``stop_recording``) and recognition on a
thread (``classify_start``); the work is done by its :class:`p5knn.gestures._stream.Stream`."""

from __future__ import annotations

from typing import Any

from p5knn._base.results import GestureResult, Label
from p5knn.knn._labels import clean_label
from p5knn.live._report import Callback, ErrorCallback
from p5knn.live._steady import Steady


class GestureStreaming:
    """The stream side of :class:`GestureClassifier`, over its ``stream``."""

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
