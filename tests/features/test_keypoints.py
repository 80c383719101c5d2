"""Hands, body and face keypoints as feature extractors (issue 12), through the public API:
``p5knn.feature_extractor("hands" | "pose" | "face")`` and ``p5knn.knn_classifier.create``.

Photos: Debian opencv-doc's ``right04.jpg`` (a clear right hand), ``messi5.jpg`` and
``basketball1.png`` (bodies), scikit-image's ``astronaut()`` (a face); tests skip when missing.
"""

from __future__ import annotations

import threading
from pathlib import Path

import cv2
import numpy as np
import pytest

import p5knn
from p5knn import FeatureSizeError
from p5knn.features import Face, Hand, KeypointExtractor, Pose

OPENCV_DATA = Path("/usr/share/doc/opencv-doc/examples/data")
SIZES = {"hands": 129, "pose": 134, "face": 1406}
KINDS = tuple(SIZES)


def photo(name: str) -> np.ndarray:
    if name == "astronaut":
        data = pytest.importorskip("skimage.data")
        return np.ascontiguousarray(data.astronaut())
    path = OPENCV_DATA / name
    if not path.exists():
        pytest.skip(f"{path} missing (install Debian's opencv-doc)")
    return cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)


PHOTOS = {"hands": "right04.jpg", "pose": "messi5.jpg", "face": "astronaut"}


def warp(image: np.ndarray, scale: float = 1.0, dx: float = 0.0, dy: float = 0.0,
         degrees: float = 0.0) -> np.ndarray:
    """The image moved by (dx, dy) pixels and scaled/rotated about its centre, same size."""
    height, width = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, scale)
    matrix[:, 2] += (dx, dy)
    return cv2.warpAffine(image, matrix, (width, height), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REPLICATE)


def frames(image: np.ndarray, count: int = 30) -> list[np.ndarray]:
    """A short "video": the photo drifting 2 px right, 1 px down and 0.4 % larger per frame."""
    return [warp(image, 1.0 + 0.004 * i, 2 * i - 30, i - 15) for i in range(count)]


@pytest.fixture(scope="module")
def extractors() -> dict[str, KeypointExtractor]:
    made = {kind: p5knn.feature_extractor(kind) for kind in KINDS}
    yield made
    for ex in made.values():
        ex.close()


# ------------------------------------------------------------------ the extractor itself
def test_feature_extractor_makes_keypoint_extractors(extractors) -> None:
    for kind, ex in extractors.items():
        assert isinstance(ex, KeypointExtractor)
        assert ex.name == kind and ex.feature_size == SIZES[kind]
        assert ex.class_names is None and ex.tracking == "auto" and ex.mirror is False
    assert p5knn.feature_extractor("HANDS").name == "hands"
    with pytest.raises(TypeError, match="tracking"):
        p5knn.feature_extractor("mobilenet", tracking=True)
    with pytest.raises(ValueError):
        p5knn.feature_extractor("hands", layer="x")
    with pytest.raises(ValueError):
        KeypointExtractor("feet")
    with pytest.raises(ValueError, match="tracking"):
        KeypointExtractor("hands", tracking="yes")


@pytest.mark.parametrize("kind", KINDS)
def test_detect_finds_the_photo_subject(extractors, kind: str) -> None:
    found = extractors[kind].detect(photo(PHOTOS[kind]))
    assert len(found) >= 1
    kind_type, count = {"hands": (Hand, 21), "pose": (Pose, 33), "face": (Face, 468)}[kind]
    assert isinstance(found[0], kind_type) and found[0].landmarks.shape == (count, 3)
    if kind == "hands":
        assert found[0].handedness == "Right"


@pytest.mark.parametrize("kind", KINDS)
def test_nobody_gives_a_fixed_length_finite_nonzero_vector(extractors, kind: str) -> None:
    ex = extractors[kind]
    for empty in (np.zeros((120, 160, 3), np.uint8), np.full((50, 300, 3), 200, np.uint8)):
        assert ex.detect(empty) == []
        vec = ex.infer(empty)
        assert vec.dtype == np.float32 and vec.shape == (SIZES[kind],)
        assert np.isfinite(vec).all()
        expected = np.zeros(SIZES[kind], np.float32)
        expected[-1] = 1.0                  # the bias entry: cosine still has a direction
        np.testing.assert_array_equal(vec, expected)


