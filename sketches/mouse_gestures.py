"""Mouse gestures: draw a circle, a zigzag or a swipe in the air, and the sketch names it.

    python sketches/mouse_gestures.py

Hold 1 (circle), 2 (zigzag) or 3 (swipe) while you draw that gesture with the mouse, and let
go when it is done: that is one recorded gesture (no button needed: the mouse draws "in the
air"). Record two or three of each, in different sizes, places and speeds. Then just draw:
a gesture that matches one you recorded flashes up with its path, once, as it ends.
u undoes the last gesture, c clears them all. No camera needed.

How it works: ``p5knn.gesture_classifier.create(normalize="sequence")`` compares movements by
dynamic time warping, each one centred and scaled by its own size first, so where you draw
and how big stop mattering; only the shape (and its direction) counts.
``classify_start(mouse, got)`` reads the mouse 30 times a second on a thread of its own: a
steady sample rate whatever ``draw()`` does (a slow frame does not stretch a gesture), and
the matching (a few milliseconds) never runs in ``draw()``. Recording goes through the same
stream — ``start_recording`` when the key goes down, ``stop_recording`` when it comes up —
so recorded and live gestures are sampled alike.
"""

import json
import math
import os
import threading
import time
from collections import deque

import numpy as np
import py5

import p5knn

GESTURES = {"1": "circle", "2": "zigzag", "3": "swipe"}        # key -> label
COLORS = [(235, 87, 70), (70, 140, 245), (250, 190, 40)]       # circle, zigzag, swipe
SAMPLE_RATE = 30                                               # mouse reads per second
AREA = 640                                                     # drawing area: x < AREA
THUMBS = 6                                                     # thumbnails per label

g = p5knn.gesture_classifier.create(normalize="sequence")

samples = deque(maxlen=SAMPLE_RATE * 10)   # (time, x, y): what the classifier read, 10 s
samples_lock = threading.Lock()
trail = deque(maxlen=36)                   # the mouse at each frame, for a smooth trail
recording = None                           # the label being recorded
recording_since = 0.0
let_go = None                              # when the key came up (auto-repeat: it comes back)
flash = None                               # (result, path, time) of the last gesture named
note = None                                # (text, time): "too short", "undone", ...
version = 0                                # bumps when the recorded gestures change
thumbs = {}                                # label -> [normalised paths], made on change
thumbs_version = -1


def mouse():
    """Where the mouse is: a scripted hand with P5KNN_AUTOPILOT=1, else py5's mouse."""
    if AUTOPILOT:
        return autopilot_mouse(time.perf_counter())
    return py5.mouse_x, py5.mouse_y


def read_mouse():
    """The classifier's source, called 30 times a second on its stream thread."""
    x, y = mouse()
    with samples_lock:
        samples.append((time.perf_counter(), x, y))
    return x, y


def setup():
    global regular, bold, grid
    py5.size(960, 540)
    regular = py5.create_font("SansSerif", 18)
    bold = py5.create_font("SansSerif.bold", 18)
    grid = make_grid()
    g.classify_start(read_mouse, got, fps=SAMPLE_RATE)


def got(result):
    """A gesture was recognised (on the animation thread, before draw())."""
    global flash
    flash = result, matched_path(result), time.perf_counter()
    if AUTOPILOT:
        (recognised_while_teaching if phase_now == "teach" else recognised).append(
            result.label)


def matched_path(result):
    """The mouse samples the classifier matched: the last ``frames`` up to its best frame."""
    with samples_lock:
        points = [(x, y) for t, x, y in samples if t <= result.frame_time]
    return np.array(points[-max(result.frames, 2):], float)


def make_grid():
    """The drawing area's dot grid, drawn once."""
    pg = py5.create_graphics(AREA, py5.height)
    pg.begin_draw()
    pg.background(31, 34, 42)
    pg.stroke(255, 255, 255, 28)
    pg.stroke_weight(2)
    pg.points([(x, y) for x in range(16, AREA, 32) for y in range(14, py5.height, 32)])
    pg.end_draw()
    return pg


