"""Webcam classifier (module mode): hold 1, 2 or 3 to teach what the camera sees.

    python sketches/webcam_classifier.py

No webcam? The demo source stands in: drag the mouse to look around a wall of photos.
"""

import py5

import p5knn

cam = p5knn.Camera()                                     # webcam 0, or the demo source
knn = p5knn.knn_classifier.create(min_similarity=0.6)   # "unknown" when nothing is close
result = None


def setup():
    py5.size(640, 480)
    py5.text_size(22)
    knn.classify_start(cam, got)                         # predicts the newest frame, always


def got(r):                                              # runs before draw(), on its thread
    global result
    result = r


def draw():
    py5.image(cam.py5_image(), 0, 0)
    if py5.is_key_pressed and py5.key in "123":
        knn.add_example(cam, py5.key)                    # returns at once, never dropped
    py5.fill(0, 160)
    py5.no_stroke()
    py5.rect(0, 0, py5.width, 40)
    py5.fill(255)
    if not len(knn):
        py5.text("hold 1, 2 or 3 to teach", 12, 28)
    elif result is not None:
        counts = knn.get_count_by_label()
        py5.text(f"{result.label}  {result.confidence:.0%}   examples: {counts}", 12, 28)


py5.run_sketch()