@pytest.mark.parametrize("kind", KINDS)
def test_vector_layout_presence_and_bias(extractors, kind: str) -> None:
    vec = extractors[kind].infer(photo(PHOTOS[kind]))
    assert vec.shape == (SIZES[kind],) and np.isfinite(vec).all() and vec[-1] == 1.0
    if kind == "hands":                     # slot 0 ("Right") present, slot 1 empty
        assert vec[63] == 1.0 and not vec[64:128].any()
        np.testing.assert_allclose(vec[0:3], 0.0, atol=1e-6)           # the wrist is the origin
        assert np.linalg.norm(vec[27:30]) == pytest.approx(1.0, abs=1e-4)  # middle knuckle
    elif kind == "pose":
        assert vec[-2] == 1.0 and ((0 <= vec[99:132]) & (vec[99:132] <= 1)).all()
        coords = vec[:99].reshape(33, 3)
        np.testing.assert_allclose((coords[23, :2] + coords[24, :2]) / 2, 0.0, atol=1e-5)
        torso = np.linalg.norm((coords[11, :2] + coords[12, :2]) / 2)
        assert torso == pytest.approx(1.0, abs=1e-4)
    else:
        assert vec[-2] == 1.0
        coords = vec[:-2].reshape(468, 3)
        np.testing.assert_allclose(coords.mean(axis=0), 0.0, atol=1e-4)
        rms = np.sqrt((coords[:, :2] ** 2).sum(axis=1).mean())
        assert rms == pytest.approx(1.0, abs=1e-4)


def test_every_image_kind_is_accepted(extractors) -> None:
    from PIL import Image

    rgb = photo("right04.jpg")
    ex = extractors["hands"]
    reference = ex.infer(rgb)
    bgr = np.ascontiguousarray(rgb[:, :, ::-1])
    for image, bands in ((OPENCV_DATA / "right04.jpg", "RGB"), (str(OPENCV_DATA / "right04.jpg"),
                         "RGB"), (Image.fromarray(rgb), "RGB"), (bgr, "BGR")):
        np.testing.assert_allclose(ex.infer(image, bands), reference, atol=1e-4)
    assert ex.infer(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)).shape == (129,)
    assert ex.infer(rgb, crop="center").shape == (129,)
    with pytest.raises(p5knn.ImageError):
        ex.infer(rgb, crop="middle")


