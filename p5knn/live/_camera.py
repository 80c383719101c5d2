"""Frames from a webcam, a video file, any ``read() -> (ok, frame)`` object or the demo
source, grabbed on a thread of their own so ``draw()`` never waits for the camera."""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from p5knn.live import _named
from p5knn.live._demo_source import WALLS, DemoSource

_RING = 3  # frames kept: the newest, the one a caller may still hold, and the one being filled


class Camera:
    """Newest frame of a camera or another source, as numpy (BGR) or as a reused ``Py5Image``.

    ``Camera()`` opens webcam 0 and, if there is none, says so and uses the demo source, whose
    view follows ``pointer``: a function returning (x, y) in 0…1, ``"mouse"`` or a sketch (its
    mouse; the default when py5 is imported), or None (the view wanders by itself).
    ``Camera("clip.avi")`` plays a video file in a loop; ``Camera(source=obj)`` reads any object
    with ``read() -> (ok, frame)``; ``Camera("demo")`` is the virtual camera. A camera that is
    unplugged is reported once and reopened when it comes back; the sketch keeps running.
    Frames are grabbed on the camera's own thread ("p5knn-camera").

    Parameters
    ----------
    index : int, str or path
        Webcam number, a video file, or ``"demo"``.
    width, height : int
        Frame size asked of the camera (and of the demo source).
    source : object, optional
        Anything with ``read() -> (ok, frame)`` (frames BGR, like OpenCV's).
    fps : float, optional
        Pace of a video file or source (default: as fast as frames come; files at their rate).
    fallback : {"demo"} or None
        What to use when the camera cannot be opened (None: raise).
    pointer : callable, "mouse", sketch or None
        What moves the demo source's view.
    mirror : bool
        Flip every frame left-right, as a selfie camera shows you (``cam.mirror`` can change
        while it runs). Everything downstream — thumbnails, MobileNet, keypoints and their
        handedness — sees the mirrored frame.
    demo_wall : {"objects", "people"}
        Photos the demo source shows: objects, or people for hands/body/face keypoints.
    name : str, optional
        Live-coding-safe: ``Camera(name="cam")`` made again (after ``py5-live-coding`` re-ran
        the file, a re-run notebook cell) returns the same running camera. Its source, size,
        ``demo_wall`` and ``fallback`` must match (else ``P5KNNError``); ``mirror``, ``fps``,
        ``pointer``, ``quiet`` and ``retry_seconds``, when your code changed them, are
        applied to it. A closed camera is replaced by a new one. Unnamed cameras made by a
        run that a live-coding reload replaced are closed.

    Example
    -------
    >>> cam = p5knn.Camera()                 # in setup()
    >>> py5.image(cam.py5_image(), 0, 0)    # in draw()
    >>> knn.add_example(cam, "wave")        # its newest frame, band order handled
    >>> people = p5knn.Camera("demo", demo_wall="people")   # photos of hands, bodies, faces
    >>> py5.image(cam, 0, 0)                # py5 draws a camera directly (its newest frame)
    """

    bands = "BGR"
    name: str | None = None     #: the name given (live-coding-safe), or None

    @staticmethod
    def _options(index: Any, width: int, height: int, source: Any, fps: float | None,
                 fallback: str | None, pointer: Any, retry_seconds: float, quiet: bool,
                 mirror: bool, demo_wall: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """(options that define the camera, options applied to a live named one)."""
        if source is not None:
            what: Any = ("object", type(source).__name__)
        elif isinstance(index, (str, os.PathLike)) and str(index) != "demo":
            what = ("file", str(Path(index).resolve()))
        else:
            what = index if isinstance(index, str) else int(index)
        defining = {"source": what, "width": int(width), "height": int(height),
                    "demo_wall": demo_wall, "fallback": fallback}
        live = {"mirror": bool(mirror), "fps": fps, "pointer": pointer,
                "quiet": quiet, "retry_seconds": retry_seconds}
        return defining, live

    def __new__(cls, index: int | str | os.PathLike = 0, width: int = 640, height: int = 480,
                *, name: str | None = None, **options: Any) -> "Camera":
        if name is not None:
            defining, live = cls._options(index, width, height, *cls._option_values(options))
            found = _named.find("camera", name, defining, live, cls._apply_live,
                                alive=lambda cam: not cam._stop)
            if found is not None:
                found._reused = True     # __init__ leaves it as it is
                return found
        return super().__new__(cls)

    @staticmethod
    def _option_values(options: dict[str, Any]) -> tuple:
        get = options.get
        return (get("source"), get("fps"), get("fallback", "demo"), get("pointer"),
                get("retry_seconds", 1.0), get("quiet", False), get("mirror", False),
                get("demo_wall", "objects"))

    @staticmethod
    def _apply_live(cam: "Camera", changed: dict[str, Any]) -> None:
        """Options your code changed, applied to a live named camera."""
        if "mirror" in changed:
            cam.mirror = bool(changed["mirror"])
        if "quiet" in changed:
            cam.quiet = changed["quiet"]
        if "retry_seconds" in changed:
            cam.retry_seconds = changed["retry_seconds"]
        if "fps" in changed and changed["fps"]:
            cam._pace = 1.0 / changed["fps"]
        if "pointer" in changed and cam.kind == "demo":
            cam._pointer = changed["pointer"]
            cam._cap.pointer = cam._demo_pointer()

    def __init__(self, index: int | str | os.PathLike = 0, width: int = 640, height: int = 480,
                 *, source: Any = None, fps: float | None = None, fallback: str | None = "demo",
                 pointer: Any = None, retry_seconds: float = 1.0, quiet: bool = False,
                 mirror: bool = False, demo_wall: str = "objects",
                 name: str | None = None) -> None:
        if self.__dict__.pop("_reused", False):
            return                      # a named camera that is already running
        self.width, self.height = int(width), int(height)
        self.mirror = bool(mirror)  #: flip frames left-right (a selfie view); may change live
        self.retry_seconds = retry_seconds
        self.quiet = quiet
        self._requested = source if source is not None else index
        self._pointer = pointer
        self._fallback = fallback
        if demo_wall not in WALLS:
            raise ValueError(f"demo_wall must be one of {WALLS}, got {demo_wall!r}")
        self._demo_wall = demo_wall
        self._cap: Any = None
        self._is_file = False
        self._pace: float | None = 1.0 / fps if fps else None
        self._ring = [np.zeros((self.height, self.width, 3), np.uint8) for _ in range(_RING)]
        self._newest = 0
        self._cond = threading.Condition()
        self.frame_id = 0           #: number of frames grabbed so far
        self.frame_time = 0.0       #: ``time.perf_counter()`` when the newest frame arrived
        self.is_connected = False      #: True while frames arrive
        self.status = "starting"    #: a human-readable state ("webcam 0", "no camera: …")
        self.kind = "none"          #: "device", "file", "object" or "demo"
        self._stop = False
        self._said: set[str] = set()
        self._py5_image: Any = None
        self._py5_image_id = -1
        self._open()
        self._thread = threading.Thread(target=self._grab_loop, name="p5knn-camera", daemon=True)
        self._thread.start()
        if "py5" in sys.modules:
            from p5knn.live._py5 import ensure_image_conversion

            ensure_image_conversion()       # py5.image(cam, x, y) draws it
        if name is not None:
            self.name = name
            _named.register("camera", name, self, *self._options(
                index, width, height, source, fps, fallback, pointer, retry_seconds, quiet,
                mirror, demo_wall))
        else:
            _named.track(self, self.close)  # live coding: closed when a reload replaces it

    # ------------------------------------------------------------ opening
    def _say(self, message: str) -> None:
        self.status = message
        if not self.quiet and message not in self._said:
            self._said.add(message)
            print(f"p5knn.Camera: {message}", file=sys.stderr, flush=True)

    def _open(self) -> bool:
        req = self._requested
        if isinstance(req, str) and req == "demo":
            return self._use_demo("demo source")
        if hasattr(req, "read"):
            self._cap, self.kind = req, "object"
            self._pace = self._pace or 1 / 30
            self.is_connected, self.status = True, f"{type(req).__name__} source"
            return True
        if isinstance(req, (str, os.PathLike)):
            path = Path(req)
            if not path.is_file():
                raise FileNotFoundError(f"video file not found: {path}")
            cap = cv2.VideoCapture(str(path))
            if not cap.isOpened():
                raise ValueError(f"cannot open video file {path} (unsupported or corrupt)")
            fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
            self._cap, self.kind, self._is_file = cap, "file", True
            self._pace = self._pace or 1.0 / (fps if 1 <= fps <= 240 else 30.0)
            self.is_connected, self.status = True, f"video file {path.name}"
            return True
        return self._open_device(int(req), first=True)

    def _open_device(self, index: int, first: bool = False) -> bool:
        level = cv2.utils.logging.getLogLevel()
        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)  # we say it ourselves
        try:
            cap = cv2.VideoCapture(index)
        finally:
            cv2.utils.logging.setLogLevel(level)
        if cap.isOpened():
            cap.set(cv2.CAP_PROP_FRAME_WIDTH, self.width)
            cap.set(cv2.CAP_PROP_FRAME_HEIGHT, self.height)
            self._cap, self.kind = cap, "device"
            self.is_connected = True
            self._say(f"webcam {index} connected")
            return True
        cap.release()
        if first and self._fallback == "demo":
            return self._use_demo(f"no webcam {index} found — using the demo source (real photos "
                                  f"from scikit-image; {self._how_to_look()})")
        self.is_connected = False
        self._say(f"no webcam {index}: check the cable; retrying every "
                  f"{self.retry_seconds:g} s")
        return False

    def _demo_pointer(self) -> Any:
        pointer = self._pointer
        wants_mouse = pointer == "mouse" or (pointer is None and "py5" in sys.modules)
        if wants_mouse or (pointer is not None and not callable(pointer)):  # "mouse" or a sketch
            from p5knn.live._py5 import mouse_pointer

            pointer = mouse_pointer(None if wants_mouse else pointer)
        return pointer

    def _how_to_look(self) -> str:
        """How the demo source's view moves, for the message that says it is in use."""
        pointer = self._pointer
        if pointer == "mouse" or (pointer is None and "py5" in sys.modules) or \
                (pointer is not None and not callable(pointer)):
            return "move the mouse over the sketch to look around"
        return "the view follows pointer=" if pointer is not None else \
            "the view wanders by itself"

    def _use_demo(self, message: str) -> bool:
        self._cap = DemoSource(self.width, self.height, pointer=self._demo_pointer(),
                               wall=self._demo_wall)
        self.kind, self.is_connected = "demo", True
        self._pace = self._pace or 1 / 30
        self._say(message)
        return True

    @property
    def demo(self) -> DemoSource | None:
        """The demo source, when that is what this camera shows."""
        return self._cap if self.kind == "demo" else None

    # ------------------------------------------------------------ grabbing
    def _grab_loop(self) -> None:
        next_time = time.perf_counter()
        while not self._stop:
            if self._cap is None:
                time.sleep(self.retry_seconds)
                if not self._stop and self.kind == "device":
                    self._open_device(int(self._requested))
                continue
            try:
                ok, frame = self._cap.read()
            except Exception as exc:  # noqa: BLE001 - a broken source must not end the thread
                ok, frame = False, None
                self._say(f"source failed: {exc!r}")
            if not ok or frame is None:
                self._lost()
                continue
            self._publish(frame)
            if self._pace:
                next_time += self._pace
                delay = next_time - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                else:
                    next_time = time.perf_counter()

    def _lost(self) -> None:
        if self._is_file:
            self._cap.set(cv2.CAP_PROP_POS_FRAMES, 0)  # loop the video
            return
        if self.kind == "device":
            self.is_connected = False
            self._say(f"webcam {self._requested} stopped sending frames (unplugged?); "
                      "retrying")
            try:
                self._cap.release()
            except Exception:  # noqa: BLE001
                pass
            self._cap = None
            return
        self.is_connected = False
        self._say(f"{type(self._cap).__name__} source returned no frame; retrying")
        time.sleep(self.retry_seconds)
        self.is_connected = True

    def _publish(self, frame: np.ndarray) -> None:
        frame = np.asarray(frame)
        if frame.ndim == 2:
            frame = cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
        elif frame.shape[2] == 4:
            frame = cv2.cvtColor(frame, cv2.COLOR_BGRA2BGR)
        slot = (self._newest + 1) % _RING
        target = self._ring[slot]
        if frame.shape[:2] != (self.height, self.width):
            cv2.resize(frame, (self.width, self.height), dst=target,
                       interpolation=cv2.INTER_AREA)
        else:
            np.copyto(target, frame)
        if self.mirror:
            cv2.flip(target, 1, dst=target)
        with self._cond:
            self._newest = slot
            self.frame_id += 1
            self.frame_time = time.perf_counter()
            if not self.is_connected:
                self._say(f"{self.kind} source is back")
            self.is_connected = True
            self._cond.notify_all()

    # ------------------------------------------------------------ reading
    def read(self, copy: bool = False) -> np.ndarray:
        """The newest frame, H×W×3 BGR ``uint8``. Without ``copy`` it is a buffer that the
        camera refills two frames later: use it now, or pass ``copy=True`` to keep it."""
        with self._cond:
            frame = self._ring[self._newest]
        return frame.copy() if copy else frame

    def read_rgb(self) -> np.ndarray:
        """The newest frame as a new RGB array."""
        return cv2.cvtColor(self.read(), cv2.COLOR_BGR2RGB)

    def wait_for_frame(self, after_id: int | None = None, timeout: float = 1.0) -> bool:
        """Block until a frame newer than ``after_id`` (default: the current one) arrives."""
        target = self.frame_id if after_id is None else after_id
        with self._cond:
            return self._cond.wait_for(lambda: self.frame_id > target or self._stop, timeout)

    def __p5knn_frame__(self) -> tuple[np.ndarray, str, float]:
        """(copy of the newest frame, its band order, its arrival time) for p5knn's classifier."""
        with self._cond:
            return self._ring[self._newest].copy(), self.bands, self.frame_time

    def py5_image(self, sketch: Any = None) -> Any:
        """The newest frame as a ``Py5Image``, refilled in place only when a new frame came
        (no per-frame allocation). Call it from the sketch (animation thread).
        ``py5.image(cam, x, y)`` uses it."""
        from p5knn.live._py5 import numpy_to_py5_image

        if self._py5_image is None or self._py5_image_id != self.frame_id:
            frame_id = self.frame_id
            self._py5_image = numpy_to_py5_image(self.read(), self.bands, self._py5_image, sketch)
            self._py5_image_id = frame_id
        return self._py5_image

    def close(self) -> None:
        """Stop grabbing and release the device."""
        self._stop = True
        with self._cond:
            self._cond.notify_all()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(2.0)
        release = getattr(self._cap, "release", None)
        if release is not None:
            try:
                release()
            except Exception:  # noqa: BLE001
                pass

    def __enter__(self) -> "Camera":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Camera({self.status!r}, {self.width}×{self.height}, frames={self.frame_id})"
