"""KNN on plain feature vectors: the mouse position. Paint examples of three classes on the
map; the background shows which class wins everywhere, and the cursor asks the KNN live.

    python sketches/mouse_vectors.py

Keys: 1, 2, 3 choose the class you paint; click to add an example where you click, drag to
paint a stroke of them (15 a second while the button is held); u undoes the last example,
c clears them all, + and - change k. Lines join the cursor to its k nearest examples.

Positions need ``metric="euclidean"``: cosine similarity only sees the direction from the
corner, so it would call (10, 10) and (300, 300) the same point. The map is the KNN's own
answer on a grid of 80 × 60 points (computed on a thread of its own whenever the examples
change: 4 800 predictions of about 50 µs), blended smoothly between grid points.
"""

import json
import math
import os
import threading
import time

import cv2
import numpy as np
import py5

import p5knn

LABELS = ["1", "2", "3"]                                       # key = label
COLORS = [(250, 110, 90), (80, 160, 255), (95, 215, 125)]
BACKGROUND = (22, 24, 30)
MAP_W, MAP_H, CELL = 640, 480, 8                               # map size, grid step
ADD_EVERY = 1 / 15                                             # seconds between examples
AUTOPILOT = os.environ.get("P5KNN_AUTOPILOT") == "1"

knn = p5knn.knn_classifier.create(metric="euclidean", k=3, weights="distance")
selected = "1"                      # the class you paint
result = None                       # the KNN's answer at the cursor (from the callback)
last_add, last_spot = 0.0, (-99, -99)
held_s = 0.0                        # seconds the button was held on the map (the summary)
presses, last_frame = 0, None
mouse_seen = AUTOPILOT              # the mouse came over the sketch: show the cursor's answer
changed = threading.Event()         # examples or k changed: the map thread redraws
stop = threading.Event()
new_map = None                      # an RGB array from the map thread, not yet shown


def setup():
    global regular, bold, small_bold, map_img
    py5.size(960, 480)
    regular = py5.create_font("SansSerif", 18)
    bold = py5.create_font("SansSerif.bold", 18)
    small_bold = py5.create_font("SansSerif.bold", 15)
    map_img = None
    for label, (x, y) in zip(LABELS, [(130, 130), (510, 130), (320, 390)]):
        knn.add_example([x, y], label)                         # a starting point per class
    threading.Thread(target=map_thread, daemon=True).start()
    changed.set()


# ------------------------------------------------------------------ the decision map
def map_thread():
    """Ask the KNN about every grid point, blend to full size, colour by class and sureness."""
    global new_map
    xs = np.arange(CELL / 2, MAP_W, CELL)
    ys = np.arange(CELL / 2, MAP_H, CELL)
    while not stop.is_set():
        if not changed.wait(0.5):
            continue
        changed.clear()
        conf = np.zeros((len(ys), len(xs), len(LABELS)), np.float32)
        try:
            for j, y in enumerate(ys):
                for i, x in enumerate(xs):
                    answer = knn.predict_class([x, y], wait=True)   # runs now, on this thread
                    conf[j, i] = [answer.confidences.get(lab, 0.0) for lab in LABELS]
        except p5knn.EmptyClassifierError:                     # cleared: an empty map
            new_map = np.full((MAP_H, MAP_W, 3), BACKGROUND, np.uint8)
            continue
        big = cv2.resize(conf, (MAP_W, MAP_H), interpolation=cv2.INTER_LINEAR)
        new_map = colour_map(cv2.GaussianBlur(big, (0, 0), 4))   # round off the grid's corners


def colour_map(conf):
    """Winner's colour, deeper where the KNN is sure, a fine light line where classes meet."""
    ranked = np.sort(conf, axis=2)
    sure = ranked[..., -1]
    mix = (conf + 1e-6) ** 8                                   # ~ the winner, smooth edges
    base = mix @ np.asarray(COLORS, np.float32) / mix.sum(axis=2, keepdims=True)
    dark = np.asarray(BACKGROUND, np.float32)
    rgb = dark + (base - dark) * (0.22 + 0.30 * sure)[..., None]
    win = conf.argmax(axis=2)
    edge = np.zeros(win.shape, np.float32)                     # where the winner changes
    edge[:, 1:] += win[:, 1:] != win[:, :-1]
    edge[1:, :] += win[1:, :] != win[:-1, :]
    edge = np.clip(cv2.GaussianBlur(edge, (0, 0), 0.8) * 1.5, 0, 1)[..., None]
    rgb += (235.0 - rgb) * 0.6 * edge
    return np.clip(rgb, 0, 255).astype(np.uint8)


# ------------------------------------------------------------------ interaction
def add_at(x, y, now):
    """Add an example now; the next one is due ADD_EVERY later (never bunched up)."""
    global last_add, last_spot
    knn.add_example([x, y], selected, wait=True)               # a vector: stored now
    last_add = last_add + ADD_EVERY if now - last_add < 2 * ADD_EVERY else now
    last_spot = x, y
    changed.set()


