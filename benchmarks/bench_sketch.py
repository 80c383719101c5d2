"""A 640×480 JAVA2D py5 sketch showing a video while p5knn predicts continuously: frame rate,
frame times, predictions per second and frame-to-callback latency, without and with
predictions in the same run. Needs a display (use xvfb-run on a headless machine).

    xvfb-run -a -s "-screen 0 1280x1024x24" python benchmarks/bench_sketch.py [--seconds 20]
        [--model mobilenet|hands|pose] [--no-tracking]

``--model mobilenet`` (default) classifies a clip of the demo source's photo wall with
MobileNet features. ``--model hands`` / ``--model pose`` classifies hand signs / poses on
every camera frame with a keypoint KNN classifier (euclidean) instead; the clip is then a real
photo drifting slowly (Debian opencv-doc ``right04.jpg``, a right hand, or ``messi5.jpg``
letterboxed, a body; see ``_keypoint_video.py``), and the classifier first gets a few examples
from that clip ("sign a" / "sign b" tilted one way and the other, "nobody" on a blank frame).
The classifier is ``knn_classifier.create("hands", metric="euclidean")`` (or ``"pose"``),
whose extractor tracks the frames ``classify_start`` reads (``tracking="auto"``);
``--no-tracking`` gives it ``feature_extractor(kind, tracking=False)``: the detector on every
frame.
The goal for keypoints: the sketch keeps ≥ 58 fps.

``--index-build N`` also builds the vector index of an N-example float16 classifier
(feature-like vectors, see bench_knn.py) in the background from the start of the
predictions phase, to see what a very large set's build costs a live sketch.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

KEYPOINT_LABELS = {"hands": ("sign a", "sign b"), "pose": ("pose a", "pose b")}


def summarise(name: str, frames: list[float], predictions: int, latencies: list[float],
              frame_period: float) -> str:
    times = np.diff(frames) * 1000
    seconds = frames[-1] - frames[0]
    fps = (len(frames) - 1) / seconds
    text = (f"| {name:<22} | {fps:5.1f} | {np.percentile(times, 50):6.2f} | "
            f"{np.percentile(times, 95):6.2f} | {times.max():6.1f} | "
            f"{predictions / seconds:6.1f} |")
    if latencies:
        lat = np.asarray(latencies) * 1000
        text += (f" {np.percentile(lat, 50):6.1f} | {np.percentile(lat, 95):6.1f} | "
                 f"{np.percentile(lat, 95) / (frame_period * 1000):4.2f} |")
    else:
        text += "      – |      – |    – |"
    return text


def index_builder(p5knn, n: int):
    """A function that starts building an ``n``-example index in the background (nothing
    when ``n`` is 0); its ``knn`` attribute is the classifier."""
    def start() -> None:
        if n:
            start.knn.add_example(data[-1], "last")  # reaches the threshold: the build starts

    start.knn = None
    if n:
        sys.path.insert(0, str(Path(__file__).parent))
        from bench_knn import feature_like

        rng = np.random.default_rng(0)
        centers = rng.gamma(0.6, 0.8, (2000, 1024)).astype(np.float32)
        data = feature_like(n, 1024, centers, rng)
        start.knn = p5knn.knn_classifier.create(dtype="float16", index_threshold=n)
        for i, row in enumerate(data[:-1]):
            start.knn.add_example(row, i % 10)
    return start


def keypoint_clip(kind: str, path: Path, seconds: float = 10.0,
                  fps: float = 30.0) -> tuple[Path, list[tuple[np.ndarray, str]]]:
    """Write the drifting clip of ``kind``'s photo (a hand or a body) to ``path``; also return
    a few (BGR frame, label) examples taken from it: frames tilted one way ("sign a" /
    "pose a"), the other way ("sign b" / "pose b") and two blank frames ("nobody")."""
    sys.path.insert(0, str(Path(__file__).parent))
    from _keypoint_video import drift, photo, write_video

    frames = drift(photo(kind), int(seconds * fps))
    write_video(frames, path, fps)
    count, (first, second) = len(frames), KEYPOINT_LABELS[kind]
    examples = [(frames[count // 8 + i], first) for i in range(-2, 3)]     # rotated +4°
    examples += [(frames[3 * count // 8 + i], second) for i in range(-2, 3)]  # rotated −4°
    examples += [(np.full_like(frames[0], 128), "nobody")] * 2
    return path, examples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="per phase")
    parser.add_argument("--threads", type=int, default=None, help="LiteRT threads for background inference (default 1)")
    parser.add_argument("--index-build", type=int, default=0, metavar="N",
                        help="build an N-example index during the predictions phase")
    parser.add_argument("--model", choices=("mobilenet", "hands", "pose"), default="mobilenet",
                        help="features: MobileNet on the demo clip (default), or hand / body "
                             "keypoints on a clip of a real hand / body")
    parser.add_argument("--no-tracking", action="store_true",
                        help="hands/pose: run the detector on every frame (no tracking)")
    args = parser.parse_args()
    if args.threads:
        os.environ["P5KNN_LIVE_THREADS"] = str(args.threads)
    import py5

    import p5knn

    folder = Path(tempfile.mkdtemp())
    if args.model == "mobilenet":
        clip = p5knn.demo_clip(folder / "clip.avi", seconds=10, fps=30)
        video = "demo source's photo wall"
    else:
        clip, examples = keypoint_clip(args.model, folder / "clip.avi")
        video = f"{'right04.jpg' if args.model == 'hands' else 'messi5.jpg'} drifting"
    camera = p5knn.Camera(clip, quiet=True)
    knn = None

    class Bench(py5.Sketch):
        def settings(self):
            self.size(640, 480, self.JAVA2D)

        def setup(self):
            nonlocal knn
            self.frame_rate(60)
            if args.model == "mobilenet":
                knn = p5knn.knn_classifier.create(sketch=self)
                demo = p5knn.DemoSource()
                for name in ("chelsea", "rocket", "coffee", "astronaut", "horse"):
                    demo.pointer = lambda n=name: demo.photo_position(n)
                    for _ in range(5):
                        knn.add_example(demo.read()[1], name, bands="BGR")
            else:
                extractor = p5knn.feature_extractor(args.model, tracking=False, sketch=self) \
                    if args.no_tracking else args.model
                knn = p5knn.knn_classifier.create(extractor, metric="euclidean", sketch=self)
                for frame, label in examples:
                    knn.add_example(frame, label, bands="BGR")
            self.predicted: dict[str, int] = {}
            self.phase = "warm-up"
            self.frames = {"without predictions": [], "with predictions": []}
            self.predictions = 0
            self.latencies: list[float] = []
            self.label = ""
            self.t0 = time.perf_counter()

        def got(self, result):
            self.predictions += 1
            self.latencies.append(time.perf_counter() - result.frame_time)
            self.label = result.label
            self.predicted[str(result.label)] = self.predicted.get(str(result.label), 0) + 1

        def draw(self):
            now = time.perf_counter()
            t = now - self.t0
            if t < 2:
                phase = "warm-up"
            elif t < 2 + args.seconds:
                phase = "without predictions"
            elif t < 3 + 2 * args.seconds:
                phase = "with predictions"
                if self.phase != phase:
                    knn.classify_start(camera, self.got)
                    start_build()
                    self.predict_start = now
            else:
                knn.classify_stop(wait=False)
                self.exit_sketch()
                return
            if phase == "with predictions" and now - self.predict_start < 1:
                phase = "settling"  # the first second after starting is not counted
                self.predictions, self.latencies = 0, []
            else:
                self.phase = phase if phase != "settling" else self.phase
            if phase in self.frames:
                self.frames[phase].append(now)
            self.phase = "with predictions" if phase == "settling" else phase
            self.image(camera.py5_image(self), 0, 0)
            self.fill(255)
            self.text(f"{phase}  {self.label}", 10, 20)

    start_build = index_builder(p5knn, args.index_build)
    sketch = Bench()
    sketch.run_sketch(block=True)
    camera.close()
    from p5knn.features._runtime import live_threads

    extractor = knn.extractor
    model = "MobileNet" if args.model == "mobilenet" else (
        f"{args.model} keypoints, tracking={extractor.tracking}, euclidean KNN "
        f"({sum(knn.get_count_by_label().values())} examples)")
    print(f"# p5knn {p5knn.__version__} live sketch: 640×480 JAVA2D at 60 fps target, video "
          f"640×480 at 30 fps ({video}), features: {model}, LiteRT threads in the background: "
          f"{getattr(extractor, 'live_threads', live_threads())}, "
          f"{os.cpu_count()} cores, {args.seconds:g} s per phase\n")
    print("| phase                  |   fps | p50 ms | p95 ms | max ms | pred/s |"
          " lat p50 ms | lat p95 ms | lat p95 frames |")
    print("|------------------------|------:|-------:|-------:|-------:|-------:|"
          "-------:|-------:|-----:|")
    print(summarise("without predictions", sketch.frames["without predictions"], 0, [],
                    1 / 60))
    print(summarise("with predictions", sketch.frames["with predictions"], sketch.predictions,
                    sketch.latencies, 1 / 60))
    if args.index_build:
        print(f"\nindex of {args.index_build} examples building from the start of the "
              f"predictions phase; state at the end: {start_build.knn.index_state}")
    print("\nlatency = camera frame arrival → callback running on the animation thread")
    if args.model != "mobilenet":
        total = sum(sketch.predicted.values()) or 1
        print("labels predicted (whole run): " + ", ".join(
            f"{label} {n / total:.0%}" for label, n in sorted(sketch.predicted.items())))
        print(f"detector runs (examples and predictions, whole run): {extractor.detector_runs} "
              f"for {sum(sketch.predicted.values())} predicted frames")
        print(f"goal (issue): the live sketch keeps ≥ 58 fps with {args.model} predictions on "
              f"every camera frame")
    sys.exit(0)


if __name__ == "__main__":
    main()
