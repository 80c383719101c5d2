"""Hand keypoints against Google MediaPipe 0.10.21's own on real photos.

References: ``data/mediapipe_reference.json`` (messi5, basketball1/2) and
``data/mediapipe_reference_hands.json`` (opencv-doc's right04.jpg and transformed copies of it
and of messi5, keyed ``"NAME|SPEC"``), both made by ``scripts/mediapipe_reference.py`` in a
throwaway venv with mediapipe (``--hands-only --transform SPEC``). :func:`transform` below
repeats that script's transforms.
"""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from p5knn.features import Hand, HandDetector
from p5knn.features._hands import hand_roi  # unit tests of the internal geometry below
from p5knn.features._keypoint_geometry import (
    Detections,
    RotatedRect,
    box_iou,
    ssd_anchor_centres,
    transform_rect,
    weighted_nms,
)

OPENCV_DATA = Path("/usr/share/doc/opencv-doc/examples/data")
DATA = Path(__file__).parent / "data"
TOLERANCE = 0.05  # of the hand's size: the larger side of the reference landmarks' box


def transform(image: np.ndarray, spec: str) -> np.ndarray:
    kind, _, arg = spec.partition("=")
    if kind == "mirror":
        return cv2.flip(image, 1)
    rotations = {"rot90": cv2.ROTATE_90_CLOCKWISE, "rot180": cv2.ROTATE_180,
                 "rot270": cv2.ROTATE_90_COUNTERCLOCKWISE}
    if kind in rotations:
        return cv2.rotate(image, rotations[kind])
    if kind == "scale":
        f = float(arg)
        height, width = image.shape[:2]
        return cv2.resize(image, (max(1, round(width * f)), max(1, round(height * f))),
                          interpolation=cv2.INTER_AREA if f < 1 else cv2.INTER_LINEAR)
    numbers = [int(v) for v in arg.split(",")]
    if kind in ("crop", "pair"):
        x0, y0, x1, y1 = numbers
        part = np.ascontiguousarray(image[y0:y1, x0:x1])
        return part if kind == "crop" else np.hstack([part, cv2.flip(part, 1)])
    assert kind == "pad"
    top, bottom, left, right = numbers
    return cv2.copyMakeBorder(image, top, bottom, left, right, cv2.BORDER_CONSTANT,
                              value=(0, 0, 0))


def references() -> dict:
    out = dict(json.loads((DATA / "mediapipe_reference_hands.json").read_text())["images"])
    base = json.loads((DATA / "mediapipe_reference.json").read_text())["images"]
    out.update({k: v for k, v in base.items() if k != "astronaut.png"})
    return out


REFERENCES = references()


def image_for(key: str) -> np.ndarray:
    entry = REFERENCES[key]
    path = OPENCV_DATA / entry.get("source", key)
    if not path.exists():
        pytest.skip(f"{path} missing (install Debian's opencv-doc)")
    rgb = cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)
    if "transform" in entry:
        rgb = transform(rgb, entry["transform"])
    assert rgb.shape[:2] == (entry["height"], entry["width"])
    return np.ascontiguousarray(rgb)


@pytest.fixture(scope="module")
def detector() -> HandDetector:
    return HandDetector(num_hands=2)


def worst_error(found: list[Hand], reference: dict) -> float:
    """Max landmark distance (x, y) over the hand's size, for the nearest found hand."""
    ref = np.array(reference["landmarks"], np.float64)
    size = float((ref[:, :2].max(0) - ref[:, :2].min(0)).max())
    errors = [float(np.linalg.norm(h.landmarks[:, :2] - ref[:, :2], axis=1).max()) / size
              for h in found]
    return min(errors) if errors else float("inf")


def check_agreement(detector: HandDetector, key: str) -> list[Hand]:
    entry = REFERENCES[key]
    found = detector.detect(image_for(key))
    assert len(found) == len(entry["hands"]), key
    for reference in entry["hands"]:
        assert worst_error(found, reference) <= TOLERANCE, key
        ref = np.array(reference["landmarks"])
        size = float((ref[:, :2].max(0) - ref[:, :2].min(0)).max())
        best = min(found, key=lambda h: np.abs(h.landmarks[:, :2] - ref[:, :2]).max())
        assert np.abs(best.landmarks[:, 2] - ref[:, 2]).max() <= TOLERANCE * size, key
        # The model's probability of MediaPipe's label agrees with MediaPipe's score; the
        # label itself must match whenever MediaPipe was not near a coin flip.
        p_label = (best.handedness_score if best.handedness == reference["handedness"]
                   else 1.0 - best.handedness_score)
        assert abs(p_label - reference["score"]) <= 0.05, key
        if reference["score"] >= 0.6:
            assert best.handedness == reference["handedness"], key
    return found


