"""Smiling or not? Teach the sketch your smile from the face mesh's 468 landmarks.

    python sketches/smile_or_not.py

Look at the camera and hold s while you smile, n while you don't (12 examples a second;
a frame without a face is never recorded; a few seconds of each, turning your head a
little, is plenty). u undoes the last example, c clears. The big face on the right
answers, and its mouth follows how sure the classifier is.

The KNN compares the mesh's landmarks moved to the face's centre and scaled to its size,
so it learns the shape of your mouth and eyes, not the light or the background. As in
hand_signs.py, the face model runs on a thread of its own (``watch``), once per new camera
frame, and ``draw()`` only reads the newest face and answer.

No webcam? The demo source stands in: move the mouse over the picture to look around a wall
of photos (a smiling astronaut at the top left, a serious cameraman next to her).
"""

import json
import os
import threading
import time
import traceback

import py5

import p5knn

LABELS = {"s": "smiling", "n": "not smiling"}            # key -> label
COLORS = [(255, 200, 40), (110, 150, 220)]
RECORD_EVERY = 1 / 12                                    # seconds between examples

cam = p5knn.Camera(mirror=True, demo_wall="people")
face = p5knn.feature_extractor("face", num_threads=1)
knn = p5knn.knn_classifier.create(face, metric="euclidean", k=5, balanced=True)

latest = [], None                   # (faces, answer): written by watch(), read by draw()
model_ready = threading.Event()
stop = threading.Event()
last_record = 0.0
smile = 0.0                         # the drawn mouth: -1 frown … 1 grin, eased every frame


def watch():
    """The model's own thread: the face in each new camera frame, then the KNN's answer."""
    global latest
    seen = -1
    while not stop.is_set():
        if not cam.wait_for_frame(seen, timeout=0.5):
            continue
        seen = cam.frame_id
        try:
            faces = face.detect(cam)                           # tracked frame to frame
            answer = knn.predict_class(face.vector(faces), wait=True) if faces and len(knn) \
                else None
            latest = faces, answer                             # one assignment: atomic
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
    global last_record, smile
    found, result = latest                                     # this frame's, read once
    key = autopilot(time.perf_counter(), found, result) if AUTOPILOT else \
        (str(py5.key).lower() if py5.is_key_pressed else None)
    recording = LABELS.get(key)
    now = time.perf_counter()
    if recording and found and now - last_record >= RECORD_EVERY:
        knn.add_example(face.vector(found), recording, wait=True)   # a vector: stored now
        last_record = now

    target = 0.0
    if result is not None:
        target = result.confidences.get("smiling", 0) - result.confidences.get("not smiling", 0)
    smile += (target - smile) * 0.12

    py5.background(22, 24, 30)
    py5.image(cam.py5_image(), 0, 0)
    p5knn.draw.skeleton(found, weight=2)
    draw_status(found, recording)
    draw_panel(660, result, recording)


def draw_status(found, recording):
    if not model_ready.is_set():
        p5knn.draw.chip("starting the face model…", 16, 16, font=bold)
    elif recording and found:
        blink = (255, 255, 255) if py5.frame_count // 15 % 2 else (255, 80, 80)
        p5knn.draw.chip(f"recording {recording}  ·  {knn.get_count_by_label().get(recording, 0)}",
             16, 16, fill=(200, 30, 30), dot=blink, font=bold)
    elif recording:
        p5knn.draw.chip("no face in view: nothing recorded", 16, 16, fill=(200, 30, 30), font=bold)
    elif not found:
        p5knn.draw.chip("look at the camera", 16, 16, font=bold)
    if cam.demo is not None and not AUTOPILOT:
        p5knn.draw.chip("demo camera: move the mouse to look around", 16, py5.height - 52,
                        font=bold)


