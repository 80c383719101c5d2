"""Train a head live, ml5 ``featureExtractor`` style: record examples, train, watch the loss.

    python sketches/train_head_live.py

Hold 1, 2 or 3 to record examples of that class from the camera (15 a second while held),
then press t to train a small neural network (a "head") on MobileNet's features of them: the
loss curve grows epoch by epoch in the side panel, and once trained the head answers live,
as confidence bars. Press t again after recording more to retrain. Rename the classes in
``CLASSES`` to whatever you show the camera.

Where the time goes: every example is one MobileNet run on the extractor's worker thread,
done while you record; training runs Keras on the head's own thread. The first t also
imports TensorFlow there (3-4 s, once: "getting ready"); then each epoch's loss reaches
``while_training()`` before the next ``draw()``.

No webcam? The demo source stands in: move the mouse over the picture to look around a wall
of photos (a cat top left, a rocket and coffee in the middle).
"""

import json
import math
import os
import time

import py5

import p5knn

CLASSES = {"1": "cat", "2": "rocket", "3": "coffee"}        # key -> label: rename them
COLORS = [(235, 87, 70), (70, 140, 245), (250, 190, 40)]
RECORD_EVERY = 1 / 15                                      # seconds between examples
EPOCHS = 20

cam = p5knn.Camera()
mobilenet = p5knn.feature_extractor()
head = mobilenet.classification(epochs=EPOCHS)

counts = dict.fromkeys(CLASSES.values(), 0)   # examples recorded per class
losses = []                                   # the loss after each epoch, as they arrive
answer = None                                 # the head's latest answer for the camera
message = ""                                  # why t did nothing (e.g. one class only)
last_record = 0.0
t_down = False                                # t is held: one training per press


def setup():
    global regular, bold
    py5.size(960, 480)
    regular = py5.create_font("SansSerif", 18)
    bold = py5.create_font("SansSerif.bold", 18)


def while_training(epoch, loss):          # after each epoch, on the animation thread
    losses.append(loss)
    if AUTOPILOT:
        arrivals.append((epoch, loss, py5.frame_count))


def trained(h):
    global answer
    answer = None


def failed(exc):
    global message
    message = str(exc)


def got(result, frame_time):
    global answer
    answer = result
    if AUTOPILOT:
        notice(result, frame_time)


def train():
    """What t does: train on every example so far (returns at once; own thread)."""
    global losses, message
    if head.is_training:
        return
    try:
        head.train(callback=while_training, done=trained, on_error=failed)
        losses, message = [], ""
    except (ValueError, p5knn.P5KNNError) as exc:
        message = "record two classes first" if "two labels" in str(exc) else str(exc)


def key_pressed():
    global t_down
    if str(py5.key).lower() == "t" and not t_down:    # the OS repeats a held key: once
        t_down = True
        train()


def key_released():
    global t_down
    if str(py5.key).lower() == "t":
        t_down = False


def draw():
    global last_record, message
    now = time.perf_counter()
    key = autopilot(now) if AUTOPILOT else \
        (str(py5.key) if py5.is_key_pressed else None)
    recording = CLASSES.get(key)
    if recording and now - last_record >= RECORD_EVERY:
        head.add_image(cam, recording)         # from draw(): returns at once, never dropped
        counts[recording] += 1
        message = ""
        last_record = last_record + RECORD_EVERY if now - last_record < 2 * RECORD_EVERY \
            else now                           # a steady 15 a second, whatever the frame rate
    if head.is_trained and not head.is_training:
        asked = cam.frame_time                 # the newest frame's time (or older)
        head.classify(cam, callback=lambda result: got(result, asked))   # latest frame wins

    py5.background(22, 24, 30)
    py5.image(cam.py5_image(), 0, 0)
    draw_status(recording)
    draw_panel(660, recording)


def draw_status(recording):
    if recording:
        blink = (255, 255, 255) if py5.frame_count // 15 % 2 else (255, 80, 80)
        p5knn.draw.chip(f"recording {recording}  ·  {counts[recording]}", 16, 16,
                        fill=(200, 30, 30), dot=blink, font=bold)
    elif head.is_training:
        p5knn.draw.chip(f"training  ·  epoch {len(losses)}/{EPOCHS}" if losses else
                        "training  ·  getting ready (TensorFlow loads once)…", 16, 16,
                        fill=(40, 90, 200), font=bold)
    elif message:
        p5knn.draw.chip(message, 16, 16, fill=(200, 30, 30), font=bold)
    if cam.demo is not None and not AUTOPILOT:
        p5knn.draw.chip("demo camera: move the mouse to look around", 16, py5.height - 52,
                        font=bold)


def text(what, x, y, size=18, font=None, fill=(235, 235, 240), align=py5.LEFT):
    py5.text_font(font or regular)
    py5.text_size(size)
    py5.fill(*fill)
    py5.text_align(align, py5.BASELINE)
    py5.text(what, x, y)


