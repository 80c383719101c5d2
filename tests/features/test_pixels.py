"""Pixel arrays: values by dtype (uint16 scaled by 65535, floats 0–1, NaN, complex and
booleans refused), shapes and channel orders, and a property-based fuzz of arrays."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from p5knn import ImageError
from p5knn.features import to_rgb

FUZZ = settings(max_examples=100, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))


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


def test_16bit_arrays_are_scaled_by_65535(mobilenet, photos):
    x = photos["chelsea"]
    wide = x.astype(np.uint16) * 257
    np.testing.assert_array_equal(to_rgb(wide), x)
    np.testing.assert_array_equal(to_rgb(wide.astype(">u2")), x)
    assert cosine(mobilenet.infer(wide), mobilenet.infer(x)) > 0.999
    dark = np.full((8, 8, 3), 255, np.uint16)  # 255 of 65535: nearly black, not white
    assert to_rgb(dark).max() == 1


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("shape", [(9, 9), (9, 9, 1), (9, 9, 3), (9, 9, 4)])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_and_inf_arrays_are_refused(mobilenet, dtype, shape, bad):
    arr = np.full(shape, 0.5, dtype)
    arr.flat[3] = bad
    with pytest.raises(ImageError, match="NaN"):
        mobilenet.infer(arr)
    with pytest.raises(ImageError, match="NaN"):
        mobilenet.infer(np.full(shape, bad, dtype))


@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
def test_complex_arrays_are_refused(mobilenet, dtype):
    with pytest.raises(ImageError, match="complex"):
        mobilenet.infer(np.full((9, 9, 3), 0.5 + 0.5j, dtype))


# ---------------------------------------------------------------- fuzzed arrays
DTYPES = [np.uint8, np.uint16, np.int8, np.int16, np.int32, np.int64, np.uint32, np.uint64,
          np.float16, np.float32, np.float64, np.longdouble, np.bool_, np.complex64,
          np.complex128]


def _obeys_the_rule(arr: np.ndarray) -> bool:
    """True when ``arr`` is a valid image by the documented shape and dtype rules."""
    shape_ok = (arr.ndim == 2 or (arr.ndim == 3 and arr.shape[2] in (1, 3, 4))) \
        and arr.shape[0] > 0 and arr.shape[1] > 0
    kind = arr.dtype.kind
    if not shape_ok or kind in "bc":
        return False
    if kind == "u" and arr.dtype.itemsize <= 2:
        return True
    if kind in "iu":
        return bool(arr.min() >= 0 and arr.max() <= 255)
    return bool(np.isfinite(arr).all() and arr.min() >= -1e-6 and arr.max() <= 1 + 1e-6)


@st.composite
def image_arrays(draw) -> np.ndarray:
    dtype = np.dtype(draw(st.sampled_from(DTYPES)))
    shape = draw(st.one_of(hnp.array_shapes(min_dims=2, max_dims=3, min_side=1, max_side=12)
                           .map(lambda s: s if len(s) == 2 else s[:2] + (s[2] % 5,)),
                           hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=5)))
    if dtype.kind == "f" and draw(st.booleans()):  # mostly-valid floats, sometimes not
        elements = st.floats(0, 1, width=16)
    elif dtype.kind in "iu" and draw(st.booleans()):
        elements = st.integers(0, min(255, int(np.iinfo(dtype).max)))
    else:
        elements = None
    if dtype == np.longdouble:
        base = draw(hnp.arrays(np.float64, shape, elements=elements))
        return base.astype(np.longdouble)
    return draw(hnp.arrays(dtype, shape, elements=elements))


@FUZZ
@given(arr=image_arrays(), bands=st.sampled_from(["RGB", "BGR", "RGBA", "BGRA"]))
def test_fuzz_arrays(mobilenet, arr, bands):
    before = arr.copy()
    valid = _obeys_the_rule(arr)
    try:
        vector = mobilenet.infer(arr, bands=bands)
    except ImageError:
        assert not valid, f"a valid {arr.dtype} {arr.shape} image was refused"
    else:
        assert valid, f"an invalid {arr.dtype} {arr.shape} image was accepted"
        assert vector.shape == (1024,) and np.isfinite(vector).all()
    np.testing.assert_array_equal(arr, before)  # the caller's array is never changed
