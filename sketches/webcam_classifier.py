"""Webcam classifier: hold 1, 2 or 3 to teach what the camera sees, then show it things.

    python sketches/webcam_classifier.py

The first p5knn sketch to read. Hold 1, 2 or 3 while the camera sees something to record it
as "cat", "rocket" or "coffee" (rename them in CLASSES): 15 examples a second while the key
is held, whatever the frame rate. MobileNet turns each frame into 1024 numbers and the KNN
keeps them; ``knn.classify_start(cam, got)`` keeps predicting the newest frame on a
background thread and hands each answer to ``got()`` just before ``draw()``, so ``draw()``
never waits. When even the nearest example is less than 60 % similar, the answer is
"unknown": show it something it was never taught.

No webcam? The demo source stands in: move the mouse over the picture to look around a wall
of photos (a cat, an astronaut, coffee, a rocket, a galaxy field, a horse).
"""

import json
import os
import time

import py5

import p5knn

CLASSES = {"1": "cat", "2": "rocket", "3": "coffee"}      # key -> label: rename to your things
COLORS = [(235, 87, 70), (70, 140, 245), (250, 190, 40)]
RECORD_EVERY = 1 / 15                                    # seconds between examples while held
MIN_SIMILARITY = 0.6                                     # below it: "unknown"

cam = p5knn.Camera()                                     # webcam 0, or the demo source
knn = p5knn.knn_classifier.create(min_similarity=MIN_SIMILARITY)
result = None                                            # the newest answer
last_record = 0.0


def setup():
    global regular, bold
    py5.size(960, 480)
    regular = py5.create_font("SansSerif", 18)
    bold = py5.create_font("SansSerif.bold", 18)
    knn.classify_start(cam, got)                         # predicts the newest frame, always


def got(r):                                              # on the animation thread, before draw()
    global result
    result = r


def draw():
    global last_record
    key = str(py5.key) if py5.is_key_pressed else None
    if AUTOPILOT:
        key = autopilot(time.perf_counter())
    teaching = CLASSES.get(key)
    now = time.perf_counter()
    if teaching and now - last_record >= RECORD_EVERY:    # a steady 15 a second while held
        knn.add_example(cam, teaching)                   # returns at once, never dropped
        last_record = now

    py5.background(22, 24, 30)
    py5.image(cam.py5_image(), 0, 0)
    answer = result if len(knn) else None
    draw_status(teaching, answer)
    draw_panel(660, teaching, answer)


def colour(label):
    return COLORS[list(CLASSES.values()).index(label)] if label in CLASSES.values() else \
        (150, 155, 170)


def draw_status(teaching, answer):
    """Chips over the camera: what is happening right now."""
    if teaching:
        blink = (255, 255, 255) if py5.frame_count // 15 % 2 else (255, 80, 80)
        count = knn.get_count_by_label().get(teaching, 0)
        p5knn.draw.chip(f"recording {teaching}  ·  {count}", 16, 16, fill=(200, 30, 30),
                        dot=blink, font=bold)
    elif answer is None:
        p5knn.draw.chip("hold 1, 2 or 3 to teach what the camera sees", 16, 16, font=bold)
    elif answer.unknown:
        p5knn.draw.chip("unknown: not like anything taught", 16, 16, dot=(150, 155, 170), font=bold)
    else:
        p5knn.draw.chip(f"{answer.label}  ·  {answer.confidence:.0%}", 16, 16,
                        dot=colour(answer.label), font=bold)
    if cam.demo is not None and not AUTOPILOT:
        p5knn.draw.chip("demo camera: move the mouse to look around", 16, py5.height - 52,
                        font=bold)


