"""Steady outputs on a real flickering label stream: raw KNN answers vs ``p5knn.Steady``.

    python benchmarks/bench_steady.py [--fps 20] [--majority 7] [--min-stable 4]
        [--timeout 0.6] [--out docs/steady.png]

The stream: MobileNet + KNN (k=3) taught 3 views of each photo of the demo source's wall
(``p5knn.DemoSource``: real photos, sensor noise), then a hand-held pan over it — the view
rests on a photo, shakes a little, glides diagonally to the next (across the photos in
between), and the camera is unplugged for 2 s on the way (no frames at all). Each frame is
predicted once, ``--fps`` frames a second of simulated time, so the run is the same on any
machine (times are passed to ``Steady`` by hand: ``update(result, now=t)`` for each frame,
``tick(now=t)`` in every frame slot without a frame).

It prints the label changes of the raw answers and of the steady ones, the messages a
``Steady(..., on_change=True)`` would send, how many frames each agrees with the photo in
view while the view rests on one, and the steady label's delay after each real change; and
draws label over time, raw vs steady, to ``--out`` (PIL, no matplotlib).
"""

from __future__ import annotations

import argparse
import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

import p5knn

NAMES = {"chelsea": "cat", "astronaut": "astronaut", "coffee": "coffee", "rocket": "rocket",
         "hubble_deep_field": "galaxy", "horse": "horse"}
#: where coffee meets the astronaut: half of each in view (a pointer position)
SEAM = (0.765, 0.02)
#: the pan: ("rest", photo or position, seconds) holds the view there (a hand-held shake),
#: ("glide", photo or position, seconds) moves it there, ("off", None, seconds): no frames
SCRIPT = [("rest", "chelsea", 2.5), ("glide", "coffee", 1.4), ("rest", "coffee", 2.0),
          ("glide", SEAM, 0.6), ("rest", SEAM, 3.0), ("glide", "rocket", 1.6),
          ("rest", "rocket", 2.2), ("off", None, 2.0), ("rest", "rocket", 1.2),
          ("glide", "horse", 1.6), ("rest", "horse", 2.5)]


@dataclass
class Frame:
    t: float               #: seconds since the start
    view: tuple | None     #: pointer position (None: camera unplugged)
    truth: str | None      #: the photo in view while resting on one (else None)
    seam: bool = False     #: resting at the seam between coffee and the astronaut


def timeline(source: p5knn.DemoSource, fps: float, seed: int) -> list[Frame]:
    """Frame slots of the pan, with a hand-held shake (a few slow sines: about ±4 % of the
    wall, a third of that at the seam, where the hand holds still)."""
    rng = np.random.default_rng(seed)
    freqs, phases = rng.uniform(0.3, 1.7, (2, 4)), rng.uniform(0, 2 * np.pi, (2, 4))
    frames, t, here = [], 0.0, None

    def where(target):
        return np.array(source.photo_position(target) if isinstance(target, str) else target)

    for kind, target, seconds in SCRIPT:
        start = where(here) if here is not None else None
        goal = where(target) if target is not None else None
        for i in range(int(round(seconds * fps))):
            s = i / (seconds * fps)
            if kind == "off":
                frames.append(Frame(t, None, None))
            else:
                if kind == "glide":
                    base = start + (goal - start) * (0.5 - 0.5 * math.cos(math.pi * s))
                else:
                    base = goal
                size = 0.013 if target == SEAM else 0.04
                shake = size * np.sin(2 * np.pi * freqs * t + phases).sum(axis=1) / 2
                truth = NAMES[target] if kind == "rest" and isinstance(target, str) else None
                frames.append(Frame(t, tuple(np.clip(base + shake, 0, 1)), truth,
                                    kind == "rest" and target == SEAM))
            t += 1.0 / fps
        here = target if target is not None else here
    return frames


def teach(source: p5knn.DemoSource, min_similarity: float) -> p5knn.KNNClassifier:
    knn = p5knn.knn_classifier.create(k=3, min_similarity=min_similarity)
    for name, label in NAMES.items():
        x, y = source.photo_position(name)
        for dx, dy in ((0, 0), (0.03, 0.05), (-0.03, -0.05)):
            source.pointer = lambda p=(x + dx, y + dy): p
            knn.add_example(source.read()[1], label, bands="BGR")
    return knn