def draw():
    now = time.perf_counter()
    if AUTOPILOT:
        autopilot(now)
    elif let_go is not None and now - let_go > 0.08:   # the key really came up
        stop()
    x, y = mouse()
    trail.append((x, y))

    py5.background(28, 30, 37)
    py5.image(grid, 0, 0)
    draw_flash(now)
    draw_trail()
    py5.no_fill()
    py5.stroke(255, 255, 255, 200)
    py5.stroke_weight(2)
    py5.circle(x, y, 14)                                       # the pen
    draw_status(now)
    draw_panel(660)


# ------------------------------------------------------------------ recording
def start(label):
    global recording, recording_since, let_go
    let_go = None
    if recording == label:
        return
    if recording is not None:
        stop()
    g.start_recording(label)
    recording, recording_since = label, time.perf_counter()


def stop():
    global recording, let_go, version, note
    let_go = None
    if recording is None:
        return
    index = g.stop_recording()                       # adds the gesture now
    if index is None:
        note = "too short: hold the key while you draw", time.perf_counter()
    version += 1
    recording = None


def key_pressed():
    global version, flash, note
    key = str(py5.key).lower()
    if key in GESTURES and not AUTOPILOT:
        start(GESTURES[key])
    elif key == "u" and len(g):
        note = f"removed the last {g.undo_last()}", time.perf_counter()
        version += 1
    elif key == "c":
        g.clear_all()
        flash, version = None, version + 1


def key_released():
    global let_go
    if recording is not None and GESTURES.get(str(py5.key).lower()) == recording:
        let_go = time.perf_counter()          # stop() in draw(), unless it comes straight back


# ------------------------------------------------------------------ drawing
def polyline(points, smooth=False):
    """One unfilled shape through the points (no overlapping joints: even when see-through,
    the line is one even colour); ``smooth``: a curve through them (30 samples a second
    make a fast circle look like a polygon)."""
    if len(points) < 2:
        return
    py5.no_fill()
    py5.begin_shape()
    if smooth:
        py5.curve_vertices(np.vstack([points[:1], points, points[-1:]]))  # ends: twice
    else:
        py5.vertices(points)
    py5.end_shape()


def draw_trail():
    """The mouse's last half second; while recording, everything recorded so far."""
    if recording is not None:
        with samples_lock:
            path = np.array([(x, y) for t, x, y in samples if t >= recording_since], float)
        rgb = COLORS[list(GESTURES.values()).index(recording)]
        py5.stroke(*rgb)
        py5.stroke_weight(5)
        polyline(path, smooth=True)
        return
    points = np.array(trail, float)
    for i in range(1, len(points)):
        py5.stroke(255, 255, 255, 200 * i / len(points))
        py5.stroke_weight(1 + 3 * i / len(points))
        py5.line(*points[i - 1], *points[i])


def draw_flash(now):
    """The last recognised gesture: its path, glowing, and its name, big. Both fade to a
    quiet trace that stays until the next gesture."""
    if flash is None:
        return
    result, path, when = flash
    rgb = COLORS[list(GESTURES.values()).index(result.label)] \
        if result.label in GESTURES.values() else (235, 235, 245)
    fade = max(0.0, 1.0 - (now - when) / 1.5)
    strength = 0.45 + 0.55 * fade
    py5.stroke(*rgb, 60 * strength)
    py5.stroke_weight(18)
    polyline(path, smooth=True)
    py5.stroke(*rgb, 255 * strength)
    py5.stroke_weight(5)
    polyline(path, smooth=True)
    if len(path):
        py5.no_stroke()
        py5.fill(*rgb, 255 * strength)
        py5.circle(*path[0], 10)                       # where it started
        py5.circle(*path[-1], 18)                      # where it ended
    grow = 1.0 + 0.25 * fade ** 3
    py5.text_font(bold)
    py5.text_size(64 * grow)
    py5.text_align(py5.CENTER, py5.BASELINE)
    py5.fill(0, 0, 0, 120 * strength)
    py5.text(result.label, AREA / 2 + 3, py5.height - 37)
    py5.fill(*rgb, 255 * (0.25 + 0.75 * fade))
    py5.text(result.label, AREA / 2, py5.height - 40)


