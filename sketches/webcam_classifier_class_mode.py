"""Webcam classifier in class mode: the same as webcam_classifier.py, as a py5.Sketch class.
Pass ``sketch=self`` so callbacks run on this sketch's animation thread.

    python sketches/webcam_classifier_class_mode.py
"""

import py5

import p5knn


class Classifier(py5.Sketch):
    def settings(self):
        self.size(640, 480)

    def setup(self):
        self.cam = p5knn.Camera(pointer=self)             # the demo source follows our mouse
        self.knn = p5knn.knn_classifier.create(sketch=self, balanced=True)
        self.result = None
        self.text_size(22)
        self.knn.classify_start(self.cam, self.got)

    def got(self, result):
        self.result = result

    def draw(self):
        self.image(self.cam.py5_image(self), 0, 0)
        if self.is_key_pressed and self.key in "123":
            self.knn.add_example(self.cam, self.key)
        if self.is_key_pressed and self.key == "u":
            self.knn.undo_last()
        self.fill(0, 160)
        self.no_stroke()
        self.rect(0, 0, self.width, 40)
        self.fill(255)
        if self.result is None:
            self.text("hold 1, 2 or 3 to teach (u: undo)", 12, 28)
        else:
            self.text(f"{self.result.label}  {self.result.confidence:.0%}", 12, 28)

    def exiting(self):
        self.cam.close()


if __name__ == "__main__":
    Classifier().run_sketch()
