"""How ``p5knn demo`` looks: the camera with a status chip, one card per class (key, name,
count, confidence bar and a strip of that class's latest examples, as Teachable Machine
shows them), the k nearest examples under the camera, and the keys.

Layout (960 × 600): the camera fills the top-left 640 × 480; under it, the nearest examples;
on the right, a 320-px panel. Everything here runs on the animation thread, in ``draw()``.
"""

from __future__ import annotations

from typing import Any

from p5knn.live import _draw as p5knn_draw

CAM_W, CAM_H, PANEL_W, BOTTOM_H = 640, 480, 320, 120
WIDTH, HEIGHT = CAM_W + PANEL_W, CAM_H + BOTTOM_H
THUMB = 56           #: thumbnail side stored with each example
STRIP = 6            #: examples shown per class card
SCAN = 2000          #: the latest examples scanned for the class strips
COLOURS = [(235, 87, 70), (70, 140, 245), (250, 190, 40), (90, 200, 90), (190, 90, 220),
           (40, 200, 200), (250, 130, 180), (150, 150, 150), (200, 120, 60)]
KEYS = [("1–9", "hold: record"), ("u", "undo last"), ("x", "delete nearest"),
        ("c", "clear all"), ("s", "save"), ("l", "load"), ("m", "mirror"), ("+ −", "k")]
PANEL_BG, CARD_BG, BOTTOM_BG = (24, 26, 32), (40, 43, 52), (30, 32, 39)
GREY, LIGHT = (150, 155, 168), (235, 238, 245)