FAST = ["messi5.jpg", "right04.jpg", "right04.jpg|mirror", "right04.jpg|rot90",
        "right04.jpg|rot180", "right04.jpg|rot270", "messi5.jpg|crop=280,100,440,230",
        "messi5.jpg|scale=0.75", "messi5.jpg|mirror", "messi5.jpg|rot90",
        "messi5.jpg|rot270", "messi5.jpg|pad=200,200,0,0", "right04.jpg|scale=0.25",
        "right04.jpg|crop=330,130,580,420", "right04.jpg|pair=340,150,560,400",
        "basketball1.png", "basketball2.png"]
HUGE = ["messi5.jpg|scale=2.5", "messi5.jpg|scale=7.3", "right04.jpg|scale=6.25"]


def test_every_reference_is_tested() -> None:
    assert sorted(FAST + HUGE) == sorted(REFERENCES)


@pytest.mark.parametrize("key", FAST)
def test_agrees_with_mediapipe(detector: HandDetector, key: str) -> None:
    check_agreement(detector, key)


@pytest.mark.parametrize("key", HUGE)
def test_agrees_with_mediapipe_on_big_images(detector: HandDetector, key: str) -> None:
    found = check_agreement(detector, key)
    assert found and found[0].landmarks[:, 0].max() > 900  # pixels of the big image


def test_messi_hand_found_at_the_default_threshold(detector: HandDetector) -> None:
    found = detector.detect(image_for("messi5.jpg"))
    assert len(found) == 1
    hand = found[0]
    assert hand.landmarks.shape == (21, 3) and hand.landmarks.dtype == np.float32
    assert 0.5 <= hand.score <= 1.0
    x0, y0, x1, y1 = hand.box
    assert (x0, y0) == pytest.approx(tuple(hand.landmarks[:, :2].min(0)))
    assert (x1, y1) == pytest.approx(tuple(hand.landmarks[:, :2].max(0)))
    # MediaPipe's handedness here is a coin flip (Left 0.5007); ours is near it too.
    assert 0.5 <= hand.handedness_score < 0.6


def test_mirror_flips_handedness_and_mirrors_landmarks(detector: HandDetector) -> None:
    rgb = image_for("right04.jpg")
    plain, mirrored = detector.detect(rgb), detector.detect(np.ascontiguousarray(rgb[:, ::-1]))
    assert len(plain) == len(mirrored) == 1
    assert {plain[0].handedness, mirrored[0].handedness} == {"Left", "Right"}
    back = mirrored[0].landmarks.copy()
    back[:, 0] = rgb.shape[1] - back[:, 0]
    size = float(np.ptp(plain[0].landmarks[:, :2], axis=0).max())
    # The landmark model is not mirror-symmetric: MediaPipe's own landmarks on right04 and on
    # its mirror image differ by 12.5 % of the hand's size (the thumb), ours by 10.8 %. Each
    # agrees with MediaPipe's on the same image within 5 % (test_agrees_with_mediapipe).
    assert np.linalg.norm(back[:, :2] - plain[0].landmarks[:, :2], axis=1).max() < 0.15 * size


def test_rotation_follows_the_image(detector: HandDetector) -> None:
    rgb = image_for("right04.jpg")
    plain = detector.detect(rgb)[0].landmarks
    turned = detector.detect(np.ascontiguousarray(np.rot90(rgb, -1)))[0].landmarks  # clockwise
    height = rgb.shape[0]
    back = np.stack([turned[:, 1], height - turned[:, 0]], axis=1)  # undo the rotation
    size = float(np.ptp(plain[:, :2], axis=0).max())
    assert np.linalg.norm(back - plain[:, :2], axis=1).max() < 0.05 * size


@pytest.mark.parametrize("shape", [(16, 16, 3), (1, 1, 3), (3, 500, 3), (240, 320, 3)])
def test_blank_and_tiny_images_find_nobody(detector: HandDetector, shape: tuple) -> None:
    assert detector.detect(np.zeros(shape, np.uint8)) == []
    assert detector.detect(np.full(shape, 255, np.uint8)) == []


