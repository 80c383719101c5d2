"""The ``p5knn`` command: ``demo`` (the live sketch), ``eval``, ``add``, ``predict``,
``classify`` (ImageNet), ``osc`` and ``info``.

Mistakes (a missing or unreadable file, a folder where a file belongs, a damaged classifier,
a classifier with no examples, a bad option) end with ONE line on standard error,
``p5knn COMMAND: what is wrong``, and exit status 2 — no traceback (``--debug`` or
``P5KNN_VERBOSE=1`` prints it). ``predict``, ``classify`` and ``add`` skip an image they cannot
read with a note and go on; the exit status is then 1. Exit statuses: 0 done, 1 done but
some images were skipped, 2 nothing done (a mistake in what the command was given), 3 p5knn
itself failed (a bug: please report it with the ``--debug`` traceback), 130 interrupted.
Third-party INFO and WARNING chatter (LiteRT, TensorFlow, Python warnings of other packages)
is hidden unless ``--verbose``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import traceback
from pathlib import Path
from typing import Any, Sequence

from p5knn.tools._cli_common import (FAILED, IMAGE_SUFFIXES, INTERRUPTED, MISTAKE, OK,
                                      _env_verbose, _file_argument, _finish, _is_mistake, _log,
                                      _model_option_problem, _nothing_usable, _quiet_warnings,
                                      _refuse, _run_each, _say, _skip_note, _with_model,
                                      describe, expand_images)
from p5knn.tools._cli_parser import build_parser as _build_parser

# ---------------------------------------------------------------------------- commands


def _demo(args: argparse.Namespace) -> int:
    for option, path in (("--load", args.load), ("--video", args.video)):
        problem = path and _file_argument(path, f"{option} file")
        if problem:
            return _refuse("demo", problem)
    if args.screenshot and Path(args.screenshot).is_dir():
        return _refuse("demo", f"--screenshot {args.screenshot} is a folder; give a .png name")
    if not os.environ.get("DISPLAY") and sys.platform.startswith("linux"):
        if os.environ.get("P5KNN_UNDER_XVFB") or not shutil.which("xvfb-run"):
            return _refuse("demo", "no X display (and no xvfb-run to make one); py5 needs a "
                                   "screen: run it on a desktop, or install xvfb (sudo apt "
                                   "install xvfb xauth)")
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
    print("p5knn demo: starting py5 (Java) — the window opens in a few seconds", flush=True)
    from p5knn.live._camera import Camera
    from p5knn.tools._demo_app import run

    model = "hands" if args.hands else "pose" if args.pose else "face" if args.face else \
        args.model
    wall = "objects" if model == "mobilenet" else "people"     # the demo source's photos
    drag = lambda: None  # noqa: E731 - until the demo's window moves the view by dragging
    if args.video:
        camera = Camera(args.video, mirror=args.mirror)
    elif args.demo or args.autopilot:
        camera = Camera("demo", demo_wall=wall, mirror=args.mirror, pointer=drag)
    else:
        camera = Camera(args.camera, demo_wall=wall, mirror=args.mirror, pointer=drag)
    labels = [s.strip() for s in args.labels.split(",")] if args.labels else []
    try:
        summary = run(camera, labels=labels, k=args.k, save_path=args.save_path,
                      load_path=args.load, seconds=args.seconds, autopilot=args.autopilot,
                      screenshot=args.screenshot, model=model)
    finally:
        camera.close()
    if summary.get("error"):
        return _refuse("demo", summary["error"])
    if summary:
        first = summary.get("first_prediction_s")
        if first is not None:
            print(f"p5knn demo: first prediction {first:.2f} s after the first example "
                  f"(model ready {summary.get('ready_s', 0):.2f} s after the window opened)",
                  flush=True)
        print("p5knn demo summary: " + json.dumps(summary, default=str), flush=True)
    return OK


def _classify(args: argparse.Namespace) -> int:
    from p5knn.features import feature_extractor
    from p5knn.knn import KEYPOINT_MODELS

    if args.model.lower() in KEYPOINT_MODELS:
        return _refuse("classify", f"--model {args.model} gives keypoints, not classes: "
                                   "classify works with mobilenet or a model file with "
                                   "--labels (for keypoints: p5knn add --model "
                                   f"{args.model.lower()}, then p5knn predict)")
    if args.labels and args.model.lower() == "mobilenet":
        return _refuse("classify", "--labels is for a model file (--model my_model.keras); "
                                   "MobileNet has its ImageNet classes")
    problem = _model_option_problem(args.model)
    if problem:
        return _refuse("classify", problem)
    items = expand_images(args.images)
    if _nothing_usable("classify", items):
        return MISTAKE
    extractor = _with_model(args.model, feature_extractor, args.model, labels=args.labels)
    try:
        if getattr(extractor, "class_names", None) is None:
            return _refuse("classify", f"{args.model} has no class names: pass --labels "
                                       "labels.txt (one per line, as Teachable Machine "
                                       "exports them)")

        def classify(path: str) -> None:
            result = extractor.classify(path, top_k=args.top)
            print(path)
            for name, prob in result.top():
                print(f"  {prob:6.1%}  {name}")
            sys.stdout.flush()

        done, skipped = _run_each("classify", items, classify)
    finally:
        extractor.close()
    return _finish("classify", done, skipped)


def _eval(args: argparse.Namespace) -> int:
    from p5knn.features import feature_extractor
    from p5knn.knn import KEYPOINT_MODELS
    from p5knn.tools import _report as report
    from p5knn.tools._datasets import load_folder
    from p5knn.tools._evaluation import (
        MOBILENET_ONLY,
        Dataset,
        compare,
        few_shot,
        refusal,
    )

    keypoints = args.model in KEYPOINT_MODELS
    if args.compare:
        methods = ["pixels", "knn", "head"] + ([] if keypoints else ["scratch"]) + \
            (["fine-tune"] if args.fine_tune else [])
    else:
        methods = [args.method]
    for method in methods:
        if keypoints and method in MOBILENET_ONLY:
            return _refuse("eval", refusal(method, args.model))
    problem = _dataset_problem(args.folder) or _model_option_problem(args.model)
    if problem:
        return _refuse("eval", problem)
    paths, labels = load_folder(args.folder, args.max_per_class, args.seed)
    counts = {label: labels.count(label) for label in sorted(set(labels))}
    print(f"{args.folder}: {len(paths)} images in {len(counts)} classes {counts}", flush=True)
    extractor = _with_model(args.model, feature_extractor, args.model)
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
    return OK


def _dataset_problem(folder: str) -> str | None:
    """Why ``folder`` is not a dataset folder (None: it is one)."""
    path = Path(folder)
    if path.is_file():
        return (f"{folder} is a file; give a folder with one sub-folder of images per label "
                "(DIR/cat/*.jpg, DIR/cup/*.jpg)")
    if not path.exists():
        return f"dataset folder not found: {folder}"
    return None


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
    from p5knn._base.atomic import check_target
    from p5knn.knn import KEYPOINT_MODELS, create, load
    from p5knn.tools._datasets import load_folder
    from p5knn.tools._evaluation import NOT_FOUND
    from p5knn.tools._progress import Progress

    problem = _dataset_problem(args.folder) or _model_option_problem(args.model)
    if problem:
        return _refuse("add", problem)
    check_target(args.out)                  # a folder at --out: refused before any work
    paths, labels = load_folder(args.folder, args.max_per_class, 0)
    if args.append and os.path.exists(args.out):
        knn = load(args.out)
        if args.model and knn.model and knn.model != args.model:
            knn.close()
            return _refuse("add", f"{args.out} holds {knn.model} features, not {args.model}")
    else:
        metric = args.metric or ("euclidean" if args.model in KEYPOINT_MODELS else "cosine")
        knn = _with_model(args.model, create, args.model, k=args.k, metric=metric,
                          thumbnails=args.thumbnails)
    try:
        bar = Progress(len(paths), "adding", not args.quiet)
        missing: dict[str, int] = {}
        failures: list[tuple[str, BaseException]] = []
        for i, (path, label) in enumerate(zip(paths, labels)):
            try:
                index = knn.add_example(path, label)
            except Exception as exc:  # noqa: BLE001 - a bug is re-raised for main()
                if not _is_mistake(exc):
                    raise
                failures.append((str(path), exc))
            else:
                if _nobody(knn, index):
                    missing[label] = missing.get(label, 0) + 1
            bar(i + 1)
        bar.close()
        for path, exc in failures:     # after the bar, so the notes stay readable
            _skip_note("add", path, exc)
        added = len(paths) - len(failures)
        if not added:
            return _refuse("add", f"no image in {args.folder} could be read; {args.out} "
                                  "was not written")
        knn.save(args.out)
        print(f"saved {len(knn)} examples of {knn.get_count_by_label()} to {args.out}")
        model = knn.model or ""
        for label, count in missing.items():
            print(f"{count} of {labels.count(label)} images in {label!r}: "
                  f"{NOT_FOUND.get(model, 'nobody found')} (added as the 'nobody' vector)")
    finally:
        knn.close()
    return _finish("add", added, len(failures))


def _predict(args: argparse.Namespace) -> int:
    from p5knn.knn import KEYPOINT_MODELS, load
    from p5knn.tools._evaluation import NOT_FOUND

    usage = ""
    if Path(args.model).suffix.lower() in IMAGE_SUFFIXES:
        usage = " (usage: p5knn predict CLASSIFIER IMAGE_OR_FOLDER …)"
    problem = _file_argument(args.model, "classifier file", usage)
    if problem:
        return _refuse("predict", problem)
    items = expand_images(args.images)
    if _nothing_usable("predict", items):
        return MISTAKE
    options: dict[str, Any] = {"k": args.k} if args.k else {}
    if args.min_similarity is not None:
        options["min_similarity"] = args.min_similarity
    try:
        knn = load(args.model, **options)
    except Exception as exc:  # noqa: BLE001 - a bug still shows in main()
        if usage and _is_mistake(exc):   # the arguments swapped: say how it goes
            return _refuse("predict", describe(exc) + usage)
        raise
    try:
        if not hasattr(knn, "predict_class"):
            return _refuse("predict", f"{args.model} holds regression examples (numbers, not "
                                      "labels); predict needs a classifier file")
        if len(knn) == 0:
            return _refuse("predict", f"{args.model} holds no examples: add some first "
                                      "(p5knn add DIR --out FILE)")
        keypoints = knn.extractor if knn.model in KEYPOINT_MODELS else None
        rows: list[dict] = []

        def predict(path: str) -> None:
            row, found = _predict_one(knn, keypoints, path)
            rows.append(row)
            if not args.json:
                note = f"; {NOT_FOUND.get(knn.model, 'nobody found')}" if found is False else ""
                print(f"{path}: {row['label']} ({row['confidence']:.0%}, nearest similarity "
                      f"{row['similarity']:.2f}{note})", flush=True)

        done, skipped = _run_each("predict", items, predict)
        if args.json:
            print(json.dumps(rows, indent=2, default=str))
    finally:
        knn.close()
    return _finish("predict", done, skipped)


def _predict_one(knn: Any, keypoints: Any, path: str) -> tuple[dict, bool | None]:
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
    return row, found


def _osc(args: argparse.Namespace) -> int:
    from p5knn.tools._cli_osc import run

    for option in ("load", "video"):   # (--load-gestures: _cli_osc says "cannot load")
        path = getattr(args, option)
        problem = path and _file_argument(path, f"--{option.replace('_', '-')} file")
        if problem:
            return _refuse("osc", problem)
    return run(args)


def _info(args: argparse.Namespace) -> int:
    from p5knn.tools._cli_info import report

    return report()


#: the commands; ``p5knn NAME`` runs ``_NAME(args)`` (looked up when it runs)
COMMANDS = ("demo", "classify", "eval", "add", "predict", "osc", "info")


def _runner(name: str) -> Any:
    def run(args: argparse.Namespace) -> int:
        return globals()[f"_{name}"](args)
    return run


def build_parser() -> argparse.ArgumentParser:
    """The ``p5knn`` command's parser, wired to its commands."""
    return _build_parser({name: _runner(name) for name in COMMANDS})


# ---------------------------------------------------------------------------- main

def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``p5knn`` console script; returns the exit status."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:      # said by the command's own parser: "p5knn predict: unrecognized …"
        parser.commands[args.command].error(  # type: ignore[attr-defined]
            f"unrecognized arguments: {' '.join(extra)}")
    if getattr(args, "verbose", False):
        os.environ["P5KNN_VERBOSE"] = "1"    # before any model loads: the runtimes read it
    verbose = _env_verbose()
    debug = getattr(args, "debug", False) or verbose
    if not verbose:
        _quiet_warnings()
    try:
        return args.run(args)
    except KeyboardInterrupt:
        _say(args.command, "interrupted")
        return INTERRUPTED
    except Exception as exc:  # noqa: BLE001 - one line; --debug shows the traceback
        if debug:
            traceback.print_exc()
        if _is_mistake(exc):
            _say(args.command, describe(exc))
            return MISTAKE
        _say(args.command, f"failed unexpectedly ({type(exc).__name__}: {describe(exc)}); "
                           "run it again with --debug and report the traceback")
        return FAILED


if __name__ == "__main__":
    sys.exit(main())