def got(answer, spot):
    global result
    result = answer, spot


def draw():
    global map_img, new_map, held_s, last_frame
    now = time.perf_counter()
    dt, last_frame = now - (last_frame or now), now
    mx, my, pressed = autopilot(now) if AUTOPILOT else \
        (py5.mouse_x, py5.mouse_y, py5.is_mouse_pressed)
    on_map = 0 <= mx < MAP_W and 0 <= my < MAP_H
    if pressed and on_map:                                     # paint at a steady rate
        held_s += dt
        if now - last_add >= ADD_EVERY and math.dist((mx, my), last_spot) >= 8:
            add_at(mx, my, now)
    if new_map is not None:
        map_img = py5.create_image_from_numpy(new_map, "RGB", dst=map_img)
        new_map = None
    if on_map and len(knn):
        knn.predict_class([mx, my], callback=lambda r, s=(mx, my): got(r, s))

    py5.background(*BACKGROUND)
    if map_img is not None:
        py5.image(map_img, 0, 0)
    draw_examples()
    if on_map and mouse_seen:
        draw_cursor(mx, my, pressed)
    if not len(knn) or not mouse_seen:
        p5knn.draw.chip(f"click or drag on the map to add class {selected}", 16, 16, font=bold)
    draw_panel(660)


def draw_examples():
    py5.text_font(small_bold)
    py5.text_size(15)
    py5.text_align(py5.CENTER, py5.CENTER)
    for i in range(len(knn)):
        (x, y), label = knn.get_example(i)
        colour = COLORS[LABELS.index(label)]
        py5.stroke(15, 16, 20)
        py5.stroke_weight(2.5)
        py5.fill(*colour)
        py5.circle(x, y, 22)
        py5.no_stroke()
        py5.fill(15, 16, 20)
        py5.text(label, x, y - 1)


def draw_cursor(mx, my, pressed):
    answer = result[0] if result is not None else None
    if answer is not None:                                     # lines to the k nearest
        for n in answer.neighbors:
            if n.index < len(knn):
                (x, y), label = knn.get_example(n.index)
                py5.stroke(*COLORS[LABELS.index(label)], 230)
                py5.stroke_weight(2)
                py5.line(mx, my, x, y)
    colour = COLORS[LABELS.index(selected)]
    py5.stroke(255)
    py5.stroke_weight(2)
    py5.fill(*colour, 200 if pressed else 90)
    py5.circle(mx, my, 26 if pressed else 18)
    if AUTOPILOT:                                              # Xvfb draws no pointer
        py5.fill(255)
        py5.stroke(0)
        py5.stroke_weight(1.5)
        py5.triangle(mx, my, mx, my + 20, mx + 13, my + 15)
    if answer is None:
        return
    text = f"class {answer.label}  ·  {answer.confidence:.0%}"
    py5.text_font(bold)
    py5.text_size(18)
    w = py5.text_width(text) + 48
    x = mx + 22 if mx + 22 + w < MAP_W - 6 else mx - 22 - w
    y = min(max(my - 18, 6), MAP_H - 42)
    p5knn.draw.chip(text, x, y, fill=(10, 11, 14), dot=COLORS[LABELS.index(answer.label)],
                    font=bold)


def draw_panel(x):
    width = py5.width - x - 24
    counts = knn.get_count_by_label()
    answer = result[0] if result is not None and mouse_seen else None
    py5.text_align(py5.LEFT, py5.BASELINE)
    py5.fill(150, 155, 170)
    py5.text_font(bold)
    py5.text_size(16)
    py5.text("KNN ON MOUSE POSITIONS", x, 40)
    py5.fill(235)
    py5.text_font(bold)
    py5.text_size(18)
    py5.text(f"k = {knn.k}  ·  euclidean", x, 70)
    py5.fill(150, 155, 170)
    py5.text_font(regular)
    py5.text_size(16)
    py5.text("votes weighted by 1 / distance", x, 92)

    py5.text_size(16)
    py5.fill(120, 125, 140)
    py5.text("class   at the cursor", x, 126)
    py5.text_align(py5.RIGHT, py5.BASELINE)
    py5.text("examples", x + width, 126)
    p5knn.draw.confidence_bars(answer, x + 44, 136, width - 106, 34, gap=8,
                               labels=LABELS, colors=COLORS, text_size=18)
    for i, label in enumerate(LABELS):
        y = 136 + i * 42
        p5knn.draw.key_cap(label, x, y, 34, active=label == selected, font=bold)
        py5.fill(235)
        py5.text_font(regular)
        py5.text_size(18)
        py5.text_align(py5.RIGHT, py5.CENTER)
        py5.text(str(counts.get(label, 0)), x + width, y + 16)

    py5.text_align(py5.LEFT, py5.CENTER)
    py5.fill(*COLORS[LABELS.index(selected)])
    py5.text_font(bold)
    py5.text(f"painting class {selected}", x, 284)
    rows = [("1 2 3", "choose the class"), ("", "click or drag: add"), ("u", "undo"),
            ("c", "clear"), ("+ -", "change k")]
    for i, (keys, what) in enumerate(rows):
        y = 302 + 35 * i
        for j, k in enumerate(keys.split()):
            p5knn.draw.key_cap(k, x + 34 * j, y, 28, font=bold)
        if not keys:                                           # a mouse, drawn
            py5.no_fill()
            py5.stroke(220)
            py5.stroke_weight(1.5)
            py5.rect(x + 6, y, 20, 28, 10)
            py5.line(x + 16, y, x + 16, y + 10)
        py5.no_stroke()
        py5.fill(220)
        py5.text_font(regular)
        py5.text_size(18)
        py5.text(what, x + 108, y + 13)


