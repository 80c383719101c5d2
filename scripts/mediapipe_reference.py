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

Optional arguments (the default output is unchanged): ``--transform SPEC`` (repeatable) also
runs on transformed copies of every image, keyed ``"NAME|SPEC"`` with ``source`` and
``transform`` recorded; SPEC is ``mirror`` (left-right flip), ``rot90`` / ``rot180`` /
``rot270`` (clockwise), ``scale=F`` (bilinear; area when shrinking), ``crop=X0,Y0,X1,Y1``
(pixels), ``pair=X0,Y0,X1,Y1`` (that crop beside its mirror image: two hands) or
``pad=T,B,L,R`` (black borders). ``--hands-only`` skips pose and face; ``--face-only`` skips
hands and pose; ``--pose-only`` skips hands and face. For example::

    /tmp/mpvenv/bin/python scripts/mediapipe_reference.py --hands-only --transform mirror \
        --transform rot90 messi5.jpg
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import cv2
import mediapipe as mp
import numpy as np


def points(landmarks, width: int, height: int, visibility: bool = False) -> list:
    out = []
    for p in landmarks.landmark:
        row = [round(p.x * width, 3), round(p.y * height, 3), round(p.z * width, 3)]
        if visibility:
            row.append(round(p.visibility, 4))
        out.append(row)
    return out


def transform(image, spec: str):
    """One transformed copy of an RGB (or BGR) image; SPEC as in the module docstring."""
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
        size = (max(1, round(width * f)), max(1, round(height * f)))
        return cv2.resize(image, size, interpolation=cv2.INTER_AREA if f < 1 else
                          cv2.INTER_LINEAR)
    numbers = [int(v) for v in arg.split(",")]
    if kind in ("crop", "pair"):
        x0, y0, x1, y1 = numbers
        part = np.ascontiguousarray(image[y0:y1, x0:x1])
        return part if kind == "crop" else np.hstack([part, cv2.flip(part, 1)])
    if kind == "pad":
        top, bottom, left, right = numbers
        return cv2.copyMakeBorder(image, top, bottom, left, right, cv2.BORDER_CONSTANT,
                                  value=(0, 0, 0))
    raise SystemExit(f"unknown transform {spec!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("images", nargs="*")
    parser.add_argument("--transform", action="append", default=[], metavar="SPEC")
    parser.add_argument("--hands-only", action="store_true")
    parser.add_argument("--face-only", action="store_true")
    parser.add_argument("--pose-only", action="store_true")
    args = parser.parse_args()
    report = {"mediapipe": mp.__version__, "images": {}}
    hands = mp.solutions.hands.Hands(static_image_mode=True, max_num_hands=2,
                                     model_complexity=1, min_detection_confidence=0.5)
    pose = mp.solutions.pose.Pose(static_image_mode=True, model_complexity=1)
    face = mp.solutions.face_mesh.FaceMesh(static_image_mode=True, max_num_faces=1,
                                           refine_landmarks=False)
    jobs = []
    for name in args.images:
        rgb = cv2.cvtColor(cv2.imread(name), cv2.COLOR_BGR2RGB)
        if not args.transform:
            jobs.append((Path(name).name, rgb, {}))
        for spec in args.transform:
            jobs.append((f"{Path(name).name}|{spec}", transform(rgb, spec),
                         {"source": Path(name).name, "transform": spec}))
    for key, rgb, extra in jobs:
        rgb = np.ascontiguousarray(rgb)
        height, width = rgb.shape[:2]
        entry = {"width": width, "height": height, "hands": [], "pose": None, "face": None}
        entry.update(extra)
        if args.pose_only:  # pose only (hands and face keep their defaults)
            body = pose.process(rgb)
            if body.pose_landmarks:
                entry["pose"] = points(body.pose_landmarks, width, height, visibility=True)
            report["images"][key] = entry
            continue
        if args.face_only:  # face mesh only (hands and pose keep their defaults)
            mesh = face.process(rgb)
            if mesh.multi_face_landmarks:
                entry["face"] = points(mesh.multi_face_landmarks[0], width, height)
            report["images"][key] = entry
            continue
        found = hands.process(rgb)
        for lms, side in zip(found.multi_hand_landmarks or [], found.multi_handedness or []):
            c = side.classification[0]
            entry["hands"].append({"handedness": c.label, "score": round(c.score, 4),
                                   "landmarks": points(lms, width, height)})
        if args.hands_only:
            report["images"][key] = entry
            continue
        body = pose.process(rgb)
        if body.pose_landmarks:
            entry["pose"] = points(body.pose_landmarks, width, height, visibility=True)
        mesh = face.process(rgb)
        if mesh.multi_face_landmarks:
            entry["face"] = points(mesh.multi_face_landmarks[0], width, height)
        report["images"][key] = entry
    json.dump(report, sys.stdout)
    print()


if __name__ == "__main__":
    main()
