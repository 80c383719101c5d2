"""Builders for the real-data sets used in the docs and tests (Debian's openclipart-png
drawings, mate-backgrounds photographs, scikit-image's photos). Reading a folder with one
sub-folder per class is the training layer's (``load_folder``, ``as_pairs``, ``usable``),
re-exported here for the tools."""

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
