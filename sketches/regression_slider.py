"""Regression: hold the mouse button at a spot while showing the camera something; the
sketch learns to move the circle to that spot from what the camera sees (KNN regression on
MobileNet features, targets are the mouse's x and y).

    python sketches/regression_slider.py

With the demo source the view follows the mouse, so after a few recordings in different
places the circle tracks the view by itself.
"""

import py5

import p5knn

cam = p5knn.Camera()
knn = p5knn.knn_regressor.create(k=3, weights="distance")
target = None


def setup():
    py5.size(640, 480)


def got(result):
    global target
    target = result.value                      # [x, y] in 0…1


def draw():
    py5.image(cam.py5_image(), 0, 0)
    if py5.is_mouse_pressed:
        knn.add_example(cam, [py5.mouse_x / py5.width, py5.mouse_y / py5.height])
        py5.fill(255, 60, 60)
        py5.circle(py5.mouse_x, py5.mouse_y, 16)
    elif len(knn):
        knn.predict(cam, callback=got)
    if target is not None:
        py5.fill(80, 200, 255, 200)
        py5.circle(target[0] * py5.width, target[1] * py5.height, 40)
    py5.fill(255)
    py5.text(f"hold the mouse button to record a position   examples: {len(knn)}", 10, 20)


py5.run_sketch()