def draw_panel(x, result, recording):
    width = py5.width - x - 24
    counts = knn.get_count_by_label()
    py5.text_align(py5.LEFT, py5.BASELINE)
    py5.fill(150, 155, 170)
    py5.text_font(bold)
    py5.text_size(16)
    py5.text("SMILING OR NOT?", x, 40)

    smiley(x + width / 2, 140, 140)
    py5.text_align(py5.CENTER, py5.BASELINE)
    py5.text_size(34)
    if result is not None:
        py5.fill(*COLORS[list(LABELS.values()).index(result.label)])
        py5.text(f"{result.label}!" if result.label == "smiling" else result.label,
                 x + width / 2, 256)
    else:
        py5.fill(235)
        py5.text("teach me" if not counts else "…", x + width / 2, 256)
        py5.text_font(regular)
        py5.text_size(18)
        py5.fill(170, 175, 190)
        hint = "hold s or n to record" if not counts else "look at the camera"
        py5.text(hint, x + width / 2, 282)

    py5.text_font(regular)
    p5knn.draw.confidence_bars(result, x + 44, 300, width - 88, 34, gap=8,
                               labels=LABELS.values(), colors=COLORS, text_size=16)
    for i, (key, label) in enumerate(LABELS.items()):
        y = 300 + i * 42
        p5knn.draw.key_cap(key, x, y, 34, active=recording == label, font=bold)
        py5.fill(235)
        py5.text_font(regular)
        py5.text_size(18)
        py5.text_align(py5.RIGHT, py5.CENTER)
        py5.text(str(counts.get(label, 0)), x + width, y + 16)

    for i, (keys, what) in enumerate([("s n", "hold: record"), ("u c", "undo, clear")]):
        y = 398 + 40 * i
        for j, k in enumerate(keys.split()):
            p5knn.draw.key_cap(k, x + 36 * j, y, 30, font=bold)
        py5.fill(220)
        py5.text_font(regular)
        py5.text_size(18)
        py5.text_align(py5.LEFT, py5.CENTER)
        py5.text(what, x + 80, y + 14)


def smiley(cx, cy, d):
    """A face whose mouth is ``smile`` (-1 … 1), grey while unsure, yellow or blue when sure."""
    mood = COLORS[0] if smile > 0 else COLORS[1]                 # yellow or blue
    py5.no_stroke()
    py5.fill(0, 0, 0, 70)
    py5.circle(cx + 4, cy + 6, d)
    py5.fill(*(py5.lerp(v, m, abs(smile)) for v, m in zip((215, 215, 225), mood)))
    py5.circle(cx, cy, d)
    py5.fill(40, 30, 30)
    blink = 2 if py5.frame_count % 240 < 8 else d * 0.16          # it blinks now and then
    py5.ellipse(cx - d * 0.17, cy - d * 0.12, d * 0.1, blink)
    py5.ellipse(cx + d * 0.17, cy - d * 0.12, d * 0.1, blink)
    py5.no_fill()
    py5.stroke(40, 30, 30)
    py5.stroke_weight(d * 0.055)
    bend = smile * d * 0.22
    py5.bezier(cx - d * 0.25, cy + d * 0.16 - bend * 0.3, cx - d * 0.1, cy + d * 0.16 + bend,
               cx + d * 0.1, cy + d * 0.16 + bend, cx + d * 0.25, cy + d * 0.16 - bend * 0.3)
    py5.no_stroke()


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
# It points the camera at photos and records as if the key were held: "smiling" on the
# astronaut, "not smiling" on the cameraman (nudged so the face detector finds his profile
# every frame); then it looks at each photo again and notes what the sketch answers.
AUTOPILOT = os.environ.get("P5KNN_AUTOPILOT") == "1" and cam.demo is not None
LESSONS = [("astronaut", "s", (0, 0)), ("camera", "n", (0.02, 0.05))]   # photo, key, nudge
predicted, started = {}, None


def autopilot(now, found, result):
    """2.5 s per photo: teach each, look at each again, then stay on the first."""
    global started
    if not model_ready.is_set():
        return None
    started = started or now
    step, t = divmod(now - started, 2.5)
    photo, key, (dx, dy) = LESSONS[int(step) % len(LESSONS) if step < 2 * len(LESSONS) else 0]
    x, y = cam.demo.photo_position(photo)
    cam.demo.pointer = lambda: (x + dx, y + dy)
    if step < len(LESSONS):
        return key if t > 0.8 else None                           # "hold the key"
    if t > 1.0 and found and result is not None:
        predicted[photo] = result.label
    return None


py5.run_sketch()
