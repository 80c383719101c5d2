"""``p5knn demo``: a Teachable-Machine-style sketch.

Hold keys 1–9 to record examples of class 1–9 from the camera (or the demo source), watch the
confidence bars and the k nearest examples live; ``s`` save, ``l`` load, ``u`` undo the last
example, ``x`` delete the nearest example, ``c`` clear all, ``+``/``-`` change k.
``autopilot`` plays a scripted session (for machines with no one at the keyboard).
``model="hands"`` / ``"pose"`` / ``"face"`` classifies keypoints instead of MobileNet features
and draws the skeleton the classifier saw (the demo source then shows photos of people).

The window never sits blank: its first frame shows the camera with "loading MobileNet…", and
the model (and a ``load_path`` file) is loaded on the next frame, while that frame is on
screen; saving and loading with ``s``/``l`` say so on the window the same way. The summary
records how long that took (``ready_s``) and the time from the first recorded example to the
first prediction (``first_prediction_s``).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import py5

from p5knn import knn as knn_classifier
from p5knn.live._camera import Camera
from p5knn.live._events import post_key, post_mouse
from p5knn._base.errors import P5KNNError
from p5knn.tools._demo_draw import CAM_H, CAM_W, HEIGHT, THUMB, WIDTH, DemoDrawing

RECORD_INTERVAL = 1 / 15  # examples per second while a key is held
#: scripted sessions per model: (photo of the demo wall, key held, seconds)
AUTOPILOTS = {
    "mobilenet": [("chelsea", "1", 1.6), ("rocket", "2", 1.6), ("coffee", "3", 1.6)],
    "hands": [("messi5.jpg", "1", 1.6), ("right04.jpg", "2", 1.6), ("basketball1.png", "3", 1.0)],
    "pose": [("messi5.jpg", "1", 1.6), ("basketball1.png", "2", 1.6), ("astronaut", "3", 1.6)],
    "face": [("astronaut", "1", 1.6), ("camera", "2", 1.6), ("messi5.jpg", "3", 1.0)],
}
#: what the autopilot calls its classes
AUTOPILOT_LABELS = {"mobilenet": ["cat", "rocket", "coffee"],
                    "hands": ["open hand", "gripping", "no hand"],
                    "pose": ["kick", "dribble", "upright"],
                    "face": ["smiling", "serious", "no face"]}
SETTLE = 0.35  # seconds the autopilot waits on a new photo before recording (the view moves)
#: after teaching, the autopilot presses keys and drags as a person does (real events, each
#: key held 0.15 s — several frames): (seconds in, what, arguments)
TOUR = [(0.3, "key", "u", True), (0.45, "key", "u", False),
        (0.7, "key", "m", True), (0.85, "key", "m", False),
        (1.1, "key", "m", True), (1.25, "key", "m", False),
        (1.5, "key", "+", True), (1.65, "key", "+", False),
        (1.9, "key", "-", True), (2.05, "key", "-", False),
        (2.3, "press", 200, 240), (2.4, "drag", 240, 240), (2.5, "drag", 280, 240),
        (2.6, "drag", 320, 240), (2.7, "release", 320, 240)]
TOUR_S = 3.0
KEYPOINTS = ("hands", "pose", "face")


class DemoSketch(DemoDrawing, py5.Sketch):
    """The demo; ``summary`` holds what happened once it ends."""

    def __init__(self, camera: Camera, labels: Sequence[str] = (), k: int = 3,
                 save_path: str | Path = "p5knn_demo.p5knn", load_path: str | None = None,
                 seconds: float | None = None, autopilot: bool = False,
                 screenshot: str | None = None, model: str = "mobilenet") -> None:
        super().__init__()
        self.camera = camera
        self.model = model
        self.script = AUTOPILOTS[model]
        if autopilot and not labels:
            labels = AUTOPILOT_LABELS[model]
        self.names = {str(i + 1): (labels[i] if i < len(labels) else str(i + 1))
                      for i in range(9)}
        self.given = min(len(labels), 9)   #: classes named with ``labels`` get a card at once
        self.k = k
        self.save_path = Path(save_path)
        self.load_path = load_path
        self.seconds = seconds
        self.autopilot = autopilot
        self.screenshot = screenshot
        self.held: set[str] = set()
        self.result: Any = None
        self.message = ""
        self.message_until = 0.0
        self.last_record = 0.0
        self.frame_times: list[float] = []
        self.predictions = 0
        self.latencies: list[float] = []
        self.pointer = (0.5, 0.5)
        self.saved_at_end = False
        self.pilot_key: str | None = None     #: the key the autopilot holds down
        self.tour_next = 0                    #: the next TOUR event to post
        self.touring = False
        self.drag_from = (0, 0)                #: where the mouse was at the last drag event
        self.keys: dict[str, Any] = {"pressed": [], "undone": [], "mirror": [], "k": []}
        self.summary: dict[str, Any] = {}
        self.checks: dict[str, Any] = {}   #: autopilot: photo → what was predicted on it
        self.knn: Any = None               #: made on the frame after the first one
        self.loading = "loading " + ("MobileNet" if model == "mobilenet" else
                                     f"the {model} keypoint models") + "…"
        self.pending: tuple[str, Path] | None = None   #: ("save" | "load", file) next frame
        self.opened = self.started = 0.0
        self.ready_s: float | None = None    #: window open → classifier ready
        self.first_add = 0.0                  #: when the first example was recorded
        self.first_prediction_s: float | None = None   #: first example → first prediction
        self.error = ""
        if camera.demo is not None:
            camera.demo.pointer = self._pointer

    # ---------------------------------------------------------------- helpers
    def _pointer(self) -> tuple[float, float]:
        return self.pointer

    def say(self, text: str, seconds: float = 2.5) -> None:
        self.message, self.message_until = text, time.perf_counter() + seconds
        print(f"p5knn demo: {text}", flush=True)

    def got(self, result: Any) -> None:
        """Prediction callback: runs on the animation thread before draw()."""
        self.result = result
        self.predictions += 1
        if self.first_prediction_s is None and self.first_add:
            self.first_prediction_s = time.perf_counter() - self.first_add
        if result.frame_time is not None:
            self.latencies.append(time.perf_counter() - result.frame_time)

    def failed(self, exc: BaseException) -> None:
        self.say(f"error: {exc}")

    # ---------------------------------------------------------------- sketch
    def settings(self) -> None:
        self.size(WIDTH, HEIGHT, self.JAVA2D)

    def setup(self) -> None:
        what = "" if self.model == "mobilenet" else f" ({self.model})"
        self.window_title(f"p5knn demo{what} — hold 1–9 to teach")
        self._drawing_setup()
        self.opened = self.started = time.perf_counter()
        print(f"p5knn demo: window open; {self.loading}", flush=True)
        if self.camera.demo is not None and not self.autopilot:
            print("p5knn demo: drag the picture to look around the demo camera's wall of "
                  "photos", flush=True)

    def _prepare(self) -> None:
        """Make the classifier (and load ``load_path``): on the second frame, so that the
        first one — the camera and "loading…" — is what the window shows meanwhile."""
        options = {"metric": "euclidean"} if self.model in KEYPOINTS else {}
        try:
            knn = knn_classifier.create(self.model, k=self.k, thumbnails=THUMB, sketch=self,
                                        balanced=True, **options)
        except Exception as exc:  # noqa: BLE001 - said on the console, then the demo ends
            self.error = f"cannot load the {self.model} model: {exc}"
            self._finish()
            return
        self.knn = knn
        if self.load_path:
            self._load(self.load_path)
        knn.classify_start(self.camera, self.got, on_error=self.failed)
        self.started = time.perf_counter()
        self.ready_s = self.started - self.opened
        print(f"p5knn demo: ready in {self.ready_s:.2f} s — hold 1–9 to record examples",
              flush=True)

    def _autopilot(self, t: float) -> None:
        demo = self.camera.demo
        at = 0.3
        for photo, key, length in self.script:
            if at <= t < at + length:
                x, y = demo.photo_position(photo)
                wobble = 0.03 * np.sin(7 * t)
                self.pointer = (min(max(x + wobble, 0), 1), y)
                # hold the key once the camera shows this photo, never the view it comes from
                self._hold(key if t >= at + SETTLE else None)
                return
            at += length
        self._hold(None)
        if t < at:
            return                          # before the first photo
        if not self.saved_at_end:           # as if s were pressed: the file is checked later
            self.saved_at_end = True
            self.pending = ("save", self.save_path)
        if t < at + TOUR_S:
            self._tour(t - at)
            return
        self.touring = False
        phase = (t - at - TOUR_S) / 2.0
        photo = [p for p, _, _ in self.script][int(phase) % len(self.script)]
        self.pointer = demo.photo_position(photo)
        if phase - int(phase) > 0.6 and self.result is not None:   # settled on this photo
            self.checks[photo] = self.result.label

    def _hold(self, key: str | None) -> None:
        """Hold ``key`` down (a real key press) and release the one held before."""
        if key != self.pilot_key:
            if self.pilot_key is not None:
                post_key(self, self.pilot_key, False)
            if key is not None:
                post_key(self, key, True)
            self.pilot_key = key

    def _tour(self, t: float) -> None:
        """Post the TOUR's events that are due; note where the view was before the drag."""
        self.touring = True
        while self.tour_next < len(TOUR) and TOUR[self.tour_next][0] <= t:
            _, what, *args = TOUR[self.tour_next]
            if what == "key":
                post_key(self, args[0], args[1])
            else:
                if what == "press":
                    self.keys["view_before_drag"] = self.pointer
                post_mouse(self, what, *args)
            self.tour_next += 1
        self.keys["view_after_drag"] = self.pointer

    def draw(self) -> None:
        now = time.perf_counter()
        if self.knn is None:                  # loading: the camera and a banner
            if self.frame_count > 1 and not self.error:
                self._prepare()               # the previous frame (with the banner) shows
            else:
                self._draw_frame()
                self._busy(self.loading)
            if self.seconds and now - self.opened >= self.seconds:
                self._finish()
            return
        if self.pending is not None:          # the banner was shown on the last frame
            (self._save if self.pending[0] == "save" else self._load)(self.pending[1])
            self.pending = None
        self.frame_times.append(now)
        t = now - self.started
        if self.autopilot and self.camera.demo is not None:
            self._autopilot(t)
        self._record(now)
        self._draw_frame()
        if self.message and now < self.message_until:
            self._draw_message(self.message)
        if self.pending is not None:
            verb = "saving to" if self.pending[0] == "save" else "loading"
            self._busy(f"{verb} {self.pending[1]}…")
        if self.seconds and now - self.opened >= self.seconds:
            self._finish()

    def _record(self, now: float) -> None:
        keys = [k for k in self.held if k in self.names]
        if keys and now - self.last_record >= RECORD_INTERVAL:
            self.last_record = now
            self.first_add = self.first_add or now
            self.knn.add_example(self.camera, self.names[keys[0]])  # returns at once

    def _fps(self) -> float:
        times = self.frame_times[-61:]
        return (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 and \
            times[-1] > times[0] else 0.0

    # ---------------------------------------------------------------- keys
    def key_pressed(self) -> None:
        key = str(self.key)
        if self.knn is None:
            return                          # still loading
        if self.autopilot:
            self.keys["pressed"].append(key)
        if key in self.names:
            self.held.add(key)
        elif key == "s":
            self.pending = ("save", self.save_path)   # on the next frame, after a banner
        elif key == "l":
            self.pending = ("load", self.save_path)
        elif key == "u":
            label = self.knn.undo_last()
            self.keys["undone"].append(label)
            self.say("nothing to undo" if label is None else f"removed the last '{label}'")
        elif key == "x":
            self._delete_nearest()
        elif key == "m":
            self.camera.mirror = not self.camera.mirror
            self.keys["mirror"].append(self.camera.mirror)
            self.say("mirrored (a selfie view)" if self.camera.mirror else "not mirrored")
        elif key == "c":
            self.knn.clear_all_labels()
            self.result = None
            self.say("cleared every example")
        elif key in "+=":
            self.knn.k += 1
            self.keys["k"].append(self.knn.k)
            self.say(f"k = {self.knn.k}")
        elif key == "-" and self.knn.k > 1:
            self.knn.k -= 1
            self.keys["k"].append(self.knn.k)
            self.say(f"k = {self.knn.k}")

    def key_released(self) -> None:
        self.held.discard(str(self.key))

    def mouse_pressed(self) -> None:
        self.drag_from = (self.mouse_x, self.mouse_y)

    def mouse_dragged(self) -> None:
        """Dragging on the picture moves the demo camera's view the other way, as if the
        picture were pulled along (a real camera ignores it)."""
        if self.camera.demo is None or (self.autopilot and not self.touring):
            return
        demo = self.camera.demo
        wall_h, wall_w = demo.wall.shape[:2]        # the view moves over (wall − view) pixels
        (x0, y0), (x1, y1) = self.drag_from, (self.mouse_x, self.mouse_y)
        self.drag_from = (x1, y1)
        dx = (x1 - x0) / CAM_W * demo.width / max(wall_w - demo.width, 1)
        dy = (y1 - y0) / CAM_H * demo.height / max(wall_h - demo.height, 1)
        x, y = self.pointer
        self.pointer = (min(max(x - dx, 0.0), 1.0), min(max(y - dy, 0.0), 1.0))

    def _save(self, path: Path) -> None:
        try:
            path = self.knn.save(path)
            self.keys["saved"] = len(self.knn)
            self.say(f"saved {len(self.knn)} examples to {path}")
        except (P5KNNError, OSError) as exc:
            self.say(f"not saved: {exc}")

    def _load(self, path: str | Path) -> None:
        try:
            self.knn.load(path)
            self.say(f"loaded {len(self.knn)} examples from {path}")
        except (P5KNNError, OSError) as exc:
            self.say(f"not loaded: {exc}")

    def _delete_nearest(self) -> None:
        if self.result is None or not self.result.neighbors:
            self.say("no prediction yet")
            return
        index = self.result.neighbors[0].index
        try:
            label = self.knn.remove_example(index)
            self.result = None
            self.say(f"deleted the nearest example ('{label}')")
        except IndexError:
            self.say("that example is already gone")

    def _finish(self) -> None:
        if self.screenshot:
            self.save_frame(self.screenshot)
        if self.knn is None:                  # ended before the model was ready
            self.summary = {"error": self.error} if self.error else \
                {"model": self.model, "frames": 0, "predictions": 0, "examples": {},
                 "ready_s": None, "first_prediction_s": None,
                 "note": "ended while the model was loading"}
            self.exit_sketch()
            return
        times = np.diff(self.frame_times[30:]) if len(self.frame_times) > 31 else np.zeros(1)
        self.summary = {
            "frames": len(self.frame_times), "fps": self._fps(),
            "frame_ms_p50": float(np.percentile(times, 50) * 1000),
            "frame_ms_p95": float(np.percentile(times, 95) * 1000),
            "predictions": self.predictions, "examples": self.knn.get_count_by_label(),
            "last_label": None if self.result is None else self.result.label,
            "model": self.model, "taught": {photo: self.names[key] for photo, key, _ in
                                            self.script} if self.autopilot else {},
            "checks": self.checks, "keys": self.keys if self.autopilot else {},
            "latency_ms_p50": float(np.median(self.latencies) * 1000) if self.latencies else None,
            "ready_s": self.ready_s, "first_prediction_s": self.first_prediction_s,
        }
        self.knn.classify_stop(wait=False)
        self.exit_sketch()


def run(camera: Camera, **options: Any) -> dict[str, Any]:
    """Run the demo until its window closes (or ``seconds`` pass); return its summary."""
    sketch = DemoSketch(camera, **options)
    sketch.run_sketch(block=True)
    return sketch.summary
