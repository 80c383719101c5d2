"""MediaPipe's own VIDEO-mode latency on a video file, for ``bench_keypoints.py``.

Runs with an interpreter that has ``mediapipe`` 0.10.x and its legacy ``mp.solutions`` API (it
cannot share p5knn's environment: mediapipe 0.10.21 needs numpy<2), e.g.::

    /tmp/mpvenv/bin/python benchmarks/_mediapipe_video.py hands clip.avi --warmup 10

It decodes every frame first, feeds the first ``--warmup`` frames untimed, then times
``process(cv2.cvtColor(frame, BGR2RGB))`` per frame (the colour conversion is included, as
p5knn's ``detect(frame, bands="BGR")`` includes its own). Tracking state carries over from the
warm-up frames, as it does on the p5knn side. Prints one JSON object on stdout: per-frame
seconds, CPU seconds and wall seconds of the timed loop, the frames' hash and each frame's
first hand's / the body's landmarks in pixels (or null).
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import cv2
import numpy as np
from _keypoint_video import digest, read_video


def make_solution(kind: str, num_hands: int):
    """The legacy MediaPipe solution in video mode (``static_image_mode=False``)."""
    import mediapipe as mp

    if kind == "hands":
        return mp.solutions.hands.Hands(static_image_mode=False, model_complexity=1,
                                        max_num_hands=num_hands)
    return mp.solutions.pose.Pose(static_image_mode=False, model_complexity=1)


def landmarks(kind: str, result, width: int, height: int) -> list[list[float]] | None:
    """The first hand's (or the body's) landmarks as ``[[x, y], …]`` in pixels, or None."""
    if kind == "hands":
        found = result.multi_hand_landmarks[0] if result.multi_hand_landmarks else None
    else:
        found = result.pose_landmarks
    if found is None:
        return None
    return [[p.x * width, p.y * height] for p in found.landmark]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=("hands", "pose"))
    parser.add_argument("video")
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--num-hands", type=int, default=2)
    args = parser.parse_args()
    import mediapipe as mp

    frames = read_video(args.video)
    height, width = frames[0].shape[:2]
    solution = make_solution(args.kind, args.num_hands)
    for frame in frames[:args.warmup]:
        solution.process(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
    times, points = [], []
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for frame in frames[args.warmup:]:
        start = time.perf_counter()
        result = solution.process(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
        times.append(time.perf_counter() - start)
        points.append(landmarks(args.kind, result, width, height))
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    solution.close()
    json.dump({"mediapipe": mp.__version__, "numpy": np.__version__, "opencv": cv2.__version__,
               "frames": len(frames), "digest": digest(frames), "times": times,
               "cpu_seconds": cpu, "wall_seconds": wall, "landmarks": points}, sys.stdout)


if __name__ == "__main__":
    main()
