"""Rock, paper, scissors: teach three hand signs, then play.

    python sketches/hand_signs.py

Show your hand and hold r, p or s to record that sign (12 examples a second while held; a
frame without a hand is never recorded), u undoes the last example, c clears them all.
The KNN compares hand keypoints, not pixels: 21 landmarks moved to the wrist and scaled to
the hand's size (the "KNN input" box draws them), so a sign is recognised wherever the hand
is and however big it looks.

How it stays at 60 fps: the hand model runs on a thread of its own (``watch`` below), once
per new camera frame; it keeps the newest landmarks and the KNN's answer for them (asking
the KNN about a vector takes microseconds). ``draw()`` only reads them, so the skeleton is
drawn from the first frame on, before anything is taught.

No webcam? The demo source stands in: move the mouse over the picture to look around a wall
of photos (an open hand is in the top-right photo, a hand holding a board below it).
"""

import json
import os
import threading
import time
import traceback

import numpy as np
import py5

import p5knn

SIGNS = {"r": "rock", "p": "paper", "s": "scissors"}           # key -> label
COLORS = [(235, 87, 70), (70, 140, 245), (250, 190, 40)]       # rock, paper, scissors
RECORD_EVERY = 1 / 12                                          # seconds between examples

cam = p5knn.Camera(mirror=True, demo_wall="people")            # a selfie view
hands = p5knn.feature_extractor("hands", num_hands=1, num_threads=1)  # leaves draw() a core
knn = p5knn.knn_classifier.create(hands, metric="euclidean", k=5, balanced=True)

latest = [], None                   # (hands, answer): written by watch(), read by draw()
model_ready = threading.Event()
stop = threading.Event()
last_record = 0.0


def watch():
    """The model's own thread: landmarks of each new camera frame, then the KNN's answer."""
    global latest
    seen = -1
    while not stop.is_set():
        if not cam.wait_for_frame(seen, timeout=0.5):
            continue
        seen = cam.frame_id
        try:
            hand = hands.detect(cam)                           # tracked frame to frame
            answer = knn.predict_class(hands.vector(hand), wait=True) if hand and len(knn) \
                else None
            latest = hand, answer                              # one assignment: atomic
            model_ready.set()
        except Exception:  # noqa: BLE001 - print it and keep watching the camera
            traceback.print_exc()
            time.sleep(1)


def setup():
    global regular, bold
    py5.size(960, 480)
    regular = py5.create_font("SansSerif", 18)
    bold = py5.create_font("SansSerif.bold", 18)
    threading.Thread(target=watch, daemon=True).start()


def draw():
    global last_record
    found, result = latest                                     # this frame's, read once
    key = autopilot(time.perf_counter(), found, result) if AUTOPILOT else \
        (str(py5.key).lower() if py5.is_key_pressed else None)
    now = time.perf_counter()
    recording = SIGNS.get(key)
    if recording and found and now - last_record >= RECORD_EVERY:
        knn.add_example(hands.vector(found), recording, wait=True)   # a vector: stored now
        last_record = now

    py5.background(22, 24, 30)
    py5.image(cam.py5_image(), 0, 0)
    p5knn.draw.skeleton(found, weight=3)
    draw_status(found, recording)
    draw_panel(660, found, result, recording)


def draw_status(found, recording):
    if not model_ready.is_set():
        p5knn.draw.chip("starting the hand model…", 16, 16, font=bold)
    elif recording and found:
        blink = (255, 255, 255) if py5.frame_count // 15 % 2 else (255, 80, 80)
        p5knn.draw.chip(f"recording {recording}  ·  {knn.get_count_by_label().get(recording, 0)}",
             16, 16, fill=(200, 30, 30), dot=blink, font=bold)
    elif recording:
        p5knn.draw.chip("no hand in view: nothing recorded", 16, 16, fill=(200, 30, 30), font=bold)
    elif not found:
        p5knn.draw.chip("show me your hand", 16, 16, font=bold)
    if cam.demo is not None and not AUTOPILOT:
        p5knn.draw.chip("demo camera: move the mouse to look around", 16, py5.height - 52,
                        font=bold)


