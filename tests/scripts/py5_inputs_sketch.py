"""Run by test_py5_inputs.py: a class-mode py5 sketch whose images p5knn reads."""

import json
import sys

import numpy as np
import py5

from p5knn.features import _images as images


class InputsSketch(py5.Sketch):
    def settings(self):
        self.size(200, 100, self.JAVA2D)

    def setup(self):
        self.results = {}
        self.graphics = self.create_graphics(50, 40)
        self.graphics.begin_draw()
        self.graphics.background(0, 0, 255)
        self.graphics.end_draw()
        self.image_ = self.create_image_from_numpy(np.full((20, 30, 3), (0, 200, 0), np.uint8),
                                                   "RGB")

    def draw(self):
        try:
            self.background(255, 0, 0)
            for name, obj in (("canvas", self), ("graphics", self.graphics),
                              ("image", self.image_)):
                rgb = images.to_rgb(obj)
                self.results[name] = [list(rgb.shape), rgb.reshape(-1, 3).mean(0).round().tolist()]
        except Exception as exc:  # report instead of leaving the JVM hanging
            self.results["error"] = repr(exc)
        self.exit_sketch()


sketch = InputsSketch()
sketch.run_sketch(block=True)
print(json.dumps(sketch.results))
sys.exit(0)
