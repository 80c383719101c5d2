"""Light painting: your body's joints glow and shed embers as you move. No training at all:
the visuals are driven by the body landmarks directly.

    python sketches/landmark_visuals.py

- every joint the camera sees (head, shoulders, elbows, wrists, fingers, hips, knees, feet)
  emits embers that drift up and fade; the faster a joint moves, the more it throws off;
- how wide your arms are (wrist to wrist, in shoulder widths) sets the colours: arms close
  together are cool blue and violet, arms wide open are warm gold and red;
- the picture fades into the camera image, so movement leaves trails of light.

Keys: space shows or hides the camera, c clears the light, s saves a picture (PNG).

How it stays smooth: the body model runs on a thread of its own (``watch``), on the newest
camera frame 20 times a second; ``draw()`` only reads what it found, eases the joints towards
it 60 times a second and moves the embers with numpy, drawing them with ``py5.points`` in a
few colour groups (one call per group, not one per ember). The camera delivers frames at the
canvas size, because JAVA2D draws an image at its own size far faster than scaled.

No webcam? The demo source stands in: move the mouse over the picture to look around a wall
of photos (a footballer with his arms wide open at the top right, basketball players below).
"""

import json
import os
import threading
import time
import traceback

import numpy as np
import py5

import p5knn

EMITTERS = np.array([0, 11, 12, 13, 14, 15, 16, 19, 20, 23, 24, 25, 26, 27, 28, 31, 32])
# each emitter's hue: cool palette (arms close) and warm palette (arms wide), HSB degrees
COOL = np.array([195, 200, 200, 215, 215, 235, 235, 260, 260, 200, 200, 190, 190, 185, 185,
                 185, 185], float)
WARM = np.array([25, 25, 25, 20, 20, 350, 350, 330, 330, 25, 25, 15, 15, 5, 5, 0, 0], float)
N = 600                                       # embers at most (a ring: oldest replaced)

cam = p5knn.Camera(width=800, height=600, mirror=True, demo_wall="people")  # canvas-sized
pose = p5knn.feature_extractor("pose", num_threads=1)      # leaves draw() a core

found = []                                    # written by watch(), read by draw()
model_ready = threading.Event()
stop = threading.Event()

joints = None                                 # eased joint positions on the canvas (33, 2)
speed = np.zeros(33)
warmth = 0.0                                  # 0 = arms close (cool) … 1 = arms wide (warm)
show_camera = True
ghost_id = -1                                 # the camera frame last faded in
waiting = True                                # no body yet: a message is shown
rng = np.random.default_rng()
pos, vel = np.zeros((N, 2)), np.zeros((N, 2))
age, life = np.full(N, 9.0), np.ones(N)       # age >= life: dead
hue = np.zeros(N)
head = 0                                      # next ember slot


def watch():
    """The model's own thread: the body in the newest camera frame, 20 times a second (the
    joints are eased in between; that leaves the CPU to the embers)."""
    global found
    seen = -1
    while not stop.is_set():
        if not cam.wait_for_frame(seen, timeout=0.5):
            continue
        seen, start = cam.frame_id, time.perf_counter()
        try:
            found = pose.detect(cam)                           # tracked frame to frame
            model_ready.set()
        except Exception:  # noqa: BLE001 - print it and keep watching the camera
            traceback.print_exc()
            time.sleep(1)
        time.sleep(max(0.0, 0.05 - (time.perf_counter() - start)))


def setup():
    global regular, bold, legend, hints
    py5.size(800, 600)
    regular = py5.create_font("SansSerif", 16)
    bold = py5.create_font("SansSerif.bold", 18)
    legend, hints = make_legend(), make_hints()   # drawn once: they never change
    py5.background(6, 6, 14)
    threading.Thread(target=watch, daemon=True).start()


def make_legend():
    """The colour mapping, so it can be discovered: arms close (cool) to arms wide (warm)."""
    g = py5.create_graphics(244, 84)
    g.begin_draw()
    g.no_stroke()
    g.fill(0, 0, 0, 150)
    g.rect(0, 0, 244, 84, 14)
    g.text_font(regular)
    g.fill(235)
    g.text_align(py5.LEFT, py5.BASELINE)
    g.text("arms close", 12, 24)
    g.text_align(py5.RIGHT, py5.BASELINE)
    g.text("arms wide", 232, 24)
    g.color_mode(py5.HSB, 360, 100, 100)
    for i in range(220):
        g.fill(blend(215, 30, i / 219), 75, 100)
        g.rect(12 + i, 34, 1, 12)
    g.end_draw()
    return g.get_pixels(0, 0, g.width, g.height)


