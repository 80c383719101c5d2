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
import math
import os
import shutil
import sys
import traceback
import warnings
from pathlib import Path
from typing import Any, Sequence

from p5knn._base.errors import P5KNNError

#: what ``p5knn predict``/``classify`` take from a folder: the training layer's image suffixes
from p5knn.training._dataset import IMAGE_SUFFIXES

OK, SKIPPED, MISTAKE, FAILED, INTERRUPTED = 0, 1, 2, 3, 130  #: exit statuses
MAX_MESSAGE = 600  #: characters of an error message shown on its one line


# ---------------------------------------------------------------------------- messages

def _one_line(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= MAX_MESSAGE else text[:MAX_MESSAGE - 1] + "…"


def describe(exc: BaseException) -> str:
    """An exception as one readable line: its message; an operating-system error as
    ``what: file`` (``Permission denied: model.p5knn``)."""
    if isinstance(exc, OSError) and exc.strerror and str(exc).startswith("[Errno"):
        return _one_line(exc.strerror if exc.filename is None else
                         f"{exc.strerror}: {exc.filename}")
    return _one_line(str(exc) or type(exc).__name__)


def _say(command: str, message: str) -> None:
    """One ``p5knn COMMAND: message`` line on standard error."""
    print(f"p5knn {command}: {_one_line(message)}", file=sys.stderr, flush=True)


def _refuse(command: str, message: str) -> int:
    """Print one line saying why ``command`` cannot run; the exit status 2."""
    _say(command, message)
    return MISTAKE


def _skip_note(command: str, item: str, exc: BaseException | str) -> None:
    """``p5knn predict: skipped cat.txt: …`` (the file named once)."""
    message = exc if isinstance(exc, str) else describe(exc)
    _say(command, f"skipped: {message}" if item in message else f"skipped {item}: {message}")


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _is_mistake(exc: BaseException) -> bool:
    """Whether ``exc`` says what is wrong with what the command was given (one line, exit
    status 2): p5knn's errors (they derive from ValueError, OSError or RuntimeError),
    operating-system errors and bad values. Anything else is a bug (exit status 3)."""
    return isinstance(exc, (P5KNNError, OSError, ValueError))


def _env_verbose() -> bool:
    return os.environ.get("P5KNN_VERBOSE", "").strip() not in ("", "0")


def _quiet_warnings() -> None:
    """Hide other packages' Python warnings (p5knn's own still show)."""
    warnings.filterwarnings("ignore")
    warnings.filterwarnings("default", module=r"p5knn(\.|$)")
    warnings.filterwarnings("default", message=r"p5knn")


# ---------------------------------------------------------------------------- inputs

def _file_argument(path: str, what: str, usage: str = "") -> str | None:
    """Why ``path`` cannot be read as a ``what`` (None: it can)."""
    p = Path(path)
    if p.is_dir():
        return f"{path} is a folder; {what} needed here{usage}"
    if not p.exists():
        return f"{what} not found: {path}{usage}"
    if not p.is_file():
        return f"{path} is not a regular file (a device or pipe?); {what} needed here{usage}"
    return None


def expand_images(inputs: Sequence[str]) -> list[tuple[str, str | None]]:
    """The images named by ``inputs``, in order: a file as given, a folder as every image
    file in it and its sub-folders (sorted; by suffix, :data:`IMAGE_SUFFIXES`). Each comes
    with why it cannot be used (None: it can be tried)."""
    items: list[tuple[str, str | None]] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*")
                           if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())
            items += [(str(p), None) for p in found] or \
                [(item, (f"no images in folder {item} (looked for "
                         f"{', '.join(IMAGE_SUFFIXES)}, sub-folders too)"))]
        elif not path.exists():
            items.append((item, f"image file not found: {item}"))
        elif not path.is_file():
            items.append((item, f"{item} is not a regular file (a device or pipe?)"))
        else:
            items.append((item, None))
    return items


def _model_option_problem(model: str | None) -> str | None:
    """Why ``--model`` (a name or a model file) cannot be used, found before anything loads
    (None: try it): a missing file, or a Keras file that is not one (a ``.keras`` file is a
    zip archive, an ``.h5`` file HDF5 — checked here, before the seconds TensorFlow takes)."""
    if not model or Path(model).suffix.lower() not in (".keras", ".h5", ".hdf5", ".tflite"):
        return None
    problem = _file_argument(model, "--model file")
    if problem:
        return problem
    with open(model, "rb") as handle:
        head = handle.read(8)
    suffix = Path(model).suffix.lower()
    if suffix == ".keras" and not head.startswith(b"PK"):
        return f"--model {model} is not a Keras file (a .keras file is a zip archive)"
    if suffix in (".h5", ".hdf5") and head != b"\x89HDF\r\n\x1a\n":
        return f"--model {model} is not a Keras .h5 file (not HDF5)"
    return None


