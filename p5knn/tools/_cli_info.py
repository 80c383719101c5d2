"""``p5knn info``: what a bug report needs, found without starting anything heavy — the
versions (Python, p5knn, py5, JPype, Java via ``java -version``, the model runtime), the
display, the cameras OpenCV finds at indexes 0–3, the shipped models with their SHA-256
checks, and the model cache. py5's JVM is not started and TensorFlow is not imported."""

from __future__ import annotations

import contextlib
import os
import platform
import re
import shutil
import subprocess
import sys
import threading
from importlib import metadata
from pathlib import Path
from typing import Iterator

JAVA_NEEDED = 17          #: py5 needs Java 17 or later
CAMERA_INDEXES = range(4)
CAMERA_TIMEOUT = 15.0     #: seconds the camera probe may take before it is given up


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _line(name: str, text: str) -> None:
    print(f"{name + ':':<17}{text}", flush=True)


def java_command() -> str | None:
    """The ``java`` py5 would start: ``$JAVA_HOME``'s, else the one beside JPype's default JVM,
    else ``java`` on the PATH, else one in ``~/.jdk`` or ``~/.jre`` (py5's ``install_jdk``)."""
    exe = "java.exe" if os.name == "nt" else "java"
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / exe).is_file():
        return str(Path(home) / "bin" / exe)
    try:
        import jpype  # imported only; the JVM is not started

        jvm = Path(jpype.getDefaultJVMPath())
        for parent in list(jvm.parents)[:5]:
            if (parent / "bin" / exe).is_file():
                return str(parent / "bin" / exe)
    except Exception:  # noqa: BLE001 - no JVM found by JPype: look further
        pass
    found = shutil.which("java")
    if found:
        return found
    for folder in (Path.home() / ".jdk", Path.home() / ".jre"):
        for java in sorted(folder.glob(f"*/bin/{exe}")) + \
                sorted(folder.glob(f"*/Contents/Home/bin/{exe}")):
            return str(java)
    return None


def java_version(java: str) -> tuple[str, int | None]:
    """(``java -version``'s first line, the major version or None)."""
    try:
        out = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"cannot run {java}: {exc}", None
    text = (out.stderr or out.stdout).strip().splitlines()
    first = text[0] if text else "(no output)"
    match = re.search(r'version "(\d+)(?:\.(\d+))?', first)
    if not match:
        return first, None
    major = int(match.group(1))
    if major == 1 and match.group(2):  # "1.8.0_392": Java 8
        major = int(match.group(2))
    return first, major


@contextlib.contextmanager
def _silent_stderr() -> Iterator[None]:
    """Descriptor 2 to the null device meanwhile: camera backends print from native code."""
    sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(null)


def cameras() -> list[str] | None:
    """The webcams OpenCV opens at indexes 0–3, as ``"0 (640×480)"``; None when probing took
    longer than :data:`CAMERA_TIMEOUT`. On Linux only existing ``/dev/videoN`` are tried."""
    import cv2

    found: list[str] = []

    def probe() -> None:
        for index in CAMERA_INDEXES:
            if sys.platform.startswith("linux") and not Path(f"/dev/video{index}").exists():
                continue
            cap = cv2.VideoCapture(index)
            try:
                if cap.isOpened():
                    ok, frame = cap.read()
                    found.append(f"{index} ({frame.shape[1]}×{frame.shape[0]})"
                                 if ok and frame is not None else
                                 f"{index} (opens, but sent no frame)")
            finally:
                cap.release()

    level = cv2.utils.logging.getLogLevel()
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
    try:
        with _silent_stderr():
            worker = threading.Thread(target=probe, daemon=True, name="p5knn-info-cameras")
            worker.start()
            worker.join(CAMERA_TIMEOUT)
    finally:
        cv2.utils.logging.setLogLevel(level)
    return None if worker.is_alive() else found


def _display() -> tuple[str, bool]:
    if not sys.platform.startswith("linux"):
        return "the desktop", True
    shown = os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    if shown:
        return shown, True
    if shutil.which("xvfb-run"):
        return ("none — p5knn demo runs itself under xvfb-run (headless, autopilot); sketches "
                "need xvfb-run -a python sketch.py"), True
    return "none, and no xvfb-run: py5 cannot open a window (sudo apt install xvfb xauth)", False


