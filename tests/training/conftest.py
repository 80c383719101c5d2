"""Fixtures of the training tests: camera-like views of real photos."""

from __future__ import annotations

import numpy as np
import pytest

import p5knn


@pytest.fixture(scope="session")
def views() -> dict[str, list[np.ndarray]]:
    """Camera-like views of three real photos (the demo source), six per photo."""
    demo = p5knn.DemoSource(seed=1)
    out = {}
    for name in ("chelsea", "rocket", "coffee"):
        x, y = demo.photo_position(name)
        frames = []
        for i in range(6):
            demo.pointer = lambda x=x, y=y, i=i: (min(max(x + 0.04 * (i - 3), 0), 1), y)
            frames.append(np.ascontiguousarray(demo.read()[1][:, :, ::-1]))
        out[name] = frames
    return out


@pytest.fixture
def vectors():
    """``vectors(label_index, n)``: n feature vectors of MobileNet's length near one of three
    centres, so heads can be fed without running the model."""
    rng = np.random.default_rng(0)
    centres = rng.random((3, 1024)) * 2

    def make(which: int, n: int = 1) -> list[np.ndarray]:
        return [(centres[which] + rng.random(1024) * 0.1).astype(np.float32) for _ in range(n)]

    return make
