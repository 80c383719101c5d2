"""Training data as users give it: a folder with one sub-folder per class, a ``{label:
[images]}`` dict, ``(image, label)`` pairs, or images with their labels."""

from __future__ import annotations

import os
import random
import sys
from pathlib import Path
from typing import Any, Sequence

from p5knn.features._images import image_file_size, max_pixels

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff")


def usable(path: Path) -> bool:
    """Whether p5knn will read an image file, judged from its header.

    Parameters
    ----------
    path : Path
        An image file.

    Returns
    -------
    bool
        False (with a note on stderr) for a file over the pixel limit
        (:func:`p5knn.features.max_pixels`).

    Example
    -------
    >>> usable(Path("huge_scan.tif"))
    False
    """
    size = image_file_size(path)
    limit = max_pixels()
    if size and size[0] * size[1] > limit:
        print(f"p5knn: skipping {path}: {size[0]}×{size[1]} is over "
              f"{limit / 1e6:.0f} megapixels", file=sys.stderr)
        return False
    return True


def load_folder(folder: str | os.PathLike, max_per_class: int | None = None,
                seed: int = 0) -> tuple[list[Path], list[str]]:
    """The images of a folder with one sub-folder per class, and their labels.

    Parameters
    ----------
    folder : str or os.PathLike
        ``folder/<label>/**/<image>``; sub-folders of a class folder count for that class.
    max_per_class : int, optional
        Keep a seeded random sample of at most this many images per class.
    seed : int
        Seed of that sample.

    Returns
    -------
    tuple of (list of Path, list of str)
        ``(paths, labels)``, classes in name order. Images over the pixel limit are skipped
        with a note; fewer than two classes with images raise ``ValueError``.

    Example
    -------
    >>> paths, labels = load_folder("my_photos/")
    >>> sorted(set(labels))
    ['cup', 'hand']
    """
    root = Path(folder)
    if not root.is_dir():
        raise FileNotFoundError(f"dataset folder not found: {root}")
    paths: list[Path] = []
    labels: list[str] = []
    rng = random.Random(seed)
    for class_dir in sorted(p for p in root.iterdir() if p.is_dir()):
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
    """Any accepted form of training data as ``(images, labels)``.

    Parameters
    ----------
    dataset : folder, dict, pairs or images
        A folder path (:func:`load_folder`), a ``{label: [images]}`` dict, ``(image, label)``
        pairs, or images (then ``labels`` is needed).
    labels : sequence, optional
        One label per image, for a list of images.

    Returns
    -------
    tuple of (list, list)
        The images and their labels, in the same order.

    Example
    -------
    >>> as_pairs({"cat": [a, b], "cup": [c]})
    ([a, b, c], ['cat', 'cat', 'cup'])
    """
    if isinstance(dataset, (str, os.PathLike)):
        paths, names = load_folder(dataset)
        return list(paths), list(names)
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
