"""A virtual camera for machines without a webcam.

It looks around a wall of real photos: a pointer — usually the mouse — pans the view, so
holding a key while pointing at the cat teaches "cat", exactly like showing a real camera an
object. Without a pointer the view wanders by itself, resting on each photo in turn.

Two walls: ``"objects"`` (scikit-image's cat, astronaut, coffee, rocket, galaxy field, horse)
and ``"people"`` for hands, body and face keypoints (scikit-image's astronaut and cameraman —
a smiling and a serious face — and Debian opencv-doc's ``messi5.jpg`` — an open hand and a
body in motion —, ``right04.jpg`` — a hand holding a board —, ``basketball1.png`` and
``basketball2.png``). Without opencv-doc the people wall says so once and fills its second
row with objects. People photos are cropped to the frame's shape around the person, never
stretched, so bodies and faces keep their proportions (and faces stay large enough for the
short-range face detector).
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path
from typing import Callable

import cv2
import numpy as np

PHOTOS = ("chelsea", "astronaut", "coffee", "rocket", "hubble_deep_field", "horse")
OPENCV_DATA = Path("/usr/share/doc/opencv-doc/examples/data")
PEOPLE = ("astronaut", "camera", "messi5.jpg", "right04.jpg", "basketball1.png",
          "basketball2.png")
WALLS = ("objects", "people")
COLUMNS, ROWS = 3, 2
Pointer = Callable[[], "tuple[float, float] | None"]
_FOCUS = {"astronaut": (0.5, 0.2), "camera": (0.5, 0.2)}  # keep the faces in a 4:3 crop


def wall_photos(wall: str = "objects") -> tuple[str, ...]:
    """The six photos of a demo wall, row by row (the people wall without Debian opencv-doc:
    astronaut and cameraman, then objects).

    Example
    -------
    >>> wall_photos("people")[:3]
    ('astronaut', 'camera', 'messi5.jpg')
    """
    if wall not in WALLS:
        raise ValueError(f"wall must be one of {WALLS}, got {wall!r}")
    if wall == "objects":
        return PHOTOS
    if all((OPENCV_DATA / name).is_file() for name in PEOPLE[2:]):
        return PEOPLE
    print("p5knn.DemoSource: Debian's opencv-doc is not installed: the people wall has only "
          "two people (apt install opencv-doc adds a hand and three bodies)", file=sys.stderr)
    return PEOPLE[:2] + ("coffee", "chelsea", "rocket", "horse")


def _cover(img: np.ndarray, width: int, height: int, focus: tuple[float, float]) -> np.ndarray:
    """``img`` scaled to cover width×height, cropped around ``focus`` (0…1 of the spare width
    and height), never stretched."""
    scale = max(width / img.shape[1], height / img.shape[0])
    crop_w = min(img.shape[1], round(width / scale))
    crop_h = min(img.shape[0], round(height / scale))
    left = round((img.shape[1] - crop_w) * focus[0])
    top = round((img.shape[0] - crop_h) * focus[1])
    return cv2.resize(img[top:top + crop_h, left:left + crop_w], (width, height),
                      interpolation=cv2.INTER_AREA)


def _load_photo(name: str) -> np.ndarray:
    """An RGB ``uint8`` photo: a scikit-image name or a file in opencv-doc's data folder."""
    if "." in name:
        bgr = cv2.imread(str(OPENCV_DATA / name))
        if bgr is None:
            raise FileNotFoundError(f"{OPENCV_DATA / name} missing (apt install opencv-doc)")
        return np.ascontiguousarray(bgr[:, :, ::-1])
    from skimage import data

    img = np.asarray(getattr(data, name)())
    if img.ndim == 2:
        img = np.dstack([img] * 3)
    if img.dtype != np.uint8:
        img = (img > 0).astype(np.uint8) * 255 if img.dtype == bool else img.astype(np.uint8)
    return np.ascontiguousarray(img[:, :, :3])


