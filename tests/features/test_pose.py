"""Body keypoints against Google MediaPipe 0.10.21's own on real photos.

References: ``data/mediapipe_reference.json`` (messi5, basketball1/2, astronaut) and
``data/mediapipe_reference_pose.json`` (transformed copies of those four, keyed
``"NAME|SPEC"``, and five opencv-doc photos with nobody in them), made by
``scripts/mediapipe_reference.py --pose-only`` in a throwaway venv with mediapipe (legacy
``mp.solutions.pose``, static image mode, ``model_complexity=1``). The astronaut comes from
scikit-image's ``astronaut()``; the others from Debian's opencv-doc.
"""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from p5knn.features._keypoint_geometry import RotatedRect, ssd_anchor_centres
from p5knn.features import Pose, PoseDetector
from p5knn.features._pose import LANDMARK_NAMES, pose_roi  # internal geometry unit tests
from p5knn.features._pose_geometry import alignment_rect, refine_from_heatmap

from .test_hands import transform

OPENCV_DATA = Path("/usr/share/doc/opencv-doc/examples/data")
DATA = Path(__file__).parent / "data"
TOLERANCE = 0.05  # of the body's size: the larger side of the reference landmarks' box
VISIBILITY_TOLERANCE = 0.1


def references() -> dict:
    out = dict(json.loads((DATA / "mediapipe_reference_pose.json").read_text())["images"])
    base = json.loads((DATA / "mediapipe_reference.json").read_text())["images"]
    out.update({k: {"width": v["width"], "height": v["height"], "pose": v["pose"]}
                for k, v in base.items()})
    return out


REFERENCES = references()
BODIES = sorted(k for k, v in REFERENCES.items() if v["pose"] is not None)
NOBODY = sorted(k for k, v in REFERENCES.items() if v["pose"] is None)


def source_image(name: str) -> np.ndarray:
    if name == "astronaut.png":
        data = pytest.importorskip("skimage.data")
        return np.ascontiguousarray(data.astronaut()[:, :, :3])
    path = OPENCV_DATA / name
    if not path.exists():
        pytest.skip(f"{path} missing (install Debian's opencv-doc)")
    return cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)


def image_for(key: str) -> np.ndarray:
    entry = REFERENCES[key]
    rgb = source_image(entry.get("source", key))
    if "transform" in entry:
        rgb = transform(rgb, entry["transform"])
    assert rgb.shape[:2] == (entry["height"], entry["width"])
    return np.ascontiguousarray(rgb)


@pytest.fixture(scope="module")
def detector() -> PoseDetector:
    return PoseDetector()


def errors(pose: Pose, reference: np.ndarray) -> np.ndarray:
    """Landmark distances (x, y) over the body's size."""
    size = float(np.ptp(reference[:, :2], axis=0).max())
    return np.linalg.norm(pose.landmarks[:, :2] - reference[:, :2], axis=1) / size


def test_every_reference_is_tested() -> None:
    assert len(BODIES) == 30 and len(NOBODY) == 7
    assert "messi5.jpg" in BODIES and "fruits.jpg" in NOBODY


#: known misses, left visible rather than hidden by a wider tolerance: the detector's region
#: differs from MediaPipe's by a sub-pixel amount on these two (measured: right foot tip
#: 5.62 % of the body's size; worst visibility 0.1003)
KNOWN = {"messi5.jpg|scale=2.5": "right foot tip 5.62 % of the body's size",
         "basketball2.png|mirror": "worst visibility differs by 0.1003"}
#: known with OpenCV 4 only (p5knn caps OpenCV below 5; 5.0 was within the tolerance): the
#: region crop's bilinear sampling differs a little between the two, and on this mirrored
#: photo with hidden legs that moves the left heel to 5.69 % of the body's size
KNOWN_OPENCV4 = {"basketball1.png|mirror": "left heel 5.69 % of the body's size (OpenCV 4)"}
OPENCV_MAJOR = int(cv2.__version__.split(".")[0])


def _marks(key: str) -> list:
    if key in KNOWN:
        return [pytest.mark.xfail(strict=True, reason=f"known: {KNOWN[key]}")]
    if key in KNOWN_OPENCV4 and OPENCV_MAJOR < 5:
        return [pytest.mark.xfail(strict=True, reason=f"known: {KNOWN_OPENCV4[key]}")]
    return []


