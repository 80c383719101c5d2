"""The demo source (p5knn/live/_demo_source.py): a virtual camera looking at a wall of real
photos, its view moved by a pointer — what every test and sketch uses instead of a webcam."""

from __future__ import annotations

import numpy as np

import p5knn


def test_frames_follow_the_pointer():
    demo = p5knn.DemoSource(320, 240, noise=0)
    assert demo.isOpened()
    views = {}
    for name in ("chelsea", "rocket", "coffee"):
        demo.pointer = lambda n=name: demo.photo_position(n)
        ok, frame = demo.read()
        assert ok and frame.shape == (240, 320, 3) and frame.dtype == np.uint8
        views[name] = frame
        assert np.array_equal(demo.read()[1], frame)          # the same view, the same frame
    assert not np.array_equal(views["chelsea"], views["rocket"])
    assert not np.array_equal(views["rocket"], views["coffee"])


def test_noise_changes_frames_a_little_and_the_view_wanders_without_a_pointer():
    still = p5knn.DemoSource(160, 120, pointer=lambda: (0.0, 0.0), noise=3.0)
    a, b = still.read()[1].astype(int), still.read()[1].astype(int)
    assert 0 < np.abs(a - b).mean() < 10
    wandering = p5knn.DemoSource(160, 120)
    assert wandering.read()[0]


def test_the_demo_photos_are_told_apart_by_mobilenet(mobilenet):
    demo = p5knn.DemoSource()
    knn = p5knn.knn_classifier.create(mobilenet, k=1, bands="BGR")
    for name in ("chelsea", "rocket", "coffee"):
        demo.pointer = lambda n=name: demo.photo_position(n)
        knn.add_example(demo.read()[1], name)
    for name in ("coffee", "chelsea", "rocket"):
        demo.pointer = lambda n=name: demo.photo_position(n)
        assert knn.predict_class(demo.read()[1]).label == name


OPENCV_DATA = "/usr/share/doc/opencv-doc/examples/data"


def test_the_people_wall_shows_hands_bodies_and_faces():
    import os

    import pytest

    if not os.path.isfile(f"{OPENCV_DATA}/messi5.jpg"):
        pytest.skip("Debian opencv-doc is not installed")
    source = p5knn.DemoSource(wall="people")
    assert source.names == ("astronaut", "camera", "messi5.jpg", "right04.jpg",
                            "basketball1.png", "basketball2.png")
    found = {}
    extractors = {kind: p5knn.feature_extractor(kind) for kind in ("hands", "pose", "face")}
    for name in source.names:
        source.pointer = lambda name=name: source.photo_position(name)
        ok, frame = source.read()
        assert ok and frame.shape == (480, 640, 3)
        found[name] = {kind: len(ex.detect(frame, "BGR")) for kind, ex in extractors.items()}
    for ex in extractors.values():
        ex.close()
    assert found["astronaut"]["face"] == found["camera"]["face"] == 1   # smiling vs serious
    assert found["messi5.jpg"]["hands"] == found["right04.jpg"]["hands"] == 1
    assert all(found[n]["pose"] == 1 for n in ("astronaut", "messi5.jpg", "basketball1.png",
                                                "basketball2.png"))
    assert found["right04.jpg"]["face"] == 0


def test_walls_are_checked():
    import pytest

    with pytest.raises(ValueError, match="wall"):
        p5knn.DemoSource(wall="faces")
    with pytest.raises(ValueError, match="demo_wall"):
        p5knn.Camera("demo", demo_wall="faces")
