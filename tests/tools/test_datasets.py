"""The real-data sets of the docs and tests (p5knn/tools/_datasets.py): Debian's openclipart
drawings and mate-backgrounds photos, as class folders (a folder of class folders is read by
``p5knn.training.load_folder``: tests/training/test_dataset.py). Private module: see
test_evaluation.py."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

import p5knn
from p5knn.tools import _datasets as datasets
from p5knn.training import load_folder


def test_huge_images_are_refused_clearly(tmp_path, monkeypatch, mobilenet):
    path = tmp_path / "big.png"
    cv2.imwrite(str(path), np.zeros((300, 400, 3), np.uint8))
    monkeypatch.setenv("P5KNN_MAX_PIXELS", "100000")
    with pytest.raises(p5knn.ImageError, match="400×300"):
        mobilenet.infer(path)


@pytest.mark.skipif(not datasets.OPENCLIPART.is_dir(),
                    reason="needs Debian's openclipart-png (.ci/run installs it)")
def test_openclipart_categories_as_class_folders(tmp_path):
    folder = datasets.openclipart(tmp_path / "clip", categories=("animals", "food"),
                                  per_class=5)
    paths, labels = load_folder(folder)
    assert labels == ["animals"] * 5 + ["food"] * 5
    again = datasets.openclipart(tmp_path / "again", categories=("animals", "food"),
                                 per_class=5)
    assert [p.name for p in load_folder(again)[0]] == [p.name for p in paths]   # seeded


@pytest.mark.skipif(not (datasets.OPENCLIPART.is_dir() and datasets.MATE_PHOTOS.is_dir()),
                    reason="needs Debian's openclipart-png and mate-backgrounds "
                           "(.ci/run installs them)")
def test_photo_vs_drawing_set(tmp_path):
    folder = datasets.photo_vs_drawing(tmp_path / "pvd")
    paths, labels = load_folder(folder)
    assert labels.count("photo") == labels.count("drawing") >= 20


def test_hand_vs_none_is_seeded_and_has_both_classes(tmp_path):
    if not all((datasets.OPENCV_DATA / name).is_file() for name in datasets.HAND_PHOTOS):
        pytest.skip("needs Debian's opencv-doc (photos of hands)")
    first = datasets.hand_vs_none(tmp_path / "a", per_class=4, seed=3)
    again = datasets.hand_vs_none(tmp_path / "b", per_class=4, seed=3)
    paths, labels = load_folder(first)
    assert labels == ["hand"] * 4 + ["none"] * 4
    for path in paths:
        twin = again / path.parent.name / path.name
        assert twin.read_bytes() == path.read_bytes()
    assert all(cv2.imread(str(p)).shape[2] == 3 for p in paths)