def test_tiny_crop_of_a_hand_runs(detector: HandDetector) -> None:
    rgb = cv2.resize(image_for("right04.jpg")[150:400, 340:560], (16, 16),
                     interpolation=cv2.INTER_AREA)
    found = detector.detect(rgb)
    assert isinstance(found, list)
    for hand in found:
        assert np.isfinite(hand.landmarks).all()


def test_huge_blank_image(detector: HandDetector) -> None:
    assert detector.detect(np.zeros((3000, 4000, 3), np.uint8)) == []


def test_bad_input_is_refused(detector: HandDetector) -> None:
    for bad in (np.zeros((8, 8), np.uint8), np.zeros((8, 8, 4), np.uint8),
                np.zeros((8, 8, 3), np.float32), np.zeros((0, 8, 3), np.uint8)):
        with pytest.raises(ValueError):
            detector.detect(bad)
    with pytest.raises(ValueError):
        HandDetector(num_hands=0)


def test_num_hands_limits_and_order(detector: HandDetector) -> None:
    rgb = image_for("right04.jpg")
    # The hand beside its mirror image: two hands, most confident first, at most num_hands.
    # (MediaPipe has no reference here: it found no hand in the smaller pairs it was given.)
    two = np.ascontiguousarray(np.hstack([rgb[:, 200:], rgb[:, 200:][:, ::-1]]))
    found = detector.detect(two)
    assert len(found) == 2
    assert found[0].score >= found[1].score
    assert {h.handedness for h in found} == {"Left", "Right"}
    assert len(HandDetector(num_hands=1).detect(two)) == 1


# Geometry, against MediaPipe's documented behaviour.

def test_anchors_match_the_palm_detector() -> None:
    anchors = ssd_anchor_centres(192, (8, 16, 16, 16))
    assert anchors.shape == (2016, 2)
    assert anchors[0] == pytest.approx((0.5 / 24, 0.5 / 24))
    assert anchors[1] == pytest.approx((0.5 / 24, 0.5 / 24))  # 2 anchors per cell
    assert anchors[2] == pytest.approx((1.5 / 24, 0.5 / 24))
    assert anchors[1152] == pytest.approx((0.5 / 12, 0.5 / 12))  # 6 per cell at stride 16
    assert anchors[1157] == pytest.approx((0.5 / 12, 0.5 / 12))
    assert anchors[1158] == pytest.approx((1.5 / 12, 0.5 / 12))


def test_weighted_nms_averages_overlaps_and_keeps_the_top_score() -> None:
    boxes = np.array([[0, 0, 1, 1], [0.1, 0, 1.1, 1], [5, 5, 6, 6]], np.float32)
    kps = np.zeros((3, 1, 2), np.float32)
    kps[:, 0, 0] = [0.0, 1.0, 7.0]
    merged = weighted_nms(Detections(boxes, kps, np.array([0.9, 0.3, 0.6], np.float32)), 0.3)
    assert merged.scores.tolist() == pytest.approx([0.9, 0.6])
    assert merged.boxes[0, 0] == pytest.approx(0.3 * 0.1 / 1.2)
    assert merged.keypoints[0, 0, 0] == pytest.approx(0.3 / 1.2)
    assert box_iou(np.array([0, 0, 2, 2.]), np.array([[1, 1, 3, 3.]]))[0] == pytest.approx(1 / 7)


def test_hand_roi_turns_wrist_to_knuckle_upright() -> None:
    keypoints = np.zeros((7, 2), np.float32)
    keypoints[0] = (0.5, 0.6)  # wrist below the knuckle: already upright
    keypoints[2] = (0.5, 0.4)
    roi = hand_roi(np.array([0.4, 0.4, 0.6, 0.6]), keypoints, 100, 100)
    assert roi.rotation == pytest.approx(0.0)
    assert (roi.cx, roi.cy, roi.width) == pytest.approx((50, 40, 52))
    keypoints[0], keypoints[2] = (0.4, 0.5), (0.6, 0.5)  # pointing right: turn by 90°
    roi = hand_roi(np.array([0.4, 0.4, 0.6, 0.6]), keypoints, 100, 100)
    assert roi.rotation == pytest.approx(np.pi / 2)
    assert (roi.cx, roi.cy) == pytest.approx((60, 50))  # shifted along the hand, not up
    wide = transform_rect(RotatedRect(0, 0, 10, 20, 0.0), 2.6, square_long=True)
    assert (wide.width, wide.height) == pytest.approx((52, 52))
