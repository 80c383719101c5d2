"""Write frames to a lossless video file (FFV1 in .avi), e.g. a repeatable test clip that
``p5knn.Camera("clip.avi")`` plays back on machines without a webcam."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import cv2

from p5knn.live._demo_source import DemoSource


def record(source: Any, path: str | Path, frames: int, fps: float = 30.0) -> Path:
    """Record ``frames`` frames of ``source`` into a lossless FFV1 ``.avi`` file.

    Parameters
    ----------
    source : object
        Anything with ``read() -> (ok, BGR frame)`` (a ``DemoSource``, an OpenCV capture).
    path : str or Path
        The video file to write.
    frames : int
        How many frames (fewer when the source runs out).
    fps : float
        The frame rate written into the file.

    Returns
    -------
    Path

    Example
    -------
    >>> p5knn.live.record(p5knn.DemoSource(), "wall.avi", frames=90)
    PosixPath('wall.avi')
    """
    path = Path(path)
    ok, first = source.read()
    if not ok:
        raise ValueError("the source returned no frame")
    height, width = first.shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"FFV1"), fps, (width, height))
    if not writer.isOpened():
        raise RuntimeError(f"OpenCV cannot write FFV1 video to {path}")
    try:
        writer.write(first)
        for _ in range(frames - 1):
            ok, frame = source.read()
            if not ok:
                break
            writer.write(frame)
    finally:
        writer.release()
    return path


def demo_clip(path: str | Path, seconds: float = 10.0, fps: float = 30.0, width: int = 640,
              height: int = 480) -> Path:
    """Write a lossless clip of the demo source panning smoothly over its wall of real
    photos — a repeatable stand-in for a webcam in tests and on machines without one.

    Parameters
    ----------
    path : str or Path
        The ``.avi`` file to write (FFV1).
    seconds, fps : float
        Length and frame rate.
    width, height : int
        Frame size.

    Returns
    -------
    Path

    Example
    -------
    >>> cam = p5knn.Camera(p5knn.demo_clip("demo.avi"))
    """
    count = int(seconds * fps)
    state = {"i": 0}

    def pointer() -> tuple[float, float]:
        t = state["i"] / max(count, 1)
        state["i"] += 1
        return 0.5 - 0.5 * math.cos(2 * math.pi * t), 0.5 - 0.5 * math.cos(4 * math.pi * t)

    return record(DemoSource(width, height, pointer=pointer), path, count, fps)
