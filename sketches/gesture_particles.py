"""Gesture → visuals: teach three gestures to the camera; 1 500 particles swirl into a galaxy,
burst like fireworks or fall as rain with the predicted gesture, and the prediction's
confidence sets their energy.

    python sketches/gesture_particles.py

Show the camera a gesture and hold 1 (swirl), 2 (burst) or 3 (rain) to record it: 15
examples a second while the key is held. u undoes the last example, c clears them all.
Nothing taught yet (or nothing the KNN recognises): the particles drift in a calm cloud.
Every mode keeps the particles on screen: the galaxy turns around the centre, a burst
explodes outwards and gathers again, rain falls and starts again at the top.

No webcam? The demo source stands in: move the mouse over the sketch to look around a wall
of photos (a cat, an astronaut, coffee, a rocket, a galaxy field, a horse).
"""

import json
import math
import os
import time
from collections import deque

import cv2
import numpy as np
import py5

import p5knn

MODES = {"1": "swirl", "2": "burst", "3": "rain"}              # key -> label
COLORS = [(185, 120, 255), (255, 165, 60), (80, 190, 255)]     # swirl, burst, rain
PALETTES = {"swirl": [(185, 120, 255), (255, 120, 200), (235, 225, 255)],
            "burst": [(255, 165, 60), (255, 225, 120), (255, 90, 70)],
            "rain": [(80, 190, 255), (150, 225, 255), (60, 120, 240)],
            None: [(120, 135, 175), (160, 170, 205), (95, 110, 150)]}
BACKGROUND = (12, 13, 20)
W, H, N = 640, 540, 1500                                       # the particle field, particles
RECORD_EVERY = 1 / 15                                          # seconds between examples
BURST_PERIOD = 2.0                                             # seconds per explosion

cam = p5knn.Camera()
knn = p5knn.knn_classifier.create(balanced=True, min_similarity=0.5)

rng = np.random.default_rng(0)
angle = rng.uniform(0, 2 * math.pi, N)                         # each particle's own place
radius = np.sqrt(rng.uniform(0.02, 1, N))                      # 0…1, even over a disc
arm = (np.arange(N) % 3) * 2 * math.pi / 3 + rng.normal(0, 0.35, N)   # galaxy arms
reach = rng.uniform(0.45, 1.0, N)                              # how far a burst throws it
group = np.arange(N) % 3                                       # colour groups
pos = np.column_stack([W / 2 + 200 * radius * np.cos(angle), H / 2 + 200 * radius * np.sin(angle)])
vel = np.zeros((N, 2))
mode, energy, result, spin = None, 0.0, None, 0.0
dark = np.full((H, W, 3), BACKGROUND, np.float32)
light = dark.copy()                                            # the particles' light, RGB
shown = np.zeros((H, W, 3), np.uint8)
field_img = None                                               # shown as a reused Py5Image
splashes = deque(maxlen=60)                                    # (x, time) of raindrops landing
colours = np.array(PALETTES[None], float)                     # eased toward the mode's
last_record, last_frame, held_s, holds, was_held = 0.0, None, 0.0, 0, False


def setup():
    global regular, bold
    py5.size(960, 540)
    regular = py5.create_font("SansSerif", 18)
    bold = py5.create_font("SansSerif.bold", 18)
    py5.background(*BACKGROUND)
    knn.classify_start(cam, got)                               # predicts the newest frame


def got(answer):
    global mode, result
    result = answer
    mode = None if answer.unknown else answer.label


def targets(t):
    """Where each particle is pulled to in the current mode (None: rain, no pull)."""
    c = np.array([W / 2, H / 2])
    if mode == "swirl":                                        # a turning spiral galaxy
        r = 240 * radius ** 1.5                                # denser towards the core
        theta = arm + 3.2 * radius + spin
        return c + np.column_stack([r * np.cos(theta), 0.9 * r * np.sin(theta)])
    if mode == "burst":                                        # explode, hang, gather again
        grow = burst_size(t)
        r = 14 + (230 * reach - 14) * grow
        theta = angle + 0.15 * math.sin(t)
        return c + np.column_stack([r * np.cos(theta), r * np.sin(theta)])
    if mode == "rain":
        return None
    theta = angle + 0.08 * t                                   # idle: a calm, breathing cloud
    r = 170 * radius * (1 + 0.06 * np.sin(t * 0.9 + 5 * radius))
    return c + np.column_stack([r * np.cos(theta), r * np.sin(theta)])


