"""Test videos with a real hand or body for the keypoint benchmarks, written and read as
lossless FFV1 ``.avi`` so that every reader sees the same pixels.

Photos (nobody here made them), from Debian's ``opencv-doc``
(``/usr/share/doc/opencv-doc/examples/data/``): ``right04.jpg`` (640×480, a right hand holding
a chessboard) for ``"hands"``, ``messi5.jpg`` (548×342, a footballer) letterboxed into 640×480
for ``"pose"``. Each becomes a clip by a slow, smooth, periodic drift (so a looping player
does not jump): a few pixels of translation, ±5 % scale and a few degrees of rotation.

Uses only numpy, OpenCV and the standard library: ``_mediapipe_video.py`` imports it from
MediaPipe's own virtual environment too.
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

import cv2
import numpy as np

OPENCV_DATA = Path("/usr/share/doc/opencv-doc/examples/data")
PHOTOS = {"hands": "right04.jpg", "pose": "messi5.jpg"}
WIDTH, HEIGHT = 640, 480


def letterbox(image: np.ndarray, width: int = WIDTH, height: int = HEIGHT) -> np.ndarray:
    """``image`` scaled to fit ``width``×``height`` without stretching, centred on black."""
    scale = min(width / image.shape[1], height / image.shape[0])
    w, h = round(image.shape[1] * scale), round(image.shape[0] * scale)
    resized = cv2.resize(image, (w, h), interpolation=cv2.INTER_AREA if scale < 1
                         else cv2.INTER_LINEAR)
    out = np.zeros((height, width, 3), np.uint8)
    top, left = (height - h) // 2, (width - w) // 2
    out[top:top + h, left:left + w] = resized
    return out


def photo(kind: str) -> np.ndarray:
    """The 640×480 BGR photo for ``"hands"`` or ``"pose"``.

    Raises FileNotFoundError naming the Debian package when the photo is missing."""
    path = OPENCV_DATA / PHOTOS[kind]
    image = cv2.imread(str(path))
    if image is None:
        raise FileNotFoundError(f"{path} missing: install Debian's opencv-doc")
    return letterbox(image)


def drift(image: np.ndarray, count: int, shift: float = 12.0, scale: float = 0.05,
          degrees: float = 4.0) -> list[np.ndarray]:
    """``count`` frames of ``image`` drifting smoothly and returning to the start: ±``shift``
    px in x (half in y), ±``scale`` size and ±``degrees`` rotation about the centre, each on
    its own sine so the motion never repeats exactly within the clip."""
    height, width = image.shape[:2]
    out = []
    for i in range(count):
        t = 2 * math.pi * i / max(count, 1)
        matrix = cv2.getRotationMatrix2D((width / 2, height / 2), degrees * math.sin(2 * t),
                                         1 + scale * math.sin(t + 1.0))
        matrix[:, 2] += (shift * math.sin(t), 0.5 * shift * math.sin(3 * t))
        out.append(cv2.warpAffine(image, matrix, (width, height), flags=cv2.INTER_LINEAR,
                                  borderMode=cv2.BORDER_REPLICATE))
    return out


def write_video(frames: list[np.ndarray], path: str | Path, fps: float = 30.0) -> Path:
    """Write BGR ``frames`` to a lossless FFV1 ``.avi``."""
    path = Path(path)
    height, width = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"FFV1"), fps, (width, height))
    if not writer.isOpened():
        raise RuntimeError(f"OpenCV cannot write FFV1 video to {path}")
    try:
        for frame in frames:
            writer.write(frame)
    finally:
        writer.release()
    return path


def read_video(path: str | Path) -> list[np.ndarray]:
    """Every BGR frame of a video file, decoded up front (decoding is never timed)."""
    capture = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(frame)
    capture.release()
    if not frames:
        raise RuntimeError(f"no frames could be read from {path}")
    return frames


def digest(frames: list[np.ndarray]) -> str:
    """A short hash of the frames' pixels, to show both readers decoded the same video."""
    h = hashlib.sha1()
    for frame in frames:
        h.update(np.ascontiguousarray(frame).tobytes())
    return h.hexdigest()[:12]


def make_clip(kind: str, count: int, folder: str | Path, fps: float = 30.0) -> Path:
    """Write the ``count``-frame drifting clip of ``kind``'s photo into ``folder``."""
    return write_video(drift(photo(kind), count), Path(folder) / f"{kind}.avi", fps)
