"""Run by tests/live/test_py5.py: an object's very first call inside draw() (nothing linked it
to the sketch before) returns at once, as later ones do; calls in setup() run now."""

import json
from concurrent.futures import Future

import py5

import p5knn


class FirstCall(py5.Sketch):
    def settings(self):
        self.size(100, 100)

    def setup(self):
        self.knn = p5knn.knn_classifier.create(k=1, sketch=self)
        self.in_setup = type(self.knn.add_example([1.0, 0.0], "a")).__name__
        self.kinds = []

    def draw(self):
        if self.frame_count <= 3:
            self.kinds.append(isinstance(self.knn.predict_class([1.0, 0.1]), Future))
        else:
            print(json.dumps({"setup": self.in_setup, "draw": self.kinds}), flush=True)
            self.exit_sketch()


FirstCall().run_sketch(block=True)
