"""Fixtures of the tools' tests on keypoints: a small real data set of hand photos (built by
``hand_vs_none`` from Debian opencv-doc's photos of hands, jittered with OpenCV into a
temporary folder) and frame sources showing a real hand. Everything that needs opencv-doc
skips cleanly without it."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import cv2
import numpy as np
import pytest

from p5knn.tools import _datasets as datasets

OPENCV_DATA = datasets.OPENCV_DATA
PER_CLASS = 18   #: images per class of the hand set
COVERED = 3      #: images of the hand set's "hand" class with the hand painted over


def opencv_photo(name: str) -> np.ndarray:
    """A BGR photo from Debian's opencv-doc (skips the test without it)."""
    path = OPENCV_DATA / name
    image = cv2.imread(str(path)) if path.is_file() else None
    if image is None:
        pytest.skip(f"{path} missing (install Debian's opencv-doc)")
    return image


@pytest.fixture(scope="session")
def hand_set(tmp_path_factory) -> Path:
    """``hand/`` (right04.jpg and messi5.jpg's hand, jittered) and ``none/`` (photos with no
    hand), PER_CLASS images each."""
    if not all((OPENCV_DATA / name).is_file() for name in datasets.HAND_PHOTOS):
        pytest.skip("needs Debian's opencv-doc (photos of hands)")
    return datasets.hand_vs_none(tmp_path_factory.mktemp("hands"), per_class=PER_CLASS)


@pytest.fixture(scope="session")
def covered_hand_set(hand_set, tmp_path_factory) -> Path:
    """The hand set plus COVERED photos in ``hand/`` where the hand is painted over (nobody is
    found in them)."""
    root = tmp_path_factory.mktemp("covered")
    for label in ("hand", "none"):
        (root / label).mkdir()
        for src in sorted((hand_set / label).iterdir()):
            (root / label / src.name).symlink_to(src)
    photo = opencv_photo("right04.jpg")
    for i in range(COVERED):
        covered = photo.copy()
        covered[150:420, 380:560] = 90 + 30 * i
        cv2.imwrite(str(root / "hand" / f"covered_{i}.png"), covered)
    return root


class Frames:
    """A frame source for ``p5knn.Camera(source=...)``: ``read()`` gives ``frame`` (BGR),
    which a test may swap at any time."""

    def __init__(self, frame: np.ndarray) -> None:
        self.frame = frame

    def read(self) -> tuple[bool, np.ndarray]:
        return True, self.frame


@pytest.fixture
def frames() -> type[Frames]:
    """The :class:`Frames` source class (test modules cannot import a conftest)."""
    return Frames


@pytest.fixture
def photo_of() -> Callable[[str], np.ndarray]:
    """:func:`opencv_photo`, as a fixture."""
    return opencv_photo


@pytest.fixture
def hand_photo() -> np.ndarray:
    """opencv-doc's right04.jpg (640×480 BGR): a right hand held up (skips without it)."""
    return opencv_photo("right04.jpg")


@pytest.fixture
def no_hand_photo() -> np.ndarray:
    """A 640×480 BGR photo with no hand in it (scikit-image's coffee)."""
    skimage_data = pytest.importorskip("skimage.data")
    return cv2.resize(skimage_data.coffee()[:, :, ::-1], (640, 480))