def _with_model(model: str | None, make: Any, *args: Any, **options: Any) -> Any:
    """``make(*args, **options)``, whose errors name ``--model`` (``cannot load TFLite model``
    alone does not say which)."""
    try:
        return make(*args, **options)
    except Exception as exc:  # noqa: BLE001 - a bug still shows in main()
        if not (model and _is_mistake(exc) and model not in describe(exc)):
            raise
        message = f"--model {model}: {describe(exc)}"
        try:
            named = type(exc)(message)
        except Exception:  # noqa: BLE001 - an exception type with other arguments
            named = ValueError(message)
        raise named from exc


def _run_each(command: str, items: list[tuple[str, str | None]], work: Any) -> tuple[int, int]:
    """``work(path)`` for each usable image, in order; an image that cannot be used or read
    gets a note and is skipped. Returns (done, skipped)."""
    done = skipped = 0
    for path, problem in items:
        if problem is None:
            try:
                work(path)
                done += 1
                continue
            except Exception as exc:  # noqa: BLE001 - a bug is re-raised for main()
                if not _is_mistake(exc):
                    raise
                problem = describe(exc)
        _skip_note(command, path, problem)
        skipped += 1
    return done, skipped


def _nothing_usable(command: str, items: list[tuple[str, str | None]]) -> bool:
    """True (after a note for each) when no image of ``items`` can even be tried."""
    if any(problem is None for _, problem in items):
        return False
    for path, problem in items:
        _skip_note(command, path, problem or "")
    return True


def _finish(command: str, done: int, skipped: int, what: str = "images") -> int:
    """The exit status after a batch: 0 all done, 1 some skipped, 2 nothing done."""
    if not skipped:
        return OK
    if done:
        _say(command, f"{skipped} of {done + skipped} {what} skipped (see above)")
        return SKIPPED
    return MISTAKE


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


# ---------------------------------------------------------------------------- options