def key_pressed():
    global selected, result
    key = str(py5.key)
    if key in LABELS:
        selected = key
    elif key == "u" and len(knn):
        knn.undo_last()
    elif key == "c":
        knn.clear_all_labels()
        result = None
    elif key in "+=-_":
        knn.k = max(1, min(15, knn.k + (1 if key in "+=" else -1)))
    else:
        return
    changed.set()


def mouse_moved():
    global mouse_seen
    mouse_seen = True


def mouse_pressed():
    global presses, mouse_seen
    presses += 1
    mouse_seen = True
    if py5.mouse_x < MAP_W:
        add_at(py5.mouse_x, py5.mouse_y, time.perf_counter())  # a click adds at once


def exiting():
    stop.set()
    if AUTOPILOT:
        print(json.dumps({"counts": knn.get_count_by_label(), "predicted": predicted,
                          "held_s": round(held_s, 2), "presses": presses, "undone": undone,
                          "k": knn.k, "fps": round(py5.get_frame_rate(), 1)}), flush=True)


# --- autopilot: P5KNN_AUTOPILOT=1 paints by itself (tests, screenshots) -------------------
# It chooses class 1, 2, 3 in turn and drags a stroke of each for 1 s (the button "held"),
# undoes the last example once, then moves to points it did not paint and notes the class
# the KNN answers there (from the live callback for exactly that point).
STROKES = {"1": [(70, 250), (90, 120), (200, 60), (280, 90)],
           "2": [(390, 70), (560, 90), (600, 220), (560, 300)],
           "3": [(110, 430), (250, 360), (400, 440), (560, 400)]}
QUERIES = [(150, 170), (520, 200), (330, 420), (240, 130), (470, 420)]
FINAL = (400, 250)
predicted, undone, started, done_keys = {}, 0, None, set()


def along(points, u):
    """The point a fraction u along a polyline."""
    pts = np.asarray(points, float)
    lengths = np.linalg.norm(np.diff(pts, axis=0), axis=1)
    d = u * lengths.sum()
    for a, b, n in zip(pts[:-1], pts[1:], lengths):
        if d <= n:
            return tuple(a + (b - a) * (d / n))
        d -= n
    return tuple(pts[-1])


def press_once(name, action):
    """A one-shot key: ``action`` runs the first time the plan reaches it."""
    if name not in done_keys:
        done_keys.add(name)
        action()


def choose(label):
    global selected
    selected = label


def undo():
    global undone
    knn.undo_last()
    undone += 1
    changed.set()


def autopilot(now):
    """(mouse x, mouse y, button held) of the plan at this moment."""
    global started, presses
    started = started or now
    t = now - started
    if t < 0.6:
        return 320, 240, False
    for i, label in enumerate(LABELS):                         # 1.4 s per class
        u = t - 0.6 - 1.4 * i
        if 0 <= u < 1.4:
            press_once(f"key {label}", lambda label=label: choose(label))
            if 0.2 <= u < 1.2:                                 # the button held 1 s
                if f"press {label}" not in done_keys:
                    presses += 1
                    done_keys.add(f"press {label}")
                x, y = along(STROKES[label], u - 0.2)
                return round(x), round(y), True
            x, y = along(STROKES[label], 0.0 if u < 0.2 else 1.0)
            return round(x), round(y), False
    t -= 0.6 + 1.4 * len(LABELS)
    press_once("u", undo)
    here = STROKES["3"][-1]
    for i, spot in enumerate([*QUERIES, FINAL]):               # 0.7 s per point
        u = t - 0.7 * i
        if u < 0.7:
            s = 0.5 - 0.5 * math.cos(math.pi * min(1.0, u / 0.35))
            x, y = here[0] + (spot[0] - here[0]) * s, here[1] + (spot[1] - here[1]) * s
            if u >= 0.35 and result is not None and result[1] == spot and spot != FINAL:
                predicted[f"{spot[0]},{spot[1]}"] = result[0].label
            return round(x), round(y), False
        here = spot
    return FINAL[0], FINAL[1], False


py5.run_sketch()
