"""Regression: teach the sketch where a marker belongs for what the camera sees. Hold the
mouse button on a spot while you show the camera something (a pose, a tilt of the head, an
object); do it at a few spots, then the marker moves by itself with what the camera sees —
KNN regression on MobileNet features, the targets are the mouse's x and y.

    python sketches/regression_slider.py

Hold the mouse button on the picture to record that spot (15 examples a second while it is
held); u undoes the last example, c clears them all. Dots show the recorded spots, the
glowing ring the predicted position, with its trail. The regressor averages the targets of
the k = 20 nearest examples, weighted by 1 / distance: more than one spot's worth (about 12
each), so between taught views the marker glides between their spots, and on a taught view
that view's own examples, far nearer, win.

No webcam? The demo source stands in, and its view follows the mouse over the picture: after
a few recordings in different places the marker tracks the view by itself.
"""

import json
import math
import os
import time
from collections import deque

import numpy as np
import py5

import p5knn

SW, SH = 640, 480                                              # the stage: the camera picture
RECORD_EVERY = 1 / 15                                          # seconds between examples
MARKER = (80, 210, 255)
DOT = (255, 205, 90)
RECORD = (235, 60, 60)
AUTOPILOT = os.environ.get("P5KNN_AUTOPILOT") == "1"
K = 20                              # more than one spot's examples: the marker glides


def stage_pointer():
    """The demo camera's view: the mouse's place on the stage, 0…1."""
    x, y = mouse()[:2]
    return min(max(x / SW, 0.0), 1.0), min(max(y / SH, 0.0), 1.0)


cam = p5knn.Camera(pointer=stage_pointer)
knn = p5knn.knn_regressor.create(k=K, weights="distance")
spots = []                          # the target of every example, in stage pixels
cache = [-1, []]                    # clusters(): (for how many spots, the spots)
target = marker = None              # the latest prediction, and the marker easing to it
trail = deque(maxlen=45)            # the marker's last positions
last_record, last_frame, held_s, holds, was_held = 0.0, None, 0.0, 0, False
virtual = (SW / 2, SH / 2, False)   # the autopilot's mouse: x, y, button held


def mouse():
    if AUTOPILOT:
        return virtual
    return py5.mouse_x, py5.mouse_y, py5.is_mouse_pressed


def setup():
    global regular, bold
    py5.size(960, 480)
    regular = py5.create_font("SansSerif", 18)
    bold = py5.create_font("SansSerif.bold", 18)


def got(result):
    global target
    target = np.asarray(result.value) * (SW, SH)               # 0…1 back to stage pixels


def draw():
    global last_record, last_frame, held_s, holds, was_held, marker
    now = time.perf_counter()
    elapsed, last_frame = now - (last_frame or now), now       # since the last frame
    dt = min(elapsed, 0.1)                                     # the marker's easing step
    if AUTOPILOT:
        autopilot(now)
    mx, my, pressed = mouse()
    recording = pressed and 0 <= mx < SW and 0 <= my < SH
    if recording:                                              # 15 examples a second
        held_s += elapsed if was_held else 0.0                 # real time, however slow
        holds += not was_held
        if now - last_record >= RECORD_EVERY:
            knn.add_example(cam, [mx / SW, my / SH])           # returns at once, never dropped
            spots.append((mx, my))
            last_record = last_record + RECORD_EVERY if now - last_record < 2 * RECORD_EVERY \
                else now
    elif len(knn):
        knn.predict(cam, callback=got)                         # latest frame wins
    was_held = recording
    if target is not None:
        marker = target.copy() if marker is None else marker + (target - marker) * min(1, 8 * dt)
        trail.append(tuple(marker))

    py5.background(22, 24, 30)
    py5.image(cam.py5_image(), 0, 0)
    py5.no_stroke()
    py5.fill(10, 12, 18, 110)                                  # dim it: marks read on top
    py5.rect(0, 0, SW, SH)
    draw_spots()
    if marker is not None and not recording:
        draw_marker()
    draw_mouse(mx, my, recording)
    draw_status(recording)
    draw_panel(660, recording)


