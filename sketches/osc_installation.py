"""An installation: the camera's scene as a steady label, sent over OSC when it changes.

    python sketches/osc_installation.py
    python sketches/osc_installation.py --send 192.168.1.20:12000 --labels empty,one,crowd
    python sketches/osc_installation.py --autosave room.p5knn     # survives a power cut

Hold 1, 2 or 3 while the camera sees a scene to teach it that label (10 examples a second),
u undoes the last example, c clears them all. From then on the sketch watches the camera
and, each time the **steady** label changes, sends two messages to HOST:PORT (default
127.0.0.1:12000, where Wekinator sends its outputs, so a patch made for Wekinator listens
there already; ``--send`` or ``P5KNN_OSC_SEND=HOST:PORT`` change it):

    /p5knn/label  s   the label ("unknown" when nothing taught is in view)
    /wek/outputs  f   Wekinator's class number: 1, 2, 3 for keys 1, 2, 3; 0 for unknown

Raw per-frame answers flicker (a view between two scenes, someone walking through); a show
must not. ``knn.classify_start(cam, got, steady=p5knn.Steady(majority=7, min_stable=4,
timeout=1.0, on_change=True))`` votes over the last 7 answers, changes the label only once
the new one has won 4 times in a row, falls back to "unknown" after 1 s without a known
answer (also when the camera stops sending frames), and calls ``got`` only on a change. The
strip under the camera shows raw and steady labels over the last 16 seconds, the panel the
messages sent.

Made to run for days: the camera picture (one reused image), the strip (two fixed arrays,
shifted in place) and the message log (the last 8 lines) never grow; only examples you
teach add memory. p5knn ends the camera and classifier threads when the sketch closes.
With ``--autosave FILE`` the examples are saved within a second of every change and come
back on the next start.

No webcam? The demo source stands in: move the mouse over the picture to look around a wall
of photos (a cat, an astronaut, coffee, a rocket, a galaxy field, a horse).
"""

import argparse
import json
import os
import time
from collections import deque

import numpy as np
import py5
from pythonosc.udp_client import SimpleUDPClient

import p5knn

AUTOPILOT = os.environ.get("P5KNN_AUTOPILOT") == "1"
parser = argparse.ArgumentParser(description="Steady camera labels over OSC.")
parser.add_argument("--send", default=os.environ.get("P5KNN_OSC_SEND", "127.0.0.1:12000"),
                    help="HOST:PORT the labels go to (default 127.0.0.1:12000)")
parser.add_argument("--labels", default="cat,coffee,rocket" if AUTOPILOT else
                    "scene 1,scene 2,scene 3", help="names of keys 1, 2, 3, comma-separated")
parser.add_argument("--autosave", default=None, help="keep the examples in this file")
args = parser.parse_args()
HOST, PORT = args.send.rsplit(":", 1)
LABELS = [name.strip() for name in args.labels.split(",")][:3]
KEYS = {str(i + 1): label for i, label in enumerate(LABELS)}
COLORS = [(235, 87, 70), (70, 140, 245), (250, 190, 40)]
UNKNOWN = (96, 100, 116)
RECORD_EVERY = 0.1                                 # seconds between examples while held
SAMPLES = 320                                      # the strip: 16 s, 20 samples a second

cam = p5knn.Camera()                               # webcam 0, or the demo source
knn = p5knn.knn_classifier.create(k=3, min_similarity=0.6, autosave=args.autosave)
steady = p5knn.Steady(majority=7, min_stable=4, timeout=1.0, on_change=True)
osc = SimpleUDPClient(HOST, int(PORT))

log = deque(maxlen=8)             # the last message lines sent: (clock, address, value)
sent = 0                          # labels sent since the start
raw_strip = np.full(SAMPLES, -2)  # label index per sample: -1 unknown, -2 nothing yet
steady_strip = np.full(SAMPLES, -2)
next_sample = 0.0
last_record = 0.0


def setup():
    global regular, bold, mono
    py5.size(1000, 580)
    regular = py5.create_font("SansSerif", 18)
    bold = py5.create_font("SansSerif.bold", 18)
    mono = py5.create_font("Monospaced", 16)
    knn.classify_start(cam, got, steady=steady)    # got() only when the steady label changes


def number(label, unknown):
    """Wekinator's class number: key 1, 2, 3 → 1, 2, 3; unknown → 0."""
    return 0 if unknown or label not in LABELS else LABELS.index(label) + 1


def got(result):
    """The steady label changed (on the animation thread, before draw()): send it."""
    global sent
    value = number(result.label, result.unknown)
    osc.send_message("/p5knn/label", str(result.label))
    osc.send_message("/wek/outputs", float(value))
    sent += 1
    clock = time.strftime("%H:%M:%S")
    text = str(result.label) if len(str(result.label)) <= 10 else f"{result.label!s:.9}…"
    log.append((clock, "/p5knn/label", f'"{text}"'))
    log.append(("", "/wek/outputs", f"{value:.1f}"))
    if AUTOPILOT:
        sent_labels.append(str(result.label))