def burst_size(t):
    """0 (gathered) … 1 (exploded): fast out, a moment of hanging, then slowly back."""
    phase = t / BURST_PERIOD % 1.0
    grow = 1 - (1 - phase / 0.22) ** 3 if phase < 0.22 else \
        0.5 + 0.5 * math.cos(math.pi * (phase - 0.22) / 0.78)
    return grow * (0.7 + 0.3 * energy)


def step(t, dt):
    global pos, vel, spin
    k = dt * 60                                                # physics in 60-fps frames
    spin += dt * (0.4 + 1.4 * energy)                          # the galaxy turns, arms intact
    goal = targets(t)
    if goal is None:                                           # rain: near drops fall faster
        vel[:, 1] += (0.3 + 0.4 * energy) * k
        wind = 1.2 + 0.8 * math.sin(t * 0.5)
        vel[:, 0] += (wind * reach - vel[:, 0]) * 0.1 * k
        vel[:, 1] = np.minimum(vel[:, 1], (3 + 15 * reach ** 2) * (0.6 + 0.4 * energy))
        pos += vel * k
        below = pos[:, 1] > H
        for x in pos[below & (reach > 0.93), 0][:3]:           # near drops splash
            splashes.append((x, t))
        pos[below, 1] -= H + rng.uniform(0, 60, below.sum())   # fall again from the top,
        pos[below, 0] = rng.uniform(0, W, below.sum())         # anywhere across
        pos[:, 0] %= W
    else:                                                      # a damped spring to the target
        stiff, damp = (0.06, 0.32) if mode == "burst" else (0.03, 0.2)
        vel += ((goal - pos) * stiff - vel * damp) * k
        pos += vel * k
        for axis, size in ((0, W), (1, H)):                    # a soft bounce off the edges
            out = (pos[:, axis] < 2) | (pos[:, axis] > size - 3)
            vel[out, axis] *= -0.5
            np.clip(pos[:, axis], 2, size - 3, out=pos[:, axis])


def draw():
    global last_record, last_frame, held_s, holds, was_held, energy, colours
    now = time.perf_counter()
    elapsed, last_frame = now - (last_frame or now), now       # since the last frame
    dt = min(elapsed, 0.05)                                    # the animation's step
    key = autopilot(now) if AUTOPILOT else (str(py5.key) if py5.is_key_pressed else None)
    recording = MODES.get(key)
    if recording:                                              # 15 examples a second
        held_s += elapsed if was_held else 0.0                 # real time, however slow
        holds += not was_held
        if now - last_record >= RECORD_EVERY:
            knn.add_example(cam, recording)                    # returns at once, never dropped
            last_record = last_record + RECORD_EVERY if now - last_record < 2 * RECORD_EVERY \
                else now
    was_held = bool(recording)

    sure = result.confidence if result is not None and mode else 0.0
    energy += (sure - energy) * min(1.0, 3 * dt)               # smooth the confidence
    colours += (np.array(PALETTES[mode], float) - colours) * min(1.0, 2 * dt)
    before = pos.copy()
    step(now, dt)
    autopilot_measure(now)

    render(before)
    py5.image(field_img, 0, 0)
    if mode == "burst":
        draw_shockwave(now)
    draw_splashes(now)
    draw_status(recording)
    draw_panel(660, recording)