def draw_panel(x, recording):
    width = py5.width - x - 24
    text("TRAIN A HEAD ON MOBILENET", x, 40, 16, bold, (150, 155, 170))
    labels = list(CLASSES.values())
    classes = sum(1 for n in counts.values() if n)
    if head.is_training:
        big, small, colour = "training…", (f"epoch {len(losses)} of {EPOCHS}  ·  loss "
                                           f"{losses[-1]:.3f}" if losses else
                                           "getting ready…"), (235, 235, 240)
    elif answer is not None:
        big, small = answer.label, f"{answer.confidence:.0%} sure"
        colour = COLORS[labels.index(answer.label)] if answer.label in labels else (235,) * 3
    elif head.is_trained:
        big, small, colour = "…", "looking", (235, 235, 240)
    elif classes < 2:
        big, small, colour = "teach me", "hold 1, 2 or 3 to record", (235, 235, 240)
    else:
        big, small, colour = "press t", "to train on what you recorded", (235, 235, 240)
    text(big, x, 98, 44, bold, colour)
    text(small, x, 126, 18, regular, (170, 175, 190))

    text("key   confidence", x, 166, 16, regular, (120, 125, 140))
    text("examples", x + width, 166, 16, regular, (120, 125, 140), py5.RIGHT)
    py5.text_font(regular)
    p5knn.draw.confidence_bars(answer, x + 44, 178, width - 106, 34, gap=8, labels=labels,
                               colors=COLORS, text_size=18)
    for i, (key, label) in enumerate(CLASSES.items()):
        y = 178 + i * 42
        p5knn.draw.key_cap(key, x, y, 34, active=recording == label, font=bold)
        text(str(counts[label]), x + width, y + 23, 18, regular, (235, 235, 240), py5.RIGHT)

    draw_loss(x, 312, width, 106)
    for j, k in enumerate("123"):
        p5knn.draw.key_cap(k, x + 36 * j, 436, 30, font=bold)
    text("record", x + 112, 457, 18, regular, (220, 220, 228))
    p5knn.draw.key_cap("t", x + 188, 436, 30, active=head.is_training, font=bold)
    text("train", x + 226, 457, 18, regular, (220, 220, 228))


def draw_loss(x, y, w, h):
    """The loss after each epoch, on a log scale: the curve grows left to right as the
    epochs arrive."""
    py5.no_stroke()
    py5.fill(255, 255, 255, 14)
    py5.rect(x, y, w, h, 10)
    if not losses:
        text("the loss curve grows here", x + w / 2, y + h / 2 - 4, 16, regular,
             (120, 125, 140), py5.CENTER)
        text("while it trains", x + w / 2, y + h / 2 + 18, 16, regular, (120, 125, 140),
             py5.CENTER)
        return
    text(f"loss  ·  epoch {len(losses)}/{EPOCHS}", x + 12, y + 24, 16, bold, (150, 155, 170))
    text(f"{losses[-1]:.2g}", x + w - 12, y + 24, 16, bold, (255, 200, 80), py5.RIGHT)
    left, right, top, bottom = x + 12, x + w - 12, y + 38, y + h - 12
    logs = [math.log10(max(loss, 1e-6)) for loss in losses]   # log scale: it keeps falling
    high, low = max(logs), min(min(logs), max(logs) - 1)
    points = [(left + (right - left) * i / max(EPOCHS - 1, 1),
               bottom - (bottom - top) * (v - low) / (high - low)) for i, v in enumerate(logs)]
    py5.stroke(255, 255, 255, 40)
    py5.stroke_weight(1)
    py5.line(left, bottom, right, bottom)
    py5.no_fill()
    py5.stroke(255, 200, 80)
    py5.stroke_weight(2.5)
    with py5.begin_shape():
        py5.vertices(points)
    py5.no_stroke()
    py5.fill(255, 200, 80)
    py5.circle(*points[-1], 8)


def exiting():
    if AUTOPILOT:
        print(json.dumps({"counts": counts, "held": {k: round(v, 2) for k, v in held.items()},
                          "losses": arrivals, "frames_while_training": training_frames,
                          "predicted": predicted, "trained": head.is_trained,
                          "fps": round(py5.get_frame_rate(), 1)}), flush=True)


# --- autopilot: P5KNN_AUTOPILOT=1 on the demo camera teaches itself (tests, screenshots) ----
# It points the camera at the cat, the rocket and the coffee and holds 1, 2, 3 for 1.2 s
# each (swaying a little, like a hand-held camera), presses t, notes each epoch's loss and the
# frame it arrived on, then looks at each photo again and notes the head's answer.
AUTOPILOT = os.environ.get("P5KNN_AUTOPILOT") == "1" and cam.demo is not None
LESSONS = [("chelsea", "1"), ("rocket", "2"), ("coffee", "3")]
HOLD, SETTLE, LOOK = 1.2, 0.4, 1.6             # seconds
arrivals, predicted, held = [], {}, {}
training_frames = 0
pilot = {"start": None, "trained_at": None}


def look_at(photo, now):
    x, y = cam.demo.photo_position(photo)
    sway = 0.025 * math.sin(now * 2.5)
    cam.demo.pointer = lambda: (min(max(x + sway, 0.0), 1.0), y)


def autopilot(now):
    """Returns the key "held" this frame."""
    global training_frames
    pilot["start"] = pilot["start"] or now + 1.0               # let the camera settle
    t = now - pilot["start"]
    if t < 0:
        return None
    step, into = divmod(t, SETTLE + HOLD)
    if step < len(LESSONS):                                     # teach
        photo, key = LESSONS[int(step)]
        look_at(photo, now)
        if into < SETTLE:
            return None
        held[CLASSES[key]] = min(into - SETTLE, HOLD)
        return key
    if pilot["trained_at"] is None:                             # press t, once
        if not head.is_training and not head.is_trained and not message:
            train()                                             # what the t key does
        if head.is_training:
            training_frames += 1
        elif head.is_trained:
            pilot["trained_at"] = now
        return None
    step = int((now - pilot["trained_at"]) // LOOK)           # look at each photo again
    photo = LESSONS[step][0] if step < len(LESSONS) else "chelsea"   # then: the cat
    if photo != pilot.get("photo"):
        pilot["photo"], pilot["since"] = photo, now
    look_at(photo, now)
    return None


def notice(result, frame_time):
    """The answer for a frame taken at least 0.2 s after the view reached the photo."""
    photo = pilot.get("photo")
    if photo and frame_time > pilot["since"] + 0.2:
        predicted[photo] = result.label


py5.run_sketch()
