"""Builders for the real-data sets used in the docs and tests (Debian's openclipart-png
drawings, mate-backgrounds photographs, opencv-doc's photos of hands, scikit-image's photos).
Reading a folder with one sub-folder per class is the training layer's (``load_folder``,
``as_pairs``, ``usable``), re-exported here for the tools."""

from __future__ import annotations

import os
import random
from pathlib import Path
from typing import Iterable

import cv2
import numpy as np

from p5knn.training import as_pairs, load_folder  # noqa: F401 - the tools' dataset API
from p5knn.training._dataset import IMAGE_SUFFIXES, usable  # noqa: F401

OPENCLIPART = Path("/usr/share/openclipart/png")
MATE_PHOTOS = Path("/usr/share/backgrounds/mate/nature")
OPENCV_DATA = Path("/usr/share/doc/opencv-doc/examples/data")
#: opencv-doc photos with a hand, and the hand's box (x0, y0, x1, y1) in their pixels
HAND_PHOTOS = {"right04.jpg": (404, 195, 502, 345), "messi5.jpg": (344, 156, 376, 177)}
#: scikit-image photos with no hand in them
NO_HAND_PHOTOS = ("coffee", "rocket", "chelsea", "hubble_deep_field", "motorcycle_left")
SKIMAGE_PHOTOS = ("astronaut", "chelsea", "coffee", "rocket", "hubble_deep_field",
                  "motorcycle_left", "retina", "immunohistochemistry", "camera", "coins", "moon",
                  "grass", "gravel", "brick")


def _link_or_copy(src: Path, dst: Path) -> None:
    try:
        os.symlink(src, dst)
    except OSError:
        dst.write_bytes(src.read_bytes())


def openclipart(dest: str | os.PathLike, categories: Iterable[str] = ("animals", "food",
                "transportation", "people", "plants", "tools", "buildings"),
                per_class: int = 40, seed: int = 0) -> Path:
    """A class-per-folder set of openclipart drawings (Debian package ``openclipart-png``)."""
    if not OPENCLIPART.is_dir():
        raise FileNotFoundError("openclipart drawings not found: apt-get install openclipart-png")
    dest = Path(dest)
    rng = random.Random(seed)
    for category in categories:
        files = [f for f in sorted((OPENCLIPART / category).rglob("*.png")) if usable(f)]
        chosen = rng.sample(files, min(per_class, len(files)))
        (dest / category).mkdir(parents=True, exist_ok=True)
        for i, src in enumerate(chosen):
            _link_or_copy(src, dest / category / f"{i:03d}_{src.name}")
    return dest


def photo_vs_drawing(dest: str | os.PathLike, per_class: int | None = None,
                     seed: int = 0) -> Path:
    """Two classes, ``photo`` and ``drawing``: every photograph here (mate-backgrounds'
    nature photos and scikit-image's photos) against as many openclipart drawings."""
    from skimage import data

    if not MATE_PHOTOS.is_dir() or not OPENCLIPART.is_dir():
        raise FileNotFoundError("needs Debian's mate-backgrounds and openclipart-png packages")
    dest = Path(dest)
    (dest / "photo").mkdir(parents=True, exist_ok=True)
    (dest / "drawing").mkdir(parents=True, exist_ok=True)
    photos = sorted(MATE_PHOTOS.glob("*.jpg"))
    for src in photos:
        _link_or_copy(src, dest / "photo" / src.name)
    count = len(photos)
    for name in SKIMAGE_PHOTOS:
        try:
            img = np.asarray(getattr(data, name)())
        except Exception:  # noqa: BLE001 - a photo that needs a download is skipped
            continue
        if img.dtype != np.uint8:
            continue
        bgr = img if img.ndim == 2 else cv2.cvtColor(img[:, :, :3], cv2.COLOR_RGB2BGR)
        cv2.imwrite(str(dest / "photo" / f"skimage_{name}.png"), bgr)
        count += 1
    want = per_class or count
    rng = random.Random(seed)
    drawings = sorted(OPENCLIPART.rglob("*.png"))
    chosen = [f for f in rng.sample(drawings, want + 20) if usable(f)][:want]
    for i, src in enumerate(chosen):
        _link_or_copy(src, dest / "drawing" / f"{i:03d}_{src.name}")
    return dest


def _jitter(image: np.ndarray, rng: np.random.Generator, rotate: float, scale: float,
            shift: float) -> np.ndarray:
    """``image`` rotated, scaled and shifted a little (same size, borders mirrored), flipped
    left-right half of the time, brightness changed by up to ±20 %."""
    height, width = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), rng.uniform(-rotate, rotate),
                                     rng.uniform(1 - scale, 1 + scale))
    matrix[:, 2] += rng.uniform(-shift, shift, 2) * (width, height)
    out = cv2.warpAffine(image, matrix, (width, height), borderMode=cv2.BORDER_REFLECT)
    if rng.random() < 0.5:
        out = cv2.flip(out, 1)
    return np.clip(out * rng.uniform(0.8, 1.2), 0, 255).astype(np.uint8)