def draw_status(now):
    counts = g.get_count_by_label()
    if recording is not None:
        blink = (255, 255, 255) if py5.frame_count // 15 % 2 else (255, 80, 80)
        p5knn.draw.chip(f"recording {recording}  ·  {counts.get(recording, 0) + 1}", 16, 16,
             fill=(200, 30, 30), dot=blink, font=bold)
    elif note is not None and now - note[1] < 2.5:
        p5knn.draw.chip(note[0], 16, 16, fill=(60, 64, 76), font=bold)
    elif not counts:
        p5knn.draw.chip("hold 1, 2 or 3 and draw a gesture with the mouse", 16, 16, font=bold)
    elif len(g) < 2:
        p5knn.draw.chip("record at least two gestures", 16, 16, font=bold)
    elif len(counts) < 2:
        p5knn.draw.chip("now teach a second kind of gesture", 16, 16, font=bold)
    else:
        p5knn.draw.chip("draw a gesture in the air", 16, 16, font=bold)


def draw_panel(x):
    width = py5.width - x - 24
    labels = list(GESTURES.values())
    counts = g.get_count_by_label()
    py5.no_stroke()
    py5.fill(22, 24, 30)
    py5.rect(AREA, 0, py5.width - AREA, py5.height)
    py5.text_align(py5.LEFT, py5.BASELINE)
    py5.fill(150, 155, 170)
    py5.text_font(bold)
    py5.text_size(16)
    py5.text("MOUSE GESTURES", x, 40)

    py5.text_size(44)
    if flash is not None:
        result = flash[0]
        py5.fill(*COLORS[labels.index(result.label)])
        py5.text(result.label, x, 98)
        answer = f"DTW distance {result.distance:.2f} (limit {result.threshold:.1f})"
    else:
        py5.fill(235)
        py5.text("teach me" if len(g) < 2 or len(counts) < 2 else "draw!", x, 98)
        answer = "hold a key while you draw" if len(g) < 2 or len(counts) < 2 \
            else "a circle, a zigzag or a swipe"
    py5.text_font(regular)
    py5.text_size(18)
    py5.fill(170, 175, 190)
    py5.text(answer, x, 126)

    py5.text_size(16)
    py5.fill(120, 125, 140)
    py5.text("key   gesture", x, 166)
    py5.text_align(py5.RIGHT, py5.BASELINE)
    py5.text("recorded", x + width, 166)
    update_thumbs()
    for i, (key, label) in enumerate(GESTURES.items()):
        y = 186 + i * 98
        py5.no_stroke()
        py5.fill(255, 255, 255, 9)
        py5.rect(x - 10, y - 8, width + 20, 92, 10)
        p5knn.draw.key_cap(key, x, y, 34, active=recording == label, font=bold)
        py5.fill(*COLORS[i])
        py5.text_font(bold)
        py5.text_size(18)
        py5.text_align(py5.LEFT, py5.CENTER)
        py5.text(label, x + 50, y + 16)
        py5.fill(235)
        py5.text_font(regular)
        py5.text_align(py5.RIGHT, py5.CENTER)
        py5.text(str(counts.get(label, 0)), x + width, y + 16)
        for j in range(THUMBS):
            paths = thumbs.get(label, [])
            thumb(paths[j] if j < len(paths) else None, x + j * 47, y + 42, 38, COLORS[i])

    y = 490
    for j, (key, what) in enumerate([("u", "undo"), ("c", "clear")]):
        p5knn.draw.key_cap(key, x + 138 * j, y, 30, font=bold)
        py5.fill(220)
        py5.text_font(regular)
        py5.text_size(18)
        py5.text_align(py5.LEFT, py5.CENTER)
        py5.text(what, x + 138 * j + 42, y + 14)


def update_thumbs():
    """The recorded gestures as small paths (made again only when they changed)."""
    global thumbs, thumbs_version
    if thumbs_version == version:
        return
    made = {}
    for i in range(len(g)):
        frames, label = g.gesture(i)
        low, high = frames.min(axis=0), frames.max(axis=0)
        size = max(float(np.max(high - low)), 1e-6)
        made.setdefault(label, []).append((frames - (low + high) / 2) / size)
    thumbs = {label: paths[-THUMBS:] for label, paths in made.items()}
    thumbs_version = version


