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

    model = "hands" if args.hands else "pose" if args.pose else "face" if args.face else \
        args.model
    wall = "objects" if model == "mobilenet" else "people"     # the demo source's photos
    if args.video:
        camera = Camera(args.video, mirror=args.mirror)
    elif args.demo or args.autopilot:
        camera = Camera("demo", demo_wall=wall, mirror=args.mirror)
    else:
        camera = Camera(args.camera, demo_wall=wall, mirror=args.mirror)
    labels = [s.strip() for s in args.labels.split(",")] if args.labels else []
    try:
        summary = run(camera, labels=labels, k=args.k, save_path=args.save_path,
                      load_path=args.load, seconds=args.seconds, autopilot=args.autopilot,
                      screenshot=args.screenshot, model=model)
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


def _refuse(command: str, message: str) -> int:
    """Print one line saying why ``command`` cannot run; the exit status 2."""
    print(f"p5knn {command}: {message}", file=sys.stderr, flush=True)
    return 2


def _eval(args: argparse.Namespace) -> int:
    from p5knn.features import feature_extractor
    from p5knn.knn import KEYPOINT_MODELS
    from p5knn.tools import _report as report
    from p5knn.tools._datasets import load_folder
    from p5knn.tools._evaluation import MOBILENET_ONLY, Dataset, compare, few_shot, refusal

    keypoints = args.model in KEYPOINT_MODELS
    if args.compare:
        methods = ["pixels", "knn", "head"] + ([] if keypoints else ["scratch"]) + \
            (["fine-tune"] if args.fine_tune else [])
    else:
        methods = [args.method]
    for method in methods:
        if keypoints and method in MOBILENET_ONLY:
            return _refuse("eval", refusal(method, args.model))
    paths, labels = load_folder(args.folder, args.max_per_class, args.seed)
    counts = {label: labels.count(label) for label in sorted(set(labels))}
    print(f"{args.folder}: {len(paths)} images in {len(counts)} classes {counts}", flush=True)
    extractor = feature_extractor(args.model)
    metric = args.metric or ("euclidean" if keypoints else "cosine")
    if keypoints:
        print(f"features: {args.model} keypoints ({extractor.feature_size} numbers per image, "
              f"{metric} KNN); scratch and fine-tune apply to MobileNet only", flush=True)
    data = Dataset(paths, labels, extractor, progress=not args.quiet)
    options = {"epochs": args.epochs, "scratch_epochs": args.scratch_epochs,
               "fine_tune_epochs": args.fine_tune_epochs, "metric": metric}
    results = compare(data, methods, args.test_size, args.seed, args.k,
                      log=None if args.quiet else _log, **options)
    extra: dict = {"folder": str(args.folder), "model": args.model, "metric": metric,
                   "classes": counts, "seed": args.seed, "test_size": args.test_size,
                   "k": args.k}
    not_found = data.not_found_by_class()
    if not_found is not None:
        extra["not_found"] = not_found
    if args.shots:
        table = few_shot(data, args.shots, args.repeats, seed=args.seed, k=1, metric=metric)
        extra["few_shot"] = {m: {str(n): v for n, v in row.items()} for m, row in table.items()}
    written = report.write(results, paths, args.out, extra)
    print()
    for line in report.not_found_lines(not_found, args.model):
        print(line)
    if not_found is not None:
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


def _nobody(knn: object, index: int) -> bool | None:
    """Keypoint classifiers: whether example ``index`` is the "nobody" vector (None for
    other features)."""
    import numpy as np

    from p5knn.tools._evaluation import is_keypoints

    extractor = getattr(knn, "extractor", None)
    if not is_keypoints(extractor):
        return None
    vector = knn.get_example(index)[0]  # type: ignore[attr-defined]
    return bool(np.array_equal(vector, extractor.vector([])))


def _add(args: argparse.Namespace) -> int:
    from p5knn.knn import KEYPOINT_MODELS, create, load
    from p5knn.tools._datasets import load_folder
    from p5knn.tools._evaluation import NOT_FOUND
    from p5knn.tools._progress import Progress

    paths, labels = load_folder(args.folder, args.max_per_class, 0)
    if args.append and os.path.exists(args.out):
        knn = load(args.out)
        if args.model and knn.model and knn.model != args.model:
            return _refuse("add", f"{args.out} holds {knn.model} features, not {args.model}")
    else:
        metric = args.metric or ("euclidean" if args.model in KEYPOINT_MODELS else "cosine")
        knn = create(args.model, k=args.k, metric=metric, thumbnails=args.thumbnails)
    bar = Progress(len(paths), "adding", not args.quiet)
    missing: dict[str, int] = {}
    for i, (path, label) in enumerate(zip(paths, labels)):
        index = knn.add_example(path, label)
        if _nobody(knn, index):
            missing[label] = missing.get(label, 0) + 1
        bar(i + 1)
    bar.close()
    knn.save(args.out)
    print(f"saved {len(knn)} examples of {knn.get_count_by_label()} to {args.out}")
    model = knn.model or ""
    for label, count in missing.items():
        print(f"{count} of {labels.count(label)} images in {label!r}: "
              f"{NOT_FOUND.get(model, 'nobody found')} (added as the 'nobody' vector)")
    return 0