class DemoSource:
    """``read() -> (True, BGR frame)`` of a view over a 3×2 wall of photos.

    Parameters
    ----------
    width, height : int
        Frame size.
    pointer : callable, optional
        ``pointer()`` returns ``(x, y)`` in 0…1 (None: keep the last view); ``(0, 0)`` shows
        the top-left photo, ``(1, 1)`` the bottom-right one. Without one the view wanders.
    noise : float
        Standard deviation of a little sensor noise (0: none).
    seed : int
        Seed of that noise.
    wall : {"objects", "people"}
        Which photos (see the module docstring); ``names`` lists them.

    Example
    -------
    >>> source = p5knn.DemoSource(pointer=lambda: (0.0, 0.0))   # looking at the cat
    >>> ok, frame = source.read()
    >>> frame.shape
    (480, 640, 3)
    >>> people = p5knn.DemoSource(wall="people")   # for hands, body and face keypoints
    >>> people.photo_position("messi5.jpg")
    (1.0, 0.0)
    """

    def __init__(self, width: int = 640, height: int = 480, pointer: Pointer | None = None,
                 noise: float = 3.0, seed: int = 0, wall: str = "objects") -> None:
        self.width, self.height = int(width), int(height)
        self.pointer = pointer
        self.wall_name = wall
        self.names = wall_photos(wall)
        if wall == "people":
            tiles = [_cover(_load_photo(n), self.width, self.height, _FOCUS.get(n, (0.5, 0.5)))
                     for n in self.names]
        else:
            tiles = [cv2.resize(_load_photo(n), (self.width, self.height),
                                interpolation=cv2.INTER_AREA) for n in self.names]
        rows = [np.hstack(tiles[r * COLUMNS:(r + 1) * COLUMNS]) for r in range(ROWS)]
        self.wall = np.ascontiguousarray(np.vstack(rows)[:, :, ::-1])  # BGR, like a camera
        rng = np.random.default_rng(seed)
        self._noise = [rng.normal(0, noise, (self.height, self.width, 3)).astype(np.int16)
                       for _ in range(4)] if noise else None
        self._count = 0
        self._view = (0.0, 0.0)
        self._start = time.perf_counter()

    def photo_position(self, name: str) -> tuple[float, float]:
        """The pointer position that shows photo ``name`` full frame."""
        i = self.names.index(name)
        return (i % COLUMNS) / (COLUMNS - 1), (i // COLUMNS) / (ROWS - 1)

    def _auto(self) -> tuple[float, float]:
        """Rest 2 s on each photo, then glide 1 s to the next."""
        t = (time.perf_counter() - self._start) / 3.0
        i, frac = int(t) % len(self.names), t - int(t)
        a = self.photo_position(self.names[i])
        b = self.photo_position(self.names[(i + 1) % len(self.names)])
        s = 0.0 if frac < 2 / 3 else 0.5 - 0.5 * math.cos(math.pi * (frac - 2 / 3) * 3)
        return a[0] + (b[0] - a[0]) * s, a[1] + (b[1] - a[1]) * s

    def isOpened(self) -> bool:  # noqa: N802 - OpenCV's name, so it passes for a VideoCapture
        return True

    def read(self) -> tuple[bool, np.ndarray]:
        """The current view as a new BGR ``uint8`` frame."""
        try:
            pos = self.pointer() if self.pointer else self._auto()
        except Exception:  # noqa: BLE001 - e.g. a sketch that is not running yet
            pos = None
        if pos is not None:
            self._view = (min(max(float(pos[0]), 0.0), 1.0), min(max(float(pos[1]), 0.0), 1.0))
        wall_h, wall_w = self.wall.shape[:2]
        x = int(round(self._view[0] * (wall_w - self.width)))
        y = int(round(self._view[1] * (wall_h - self.height)))
        view = self.wall[y:y + self.height, x:x + self.width]
        self._count += 1
        if self._noise is None:
            return True, view.copy()
        noisy = view.astype(np.int16) + self._noise[self._count % len(self._noise)]
        return True, np.clip(noisy, 0, 255).astype(np.uint8)

    def release(self) -> None:
        """Nothing to free (OpenCV-compatible)."""
