"""Extract the hand, body and face keypoint models p5knn ships from MediaPipe's wheel, and
check them against the SHA-256 sums recorded in ``p5knn/features/models/MODELS.json``; also
record which landmarks MediaPipe's drawing code connects (``CONNECTIONS.json``, for
``p5knn.draw``).

The ``.tflite`` files come from PyPI ``mediapipe==0.10.21`` (Apache-2.0), under
``mediapipe/modules/``. p5knn runs them with LiteRT and never imports mediapipe (0.10.21
needs numpy<2 and protobuf<5; 1.x ships no models).

    python scripts/extract_mediapipe_models.py            # download the wheel, extract, verify
    python scripts/extract_mediapipe_models.py --wheel mediapipe-0.10.21-....whl
    python scripts/extract_mediapipe_models.py --record   # rewrite MODELS.json (new release)
"""

from __future__ import annotations

import argparse
import ast
import glob
import hashlib
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

VERSION = "0.10.21"
MODELS = {
    "palm_detection_full": "mediapipe/modules/palm_detection/palm_detection_full.tflite",
    "hand_landmark_full": "mediapipe/modules/hand_landmark/hand_landmark_full.tflite",
    "pose_detection": "mediapipe/modules/pose_detection/pose_detection.tflite",
    "pose_landmark_full": "mediapipe/modules/pose_landmark/pose_landmark_full.tflite",
    "face_detection_short_range":
        "mediapipe/modules/face_detection/face_detection_short_range.tflite",
    "face_landmark": "mediapipe/modules/face_landmark/face_landmark.tflite",
}
OUT = Path(__file__).resolve().parent.parent / "p5knn" / "features" / "models"
# Which landmarks MediaPipe connects when it draws a hand, a body or a face: read (never run)
# from the same wheel's drawing modules, for p5knn.draw's skeletons.
CONNECTIONS = {
    "hands": ("mediapipe/python/solutions/hands_connections.py", ["HAND_CONNECTIONS"]),
    "pose": ("mediapipe/python/solutions/pose_connections.py", ["POSE_CONNECTIONS"]),
    "face_oval": ("mediapipe/python/solutions/face_mesh_connections.py", ["FACEMESH_FACE_OVAL"]),
    "face_lips": ("mediapipe/python/solutions/face_mesh_connections.py", ["FACEMESH_LIPS"]),
    "face_eyes": ("mediapipe/python/solutions/face_mesh_connections.py",
                  ["FACEMESH_LEFT_EYE", "FACEMESH_RIGHT_EYE"]),
    "face_eyebrows": ("mediapipe/python/solutions/face_mesh_connections.py",
                      ["FACEMESH_LEFT_EYEBROW", "FACEMESH_RIGHT_EYEBROW"]),
}


def connection_sets(source: str) -> dict[str, set[tuple[int, int]]]:
    """Every ``NAME = …`` of a connections module as a set of index pairs: the (int, int)
    tuples written in it, plus the sets of earlier names it refers to (``union(*[A, B])``)."""
    sets: dict[str, set[tuple[int, int]]] = {}
    for node in ast.parse(source).body:
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)):
            continue
        pairs: set[tuple[int, int]] = set()
        for sub in ast.walk(node.value):
            if isinstance(sub, ast.Tuple) and len(sub.elts) == 2 and all(
                    isinstance(e, ast.Constant) and type(e.value) is int for e in sub.elts):
                pairs.add((sub.elts[0].value, sub.elts[1].value))
            elif isinstance(sub, ast.Name) and sub.id in sets:
                pairs |= sets[sub.id]
        sets[node.targets[0].id] = pairs
    return sets


def connections(archive: zipfile.ZipFile) -> dict[str, list[list[int]]]:
    """The skeleton lines p5knn draws, sorted, from the wheel's connection modules."""
    out: dict[str, list[list[int]]] = {}
    for key, (member, names) in CONNECTIONS.items():
        sets = connection_sets(archive.read(member).decode("utf-8"))
        out[key] = sorted([a, b] for name in names for a, b in sets[name])
    return out


def download(folder: str) -> Path:
    subprocess.run([sys.executable, "-m", "pip", "download", f"mediapipe=={VERSION}",
                    "--no-deps", "--only-binary", ":all:", "-d", folder, "-q"], check=True)
    return Path(glob.glob(f"{folder}/mediapipe-{VERSION}-*.whl")[0])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wheel", help="a downloaded mediapipe wheel (default: pip download)")
    parser.add_argument("--out", default=str(OUT), help="where the .tflite files go")
    parser.add_argument("--record", action="store_true",
                        help="write MODELS.json from these files instead of checking them")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        wheel = Path(args.wheel) if args.wheel else download(tmp)
        with zipfile.ZipFile(wheel) as archive:
            blobs = {name: archive.read(member) for name, member in MODELS.items()}
            lines = connections(archive)
    record = {"source": f"PyPI mediapipe=={VERSION} ({wheel.name}), mediapipe/modules/",
              "licence": "Apache-2.0", "models": {}}
    for name, blob in blobs.items():
        record["models"][name] = {"file": f"{name}.tflite", "bytes": len(blob),
                                  "sha256": hashlib.sha256(blob).hexdigest(),
                                  "wheel_path": MODELS[name]}
    manifest = out / "MODELS.json"
    if args.record:
        manifest.write_text(json.dumps(record, indent=2) + "\n")
    else:
        expected = json.loads(manifest.read_text())["models"]
        bad = [n for n, info in record["models"].items() if info["sha256"] != expected[n]["sha256"]]
        if bad:
            print(f"SHA-256 differs from MODELS.json for {bad}", file=sys.stderr)
            return 1
    (out / "CONNECTIONS.json").write_text(json.dumps(
        {"source": f"PyPI mediapipe=={VERSION}, mediapipe/python/solutions/*_connections.py",
         "licence": "Apache-2.0", "connections": lines}, separators=(",", ":")) + "\n")
    print(f"CONNECTIONS.json  {', '.join(f'{k} {len(v)}' for k, v in lines.items())}")
    for name, blob in blobs.items():
        (out / f"{name}.tflite").write_bytes(blob)
        print(f"{name}.tflite  {len(blob):>9} bytes  {record['models'][name]['sha256'][:16]}…")
    return 0


if __name__ == "__main__":
    sys.exit(main())