class _Parser(argparse.ArgumentParser):
    """argparse, with its mistakes on one line: ``p5knn predict: the following arguments are
    required: images (p5knn predict --help lists the options)``."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(MISTAKE, f"{self.prog}: {_one_line(message)} ({self.prog} --help lists "
                           "the options)\n")


def _number(kind: type, low: float | None = None, high: float | None = None,
            open_ends: bool = False, what: str = "") -> Any:
    """An argparse type: a ``kind`` (int or float) within [low, high] (``open_ends``: the
    bounds themselves excluded)."""
    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            value = None
        if value is None or (isinstance(value, float) and not math.isfinite(value)) or \
                (low is not None and (value <= low if open_ends else value < low)) or \
                (high is not None and (value >= high if open_ends else value > high)):
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}")
        return value
    parse.__name__ = what      # argparse names the type in some messages
    return parse


COUNT = _number(int, 1, what="a whole number ≥ 1")
INDEX = _number(int, 0, what="a whole number ≥ 0")
SECONDS = _number(float, 0, open_ends=True, what="a number of seconds > 0")
FRACTION = _number(float, 0, 1, open_ends=True, what="a fraction between 0 and 1")


def _address(text: str) -> str:
    """An argparse type: ``HOST:PORT`` or ``PORT`` (kept as text; ``_cli_osc`` parses it)."""
    host, colon, port = text.rpartition(":")
    if not port.isdigit() or not 0 <= int(port) <= 65535 or (colon and not host):
        raise argparse.ArgumentTypeError(f"expected HOST:PORT (like 127.0.0.1:12000), got "
                                         f"{text!r}")
    return text


_address.__name__ = "HOST:PORT"


def _common_options(parser: argparse.ArgumentParser, default: Any) -> None:
    parser.add_argument("--verbose", action="store_true", default=default,
                        help="show the runtimes' and TensorFlow's INFO and WARNING lines and "
                             "other packages' warnings (same as P5KNN_VERBOSE=1)")
    parser.add_argument("--debug", action="store_true", default=default,
                        help="show the Python traceback of an error (P5KNN_VERBOSE=1 does too)")


def build_parser() -> argparse.ArgumentParser:
    """The ``p5knn`` command's parser (every option has help text)."""
    parser = _Parser(prog="p5knn", description="Teach a py5 sketch with a few camera examples "
                     "(MobileNet or keypoint features + KNN).",
                     epilog="Exit status: 0 done, 1 some images skipped, 2 a mistake in what "
                            "the command was given (one line says which), 3 p5knn failed.")
    _common_options(parser, False)
    common = argparse.ArgumentParser(add_help=False)
    _common_options(common, argparse.SUPPRESS)   # after the command too; not overwritten
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands: dict[str, argparse.ArgumentParser] = {}
    parser.commands = commands  # type: ignore[attr-defined]

    def command(name: str, help: str, run: Any) -> argparse.ArgumentParser:
        made = sub.add_parser(name, help=help, description=help, parents=[common])
        made.set_defaults(run=run)
        commands[name] = made
        return made

    demo = command("demo", "the live Teachable-Machine-style sketch: hold 1–9 to teach", _demo)
    demo.add_argument("--camera", type=INDEX, default=0,
                      help="webcam index (default 0; the demo source when there is none)")
    demo.add_argument("--video", metavar="FILE",
                      help="play this video file (looping) instead of a webcam")
    demo.add_argument("--demo", action="store_true",
                      help="use the built-in demo source (real photos; the mouse pans)")
    demo.add_argument("--labels", help="names for keys 1–9, comma-separated (cat,cup,hand)")
    demo.add_argument("--k", type=COUNT, default=3, help="neighbours that vote (default 3)")
    demo.add_argument("--load", metavar="FILE", help="start from this saved classifier")
    demo.add_argument("--save-path", default="p5knn_demo.p5knn", metavar="FILE",
                      help="where 's' saves and 'l' loads (default p5knn_demo.p5knn)")
    demo.add_argument("--seconds", type=SECONDS, help="quit after this many seconds")
    demo.add_argument("--autopilot", action="store_true",
                      help="play a scripted session on the demo source")
    demo.add_argument("--screenshot", metavar="PNG", help="save the last frame to this PNG")
    demo.add_argument("--model", default="mobilenet",
                      choices=["mobilenet", "hands", "pose", "face"],
                      help="what the classifier sees: MobileNet features (default) or keypoints")
    shortcut = demo.add_mutually_exclusive_group()
    shortcut.add_argument("--hands", action="store_true", help="same as --model hands")
    shortcut.add_argument("--pose", action="store_true", help="same as --model pose")
    shortcut.add_argument("--face", action="store_true", help="same as --model face")
    demo.add_argument("--mirror", action="store_true",
                      help="flip the camera left-right, as a selfie view")

    classify = command("classify", "MobileNet's ImageNet top classes of images (or those of "
                       "your own model with --labels)", _classify)
    classify.add_argument("images", nargs="+", metavar="IMAGE_OR_FOLDER",
                          help="image files, or folders (every image in them, sorted)")
    classify.add_argument("--top", type=COUNT, default=5,
                          help="how many classes to list per image (default 5)")
    classify.add_argument("--model", default="mobilenet",
                          help="mobilenet (default), or a .keras, .h5 or .tflite model file "
                               "(with --labels)")
    classify.add_argument("--labels", metavar="FILE",
                          help="class names of --model's output: a labels.txt, one per line")

    ev = command("eval", "held-out accuracy on a folder with one sub-folder per class", _eval)
    ev.add_argument("folder", metavar="DIR",
                    help="one sub-folder of images per label (DIR/cat/*.jpg, DIR/cup/*.jpg)")
    ev.add_argument("--method", default="knn",
                    choices=["pixels", "knn", "head", "scratch", "fine-tune"],
                    help="what to evaluate (default knn)")
    ev.add_argument("--compare", action="store_true",
                    help="pixels-KNN, MobileNet-KNN, trained head and no-transfer network")
    ev.add_argument("--fine-tune", action="store_true", help="add fine-tuning to --compare")
    ev.add_argument("--model", default="mobilenet",
                    help="features: mobilenet (default), hands, pose, face or a model file")
    ev.add_argument("--metric", choices=["cosine", "euclidean"],
                    help="KNN metric on features (default: cosine for MobileNet, euclidean "
                         "for keypoints)")
    ev.add_argument("--shots", type=COUNT, nargs="*", metavar="N",
                    help="few-shot curve: images per class for training (e.g. 1 5 10)")
    ev.add_argument("--repeats", type=COUNT, default=5,
                    help="random splits per shot count (default 5)")
    ev.add_argument("--test-size", type=FRACTION, default=0.25,
                    help="share of each class held out for testing (default 0.25)")
    ev.add_argument("--seed", type=int, default=0, help="seed of the splits (default 0)")
    ev.add_argument("--k", type=COUNT, default=3, help="neighbours that vote (default 3)")
    ev.add_argument("--max-per-class", type=COUNT, metavar="N",
                    help="use at most N random images per class")
    ev.add_argument("--epochs", type=COUNT, default=30,
                    help="trained head epochs (default 30)")
    ev.add_argument("--scratch-epochs", type=COUNT, default=15,
                    help="no-transfer network epochs (default 15)")
    ev.add_argument("--fine-tune-epochs", type=COUNT, default=5,
                    help="fine-tuning epochs (default 5)")
    ev.add_argument("--out", default="p5knn_eval", metavar="DIR",
                    help="folder for the PNG and JSON report (default p5knn_eval)")
    ev.add_argument("--quiet", action="store_true", help="no progress bars or training log")

    add = command("add", "add a folder of images (one sub-folder per label) to a classifier "
                  "file", _add)
    add.add_argument("folder", metavar="DIR",
                     help="one sub-folder of images per label (DIR/cat/*.jpg, DIR/cup/*.jpg)")
    add.add_argument("--out", required=True, metavar="FILE",
                     help="classifier file to write (.p5knn, or .json for ml5)")
    add.add_argument("--append", action="store_true", help="add to an existing --out file")
    add.add_argument("--model", help="features: mobilenet (default), hands, pose, face or a "
                                     "model file")
    add.add_argument("--metric", choices=["cosine", "euclidean"],
                     help="default: cosine for MobileNet, euclidean for keypoints")
    add.add_argument("--k", type=COUNT, default=3,
                     help="neighbours that vote, stored in the file (default 3)")
    add.add_argument("--max-per-class", type=COUNT, metavar="N",
                     help="add at most N random images per class")
    add.add_argument("--thumbnails", action="store_true",
                     help="store a small thumbnail of every example in the file")
    add.add_argument("--quiet", action="store_true", help="no progress bar")

    pred = command("predict", "predict images with a saved classifier", _predict)
    pred.add_argument("model", metavar="CLASSIFIER",
                      help="a classifier file (.p5knn from p5knn add or a sketch, or ml5 "
                           ".json)")
    pred.add_argument("images", nargs="+", metavar="IMAGE_OR_FOLDER",
                      help="image files, or folders (every image in them, sorted)")
    pred.add_argument("--k", type=COUNT, help="neighbours that vote (default: the file's)")
    pred.add_argument("--min-similarity", type=float, metavar="S",
                      help="answer 'unknown' when the nearest example is less similar than S")
    pred.add_argument("--json", action="store_true",
                      help="print the answers as JSON (skipped images are left out)")

    osc = command("osc", "run headless, talking OSC (Wekinator-compatible)", _osc)
    osc.add_argument("--send", type=_address,
                     help="where predictions go (default 127.0.0.1:12000)")
    osc.add_argument("--listen", type=_address,
                     help="where control messages arrive (default 127.0.0.1:12001, with "
                          "--wekinator 127.0.0.1:6448; 0.0.0.0:PORT to accept the network)")
    osc.add_argument("--features", action="store_true",
                     help="no camera: feature vectors arrive as /wek/inputs")
    osc.add_argument("--camera", type=INDEX, default=0,
                     help="webcam index (default 0; the demo source when there is none)")
    osc.add_argument("--video", metavar="FILE",
                     help="play this video file (looping) instead of a webcam")
    osc.add_argument("--demo", action="store_true", help="use the built-in demo source")
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
    osc.add_argument("--k", type=COUNT, default=3, help="neighbours that vote (default 3)")
    osc.add_argument("--metric", choices=["cosine", "euclidean"],
                     help="default: cosine, euclidean for keypoints")
    osc.add_argument("--load", metavar="FILE", help="start from this classifier file")
    osc.add_argument("--autosave", metavar="FILE",
                     help="resume from and keep saving to this file")
    osc.add_argument("--seconds", type=SECONDS, help="stop after this long")
    osc.add_argument("--data-dir", metavar="DIR",
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

    command("info", "versions (Python, p5knn, py5, Java), display, cameras, the shipped "
            "models and their checks, the model cache", _info)
    return parser


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
