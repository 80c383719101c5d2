"""Gesture classifier (DTW) benchmark: streaming cost per frame, and accuracy on public gesture
data sets next to plain 1-NN DTW from the same library (dtaidistance), in one run.

    python benchmarks/bench_gestures.py            # both parts
    python benchmarks/bench_gestures.py --quick    # a short smoke run

1. **Streaming**: 50 recorded gestures of 60 frames × 42 numbers (5 labels × 10; smooth
   random paths, like 14 landmarks × x, y, z), then a stream of frames with performances of
   them between idle stretches. Per-frame cost of ``add_frame`` (median, p95, max) with the
   learned threshold (the end-point bound skips most gestures) and in the worst case (a huge
   threshold: every gesture at every speed compared every frame). Goal: ≤ 2 ms per frame.
2. **Accuracy** on UCR/UEA sets shipped inside PyPI ``aeon``'s wheel (downloaded once with
   ``pip download aeon --no-deps`` into the cache; read as plain ``.ts`` text, aeon is never
   installed): PickupGestureWiimoteZ (10 gestures, Wiimote, variable length), GunPoint
   (draw a gun vs point), BasicMotions (6-axis accelerometer + gyroscope). p5knn's classifier
   (learned window, learned threshold ignored for accuracy: the nearest label counts) next to
   plain 1-NN DTW with no window, on the same z-normalised series; p5knn at its default
   resampling (64 frames) and at 128.
"""

from __future__ import annotations

import argparse
import glob
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import p5knn  # noqa: E402
from p5knn.gestures import _dtw  # noqa: E402

SETS = ("PickupGestureWiimoteZ", "GunPoint", "BasicMotions")
AEON = "aeon==1.6.0"


# --------------------------------------------------------------------------- streaming
def smooth_path(rng: np.random.Generator, frames: int, dims: int) -> np.ndarray:
    """A smooth random movement: a few sine components per number."""
    t = np.linspace(0, 1, frames)[:, None]
    out = np.zeros((frames, dims))
    for _ in range(3):
        out += rng.normal(0, 1, dims) * np.sin(2 * np.pi * (rng.uniform(0.3, 1.5, dims) * t
                                                            + rng.uniform(0, 1, dims)))
    return out


def streaming(quick: bool) -> None:
    rng = np.random.default_rng(0)
    labels, per_label, frames, dims = 5, 10, 60, 42
    bases = [smooth_path(rng, frames, dims) for _ in range(labels)]
    takes = []
    for label in range(labels):
        for _ in range(per_label):
            length = int(rng.integers(50, 71))
            take = _dtw.resample(bases[label], length) + rng.normal(0, 0.15, (length, dims))
            takes.append((take, f"gesture {label}"))

    def made(**options) -> p5knn.gesture_classifier.GestureClassifier:
        made_ = p5knn.gesture_classifier.create(**options)
        for take, label in takes:
            made_.add_gesture(take, label)
        return made_

    g = made()
    t0 = time.perf_counter()
    threshold, window = g.threshold, g.window
    learn = time.perf_counter() - t0
    stream, truth = [], []
    for i in range(4 if quick else 20):
        stream.append(rng.normal(0, 0.05, (40, dims)) + bases[i % labels][0])
        take = _dtw.resample(bases[i % labels], int(rng.integers(50, 71)))
        stream.append(take + rng.normal(0, 0.15, take.shape))
        truth.append(f"gesture {i % labels}")
    stream.append(rng.normal(0, 0.05, (40, dims)) + bases[0][0])
    frames_in = np.concatenate(stream)
    print(f"\n## Streaming: {len(g)} gestures × ~{frames} frames × {dims} numbers; "
          f"{len(frames_in)} frames streamed ({len(truth)} gestures in them)")
    print(f"learning window + threshold: {learn * 1000:.0f} ms (window {window} of "
          f"{g.max_length} resampled frames, threshold {threshold:.2f})\n")
    print(f"(without the end-point bound: {5 * len(takes)} DTW comparisons per frame)\n")
    print("| case | median ms/frame | p95 | max | DTW comparisons/frame | recognised |")
    print("|---|---|---|---|---|---|")
    for name, options in (("default (max_length 64)", {}), ("max_length 32", {"max_length": 32}),
                          ("max_length 128", {"max_length": 128})):
        g = made(**options)
        g.threshold  # learn before timing
        g.matcher.comparisons = 0
        times, fired = [], []
        for frame in frames_in:
            start = time.perf_counter()
            result = g.add_frame(frame)
            times.append(time.perf_counter() - start)
            if result is not None:
                fired.append(result.label)
        ms = np.asarray(times)[10:] * 1000          # the first frames warm caches up
        hits = sum(a == b for a, b in zip(fired, truth))
        print(f"| {name} | {np.median(ms):.3f} | {np.percentile(ms, 95):.3f} | {ms.max():.2f} | "
              f"{g.matcher.comparisons / len(frames_in):.1f} | "
              f"{hits}/{len(truth)} in order, {len(fired)} fired |")


