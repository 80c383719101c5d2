"""MobileNet features and ImageNet classes on real photos; every input kind; input errors."""

from __future__ import annotations

import importlib.util

import cv2
import numpy as np
import pytest

import p5knn
from p5knn._base.errors import ImageError


def test_chelsea_is_a_cat(mobilenet, photos):
    top = mobilenet.classify(photos["chelsea"], top_k=5)
    assert len(top) == 5
    assert top[0].class_name in ("Egyptian cat", "tabby, tabby cat", "tiger cat")
    assert top[0].probability > 0.5
    probs = [p for _, p in top]
    assert probs == sorted(probs, reverse=True)


def test_coffee_is_espresso_or_cup(mobilenet, photos):
    name, prob = mobilenet.classify(photos["coffee"], top_k=1)[0]
    assert name in ("espresso", "cup", "coffee mug")
    assert prob > 0.5


def test_class_names_file():
    names = p5knn.imagenet_classes()
    assert len(names) == 1000
    assert names[0].startswith("tench") and names[999].startswith("toilet tissue")


def test_features_shape_and_values(mobilenet, photos):
    vec = mobilenet.infer(photos["astronaut"])
    assert vec.shape == (1024,) and vec.dtype == np.float32
    assert np.isfinite(vec).all() and vec.min() >= 0.0 and vec.max() <= 6.0  # pooled ReLU6
    assert mobilenet.feature_size == 1024 and mobilenet.input_size == (224, 224)


def test_features_match_the_frozen_tensorflow_graph(mobilenet, photos):
    """The converted model reproduces the original graph's AvgPool output."""
    tf = pytest.importorskip("tensorflow")
    from p5knn.features._weights import graph_path

    graph_def = tf.compat.v1.GraphDef()
    graph_def.ParseFromString(graph_path().read_bytes())
    graph = tf.Graph()
    with graph.as_default():
        tf.import_graph_def(graph_def, name="")
    x = mobilenet.prepare(photos["rocket"])[None]
    with tf.compat.v1.Session(graph=graph) as session:
        ref = session.run("MobilenetV1/Logits/AvgPool_1a/AvgPool:0", {"input:0": x})
    np.testing.assert_allclose(mobilenet.infer(photos["rocket"]), ref.reshape(-1),
                               rtol=1e-3, atol=1e-3)


def test_batch_equals_single(mobilenet, photos):
    batch = mobilenet.infer_batch([photos["chelsea"], photos["coffee"]])
    assert batch.shape == (2, 1024)
    np.testing.assert_allclose(batch[1], mobilenet.infer(photos["coffee"]), rtol=1e-5)


def test_every_input_kind_gives_the_same_features(mobilenet, photos, tmp_path):
    rgb = photos["chelsea"]
    ref = mobilenet.infer(rgb)
    bgr = np.ascontiguousarray(rgb[:, :, ::-1])
    rgba = np.dstack([rgb, np.full(rgb.shape[:2], 255, np.uint8)])
    argb = np.dstack([np.full(rgb.shape[:2], 255, np.uint8), rgb])
    path = tmp_path / "cat.png"
    cv2.imwrite(str(path), bgr)
    from PIL import Image

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


def test_gray_images(mobilenet, photos):
    gray = cv2.cvtColor(photos["coffee"], cv2.COLOR_RGB2GRAY)
    a = mobilenet.infer(gray)
    b = mobilenet.infer(gray[:, :, None])
    c = mobilenet.infer(np.dstack([gray] * 3))
    np.testing.assert_allclose(a, c, rtol=1e-5)
    np.testing.assert_allclose(b, c, rtol=1e-5)


def test_center_crop_changes_input(mobilenet, photos):
    wide = photos["astronaut"][:256]  # 256×512
    assert not np.allclose(mobilenet.infer(wide), mobilenet.infer(wide, crop="center"))


@pytest.mark.parametrize("bad, message", [
    (np.zeros((10, 10, 2), np.uint8), "H×W"),
    (np.zeros((2, 10, 10, 3), np.uint8), "H×W"),
    (np.zeros((0, 10, 3), np.uint8), "empty"),
    (np.full((10, 10, 3), np.nan, np.float32), "NaN"),
    (np.full((10, 10, 3), 200.0), "0–1"),
    (np.full((10, 10, 3), 300, np.int32), "0–255"),
    (np.zeros((10, 10, 3), bool), "boolean"),
    (object(), "cannot use"),
])
def test_bad_images_raise_clear_errors(mobilenet, bad, message):
    with pytest.raises(ImageError, match=message):
        mobilenet.infer(bad)


def test_bad_options_raise(mobilenet, photos):
    with pytest.raises(ImageError, match="bands"):
        mobilenet.infer(photos["chelsea"], bands="XYZ")
    with pytest.raises(ImageError, match="crop"):
        mobilenet.infer(photos["chelsea"], crop="left")
    with pytest.raises(ValueError, match="top_k"):
        mobilenet.classify(photos["chelsea"], top_k=0)
    with pytest.raises(ImageError, match="ARGB"):
        mobilenet.infer(photos["chelsea"], bands="ARGB")


def test_missing_and_corrupt_image_files(mobilenet, tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere.png"):
        mobilenet.infer(tmp_path / "nowhere.png")
    junk = tmp_path / "junk.jpg"
    junk.write_bytes(b"this is not a jpeg")
    with pytest.raises(ImageError, match="cannot decode"):
        mobilenet.infer(junk)


def test_batch_error_names_the_image(mobilenet, photos):
    with pytest.raises(ImageError, match="image 1 of the batch"):
        mobilenet.infer_batch([photos["chelsea"], np.zeros((4, 4, 7), np.uint8)])


def test_weights_come_from_the_nudity_package_file_without_importing_it():
    from p5knn.features._weights import graph_path

    spec = importlib.util.find_spec("nudity")
    assert graph_path().parent.parent == __import__("pathlib").Path(spec.origin).parent