def draw_spots():
    """Each taught spot: a dot, bigger the more examples it has, with their number."""
    py5.text_font(bold)
    py5.text_size(16)
    py5.text_align(py5.CENTER, py5.CENTER)
    for x, y, n in clusters():
        size = 26 + 2.5 * math.sqrt(n)
        py5.stroke(20, 20, 24)
        py5.stroke_weight(2.5)
        py5.fill(*DOT)
        py5.circle(x, y, size)
        py5.no_stroke()
        py5.fill(20, 20, 24)
        py5.text(str(n), x, y - 1)


def draw_marker():
    pts = list(trail)
    py5.no_fill()
    for i in range(1, len(pts)):                               # the trail, fading out
        py5.stroke(*MARKER, 230 * i / len(pts))
        py5.stroke_weight(1 + 5 * i / len(pts))
        py5.line(*pts[i - 1], *pts[i])
    x, y = marker
    pulse = 4 * math.sin(py5.frame_count / 8)
    for size, alpha in ((64 + pulse, 50), (46, 120)):          # a soft glow
        py5.stroke(*MARKER, alpha)
        py5.stroke_weight(6)
        py5.circle(x, y, size)
    py5.stroke(255)
    py5.stroke_weight(3)
    py5.circle(x, y, 34)
    py5.stroke(*MARKER)
    py5.stroke_weight(2)
    py5.line(x - 10, y, x + 10, y)
    py5.line(x, y - 10, x, y + 10)


def draw_mouse(mx, my, recording):
    if not (0 <= mx < SW and 0 <= my < SH):
        return
    if recording:
        grow = (py5.frame_count % 30) / 30
        py5.no_fill()
        py5.stroke(*RECORD, 255 * (1 - grow))
        py5.stroke_weight(3)
        py5.circle(mx, my, 20 + 40 * grow)
        py5.no_stroke()
        py5.fill(*RECORD)
        py5.circle(mx, my, 16)
    if AUTOPILOT:                                              # Xvfb draws no pointer
        py5.fill(255)
        py5.stroke(0)
        py5.stroke_weight(1.5)
        py5.triangle(mx, my, mx, my + 20, mx + 13, my + 15)


def draw_status(recording):
    if recording:
        blink = (255, 255, 255) if py5.frame_count // 15 % 2 else (255, 80, 80)
        p5knn.draw.chip(f"recording this spot  ·  {len(knn)}", 16, 16, fill=(200, 30, 30),
                        dot=blink, font=bold)
    elif not len(knn):
        p5knn.draw.chip("hold the mouse button on a spot to teach it", 16, 16, font=bold)
    else:
        p5knn.draw.chip("the ring follows what the camera sees", 16, 16, dot=MARKER, font=bold)
    if cam.demo is not None and not AUTOPILOT:
        p5knn.draw.chip("demo camera: the view follows the mouse", 16, SH - 52, font=bold)


def draw_panel(x, recording):
    width = py5.width - x - 24
    py5.text_align(py5.LEFT, py5.BASELINE)
    py5.fill(150, 155, 170)
    py5.text_font(bold)
    py5.text_size(16)
    py5.text("REGRESSION: VIEW → POSITION", x, 40)
    py5.text_size(40)
    if marker is not None and len(knn):
        py5.fill(*MARKER)
        py5.text(f"{marker[0]:.0f}, {marker[1]:.0f}", x, 94)
        answer = "predicted x, y on the picture"
    else:
        py5.fill(235)
        py5.text("teach me", x, 94)
        answer = "hold the mouse on a spot"
    py5.text_font(regular)
    py5.text_size(18)
    py5.fill(170, 175, 190)
    py5.text(answer, x, 122)

    rows = [("examples", str(len(knn))), ("spots taught", str(holds_taught())),
            ("recorded at", "15 a second"), ("averages", f"{knn.k} nearest, 1/dist.")]
    for i, (name, value) in enumerate(rows):
        y = 170 + 32 * i
        py5.fill(150, 155, 170)
        py5.text_align(py5.LEFT, py5.BASELINE)
        py5.text(name, x, y)
        py5.fill(235)
        py5.text_align(py5.RIGHT, py5.BASELINE)
        py5.text(value, x + width, y)

    legend = [(DOT, "a recorded spot"), (MARKER, "the prediction")]
    for i, (colour, what) in enumerate(legend):
        y = 310 + 30 * i
        py5.stroke(20, 20, 24)
        py5.fill(*colour)
        py5.circle(x + 14, y, 14 if i == 0 else 18)
        py5.no_stroke()
        py5.fill(220)
        py5.text_align(py5.LEFT, py5.CENTER)
        py5.text(what, x + 36, y - 2)

    keys = [("", "hold: record here"), ("u", "undo"), ("c", "clear")]
    for i, (k, what) in enumerate(keys):
        y = 370 + 36 * i
        if k:
            p5knn.draw.key_cap(k, x, y, 28, font=bold)
        else:                                                  # a mouse, drawn
            py5.no_fill()
            py5.stroke(*(RECORD if recording else (220, 220, 220)))
            py5.stroke_weight(1.5)
            py5.rect(x + 4, y, 20, 28, 10)
            py5.line(x + 14, y, x + 14, y + 10)
        py5.no_stroke()
        py5.fill(220)
        py5.text_font(regular)
        py5.text_size(18)
        py5.text_align(py5.LEFT, py5.CENTER)
        py5.text(what, x + 42, y + 13)