# ---------------------------------------------------------------------------- accuracy
def aeon_wheel() -> Path:
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "p5knn-bench"
    found = glob.glob(str(cache / "aeon-*.whl"))
    if found:
        return Path(found[0])
    cache.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "pip", "download", AEON, "--no-deps", "-q", "-d",
                    str(cache)], check=True)
    return Path(glob.glob(str(cache / "aeon-*.whl"))[0])


def read_ts(text: str) -> tuple[list[np.ndarray], list[str]]:
    """Series (T, D) and labels from a .ts file (sktime/aeon's text format)."""
    series, labels, data = [], [], False
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.lower().startswith("@data"):
            data = True
            continue
        if not data:
            continue
        *dims, label = line.split(":")
        columns = [np.array([float(v) if v not in ("?", "NaN") else np.nan
                             for v in d.split(",")]) for d in dims]
        length = min(len(c) for c in columns)
        seq = np.stack([c[:length] for c in columns], axis=1)
        seq = seq[~np.isnan(seq).any(axis=1)]
        series.append(seq)
        labels.append(label.strip())
    return series, labels


def znorm(seq: np.ndarray) -> np.ndarray:
    """Each dimension to zero mean, unit deviation (the UCR archive's convention)."""
    std = seq.std(axis=0)
    return (seq - seq.mean(axis=0)) / np.where(std > 1e-9, std, 1.0)


def accuracy(quick: bool) -> None:
    try:
        wheel = aeon_wheel()
    except (subprocess.CalledProcessError, IndexError) as exc:
        print(f"\n## Accuracy: skipped — could not download {AEON} ({exc})")
        return
    print(f"\n## Accuracy on public gesture sets (from {wheel.name})\n")
    print("| data set | train/test | p5knn, max_length 64 (default) | p5knn, max_length 128 | "
          "plain 1-NN DTW (no window, full length) |")
    print("|---|---|---|---|---|")
    with zipfile.ZipFile(wheel) as archive:
        for name in SETS:
            parts = {}
            for split in ("TRAIN", "TEST"):
                member = f"aeon/datasets/data/{name}/{name}_{split}.ts"
                parts[split] = read_ts(archive.read(member).decode("utf-8"))
            (train, train_y), (test, test_y) = parts["TRAIN"], parts["TEST"]
            train, test = [znorm(s) for s in train], [znorm(s) for s in test]
            if quick:
                test, test_y = test[:40], test_y[:40]
            row = []
            for max_length in (64, 128):
                g = p5knn.gesture_classifier.create(normalize="none", max_length=max_length)
                for seq, label in zip(train, train_y):
                    g.add_gesture(seq, label)
                window = g.window
                start = time.perf_counter()
                ours = [g.classify(seq).distances for seq in test]
                ours_ms = (time.perf_counter() - start) / len(test) * 1000
                ours_acc = np.mean([min(d, key=d.get) == y for d, y in zip(ours, test_y)])
                row.append(f"{ours_acc:.3f} (window {window} of {max_length}, "
                           f"{ours_ms:.2f} ms)")
            start = time.perf_counter()
            plain = []
            for seq in test:
                d = [_dtw.dtw().distance_fast(np.ascontiguousarray(t, np.float64),
                                              np.ascontiguousarray(seq, np.float64))
                     for t in train]
                plain.append(train_y[int(np.argmin(d))])
            plain_ms = (time.perf_counter() - start) / len(test) * 1000
            plain_acc = np.mean([p == y for p, y in zip(plain, test_y)])
            print(f"| {name} | {len(train)}/{len(test)} | {row[0]} | {row[1]} | "
                  f"{plain_acc:.3f} ({plain_ms:.2f} ms) |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    parser.add_argument("--part", choices=["all", "streaming", "accuracy"], default="all")
    args = parser.parse_args()
    print(f"# bench_gestures — {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}, "
          f"dtaidistance C library, serial")
    if args.part in ("all", "streaming"):
        streaming(args.quick)
    if args.part in ("all", "accuracy"):
        accuracy(args.quick)


if __name__ == "__main__":
    main()
