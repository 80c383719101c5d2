"""Hand gestures over time: swipe left, swipe right, wave — movements, not poses.

    python sketches/hand_gestures.py

Show your hand to the camera. Hold 1 (swipe left), 2 (swipe right) or 3 (wave) while you
make that movement, and let go when it is done: that is one recorded gesture. Record two or
three of each. Then just move: a movement that matches one you recorded flashes up, once, as
it ends. u undoes the last gesture, c clears them all.

A swipe left and a swipe right pass through the same hand shapes: what tells them apart is
where the hand goes over time. ``p5knn.gesture_classifier.create("hands",
keypoints="position")`` turns each camera frame into where the hand is (x, y of its
landmarks' centre, 0…1 of the frame), and compares movements by dynamic time warping, each
one centred and scaled by its own size (``normalize="sequence"``), so a small swipe at the
top of the frame matches a big one at the bottom. ``classify_start(cam, got)`` runs the hand
model on each new camera frame on a thread of its own; ``draw()`` only reads what it found
last (``extractor.last_found``): the skeleton, the hand's recent path and the strip below
the camera, which plots the hand's x and y over the last seconds (the numbers the classifier
compares) with each recorded and recognised gesture marked.

Record and move at the same camera frame rate: the matcher compares frames, so a webcam that
drops from 30 to 15 frames a second (dim light) makes every movement look twice as fast, and
one recorded in the dark may not match in daylight.

No webcam? The demo source stands in, and a photo cannot wave: move the mouse over the
picture to slide the view so the hand in the bottom-left photo crosses the frame — that is a
swipe, and it is recorded and recognised like one. "wave" needs a real webcam.
"""

import json
import os
import time
from collections import deque

import numpy as np
import py5

import p5knn

GESTURES = {"1": "swipe left", "2": "swipe right", "3": "wave"}   # key -> label
COLORS = [(70, 140, 245), (235, 87, 70), (250, 190, 40)]          # left, right, wave
THUMBS = 6                                                        # thumbnails per label
STRIP = 4.0                                                       # seconds the strip shows

# A selfie view. With P5KNN_AUTOPILOT=1 the demo camera sends 15 frames a second: the
# matcher counts frames, so recording and performing need about the same frame rate, and
# even a busy test machine runs the hand model on every one of 15 frames a second.
cam = p5knn.Camera(mirror=True, demo_wall="people",
                   fps=15 if os.environ.get("P5KNN_AUTOPILOT") == "1" else None)
g = p5knn.gesture_classifier.create("hands", keypoints="position", normalize="sequence",
                                    num_hands=1, num_threads=1)
hands = g.extractor                                             # the hand model it runs

path = deque(maxlen=240)          # (time, x, y) of the hand in each new frame; x = None: none
seen = None                       # the last detection appended to path
frames_seen = 0                   # frames the model finished (as draw() saw them)
events = deque(maxlen=24)         # (start, end, colour index, recorded?) for the strip
recording = None                  # the label being recorded
recording_since = 0.0
let_go = None                     # when the key came up (auto-repeat: it comes back)
flash = None                      # (result, matched path, time) of the last gesture named
note = None                       # (text, time): "too short", "removed …"
version = 0                       # bumps when the recorded gestures change
thumbs = {}                       # label -> [normalised paths], made on change
thumbs_version = -1
first_frame = None


def setup():
    global regular, bold
    py5.size(960, 540)
    regular = py5.create_font("SansSerif", 18)
    bold = py5.create_font("SansSerif.bold", 18)
    g.classify_start(cam, got)                    # each new camera frame → hand → matcher


def got(result):
    """A gesture was recognised (on the animation thread, before draw())."""
    global flash
    matched = [(t, x, y) for t, x, y in path if x is not None and
               t <= result.frame_time + 0.05][-result.frames:]     # the frames it matched
    flash = result, np.array([(x, y) for _, x, y in matched], float), time.perf_counter()
    start_time = matched[0][0] if matched else result.frame_time
    events.append((start_time, result.frame_time, list(GESTURES.values()).index(result.label),
                   False))
    if AUTOPILOT:
        (recognised_while_teaching if phase_now == "teach" else recognised).append(
            result.label)


