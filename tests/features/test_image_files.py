"""Image files read as if hostile: the pixel limit judged from the header before decoding,
decoder failures as ImageErrors naming the file, 16-bit files, folders, missing files, and a
property-based fuzz of damaged and random files."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from p5knn import ImageError
from p5knn.features import image_file_size, max_pixels, read_image_file

FUZZ = settings(max_examples=100, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def one_colour_png(path: Path, width: int, height: int, grey: int = 0) -> Path:
    """A valid 8-bit grey PNG of one colour, written row block by row block (small memory)."""
    deflate = zlib.compressobj(9)
    rows = (bytes([0]) + bytes([grey]) * width) * 64
    parts = []
    for start in range(0, height, 64):
        parts.append(deflate.compress(rows if start + 64 <= height else
                                      rows[:(height - start) * (width + 1)]))
    parts.append(deflate.flush())
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr)
                     + _chunk(b"IDAT", b"".join(parts)) + _chunk(b"IEND", b""))
    return path


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose IHDR (with a valid CRC) claims ``width``×``height`` and holds almost nothing."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr)
            + _chunk(b"IDAT", zlib.compress(b"\x00" * 16)) + _chunk(b"IEND", b""))


@pytest.fixture
def no_decoding(monkeypatch):
    """Make any call of OpenCV's decoder fail the test."""
    def forbidden(*args, **kwargs):
        raise AssertionError("the image was decoded although it is over the pixel limit")

    monkeypatch.setattr(cv2, "imdecode", forbidden)
    monkeypatch.setattr(cv2, "imread", forbidden)


@pytest.fixture(scope="module")
def bomb(tmp_path_factory) -> Path:
    """15000×15000 one-colour pixels (225 MP) in a PNG of well under 1 MB."""
    path = one_colour_png(tmp_path_factory.mktemp("bomb") / "bomb.png", 15000, 15000)
    assert path.stat().st_size < 1_000_000
    return path


# ---------------------------------------------------------------- pixel limit
def test_pil_decompression_bomb_is_refused_before_decoding(bomb, no_decoding, mobilenet):
    with pytest.raises(ImageError, match="15000×15000"):
        mobilenet.infer(bomb)
    with pytest.raises(ImageError, match="15000×15000"):
        read_image_file(str(bomb))
    assert image_file_size(bomb) == (15000, 15000)


def test_pixel_limit_ignores_pils_own_setting(tmp_path, monkeypatch, no_decoding):
    path = one_colour_png(tmp_path / "small.png", 200, 150)
    monkeypatch.setenv("P5KNN_MAX_PIXELS", "10000")  # read at each call, not only at import
    for pil_limit in (None, 10):
        monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", pil_limit)
        with pytest.raises(ImageError, match="200×150"):
            read_image_file(path)


def test_pils_setting_does_not_refuse_normal_images(tmp_path, monkeypatch):
    path = one_colour_png(tmp_path / "small.png", 200, 150, grey=90)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 10)
    assert (read_image_file(path) == 90).all()


def test_bad_pixel_limit_setting_warns_and_uses_the_default(monkeypatch):
    monkeypatch.setenv("P5KNN_MAX_PIXELS", "lots")
    with pytest.warns(RuntimeWarning, match="P5KNN_MAX_PIXELS"):
        assert max_pixels() == 60_000_000


# ---------------------------------------------------------------- decoder errors
def test_header_opencv_refuses_is_an_image_error(tmp_path, monkeypatch):
    path = tmp_path / "huge.png"
    path.write_bytes(png_header_only(100_000, 100_000))
    monkeypatch.setenv("P5KNN_MAX_PIXELS", str(10**12))  # let it reach OpenCV's own limit
    with pytest.raises(ImageError, match="huge.png"):
        read_image_file(path)


@pytest.mark.parametrize("fmt, offset, value", [("bmp", 20, 255), ("bmp", 24, 255),
                                                ("tiff", 21, 255), ("tiff", 32, 255)])
def test_corrupt_size_fields_are_image_errors(tmp_path, mobilenet, fmt, offset, value):
    buffer = io.BytesIO()
    Image.fromarray(np.full((24, 32, 3), 99, np.uint8)).save(buffer, format=fmt)
    data = bytearray(buffer.getvalue())
    data[offset] = value
    path = tmp_path / f"bad.{fmt}"
    path.write_bytes(bytes(data))
    with pytest.raises(ImageError, match=f"bad.{fmt}"):
        mobilenet.infer(path)


@pytest.mark.parametrize("content", [b"", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0" + bytes(30),
                                     b"GIF89a" + bytes(4), b"BM" + bytes(60)])
