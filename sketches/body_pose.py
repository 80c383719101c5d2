"""Body poses (class mode): teach three poses with your whole body, then strike them.

    python sketches/body_pose.py

Stand back so the camera sees you, hold 1, 2 or 3 to record a pose (12 examples a second
while held; a frame without a body is never recorded), u undoes the last example, c clears.
The ml5 KNN + PoseNet example, done right: the KNN compares BlazePose's 33 body landmarks
moved to the hips and scaled to the torso (the "KNN input" figure at the bottom right draws
them), so a pose is the same pose wherever you stand and however far from the camera.

This is the class-mode version (a ``py5.Sketch`` subclass): everything p5knn makes gets
``sketch=self``. As in hand_signs.py, the model runs on a thread of its own (``watch``), once
per new camera frame, and ``draw()`` only reads the newest body and answer.

No webcam? The demo source stands in: move the mouse over the picture to look around a wall
of photos (a footballer kicking at the top right, basketball players below).
"""

import json
import os
import threading
import time
import traceback

import numpy as np
import py5

import p5knn

POSES = {"1": "stand", "2": "kick", "3": "catch"}     # key -> label: rename to your poses
COLORS = [(80, 200, 150), (240, 120, 60), (150, 110, 245)]
RECORD_EVERY = 1 / 12                                  # seconds between examples
PANEL = 660                                            # x where the side panel starts