def index(label):
    return -2 if label is None else LABELS.index(label) if label in LABELS else -1


def draw():
    global next_sample, last_record
    now = time.perf_counter()
    key = autopilot(now) if AUTOPILOT else \
        (str(py5.key) if py5.is_key_pressed else None)
    if key in KEYS and now - last_record >= RECORD_EVERY:
        knn.add_example(cam, KEYS[key])              # returns at once, never dropped
        last_record = now
    if now >= next_sample:                           # the strip: shift in one sample
        next_sample = max(next_sample + 0.05, now - 0.05)
        raw_strip[:-1] = raw_strip[1:]               # in place: the same two arrays forever
        steady_strip[:-1] = steady_strip[1:]
        taught = len(knn) and steady.updates
        raw_strip[-1] = index(steady.raw_label) if taught else -2
        steady_strip[-1] = (-1 if steady.unknown else index(steady.label)) if taught else -2

    py5.background(22, 24, 30)
    py5.image(cam.py5_image(), 0, 0)
    draw_status(key)
    draw_strip(0, 480, 640, 100)
    draw_panel(660)


def colour(i):
    return COLORS[i] if i >= 0 else UNKNOWN


def draw_status(key):
    if key in KEYS:
        blink = (255, 255, 255) if py5.frame_count // 15 % 2 else (255, 80, 80)
        p5knn.draw.chip(f"teaching {KEYS[key]}  ·  {knn.get_count_by_label().get(KEYS[key], 0)}",
             16, 16, fill=(200, 30, 30), dot=blink, font=bold)
    elif not len(knn):
        p5knn.draw.chip("hold 1, 2 or 3 to teach what the camera sees", 16, 16, font=bold)
    else:
        p5knn.draw.chip(f"live  ·  {sent} label{'s' if sent != 1 else ''} sent", 16, 16,
             dot=(90, 220, 120), font=bold)
    if cam.demo is not None and not AUTOPILOT:
        p5knn.draw.chip("demo camera: move the mouse to look around", 16, 428, font=bold)


def draw_strip(x, y, w, h):
    """Raw and steady labels over the last 16 s: 320 samples, 1.6 pixels each."""
    py5.no_stroke()
    py5.fill(14, 15, 20)
    py5.rect(x, y, w, h)
    py5.text_font(regular)
    py5.text_size(16)
    py5.text_align(py5.LEFT, py5.CENTER)
    plot_x, step = x + w - SAMPLES * 1.6 - 10, 1.6
    for row, (name, strip) in enumerate((("raw", raw_strip), ("steady", steady_strip))):
        top = y + 8 + row * 36
        py5.fill(235 if row else 170)
        py5.text(name, x + 12, top + 13)
        starts = np.flatnonzero(np.r_[True, strip[1:] != strip[:-1]])   # runs of one label
        for a, b in zip(starts, [*starts[1:], SAMPLES]):
            if strip[a] == -2:
                continue
            py5.fill(*colour(strip[a]), 150 if row == 0 else 255)
            py5.rect(plot_x + a * step, top, (b - a) * step, 26)
    py5.fill(120, 125, 140)
    py5.text(f"← {SAMPLES // 20} s ago", plot_x, y + 88)
    py5.text_align(py5.RIGHT, py5.CENTER)
    py5.text("now", plot_x + SAMPLES * step, y + 88)


def draw_panel(x):
    width = py5.width - x - 24
    counts = knn.get_count_by_label()
    py5.text_align(py5.LEFT, py5.BASELINE)
    py5.fill(150, 155, 170)
    py5.text_font(bold)
    py5.text_size(16)
    py5.text("OSC INSTALLATION", x, 40)

    py5.text_size(44)
    if not len(knn):
        py5.fill(235)
        py5.text("teach me", x, 98)
        answer = "then its label goes out over OSC"
    else:
        i = -1 if steady.unknown else index(steady.label)
        py5.fill(*colour(i))
        py5.text_size(min(44, 44 * width / py5.text_width(str(steady.label))))  # long: fit
        py5.text(str(steady.label), x, 98)
        raw = steady.raw_label
        answer = "" if raw is None else f"steady · this frame: {raw}"
    py5.text_font(regular)
    py5.text_size(18)
    py5.fill(170, 175, 190)
    py5.text(answer, x, 126)

    for i, (key, label) in enumerate(KEYS.items()):
        y = 148 + i * 42
        p5knn.draw.key_cap(key, x, y, 34, font=bold)
        py5.fill(*COLORS[i])
        py5.text_font(bold)
        py5.text_size(18)
        py5.text_align(py5.LEFT, py5.CENTER)
        py5.text(label, x + 48, y + 16)
        py5.fill(235)
        py5.text_font(regular)
        py5.text_align(py5.RIGHT, py5.CENTER)
        py5.text(f"{counts.get(label, 0)} examples", x + width, y + 16)

    py5.text_align(py5.LEFT, py5.BASELINE)
    py5.fill(150, 155, 170)
    py5.text_font(bold)
    py5.text_size(16)
    py5.text(f"SENT TO {HOST}:{PORT}", x, 300)
    py5.no_stroke()
    py5.fill(10, 11, 15)
    py5.rect(x - 8, 312, width + 16, 196, 8)
    py5.text_font(mono)
    py5.text_size(16)
    if not log:
        py5.fill(120, 125, 140)
        py5.text("nothing yet: a label is", x + 4, 340)
        py5.text("sent when it changes", x + 4, 362)
    for row, (clock, address, value) in enumerate(log):
        y = 338 + row * 22.5
        py5.fill(120, 125, 140)
        py5.text(clock, x, y)
        py5.fill(220)
        py5.text(address, x + 88, y)
        py5.fill(255, 230, 150)
        py5.text_align(py5.RIGHT, py5.BASELINE)
        py5.text(value, x + width, y)
        py5.text_align(py5.LEFT, py5.BASELINE)

    for j, (keys, what) in enumerate([("u", "undo"), ("c", "clear")]):
        p5knn.draw.key_cap(keys, x + 138 * j, 526, 30, font=bold)
        py5.fill(220)
        py5.text_font(regular)
        py5.text_size(18)
        py5.text_align(py5.LEFT, py5.CENTER)
        py5.text(what, x + 138 * j + 42, 540)


