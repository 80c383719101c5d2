"""Image datasets: a folder with one sub-folder per class (the usual layout), and builders for
the real-data sets used in the docs and tests (Debian's openclipart-png drawings,
mate-backgrounds photographs, scikit-image's photos)."""

from __future__ import annotations

import os
import random
import sys
from pathlib import Path
from typing import Any, Iterable, Sequence

import cv2
import numpy as np

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff")
OPENCLIPART = Path("/usr/share/openclipart/png")
MATE_PHOTOS = Path("/usr/share/backgrounds/mate/nature")
SKIMAGE_PHOTOS = ("astronaut", "chelsea", "coffee", "rocket", "hubble_deep_field",
                  "motorcycle_left", "retina", "immunohistochemistry", "camera", "coins", "moon",
                  "grass", "gravel", "brick")


def usable(path: Path) -> bool:
    """False for files p5knn would refuse to read (too many pixels), with a note on stderr."""
    from p5knn.features._images import MAX_PIXELS, image_file_size

    size = image_file_size(path)
    if size and size[0] * size[1] > MAX_PIXELS:
        print(f"p5knn: skipping {path}: {size[0]}×{size[1]} is over "
              f"{MAX_PIXELS / 1e6:.0f} megapixels", file=sys.stderr)
        return False
    return True


def load_folder(folder: str | os.PathLike, max_per_class: int | None = None,
                seed: int = 0) -> tuple[list[Path], list[str]]:
    """``(paths, labels)`` of the images in ``folder/<label>/**``; ``max_per_class`` keeps a
    seeded random sample of each class; images over the pixel limit are skipped with a
    note. Raises if there are fewer than two classes."""
    root = Path(folder)
    if not root.is_dir():
        raise FileNotFoundError(f"dataset folder not found: {root}")
    paths: list[Path] = []
    labels: list[str] = []
    rng = random.Random(seed)
    classes = sorted(p for p in root.iterdir() if p.is_dir())
    for class_dir in classes:
        files = sorted(p for p in class_dir.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES
                       and p.is_file() and usable(p))
        if max_per_class is not None and len(files) > max_per_class:
            files = sorted(rng.sample(files, max_per_class))
        paths += files
        labels += [class_dir.name] * len(files)
    found = sorted(set(labels))
    if len(found) < 2:
        raise ValueError(f"{root} needs at least two class folders with images; found "
                         f"{found or 'none'}")
    return paths, labels


def as_pairs(dataset: Any, labels: Sequence[Any] | None = None) -> tuple[list, list]:
    """Normalise a dataset to ``(images, labels)``: a folder path, a dict
    ``{label: [images]}``, ``(image, label)`` pairs, or ``images`` with ``labels=``."""
    if isinstance(dataset, (str, os.PathLike)):
        return tuple(load_folder(dataset))  # type: ignore[return-value]
    if isinstance(dataset, dict):
        xs, ys = [], []
        for label, items in dataset.items():
            for item in items:
                xs.append(item)
                ys.append(label)
        return xs, ys
    if labels is not None:
        xs = list(dataset)
        if len(xs) != len(labels):
            raise ValueError(f"{len(xs)} images but {len(labels)} labels")
        return xs, list(labels)
    pairs = list(dataset)
    if not all(isinstance(p, tuple) and len(p) == 2 for p in pairs):
        raise ValueError("dataset must be a folder, a {label: images} dict, (image, label) "
                         "pairs, or images with labels=...")
    return [p[0] for p in pairs], [p[1] for p in pairs]


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
