"""Every kind of image input gives the same features: arrays in any channel order, floats,
other integer types, files, PIL images (16-bit, integer, float, lazy, closed)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image

import p5knn
from p5knn import ImageError, P5KNNError
from p5knn.features import to_rgb


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))


def test_every_input_kind_gives_the_same_features(mobilenet, photos, tmp_path):
    rgb = photos["chelsea"]
    ref = mobilenet.infer(rgb)
    bgr = np.ascontiguousarray(rgb[:, :, ::-1])
    rgba = np.dstack([rgb, np.full(rgb.shape[:2], 255, np.uint8)])
    argb = np.dstack([np.full(rgb.shape[:2], 255, np.uint8), rgb])
    path = tmp_path / "cat.png"
    cv2.imwrite(str(path), bgr)
    variants = {
        "bgr": mobilenet.infer(bgr, bands="BGR"),
        "rgba": mobilenet.infer(rgba),
        "bgra": mobilenet.infer(np.dstack([bgr, rgba[:, :, 3]]), bands="BGRA"),
        "argb": mobilenet.infer(argb, bands="ARGB"),
        "float": mobilenet.infer(rgb.astype(np.float32) / 255.0),
        "int64": mobilenet.infer(rgb.astype(np.int64)),
        "file": mobilenet.infer(path),
        "str": mobilenet.infer(str(path)),
        "pil": mobilenet.infer(Image.fromarray(rgb)),
    }
    for name, vec in variants.items():
        np.testing.assert_allclose(vec, ref, rtol=1e-4, atol=1e-4, err_msg=name)


def test_lazy_pil_image_over_the_limit_is_refused_before_loading(tmp_path, monkeypatch):
    path = tmp_path / "small.png"
    Image.new("L", (200, 150)).save(path)
    monkeypatch.setenv("P5KNN_MAX_PIXELS", "10000")
    with Image.open(path) as lazy:
        monkeypatch.setattr(lazy, "load", lambda: pytest.fail("the PIL image was decoded"))
        with pytest.raises(ImageError, match="200×150"):
            to_rgb(lazy)


def test_pil_16bit_grey_matches_8bit_grey(mobilenet, photos):
    grey = cv2.cvtColor(photos["chelsea"], cv2.COLOR_RGB2GRAY)
    wide = Image.fromarray(grey.astype(np.uint16) * 257)
    assert wide.mode == "I;16"
    np.testing.assert_array_equal(to_rgb(wide)[:, :, 0], grey)
    assert cosine(mobilenet.infer(wide), mobilenet.infer(Image.fromarray(grey))) > 0.999


def test_pil_I_mode_over_255_is_an_error_not_white():
    with pytest.raises(ImageError, match="0–255"):
        to_rgb(Image.fromarray(np.full((8, 8), 4000, np.int32)))


def test_nan_pil_float_image_is_refused(mobilenet):
    with pytest.raises(ImageError, match="NaN"):
        mobilenet.infer(Image.fromarray(np.full((9, 9), np.nan, np.float32)))


def test_closed_pil_images_are_image_errors(mobilenet, tmp_path):
    made = Image.new("RGB", (9, 9))
    made.close()
    path = tmp_path / "x.png"
    Image.new("RGB", (9, 9)).save(path)
    lazy = Image.open(path)
    lazy.close()
    for closed in (made, lazy):
        with pytest.raises(ImageError, match="PIL image"):
            mobilenet.infer(closed)


def test_a_live_source_gives_its_newest_frame_in_its_band_order(mobilenet, photos):
    class Source:  # what p5knn.Camera offers: (newest frame, its bands, arrival time)
        def __p5knn_frame__(self):
            return np.ascontiguousarray(photos["coffee"][:, :, ::-1]), "BGR", 0.0

    np.testing.assert_array_equal(to_rgb(Source()), photos["coffee"])
    np.testing.assert_allclose(mobilenet.infer(Source()), mobilenet.infer(photos["coffee"]),
                               rtol=1e-5)


def test_errors_are_p5knn_errors():
    assert issubclass(ImageError, P5KNNError) and issubclass(ImageError, ValueError)
    assert p5knn.ImageError is ImageError
