"""ImageNet labeller: MobileNet's own top-5 guesses for the live frame, as bars.

    python sketches/imagenet_labeller.py
"""

import py5

import p5knn

cam = p5knn.Camera()
mobilenet = p5knn.feature_extractor()
top5 = []


def setup():
    py5.size(640, 480)
    py5.text_size(16)


def got(result):                                        # runs before draw()
    global top5
    top5 = result.top()                                 # [(name, probability), ...]


def draw():
    py5.image(cam.py5_image(), 0, 0)
    mobilenet.classify(cam, top_k=5, callback=got)      # latest frame wins, never a backlog
    py5.no_stroke()
    for i, (name, probability) in enumerate(top5):
        y = 14 + 30 * i
        py5.fill(0, 150)
        py5.rect(10, y, 400, 24, 4)
        py5.fill(80, 200, 120)
        py5.rect(10, y, 400 * probability, 24, 4)
        py5.fill(255)
        py5.text(f"{probability:5.1%}  {name.split(',')[0]}", 16, y + 18)


py5.run_sketch()