def follow():
    """Note where the hand is in each frame the model has finished (read once)."""
    global seen, frames_seen
    found = hands.last_found
    if found is seen:
        return found
    seen = found
    frames_seen += 1
    if found:
        x, y = np.asarray(found[0].landmarks)[:, :2].mean(axis=0)
        path.append((time.perf_counter(), float(x), float(y)))
    else:
        path.append((time.perf_counter(), None, None))
    return found


def draw():
    global first_frame
    now = time.perf_counter()
    first_frame = first_frame or now
    if AUTOPILOT:
        autopilot(now)
    elif let_go is not None and now - let_go > 0.08:   # the key really came up
        stop()
    found = follow()

    py5.background(22, 24, 30)
    py5.image(cam.py5_image(), 0, 0)
    draw_path(now)
    p5knn.draw.skeleton(found, weight=3)
    draw_flash(now)
    draw_status(now, found)
    draw_strip(0, 480, 640, 60, now)
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
        note = "too short: hold the key while you move", time.perf_counter()
    else:
        events.append((recording_since, time.perf_counter(),
                       list(GESTURES.values()).index(recording), True))
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
    """One unfilled shape through the points (a curve through them with ``smooth``)."""
    if len(points) < 2:
        return
    py5.no_fill()
    py5.begin_shape()
    if smooth:
        py5.curve_vertices(np.vstack([points[:1], points, points[-1:]]))  # ends: twice
    else:
        py5.vertices(points)
    py5.end_shape()


def draw_path(now):
    """The hand's last second (while recording: since the key went down), fading."""
    since = recording_since if recording is not None else now - 1.0
    points = [(x, y) for t, x, y in path if t >= since and x is not None]
    rgb = COLORS[list(GESTURES.values()).index(recording)] if recording else (255, 255, 255)
    for i in range(1, len(points)):
        py5.stroke(*rgb, 255 if recording else 230 * i / len(points))
        py5.stroke_weight(6 if recording else 1 + 4 * i / len(points))
        py5.line(*points[i - 1], *points[i])


def draw_flash(now):
    """The last recognised gesture: the path it matched, glowing, and its name, big; they
    fade in 1.5 s (the path stays as a faint trace until the next gesture)."""
    if flash is None:
        return
    result, points, when = flash
    rgb = COLORS[list(GESTURES.values()).index(result.label)]
    fade = max(0.0, 1.0 - (now - when) / 1.5)
    strength = 0.35 + 0.65 * fade
    py5.stroke(*rgb, 70 * strength)
    py5.stroke_weight(22)
    polyline(points, smooth=True)
    py5.stroke(*rgb, 255 * strength)
    py5.stroke_weight(7)
    polyline(points, smooth=True)
    if len(points):
        py5.no_stroke()
        py5.fill(*rgb, 255 * strength)
        py5.circle(*points[-1], 22)                    # where it ended
    if fade <= 0:
        return
    py5.text_font(bold)
    py5.text_size(56 * (1.0 + 0.2 * fade ** 3))
    py5.text_align(py5.CENTER, py5.BASELINE)
    py5.fill(0, 0, 0, 150 * fade)
    py5.text(result.label, 323, 403)
    py5.fill(*rgb, 255 * fade)
    py5.text(result.label, 320, 400)


def draw_status(now, found):
    counts = g.get_count_by_label()
    if hands.detector_runs == 0:
        p5knn.draw.chip("starting the hand model…", 16, 16, font=bold)
    elif recording is not None:
        blink = (255, 255, 255) if py5.frame_count // 15 % 2 else (255, 80, 80)
        p5knn.draw.chip(f"recording {recording}  ·  {counts.get(recording, 0) + 1}", 16, 16,
             fill=(200, 30, 30), dot=blink, font=bold)
    elif note is not None and now - note[1] < 2.5:
        p5knn.draw.chip(note[0], 16, 16, fill=(60, 64, 76), font=bold)
    elif not found:
        p5knn.draw.chip("show me your hand", 16, 16, font=bold)
    elif not counts:
        p5knn.draw.chip("hold 1, 2 or 3 while you move your hand", 16, 16, font=bold)
    elif len(g) < 2:
        p5knn.draw.chip("record at least two gestures", 16, 16, font=bold)
    elif len(counts) < 2:
        p5knn.draw.chip("now teach a second kind of gesture", 16, 16, font=bold)
    else:
        p5knn.draw.chip("move your hand: swipe or wave", 16, 16, font=bold)
    if cam.demo is not None and not AUTOPILOT:
        p5knn.draw.chip("demo camera: move the mouse to the bottom left", 16, 428, font=bold)


