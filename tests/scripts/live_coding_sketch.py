"""A module-mode sketch that tests/live/test_live_coding.py copies to a temp folder and runs
with ``py5-live-coding``; the test rewrites the ``RUN = ...`` line to make py5 re-run it.

Each run makes what a live coder's sketch makes — a named camera and a named classifier
(which must survive with their examples), and unnamed objects that start threads: a
MobileNet classifier predicting an unnamed camera continuously, a classifier fed vectors
with a callback, a gesture classifier streaming the mouse — and, 30 frames after its
``setup()``, prints one JSON line: the threads alive, the named classifier's examples, and
the callbacks that arrived from objects of earlier runs.
"""

import json
import os
import threading

import numpy as np
import py5

import p5knn
from p5knn.live import _named

RUN = 0
QUIT = False

cam = p5knn.Camera("demo", 160, 120, name="cam", quiet=True)          # named: survives
kept = p5knn.knn_classifier.create(name="kept", metric="euclidean", k=1)   # named: keeps examples
scratch = p5knn.knn_classifier.create(metric="euclidean", k=1)      # unnamed, fed vectors
images = p5knn.knn_classifier.create()                            # unnamed, MobileNet
other_cam = p5knn.Camera("demo", 160, 120, quiet=True)               # unnamed camera
moves = p5knn.gesture_classifier.create(normalize="sequence")      # unnamed, streams the mouse
callbacks = {"this run": 0, "earlier runs": 0}


def got(result, _run=RUN):
    """Every callback, counted by the run that made the object calling it."""
    callbacks["this run" if _run == RUN else "earlier runs"] += 1


def setup():
    py5.size(160, 120)
    kept.add_example([RUN, 0], f"run{RUN}")
    scratch.add_example([0, 0], "a")
    scratch.predict_class([0, 1], callback=got)            # starts scratch's own worker
    images.add_example(other_cam, "wall")                  # loads MobileNet for this run
    images.classify_start(other_cam, got)                  # a pump thread + MobileNet's worker
    t = np.linspace(0, 1, 20)
    moves.add_gesture(np.c_[t, t], "diagonal")
    moves.add_gesture(np.c_[t, 1 - t], "other diagonal")
    moves.classify_start(lambda: (py5.mouse_x, py5.mouse_y), got, fps=30)
    print(json.dumps({"setup": RUN}), flush=True)


def draw():
    py5.image(cam, 0, 0)                                   # p5knn's py5 image conversion
    if py5.frame_count == 10:
        callbacks["earlier runs"] = 0                      # count from here on
    if py5.frame_count == 30:
        names = sorted(t.name for t in threading.enumerate())
        print(json.dumps({
            "run": RUN,
            "threads": len(names),
            "p5knn_threads": sorted(n for n in names if n.startswith("p5knn")),
            "os_threads": len(os.listdir(f"/proc/{os.getpid()}/task")),
            "kept_examples": kept.get_count_by_label(),
            "kept_id": id(kept), "cam_id": id(cam),
            "cam_frames": cam.frame_id,
            "callbacks_from_earlier_runs": callbacks["earlier runs"],
            "tracked": _named.tracked_count(),
            "pixel": [int(v) for v in np.asarray(py5.get_np_pixels(bands="RGB"))[60, 80]],
            "frame": [int(v) for v in cam.read_rgb()[60, 80]],
        }), flush=True)
    if QUIT and py5.frame_count == 31:
        py5.get_current_sketch().real_exit_sketch()        # the test is over (py5's own exit)


py5.run_sketch()
