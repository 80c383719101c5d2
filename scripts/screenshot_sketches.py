"""Screenshots of the example sketches that have an autopilot, for the README: each sketch
runs headless with its autopilot (on the demo camera it teaches itself from photos, then
looks at them again; the gesture sketches record gestures, then perform new ones) and p5knn
saves its last frame.

    python scripts/screenshot_sketches.py                  # all of them, into docs/sketches/
    python scripts/screenshot_sketches.py hand_signs --out /tmp/shots

Without an X display it re-runs each sketch under ``xvfb-run``. Prints each sketch's own
summary line (what it learned, what it predicted, its frame rate) and exits non-zero if a
sketch failed or saved no picture.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: sketch -> seconds it runs (its autopilot teaches, tests, then stays on its best photo;
#: the gesture sketches stop just after the last gesture was recognised, while it glows)
SKETCHES = {"webcam_classifier": 15, "webcam_classifier_class_mode": 15,
            "gesture_particles": 14, "imagenet_labeller": 12, "mouse_vectors": 10,
            "regression_slider": 14, "train_head_live": 30,
            "hand_signs": 14, "body_pose": 19, "smile_or_not": 14, "landmark_visuals": 12,
            "mouse_gestures": 20.6, "hand_gestures": 16.7, "osc_installation": 26}


def shoot(name: str, seconds: float, out: Path) -> dict:
    """Run one sketch with the autopilot; return its summary (``ok``, ``png``, its JSON)."""
    png = out / f"{name}.png"
    png.unlink(missing_ok=True)
    env = {**os.environ, "P5KNN_AUTOPILOT": "1", "P5KNN_EXIT_AFTER": str(seconds),
           "P5KNN_SCREENSHOT": str(png)}
    command = [sys.executable, str(ROOT / "sketches" / f"{name}.py")]
    if not os.environ.get("DISPLAY"):
        if not shutil.which("xvfb-run"):
            raise SystemExit("no X display and no xvfb-run: apt install xvfb")
        command = ["xvfb-run", "-a", "-s", "-screen 0 1280x1024x24", *command]
    done = subprocess.run(command, check=False, capture_output=True, text=True, cwd=ROOT, env=env,
                          timeout=seconds + 120)
    summary: dict = {}
    for line in reversed(done.stdout.splitlines()):
        if line.startswith("{"):
            summary = json.loads(line)
            break
    ok = done.returncode == 0 and png.is_file()
    if not ok:
        print(done.stderr[-3000:], file=sys.stderr)
    return {"sketch": name, "ok": ok, "png": str(png), **summary}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", metavar="SKETCH",
                        help=f"which sketches (default: all of {', '.join(SKETCHES)})")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "sketches",
                        help="folder for the PNG files (default: docs/sketches)")
    args = parser.parse_args(argv)
    unknown = set(args.names) - set(SKETCHES)
    if unknown:
        parser.error(f"unknown sketch(es) {sorted(unknown)}; choose from {list(SKETCHES)}")
    args.out.mkdir(parents=True, exist_ok=True)
    failed = 0
    for name in args.names or SKETCHES:
        result = shoot(name, SKETCHES[name], args.out.resolve())
        print(json.dumps(result), flush=True)
        failed += not result["ok"]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
