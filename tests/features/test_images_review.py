"""Findings of a hostile review of image input (issue 10): arrays obey the pixel limit before
any copy, and a few stacked feature vectors are not read as a grey picture."""

from __future__ import annotations

import numpy as np
import pytest

import p5knn


def test_image_arrays_obey_the_pixel_limit_before_any_copy(mobilenet):
    """A broadcast view costs nothing; making it contiguous cost 1.3 GB before the fix."""
    for view in (np.broadcast_to(np.zeros(3, np.uint8), (20000, 20000, 3)),
                 np.broadcast_to(np.zeros(3), (8000, 9000, 3)),
                 np.broadcast_to(np.zeros(1, np.uint8), (9000, 9000))):
        with pytest.raises(p5knn.ImageError, match="megapixels"):
            mobilenet.infer(view)


def test_a_few_stacked_vectors_are_not_a_grey_image():
    knn = p5knn.knn_classifier.create(k=1)
    knn.add_example(np.random.default_rng(0).random(1024), "a")
    two = np.random.default_rng(1).random((2, 1024)).astype(np.float32)
    with pytest.raises(p5knn.FeatureSizeError, match="1-D"):
        knn.predict_class(two)
    assert len(knn) == 1
