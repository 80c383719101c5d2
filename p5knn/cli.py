"""The ``p5knn`` command: ``p5knn demo`` (the live sketch), ``p5knn classify IMAGES``,
``p5knn info``."""

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
        argv = [sys.executable, "-m", "p5knn.cli", *sys.argv[1:]]
        if not args.autopilot:
            argv.append("--autopilot")
        if args.seconds is None:
            argv += ["--seconds", "15"]
        if args.screenshot is None:
            argv += ["--screenshot", "p5knn_demo.png"]
        env = dict(os.environ, P5KNN_UNDER_XVFB="1")
        os.execvpe("xvfb-run", ["xvfb-run", "-a", "-s", "-screen 0 1280x1024x24", *argv], env)
    from .camera import Camera
    from .demo_app import run

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
    from .features import feature_extractor

    extractor = feature_extractor(args.model)
    for path in args.images:
        top = extractor.classify(path, top_k=args.top)
        print(path)
        for name, prob in top:
            print(f"  {prob:6.1%}  {name}")
    return 0


def _info(_args: argparse.Namespace) -> int:
    from . import __version__
    from .features import MOBILENET_KEY
    from .model_cache import cache_dir
    from .weights import graph_path

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
    info = sub.add_parser("info", help="version, weights and model cache")
    info.set_defaults(run=_info)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
