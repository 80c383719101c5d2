"""Keypoint extractor latency per 640×480 video frame: p5knn's "hands" and "pose" with and
without tracking, next to MediaPipe's own VIDEO mode measured in the same run on the same
frames, plus the KNN classifier's time on keypoint vectors.

    python benchmarks/bench_keypoints.py [--frames 240] [--kinds hands,pose] [--quick]
        [--mediapipe-python /tmp/mpvenv/bin/python] [--threads N] [--num-hands 2]

What it measures, for each kind:

* the video: a real photo (Debian opencv-doc ``right04.jpg`` for hands, ``messi5.jpg``
  letterboxed into 640×480 for pose) drifting slowly (±12 px, ±5 % scale, ±4°), written once
  as a lossless FFV1 ``.avi`` that both sides decode up front (a pixel hash shows they match);
* p5knn ``feature_extractor(kind, tracking=True).detect(frame, bands="BGR")`` per frame, with
  LiteRT's default threads (every core) and with 1 thread; ``tracking=False`` (the detector
  on every frame); detector runs per timed frame (``extractor.detector_runs``);
* MediaPipe 0.10.x legacy ``mp.solutions.hands.Hands(static_image_mode=False,
  model_complexity=1, max_num_hands=2)`` / ``mp.solutions.pose.Pose(static_image_mode=False,
  model_complexity=1)`` timing ``process(rgb)`` per frame, run by ``_mediapipe_video.py`` in a
  subprocess with ``--mediapipe-python`` (mediapipe needs numpy<2, so it lives in its own
  venv: ``python3 -m venv /tmp/mpvenv && /tmp/mpvenv/bin/pip install mediapipe==0.10.21``);
  without it the MediaPipe column shows "–" and a note says why;
* both sides get the same first frames untimed (warm-up; tracking carries over), include the
  BGR→RGB conversion, and report "cores busy" = CPU seconds / wall seconds of the timed loop;
* agreement: mean 2-D landmark distance between tracked and untracked p5knn per frame (and
  tracked p5knn vs MediaPipe), in % of the size of the hand/body (the longer side of the
  untracked landmarks' box), as a sanity check;
* KNN on keypoints: ``predict_class(vector)`` on 129-long vectors, 200 examples, 4 labels.

Numbers are printed, never asserted. Run it on a quiet machine: it times a few thousand model
calls (``--quick``: a short smoke test).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from _keypoint_video import PHOTOS, digest, make_clip, read_video
from _timing import time_calls

import p5knn
from p5knn.features._runtime import default_threads

HERE = Path(__file__).parent
MEDIAPIPE_SCRIPT = HERE / "_mediapipe_video.py"
GOALS = "with tracking ≤ 1.2× MediaPipe's own latency; KNN on keypoints < 0.1 ms"
Found = list  # one frame's landmark arrays ((N, 2) pixels each), most confident first


@dataclass
class Run:
    """One timed pass over a video's frames (after the warm-up frames)."""

    name: str
    threads: str
    times: np.ndarray                 # seconds per frame
    cores: float                      # CPU seconds / wall seconds of the timed loop
    detector_runs: float | None       # per timed frame (None: not known)
    found: list[Found]

    def ms(self, q: float) -> float:
        """Percentile ``q`` of the frame times, in ms."""
        return float(np.percentile(self.times, q) * 1000)

    def hits(self) -> str:
        """Frames where something was found, as "found/timed"."""
        return f"{sum(bool(f) for f in self.found)}/{len(self.found)}"