def draw_strip(x, y, w, h, now):
    """The hand's x (bright) and y (dim) over the last seconds — what the classifier
    compares — with the recorded (outlined) and recognised (filled) gestures marked."""
    py5.no_stroke()
    py5.fill(14, 15, 20)
    py5.rect(x, y, w, h)
    for row, (name, shade) in enumerate((("hand x", 240), ("hand y", 120))):   # legend
        py5.stroke(shade)
        py5.stroke_weight(2.5 if row == 0 else 1.5)
        py5.line(x + 12, y + 18 + row * 24, x + 34, y + 18 + row * 24)
        py5.fill(shade if row == 0 else 150)
        py5.text_font(regular)
        py5.text_size(16)
        py5.text_align(py5.LEFT, py5.CENTER)
        py5.text(name, x + 42, y + 16 + row * 24)
    x, w = x + 120, w - 130                                  # the plot, right of the legend
    left = now - STRIP
    bands = [(a, b, i, rec) for a, b, i, rec in events if b >= left]
    if recording is not None:
        bands.append((recording_since, now, list(GESTURES.values()).index(recording), True))
    for start_time, end_time, i, recorded in bands:     # recorded: outlined; recognised: filled
        x0 = x + (max(start_time, left) - left) / STRIP * w
        if recorded:
            py5.no_fill()
            py5.stroke(*COLORS[i])
            py5.stroke_weight(2)
        else:
            py5.no_stroke()
            py5.fill(*COLORS[i], 130)
        py5.rect(x0, y + 3, max(x + (end_time - left) / STRIP * w - x0, 2), h - 6, 4)
    shown = [(t, hx, hy) for t, hx, hy in path if t >= left]
    for column, shade, weight in ((2, 120, 1.5), (1, 240, 2.5)):      # y under x
        values = [item[column] for item in shown if item[column] is not None]
        if not values:
            continue
        # each line spans the strip's height for a movement of 160 pixels or more
        middle, span = (min(values) + max(values)) / 2, max(max(values) - min(values), 160)
        py5.stroke(shade)
        py5.stroke_weight(weight)
        run = []
        for item in shown:
            if item[column] is None:                     # no hand: a gap in the line
                polyline(np.array(run, float))
                run = []
                continue
            run.append((x + (item[0] - left) / STRIP * w,
                        y + h / 2 - (item[column] - middle) / span * (h - 16)))
        polyline(np.array(run, float))


def draw_panel(x):
    width = py5.width - x - 24
    labels = list(GESTURES.values())
    counts = g.get_count_by_label()
    py5.text_align(py5.LEFT, py5.BASELINE)
    py5.fill(150, 155, 170)
    py5.text_font(bold)
    py5.text_size(16)
    py5.text("HAND GESTURES", x, 40)

    py5.text_size(40)
    taught = len(g) >= 2 and len(counts) >= 2
    if flash is not None:
        result = flash[0]
        py5.fill(*COLORS[labels.index(result.label)])
        py5.text(result.label, x, 98)
        answer = f"DTW distance {result.distance:.2f} (limit {result.threshold:.1f})"
    else:
        py5.fill(235)
        py5.text("move!" if taught else "teach me", x, 98)
        answer = "a swipe or a wave" if taught else "hold a key while you move"
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
        paths = thumbs.get(label, [])
        if label == "wave" and cam.demo is not None and not paths:
            py5.fill(150, 155, 170)
            py5.text_size(16)
            py5.text_align(py5.LEFT, py5.CENTER)
            py5.text("a photo cannot wave:", x, y + 50)
            py5.text("this needs a real webcam", x, y + 72)
            continue
        for j in range(THUMBS):
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
        frames, label = g.gesture(i)                       # x, y in 0…1 of the frame
        frames = frames * (cam.width, cam.height)
        low, high = frames.min(axis=0), frames.max(axis=0)
        size = max(float(np.max(high - low)), 1e-6)
        made.setdefault(label, []).append((frames - (low + high) / 2) / size)
    thumbs = {label: paths[-THUMBS:] for label, paths in made.items()}
    thumbs_version = version