def draw_panel(x, teaching, answer):
    """The side panel: the answer, a bar and an example count per class, the similarity."""
    width = py5.width - x - 24
    counts = knn.get_count_by_label()
    py5.text_align(py5.LEFT, py5.BASELINE)
    py5.fill(150, 155, 170)
    py5.text_font(bold)
    py5.text_size(16)
    py5.text("WEBCAM CLASSIFIER", x, 40)

    py5.text_size(44)
    py5.fill(*(colour(answer.label) if answer else (235, 235, 235)))
    py5.text(answer.label if answer else "teach me" if not counts else "…", x, 98)
    if answer is None:
        line = "hold a key while it looks" if not counts else "thinking…"
    elif answer.unknown:
        line = f"most like {answer.top(1)[0][0]}, but not enough"
    else:
        line = f"{answer.confidence:.0%} sure"
    py5.text_font(regular)
    py5.text_size(18)
    py5.fill(170, 175, 190)
    py5.text(line, x, 126)

    py5.text_size(16)
    py5.fill(120, 125, 140)
    py5.text("key   confidence", x, 166)
    py5.text_align(py5.RIGHT, py5.BASELINE)
    py5.text("examples", x + width, 166)
    p5knn.draw.confidence_bars(answer, x + 44, 178, width - 96, 34, gap=8,
                               labels=CLASSES.values(), colors=COLORS, text_size=18)
    for i, (key, label) in enumerate(CLASSES.items()):
        y = 178 + i * 42
        p5knn.draw.key_cap(key, x, y, 34, active=teaching == label, font=bold)
        py5.fill(235)
        py5.text_size(18)
        py5.text_align(py5.RIGHT, py5.CENTER)
        py5.text(str(counts.get(label, 0)), x + width, y + 16)
    draw_similarity(x, 330, width, answer)

    for j, key in enumerate(CLASSES):
        p5knn.draw.key_cap(key, x + 36 * j, 420, 30, font=bold)
    py5.fill(220)
    py5.text_font(regular)
    py5.text_size(18)
    py5.text_align(py5.LEFT, py5.CENTER)
    py5.text("hold to teach", x + 112, 434)


def draw_similarity(x, y, width, answer):
    """How similar the nearest example is, and the line below which the answer is unknown."""
    py5.text_align(py5.LEFT, py5.BASELINE)
    py5.text_size(16)
    py5.fill(120, 125, 140)
    py5.text("nearest example", x, y)
    similarity = answer.similarity if answer else 0.0
    py5.text_align(py5.RIGHT, py5.BASELINE)
    py5.fill(235)
    py5.text(f"{similarity:.0%} similar" if answer else "–", x + width, y)
    py5.no_stroke()
    py5.fill(0, 0, 0, 165)
    py5.rect(x, y + 12, width, 14, 7)
    if answer:
        py5.fill(*((110, 115, 130) if answer.unknown else colour(answer.label)))
        py5.rect(x, y + 12, max(14, width * min(max(similarity, 0.0), 1.0)), 14, 7)
    tick = x + width * MIN_SIMILARITY
    py5.stroke(255)
    py5.stroke_weight(2)
    py5.line(tick, y + 6, tick, y + 32)
    py5.no_stroke()
    py5.fill(150, 155, 170)
    py5.text_align(py5.CENTER, py5.TOP)
    py5.text(f"below {MIN_SIMILARITY:.0%}: unknown", min(tick, x + width - 80), y + 38)


def exiting():
    if AUTOPILOT:
        print(json.dumps({"counts": knn.get_count_by_label(), "predicted": predicted,
                          "held_seconds": {k: round(v, 3) for k, v in held.items()},
                          "held_frames": frames, "record_every": RECORD_EVERY,
                          "fps": round(py5.get_frame_rate(), 1)}), flush=True)


# --- autopilot: P5KNN_AUTOPILOT=1 on the demo camera teaches itself (tests, screenshots) ----
# It points the view at the cat, the rocket and the coffee photos and "holds" 1, 2, 3 for
# about a second each, then looks at each again, and at the horse (never taught: unknown),
# noting the answer; it ends on the cat. It reports how long each key was held, so the
# example counts can be checked against 15 a second.
AUTOPILOT = os.environ.get("P5KNN_AUTOPILOT") == "1" and cam.demo is not None
LESSONS = [("chelsea", "1"), ("rocket", "2"), ("coffee", "3")]
CHECKS = ["rocket", "coffee", "horse", "chelsea"]
STEP, HOLD = 2.0, (0.5, 1.5)                       # seconds per photo; the key is down in HOLD
predicted, held, frames, first_held, started = {}, {}, {}, {}, None


def autopilot(now):
    """The key "held" now (None: none); notes the answer at the end of each check."""
    global started
    started = started or now
    step, t = divmod(now - started, STEP)
    step = int(step)
    plan = [photo for photo, _ in LESSONS] + CHECKS
    photo = plan[min(step, len(plan) - 1)]
    x, y = cam.demo.photo_position(photo)
    cam.demo.pointer = lambda: (x, y)
    if step < len(LESSONS):
        if HOLD[0] <= t < HOLD[1]:
            label = CLASSES[LESSONS[step][1]]
            first_held.setdefault(label, now)
            held[label] = now - first_held[label]       # first to last frame it was down
            frames[label] = frames.get(label, 0) + 1
            return LESSONS[step][1]
    elif step < len(plan) and t > 1.2 and result is not None and \
            result.frame_time > started + step * STEP + 0.4:  # a frame of this photo
        predicted[photo] = result.label
    return None


py5.run_sketch()