def lag_frames(majority: int, min_stable: int) -> int:
    """Frames from the first answer of a new label to the steady label's change, when the
    raw answers switch cleanly."""
    steady = p5knn.Steady(majority=majority, min_stable=min_stable)
    old = p5knn.Classification(label="old", class_index=0, confidences={"old": 1.0})
    new = p5knn.Classification(label="new", class_index=1, confidences={"new": 1.0})
    for _ in range(3 * majority + min_stable):
        steady.update(old, now=0.0)
    for i in range(3 * majority + min_stable):
        if steady.update(new, now=0.0).label == "new":
            return i
    raise AssertionError("the steady label never followed")


def changes(labels: list) -> int:
    return sum(a != b for a, b in zip(labels, labels[1:]))


# ------------------------------------------------------------------------------ the chart
COLOURS = {"cat": (230, 120, 20), "astronaut": (60, 120, 200), "coffee": (140, 90, 60),
           "rocket": (200, 50, 60), "galaxy": (130, 80, 190), "horse": (40, 150, 90),
           "unknown": (120, 120, 120)}
S = 2   # drawn at twice the size, then scaled down: smooth lines and text


def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    try:
        return ImageFont.truetype(f"/usr/share/fonts/truetype/dejavu/{name}", size * S)
    except OSError:
        return ImageFont.load_default(size=size * S)


