"""A virtual camera for machines without a webcam.

It looks around a wall of real photos shipped with scikit-image (a cat, an astronaut, coffee,
a rocket, a galaxy field, a horse): a pointer — usually the mouse — pans the view, so holding
a key while pointing at the cat teaches "cat", exactly like showing a real camera an object.
Without a pointer the view wanders by itself, resting on each photo in turn.
"""

from __future__ import annotations

import math
import time
from typing import Callable

import cv2
import numpy as np

PHOTOS = ("chelsea", "astronaut", "coffee", "rocket", "hubble_deep_field", "horse")
COLUMNS, ROWS = 3, 2
Pointer = Callable[[], "tuple[float, float] | None"]


def _load_photo(name: str) -> np.ndarray:
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

    Example
    -------
    >>> source = p5knn.DemoSource(pointer=lambda: (0.0, 0.0))   # looking at the cat
    >>> ok, frame = source.read()
    >>> frame.shape
    (480, 640, 3)
    """

    def __init__(self, width: int = 640, height: int = 480, pointer: Pointer | None = None,
                 noise: float = 3.0, seed: int = 0) -> None:
        self.width, self.height = int(width), int(height)
        self.pointer = pointer
        self.names = PHOTOS
        tiles = [cv2.resize(_load_photo(n), (self.width, self.height),
                            interpolation=cv2.INTER_AREA) for n in PHOTOS]
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
        i, frac = int(t) % len(PHOTOS), t - int(t)
        a = self.photo_position(PHOTOS[i])
        b = self.photo_position(PHOTOS[(i + 1) % len(PHOTOS)])
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