def thumb(points, x, y, size, rgb):
    """One recorded gesture in a small box, a dot where it starts (empty: room for more)."""
    py5.no_stroke()
    py5.fill(255, 255, 255, 14 if points is None else 24)
    py5.rect(x, y, size, size, 7)
    if points is None:
        return
    points = points * (size - 12) + (x + size / 2, y + size / 2)
    py5.stroke(*rgb)
    py5.stroke_weight(2)
    polyline(points)
    py5.no_stroke()
    py5.fill(255)
    py5.circle(*points[0], 5)


def exiting():
    g.classify_stop()
    if AUTOPILOT:
        with_hand = sum(x is not None for _, x, _ in path)
        print(json.dumps({"counts": g.get_count_by_label(), "performed": performed,
                          "recognised": recognised,
                          "recognised_while_teaching": recognised_while_teaching,
                          "hand_seen": round(with_hand / max(len(path), 1), 2),
                          "started": round(started - first_frame, 1) if started else None,
                          "model_fps": round(frames_seen / (time.perf_counter() - first_frame),
                                             1),
                          "fps": round(py5.get_frame_rate(), 1)}), flush=True)


# --- autopilot: P5KNN_AUTOPILOT=1 on the demo camera plays by itself (tests, screenshots) --
# The photo of a hand holding a board (right04.jpg) cannot move, but the view can: sliding
# it sideways moves the hand across the frame. The autopilot records three swipes right and
# three swipes left that way (different lengths and speeds; holding the key while it slides),
# then swipes right, left and right again and notes what the sketch recognises. A wave needs
# a real hand: it stays untaught.
AUTOPILOT = os.environ.get("P5KNN_AUTOPILOT") == "1" and cam.demo is not None
HAND = "right04.jpg"
# (phase, label, pointer x from, to, seconds): in the mirrored view, a larger pointer x moves
# the hand to the right
# The hand model follows the hand from frame to frame (tracking); its palm detector finds
# this hand again only near where the photo puts it, so the slides stay short (the hand
# moves about a quarter of the frame) and take about a second: small steps from frame to
# frame even on a busy machine.
MOVES = [("teach", "swipe right", 0.00, 0.13, 1.0), ("teach", "swipe left", 0.13, 0.01, 0.9),
         ("teach", "swipe right", 0.01, 0.14, 1.2), ("teach", "swipe left", 0.14, 0.00, 1.0),
         ("teach", "swipe right", 0.00, 0.12, 0.9), ("teach", "swipe left", 0.12, 0.00, 1.1),
         ("perform", "swipe right", 0.00, 0.13, 1.0),
         ("perform", "swipe left", 0.13, 0.02, 1.1),
         ("perform", "swipe right", 0.02, 0.14, 0.95)]
REST = 0.4                                     # still before and after each move
performed = [label for phase, label, *_ in MOVES if phase == "perform"]
recognised, recognised_while_teaching = [], []
phase_now, started = "teach", None


def step_at(t):
    """(phase, label, pointer x, seconds, time into the move) of the script at time t."""
    begin = 0.0
    for phase, label, a, b, seconds in MOVES:
        if t < begin + REST + seconds + REST:
            into = t - begin - REST
            u = min(max(into / seconds, 0.0), 1.0)
            ease = 0.5 - 0.5 * np.cos(np.pi * u)
            return phase, label, a + (b - a) * ease, seconds, into
        begin += REST + seconds + REST
    return "done", None, MOVES[-1][3], 1.0, 9.0


def view():
    """The demo camera's pointer: where the script has the view now. The camera's thread
    asks at every frame, so the slide is smooth however often draw() runs."""
    hx, hy = cam.demo.photo_position(HAND)
    _, _, px, _, _ = step_at(time.perf_counter() - started if started else 0.0)
    return hx + px, hy


def autopilot(now):
    """Slide the view over the hand photo; hold the key around each taught move."""
    global started, phase_now
    if started is None:
        cam.demo.pointer = view
        if not hands.last_found:                 # wait until the model sees the hand
            return
        started = now
    phase, label, _, seconds, into = step_at(now - started)
    phase_now = phase
    if phase == "teach" and -0.15 <= into <= seconds + 0.15:
        start(label)
    elif recording is not None:
        stop()


py5.run_sketch()