def chart(path: Path, frames: list[Frame], raw: list, steady: list, title: str,
          subtitle: str, raw_note: str, steady_note: str) -> None:
    lanes = list(COLOURS)
    width, lane_h, left, right = 1400, 30, 150, 40
    panel_h = lane_h * len(lanes)
    top1 = 150
    top2 = top1 + panel_h + 70
    axis_y = top2 + panel_h
    height = axis_y + 110
    img = Image.new("RGB", (width * S, height * S), "white")
    d = ImageDraw.Draw(img)
    t_end = frames[-1].t + (frames[1].t - frames[0].t)

    def x_of(t: float) -> float:
        return (left + (width - left - right) * t / t_end) * S

    def lane_y(top: int, label: str) -> float:
        return (top + lane_h * (lanes.index(label) + 0.5)) * S

    d.text((left * S, 18 * S), title, fill=(20, 20, 20), font=font(24, bold=True))
    d.text((left * S, 56 * S), subtitle, fill=(70, 70, 70), font=font(15))
    for top, note in ((top1, raw_note), (top2, steady_note)):
        d.text((left * S, (top - 34) * S), note, fill=(20, 20, 20), font=font(17, bold=True))
        for i, label in enumerate(lanes):            # lanes: stripes, names on the left
            y0 = (top + i * lane_h) * S
            if i % 2 == 0:
                d.rectangle([left * S, y0, (width - right) * S, y0 + lane_h * S],
                            fill=(246, 246, 246))
            d.text(((left - 12) * S, y0 + lane_h * S / 2), label, anchor="rm",
                   fill=COLOURS[label], font=font(16, bold=True))
        off = [f.t for f in frames if f.view is None]  # camera unplugged: shaded
        if off:
            x0, x1 = x_of(off[0]), x_of(off[-1] + (frames[1].t - frames[0].t))
            d.rectangle([x0, top * S, x1, (top + panel_h) * S], fill=(228, 228, 236))
            d.text(((x0 + x1) / 2, (top + 6) * S), "no frames", anchor="mt",
                   fill=(110, 110, 130), font=font(14))
        run_start = None                             # the photo in view: pale bands
        for i, f in enumerate(frames + [Frame(t_end, None, None)]):
            prev = frames[i - 1].truth if i else None
            if f.truth != prev:
                if prev is not None:
                    y = lane_y(top, prev)
                    d.rounded_rectangle([x_of(run_start), y - 11 * S, x_of(f.t), y + 11 * S],
                                        radius=6 * S, fill=tuple(
                                            int(255 - 0.22 * (255 - c)) for c in COLOURS[prev]))
                run_start = f.t
    seam = [f.t for f in frames if f.seam]           # the seam: a bracket over the raw panel
    if seam:
        x0, x1, y = x_of(seam[0]), x_of(seam[-1]), (top1 - 10) * S
        d.line([x0, y + 6 * S, x0, y, x1, y, x1, y + 6 * S], fill=(90, 90, 90), width=S)
        d.text(((x0 + x1) / 2, y - 4 * S), "half coffee, half astronaut in view",
               anchor="mb", fill=(60, 60, 60), font=font(14))
    # raw: one tick per prediction
    for f, label in zip(frames, raw):
        if label is not None:
            x, y = x_of(f.t), lane_y(top1, label)
            d.rectangle([x - 2 * S, y - 8 * S, x + 2 * S, y + 8 * S], fill=COLOURS[label])
    # steady: a step line, held between answers (also through the camera outage)
    points, prev = [], None
    for f, label in zip(frames, steady):
        if label is None:
            continue
        x, y = x_of(f.t), lane_y(top2, label)
        if prev is not None and prev[1] != label:
            d.line([x, lane_y(top2, prev[1]), x, y], fill=(150, 150, 150), width=2 * S)
        if prev is not None:
            d.line([prev[0], lane_y(top2, prev[1]), x, lane_y(top2, prev[1])],
                   fill=COLOURS[prev[1]], width=7 * S)
        if prev is None or prev[1] != label:
            points.append((x, y))
        prev = (x, label)
    if prev is not None:
        d.line([prev[0], lane_y(top2, prev[1]), x_of(t_end), lane_y(top2, prev[1])],
               fill=COLOURS[prev[1]], width=7 * S)
    for x, y in points:
        d.ellipse([x - 5 * S, y - 5 * S, x + 5 * S, y + 5 * S], fill=(40, 40, 40))
    timed_out = [f.t for f, label in zip(frames, steady)
                 if f.view is None and label == "unknown"]
    if timed_out:                                    # where the timeout fired
        x, y = x_of(timed_out[0]), lane_y(top2, "unknown") - 7 * S
        d.text((x + 10 * S, y), "timeout", anchor="lb", fill=(70, 70, 70), font=font(14))
    # time axis
    d.line([left * S, axis_y * S, (width - right) * S, axis_y * S], fill=(60, 60, 60), width=S)
    for second in range(0, int(t_end) + 1, 2):
        x = x_of(second)
        d.line([x, axis_y * S, x, (axis_y + 8) * S], fill=(60, 60, 60), width=S)
        d.text((x, (axis_y + 12) * S), f"{second}", anchor="mt", fill=(40, 40, 40),
               font=font(15))
        for top in (top1, top2):
            d.line([x, top * S, x, (top + panel_h) * S], fill=(225, 225, 225), width=S)
    d.text(((left + width - right) / 2 * S, (axis_y + 34) * S), "time (seconds)",
           anchor="mt", fill=(40, 40, 40), font=font(15, bold=True))
    # legend
    ly, lx = (axis_y + 78) * S, left * S
    items = [("photo in view (view at rest)", "band"), ("raw answer, one per frame", "tick"),
             ("steady label (● where it changes)", "line"), ("camera unplugged: no frames", "off")]
    for text, kind in items:
        if kind == "band":
            d.rounded_rectangle([lx, ly - 10 * S, lx + 34 * S, ly + 10 * S], radius=5 * S,
                                fill=(225, 232, 243))
        elif kind == "tick":
            for k in range(4):
                d.rectangle([lx + (4 + 8 * k) * S, ly - 8 * S, lx + (8 + 8 * k) * S,
                             ly + 8 * S], fill=COLOURS["astronaut"])
        elif kind == "line":
            d.line([lx, ly, lx + 34 * S, ly], fill=COLOURS["astronaut"], width=7 * S)
            d.ellipse([lx - 5 * S, ly - 5 * S, lx + 5 * S, ly + 5 * S], fill=(40, 40, 40))
        else:
            d.rectangle([lx, ly - 10 * S, lx + 34 * S, ly + 10 * S], fill=(228, 228, 236))
        d.text((lx + 44 * S, ly), text, anchor="lm", fill=(40, 40, 40), font=font(15))
        lx += (44 + d.textlength(text, font=font(15)) / S + 40) * S
    img = img.resize((width, height), Image.LANCZOS)
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path, optimize=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fps", type=float, default=20.0, help="predictions per second")
    parser.add_argument("--majority", type=int, default=7)
    parser.add_argument("--min-stable", type=int, default=4)
    parser.add_argument("--timeout", type=float, default=0.6)
    parser.add_argument("--noise", type=float, default=12.0, help="sensor noise (0…255)")
    parser.add_argument("--min-similarity", type=float, default=0.75,
                        help="the KNN's unknown threshold (as in the webcam sketch)")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent.parent / "docs" /
                        "steady.png")
    args = parser.parse_args()

    source = p5knn.DemoSource(noise=args.noise, seed=args.seed)
    knn = teach(source, args.min_similarity)
    frames = timeline(source, args.fps, args.seed)
    started = time.perf_counter()
    results = []
    for f in frames:                                  # one prediction per frame slot
        if f.view is None:
            results.append(None)
            continue
        source.pointer = lambda p=f.view: p
        results.append(knn.predict_class(source.read()[1], bands="BGR", wait=True))
    seconds = time.perf_counter() - started

    steady = p5knn.Steady(majority=args.majority, min_stable=args.min_stable,
                          timeout=args.timeout)
    sender = p5knn.Steady(majority=args.majority, min_stable=args.min_stable,
                          timeout=args.timeout, on_change=True)
    raw, out, sent = [], [], 0
    for f, r in zip(frames, results):
        if r is None:                                 # no frame in this slot
            got = steady.tick(now=f.t)
            sent += sender.tick(now=f.t) is not None
            raw.append(None)
            out.append(got.label if got is not None else None)
            continue
        raw.append(r.label)
        out.append(steady.update(r, now=f.t).label)
        sent += sender.update(r, now=f.t) is not None
    held = list(out)
    for i in range(1, len(held)):                     # the label in force in every slot
        if held[i] is None:
            held[i] = held[i - 1]

    live = [label for label in raw if label is not None]
    rest = [(f.truth, a, b) for f, a, b in zip(frames, raw, held) if f.truth and a]
    raw_ok = sum(a == truth for truth, a, _ in rest) / len(rest)
    steady_ok = sum(b == truth for truth, _, b in rest) / len(rest)
    lag = lag_frames(args.majority, args.min_stable)
    n_frames = len(live)
    options = (f"majority={args.majority}, min_stable={args.min_stable}, "
               f"timeout={args.timeout:g} s")
    print(f"{n_frames} frames predicted ({seconds:.1f} s, {n_frames / seconds:.0f}/s), "
          f"{len(frames) / args.fps:.1f} s of pan at {args.fps:g} fps, "
          f"{sum(f.view is None for f in frames) / args.fps:.1f} s without frames")
    print(f"label changes: raw {changes(live)}, steady ({options}) {changes(held)} "
          f"(incl. the timeout to unknown and back)")
    print(f"messages with on_change=True: {sent} (raw: one per frame, {n_frames})")
    print(f"agreement with the photo in view, view at rest: raw {raw_ok:.1%}, "
          f"steady {steady_ok:.1%}")
    print(f"lag of the steady label after a clean switch of the raw answers: {lag} frames "
          f"({lag / args.fps:.2f} s at {args.fps:g} fps)")
    chart(args.out, frames, raw, held,
          "Steady outputs: the label over time, raw vs steady",
          f"MobileNet + KNN (k=3, min_similarity={args.min_similarity:g}) on "
          f"p5knn.DemoSource's photo wall: a hand-held pan with sensor noise, "
          f"{args.fps:g} predictions/s",
          f"raw answers: {changes(live)} label changes",
          f"p5knn.Steady({options}): {changes(held)} label changes")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
