"""Gesture → visuals: teach three gestures (hold 1, 2, 3); particles swirl, burst or fall
with the predicted gesture, and the prediction's confidence sets their energy and colour.

    python sketches/gesture_particles.py
"""

import math

import numpy as np
import py5

import p5knn

cam = p5knn.Camera()
knn = p5knn.knn_classifier.create(balanced=True, min_similarity=0.5)
N = 1500
pos = np.random.default_rng(0).uniform(0, 1, (N, 2)) * (640, 480)
vel = np.zeros((N, 2))
mode, energy = None, 0.0
HUES = {"1": 0, "2": 120, "3": 220}


def setup():
    py5.size(640, 480)
    py5.color_mode(py5.HSB, 360, 100, 100, 100)
    knn.classify_start(cam, got)


def got(result):
    global mode, energy
    mode = None if result.unknown else result.label
    energy = 0.9 * energy + 0.1 * result.confidence     # smooth the confidence


def step():
    global pos, vel
    centre = np.array([py5.width / 2, py5.height / 2])
    offset = pos - centre
    if mode == "1":      # swirl around the centre
        vel += np.stack([-offset[:, 1], offset[:, 0]], 1) * 0.0008 - offset * 0.0004
    elif mode == "2":    # burst outwards
        vel += offset / (np.linalg.norm(offset, axis=1, keepdims=True) + 1) * 0.4
    elif mode == "3":    # fall like rain
        vel[:, 1] += 0.35
    vel *= 0.96 - 0.02 * (1 - energy)
    pos += vel * (0.5 + 2 * energy)
    pos %= (py5.width, py5.height)


def draw():
    py5.background(0, 0, 8, 30)
    if py5.is_key_pressed and py5.key in "123":
        knn.add_example(cam, py5.key)
    step()
    hue = HUES.get(mode, 0)
    py5.stroke(hue, 20 + 70 * energy, 100, 80)
    py5.stroke_weight(2)
    py5.points(pos)
    py5.image(cam.py5_image(), py5.width - 164, 4, 160, 120)
    py5.fill(0, 0, 100)
    label = "hold 1, 2 or 3 to teach" if not len(knn) else f"{mode or '?'}  {energy:.0%}"
    py5.text(label, 10, 20 + 4 * math.sin(py5.frame_count / 10))


py5.run_sketch()
