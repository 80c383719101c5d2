"""Training data as users give it: a folder of class folders, a dict, pairs, or images with
labels."""

from __future__ import annotations


import numpy as np
import pytest
from PIL import Image

from p5knn.training import as_pairs, load_folder


def picture(path, size=(8, 6)):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, (10, 20, 30)).save(path)
    return path


def test_a_folder_of_class_folders(tmp_path):
    for name in ("cup", "hand", "cat"):
        for i in range(3):
            picture(tmp_path / name / f"{i}.png")
    picture(tmp_path / "cat" / "more" / "deep.jpg")            # sub-folders count for the class
    (tmp_path / "cat" / "notes.txt").write_text("not an image")
    (tmp_path / "loose.png").write_bytes(b"")                  # files at the top are ignored
    paths, labels = load_folder(tmp_path)
    assert labels == ["cat"] * 4 + ["cup"] * 3 + ["hand"] * 3   # classes in name order
    assert all(p.parent.name in ("more", label) for p, label in zip(paths, labels))
    assert as_pairs(tmp_path) == (list(paths), labels)
    sample, sample_labels = load_folder(tmp_path, max_per_class=2, seed=3)
    assert sample_labels == ["cat"] * 2 + ["cup"] * 2 + ["hand"] * 2
    assert load_folder(tmp_path, max_per_class=2, seed=3)[0] == sample    # seeded


def test_folders_that_cannot_train(tmp_path):
    with pytest.raises(FileNotFoundError, match="not found"):
        load_folder(tmp_path / "nowhere")
    picture(tmp_path / "only" / "a.png")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="two class folders"):
        load_folder(tmp_path)


def test_images_over_the_pixel_limit_are_skipped_with_a_note(tmp_path, monkeypatch, capsys):
    picture(tmp_path / "a" / "small.png")
    picture(tmp_path / "b" / "small.png")
    picture(tmp_path / "b" / "big.png", size=(200, 100))
    monkeypatch.setenv("P5KNN_MAX_PIXELS", "1000")
    paths, labels = load_folder(tmp_path)
    assert [p.name for p in paths] == ["small.png", "small.png"] and labels == ["a", "b"]
    assert "big.png" in capsys.readouterr().err


def test_dicts_pairs_and_images_with_labels():
    a, b, c = (np.full((4, 4, 3), v, np.uint8) for v in (0, 1, 2))
    images, labels = as_pairs({"x": [a, b], 7: [c]})
    assert [i is j for i, j in zip(images, [a, b, c])] == [True] * 3 and labels == ["x", "x", 7]
    images, labels = as_pairs([(a, "x"), (c, "y")])
    assert images[1] is c and labels == ["x", "y"]
    images, labels = as_pairs(iter([a, b]), labels=("p", "q"))
    assert images[0] is a and labels == ["p", "q"]
    with pytest.raises(ValueError, match="2 images but 3 labels"):
        as_pairs([a, b], labels=["p", "q", "r"])
    with pytest.raises(ValueError, match="dataset must be"):
        as_pairs([a, b])