def test_truncated_files_are_image_errors(tmp_path, content):
    path = tmp_path / "cut.png"
    path.write_bytes(content)
    with pytest.raises(ImageError, match="cut.png"):
        read_image_file(path)


def test_missing_and_corrupt_image_files(mobilenet, tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere.png"):
        mobilenet.infer(tmp_path / "nowhere.png")
    junk = tmp_path / "junk.jpg"
    junk.write_bytes(b"this is not a jpeg")
    with pytest.raises(ImageError, match="cannot decode"):
        mobilenet.infer(junk)


def test_directory_is_not_reported_as_missing(mobilenet, tmp_path):
    folder = tmp_path / "photo.png"
    folder.mkdir()
    with pytest.raises(ImageError, match="directory"):
        mobilenet.infer(folder)
    with pytest.raises(FileNotFoundError, match="nowhere.png"):
        mobilenet.infer(tmp_path / "nowhere.png")


# ---------------------------------------------------------------- 16 bits, NaN
def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))


def test_16bit_png_matches_8bit_png(mobilenet, photos, tmp_path):
    bgr = np.ascontiguousarray(photos["chelsea"][:, :, ::-1])
    cv2.imwrite(str(tmp_path / "8.png"), bgr)
    cv2.imwrite(str(tmp_path / "16.png"), bgr.astype(np.uint16) * 257)
    assert cv2.imread(str(tmp_path / "16.png"), cv2.IMREAD_UNCHANGED).dtype == np.uint16
    np.testing.assert_array_equal(read_image_file(tmp_path / "16.png"), photos["chelsea"])
    assert cosine(mobilenet.infer(tmp_path / "16.png"), mobilenet.infer(tmp_path / "8.png")) > 0.999


def test_nan_float_tiff_is_refused(mobilenet, tmp_path):
    path = tmp_path / "nan.tiff"
    cv2.imwrite(str(path), np.full((9, 9, 3), np.nan, np.float32))
    with pytest.raises(ImageError, match="nan.tiff.*NaN"):
        mobilenet.infer(path)


# ---------------------------------------------------------------- fuzzed files
def _sample_files() -> dict[str, bytes]:
    rng = np.random.default_rng(0)
    picture = (rng.random((24, 32, 3)) * 255).astype(np.uint8)
    out = {}
    for fmt, suffix in (("PNG", ".png"), ("JPEG", ".jpg")):
        buffer = io.BytesIO()
        Image.fromarray(picture).save(buffer, format=fmt)
        out[suffix] = buffer.getvalue()
    return out


SAMPLES = _sample_files()
SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".webp", ".txt")


@st.composite
def mutated_image_files(draw) -> tuple[str, bytes]:
    suffix = draw(st.sampled_from(sorted(SAMPLES)))
    data = bytearray(SAMPLES[suffix])
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "truncate", "header", "splice"]))
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        if kind == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "truncate":
            del data[at:]
        elif kind == "header":  # a size/depth/type field in the first bytes set to an extreme
            at = draw(st.integers(0, min(40, len(data) - 1)))
            data[at:at + 4] = draw(st.sampled_from([b"\x00\x00\x00\x00", b"\xff\xff\xff\xff",
                                                    b"\x7f\xff\xff\xff", b"\x00\x01\x00\x00"]))
        else:
            data[at:at] = draw(st.binary(min_size=1, max_size=64))
    return suffix, bytes(data)


def _infer_file_or_image_error(extractor, path: Path) -> None:
    try:
        vector = extractor.infer(path)
    except ImageError as exc:
        assert path.name in str(exc)
        return
    assert vector.shape == (1024,) and np.isfinite(vector).all()


@FUZZ
@given(case=mutated_image_files())
def test_fuzz_mutated_png_and_jpeg_files(mobilenet, tmp_path_factory, case):
    suffix, data = case
    path = tmp_path_factory.getbasetemp() / f"fuzz{suffix}"
    path.write_bytes(data)
    _infer_file_or_image_error(mobilenet, path)


@FUZZ
@given(data=st.binary(max_size=2048), suffix=st.sampled_from(SUFFIXES),
       magic=st.sampled_from([b"", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF89a", b"BM",
                              b"II*\x00", b"RIFF\x00\x00\x00\x00WEBPVP8 "]))
def test_fuzz_random_bytes(mobilenet, tmp_path_factory, data, suffix, magic):
    path = tmp_path_factory.getbasetemp() / f"random{suffix}"
    path.write_bytes(magic + data)
    _infer_file_or_image_error(mobilenet, path)
