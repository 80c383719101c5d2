"""A gesture classifier's live stream: frames pushed by hand (``add_frame``) or read from a
source at a steady rate on the stream's own thread ("p5knn-gestures-stream"), recorded while
recording is on, otherwise matched; recognised gestures go to the callback where callbacks
run (the animation thread when a sketch runs). Images are turned into vectors on the feature
extractor's worker, which owns the model.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import numpy as np

from p5knn._base.errors import FeatureSizeError
from p5knn._base.results import GestureResult, Label
from p5knn.features import _images as images
from p5knn.live._frames import StreamFrame, stream_frame
from p5knn.live._report import Callback, ErrorCallback, report_error
from p5knn.live._steady import Steady


MAX_RECORDING = 10_000  #: frames a recording keeps at most (the oldest go first)


class Stream:
    """The stream side of one :class:`GestureClassifier`."""

    def __init__(self, owner: Any) -> None:
        self.owner = owner
        self.recording: Label | None = None
        self._frames: list[np.ndarray] = []
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._callback: Callback | None = None
        self._on_error: ErrorCallback | None = None
        self._deliver: Any = None
        self._steady: Steady | None = None
        self.running = False

    # ------------------------------------------------------------------ frames
    def _vector(self, frame: Any, bands: str = "RGB") -> np.ndarray:
        owner = self.owner
        if owner.extractor is not None and images.is_image_like(frame):
            frame = owner.extractor.worker.submit(owner.image_vector, frame, bands).result()
        vec = np.asarray(frame, np.float64).reshape(-1)
        if owner.dims is not None and vec.size != owner.dims:
            raise FeatureSizeError(f"frames have {owner.dims} numbers here, got {vec.size}")
        if vec.size == 0 or not np.isfinite(vec).all():
            raise ValueError("a frame must be a non-empty vector of finite numbers")
        if np.abs(vec).max() > np.finfo(np.float32).max:
            raise ValueError("a frame holds numbers too large for float32 (beyond ±3.4e38)")
        return vec.astype(np.float32)

    def push(self, frame: Any, frame_time: float | None = None,
             bands: str = "RGB") -> GestureResult | None:
        """Record or match one frame (see ``GestureClassifier.add_frame``)."""
        vec = self._vector(frame, bands)
        with self._lock:
            if self.recording is not None:
                self._frames.append(vec)
                if len(self._frames) > MAX_RECORDING:
                    del self._frames[0]
                return None
        if not len(self.owner):
            return None
        return self.owner.matcher.push(vec, self.owner._model(), frame_time)

    def start_recording(self, label: Label) -> None:
        with self._lock:
            self.recording, self._frames = label, []

    def stop_recording(self) -> int | None:
        with self._lock:
            label, frames = self.recording, self._frames
            self.recording, self._frames = None, []
        if label is None or len(frames) < 2:
            return None
        return self.owner.add_gesture(np.stack(frames), label, wait=True)

    # ------------------------------------------------------------------ thread
    def start(self, source: Any, callback: Callback, fps: float | None,
              on_error: ErrorCallback | None, bands: str, steady: Steady | None = None) -> None:
        if not callable(callback):
            raise TypeError("callback must be a function taking the result")
        if fps is not None and not (isinstance(fps, (int, float)) and 0 < fps <= 1000):
            raise ValueError(f"fps must be None or a number in (0, 1000], got {fps!r}")
        self.stop()
        if steady is not None:
            steady.reset()
        self._callback, self._on_error, self._steady = callback, on_error, steady
        self._deliver = self.owner._live.deliverer()
        self.running = True
        if source is None:
            return                                   # frames come from add_frame()
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, args=(source, fps or 30.0, bands),
                                        name="p5knn-gestures-stream", daemon=True)
        self._thread.start()

    def deliver(self, result: GestureResult | None) -> None:
        """Send a recognised gesture to the ``classify_start`` callback. With a Steady
        filter it goes through ``steady.update`` first, and a frame without a gesture (None)
        checks its timeout (``steady.tick``): what they return is sent, if anything."""
        if not self.running or self._callback is None:
            return
        steady = self._steady
        if steady is not None:
            result = steady.tick() if result is None else steady.update(result)
        if result is not None:
            self._deliver(self._callback, result, self._on_error)

    def _read(self, source: Any, bands: str, last_id: int) -> tuple[Any, str, int]:
        if hasattr(source, "__p5knn_frame__"):       # a camera: each new frame, once
            if hasattr(source, "wait_for_frame"):
                source.wait_for_frame(last_id, timeout=0.2)
            frame_id = getattr(source, "frame_id", last_id + 1)
            if frame_id == last_id:
                return None, bands, last_id
            return stream_frame(source), bands, frame_id
        frame = source()
        if isinstance(frame, np.ndarray) and frame.ndim == 3:    # images of one stream: track
            frame = StreamFrame(frame, bands, time.perf_counter(), id(source))
        return frame, bands, last_id

    def _run(self, source: Any, fps: float, bands: str) -> None:
        period = 1.0 / fps
        next_time = time.perf_counter()
        last_id = 0  # a camera's frame 0 is the blank one before the first grab
        camera = hasattr(source, "__p5knn_frame__")
        while not self._stop.is_set():
            if not camera:
                delay = next_time - time.perf_counter()
                if delay > 0 and self._stop.wait(delay):
                    break
                next_time = max(next_time + period, time.perf_counter() - period)
            try:
                frame, frame_bands, last_id = self._read(source, bands, last_id)
                if frame is None:
                    self.deliver(None)                # no new frame: the timeout still runs
                    continue
                result = self.push(frame, time.perf_counter(), frame_bands)
                self.deliver(result)
            except BaseException as exc:  # noqa: BLE001 - a bad frame must not end the stream
                report_error(exc, self._on_error, "gesture stream")
                self._stop.wait(0.05)

    def stop(self) -> None:
        self.running = False
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(2.0)
