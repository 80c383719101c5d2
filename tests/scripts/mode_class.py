"""Class mode (tests/live/test_modes.py): a ``py5.Sketch`` subclass. ``nosketch`` makes the
classifier without ``sketch=self``: p5knn must warn once, callbacks then run on the worker."""

import json
import sys
from pathlib import Path

import py5

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mode_checks import H, W, Checks, record_warnings  # noqa: E402

LINK = "nosketch" not in sys.argv
caught = record_warnings()


class ModeSketch(py5.Sketch):
    def settings(self):
        self.size(2 * W, H)

    def setup(self):
        self.checks = Checks(sketch=self, link=LINK)
        self.checks.setup()

    def draw(self):
        self.image(self.checks.cam, 0, 0)
        self.image(self.checks.frame, W, 0)
        done = self.checks.draw(self.get_np_pixels(bands="RGB"))
        if done or self.frame_count > 1800 or (not LINK and self.frame_count > 60):
            self.checks.finish()
            self.exit_sketch()


sketch = ModeSketch()
sketch.run_sketch(block=True)
print(json.dumps(sketch.checks.report(mode="class", linked=LINK, warnings=caught)), flush=True)
