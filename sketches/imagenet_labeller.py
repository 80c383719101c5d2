"""ImageNet labeller: what MobileNet itself sees in the camera, as its five best guesses.

    python sketches/imagenet_labeller.py

No keys, no training: MobileNet was trained on ImageNet's 1,000 classes (cats, espresso,
obelisks, go-karts…), and its own output layer names the live frame. This is the head that
KNN and trained heads replace with classes of your own; here you see the original.

``mobilenet.classify(cam, top_k=5, callback=got)`` is called in every ``draw()``: it returns
at once, runs on the extractor's worker, and the newest frame wins (requests that have not
started when a newer one comes are dropped, never queued), so the sketch stays at full speed.

No webcam? The demo source stands in: move the mouse over the picture to look around a wall
of photos.
"""

import json
import os
import time

import py5

import p5knn

BAR = (80, 200, 150)

cam = p5knn.Camera()
mobilenet = p5knn.feature_extractor()
guess = None                                  # the newest answer: top 5 names and probabilities


def setup():
    global regular, bold
    py5.size(960, 480)
    regular = py5.create_font("SansSerif", 18)
    bold = py5.create_font("SansSerif.bold", 18)


def got(result, frame_time):                  # on the animation thread, before draw()
    global guess
    guess = result
    if AUTOPILOT:
        notice(result, frame_time)


def short(name):
    """ImageNet names list synonyms ("tabby, tabby cat"): the first one."""
    return name.split(",")[0]


def draw():
    if AUTOPILOT:
        autopilot(time.perf_counter())
    asked = cam.frame_time                              # the newest frame's time (or older)
    mobilenet.classify(cam, top_k=5, callback=lambda result: got(result, asked))
    # ^ returns at once; the latest frame wins, requests never pile up
    py5.background(22, 24, 30)
    py5.image(cam.py5_image(), 0, 0)
    if guess is None:
        p5knn.draw.chip("looking…", 16, 16, font=bold)
    if cam.demo is not None and not AUTOPILOT:
        p5knn.draw.chip("demo camera: move the mouse to look around", 16, py5.height - 52,
                        font=bold)
    draw_panel(660)


def text(what, x, y, size=18, font=None, fill=(235, 235, 240), align=py5.LEFT):
    py5.text_font(font or regular)
    py5.text_size(size)
    py5.fill(*fill)
    py5.text_align(align, py5.BASELINE)
    py5.text(what, x, y)


def draw_panel(x):
    width = py5.width - x - 24
    text("MOBILENET SEES", x, 40, 16, bold, (150, 155, 170))
    if guess is None:
        text("…", x, 98, 44, bold)
        text("waiting for the first frame", x, 126, 18, regular, (170, 175, 190))
        return
    best, probability = guess.top()[0]
    size = 44
    py5.text_font(bold)
    while size > 22:                                    # long names: smaller, never clipped
        py5.text_size(size)
        if py5.text_width(short(best)) <= width:
            break
        size -= 2
    text(short(best), x, 98, size, bold, BAR)
    text(f"{probability:.0%} sure  ·  its best of 1,000", x, 126, 18, regular, (170, 175, 190))

    text("top 5 guesses", x, 166, 16, regular, (120, 125, 140))
    bars = {}
    for name, p in guess.top():
        bars[name if short(name) in bars else short(name)] = p   # two "crane"s: keep both
    py5.text_font(regular)
    p5knn.draw.confidence_bars(bars, x, 178, width, 32, gap=8, colors=[BAR], text_size=18)

    text("ImageNet's classes, MobileNet's", x, 416, 16, regular, (120, 125, 140))
    text("own head: nothing is trained here", x, 438, 16, regular, (120, 125, 140))


def exiting():
    if AUTOPILOT:
        print(json.dumps({"top1": {p: short(n) for p, n in top1.items()}, "top5": top5,
                          "frames": py5.frame_count,
                          "fps": round(py5.get_frame_rate(), 1)}), flush=True)


# --- autopilot: P5KNN_AUTOPILOT=1 on the demo camera (tests, screenshots) --------------------
# It looks at five photos of the wall, notes MobileNet's answer for a frame taken after the
# view arrived, and ends on the cat.
AUTOPILOT = os.environ.get("P5KNN_AUTOPILOT") == "1" and cam.demo is not None
TOUR = ["rocket", "coffee", "horse", "astronaut", "chelsea"]
LOOK = 1.4                                    # seconds on each photo, at least
top1, top5 = {}, {}
pilot = {"photo": None, "since": 0.0, "stop": 0}


def autopilot(now):
    """Point the camera at the next photo once this one has an answer and LOOK has passed."""
    photo = pilot["photo"]
    if photo is None or (photo in top1 and now - pilot["since"] > LOOK
                         and pilot["stop"] < len(TOUR) - 1):
        pilot["stop"] += photo is not None
        photo = pilot["photo"] = TOUR[pilot["stop"]]
        pilot["since"] = now
        x, y = cam.demo.photo_position(photo)
        cam.demo.pointer = lambda: (x, y)


def notice(result, frame_time):
    """Keep the answer for a frame taken at least 0.1 s after the view moved there."""
    photo = pilot["photo"]
    if photo and frame_time > pilot["since"] + 0.1:
        top1[photo] = result.label
        top5[photo] = [[short(n), round(p, 3)] for n, p in result.top()]


py5.run_sketch()