def thumb(path, x, y, size, rgb):
    """One recorded gesture in a small box (an empty box: room for one more)."""
    py5.no_stroke()
    py5.fill(255, 255, 255, 14 if path is None else 24)
    py5.rect(x, y, size, size, 7)
    if path is None:
        return
    points = path * (size - 12) + (x + size / 2, y + size / 2)
    py5.stroke(*rgb)
    py5.stroke_weight(2)
    polyline(points)
    py5.no_stroke()
    py5.fill(255)
    py5.circle(*points[0], 5)                            # where it starts


def exiting():
    g.classify_stop()
    if AUTOPILOT:
        print(json.dumps({"counts": g.get_count_by_label(), "performed": performed,
                          "recognised": recognised,
                          "recognised_while_teaching": recognised_while_teaching,
                          "fps": round(py5.get_frame_rate(), 1)}), flush=True)


# --- autopilot: P5KNN_AUTOPILOT=1 plays by itself (tests, screenshots) ---------------------
# A scripted mouse records three circles, three zigzags and three swipes of different sizes,
# places and speeds ("holding the key" while it draws each), then draws one of each anew and
# notes what the sketch recognises. Between gestures the pen rests, then jumps to the next
# start, as if lifted.
AUTOPILOT = os.environ.get("P5KNN_AUTOPILOT") == "1"


def ease(u):
    """Slow at the start and the end, like a hand."""
    return 0.5 - 0.5 * math.cos(math.pi * min(max(u, 0.0), 1.0))


def circle(cx, cy, r):
    def at(u):
        a = -math.pi / 2 + 2 * math.pi * ease(u)            # clockwise from the top
        return cx + r * math.cos(a), cy + r * math.sin(a)
    return at


def zigzag(x0, y0, w, h, teeth=4):
    def at(u):
        s = ease(u) * teeth
        i = min(int(s), teeth - 1)
        ya, yb = (y0, y0 + h) if i % 2 == 0 else (y0 + h, y0)
        return x0 + w * s / teeth, ya + (yb - ya) * (s - i)
    return at


def swipe(x0, y0, length, rise=0.0):
    def at(u):
        return x0 + length * ease(u), y0 + rise * ease(u)
    return at


SHAPES = {"circle": circle, "zigzag": zigzag, "swipe": swipe}
TEACH = [("circle", (210, 200, 80), 1.0), ("zigzag", (130, 330, 260, 90), 1.2),
         ("swipe", (100, 140, 380, 20), 0.7), ("circle", (420, 300, 120), 1.4),
         ("zigzag", (310, 100, 200, 70), 0.9), ("swipe", (180, 440, 300, -30), 0.5),
         ("circle", (320, 250, 60), 0.8), ("zigzag", (80, 200, 340, 120), 1.5),
         ("swipe", (70, 290, 480, 0), 0.9)]
PERFORM = [("swipe", (140, 170, 400, 25), 0.6), ("zigzag", (190, 300, 300, 100), 1.1),
           ("circle", (330, 230, 110), 1.1)]
REST = 0.35                                     # still before and after each gesture
SCRIPT, t_end = [], 0.0
for phase_name, items in (("teach", TEACH), ("perform", PERFORM)):
    for label_, args, seconds in items:
        SCRIPT.append((t_end, phase_name, label_, SHAPES[label_](*args), seconds))
        t_end += REST + seconds + REST
performed = [label_ for label_, _, _ in PERFORM]
recognised, recognised_while_teaching = [], []
phase_now, started = "teach", None


def step_at(t):
    """(phase, label, path, seconds, time into the gesture) of the script at time t."""
    for begin, phase, label, at, seconds in SCRIPT:
        if t < begin + REST + seconds + REST:
            return phase, label, at, seconds, t - begin - REST
    begin, phase, label, at, seconds = SCRIPT[-1]
    return "done", label, at, seconds, seconds + REST


def autopilot_mouse(now):
    if started is None:
        return SCRIPT[0][3](0.0)
    _, _, at, seconds, into = step_at(now - started)
    return at(into / seconds)


def autopilot(now):
    """Hold the gesture's key from just before it starts to just after it ends."""
    global started, phase_now
    started = started or now
    phase, label, _, seconds, into = step_at(now - started)
    phase_now = phase
    if phase == "teach" and -0.1 <= into <= seconds + 0.1:
        start(label)
    elif recording is not None:
        stop()


py5.run_sketch()
