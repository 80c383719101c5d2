"""Frames taken from a stream: what a background call keeps of a camera's newest frame, and
what continuous classification hands to the model, so that keypoint extractors can tell
consecutive frames of one stream (track the landmarks) from unrelated still images."""

from __future__ import annotations

from typing import Any, Hashable

import numpy as np


class StreamFrame:
    """One frame of a live source, kept as it was when it was taken.

    It is itself a live source (``__p5knn_frame__``), so everything that takes a camera takes
    it; ``stream`` says which source it came from (frames of one stream are consecutive).

    Parameters
    ----------
    array : numpy.ndarray
        The frame (owned by this object: pass a copy).
    bands : str
        Its channel order ("BGR" for a camera).
    time : float
        ``time.perf_counter()`` when it arrived.
    stream : hashable
        Which source it came from.

    Example
    -------
    >>> frame = StreamFrame(np.zeros((480, 640, 3), np.uint8), "BGR", 0.0, stream=id(cam))
    >>> frame.__p5knn_frame__()[1]
    'BGR'
    """

    __slots__ = ("array", "bands", "time", "stream")

    def __init__(self, array: np.ndarray, bands: str, time: float, stream: Hashable) -> None:
        self.array, self.bands, self.time, self.stream = array, bands, time, stream

    def __p5knn_frame__(self) -> tuple[np.ndarray, str, float]:
        """(the frame, its band order, its arrival time), like a camera's."""
        return self.array, self.bands, self.time

    @property
    def shape(self) -> tuple[int, ...]:
        """The frame's array shape."""
        return self.array.shape

    def __repr__(self) -> str:
        return f"StreamFrame({self.array.shape}, {self.bands!r})"


def stream_frame(source: Any) -> StreamFrame:
    """The newest frame of a live source (anything with ``__p5knn_frame__``), frozen.

    Example
    -------
    >>> stream_frame(cam).stream == id(cam)
    True
    """
    if isinstance(source, StreamFrame):
        return source
    frame, bands, time_ = source.__p5knn_frame__()
    return StreamFrame(frame, bands, time_, id(source))