@pytest.mark.parametrize("kind", KINDS)
def test_vectors_are_translation_and_scale_invariant(extractors, kind: str) -> None:
    ex = extractors[kind]
    image = photo(PHOTOS[kind])
    height, width = image.shape[:2]
    coords = slice(0, {"hands": 63, "pose": 99, "face": 1404}[kind])
    base = ex.infer(image)[coords]
    tilted = ex.infer(warp(image, degrees=35))[coords]   # rotation is kept: a real change
    moved = [warp(image, dx=width * 0.05, dy=-height * 0.04),
             cv2.resize(image, (width * 7 // 10, height * 7 // 10), interpolation=cv2.INTER_AREA),
             cv2.resize(image, (width * 3 // 2, height * 3 // 2)),
             cv2.copyMakeBorder(image, 40, 0, 90, 0, cv2.BORDER_CONSTANT)]
    for other in moved:
        vec = ex.infer(other)[coords]
        assert np.linalg.norm(vec - base) < 0.5 * np.linalg.norm(tilted - base)
        moves = np.linalg.norm((vec - base).reshape(-1, 3)[:, :2], axis=1)
        assert np.median(moves) < 0.08        # in units of the normalising size


def test_mirror_flips_handedness_slots() -> None:
    rgb = photo("right04.jpg")
    plain = p5knn.feature_extractor("hands")
    mirrored = p5knn.feature_extractor("hands", mirror=True)
    assert mirrored.mirror is True
    assert [h.handedness for h in plain.detect(rgb)] == ["Right"]
    assert [h.handedness for h in mirrored.detect(rgb)] == ["Left"]
    vec = mirrored.infer(rgb)
    assert vec[63] == 0.0 and vec[127] == 1.0            # slot 1: "Left"
    # mirror=True on the photo sees what mirror=False sees on the flipped photo
    np.testing.assert_allclose(vec, plain.infer(cv2.flip(rgb, 1)), atol=1e-4)
    width = rgb.shape[1]
    x_plain = plain.detect(rgb)[0].landmarks[0, 0]
    x_mirror = mirrored.detect(rgb)[0].landmarks[0, 0]
    assert abs((width - 1 - x_plain) - x_mirror) < 0.02 * width


# ------------------------------------------------------------------------------ tracking
@pytest.mark.parametrize("kind", KINDS)
def test_tracking_runs_the_detector_less_and_agrees(kind: str) -> None:
    video = frames(photo(PHOTOS[kind]))
    tracked = p5knn.feature_extractor(kind, tracking=True)
    still = p5knn.feature_extractor(kind)
    for frame in video:
        a, b = tracked.detect(frame), still.detect(frame)
        assert len(a) == len(b) == 1
        ref = b[0].landmarks[:, :2]
        size = float((ref.max(axis=0) - ref.min(axis=0)).max())
        error = np.linalg.norm(a[0].landmarks[:, :2] - ref, axis=1) / size
        # the landmark model answers a little differently in the tracked region (MediaPipe's
        # own video mode does too): on average within 5 % of the size, each point within 20 %
        assert error.mean() < 0.05 and error.max() < 0.2
    assert still.detector_runs == len(video)
    # hands: 2 allowed, 1 tracked → a detector run every redetect_every (10) frames
    assert tracked.detector_runs == (3 if kind == "hands" else 1)


def test_tracking_lost_and_new_stream_run_the_detector() -> None:
    rgb = photo("right04.jpg")
    ex = p5knn.feature_extractor("hands", tracking=True, num_hands=1)
    ex.detect(rgb)
    ex.detect(rgb)
    assert ex.detector_runs == 1                           # one hand of one: tracking only
    assert ex.detect(np.zeros_like(rgb)) == []             # lost: the detector looks again
    assert ex.detector_runs == 2
    assert len(ex.detect(rgb)) == 1 and ex.detector_runs == 3
    ex.detect(cv2.resize(rgb, (320, 240)))                 # another size: a new stream
    assert ex.detector_runs == 4
    ex.reset_tracking()
    ex.detect(cv2.resize(rgb, (320, 240)))
    assert ex.detector_runs == 5
    for _ in range(3):                                     # still images always detect
        ex.detect(OPENCV_DATA / "right04.jpg")
    assert ex.detector_runs == 8


class Frames:
    """``read() -> (True, BGR frame)`` going through a list of RGB frames in a loop."""

    def __init__(self, video: list[np.ndarray]) -> None:
        self.video, self.count = [cv2.cvtColor(f, cv2.COLOR_RGB2BGR) for f in video], 0

    def read(self) -> tuple[bool, np.ndarray]:
        self.count += 1
        return True, self.video[(self.count - 1) % len(self.video)]

    def __call__(self) -> np.ndarray:   # a function source for classify_start (BGR)
        return self.read()[1]


def test_auto_tracking_follows_cameras_and_leaves_arrays_alone() -> None:
    video = frames(photo("right04.jpg"), 12)
    ex = p5knn.feature_extractor("hands", num_hands=1)      # tracking="auto"
    assert ex.last_found == []
    for frame in video:                                      # arrays: still images
        assert len(ex.detect(frame)) == 1
    assert ex.last_found[0].handedness == "Right"
    ex.infer(np.zeros((64, 64, 3), np.uint8))
    assert ex.last_found == []                               # what the latest call found
    assert ex.detector_runs == len(video) + 1
    a = p5knn.Camera(source=Frames(video), fps=200, quiet=True)
    b = p5knn.Camera(source=Frames(video[::-1]), fps=200, quiet=True)
    try:
        for _ in range(8):                                   # two streams, tracked apart
            for cam in (a, b):
                cam.wait_for_frame(timeout=5)
                assert len(ex.detect(cam)) == 1
        assert ex.detector_runs == len(video) + 3            # one detection per stream
        ex.reset_tracking()
        ex.detect(a)
        assert ex.detector_runs == len(video) + 4
        knn = p5knn.knn_classifier.create(ex, metric="euclidean", k=1)
        runs = ex.detector_runs
        for _ in range(5):                                   # background adds of camera frames
            a.wait_for_frame(timeout=5)
            knn.add_example(a, "hand", wait=False).result(30)
        assert len(knn) == 5 and ex.detector_runs == runs    # still tracking stream a
        knn.close()
    finally:
        a.close()
        b.close()
        ex.close()


def test_classify_start_tracks_and_tracking_false_never_does() -> None:
    rgb = photo("right04.jpg")
    for tracking, expected in (("auto", lambda runs, n: runs <= 2), (False, lambda runs, n:
                                                                     runs == n)):
        ex = p5knn.feature_extractor("hands", num_hands=1, tracking=tracking)
        knn = p5knn.knn_classifier.create(ex, metric="euclidean", k=1, callbacks="worker")
        knn.add_example(rgb, "hand")
        knn.add_example(np.zeros((64, 64, 3), np.uint8), "nobody")
        runs = ex.detector_runs
        labels: list[str] = []
        enough = threading.Event()

        def got(result) -> None:
            labels.append(result.label)
            if len(labels) >= 12:
                enough.set()

        knn.classify_start(Frames(frames(rgb, 20)), got, bands="BGR")
        try:
            assert enough.wait(60)
        finally:
            knn.classify_stop()
        assert set(labels) == {"hand"}
        assert expected(ex.detector_runs - runs, len(labels)), (tracking, ex.detector_runs - runs)
        knn.close()
        ex.close()


# ----------------------------------------------------------------------------- KNN, e2e
def test_knn_on_hands_end_to_end(tmp_path) -> None:
    rgb = photo("right04.jpg")
    knn = p5knn.knn_classifier.create("hands", metric="euclidean", k=1)
    knn.add_example(rgb, "right")
    knn.add_example(cv2.flip(rgb, 1), "left")
    knn.add_example(np.zeros((100, 100, 3), np.uint8), "nobody")
    assert knn.model == "hands" and knn.feature_size == 129
    assert knn.predict_class(warp(rgb, 0.9, 30, -10)).label == "right"
    assert knn.predict_class(cv2.flip(warp(rgb, 1.1, -20, 5), 1)).label == "left"
    assert knn.predict_class(np.full((80, 80, 3), 90, np.uint8)).label == "nobody"

    done = threading.Event()
    got: list[str] = []
    future = knn.predict_class(cv2.flip(rgb, 1), callback=lambda r: (got.append(r.label),
                                                                     done.set()))
    assert done.wait(30) and got == ["left"] and future.result().label == "left"
    knn.add_example(warp(rgb, 0.95), "right", callback=lambda index: None).result(30)
    assert len(knn) == 4

    path = knn.save(tmp_path / "hands.p5knn")
    again = p5knn.knn_classifier.load(path, "hands")
    assert again.model == "hands" and again.predict_class(rgb).label == "right"
    plain = p5knn.knn_classifier.load(path)   # the recorded model brings the extractor back
    assert plain.extractor.name == "hands" and plain.predict_class(rgb).label == "right"
    with pytest.raises(FeatureSizeError):      # MobileNet's images never mix with keypoints
        p5knn.knn_classifier.load(path, "mobilenet").add_example(rgb, "right")
    mobilenet_knn = p5knn.knn_classifier.create(k=1)
    mobilenet_knn.add_example(np.random.default_rng(0).random(1024, np.float32), "x")
    with pytest.raises(FeatureSizeError):
        mobilenet_knn.add_example(knn.extractor.infer(rgb), "y")
    for each in (knn, again, plain, mobilenet_knn):
        each.close()
    knn.extractor.close()


def test_knn_on_pose_and_face_with_cosine_too() -> None:
    messi, ball = photo("messi5.jpg"), photo("basketball1.png")
    pose = p5knn.knn_classifier.create("pose", metric="euclidean", k=1)
    pose.add_example(messi, "messi")
    pose.add_example(ball, "basketball")
    assert pose.model == "pose"
    assert pose.predict_class(warp(messi, 0.9, 20, 10)).label == "messi"
    assert pose.predict_class(warp(ball, 1.1, -15, 0)).label == "basketball"

    face = photo("astronaut")
    faces = p5knn.knn_classifier.create("face", k=1)            # cosine: the default metric
    faces.add_example(face, "upright")
    faces.add_example(warp(face, degrees=25), "tilted")
    faces.add_example(np.zeros((64, 64, 3), np.uint8), "nobody")  # fine with cosine (bias)
    assert faces.model == "face" and faces.feature_size == 1406
    assert faces.predict_class(warp(face, 0.85, 15, 10)).label == "upright"
    assert faces.predict_class(warp(face, 0.9, -10, 0, degrees=22)).label == "tilted"
    assert faces.predict_class(np.zeros((90, 90, 3), np.uint8)).label == "nobody"
    for each in (pose, faces):
        each.close()
        each.extractor.close()


def test_close_stops_the_worker_and_a_later_call_restarts_it() -> None:
    ex = p5knn.feature_extractor("face")
    knn = p5knn.knn_classifier.create(ex, metric="euclidean")
    knn.add_example(photo("astronaut"), "a", wait=False).result(30)
    assert ex.worker.is_alive
    ex.close()
    assert not ex.worker.is_alive
    knn.add_example(photo("astronaut"), "a", wait=False).result(30)
    assert len(knn) == 2
    ex.close()
    knn.close()
