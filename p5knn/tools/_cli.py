"""The ``p5knn`` command: ``demo`` (the live sketch), ``eval``, ``add``, ``predict``,
``classify`` (ImageNet) and ``info``."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from typing import Sequence


def _demo(args: argparse.Namespace) -> int:
    if not os.environ.get("DISPLAY") and sys.platform.startswith("linux"):
        if os.environ.get("P5KNN_UNDER_XVFB") or not shutil.which("xvfb-run"):
            print("p5knn demo: no X display (and no xvfb-run to make one); py5 needs a screen.",
                  file=sys.stderr)
            return 2
        print("p5knn demo: no display here — running headless under Xvfb with the autopilot "
              "for 15 s; the last frame is saved to p5knn_demo.png", flush=True)
        argv = [sys.executable, "-m", "p5knn", *sys.argv[1:]]
        if not args.autopilot:
            argv.append("--autopilot")
        if args.seconds is None:
            argv += ["--seconds", "15"]
        if args.screenshot is None:
            argv += ["--screenshot", "p5knn_demo.png"]
        env = dict(os.environ, P5KNN_UNDER_XVFB="1")
        os.execvpe("xvfb-run", ["xvfb-run", "-a", "-s", "-screen 0 1280x1024x24", *argv], env)
    from p5knn.live._camera import Camera
    from p5knn.tools._demo_app import run

    if args.video:
        camera = Camera(args.video)
    elif args.demo or args.autopilot:
        camera = Camera("demo")
    else:
        camera = Camera(args.camera)
    labels = [s.strip() for s in args.labels.split(",")] if args.labels else []
    try:
        summary = run(camera, labels=labels, k=args.k, save_path=args.save_path,
                      load_path=args.load, seconds=args.seconds, autopilot=args.autopilot,
                      screenshot=args.screenshot)
    finally:
        camera.close()
    if summary:
        print("p5knn demo summary: " + json.dumps(summary, default=str), flush=True)
    return 0


def _classify(args: argparse.Namespace) -> int:
    from p5knn.features import feature_extractor

    extractor = feature_extractor(args.model)
    for path in args.images:
        result = extractor.classify(path, top_k=args.top)
        print(path)
        for name, prob in result.top():
            print(f"  {prob:6.1%}  {name}")
    return 0


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _eval(args: argparse.Namespace) -> int:
    from p5knn.tools import _report as report
    from p5knn.tools._datasets import load_folder
    from p5knn.tools._evaluation import Dataset, compare, few_shot

    paths, labels = load_folder(args.folder, args.max_per_class, args.seed)
    counts = {label: labels.count(label) for label in sorted(set(labels))}
    print(f"{args.folder}: {len(paths)} images in {len(counts)} classes {counts}", flush=True)
    data = Dataset(paths, labels, progress=not args.quiet)
    if args.compare:
        methods = ["pixels", "knn", "head", "scratch"] + (["fine-tune"] if args.fine_tune
                                                          else [])
    else:
        methods = [args.method]
    options = {"epochs": args.epochs, "scratch_epochs": args.scratch_epochs,
               "fine_tune_epochs": args.fine_tune_epochs}
    results = compare(data, methods, args.test_size, args.seed, args.k,
                      log=None if args.quiet else _log, **options)
    extra: dict = {"folder": str(args.folder), "classes": counts, "seed": args.seed,
                   "test_size": args.test_size, "k": args.k}
    if args.shots:
        table = few_shot(data, args.shots, args.repeats, seed=args.seed, k=1)
        extra["few_shot"] = {m: {str(n): v for n, v in row.items()} for m, row in table.items()}
    written = report.write(results, paths, args.out, extra)
    print()
    print(report.table(results))
    for r in results:
        print(f"\n{r.method}: per-class recall " +
              ", ".join(f"{k}: {v:.0%}" for k, v in r.recall.items()))
    if args.shots:
        print(f"\nfew-shot accuracy (mean ± sd over {args.repeats} splits, k=1 for KNN):")
        print("| method | " + " | ".join(f"{n} shots" for n in args.shots) + " |")
        print("|---|" + "---:|" * len(args.shots))
        for method, row in table.items():
            print(f"| {method} | " + " | ".join(f"{row[n][0]:.1%} ± {row[n][1]:.1%}"
                                               for n in args.shots) + " |")
    print("\nreport: " + ", ".join(str(p) for p in written))
    return 0


def _add(args: argparse.Namespace) -> int:
    from p5knn.tools._datasets import load_folder
    from p5knn.knn import create, load
    from p5knn.tools._progress import Progress

    paths, labels = load_folder(args.folder, args.max_per_class, 0)
    knn = load(args.out) if args.append and os.path.exists(args.out) else \
        create(k=args.k, thumbnails=args.thumbnails)
    bar = Progress(len(paths), "adding", not args.quiet)
    for i, (path, label) in enumerate(zip(paths, labels)):
        knn.add_example(path, label)
        bar(i + 1)
    bar.close()
    knn.save(args.out)
    print(f"saved {len(knn)} examples of {knn.get_count_by_label()} to {args.out}")
    return 0


def _predict(args: argparse.Namespace) -> int:
    from p5knn.knn import load

    options = {"k": args.k} if args.k else {}
    if args.min_similarity is not None:
        options["min_similarity"] = args.min_similarity
    knn = load(args.model, **options)
    rows = []
    for path in args.images:
        r = knn.predict_class(path)
        rows.append({"image": path, "label": r.label, "confidence": r.confidence,
                     "similarity": r.similarity, "confidences": r.confidences})
        if not args.json:
            print(f"{path}: {r.label} ({r.confidence:.0%}, nearest similarity "
                  f"{r.similarity:.2f})")
    if args.json:
        print(json.dumps(rows, indent=2, default=str))
    return 0


def _address(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    return (host or "127.0.0.1"), int(port)


def _osc(args: argparse.Namespace) -> int:
    import signal
    import time

    from p5knn.live._camera import Camera
    from p5knn.knn import create
    from p5knn.tools._osc import OSCBridge

    knn = create(k=args.k, metric=args.metric, autosave=args.autosave)
    if args.load:
        knn.load(args.load)
    camera = None
    if not args.features:
        camera = Camera(args.video) if args.video else Camera("demo") if args.demo else \
            Camera(args.camera)
    bridge = OSCBridge(knn, _address(args.send), _address(args.listen), source=camera,
                       wekinator=args.wekinator,
                       data_dir=args.data_dir,  # None: ./p5knn_data (the CLI is no script)
                       remote_files=not args.no_remote_files)
    print(f"p5knn osc: listening on {bridge.address[0]}:{bridge.address[1]}, sending to "
          f"{args.send}; input: {camera.status if camera else 'feature vectors (/wek/inputs)'}",
          flush=True)
    print("p5knn osc: remote /p5knn/save and /p5knn/load: " +
          (f"file names only, in {bridge.data_dir}" if bridge.remote_files else "off"),
          flush=True)
    stop = {"now": False}
    signal.signal(signal.SIGTERM, lambda *a: stop.update(now=True))
    start = time.monotonic()
    try:
        while not stop["now"] and (args.seconds is None or
                                   time.monotonic() - start < args.seconds):
            time.sleep(0.1)
    except KeyboardInterrupt:
        pass
    finally:
        bridge.close()
        knn.close()
        if camera:
            camera.close()
    print(f"p5knn osc: {bridge.received} messages, {bridge.sent} predictions sent, "
          f"{bridge.malformed} malformed packets, {len(knn)} examples", flush=True)
    return 0


def _info(_args: argparse.Namespace) -> int:
    from p5knn._base.version import __version__
    from p5knn.features import MOBILENET_KEY, cache_dir, graph_path

    model = cache_dir() / f"{MOBILENET_KEY}.tflite"
    print(f"p5knn {__version__}")
    print(f"weights: {graph_path()}")
    print(f"model cache: {model} ({'ready' if model.exists() else 'built on first use'})")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``p5knn`` console script."""
    parser = argparse.ArgumentParser(prog="p5knn", description="Teach a py5 sketch with a few "
                                     "camera examples (MobileNet features + KNN).")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="the live Teachable-Machine-style sketch")
    demo.add_argument("--camera", type=int, default=0, help="webcam index (default 0)")
    demo.add_argument("--video", help="play this video file (looping) instead of a webcam")
    demo.add_argument("--demo", action="store_true", help="use the built-in demo source")
    demo.add_argument("--labels", help="names for keys 1–9, comma-separated")
    demo.add_argument("--k", type=int, default=3)
    demo.add_argument("--load", help="start from this saved classifier")
    demo.add_argument("--save-path", default="p5knn_demo.p5knn", help="where 's' saves")
    demo.add_argument("--seconds", type=float, help="quit after this many seconds")
    demo.add_argument("--autopilot", action="store_true",
                      help="play a scripted session on the demo source")
    demo.add_argument("--screenshot", help="save the last frame to this PNG")
    demo.set_defaults(run=_demo)
    classify = sub.add_parser("classify", help="MobileNet's ImageNet top classes of images")
    classify.add_argument("images", nargs="+")
    classify.add_argument("--top", type=int, default=5)
    classify.add_argument("--model", default="mobilenet")
    classify.set_defaults(run=_classify)
    ev = sub.add_parser("eval", help="held-out accuracy on a folder with one sub-folder per class")
    ev.add_argument("folder")
    ev.add_argument("--method", default="knn", choices=["pixels", "knn", "head", "scratch",
                                                        "fine-tune"])
    ev.add_argument("--compare", action="store_true",
                    help="pixels-KNN, MobileNet-KNN, trained head and no-transfer network")
    ev.add_argument("--fine-tune", action="store_true", help="add fine-tuning to --compare")
    ev.add_argument("--shots", type=int, nargs="*", help="few-shot curve: images per class")
    ev.add_argument("--repeats", type=int, default=5, help="random splits per shot count")
    ev.add_argument("--test-size", type=float, default=0.25)
    ev.add_argument("--seed", type=int, default=0)
    ev.add_argument("--k", type=int, default=3)
    ev.add_argument("--max-per-class", type=int)
    ev.add_argument("--epochs", type=int, default=30, help="trained head epochs")
    ev.add_argument("--scratch-epochs", type=int, default=15)
    ev.add_argument("--fine-tune-epochs", type=int, default=5)
    ev.add_argument("--out", default="p5knn_eval", help="folder for the PNG and JSON report")
    ev.add_argument("--quiet", action="store_true")
    ev.set_defaults(run=_eval)
    add = sub.add_parser("add", help="add a folder of images (one sub-folder per label)")
    add.add_argument("folder")
    add.add_argument("--out", required=True, help="classifier file to write")
    add.add_argument("--append", action="store_true", help="add to an existing --out file")
    add.add_argument("--k", type=int, default=3)
    add.add_argument("--max-per-class", type=int)
    add.add_argument("--thumbnails", action="store_true")
    add.add_argument("--quiet", action="store_true")
    add.set_defaults(run=_add)
    pred = sub.add_parser("predict", help="predict images with a saved classifier")
    pred.add_argument("model")
    pred.add_argument("images", nargs="+")
    pred.add_argument("--k", type=int)
    pred.add_argument("--min-similarity", type=float)
    pred.add_argument("--json", action="store_true")
    pred.set_defaults(run=_predict)
    osc = sub.add_parser("osc", help="run headless, talking OSC (Wekinator-compatible)")
    osc.add_argument("--send", default="127.0.0.1:12000", help="where predictions go")
    osc.add_argument("--listen", default="127.0.0.1:12001",
                     help="where control messages arrive (0.0.0.0:PORT to accept the network)")
    osc.add_argument("--features", action="store_true",
                     help="no camera: feature vectors arrive as /wek/inputs")
    osc.add_argument("--camera", type=int, default=0)
    osc.add_argument("--video")
    osc.add_argument("--demo", action="store_true")
    osc.add_argument("--wekinator", action="store_true", help="also send /wek/outputs")
    osc.add_argument("--k", type=int, default=3)
    osc.add_argument("--metric", default="cosine", choices=["cosine", "euclidean"])
    osc.add_argument("--load", help="start from this classifier file")
    osc.add_argument("--autosave", help="resume from and keep saving to this file")
    osc.add_argument("--seconds", type=float, help="stop after this long")
    osc.add_argument("--data-dir",
                     help="the only folder remote /p5knn/save and /p5knn/load use (names "
                          "only, no paths; default: ./p5knn_data, created on the first save)")
    osc.add_argument("--no-remote-files", action="store_true",
                     help="refuse /p5knn/save and /p5knn/load from the network")
    osc.set_defaults(run=_osc)
    info = sub.add_parser("info", help="version, weights and model cache")
    info.set_defaults(run=_info)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
