"""Continuous classification: keep predicting the newest frame of a source.

Camera-like sources (anything with ``__p5knn_frame__``), functions and arrays are read by a
small pump thread that submits the newest frame whenever the worker is free. py5 canvases and
``Py5Graphics`` are read before each ``draw()`` on the animation thread (never half-drawn).
Every frame reaches the model as a :class:`StreamFrame` of this source, so keypoint
extractors track landmarks from frame to frame.

With a :class:`~p5knn.live._steady.Steady` filter (``steady=``), each answer goes through
``steady.update`` on the worker thread right after the prediction, and only what it returns
reaches the callback (None: nothing); the timeout is checked by the pump (or before each
``draw()`` for a canvas) and, when it expires, ``steady.tick`` runs as a job on the same worker,
so the filter's answers reach the callback in the order it gave them, where callbacks run.
"""

from __future__ import annotations

import dataclasses
import functools
import threading
import time
from typing import Any, Callable

import numpy as np

from p5knn._base.errors import P5KNNError
from p5knn.live._frames import StreamFrame
from p5knn.live._py5 import is_py5_object, py5_to_rgb
from p5knn.live._report import ErrorCallback, report_error
from p5knn.live._steady import Steady
from p5knn.live._worker import Deliver, Worker


class ContinuousLoop:
    """Predicts frames of ``source`` one after another, at most one in flight."""

    def __init__(self, predict: Callable[[Any, str], Any], worker: Worker, key: Any,
                 source: Any, callback: Callable[[Any], Any], on_error: ErrorCallback | None,
                 deliver: Deliver, link: Any | None, bands: str, fps: float | None,
                 ready: Callable[[], bool] | None = None, steady: Steady | None = None
                 ) -> None:
        self._predict = predict
        self.steady = steady        #: the Steady filter, or None
        self._tick_queued = threading.Event()
        #: the callback behind a Steady filter: None means nothing to send (errors name yours)
        self._send = functools.wraps(callback)(
            lambda result: None if result is None else callback(result))
        self._ready = ready
        self._worker = worker
        self._key = key
        self.source = source
        self._callback = callback
        self._on_error = on_error
        self._deliver = deliver
        self._link = link
        self._bands = bands
        self._min_interval = 1.0 / fps if fps else 0.0
        self._in_flight = threading.Event()
        self._idle = threading.Event()
        self._idle.set()
        self._running = True
        self._last_submit = 0.0
        self._last_frame_id = 0      # a Camera's frame_id 0 is its blank frame: none yet
        self._thread: threading.Thread | None = None
        if is_py5_object(source):
            if link is None:
                raise P5KNNError("classifying a py5 canvas or graphics continuously needs a "
                                 "running sketch: pass sketch=...")
            link.add_tick(key, self.tick)
        else:
            self._thread = threading.Thread(target=self._pump, name="p5knn-continuous",
                                            daemon=True)
            self._thread.start()

    def _grab(self) -> tuple[Any, str, float] | None:
        src = self.source
        if hasattr(src, "__p5knn_frame__"):
            frame_id = getattr(src, "frame_id", None)
            if frame_id is not None and frame_id == self._last_frame_id:
                return None  # nothing new from the camera yet
            self._last_frame_id = frame_id if frame_id is not None else -1
            return src.__p5knn_frame__()
        if is_py5_object(src):
            return py5_to_rgb(src), "RGB", time.perf_counter()
        if callable(src):
            return src(), self._bands, time.perf_counter()
        if isinstance(src, np.ndarray):
            return src.copy(), self._bands, time.perf_counter()
        return src, self._bands, time.perf_counter()

    def tick(self) -> None:
        """Submit the newest frame if nothing is in flight (called by the pump or pre-draw)."""
        if self._thread is None:
            self._check_timeout()         # a canvas: no pump, checked before each draw()
        if not self._running or self._in_flight.is_set():
            return
        if self._ready is not None and not self._ready():
            return
        if self._min_interval and time.perf_counter() - self._last_submit < self._min_interval:
            return
        grabbed = self._grab()
        if grabbed is None:
            return
        frame, bands, frame_time = grabbed
        self._in_flight.set()
        self._idle.clear()
        self._last_submit = time.perf_counter()
        callback = self._callback if self.steady is None else self._send
        future = self._worker.submit_latest(self._key, self._run, frame, bands, frame_time,
                                            callback=callback, on_error=self._on_error,
                                            deliver=self._deliver)
        future.add_done_callback(self._done)

    def _run(self, frame: Any, bands: str, frame_time: float) -> Any:
        if isinstance(frame, np.ndarray):  # frames of one stream: keypoints track through them
            frame = StreamFrame(frame, bands, frame_time, id(self.source))
        result = dataclasses.replace(self._predict(frame, bands), frame_time=frame_time)
        return result if self.steady is None else self.steady.update(result)

    # ------------------------------------------------------------ steady outputs
    def _check_timeout(self) -> None:
        """When the Steady timeout has expired, queue ``steady.tick`` on the worker."""
        steady = self.steady
        if steady is None or steady.timeout is None or not self._running or \
                self._tick_queued.is_set() or not steady.timed_out():
            return
        self._tick_queued.set()
        self._worker.submit(self._timeout_job, callback=self._send, on_error=self._on_error,
                            deliver=self._deliver)

    def _timeout_job(self) -> Any:
        self._tick_queued.clear()
        return self.steady.tick() if self._running else None

    def _done(self, _future: Any) -> None:
        self._in_flight.clear()
        self._idle.set()

    def _pump(self) -> None:
        camera_like = hasattr(self.source, "wait_for_frame")
        while self._running:
            self._check_timeout()
            if self._in_flight.is_set():
                self._idle.wait(0.1)
                continue
            if camera_like:
                self.source.wait_for_frame(self._last_frame_id, timeout=0.1)
            elif self._min_interval == 0:
                time.sleep(0.001)
            if self._ready is not None and not self._ready():
                time.sleep(0.02)  # nothing to compare with yet
            try:
                self.tick()
            except BaseException as exc:  # noqa: BLE001 - a bad frame must not end the loop
                self._in_flight.clear()
                report_error(exc, self._on_error, "continuous classification")
                time.sleep(0.05)
            if self._min_interval:
                time.sleep(max(0.0, self._min_interval - (time.perf_counter() -
                                                           self._last_submit)))

    def stop(self, wait: bool = True) -> None:
        """Stop submitting frames (a prediction in flight still calls back)."""
        self._running = False
        if self._link is not None:
            self._link.remove_tick(self._key)
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(1.0)
        if wait:
            self._idle.wait(2.0)


class Continuous:
    """What every object with ``classify_start`` shares: it keeps its :class:`ContinuousLoop`
    in ``_continuous`` and gets :meth:`classify_stop` and :attr:`is_classifying` from here."""

    _continuous: ContinuousLoop | None = None

    def classify_stop(self, wait: bool = True) -> None:
        """Stop ``classify_start`` (safe to call when it is not running).

        Example
        -------
        >>> knn.classify_stop()
        """
        loop, self._continuous = self._continuous, None
        if loop is not None:
            loop.stop(wait)

    @property
    def is_classifying(self) -> bool:
        """True while ``classify_start`` runs."""
        return self._continuous is not None