@pytest.mark.parametrize("key", [pytest.param(k, marks=_marks(k)) for k in BODIES])
def test_agrees_with_mediapipe(detector: PoseDetector, key: str) -> None:
    reference = np.array(REFERENCES[key]["pose"], np.float64)
    found = detector.detect(image_for(key))
    assert len(found) == 1, key
    pose = found[0]
    # All 33 landmarks, hidden ones included (none needed the visible-only fallback).
    err = errors(pose, reference)
    assert err.max() <= TOLERANCE, (key, LANDMARK_NAMES[int(err.argmax())], float(err.max()))
    vis_err = np.abs(pose.visibility - reference[:, 3])
    assert vis_err.max() <= VISIBILITY_TOLERANCE, (key, float(vis_err.max()))


@pytest.mark.parametrize("key", NOBODY)
def test_nobody_where_mediapipe_finds_nobody(detector: PoseDetector, key: str) -> None:
    assert detector.detect(image_for(key)) == []


def test_pose_fields(detector: PoseDetector) -> None:
    pose = detector.detect(image_for("messi5.jpg"))[0]
    assert pose.landmarks.shape == (33, 3) and pose.landmarks.dtype == np.float32
    assert pose.visibility.shape == (33,) and pose.visibility.dtype == np.float32
    assert 0.5 <= pose.score <= 1.0
    assert ((pose.visibility >= 0) & (pose.visibility <= 1)).all()
    x0, y0, x1, y1 = pose.box
    assert (x0, y0) == pytest.approx(tuple(pose.landmarks[:, :2].min(0)))
    assert (x1, y1) == pytest.approx(tuple(pose.landmarks[:, :2].max(0)))
    with pytest.raises(Exception):
        pose.score = 0.0  # frozen


def swap_sides(landmarks: np.ndarray) -> np.ndarray:
    order = [LANDMARK_NAMES.index(n.replace("left", "@").replace("right", "left")
                                  .replace("@", "right")) for n in LANDMARK_NAMES]
    return landmarks[order]


def test_mirror_mirrors_landmarks_and_keeps_the_persons_sides(detector: PoseDetector) -> None:
    rgb = image_for("basketball1.png")
    plain = detector.detect(rgb)[0].landmarks
    mirrored = detector.detect(np.ascontiguousarray(rgb[:, ::-1]))[0].landmarks.copy()
    mirrored[:, 0] = rgb.shape[1] - mirrored[:, 0]
    size = float(np.ptp(plain[:, :2], axis=0).max())
    # Mirroring turns the person's left into their right: after swapping the labels back the
    # mirrored pose lies on the plain one. (The model is not mirror-symmetric: MediaPipe's own
    # poses on the two images differ as much; each agrees with MediaPipe on the same image.)
    # Measured: the hidden feet move most: under 10 % of the size with OpenCV 5.0, 10.9 % with
    # 4.14; unswapped sides would put them a hip-width (> 25 %) off.
    back = swap_sides(mirrored)
    assert np.linalg.norm(back[:, :2] - plain[:, :2], axis=1).max() < 0.15 * size


def test_rotation_follows_the_image(detector: PoseDetector) -> None:
    rgb = image_for("basketball2.png")
    plain = detector.detect(rgb)[0].landmarks
    turned = detector.detect(np.ascontiguousarray(np.rot90(rgb, -1)))[0].landmarks  # clockwise
    back = np.stack([turned[:, 1], rgb.shape[0] - turned[:, 0]], axis=1)
    size = float(np.ptp(plain[:, :2], axis=0).max())
    assert np.linalg.norm(back - plain[:, :2], axis=1).max() < 0.05 * size


@pytest.mark.parametrize("shape", [(16, 16, 3), (1, 1, 3), (3, 500, 3), (240, 320, 3)])
def test_blank_and_tiny_images_find_nobody(detector: PoseDetector, shape: tuple) -> None:
    assert detector.detect(np.zeros(shape, np.uint8)) == []
    assert detector.detect(np.full(shape, 255, np.uint8)) == []