def clusters():
    """Recorded positions grouped into spots (within 16 px of a spot's first one):
    [x, y, examples] each; recomputed only when the examples change."""
    if cache[0] != len(spots):
        found = []
        for sx, sy in spots:
            near = next((c for c in found if abs(c[0] - sx) + abs(c[1] - sy) <= 16), None)
            if near:
                near[2] += 1
            else:
                found.append([sx, sy, 1])
        cache[:] = [len(spots), found]
    return cache[1]


def holds_taught():
    return len(clusters())


def key_pressed():
    global target, marker
    if py5.key == "u" and len(knn):
        knn.undo_last()
        spots.pop()
    elif py5.key == "c":
        knn.clear_all_examples()
        spots.clear()
        trail.clear()
        target = marker = None


def exiting():
    if AUTOPILOT:
        knn.flush()                                            # count adds still queued
        print(json.dumps({"count": len(knn), "spots": holds_taught(), "predicted": predicted,
                          "held_s": round(held_s, 2), "holds": holds,
                          "fps": round(py5.get_frame_rate(), 1)}), flush=True)


# --- autopilot: P5KNN_AUTOPILOT=1 on the demo camera teaches itself (tests, screenshots) ----
# Its mouse glides to five spots and holds the button 0.8 s on each (the demo view follows
# it, so each spot is a different view of the photo wall); then it visits each spot again
# without the button and notes where the marker's prediction puts that view. Last it
# circles slowly round the middle spot, and the marker glides between spots with its trail.
SPOTS = [(90, 80), (550, 80), (550, 400), (90, 400), (320, 240)]
TEACH, CHECK = 1.3, 0.9                                        # seconds per spot
predicted, started = {}, None


def autopilot(now):
    """Moves the virtual mouse (and so the demo view); notes the predictions."""
    global virtual, started
    if cam.demo is None:
        virtual = (SW / 2, SH / 2, False)
        return
    started = started or now
    t = now - started
    plan = [(s, TEACH) for s in SPOTS] + [(s, CHECK) for s in SPOTS]
    here = (SW / 2, SH / 2)
    for i, (spot, stay) in enumerate(plan):
        if t < stay:
            u = 0.5 - 0.5 * math.cos(math.pi * min(1.0, t / 0.35))   # glide there
            x, y = here[0] + (spot[0] - here[0]) * u, here[1] + (spot[1] - here[1]) * u
            teaching = i < len(SPOTS)
            virtual = (x, y, teaching and 0.4 <= t < 1.2)
            if not teaching and t > stay - 0.2 and target is not None:
                predicted[f"{spot[0]},{spot[1]}"] = [round(v) for v in target]
            return
        t -= stay
        here = spot
    u = 0.5 - 0.5 * math.cos(math.pi * min(1.0, t / 0.6))     # the finale: a slow circle
    angle = t * 0.9                                            # around the middle spot
    virtual = (320 + u * 180 * math.cos(angle), 240 - u * 115 * math.sin(angle), False)


py5.run_sketch()
