"""Webcam classifier in class mode: webcam_classifier.py as a ``py5.Sketch`` class, with undo.

    python sketches/webcam_classifier_class_mode.py

Hold 1, 2 or 3 while the camera sees something to record it as "cat", "rocket" or "coffee"
(15 examples a second while held), u removes the last example, c clears them all; the
newest examples show as thumbnails, so you see what an undo took away. One-shot keys act in
``key_pressed()``, once per press, however long the key is held.

In class mode, pass ``sketch=self`` to what p5knn creates: then ``got()`` runs on this
sketch's animation thread, before ``draw()``, like in module mode.

No webcam? The demo source stands in: move the mouse over the picture to look around a wall
of photos (a cat, an astronaut, coffee, a rocket, a galaxy field, a horse).
"""

import json
import os
import time

import py5

import p5knn

CLASSES = {"1": "cat", "2": "rocket", "3": "coffee"}      # key -> label: rename to your things
COLORS = [(235, 87, 70), (70, 140, 245), (250, 190, 40)]
RECORD_EVERY = 1 / 15                                    # seconds between examples while held
PANEL = 660                                              # x where the side panel starts


class Classifier(py5.Sketch):
    def settings(self):
        self.size(960, 480)

    def setup(self):
        self.cam = p5knn.Camera(pointer=self)            # the demo source follows our mouse
        self.knn = p5knn.knn_classifier.create(sketch=self, balanced=True, min_similarity=0.6,
                                               thumbnails=True)
        self.result = None
        self.last_record = 0.0
        self.note, self.note_until = "", 0.0            # a message shown for a moment
        self.thumbs, self.thumbs_of = {}, None          # label -> its newest example's image
        self.regular = self.create_font("SansSerif", 18)
        self.bold = self.create_font("SansSerif.bold", 18)
        self.autopilot = Autopilot(self) if os.environ.get("P5KNN_AUTOPILOT") == "1" and \
            self.cam.demo is not None else None
        self.knn.classify_start(self.cam, self.got)

    def got(self, result):                               # on the animation thread
        self.result = result

    def draw(self):
        teaching = CLASSES.get(str(self.key)) if self.is_key_pressed else None
        now = time.perf_counter()
        if teaching and now - self.last_record >= RECORD_EVERY:
            self.knn.add_example(self.cam, teaching)     # returns at once, never dropped
            self.last_record = now
        if self.autopilot:
            self.autopilot.step(now, teaching)

        self.background(22, 24, 30)
        self.image(self.cam.py5_image(self), 0, 0)
        answer = self.result if len(self.knn) else None
        self.draw_status(teaching, answer, now)
        self.draw_panel(PANEL, teaching, answer)

    def key_pressed(self):                               # once per press
        if self.key == "u":
            label = self.knn.undo_last()
            self.say(f"undo: one {label} example removed" if label else "nothing to undo")
        elif self.key == "c":
            self.knn.clear_all_labels()
            self.result = None
            self.say("cleared every example")
        if self.autopilot:
            self.autopilot.pressed.append(str(self.key))

    def say(self, text):
        self.note, self.note_until = text, time.perf_counter() + 1.5

    # ------------------------------------------------------------------ drawing
    def draw_status(self, teaching, answer, now):
        chip = p5knn.draw.chip
        if teaching:
            blink = (255, 255, 255) if self.frame_count // 15 % 2 else (255, 80, 80)
            count = self.knn.get_count_by_label().get(teaching, 0)
            chip(f"recording {teaching}  ·  {count}", 16, 16, fill=(200, 30, 30), dot=blink,
                 font=self.bold, sketch=self)
        elif now < self.note_until:
            chip(self.note, 16, 16, fill=(40, 90, 200), font=self.bold, sketch=self)
        elif answer is None:
            chip("hold 1, 2 or 3 to teach what the camera sees", 16, 16, font=self.bold,
                 sketch=self)
        elif answer.unknown:
            chip("unknown: not like anything taught", 16, 16, dot=(150, 155, 170),
                 font=self.bold, sketch=self)
        else:
            chip(f"{answer.label}  ·  {answer.confidence:.0%}", 16, 16,
                 dot=self.colour(answer.label), font=self.bold, sketch=self)
        if self.cam.demo is not None and not self.autopilot:
            chip("demo camera: move the mouse to look around", 16, self.height - 52,
                 font=self.bold, sketch=self)

    def colour(self, label):
        labels = list(CLASSES.values())
        return COLORS[labels.index(label)] if label in labels else (150, 155, 170)

    def draw_panel(self, x, teaching, answer):
        width = self.width - x - 24
        counts = self.knn.get_count_by_label()
        self.text_align(self.LEFT, self.BASELINE)
        self.fill(150, 155, 170)
        self.text_font(self.bold)
        self.text_size(16)
        self.text("WEBCAM CLASSIFIER", x, 40)
        self.text_size(44)
        self.fill(*(self.colour(answer.label) if answer else (235, 235, 235)))
        self.text(answer.label if answer else "teach me" if not counts else "…", x, 98)
        if answer is None:
            line = "hold a key while it looks" if not counts else "thinking…"
        elif answer.unknown:
            line = f"nearest example {answer.similarity:.0%} similar"
        else:
            line = f"{answer.confidence:.0%} sure"
        self.text_font(self.regular)
        self.text_size(18)
        self.fill(170, 175, 190)
        self.text(line, x, 126)

        self.text_size(16)
        self.fill(120, 125, 140)
        self.text("hold  confidence", x, 166)
        self.text_align(self.RIGHT, self.BASELINE)
        self.text("examples", x + width, 166)
        p5knn.draw.confidence_bars(answer, x + 44, 178, width - 96, 34, gap=8,
                                   labels=CLASSES.values(), colors=COLORS, text_size=18,
                                   sketch=self)
        for i, (key, label) in enumerate(CLASSES.items()):
            y = 178 + i * 42
            p5knn.draw.key_cap(key, x, y, 34, active=teaching == label, font=self.bold,
                               sketch=self)
            self.fill(235)
            self.text_size(18)
            self.text_align(self.RIGHT, self.CENTER)
            self.text(str(counts.get(label, 0)), x + width, y + 16)
        self.draw_thumbnails(x, 322, width)

        for dx, key, what in ((0, "u", "undo"), (138, "c", "clear")):
            p5knn.draw.key_cap(key, x + dx, 428, 30, font=self.bold, sketch=self)
            self.fill(220)
            self.text_font(self.regular)
            self.text_size(18)
            self.text_align(self.LEFT, self.CENTER)
            self.text(what, x + dx + 42, 442)

    def draw_thumbnails(self, x, y, width):
        """The newest example of each class, framed in its colour: what it learned last."""
        n = len(self.knn)
        if n != self.thumbs_of:                          # made again only when n changes
            self.thumbs_of, newest = n, {}
            for i in range(n - 1, -1, -1):               # newest first
                label = self.knn.get_example(i)[1]
                if label not in newest and (image := self.knn.get_thumbnail(i)) is not None:
                    newest[label] = self.create_image_from_numpy(image, "RGB")
                if len(newest) == len(self.knn.get_count_by_label()):
                    break
            self.thumbs = newest
        self.text_align(self.LEFT, self.BASELINE)
        self.text_font(self.regular)
        self.text_size(16)
        self.fill(120, 125, 140)
        self.text("newest example of each", x, y)
        size = 64
        gap = (width - 3 * size) / 2
        for i, label in enumerate(CLASSES.values()):
            left, top = x + i * (size + gap), y + 12
            if label in self.thumbs:
                self.image(self.thumbs[label], left, top, size, size)
            self.no_fill()
            self.stroke(*(self.colour(label) if label in self.thumbs else (70, 75, 88)))
            self.stroke_weight(3)
            self.rect(left, top, size, size, 4)
            self.no_stroke()

    def exiting(self):
        if self.autopilot:
            print(json.dumps({"counts": self.knn.get_count_by_label(),
                              **self.autopilot.summary(),
                              "fps": round(self.get_frame_rate(), 1)}), flush=True)


