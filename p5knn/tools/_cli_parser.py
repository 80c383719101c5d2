"""The ``p5knn`` command's argument parser: every option with help text, argparse's own
mistakes on one line."""

from __future__ import annotations

import argparse
import math
from typing import Any, Callable

from p5knn.tools._cli_common import MISTAKE, _one_line

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


def build_parser(runners: dict[str, Callable[[argparse.Namespace], int]]) -> argparse.ArgumentParser:
    """The ``p5knn`` command's parser (every option has help text); ``runners`` maps each
    command to the function that runs it."""
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

    def command(name: str, help: str) -> argparse.ArgumentParser:
        made = sub.add_parser(name, help=help, description=help, parents=[common])
        made.set_defaults(run=runners[name])
        commands[name] = made
        return made

    demo = command("demo", "the live Teachable-Machine-style sketch: hold 1–9 to teach")
    demo.add_argument("--camera", type=INDEX, default=0,
                      help="webcam index (default 0; the demo source when there is none)")
    demo.add_argument("--video", metavar="FILE",
                      help="play this video file (looping) instead of a webcam")
    demo.add_argument("--demo", action="store_true",
                      help="use the built-in demo source (real photos; drag the picture to "
                           "look around)")
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
                       "your own model with --labels)")
    classify.add_argument("images", nargs="+", metavar="IMAGE_OR_FOLDER",
                          help="image files, or folders (every image in them, sorted)")
    classify.add_argument("--top", type=COUNT, default=5,
                          help="how many classes to list per image (default 5)")
    classify.add_argument("--model", default="mobilenet",
                          help="mobilenet (default), or a .keras, .h5 or .tflite model file "
                               "(with --labels)")
    classify.add_argument("--labels", metavar="FILE",
                          help="class names of --model's output: a labels.txt, one per line")

    ev = command("eval", "held-out accuracy on a folder with one sub-folder per class")
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
                  "file")
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

    pred = command("predict", "predict images with a saved classifier")
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

    osc = command("osc", "run headless, talking OSC (Wekinator-compatible)")
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
            "models and their checks, the model cache")
    return parser