def _predict(args: argparse.Namespace) -> int:
    from p5knn.knn import KEYPOINT_MODELS, load
    from p5knn.tools._evaluation import NOT_FOUND

    options = {"k": args.k} if args.k else {}
    if args.min_similarity is not None:
        options["min_similarity"] = args.min_similarity
    knn = load(args.model, **options)
    keypoints = knn.extractor if knn.model in KEYPOINT_MODELS else None
    rows = []
    for path in args.images:
        found = None
        if keypoints is not None:  # one detection gives both the answer and whether found
            people = keypoints.detect(path)
            found = bool(people)
            r = knn.predict_class(keypoints.vector(people))
        else:
            r = knn.predict_class(path)
        row = {"image": path, "label": r.label, "confidence": r.confidence,
               "similarity": r.similarity, "confidences": r.confidences}
        if found is not None:
            row["found"] = found
        rows.append(row)
        if not args.json:
            note = f"; {NOT_FOUND.get(knn.model, 'nobody found')}" if found is False else ""
            print(f"{path}: {r.label} ({r.confidence:.0%}, nearest similarity "
                  f"{r.similarity:.2f}{note})")
    if args.json:
        print(json.dumps(rows, indent=2, default=str))
    return 0


def _osc(args: argparse.Namespace) -> int:
    from p5knn.tools._cli_osc import run

    return run(args)


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
    demo.add_argument("--model", default="mobilenet",
                      choices=["mobilenet", "hands", "pose", "face"],
                      help="what the classifier sees: MobileNet features (default) or keypoints")
    shortcut = demo.add_mutually_exclusive_group()
    shortcut.add_argument("--hands", action="store_true", help="same as --model hands")
    shortcut.add_argument("--pose", action="store_true", help="same as --model pose")
    shortcut.add_argument("--face", action="store_true", help="same as --model face")
    demo.add_argument("--mirror", action="store_true",
                      help="flip the camera left-right, as a selfie view")
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
    ev.add_argument("--model", default="mobilenet",
                    help="features: mobilenet (default), hands, pose, face or a model file")
    ev.add_argument("--metric", choices=["cosine", "euclidean"],
                    help="KNN metric on features (default: cosine for MobileNet, euclidean "
                         "for keypoints)")
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
    add.add_argument("--model", help="features: mobilenet (default), hands, pose, face or a "
                                     "model file")
    add.add_argument("--metric", choices=["cosine", "euclidean"],
                     help="default: cosine for MobileNet, euclidean for keypoints")
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
    osc.add_argument("--send", help="where predictions go (default 127.0.0.1:12000)")
    osc.add_argument("--listen",
                     help="where control messages arrive (default 127.0.0.1:12001, with "
                          "--wekinator 127.0.0.1:6448; 0.0.0.0:PORT to accept the network)")
    osc.add_argument("--features", action="store_true",
                     help="no camera: feature vectors arrive as /wek/inputs")
    osc.add_argument("--camera", type=int, default=0)
    osc.add_argument("--video")
    osc.add_argument("--demo", action="store_true")
    osc.add_argument("--wekinator", action="store_true",
                     help="the Wekinator profile: Wekinator's ports (listen 6448, send 12000), "
                          "/wek/outputs, DTW gestures on startDtwRecording, /output_<n>")
    osc.add_argument("--gestures", action="store_true",
                     help="gesture mode: /wek/inputs frames go to a DTW gesture classifier")
    osc.add_argument("--load-gestures", metavar="FILE",
                     help="start gesture mode from this .p5gestures file")
    osc.add_argument("--mirror", action="store_true", help="flip frames left-right (selfie)")
    osc.add_argument("--model", help="features of the frames: mobilenet (default), hands, "
                                     "pose or face (default with --load: the file's)")
    osc.add_argument("--send-landmarks", action="store_true",
                     help="keypoints: send each frame's landmarks (/p5knn/hands/<i>, "
                          "/p5knn/pose, /p5knn/face and …/count)")
    osc.add_argument("--k", type=int, default=3)
    osc.add_argument("--metric", choices=["cosine", "euclidean"],
                     help="default: cosine, euclidean for keypoints")
    osc.add_argument("--load", help="start from this classifier file")
    osc.add_argument("--autosave", help="resume from and keep saving to this file")
    osc.add_argument("--seconds", type=float, help="stop after this long")
    osc.add_argument("--data-dir",
                     help="the only folder remote /p5knn/save and /p5knn/load use (names "
                          "only, no paths; default: ./p5knn_data, created on the first save)")
    osc.add_argument("--no-remote-files", action="store_true",
                     help="refuse /p5knn/save and /p5knn/load from the network")
    osc.add_argument("--max-rate", type=float, metavar="HZ",
                     help="send at most this many predictions per second")
    osc.add_argument("--heartbeat", type=float, metavar="S",
                     help="send /p5knn/heartbeat to --send every S seconds")
    osc.add_argument("--status-to", choices=["both", "send", "sender"], default="both",
                     help="replies: to the sender and a copy to --send (default), only to "
                          "--send, or only to the sender")
    osc.add_argument("--majority", type=int, metavar="N",
                     help="steady output (p5knn.Steady): majority of the last N predictions")
    osc.add_argument("--min-stable", type=int, metavar="N",
                     help="steady output (p5knn.Steady): predictions in a row a new label "
                          "needs")
    osc.add_argument("--timeout", type=float, metavar="S",
                     help="steady output (p5knn.Steady): seconds without a known answer "
                          "before the label becomes unknown")
    osc.add_argument("--on-change", action="store_true",
                     help="steady output (p5knn.Steady): send only when the label changes")
    osc.set_defaults(run=_osc)
    info = sub.add_parser("info", help="version, weights and model cache")
    info.set_defaults(run=_info)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