def make_hints():
    """The keys, as key caps."""
    keys = [("space", "camera"), ("c", "clear"), ("s", "save")]
    g = py5.create_graphics(400, 40)
    g.begin_draw()
    x = 0
    for key, what in keys:
        g.text_font(bold)
        g.text_size(16)
        kw = g.text_width(key) + 18
        g.text_font(regular)
        tw = g.text_width(what)
        g.no_stroke()
        g.fill(0, 0, 0, 150)
        g.rect(x, 0, kw + tw + 22, 40, 10)
        g.fill(60, 64, 76)
        g.stroke(255, 255, 255, 90)
        g.rect(x + 6, 6, kw, 28, 6)
        g.no_stroke()
        g.fill(255)
        g.text_font(bold)
        g.text_size(16)
        g.text_align(py5.CENTER, py5.CENTER)
        g.text(key, x + 6 + kw / 2, 18)
        g.text_font(regular)
        g.text_align(py5.LEFT, py5.CENTER)
        g.fill(235)
        g.text(what, x + kw + 14, 19)
        x += kw + tw + 28
    g.end_draw()
    return g.get_pixels(0, 0, int(x - 5), 40)


def follow(body):
    """Ease the joints towards the newest landmarks; measure speed and arm spread."""
    global joints, warmth
    target = body.landmarks[:, :2]
    if joints is None:
        joints = target.copy()
    moved = (target - joints) * 0.45
    joints = joints + moved
    speed[:] = speed * 0.7 + np.linalg.norm(moved, axis=1) * 0.3
    shoulders = np.linalg.norm(joints[11] - joints[12]) + 1e-6
    spread = np.linalg.norm(joints[15] - joints[16]) / shoulders    # arms' span, shoulders
    warmth += (np.clip((spread - 1.0) / 2.0, 0, 1) - warmth) * 0.08


def emit(body):
    """New embers at every visible emitter, more where the joint moves fast."""
    global head
    visible = body.visibility[EMITTERS] > 0.5
    counts = rng.poisson(np.where(visible, 0.3 + np.minimum(speed[EMITTERS] * 0.25, 3), 0))
    total = int(counts.sum())
    if not total:
        return
    which = np.repeat(np.arange(len(EMITTERS)), counts)
    slots = (head + np.arange(total)) % N
    head = (head + total) % N
    source = joints[EMITTERS[which]]
    pos[slots] = source + rng.normal(0, 4, (total, 2))
    vel[slots] = rng.normal(0, 0.6, (total, 2)) + [0, -0.5]
    vel[slots] *= 1 + np.minimum(speed[EMITTERS[which], None] * 0.1, 2)
    age[slots] = 0
    life[slots] = rng.uniform(0.9, 2.4, total)
    hue[slots] = (blend(COOL[which], WARM[which], warmth) + rng.normal(0, 6, total)) % 360


def blend(cool, warm, f):
    """Hue from cool to warm, turning through violet and magenta (never through green)."""
    return (cool + ((warm - cool) % 360) * f) % 360


def step(dt):
    alive = age < life
    vel[alive] *= 0.965
    vel[alive, 1] -= 0.035                                          # embers rise
    vel[alive] += rng.normal(0, 0.08, (int(alive.sum()), 2))        # and flicker
    pos[alive] += vel[alive]
    age[alive] += dt


