"""Run by tests/live/test_draw.py: a class-mode sketch draws a real photo scaled by 0.75, the
skeletons p5knn found in it (``p5knn.draw.skeleton``) and confidence bars
(``p5knn.draw.confidence_bars``), then prints what the canvas shows at known places as JSON
and saves the canvas to argv[1]."""

import json
import sys

import cv2
import numpy as np
import py5

import p5knn

PHOTO = "/usr/share/doc/opencv-doc/examples/data/messi5.jpg"
SCALE = 0.75


class DrawSketch(py5.Sketch):
    def settings(self):
        self.size(640, 300, self.JAVA2D)

    def setup(self):
        rgb = cv2.cvtColor(cv2.imread(PHOTO), cv2.COLOR_BGR2RGB)
        self.photo = self.create_image_from_numpy(rgb, "RGB")
        self.hands = p5knn.feature_extractor("hands").detect(rgb)
        self.pose = p5knn.feature_extractor("pose").detect(rgb)
        self.result = {"wave": 0.25, "a label far too long to fit in its bar": 0.75}
        self.frames = 0

    def draw(self):
        try:
            self.background(30)
            self.fill(255, 0, 255)
            self.no_stroke()
            self.image(self.photo, 0, 0, self.photo.width * SCALE, self.photo.height * SCALE)
            if self.frames == 0:
                self.plain = self.get_np_pixels(bands="RGB")   # the photo alone
            p5knn.draw.skeleton(self.pose, 0, 0, SCALE, sketch=self)
            p5knn.draw.skeleton(self.hands, 0, 0, SCALE, sketch=self)
            self.bottom = p5knn.draw.confidence_bars(self.result, 420, 20, 200, 30, sketch=self)
            p5knn.draw.skeleton([], sketch=self)               # nothing found: nothing drawn
            p5knn.draw.confidence_bars(None, 420, 200, sketch=self)
            self.rect(600, 270, 20, 20)                          # the style p5knn found
            self.frames += 1
            if self.frames == 3:
                self.finish()
        except Exception as exc:  # noqa: BLE001
            print(json.dumps({"error": repr(exc)}), flush=True)
            self.exit_sketch()

    def finish(self):
        pixels = self.get_np_pixels(bands="RGB")
        cv2.imwrite(sys.argv[1], cv2.cvtColor(pixels, cv2.COLOR_RGB2BGR))
        hand = self.hands[0]
        joints = (hand.landmarks[:, :2] * SCALE).round().astype(int)
        changed = [int(np.abs(pixels[y, x].astype(int) - self.plain[y, x]).sum())
                   for x, y in joints]
        out = {"hands": len(self.hands), "pose": len(self.pose), "changed": changed,
               "first_filled": pixels[35, 430].tolist(), "first_empty": pixels[35, 610].tolist(),
               "second_filled": pixels[71, 560].tolist(), "bottom": self.bottom,
               "style_kept": pixels[280, 610].tolist()}
        print(json.dumps(out), flush=True)
        self.exit_sketch()


DrawSketch().run_sketch(block=True)
