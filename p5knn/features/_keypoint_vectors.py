"""Hands, poses and faces as fixed-length feature vectors for KNN (the layouts that
:class:`p5knn.features.KeypointExtractor` documents).

Every vector ends with a constant ``1.0`` (the *bias* entry), so that a frame with nobody in it
is ``[0, …, 0, 1]``, not all zeros: cosine similarity needs a direction. With
``metric="euclidean"`` (recommended for keypoints) the constant adds nothing to distances.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from p5knn._base.errors import ModelError

HAND_SLOTS = ("Right", "Left")   #: slot 0 and slot 1, by MediaPipe's handedness label
HAND_LANDMARKS = 21
POSE_LANDMARKS = 33
FACE_LANDMARKS = 468
HAND_SLOT_SIZE = HAND_LANDMARKS * 3 + 1
FEATURE_SIZES = {
    "hands": len(HAND_SLOTS) * HAND_SLOT_SIZE + 1,         # 129
    "pose": POSE_LANDMARKS * 3 + POSE_LANDMARKS + 1 + 1,   # 134
    "face": FACE_LANDMARKS * 3 + 1 + 1,                    # 1406
}
#: pose z is multiplied by this: BlazePose's depth is rough (on messi5.jpg scaled by 0.8 the
#: feet's normalised z moved by 3 torso sizes while x, y moved by 0.1), so at full weight its
#: noise would outweigh the pose's shape in KNN distances
POSE_Z_WEIGHT = 0.25
MIN_SIZE = 1e-6  #: pixels; a degenerate size is clamped to this (vectors stay finite)


def _normalised(points: np.ndarray, origin: np.ndarray, size: float) -> np.ndarray:
    size = float(size)
    if not np.isfinite(size) or size < MIN_SIZE:
        size = MIN_SIZE
    return ((np.asarray(points, np.float64) - origin) / size).reshape(-1)


def hand_slots(hands: Sequence[object]) -> list[object | None]:
    """The hands in their slots: ``[hand labelled "Right" or None, hand labelled "Left" or
    None]``. Hands are taken most confident first; when two carry the same label, the second
    fills the free slot.

    Example
    -------
    >>> [h.handedness if h else None for h in hand_slots(found)]
    ['Right', None]
    """
    slots: list[object | None] = [None, None]
    for hand in hands:
        index = HAND_SLOTS.index(hand.handedness) if hand.handedness in HAND_SLOTS else 1
        if slots[index] is None:
            slots[index] = hand
        elif slots[1 - index] is None:
            slots[1 - index] = hand
    return slots


def hands_vector(hands: Sequence[object]) -> np.ndarray:
    """129 numbers: per slot (0 "Right", 1 "Left") 21 × (x, y, z) relative to the wrist and
    divided by the hand's size (the 3-D wrist → middle-finger knuckle distance, landmarks 0 →
    9), then a presence flag (1 or 0); a missing hand is 64 zeros. The last number is 1.0.
    """
    out = np.zeros(FEATURE_SIZES["hands"], np.float64)
    for slot, hand in enumerate(hand_slots(hands)):
        if hand is None:
            continue
        points = np.asarray(hand.landmarks, np.float64)
        start = slot * HAND_SLOT_SIZE
        out[start:start + HAND_LANDMARKS * 3] = _normalised(
            points, points[0], np.linalg.norm(points[9] - points[0]))
        out[start + HAND_LANDMARKS * 3] = 1.0
    out[-1] = 1.0
    return _checked(out, "hands")


def pose_vector(poses: Sequence[object]) -> np.ndarray:
    """134 numbers: 33 × (x, y, z) relative to the hips' centre (mean of landmarks 23, 24) and
    divided by the torso's size (the x-y distance from the shoulders' centre, mean of 11, 12,
    to the hips' centre), z then weighted by :data:`POSE_Z_WEIGHT` (0.25); 33 visibilities; a
    presence flag; 1.0. Nobody: zeros, then 1.0.
    """
    out = np.zeros(FEATURE_SIZES["pose"], np.float64)
    if poses:
        pose = poses[0]
        points = np.asarray(pose.landmarks, np.float64)
        hips = (points[23] + points[24]) / 2
        shoulders = (points[11] + points[12]) / 2
        n = POSE_LANDMARKS * 3
        coords = _normalised(points, hips, np.linalg.norm(shoulders[:2] - hips[:2]))
        coords[2::3] *= POSE_Z_WEIGHT
        out[:n] = coords
        out[n:n + POSE_LANDMARKS] = np.asarray(pose.visibility, np.float64)
        out[-2] = 1.0
    out[-1] = 1.0
    return _checked(out, "pose")


def face_vector(faces: Sequence[object]) -> np.ndarray:
    """1406 numbers: 468 × (x, y, z) relative to the mesh's centre (the mean of all landmarks)
    and divided by the face's size (root-mean-square x-y distance of the landmarks from that
    centre); a presence flag; 1.0. No face: zeros, then 1.0.
    """
    out = np.zeros(FEATURE_SIZES["face"], np.float64)
    if faces:
        points = np.asarray(faces[0].landmarks, np.float64)
        centre = points.mean(axis=0)
        size = np.sqrt(((points[:, :2] - centre[:2]) ** 2).sum(axis=1).mean())
        out[:FACE_LANDMARKS * 3] = _normalised(points, centre, size)
        out[-2] = 1.0
    out[-1] = 1.0
    return _checked(out, "face")


def _checked(vector: np.ndarray, name: str) -> np.ndarray:
    out = np.ascontiguousarray(vector, np.float32)
    if not np.isfinite(out).all():
        raise ModelError(f"{name} landmarks gave NaN/inf features")
    return out


VECTORS = {"hands": hands_vector, "pose": pose_vector, "face": face_vector}
