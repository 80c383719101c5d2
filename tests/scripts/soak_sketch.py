"""Soak run: a class-mode sketch predicting continuously from a looping video, adding an
example every 0.5 s and autosaving for the first 70 % of P5KNN_SOAK_SECONDS (default 20),
then only predicting (the idle phase: an installation after training). Prints a JSON
report: memory, Python objects, callback gaps, threads and open files at the start and the
end."""

import gc
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import py5

import p5knn

SECONDS = float(os.environ.get("P5KNN_SOAK_SECONDS", "20"))
WARMUP = min(5.0, SECONDS / 4)
ADD_UNTIL = 0.7 * SECONDS      # then only predictions: memory must stay flat (idle phase)
IDLE_FROM = 0.75 * SECONDS
folder = Path(tempfile.mkdtemp())
clip = p5knn.demo_clip(folder / "soak.avi", seconds=6, fps=30)
PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * PAGE / 1e6


def open_files() -> int:
    return len(os.listdir("/proc/self/fd"))


class Soak(py5.Sketch):
    def settings(self):
        self.size(320, 240, self.JAVA2D)

    def setup(self):
        self.cam = p5knn.Camera(clip, 320, 240, quiet=True)
        self.knn = p5knn.knn_classifier.create(sketch=self, thumbnails=True,
                                               autosave=folder / "soak.p5knn",
                                               autosave_interval=0.5)
        self.knn.classify_start(self.cam, self.got)
        self.callback_times = []
        self.samples = []
        self.start = time.perf_counter()
        self.next_add = 0.0
        self.next_sample = WARMUP
        self.baseline = None

    def got(self, result):
        self.callback_times.append(time.perf_counter())

    def draw(self):
        t = time.perf_counter() - self.start
        self.image(self.cam.py5_image(self), 0, 0)
        if t >= self.next_add and t < ADD_UNTIL:
            self.next_add += 0.5
            self.knn.add_example(self.cam, f"c{int(t) % 4}")
        if t >= self.next_sample:
            self.next_sample += 1.0
            if self.baseline is None:
                gc.collect()
                self.baseline = {"threads": threading.active_count(), "files": open_files(),
                                 "objects": len(gc.get_objects()), "frame": self.frame_count}
            self.samples.append((t, rss_mb()))
        if t >= SECONDS:
            last_age = time.perf_counter() - self.callback_times[-1]
            self.knn.wait_saved(10)
            gc.collect()
            objects = len(gc.get_objects())
            self.report = {
                "seconds": t, "frames": self.frame_count,
                "rss_start_mb": self.samples[0][1], "rss_end_mb": self.samples[-1][1],
                "rss_max_mb": max(m for _, m in self.samples),
                "rss_growth_mb": self.samples[-1][1] - self.samples[0][1],
                "idle_seconds": t - IDLE_FROM,
                "rss_growth_idle_mb": self.samples[-1][1] - next(
                    m for s, m in self.samples if s >= IDLE_FROM),
                "callbacks": len(self.callback_times),
                "max_callback_gap_s": max(
                    b - a for a, b in zip(self.callback_times, self.callback_times[1:])),
                "last_callback_age_s": last_age,
                "threads_start": self.baseline["threads"], "threads_end": threading.active_count(),
                "files_start": self.baseline["files"], "files_end": open_files(),
                "py_objects_growth": objects - self.baseline["objects"],
                "frames_measured": self.frame_count - self.baseline["frame"],
                "examples": len(self.knn),
                "saved_examples": len(p5knn.knn_classifier.load(folder / "soak.p5knn")),
            }
            self.knn.close()
            self.cam.close()
            self.exit_sketch()


sketch = Soak()
sketch.run_sketch(block=True)
print(json.dumps(sketch.report))
sys.exit(0)
