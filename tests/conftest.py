"""Shared fixtures: one MobileNet extractor per test session, real photos from scikit-image."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture(scope="session")
def mobilenet():
    import p5knn

    extractor = p5knn.feature_extractor("mobilenet")
    yield extractor
    extractor.close()


@pytest.fixture(scope="session")
def photos() -> dict[str, np.ndarray]:
    skimage_data = pytest.importorskip("skimage.data")
    return {name: getattr(skimage_data, name)() for name in
            ("chelsea", "coffee", "astronaut", "rocket", "cat")}