def key_pressed():
    if py5.key == "u":
        knn.undo_last()
    elif py5.key == "c":
        knn.clear_all_labels()


def exiting():
    if AUTOPILOT:
        print(json.dumps({"counts": knn.get_count_by_label(), "predicted": predicted,
                          "sent": sent_labels, "steady_changes": steady.changes,
                          "raw_changes_seen": raw_changes, "raw_updates": steady.updates,
                          "send_to": f"{HOST}:{PORT}",
                          "fps": round(py5.get_frame_rate(), 1)}), flush=True)


# --- autopilot: P5KNN_AUTOPILOT=1 on the demo camera runs a show by itself (tests, docs) ----
# It teaches "cat", "coffee" and "rocket" by pointing the camera at those photos (holding
# 1, 2, 3), then tours the wall: the rocket, the horse (never taught: unknown), the coffee,
# the astronaut (unknown), the cat — gliding between them — and notes the steady label at
# the end of each stop. Last it holds the view, trembling, where the cat photo meets the
# rocket below it: the raw answer flickers between them, the steady label rarely changes.
# Everything it sends goes to --send / P5KNN_OSC_SEND.
predicted, sent_labels, started = {}, [], None
raw_changes, last_raw = 0, None
rng = np.random.default_rng(1)
TEACH = [("chelsea", "1"), ("coffee", "2"), ("rocket", "3")]
TOUR = ["rocket", "horse", "coffee", "astronaut", "chelsea", "seam"]
SEAM = (0.0, 0.62)                     # the pointer where the cat meets the rocket
TEACH_TIME, GLIDE, STOP, SEAM_TIME = 1.6, 0.8, 2.0, 3.0
PLAN = [(photo, key, 0.5, TEACH_TIME) for photo, key in TEACH] + \
    [(photo, None, GLIDE, SEAM_TIME if photo == "seam" else STOP) for photo in TOUR]


def plan_at(t):
    """(photo, key held, pointer, seconds into the stop, its length) of the plan at time t."""
    begin, here = 0.0, photo_position(TEACH[0][0])
    for photo, key, glide, stay in PLAN:
        there = photo_position(photo)
        if t < begin + glide:                                  # gliding to the photo
            u = 0.5 - 0.5 * np.cos(np.pi * (t - begin) / glide)
            return photo, None, (here[0] + (there[0] - here[0]) * u,
                                 here[1] + (there[1] - here[1]) * u), -1.0, stay
        if t < begin + glide + stay:                           # resting on it
            into = t - begin - glide
            wobble = (0.03 * np.sin(into * 2.1), 0.03 * np.cos(into * 1.7))
            if photo == "seam":                                # a hand that trembles
                wobble = (0.0, rng.uniform(-0.05, 0.05))
            return photo, key, (min(max(there[0] + wobble[0], 0), 1),
                                min(max(there[1] + wobble[1], 0), 1)), into, stay
        begin, here = begin + glide + stay, there
    return "end", None, here, -1.0, 0.0


def photo_position(photo):
    return SEAM if photo == "seam" else cam.demo.photo_position(photo)


def view():
    """The demo camera's pointer, asked at every camera frame (smooth whatever draw() does)."""
    return plan_at(time.perf_counter() - started if started else 0.0)[2]


def autopilot(now):
    """Returns the key "held" now; notes the steady label at the end of each stop."""
    global started, raw_changes, last_raw
    if cam.demo is None:
        return None
    raw_changes += steady.raw_label != last_raw                # as often as draw() sees it
    last_raw = steady.raw_label
    if started is None:
        started, cam.demo.pointer = now, view
    photo, key, _, into, stay = plan_at(now - started)
    if key is None and photo not in ("seam", "end") and into > stay - 0.5:
        predicted[photo] = str(steady.label)
    return key if key and into > 0.3 else None


py5.run_sketch()