class Autopilot:
    """P5KNN_AUTOPILOT=1 on the demo camera: the sketch teaches itself (tests, screenshots).

    It presses real keys: Processing ``KeyEvent``s posted to the sketch, the way py5 itself
    fakes them, so ``is_key_pressed``, ``key`` and ``key_pressed()`` see them as they see a
    keyboard. It points the view at the cat, the rocket and the coffee and holds 1, 2, 3
    about a second each; taps u twice (120 ms, several frames each: one example goes per
    tap); then looks at each photo again and notes the answer, ending on the rocket.
    """

    LESSONS = (("chelsea", "1"), ("rocket", "2"), ("coffee", "3"))
    CHECKS = ("coffee", "chelsea", "rocket")
    STEP, HOLD, TAPS = 2.0, (0.5, 1.5), (0.3, 1.1)   # seconds; key down in HOLD; u taps at

    def __init__(self, sketch):
        from jpype import JClass  # py5 runs Processing through JPype

        self.s, self.KeyEvent = sketch, JClass("processing.event.KeyEvent")
        self.started, self.down, self.pressed = None, None, []
        self.predicted, self.first, self.held, self.frames = {}, {}, {}, {}
        self.recorded, self.added, self.taps = None, 0, []
        self.u_frames, self.lesson = 0, None

    def key(self, action, key):
        """Post a key press or release to the Java sketch (handled before the next draw)."""
        event = self.KeyEvent(None, int(time.time() * 1000), action, 0, key, ord(key.upper()),
                              False)
        self.s._instance.postEvent(event)
        self.down = (key, time.perf_counter(), self.s.frame_count) if action == \
            self.KeyEvent.PRESS else None

    def step(self, now, teaching):
        s = self.s
        self.started = self.started or now
        step, t = divmod(now - self.started, self.STEP)
        step = int(step)
        plan = [p for p, _ in self.LESSONS] + ["coffee", *self.CHECKS]
        photo = plan[min(step, len(plan) - 1)]
        x, y = s.cam.demo.photo_position(photo)
        s.cam.demo.pointer = lambda: (x, y)
        if teaching:                                      # seen held in draw(): time it
            self.first.setdefault(teaching, now)
            self.held[teaching] = now - self.first[teaching]
            self.frames[teaching] = self.frames.get(teaching, 0) + 1
            if s.last_record == now:                      # draw() added one just now
                self.added += 1
        if s.is_key_pressed and str(s.key) == "u":
            self.u_frames += 1
        if self.down and self.down[0] != "u" and (t >= self.HOLD[1] or step != self.lesson):
            self.key(self.KeyEvent.RELEASE, self.down[0])
        elif step < len(self.LESSONS):                    # hold 1, 2, 3
            if self.down is None and self.HOLD[0] <= t < self.HOLD[1] and step != self.lesson:
                self.lesson = step
                self.key(self.KeyEvent.PRESS, self.LESSONS[step][1])
        elif step == len(self.LESSONS):                   # tap u, twice
            self.tap(now, t)
        elif step < len(plan) and t > 1.2 and s.result is not None and \
                s.result.frame_time > self.started + step * self.STEP + 0.4:
            self.predicted[photo] = s.result.label

    def tap(self, now, t):
        """u down for 120 ms and at least 4 frames, once every adds are stored."""
        s = self.s
        if self.down:
            _, when, frame = self.down
            if now - when >= 0.12 and s.frame_count - frame >= 4:
                self.key(self.KeyEvent.RELEASE, "u")
                self.taps[-1]["release_frame"] = s.frame_count
        elif self.taps and "after" not in self.taps[-1] and \
                s.frame_count - self.taps[-1]["release_frame"] >= 10:
            self.taps[-1]["after"] = len(s.knn)           # 10 frames later: what it removed
        elif len(self.taps) < len(self.TAPS) and t >= self.TAPS[len(self.taps)] and \
                len(s.knn) + self.removed() == self.added:   # every add stored
            if self.recorded is None:
                self.recorded = s.knn.get_count_by_label()
            self.taps.append({"before": len(s.knn), "press_frame": s.frame_count})
            self.key(self.KeyEvent.PRESS, "u")

    def removed(self):
        return sum(t["before"] - t["after"] for t in self.taps if "after" in t)

    def summary(self):
        taps = [t for t in self.taps if "after" in t]             # taps that were finished
        return {"predicted": self.predicted, "recorded": self.recorded,
                "held_seconds": {k: round(v, 3) for k, v in self.held.items()},
                "held_frames": self.frames, "record_every": RECORD_EVERY,
                "keys_pressed": self.pressed,
                "undo": {"taps": len(taps), "frames_u_held": self.u_frames,
                         "removed": [t["before"] - t["after"] for t in taps],
                         "frames_per_tap": [t["release_frame"] - t["press_frame"]
                                            for t in taps]}}


if __name__ == "__main__":
    Classifier().run_sketch()