@pytest.mark.parametrize("size", [(8, 5), (27, 17)])
def test_tiny_photo_of_a_body_runs(detector: PoseDetector, size: tuple) -> None:
    rgb = cv2.resize(image_for("messi5.jpg"), size, interpolation=cv2.INTER_AREA)
    found = detector.detect(rgb)
    assert isinstance(found, list) and len(found) <= 1
    for pose in found:
        assert np.isfinite(pose.landmarks).all() and np.isfinite(pose.visibility).all()


def test_huge_image(detector: PoseDetector) -> None:
    rgb = image_for("basketball1.png")
    big = cv2.resize(rgb, (4000, 3000), interpolation=cv2.INTER_LINEAR)
    small = detector.detect(rgb)[0].landmarks
    huge = detector.detect(big)[0].landmarks
    scale = np.array([4000 / rgb.shape[1], 3000 / rgb.shape[0]])
    size = float(np.ptp(small[:, :2], axis=0).max())
    assert np.linalg.norm(huge[:, :2] / scale - small[:, :2], axis=1).max() < 0.05 * size
    assert detector.detect(np.zeros((3000, 4000, 3), np.uint8)) == []


def test_bad_input_is_refused(detector: PoseDetector) -> None:
    for bad in (np.zeros((8, 8), np.uint8), np.zeros((8, 8, 4), np.uint8),
                np.zeros((8, 8, 3), np.float32), np.zeros((0, 8, 3), np.uint8)):
        with pytest.raises(ValueError):
            detector.detect(bad)


def test_thresholds(detector: PoseDetector) -> None:
    rgb = image_for("messi5.jpg")
    assert PoseDetector(min_detection_confidence=0.999).detect(rgb) == []
    assert PoseDetector(min_presence=1.01).detect(rgb) == []
    assert detector.landmarks_in(rgb, RotatedRect(10, 10, 0, 0, 0.0)) is None


# Geometry, against MediaPipe's documented behaviour.

def test_anchors_match_the_pose_detector() -> None:
    anchors = ssd_anchor_centres(224, (8, 16, 32, 32, 32))
    assert anchors.shape == (2254, 2)
    assert anchors[1] == pytest.approx((0.5 / 28, 0.5 / 28))
    assert anchors[2] == pytest.approx((1.5 / 28, 0.5 / 28))
    assert anchors[1568] == pytest.approx((0.5 / 14, 0.5 / 14))
    assert anchors[1960] == pytest.approx((0.5 / 7, 0.5 / 7))  # 6 per cell at stride 32
    assert anchors[1965] == pytest.approx((0.5 / 7, 0.5 / 7))
    assert anchors[1966] == pytest.approx((1.5 / 7, 0.5 / 7))


def test_pose_roi_centres_on_the_hips_and_turns_the_body_upright() -> None:
    keypoints = np.zeros((4, 2), np.float32)
    keypoints[0], keypoints[1] = (0.5, 0.6), (0.5, 0.2)  # standing: already upright
    roi = pose_roi(keypoints, 100, 100)
    assert (roi.cx, roi.cy, roi.width, roi.height) == pytest.approx((50, 60, 100, 100))
    assert roi.rotation == pytest.approx(0.0)
    keypoints[1] = (0.9, 0.6)  # lying, head to the right: turn by 90°
    roi = pose_roi(keypoints, 100, 50)
    assert roi.rotation == pytest.approx(np.pi / 2)
    assert roi.width == pytest.approx(2 * 40 * 1.25)
    rect = alignment_rect(np.array([0.5, 0.5]), np.array([0.25, 0.5]), 200, 100)
    assert (rect.width, rect.rotation) == pytest.approx((100, -np.pi / 2))


def test_heatmap_refinement_moves_to_the_weighted_peak() -> None:
    heatmap = np.full((64, 64, 2), -20.0, np.float32)
    heatmap[10, 20, 0] = heatmap[10, 22, 0] = 20.0  # two confident cells: their middle
    points = np.array([[21.5 / 64, 10.2 / 64, 0.3], [0.5, 0.5, 0.0]])
    out = refine_from_heatmap(points, heatmap)
    assert out[0, :2] == pytest.approx((21 / 64, 10 / 64), abs=1e-6)
    assert out[0, 2] == 0.3
    assert out[1].tolist() == points[1].tolist()  # nothing confident near it: unchanged
    outside = refine_from_heatmap(np.array([[1.2, 0.1, 0.0]]), heatmap)
    assert outside[0, 0] == 1.2
