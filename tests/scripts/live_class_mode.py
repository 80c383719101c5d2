"""Class-mode sketch driven by tests/live/test_sketches.py; prints a JSON report on its last
line.

A slow stand-in model (0.1 s per image) shows what draw() does while inference is busy.
"""

import json
import sys
import threading
import time
from pathlib import Path

import py5

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import p5knn  # noqa: E402
from helpers import colour, slow_model  # noqa: E402


class Live(py5.Sketch):
    def settings(self):
        self.size(200, 150, self.JAVA2D)

    def setup(self):
        self.ex, self.runner = slow_model(0.1)
        self.knn = p5knn.knn_classifier.create(self.ex, k=1, sketch=self)
        self.knn.add_example(colour(255, 0, 0), "red")     # in setup: synchronous
        self.knn.add_example(colour(0, 0, 255), "blue")
        self.report = {"draw_threads": set(), "callback_threads": set(), "callbacks": 0,
                       "futures_done_at_return": 0, "frames": 0, "added": [],
                       "raised": 0, "add_returns": set()}
        self.start = time.perf_counter()

    def got(self, result):
        if getattr(self, "stopping", False):
            return  # a prediction finished after exit_sketch(): it runs on the worker thread
        self.report["callback_threads"].add(threading.get_ident())
        self.report["callbacks"] += 1
        self.report["in_draw_callback_sees_py5"] = self.frame_count  # py5 works in callbacks
        if self.report["callbacks"] == 3:
            self.report["raised"] += 1
            raise RuntimeError("a bug in the user's callback")

    def draw(self):
        self.report["frames"] += 1
        self.report["draw_threads"].add(threading.get_ident())
        self.background(self.frame_count % 255)
        future = self.knn.predict_class(colour(240, 20, 20), callback=self.got)
        self.report["futures_done_at_return"] += future.done()
        if 10 <= self.frame_count < 40:   # record 30 examples, one per frame, from draw()
            ret = self.knn.add_example(colour(0, 200 + self.frame_count, 0), "green")
            self.report["add_returns"].add(type(ret).__name__)
        if time.perf_counter() - self.start > 4:
            self.knn.flush()
            self.report["count"] = self.knn.get_count_by_label()
            self.report["dropped"] = self.ex.worker.dropped
            self.report["model_calls"] = self.runner.calls
            self.stopping = True
            self.exit_sketch()


sketch = Live()
sketch.run_sketch(block=True)
r = sketch.report
r["same_thread"] = r["callback_threads"] <= r["draw_threads"] and bool(r["callback_threads"])
for key in ("draw_threads", "callback_threads", "add_returns"):
    r[key] = sorted(map(str, r[key]))
print(json.dumps(r))