def time_p5knn(kind: str, frames: list[np.ndarray], warmup: int, tracking: bool,
               threads: int | None, num_hands: int) -> tuple[Run, float]:
    """Time ``detect`` per frame; also the median seconds ``vector()`` adds (``infer``)."""
    options: dict = {"tracking": tracking, "num_threads": threads}
    if kind == "hands":
        options["num_hands"] = num_hands
    extractor = p5knn.feature_extractor(kind, **options)
    for frame in frames[:warmup]:
        extractor.detect(frame, bands="BGR")
    runs = extractor.detector_runs
    times, results = [], []
    cpu, wall = time.process_time(), time.perf_counter()
    for frame in frames[warmup:]:
        start = time.perf_counter()
        results.append(extractor.detect(frame, bands="BGR"))
        times.append(time.perf_counter() - start)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    runs = (extractor.detector_runs - runs) / len(times)
    found = [[np.asarray(r.landmarks[:, :2], np.float64) for r in result] for result in results]
    vector_times = time_calls(lambda: extractor.vector(results[-1]), 200)
    extractor.close()
    used = threads or default_threads()
    name = "p5knn " + ("tracking=True" if tracking else "tracking=False")
    return Run(name, f"LiteRT {used}", np.asarray(times), cpu / wall, runs, found), \
        float(np.median(vector_times))


def time_mediapipe(python: str, kind: str, video: Path, warmup: int, num_hands: int,
                   expected: str) -> tuple[Run | None, str]:
    """MediaPipe's VIDEO-mode pass in a subprocess; (None, why) when it cannot run."""
    if not Path(python).exists():
        return None, (f"MediaPipe not measured: {python} does not exist (python3 -m venv "
                      f"/tmp/mpvenv && /tmp/mpvenv/bin/pip install mediapipe==0.10.21)")
    command = [python, str(MEDIAPIPE_SCRIPT), kind, str(video), "--warmup", str(warmup),
               "--num-hands", str(num_hands)]
    try:
        done = subprocess.run(command, check=False, capture_output=True, text=True,
                              timeout=900,
                              env={**os.environ, "GLOG_minloglevel": "2",
                                   "TF_CPP_MIN_LOG_LEVEL": "2"})
    except (OSError, subprocess.TimeoutExpired) as error:
        return None, f"MediaPipe not measured: {error}"
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        return None, (f"MediaPipe not measured: {python} failed "
                      f"({lines[-1] if lines else f'exit {done.returncode}'})")
    try:
        data = json.loads(done.stdout)
    except ValueError:
        return None, f"MediaPipe not measured: {python} printed no JSON ({done.stdout[:80]!r})"
    if data["digest"] != expected:
        return None, (f"MediaPipe not compared: it decoded other pixels (hash "
                      f"{data['digest']} ≠ {expected})")
    found = [[np.asarray(p, np.float64)] if p else [] for p in data["landmarks"]]
    run = Run(f"MediaPipe {data['mediapipe']} VIDEO mode", "XNNPACK default (1)",
              np.asarray(data["times"]), data["cpu_seconds"] / data["wall_seconds"], None,
              found)
    return run, (f"MediaPipe {data['mediapipe']} (numpy {data['numpy']}, OpenCV "
                 f"{data['opencv']}) decoded the same {data['frames']} frames (hash "
                 f"{data['digest']})")


def agreement(reference: list[Found], other: list[Found]) -> tuple[float, float, int, int]:
    """Mean and worst per-frame mean landmark distance of ``other`` to ``reference``'s most
    confident find, in % of its size (longer side of its landmarks' box); the frames
    compared and the frames where only one side found something. For several finds, the
    nearest of ``other``'s is compared."""
    errors, mismatched = [], 0
    for ref, oth in zip(reference, other, strict=True):
        if not ref or not oth:
            mismatched += bool(ref) != bool(oth)
            continue
        size = float((ref[0].max(axis=0) - ref[0].min(axis=0)).max())
        best = min(np.linalg.norm(o - ref[0], axis=1).mean() for o in oth
                   if o.shape == ref[0].shape)
        errors.append(100 * best / size)
    if not errors:
        return float("nan"), float("nan"), 0, mismatched
    return float(np.mean(errors)), float(np.max(errors)), len(errors), mismatched