def _around(image: np.ndarray, box: tuple[int, int, int, int], rng: np.random.Generator,
            side: int = 256) -> np.ndarray:
    """A ``side``×``side`` crop around ``box`` (1.6–2.6 times its size, centre moved by up
    to 20 % of it, rotated by up to ±15°)."""
    x0, y0, x1, y1 = box
    size = max(x1 - x0, y1 - y0)
    cx = (x0 + x1) / 2 + rng.uniform(-0.2, 0.2) * size
    cy = (y0 + y1) / 2 + rng.uniform(-0.2, 0.2) * size
    matrix = cv2.getRotationMatrix2D((cx, cy), rng.uniform(-15, 15),
                                     side / (size * rng.uniform(1.6, 2.6)))
    matrix[:, 2] += (side / 2 - cx, side / 2 - cy)
    return cv2.warpAffine(image, matrix, (side, side), borderMode=cv2.BORDER_REFLECT)


def _no_hand_photos() -> list[np.ndarray]:
    """BGR photos with no hand: mate-backgrounds' nature photos (at most 640 pixels wide)
    and scikit-image's."""
    from skimage import data

    photos = []
    for path in sorted(MATE_PHOTOS.glob("*.jpg")) if MATE_PHOTOS.is_dir() else []:
        image = cv2.imread(str(path))
        if image is not None:
            scale = 640 / max(image.shape[:2])
            photos.append(cv2.resize(image, None, fx=scale, fy=scale,
                                     interpolation=cv2.INTER_AREA))
    for name in NO_HAND_PHOTOS:
        try:
            rgb = np.asarray(getattr(data, name)())
        except Exception:  # noqa: BLE001 - a photo that needs a download is skipped
            continue
        if rgb.dtype == np.uint8 and rgb.ndim == 3:
            photos.append(cv2.cvtColor(rgb[:, :, :3], cv2.COLOR_RGB2BGR))
    return photos


def hand_vs_none(dest: str | os.PathLike, per_class: int = 24, seed: int = 0) -> Path:
    """Two classes of real photos for the keypoint models, ``hand`` and ``none``.

    ``hand``: opencv-doc's ``right04.jpg`` (a right hand held up) rotated, scaled, shifted
    and flipped a little as a whole (two thirds of the images), and crops around the open
    hand in ``messi5.jpg`` (the rest). ``none``: photos without a hand (mate-backgrounds'
    nature photos, scikit-image's coffee, rocket, cat, galaxies, motorcycle), jittered the
    same way. Seeded: the same ``seed`` gives the same images.

    Parameters
    ----------
    dest : str or os.PathLike
        Folder to create ``hand/`` and ``none/`` in (PNG files).
    per_class : int
        Images per class.
    seed : int
        Seed of the jitter.

    Returns
    -------
    Path
        ``dest``.

    Raises
    ------
    FileNotFoundError
        Without Debian's ``opencv-doc`` (``apt-get install opencv-doc``).

    Example
    -------
    >>> folder = hand_vs_none("hands_set", per_class=24)
    >>> sorted(p.name for p in folder.iterdir())
    ['hand', 'none']
    """
    if not all((OPENCV_DATA / name).is_file() for name in HAND_PHOTOS):
        raise FileNotFoundError(f"photos of hands not found in {OPENCV_DATA}: "
                                "apt-get install opencv-doc")
    dest = Path(dest)
    rng = np.random.default_rng(seed)
    hands = {name: cv2.imread(str(OPENCV_DATA / name)) for name in HAND_PHOTOS}
    empty = _no_hand_photos()
    for folder in ("hand", "none"):
        (dest / folder).mkdir(parents=True, exist_ok=True)
    for i in range(per_class):
        if i % 3 < 2:
            hand = _jitter(hands["right04.jpg"], rng, rotate=10, scale=0.1, shift=0.05)
        else:
            hand = _around(hands["messi5.jpg"], HAND_PHOTOS["messi5.jpg"], rng)
            hand = cv2.flip(hand, 1) if rng.random() < 0.5 else hand
        cv2.imwrite(str(dest / "hand" / f"hand_{i:03d}.png"), hand)
        photo = empty[i % len(empty)]
        photo = photo if i < len(empty) else _jitter(photo, rng, rotate=10, scale=0.1,
                                                      shift=0.1)
        cv2.imwrite(str(dest / "none" / f"none_{i:03d}.png"), photo)
    return dest
