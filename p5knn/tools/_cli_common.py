"""What every ``p5knn`` command shares: exit statuses, one-line messages, telling a user's
mistake from a failure, quieting other packages, and expanding image arguments (folders to
their images; bad files skipped with a note)."""

from __future__ import annotations

import os
import sys
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
