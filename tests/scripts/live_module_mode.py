"""Module-mode sketch for tests/live/test_sketches.py: callbacks on the animation thread; with
``nodraw`` there is no draw() and callbacks run on the worker; ``crash`` dies in draw()."""

import json
import sys
import threading
import time
from pathlib import Path

import py5

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import p5knn  # noqa: E402

MODE = sys.argv[1] if len(sys.argv) > 1 else "normal"
knn = p5knn.knn_classifier.create(metric="euclidean", k=1)
knn.add_example([0, 0], "left")
knn.add_example([100, 0], "right")
report = {"draw_threads": [], "callback_threads": [], "labels": []}
main_thread = threading.get_ident()
start = time.perf_counter()


def got(result):
    if report.get("stopping"):
        return  # finished after exit_sketch(): such callbacks run on the worker thread
    report["callback_threads"].append(threading.get_ident())
    report["labels"].append(result.label)


def setup():
    py5.size(120, 90, py5.JAVA2D)
    if MODE == "nodraw":
        future = knn.predict_class([90, 5], callback=got)
        future.result(60)
        knn.flush(60)          # the callback (on the worker, after the result) has run
        py5.exit_sketch()


def draw():
    report["draw_threads"].append(threading.get_ident())
    knn.predict_class([py5.frame_count % 100, 0], callback=got)
    if MODE == "crash" and py5.frame_count == 5:
        raise ValueError("the user's draw() has a bug")
    if time.perf_counter() - start > 3:
        report["stopping"] = True
        py5.exit_sketch()


if MODE == "nodraw":
    del draw

py5.run_sketch(block=True)
time.sleep(0.3)
print(json.dumps({
    "mode": MODE,
    "frames": len(report["draw_threads"]),
    "callbacks": len(report["callback_threads"]),
    "on_draw_thread": bool(report["callback_threads"]) and
    set(report["callback_threads"]) <= set(report["draw_threads"]),
    "callback_threads": len(set(report["callback_threads"])),
    "labels": sorted(set(report["labels"])),
}))
