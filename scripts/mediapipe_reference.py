"""Google MediaPipe's own keypoints on real photos, for p5knn's keypoint tests to compare with.

Runs in a throwaway venv that has ``mediapipe==0.10.21`` (it needs numpy<2, so it cannot share
p5knn's environment); CI never runs it. The output is committed as
``tests/features/data/mediapipe_reference.json``:

    python3 -m venv /tmp/mpvenv && /tmp/mpvenv/bin/pip install mediapipe==0.10.21
    /tmp/mpvenv/bin/python scripts/mediapipe_reference.py IMAGE ... > reference.json

Legacy ``mp.solutions`` in static image mode: hands (2 at most, full model), pose (full
model), face mesh (468 points, no refinement). Coordinates are in the image's pixels (x, y);
z as MediaPipe gives it, scaled by the image width like x; handedness as MediaPipe labels it
(which assumes a mirrored, selfie-view input).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import cv2
import mediapipe as mp


def points(landmarks, width: int, height: int, visibility: bool = False) -> list:
    out = []
    for p in landmarks.landmark:
        row = [round(p.x * width, 3), round(p.y * height, 3), round(p.z * width, 3)]
        if visibility:
            row.append(round(p.visibility, 4))
        out.append(row)
    return out


def main() -> None:
    report = {"mediapipe": mp.__version__, "images": {}}
    hands = mp.solutions.hands.Hands(static_image_mode=True, max_num_hands=2,
                                     model_complexity=1, min_detection_confidence=0.5)
    pose = mp.solutions.pose.Pose(static_image_mode=True, model_complexity=1)
    face = mp.solutions.face_mesh.FaceMesh(static_image_mode=True, max_num_faces=1,
                                           refine_landmarks=False)
    for name in sys.argv[1:]:
        bgr = cv2.imread(name)
        rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        height, width = rgb.shape[:2]
        entry = {"width": width, "height": height, "hands": [], "pose": None, "face": None}
        found = hands.process(rgb)
        for lms, side in zip(found.multi_hand_landmarks or [], found.multi_handedness or []):
            c = side.classification[0]
            entry["hands"].append({"handedness": c.label, "score": round(c.score, 4),
                                   "landmarks": points(lms, width, height)})
        body = pose.process(rgb)
        if body.pose_landmarks:
            entry["pose"] = points(body.pose_landmarks, width, height, visibility=True)
        mesh = face.process(rgb)
        if mesh.multi_face_landmarks:
            entry["face"] = points(mesh.multi_face_landmarks[0], width, height)
        report["images"][Path(name).name] = entry
    json.dump(report, sys.stdout)
    print()


if __name__ == "__main__":
    main()