def knn_times(repeats: int) -> list[tuple[str, np.ndarray]]:
    """``predict_class(vector)`` on 129-long vectors, 200 examples, 4 labels, k=3."""
    rng = np.random.default_rng(0)
    data = rng.standard_normal((200, 129)).astype(np.float32)
    query = data[7] + 0.05 * rng.standard_normal(129).astype(np.float32)
    out = []
    for name, knn in (("create(), cosine", p5knn.knn_classifier.create()),
                      ('create("hands", metric="euclidean")',
                       p5knn.knn_classifier.create("hands", metric="euclidean"))):
        for i, row in enumerate(data):
            knn.add_example(row, f"sign {'abcd'[i % 4]}")
        out.append((name, time_calls(lambda k=knn: k.predict_class(query), repeats, 20)))
    return out


def machine() -> str:
    """Cores, CPU model and load average, for the report's header."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{os.cpu_count()} cores ({model}), load average at start {load}"


def table_row(kind: str, run: Run, mediapipe: Run | None) -> str:
    """One row of the latency table."""
    ratio = f"{run.ms(50) / mediapipe.ms(50):.2f}×" if mediapipe else "–"
    runs = "–" if run.detector_runs is None else f"{run.detector_runs:.2f}"
    return (f"| {kind:<5} | {run.name:<30} | {run.threads:<15} | {run.cores:4.2f} | "
            f"{run.ms(50):7.2f} | {run.ms(95):7.2f} | {runs:>5} | {run.hits():>7} | "
            f"{ratio:>6} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=240, help="video length (incl. warm-up)")
    parser.add_argument("--warmup", type=int, default=10, help="first frames not timed")
    parser.add_argument("--kinds", default="hands,pose", help="comma-separated: hands,pose")
    parser.add_argument("--quick", action="store_true", help="40 frames, for a smoke test")
    parser.add_argument("--mediapipe-python", default="/tmp/mpvenv/bin/python",
                        help="an interpreter with mediapipe 0.10.x (legacy mp.solutions)")
    parser.add_argument("--threads", type=int, default=None,
                        help="LiteRT threads of p5knn's main runs (default: every core)")
    parser.add_argument("--num-hands", type=int, default=2,
                        help="hands at most, both sides (MediaPipe's max_num_hands)")
    args = parser.parse_args()
    if args.quick:
        args.frames, args.warmup = 40, 5
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    unknown = set(kinds) - set(PHOTOS)
    if unknown or args.frames <= args.warmup:
        parser.error(f"kinds must be among {sorted(PHOTOS)} and --frames > --warmup")

    print(f"# p5knn {p5knn.__version__} keypoints vs MediaPipe, 640×480 video, "
          f"{args.frames} frames ({args.warmup} warm-up, not timed)\n")
    print(f"machine: {machine()}")
    print(f"goals (issue): {GOALS}\n")
    temp = tempfile.TemporaryDirectory(prefix="p5knn-bench-keypoints-")
    folder = Path(temp.name)
    runs: dict[str, list[Run]] = {}
    notes: list[str] = []
    checks: list[str] = []
    vector_cost: dict[str, float] = {}
    for kind in kinds:
        video = make_clip(kind, args.frames, folder)
        frames = read_video(video)
        expected = digest(frames)
        tracked, vector_cost[kind] = time_p5knn(kind, frames, args.warmup, True, args.threads,
                                                args.num_hands)
        mediapipe, note = time_mediapipe(args.mediapipe_python, kind, video, args.warmup,
                                         args.num_hands, expected)
        notes.append(f"{kind}: {note}")
        untracked, _ = time_p5knn(kind, frames, args.warmup, False, args.threads,
                                  args.num_hands)
        single, _ = time_p5knn(kind, frames, args.warmup, True, 1, args.num_hands)
        single.name += ", 1 thread"
        runs[kind] = [tracked, single, untracked] + ([mediapipe] if mediapipe else [])
        checks.append(f"{kind}: clip of {PHOTOS[kind]}; p5knn decoded it with hash {expected}")
    temp.cleanup()

    print("| kind  | runner                         | threads/model   | cores busy |"
          " p50 ms | p95 ms | detector runs / frame | frames with a find | ÷ MediaPipe p50 |")
    print("|-------|--------------------------------|-----------------|-----:|--------:|"
          "--------:|------:|--------:|-------:|")
    for kind, kind_runs in runs.items():
        mediapipe = next((r for r in kind_runs if r.name.startswith("MediaPipe")), None)
        for run in kind_runs:
            print(table_row(kind, run, mediapipe))
        if mediapipe is None:
            print(f"| {kind:<5} | MediaPipe VIDEO mode           | –               |    – |"
                  f"       – |       – |     – |       – |      – |")

    print("\nGoal check (p5knn tracking=True, default threads ÷ MediaPipe, medians; goal ≤ 1.2×):")
    for kind, kind_runs in runs.items():
        mediapipe = next((r for r in kind_runs if r.name.startswith("MediaPipe")), None)
        if mediapipe:
            print(f"- {kind}: {kind_runs[0].ms(50) / mediapipe.ms(50):.2f}× "
                  f"({kind_runs[0].ms(50):.2f} / {mediapipe.ms(50):.2f} ms); with 1 thread "
                  f"{kind_runs[1].ms(50) / mediapipe.ms(50):.2f}×")
        else:
            print(f"- {kind}: – (MediaPipe not measured)")

    print("\nAgreement (mean 2-D landmark distance per frame, % of hand/body size):\n")
    print("| kind  | compared                                | mean % | worst frame % |"
          " frames | found on one side only |")
    print("|-------|-----------------------------------------|-------:|------:|------:|----:|")
    for kind, kind_runs in runs.items():
        pairs = [("p5knn tracked vs untracked", kind_runs[2], kind_runs[0])]
        if len(kind_runs) > 3:
            pairs.append(("p5knn tracked vs MediaPipe (first find)", kind_runs[3],
                          kind_runs[0]))
        for name, reference, other in pairs:
            mean, worst, count, only = agreement(reference.found, other.found)
            print(f"| {kind:<5} | {name:<39} | {mean:6.2f} | {worst:5.2f} | {count:5d} |"
                  f" {only:3d} |")

    repeats = 300 if args.quick else 3000
    print("\nKNN on keypoints: predict_class(vector), 129 numbers, 200 examples, 4 labels, "
          "k=3 (goal < 100 µs):\n")
    print("| classifier                           | median µs | p95 µs |")
    print("|--------------------------------------|----------:|-------:|")
    for name, times in knn_times(repeats):
        print(f"| {name:<36} | {np.median(times) * 1e6:9.1f} | "
              f"{np.percentile(times, 95) * 1e6:6.1f} |")

    print("\nNotes:")
    for line in checks + notes:
        print(f"- {line}")
    for kind, seconds in vector_cost.items():
        print(f"- {kind}: infer() = detect() + the vector, which adds {seconds * 1e6:.0f} µs "
              f"(median; not in the times above)")
    print(f"- threads: p5knn runs each LiteRT model with {args.threads or default_threads()} "
          f"XNNPACK thread(s) (default: every core, or P5KNN_THREADS), plus a 1-thread row. "
          f"MediaPipe's legacy solutions use its XNNPACK default, 1 thread per model on "
          f"desktop Linux (mediapipe/calculators/tensor/inference_calculator_utils.cc), and "
          f"cannot be told otherwise from Python. 'cores busy' = CPU s / wall s, measured.")
    if "hands" in runs:
        print(f"- hands: MediaPipe's hand graph runs the palm detector on every frame while fewer "
              f"than max_num_hands hands are tracked (hand_landmark_tracking_cpu.pbtxt); "
              f"p5knn runs it every redetect_every=10 frames then. --num-hands 1 makes both "
              f"sides track one hand without re-detecting (this run: {args.num_hands}).")
    print("- times include the BGR→RGB conversion on both sides; video decoding is not timed; "
          "MediaPipe shows no detector-run count.")


if __name__ == "__main__":
    main()