def draw_embers():
    """Embers in groups of one hue (12) and age (young, old): one ``points`` call each."""
    alive = np.flatnonzero(age < life)
    if not len(alive):
        return
    old = age[alive] > life[alive] * 0.4
    groups = np.round(hue[alive] / 30).astype(int) % 12 * 2 + old
    order = np.argsort(groups, kind="stable")
    groups, alive = groups[order], alive[order]
    starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
    for start, end in zip(starts, [*starts[1:], len(groups)]):
        h, is_old = (groups[start] // 2) * 30, groups[start] % 2
        points = pos[alive[start:end]]
        if not is_old:
            py5.stroke(h, 85, 100, 16)                              # soft glow
            py5.stroke_weight(14)
            py5.points(points)
            py5.stroke(h, 30, 100, 95)                              # bright core
            py5.stroke_weight(4)
        else:
            py5.stroke(h, 65, 100, 45)                              # cooling down
            py5.stroke_weight(2)
        py5.points(points)


def draw_body(body):
    """The body as neon: a wide faint line under a thin bright one, glowing joints."""
    shown = body.visibility > 0.5
    pairs = [(a, b) for a, b in body.connections if shown[a] and shown[b] and a > 10 and b > 10]
    h = blend(215, 30, warmth)
    if pairs:
        pairs = np.array(pairs)
        lines = np.hstack([joints[pairs[:, 0]], joints[pairs[:, 1]]])
        py5.stroke(h, 80, 100, 12)
        py5.stroke_weight(18)
        py5.lines(lines)
        py5.stroke(h, 30, 100, 85)
        py5.stroke_weight(2.5)
        py5.lines(lines)
    lit = joints[EMITTERS[shown[EMITTERS]]]
    py5.stroke(h, 70, 100, 30)
    py5.stroke_weight(16)
    py5.points(lit)
    py5.stroke(0, 0, 100, 95)
    py5.stroke_weight(6)
    py5.points(lit)


def fade():
    """Fade the last frame a little: at each new camera frame towards a dark ghost of the
    camera, in between towards black. The light leaves trails."""
    global ghost_id
    if show_camera and cam.frame_id != ghost_id:
        ghost_id = cam.frame_id
        py5.tint(60, 62, 84, 48)              # dark and blue-grey
        py5.image(cam.py5_image(), 0, 0)      # at its own size (a scaled image is slow)
        py5.no_tint()
    else:
        py5.no_stroke()
        py5.fill(4, 4, 12, 24)
        py5.rect(0, 0, py5.width, py5.height)


def draw():
    global waiting
    bodies = found                            # read once: watch() may replace it meanwhile
    body = bodies[0] if bodies else None
    py5.color_mode(py5.RGB, 255)
    if waiting and body is not None:          # the first body: wipe the waiting message
        py5.background(6, 6, 14)
    waiting = body is None
    fade()
    py5.color_mode(py5.HSB, 360, 100, 100, 100)
    if body is not None:
        follow(body)
        emit(body)
    step(1 / 60)
    draw_embers()
    if body is not None:
        draw_body(body)
    py5.color_mode(py5.RGB, 255)
    draw_overlay(body)
    if AUTOPILOT:
        autopilot(time.perf_counter(), body)


def draw_overlay(body):
    py5.no_stroke()
    py5.text_font(bold)
    if not model_ready.is_set() or body is None:
        message = "starting the body model…" if not model_ready.is_set() else \
            "step back so the camera sees your whole body"
        py5.text_size(24)
        py5.fill(0, 0, 0, 150)
        w = py5.text_width(message) + 48
        py5.rect((py5.width - w) / 2, py5.height / 2 - 30, w, 60, 30)
        py5.fill(255)
        py5.text_align(py5.CENTER, py5.CENTER)
        py5.text(message, py5.width / 2, py5.height / 2 - 2)
    else:
        py5.text_size(18)
        py5.fill(0, 0, 0, 150)
        py5.rect(12, 12, py5.text_width("move: every joint sheds light") + 28, 36, 18)
        py5.fill(255)
        py5.text_align(py5.LEFT, py5.CENTER)
        py5.text("move: every joint sheds light", 26, 29)
    if cam.demo is not None and not AUTOPILOT:
        py5.text_font(regular)
        py5.text_size(16)
        py5.fill(0, 0, 0, 150)
        py5.rect(12, 56, py5.text_width("demo camera: move the mouse to look around") + 28,
                 32, 16)
        py5.fill(235)
        py5.text_align(py5.LEFT, py5.CENTER)
        py5.text("demo camera: move the mouse to look around", 26, 71)
    x, y = 12, py5.height - 96
    py5.image(legend, x, y)
    marker = x + 12 + warmth * 219                      # where the arms' spread is now
    py5.fill(255)
    py5.triangle(marker - 7, y + 62, marker + 7, y + 62, marker, y + 51)
    py5.image(hints, py5.width - 12 - hints.width, py5.height - 52)


def key_pressed():
    global show_camera
    if py5.key == " ":
        show_camera = not show_camera
    elif py5.key == "c":
        age[:] = life + 1
        py5.background(6, 6, 14)
    elif py5.key == "s":
        py5.save_frame("light-painting-####.png")


def exiting():
    stop.set()
    if AUTOPILOT:
        print(json.dumps({"warmth": {k: round(float(np.mean(v)), 2) for k, v in seen.items()},
                          "predicted": {k: "warm" if np.mean(v) > 0.5 else "cool"
                                        for k, v in seen.items()},
                          "embers": int((age < life).sum()),
                          "fps": round(py5.get_frame_rate(), 1)}), flush=True)


# --- autopilot: P5KNN_AUTOPILOT=1 on the demo camera plays by itself (tests, screenshots) --
# It sways the camera over the basketball player (hands together on the ball: cool), then
# over the footballer (arms wide open: warm) and stays there, noting the warmth of each.
AUTOPILOT = os.environ.get("P5KNN_AUTOPILOT") == "1" and cam.demo is not None
TOUR = ["basketball1.png", "messi5.jpg"]
seen, started = {}, None


def autopilot(now, body):
    """4 s swaying over each photo of the tour, then stay on the last."""
    global started
    if not model_ready.is_set():
        return
    started = started or now
    t = now - started
    photo = TOUR[min(int(t // 4), len(TOUR) - 1)]
    x, y = cam.demo.photo_position(photo)
    dx, dy = 0.08 * np.sin(t * 1.7) - 0.06, 0.05 * np.sin(t * 1.1)
    cam.demo.pointer = lambda: (min(max(x + dx, 0), 1), min(max(y + dy, 0), 1))
    if t % 4 > 2.5 and body is not None:                         # settled: note the colours
        seen.setdefault(photo, []).append(warmth)


py5.run_sketch()