def _size(nbytes: int) -> str:
    return f"{nbytes / 1e6:.1f} MB"


def report() -> int:
    """Print the report; 0, or 1 when something p5knn needs is missing or damaged."""
    from p5knn._base.errors import ModelError
    from p5knn._base.version import __version__
    from p5knn.features._keypoint_models import FOLDER as KEYPOINT_FOLDER
    from p5knn.features._keypoint_models import keypoint_model
    from p5knn.features._keypoint_models import manifest as keypoint_manifest
    from p5knn.features._mobilenet import MOBILENET_KEY
    from p5knn.features._model_cache import cache_dir
    from p5knn.features._runtime import runtime_name
    from p5knn.features._weights import mobilenet_file, mobilenet_manifest

    problems = 0
    package = Path(__file__).resolve().parent.parent
    print(f"p5knn {__version__} ({package})")
    _line("Python", f"{platform.python_version()} ({sys.executable}) on "
                    f"{platform.system()} {platform.machine()}")
    py5 = _version("py5")
    _line("py5", f"{py5 or 'not installed'}, JPype {_version('jpype1') or 'not installed'}"
                 " (the JVM was not started)")
    java = java_command()
    if java is None:
        problems += 1
        _line("Java", f"not found: py5 needs Java {JAVA_NEEDED}+ (sudo apt install "
                      "default-jre-headless, brew install openjdk@17, or "
                      "python -c \"import py5_tools; py5_tools.install_jdk()\")")
    else:
        first, major = java_version(java)
        verdict = "" if major is None else ", ok" if major >= JAVA_NEEDED else \
            f", too old: py5 needs Java {JAVA_NEEDED}+"
        problems += major is not None and major < JAVA_NEEDED
        _line("Java", f"{first} ({java}{verdict})")
    display, ok = _display()
    problems += not ok
    _line("display", display)
    found = cameras()
    _line("cameras", "probing OpenCV indexes 0–3 took too long; skipped" if found is None else
          ", ".join(found) if found else
          "none at OpenCV indexes 0–3 (the demo source stands in: Camera() says so)")
    runtime = runtime_name()
    tensorflow = _version("tensorflow")
    _line("runtime", (f"LiteRT (ai-edge-litert {_version('ai-edge-litert')})"
                      if runtime == "litert" else "TensorFlow's tf.lite.Interpreter") +
          f"; TensorFlow {tensorflow or 'not installed'} (imported only for heads, "
          "fine-tuning and your own Keras models)")
    try:
        path = mobilenet_file()
        info = mobilenet_manifest()["files"]["model"]
        _line("MobileNet", f"{path} ({_size(info['bytes'])}, SHA-256 ok)")
    except ModelError as exc:
        problems += 1
        _line("MobileNet", f"DAMAGED OR MISSING: {exc}")
    try:
        names = sorted(keypoint_manifest()["models"])
        bad = []
        total = 0
        for name in names:
            try:
                total += keypoint_model(name).stat().st_size
            except ModelError as exc:
                bad.append(f"{name}: {exc}")
        problems += bool(bad)
        _line("keypoint models", f"{len(names)} in {KEYPOINT_FOLDER} ({_size(total)}"
                                 + (", SHA-256 ok)" if not bad else
                                    f"); DAMAGED OR MISSING: {'; '.join(bad)}"))
    except ModelError as exc:
        problems += 1
        _line("keypoint models", f"DAMAGED OR MISSING: {exc}")
    folder = cache_dir()
    cached = sorted(folder.glob("*.tflite")) if folder.is_dir() else []
    where = f"{folder} (P5KNN_CACHE_DIR)" if os.environ.get("P5KNN_CACHE_DIR") else str(folder)
    old = folder / f"{MOBILENET_KEY}.tflite"     # MobileNet as p5knn < 0.2 cached it
    _line("model cache", f"{where}: " + (
        f"{len(cached)} converted model{'s' if len(cached) > 1 else ''}, "
        f"{_size(sum(p.stat().st_size for p in cached))}"
        if cached else "empty" if folder.is_dir() else "not created yet") +
        " (your own Keras and Teachable Machine models; MobileNet ships converted" +
        (f"; {old.name} is left from an older p5knn and can be deleted)" if old.is_file()
         else ")"))
    return 1 if problems else 0