class DemoDrawing:
    """The demo sketch's drawing methods (mixed into ``DemoSketch``)."""

    knn: Any
    camera: Any
    names: dict[str, str]
    held: set[str]
    result: Any
    given: int
    model: str

    def _drawing_setup(self) -> None:
        self.font = self.create_font("SansSerif", 16)
        self.bold = self.create_font("SansSerif.bold", 16)
        self.thumbs: dict[int, tuple[Any, Any]] = {}    # index → (stored array, Py5Image)
        self.strips: dict[Any, list[int]] = {}
        self.strip_version = -1
        self.text_font(self.font)

    # ------------------------------------------------------------ helpers
    def _fit(self, text: str, width: float) -> str:
        """``text``, shortened with "…" until it fits ``width`` pixels at the current size."""
        return p5knn_draw.fit_text(self, text, width)

    def _image_of(self, index: int) -> Any:
        """Example ``index``'s thumbnail as a Py5Image (made once per stored thumbnail)."""
        try:
            thumb = self.knn.get_thumbnail(index)
        except IndexError:
            return None                      # removed since it was listed
        if thumb is None:
            return None
        cached = self.thumbs.get(index)
        if cached is not None and cached[0] is thumb:
            return cached[1]
        if len(self.thumbs) > 400:
            self.thumbs.clear()
        image = self.create_image_from_numpy(thumb, "RGB")
        self.thumbs[index] = (thumb, image)
        return image

    def _class_strips(self) -> dict[Any, list[int]]:
        """label → indexes of its latest examples (rebuilt when the examples change, scanning
        back from the newest only until every class has its strip)."""
        if self.knn.version != self.strip_version:
            self.strip_version = self.knn.version
            missing = {label: min(count, STRIP)
                       for label, count in self.knn.get_count_by_label().items()}
            strips: dict[Any, list[int]] = {}
            n = len(self.knn)
            for index in range(n - 1, max(n - SCAN, 0) - 1, -1):
                if not any(missing.values()):
                    break
                try:
                    label = self.knn.get_example(index)[1]
                except IndexError:
                    continue
                if missing.get(label):
                    missing[label] -= 1
                    strips.setdefault(label, []).append(index)
            self.strips = {label: strip[::-1] for label, strip in strips.items()}
        return self.strips

    def _shown_keys(self, counts: dict[Any, int]) -> list[str]:
        """The classes with a card: those with examples, those named with ``labels``, or
        1–3 to start with."""
        keys = [key for i, key in enumerate(self.names)
                if self.names[key] in counts or i < self.given]
        return keys or ["1", "2", "3"]

    # ------------------------------------------------------------ the frame
    def _draw_frame(self) -> None:
        self.background(*PANEL_BG)
        self.image(self.camera.py5_image(self), 0, 0, CAM_W, CAM_H)
        if self.knn is not None and self.model != "mobilenet":
            found = self.knn.extractor.last_found      # what the classifier saw last
            p5knn_draw.skeleton(found, 0, 0, (CAM_W / self.camera.width,
                                              CAM_H / self.camera.height), sketch=self)
        self._draw_camera_chip()
        self._draw_header()
        self._draw_bottom()
        if self.knn is not None:
            self._draw_cards(72, HEIGHT - 160)
        self._draw_keys(HEIGHT - 146)

    def _draw_camera_chip(self) -> None:
        recording = [key for key in self.held if key in self.names]
        if recording and self.knn is not None:
            key = recording[0]
            name = self.names[key]
            count = self.knn.get_count_by_label().get(name, 0)
            p5knn_draw.chip(f"recording {name}  ·  {count}", 12, 12,
                            fill=(200, 30, 30), dot=COLOURS[int(key) - 1], font=self.bold,
                            sketch=self)
            return
        if self.camera.demo is not None:
            text = "demo camera  ·  drag the picture to look around"
        else:
            text = f"camera: {self.camera.status}"
        if self.camera.mirror:
            text += "  ·  mirrored"
        self.text_size(18)
        p5knn_draw.chip(self._fit(text, CAM_W - 60), 12, 12, font=self.font, sketch=self)

    def _draw_header(self) -> None:
        x0 = CAM_W + 16
        self.fill(*LIGHT)
        self.text_font(self.bold)
        self.text_size(26)
        self.text("p5knn", x0, 38)
        self.text_font(self.font)
        self.text_size(15)
        self.fill(*GREY)
        what = "MobileNet features" if self.model == "mobilenet" else f"{self.model} keypoints"
        line = what if self.knn is None else \
            f"{what}  ·  k = {self.knn.k}  ·  {self._fps():.0f} fps"
        self.text(self._fit(line, PANEL_W - 32), x0, 60)

    def _draw_cards(self, top: float, bottom: float) -> None:
        counts = self.knn.get_count_by_label()
        keys = self._shown_keys(counts)
        strips = self._class_strips()
        confidences = self.result.confidences if self.result is not None else {}
        winner = self.result.label if self.result is not None else None
        full = len(keys) * 104 <= bottom - top
        height = 96 if full else min(60.0, (bottom - top) / len(keys) - 6)
        x0, width, y = CAM_W + 12, PANEL_W - 24, top
        for key in keys:
            name, colour = self.names[key], COLOURS[int(key) - 1]
            self.no_stroke()
            if name == winner:
                self.stroke(*colour)
                self.stroke_weight(2)
            self.fill(*CARD_BG)
            self.rect(x0, y, width, height, 8)
            p5knn_draw.key_cap(key, x0 + 8, y + 8, 26, active=key in self.held, font=self.bold,
                               sketch=self)
            self.fill(*LIGHT)
            self.text_font(self.bold)
            self.text_size(17)
            self.text(self._fit(str(name), width - 150), x0 + 44, y + 27)
            self.text_font(self.font)
            self.text_size(15)
            self.fill(*GREY)
            count = counts.get(name, 0)
            note = f"{count} example{'s' * (count != 1)}"
            self.text_align(self.RIGHT)
            self.text(note, x0 + width - 10, y + 27)
            value = float(confidences.get(name, 0.0))
            bar_y, bar_w = y + 40, width - 72
            self.no_stroke()
            self.fill(62, 66, 78)
            self.rect(x0 + 8, bar_y, bar_w, 12, 6)
            if round(value * 100) > 0:          # what "0%" says: no bar
                self.fill(*colour)
                self.rect(x0 + 8, bar_y, bar_w * value, 12, min(6.0, bar_w * value / 2))
            self.fill(*(LIGHT if name == winner else GREY))
            self.text(f"{value:.0%}", x0 + width - 10, bar_y + 12)
            self.text_align(self.LEFT, self.BASELINE)
            if full:
                self._draw_strip(strips.get(name, []), x0 + 8, y + 58, count)
            y += height + 6
        free = next((key for key in self.names if key not in keys), None)
        if free is not None and y + 34 <= bottom:
            self.fill(*GREY)
            self.text_size(15)
            self.text(f"hold {free} to record a new class", x0 + 8, y + 22)

    def _draw_strip(self, indexes: list[int], x: float, y: float, count: int) -> None:
        """The class's latest examples, 32 px each; what they look like as it learns."""
        if not indexes:
            self.fill(*GREY)
            self.text("no examples yet", x, y + 22)
            return
        for index in indexes:
            image = self._image_of(index)
            if image is not None:
                self.image(image, x, y, 32, 32)
            x += 36
        if count > len(indexes):
            self.fill(*GREY)
            self.text(f"+{count - len(indexes)}", x + 2, y + 22)

    def _draw_bottom(self) -> None:
        self.no_stroke()
        self.fill(*BOTTOM_BG)
        self.rect(0, CAM_H, CAM_W, BOTTOM_H)
        self.text_font(self.font)
        self.text_size(15)
        self.fill(*GREY)
        if self.result is None or self.knn is None or not len(self.knn):
            self.fill(*LIGHT)
            self.text_size(18)
            self.text("Hold a number key (1–9) while the camera shows something:", 14, CAM_H + 40)
            self.text("the demo learns it as that class, 15 examples a second.", 14, CAM_H + 68)
            self.fill(*GREY)
            self.text_size(15)
            self.text("Teach two or more classes; the bars then show what it sees.", 14,
                      CAM_H + 96)
            return
        similarity = self.result.similarity
        self.text(f"the {len(self.result.neighbors)} nearest examples  ·  best similarity "
                  f"{similarity:.2f}  ·  x deletes the nearest one", 14, CAM_H + 22)
        x = 14
        for n in self.result.neighbors[:7]:
            image = self._image_of(n.index)
            if image is None:
                continue
            self.image(image, x, CAM_H + 32, 60, 60)
            self.fill(*LIGHT)
            self.text_size(15)
            self.text(self._fit(str(n.label), 84), x, CAM_H + 110)
            self.fill(*GREY)
            self.text(f"{n.similarity:.2f}", x + 66, CAM_H + 50)
            x += 106

    def _draw_keys(self, top: float) -> None:
        x0 = CAM_W + 12
        self.text_font(self.font)
        for i, (key, what) in enumerate(KEYS):
            x = x0 + (i % 2) * 154
            y = top + (i // 2) * 34
            wide = 46 if len(key) > 1 else 28
            p5knn_draw.key_cap(key, x, y, 28, width=wide, font=self.font, sketch=self)
            self.text_size(15)
            self.text_align(self.LEFT, self.CENTER)
            self.fill(*GREY)
            self.text(what, x + wide + 8, y + 12)
            self.text_align(self.LEFT, self.BASELINE)

    def _busy(self, text: str) -> None:
        """A banner across the camera view: what is taking a moment."""
        self.no_stroke()
        self.fill(0, 0, 0, 200)
        self.rect(0, CAM_H / 2 - 30, CAM_W, 60)
        self.fill(255, 230, 120)
        self.text_size(22)
        self.text_align(self.CENTER, self.CENTER)
        self.text(self._fit(text, CAM_W - 40), CAM_W / 2, CAM_H / 2)
        self.text_align(self.LEFT, self.BASELINE)

    def _draw_message(self, text: str) -> None:
        """A short note (saved, undone, k = 4…) over the bottom of the camera view."""
        self.text_font(self.bold)
        self.text_size(18)
        text = self._fit(text, CAM_W - 60)
        width = self.text_width(text) + 28
        self.no_stroke()
        self.fill(0, 0, 0, 200)
        self.rect((CAM_W - width) / 2, CAM_H - 52, width, 36, 18)
        self.fill(255, 230, 120)
        self.text_align(self.CENTER, self.CENTER)
        self.text(text, CAM_W / 2, CAM_H - 35)
        self.text_align(self.LEFT, self.BASELINE)
        self.text_font(self.font)
