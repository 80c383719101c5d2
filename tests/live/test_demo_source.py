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