class BodyPose(py5.Sketch):
    def __init__(self):
        super().__init__()
        self.cam = p5knn.Camera(mirror=True, demo_wall="people", pointer=self)
        self.pose = p5knn.feature_extractor("pose", num_threads=1, sketch=self)
        self.knn = p5knn.knn_classifier.create(self.pose, metric="euclidean", k=5,
                                               balanced=True, sketch=self)
        self.latest = [], None          # (bodies, answer): written by watch(), read by draw()
        self.found, self.result = self.latest          # what this frame draws
        self.model_ready = threading.Event()
        self.stop = threading.Event()
        self.last_record = 0.0
        self.autopilot_on = os.environ.get("P5KNN_AUTOPILOT") == "1" and \
            self.cam.demo is not None
        self.predicted, self.started = {}, None

    def settings(self):
        self.size(960, 480)

    def setup(self):
        self.regular = self.create_font("SansSerif", 18)
        self.bold = self.create_font("SansSerif.bold", 18)
        threading.Thread(target=self.watch, daemon=True).start()

    def watch(self):
        """The model's own thread: the body in each new camera frame, then the KNN's answer."""
        seen = -1
        while not self.stop.is_set():
            if not self.cam.wait_for_frame(seen, timeout=0.5):
                continue
            seen = self.cam.frame_id
            try:
                body = self.pose.detect(self.cam)                 # tracked frame to frame
                answer = self.knn.predict_class(self.pose.vector(body), wait=True) \
                    if body and len(self.knn) else None
                self.latest = body, answer                        # one assignment: atomic
                self.model_ready.set()
            except Exception:  # noqa: BLE001 - print it and keep watching the camera
                traceback.print_exc()
                time.sleep(1)

    def draw(self):
        self.found, self.result = self.latest                    # read once per frame
        key = self.autopilot(time.perf_counter()) if self.autopilot_on else \
            (str(self.key) if self.is_key_pressed else None)
        recording = POSES.get(key)
        now = time.perf_counter()
        if recording and self.found and now - self.last_record >= RECORD_EVERY:
            self.knn.add_example(self.pose.vector(self.found), recording, wait=True)
            self.last_record = now

        self.background(22, 24, 30)
        self.image(self.cam.py5_image(self), 0, 0)
        p5knn.draw.skeleton(self.found, weight=4, sketch=self)
        self.draw_status(recording)
        self.draw_panel(PANEL, recording)

    # ------------------------------------------------------------------ drawing
    def draw_status(self, recording):
        if not self.model_ready.is_set():
            p5knn.draw.chip("starting the body model…", 16, 16, font=self.bold, sketch=self)
        elif recording and self.found:
            blink = (255, 255, 255) if self.frame_count // 15 % 2 else (255, 80, 80)
            count = self.knn.get_count_by_label().get(recording, 0)
            p5knn.draw.chip(f"recording {recording}  ·  {count}", 16, 16, fill=(200, 30, 30),
                            dot=blink, font=self.bold, sketch=self)
        elif recording:
            p5knn.draw.chip("nobody in view: nothing recorded", 16, 16, fill=(200, 30, 30),
                            font=self.bold, sketch=self)
        elif not self.found:
            p5knn.draw.chip("step back so the camera sees you", 16, 16, font=self.bold, sketch=self)
        if self.cam.demo is not None and not self.autopilot_on:
            p5knn.draw.chip("demo camera: move the mouse to look around", 16, self.height - 52,
                            font=self.bold, sketch=self)

    def draw_panel(self, x, recording):
        width = self.width - x - 24
        counts = self.knn.get_count_by_label()
        self.text_align(self.LEFT, self.BASELINE)
        self.fill(150, 155, 170)
        self.text_font(self.bold)
        self.text_size(16)
        self.text("BODY POSE", x, 40)
        self.text_size(44)
        if self.result is not None:
            self.fill(*COLORS[list(POSES.values()).index(self.result.label)])
            self.text(self.result.label, x, 98)
            answer = f"{self.result.confidence:.0%} sure"
        else:
            self.fill(235)
            self.text("teach me" if not counts else "…", x, 98)
            answer = "hold 1, 2 or 3 to record" if not counts else "step into view"
        self.text_font(self.regular)
        self.text_size(18)
        self.fill(170, 175, 190)
        self.text(answer, x, 126)

        self.text_size(16)
        self.fill(120, 125, 140)
        self.text_align(self.LEFT, self.BASELINE)
        self.text("key   confidence", x, 166)
        self.text_align(self.RIGHT, self.BASELINE)
        self.text("examples", x + width, 166)
        self.text_font(self.regular)
        p5knn.draw.confidence_bars(self.result, x + 44, 178, width - 106, 34, gap=8,
                                   labels=POSES.values(), colors=COLORS, text_size=18,
                                   sketch=self)
        for i, (key, label) in enumerate(POSES.items()):
            y = 178 + i * 42
            p5knn.draw.key_cap(key, x, y, 34, active=recording == label,
                               font=self.bold, sketch=self)
            self.fill(235)
            self.text_font(self.regular)
            self.text_size(18)
            self.text_align(self.RIGHT, self.CENTER)
            self.text(str(counts.get(label, 0)), x + width, y + 16)

        for i, (keys, what) in enumerate([("1 2 3", "record"), ("u", "undo"),
                                          ("c", "clear")]):
            y = 326 + 46 * i
            for j, k in enumerate(keys.split()):
                p5knn.draw.key_cap(k, x + 36 * j, y, 30, font=self.bold, sketch=self)
            self.fill(220)
            self.text_font(self.regular)
            self.text_size(18)
            self.text_align(self.LEFT, self.CENTER)
            self.text(what, x + 112, y + 14)
        self.draw_normalised(x + width - 96, 312, 96, 154)

    def draw_normalised(self, x, y, w, h):
        """The body as the KNN sees it: landmarks relative to the hips, in torso lengths."""
        self.no_stroke()
        self.fill(255, 255, 255, 14)
        self.rect(x, y, w, h, 10)
        self.fill(120, 125, 140)
        self.text_font(self.regular)
        self.text_size(16)
        self.text_align(self.CENTER, self.BASELINE)
        self.text("KNN input", x + w / 2, y + h - 10)
        if not self.found:
            return
        vector = self.pose.vector(self.found)
        body = vector[:99].reshape(33, 3)[:, :2]                   # hips at 0, torso = 1
        shown = vector[99:132] >= 0.5
        pairs = np.array([p for p in self.found[0].connections if shown[p[0]] and shown[p[1]]])
        if not len(pairs):
            return
        ends = body[pairs.ravel()]
        low, high = ends.min(axis=0), ends.max(axis=0)
        box = np.array([w - 16, h - 40])                           # room above the caption
        scale = min(box.min() / 4.0, *(box / np.maximum(high - low, 1e-6)))
        body = (body - (low + high) / 2) * scale + (x + w / 2, y + 8 + box[1] / 2)
        answer = self.result.label if self.result is not None else None
        self.stroke(*(COLORS[list(POSES.values()).index(answer)] if answer else (235, 235, 245)))
        self.stroke_weight(2.5)
        self.lines(np.hstack([body[pairs[:, 0]], body[pairs[:, 1]]]))

    # ------------------------------------------------------------------ keys, exit
    def key_pressed(self):
        if self.key == "u":
            self.knn.undo_last()
        elif self.key == "c":
            self.knn.clear_all_labels()

    def exiting(self):
        self.stop.set()
        if self.autopilot_on:
            print(json.dumps({"counts": self.knn.get_count_by_label(),
                              "predicted": self.predicted,
                              "fps": round(self.get_frame_rate(), 1)}), flush=True)

    # --- autopilot: P5KNN_AUTOPILOT=1 on the demo camera teaches itself (tests, screenshots)
    # It points the camera at photos and records as if the key were held: "kick" on
    # messi5.jpg, "catch" on basketball1.png (the player holding the ball), "stand" on the
    # astronaut (upper body); then it looks at each photo again and notes the answers.
    LESSONS = (("messi5.jpg", "2"), ("basketball1.png", "3"), ("astronaut", "1"))

    def autopilot(self, now):
        """2.5 s per photo: teach each, look at each again, then stay on the first."""
        if not self.model_ready.is_set():
            return None
        self.started = self.started or now
        step, t = divmod(now - self.started, 2.5)
        n = len(self.LESSONS)
        photo, key = self.LESSONS[int(step) % n if step < 2 * n else 0]
        x, y = self.cam.demo.photo_position(photo)
        self.cam.demo.pointer = lambda: (x, y)
        if step < n:
            return key if t > 0.8 else None                       # "hold the key"
        if t > 1.0 and self.found and self.result is not None:
            self.predicted[photo] = self.result.label
        return None


if __name__ == "__main__":
    BodyPose().run_sketch()