def draw_panel(x, found, result, recording):
    width = py5.width - x - 24
    py5.text_align(py5.LEFT, py5.BASELINE)
    py5.fill(150, 155, 170)
    py5.text_font(bold)
    py5.text_size(16)
    py5.text("ROCK · PAPER · SCISSORS", x, 40)

    counts = knn.get_count_by_label()
    py5.text_size(44)
    if result is not None:
        py5.fill(*COLORS[list(SIGNS.values()).index(result.label)])
        py5.text(result.label, x, 98)
        answer = f"{result.confidence:.0%} sure"
    else:
        py5.fill(235)
        py5.text("teach me" if not counts else "…", x, 98)
        answer = "hold r, p or s to record a sign" if not counts else "show me your hand"
    py5.text_font(regular)
    py5.text_size(18)
    py5.fill(170, 175, 190)
    py5.text(answer, x, 126)

    py5.text_size(16)
    py5.fill(120, 125, 140)
    py5.text("key   confidence", x, 166)
    py5.text_align(py5.RIGHT, py5.BASELINE)
    py5.text("examples", x + width, 166)
    py5.text_font(regular)
    p5knn.draw.confidence_bars(result, x + 44, 178, width - 106, 34, gap=8,
                               labels=SIGNS.values(), colors=COLORS, text_size=18)
    for i, (key, label) in enumerate(SIGNS.items()):
        y = 178 + i * 42
        p5knn.draw.key_cap(key, x, y, 34, active=recording == label, font=bold)
        py5.fill(235)
        py5.text_font(regular)
        py5.text_size(18)
        py5.text_align(py5.RIGHT, py5.CENTER)
        py5.text(str(counts.get(label, 0)), x + width, y + 16)

    for i, (keys, what) in enumerate([("r p s", "record"), ("u", "undo"), ("c", "clear")]):
        y = 326 + 46 * i
        for j, k in enumerate(keys.split()):
            p5knn.draw.key_cap(k, x + 36 * j, y, 30, font=bold)
        py5.fill(220)
        py5.text_font(regular)
        py5.text_size(18)
        py5.text_align(py5.LEFT, py5.CENTER)
        py5.text(what, x + 112, y + 14)
    draw_hand_vector(x + width - 96, 312, 96, 154, found, result)


def draw_hand_vector(x, y, w, h, found, result):
    """The hand as the KNN sees it: landmarks relative to the wrist, in hand sizes (a small
    hand far away and a big one close by look the same here)."""
    py5.no_stroke()
    py5.fill(255, 255, 255, 14)
    py5.rect(x, y, w, h, 10)
    py5.fill(120, 125, 140)
    py5.text_font(regular)
    py5.text_size(16)
    py5.text_align(py5.CENTER, py5.BASELINE)
    py5.text("KNN input", x + w / 2, y + h - 10)
    if not found:
        return
    vector = hands.vector(found)                       # 2 slots of 21 × (x, y, z) + presence
    slot = 0 if vector[63] else 1
    hand = vector[slot * 64:slot * 64 + 63].reshape(21, 3)[:, :2]
    low, high = hand.min(axis=0), hand.max(axis=0)
    room = np.array([w - 24, h - 48])
    scale = min(room / np.maximum(high - low, 1e-6))
    hand = (hand - (low + high) / 2) * scale + (x + w / 2, y + 12 + room[1] / 2)
    pairs = np.asarray(found[0].connections)
    answer = result.label if result is not None else None
    py5.stroke(*(COLORS[list(SIGNS.values()).index(answer)] if answer else (235, 235, 245)))
    py5.stroke_weight(2.5)
    py5.lines(np.hstack([hand[pairs[:, 0]], hand[pairs[:, 1]]]))


def key_pressed():
    if py5.key == "u":
        knn.undo_last()
    elif py5.key == "c":
        knn.clear_all_labels()


def exiting():
    stop.set()
    if AUTOPILOT:
        print(json.dumps({"counts": knn.get_count_by_label(), "predicted": predicted,
                          "fps": round(py5.get_frame_rate(), 1)}), flush=True)


# --- autopilot: P5KNN_AUTOPILOT=1 on the demo camera teaches itself (tests, screenshots) ----
# It points the camera at photos and records as if the key were held: "paper" on the open
# hand (messi5.jpg), "rock" on the hand gripping a board (right04.jpg); the demo wall has no
# photo of scissors. Then it looks at each photo again and notes what the sketch answers.
AUTOPILOT = os.environ.get("P5KNN_AUTOPILOT") == "1" and cam.demo is not None
LESSONS = [("messi5.jpg", "p", -0.06), ("right04.jpg", "r", 0.0)]   # photo, key, x nudge
predicted, started = {}, None


def autopilot(now, found, result):
    """2.5 s per photo: teach each, look at each again, then stay on the last (a big hand)."""
    global started
    if not model_ready.is_set():
        return None
    started = started or now
    step, t = divmod(now - started, 2.5)
    photo, key, nudge = LESSONS[int(step) % len(LESSONS) if step < 2 * len(LESSONS) else -1]
    x, y = cam.demo.photo_position(photo)
    cam.demo.pointer = lambda: (x + nudge, y)
    if step < len(LESSONS):
        return key if t > 0.8 else None                           # "hold the key"
    if t > 1.0 and found and result is not None:
        predicted[photo] = result.label
    return None


py5.run_sketch()