def render(before):
    """The particles as light: each adds its colour along its path since the last frame
    (sub-pixel: motion blur), the old light fades (trails), and a blurred copy adds a glow.
    numpy and OpenCV do it in a few milliseconds; py5 would draw wide points one by one."""
    global field_img
    fade = 0.6 if mode == "rain" else 0.78                     # light kept per frame: trails
    cv2.addWeighted(light, fade, dark, 1 - fade, 0, dst=light)   # fade toward the background
    moved = pos - before
    moved[np.abs(moved).max(axis=1) > 60] = 0                  # wrapped round: no streak
    flat = light.reshape(-1, 3)
    streak = 8 if mode == "rain" else 4                        # light samples along the path
    for j in range(streak):
        p = pos - moved * (j / streak)
        ok = (p[:, 0] >= 0) & (p[:, 0] < W - 1) & (p[:, 1] >= 0) & (p[:, 1] < H - 1)
        x, y = p[ok, 0], p[ok, 1]
        ix, iy = x.astype(int), y.astype(int)
        fx, fy = (x - ix)[:, None], (y - iy)[:, None]
        rgb = colours[group[ok]] * ((0.8 + 0.7 * energy) / streak * (1.6 - j / streak))
        if mode == "rain":                                     # far drops faint, near bright
            rgb *= 3.0 * reach[ok, None] ** 4
        for dx, dy, share in ((0, 0, (1 - fx) * (1 - fy)), (1, 0, fx * (1 - fy)),
                              (0, 1, (1 - fx) * fy), (1, 1, fx * fy)):
            np.add.at(flat, (iy + dy) * W + ix + dx, rgb * share)
    small = cv2.resize(light, (W // 4, H // 4), interpolation=cv2.INTER_AREA)
    glow = cv2.resize(cv2.GaussianBlur(small, (0, 0), 2.0), (W, H))
    cv2.addWeighted(light, 1.0, glow, 1.6, -0.6 * BACKGROUND[2], dst=shown, dtype=cv2.CV_8U)
    field_img = py5.create_image_from_numpy(shown, "RGB", dst=field_img)


def draw_shockwave(t):
    """A ring that runs ahead of each explosion and fades."""
    phase = t / BURST_PERIOD % 1.0
    if phase < 0.5:
        py5.no_fill()
        py5.stroke(*COLORS[1], 200 * (1 - phase / 0.5) * (0.4 + 0.6 * energy))
        py5.stroke_weight(3)
        py5.circle(W / 2, H / 2, 2 * (30 + 230 * math.sqrt(phase / 0.5)))


def draw_splashes(t):
    """Little rings where near raindrops hit the ground."""
    py5.no_fill()
    py5.stroke_weight(1.5)
    while splashes and t - splashes[0][1] > 0.5:
        splashes.popleft()
    for x, when in splashes:
        age = (t - when) / 0.5
        py5.stroke(*PALETTES["rain"][1], 180 * (1 - age))
        py5.ellipse(x, H - 10, 8 + 34 * age, 3 + 8 * age)


def draw_status(recording):
    if recording:
        blink = (255, 255, 255) if py5.frame_count // 15 % 2 else (255, 80, 80)
        p5knn.draw.chip(f"recording {recording}  ·  {knn.get_count_by_label().get(recording, 0)}",
                        16, 16, fill=(200, 30, 30), dot=blink, font=bold)
    elif not len(knn):
        p5knn.draw.chip("hold 1, 2 or 3 to teach a gesture", 16, 16, font=bold)
    elif mode:
        p5knn.draw.chip(f"{mode}  ·  {energy:.0%} energy", 16, 16,
                        dot=COLORS[list(MODES.values()).index(mode)], font=bold)
    else:
        p5knn.draw.chip("not a gesture I know: drifting", 16, 16, font=bold)
    if cam.demo is not None and not AUTOPILOT:
        p5knn.draw.chip("demo camera: move the mouse to look around", 16, H - 52, font=bold)


def draw_panel(x, recording):
    py5.no_stroke()
    py5.fill(22, 24, 30)
    py5.rect(W, 0, py5.width - W, py5.height)
    width = py5.width - x - 24
    counts = knn.get_count_by_label()
    py5.text_align(py5.LEFT, py5.BASELINE)
    py5.fill(150, 155, 170)
    py5.text_font(bold)
    py5.text_size(16)
    py5.text("GESTURE → PARTICLES", x, 40)
    py5.text_size(44)
    if mode:
        py5.fill(*COLORS[list(MODES.values()).index(mode)])
        py5.text(mode, x, 96)
        answer = f"{result.confidence:.0%} sure"
    else:
        py5.fill(235)
        py5.text("teach me" if not counts else "…", x, 96)
        answer = "show a gesture, hold 1, 2 or 3" if not counts else "show a gesture you taught"
    py5.text_font(regular)
    py5.text_size(18)
    py5.fill(170, 175, 190)
    py5.text(answer, x, 124)

    th = width * 3 / 4                                         # the camera, 4:3
    py5.image(cam.py5_image(), x, 142, width, th)
    if recording:
        py5.no_fill()
        py5.stroke(230, 40, 40)
        py5.stroke_weight(4)
        py5.rect(x, 142, width, th)
        py5.no_stroke()

    top = 142 + th + 34
    py5.text_font(bold)
    py5.text_size(16)
    py5.fill(120, 125, 140)
    py5.text("key   confidence", x, top - 10)
    py5.text_align(py5.RIGHT, py5.BASELINE)
    py5.text("examples", x + width, top - 10)
    p5knn.draw.confidence_bars(result if mode or result is None else None, x + 42, top,
                               width - 94, 30, gap=6, labels=MODES.values(), colors=COLORS,
                               text_size=18)
    for i, (key, label) in enumerate(MODES.items()):
        y = top + i * 36
        p5knn.draw.key_cap(key, x, y, 30, active=recording == label, font=bold)
        py5.fill(235)
        py5.text_font(regular)
        py5.text_size(18)
        py5.text_align(py5.RIGHT, py5.CENTER)
        py5.text(str(counts.get(label, 0)), x + width, y + 14)
    for j, (k, what) in enumerate([("u", "undo"), ("c", "clear")]):
        p5knn.draw.key_cap(k, x + 120 * j, py5.height - 40, 30, font=bold)
        py5.fill(220)
        py5.text_align(py5.LEFT, py5.CENTER)
        py5.text(what, x + 120 * j + 42, py5.height - 26)


def key_pressed():
    if py5.key == "u":
        knn.undo_last()
    elif py5.key == "c":
        knn.clear_all_labels()


def inside(margin=6):
    """The fraction of particles in view: on the field, not pressed against its edges."""
    x, y = pos[:, 0], pos[:, 1]
    return float(np.mean((x >= margin) & (x < W - margin) & (y >= margin) & (y < H - margin)))


def exiting():
    if AUTOPILOT:
        knn.flush()                                            # count adds still queued
        print(json.dumps({"counts": knn.get_count_by_label(), "predicted": predicted,
                          "held_s": round(held_s, 2), "holds": holds,
                          "burst_frames": burst_frames, "burst_inside_min": burst_inside[0],
                          "burst_inside_end": burst_inside[1], "mode": mode,
                          "inside": inside(), "fps": round(py5.get_frame_rate(), 1)}), flush=True)


# --- autopilot: P5KNN_AUTOPILOT=1 on the demo camera teaches itself (tests, screenshots) ----
# It points the camera at photos and holds a key 1 s on each: swirl on the galaxy field,
# burst on the rocket, rain on the coffee. Then it looks at each again and notes the mode
# the sketch predicts; on the rocket it watches the bursts and notes how many particles stay
# on the field. It ends on the galaxy, the particles mid-swirl.
AUTOPILOT = os.environ.get("P5KNN_AUTOPILOT") == "1" and cam.demo is not None
LESSONS = [("hubble_deep_field", "1"), ("rocket", "2"), ("coffee", "3")]
CHECKS = [("coffee", 2.0), ("rocket", 3.0), ("hubble_deep_field", 99.0)]
TEACH = 1.7                                                    # seconds per lesson
predicted, started, burst_frames, burst_inside, burst_since = {}, None, 0, [1.0, None], None


def autopilot(now):
    """Returns the key "held" now; points the demo camera."""
    global started
    started = started or now
    t = now - started
    if t < TEACH * len(LESSONS):
        photo, key = LESSONS[int(t // TEACH)]
        look(photo)
        return key if 0.4 <= t % TEACH < 1.4 else None       # "hold the key" 1 s
    t -= TEACH * len(LESSONS)
    for photo, stay in CHECKS:
        if t < stay:
            look(photo)
            if t > 1.0 and mode is not None:
                predicted[photo] = mode
            if photo == "rocket":
                burst_inside[1] = inside()                     # the last frame's counts
            return None
        t -= stay
    return None


def look(photo):
    x, y = cam.demo.photo_position(photo)
    cam.demo.pointer = lambda: (x, y)


def autopilot_measure(now):
    """Counts frames in burst mode; the fewest particles in view once a burst took over
    (0.5 s after the switch: rain's drops may start above the field)."""
    global burst_frames, burst_since
    if not AUTOPILOT or mode != "burst":
        burst_since = None
        return
    burst_since = burst_since or now
    burst_frames += 1
    if now - burst_since > 0.5:
        burst_inside[0] = min(burst_inside[0], inside())


py5.run_sketch()
