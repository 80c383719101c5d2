"""Run by tests/live/test_py5.py: a class-mode py5 sketch whose canvas, graphics and images
p5knn reads — converted directly (``p5knn.features.to_rgb``) and given to a classifier, now
and in the background (read on the animation thread before the call returns)."""

import json
import sys
from pathlib import Path

import numpy as np
import py5

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import p5knn  # noqa: E402
from p5knn.features import to_rgb  # noqa: E402
from helpers import slow_extractor  # noqa: E402


def mean_colour(rgb):
    return np.asarray(rgb).reshape(-1, 3).mean(0).round().tolist()


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
        self.knn = p5knn.knn_classifier.create(slow_extractor(0.0), thumbnails=True,
                                               sketch=self)

    def draw(self):
        try:
            self.background(255, 0, 0)
            for name, obj in (("canvas", self), ("graphics", self.graphics),
                              ("image", self.image_)):
                rgb = to_rgb(obj)
                now = self.knn.add_example(obj, name, wait=True)
                later = self.knn.add_example(obj, name, wait=False)
                if name == "canvas":
                    self.background(0)      # drawn over right after: the snapshot is taken
                later = later.result(60)
                self.results[name] = [list(rgb.shape), mean_colour(rgb),
                                      mean_colour(self.knn.get_thumbnail(now)),
                                      mean_colour(self.knn.get_thumbnail(later))]
        except Exception as exc:  # report instead of leaving the JVM hanging
            self.results["error"] = repr(exc)
        self.exit_sketch()


sketch = InputsSketch()
sketch.run_sketch(block=True)
print(json.dumps(sketch.results))
sys.exit(0)
