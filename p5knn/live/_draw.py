"""Drawing helpers for sketches, in py5 style: ``p5knn.draw.skeleton(hand)`` draws the lines of
hands, bodies and faces found by a keypoint extractor over the frame, and
``p5knn.draw.confidence_bars(result, x, y)`` draws a classifier's answer as labelled bars.

They draw with the current sketch (module mode) or ``sketch=`` (class mode), on the animation
thread — call them in ``draw()``. Each keeps the sketch's style as it found it (``push_style``
/ ``pop_style``) and uses py5's vectorised ``lines()``/``points()``, so a face's 124 contour
lines are three calls. What to draw comes from the results themselves (``.landmarks`` and
``.connections``), so this module needs no model.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Sequence

import numpy as np

#: one colour per class, in class order (repeats after ten), readable under white text
PALETTE = ((66, 133, 244), (234, 67, 53), (251, 188, 5), (52, 168, 83), (171, 71, 188),
           (0, 172, 193), (255, 112, 67), (158, 157, 36), (92, 107, 192), (240, 98, 146))
#: default colours: right hands, left hands, bodies, faces
RIGHT_HAND, LEFT_HAND, BODY, FACE = (255, 150, 50), (60, 200, 255), (245, 245, 245), (120, 240, 170)
#: body landmarks drawn as lines only (eyes, ears, mouth, fingers): joints there make a blob
_POSE_NO_JOINT = np.zeros(33, bool)
_POSE_NO_JOINT[[*range(1, 11), *range(17, 23)]] = True


def _canvas(sketch: Any) -> Any:
    if sketch is not None:
        return sketch
    import py5

    return py5


def _many(found: Any) -> list[Any]:
    if found is None:
        return []
    if hasattr(found, "landmarks"):
        return [found]
    return [f for f in found if f is not None]


def _to_canvas(points: np.ndarray, x: float, y: float,
               scale: float | Sequence[float]) -> np.ndarray:
    sx, sy = (scale, scale) if np.isscalar(scale) else (float(scale[0]), float(scale[1]))
    out = np.empty((len(points), 2), np.float32)
    out[:, 0] = x + points[:, 0] * sx
    out[:, 1] = y + points[:, 1] * sy
    return out


def _colour(item: Any) -> tuple[int, int, int]:
    handedness = getattr(item, "handedness", None)
    if handedness is not None:
        return RIGHT_HAND if handedness == "Right" else LEFT_HAND
    return BODY if hasattr(item, "visibility") else FACE


def skeleton(found: Any, x: float = 0.0, y: float = 0.0,
             scale: float | Sequence[float] = 1.0, *,
             color: Sequence[int] | None = None, weight: float | None = None,
             points: bool = True, min_visibility: float = 0.5, sketch: Any = None) -> None:
    """Draw the skeleton lines (and joints) of hands, bodies or faces.

    Parameters
    ----------
    found : Hand, Pose, Face or a list of them
        What a keypoint extractor's ``detect()`` returned (``[]`` or None: nothing drawn).
    x, y : float
        Where the image the landmarks came from is drawn on the canvas (its top-left corner).
    scale : float or (float, float)
        How much that image is scaled on the canvas (e.g. ``width / frame_width``).
    color : (r, g, b) or (r, g, b, a), optional
        Line colour. Default: right hands orange, left hands blue, bodies white, faces green.
    weight : float, optional
        Line weight in pixels. Default: grows with the hand's or body's size on the canvas.
        A body's face lines (eyes, ears, mouth) are drawn half as thick.
    points : bool
        Also draw the joints (faces: every mesh point, small).
    min_visibility : float
        Bodies: skip lines to landmarks less visible than this (hidden or out of frame).
    sketch : py5 Sketch, optional
        Class mode: the sketch to draw on (``self``). Module mode finds it.

    Example
    -------
    >>> def draw():
    ...     py5.image(cam.py5_image(), 0, 0)
    ...     p5knn.draw.skeleton(hands.detect(cam))    # or the hands a callback kept
    """
    items = _many(found)
    if not items:
        return
    s = _canvas(sketch)
    s.push_style()
    try:
        for item in items:
            marks = np.asarray(item.landmarks, np.float32)
            if marks.ndim != 2 or marks.shape[0] == 0:
                continue
            xy = _to_canvas(marks[:, :2], x, y, scale)
            pairs = np.asarray(item.connections)
            visibility = getattr(item, "visibility", None)
            shown = np.ones(len(xy), bool)
            if visibility is not None:
                shown = np.asarray(visibility) >= min_visibility
                pairs = pairs[shown[pairs[:, 0]] & shown[pairs[:, 1]]]
            size = float(np.ptp(xy[shown], axis=0).max()) if shown.any() else 0.0
            w = float(weight) if weight is not None else \
                min(5.0, max(1.5 if visibility is None else 2.0, size / 70.0))
            rgba = tuple(color) if color is not None else _colour(item)
            is_face = not hasattr(item, "handedness") and visibility is None
            if is_face:
                w = float(weight) if weight is not None else max(1.0, w * 0.5)
            groups = [(pairs, w)]
            if visibility is not None and len(xy) == 33 and len(pairs):
                # a body's face lines (eyes, ears, mouth: landmarks 0-10) half as thick
                on_face = (pairs < 11).all(axis=1)
                groups = [(pairs[~on_face], w), (pairs[on_face], max(1.0, w * 0.5))]
            for group, gw in groups:
                if not len(group):
                    continue
                lines = np.hstack([xy[group[:, 0]], xy[group[:, 1]]])
                s.stroke(0, 0, 0, 110)            # a dark edge: readable on any background
                s.stroke_weight(gw + 2.5)
                s.lines(lines)
                s.stroke(*rgba)
                s.stroke_weight(gw)
                s.lines(lines)
            if points:
                keep = shown & ~_POSE_NO_JOINT if visibility is not None and len(xy) == 33 \
                    else shown
                joints = xy if is_face else xy[keep]
                if is_face:
                    s.stroke(*rgba[:3], 150)
                    s.stroke_weight(max(1.5, w * 0.9))
                else:
                    s.stroke(0, 0, 0, 130)
                    s.stroke_weight(w * 1.9 + 2)
                    s.points(joints)
                    s.stroke(255, 255, 255)
                    s.stroke_weight(w * 1.9)
                s.points(joints)
    finally:
        s.pop_style()


def _confidences(result: Any, labels: Iterable[Any] | None) -> list[tuple[Any, float]]:
    values: Mapping[Any, float] = {}
    if result is not None:
        values = result if isinstance(result, Mapping) else getattr(result, "confidences", {})
    if labels is not None:
        return [(label, float(values.get(label, 0.0))) for label in labels]
    return [(label, float(value)) for label, value in values.items()]


def fit_text(s: Any, text: str, width: float) -> str:
    """``text`` as it fits ``width`` pixels at the canvas ``s``'s current font and size:
    whole, or its longest beginning that fits with "…" after it (never runs into what is
    drawn beside it)."""
    if s.text_width(text) <= width:
        return text
    while text and s.text_width(text + "…") > width:
        text = text[:-1]
    return text + "…"


def confidence_bars(result: Any, x: float, y: float, width: float = 260.0,
                    bar_height: float = 28.0, *, labels: Iterable[Any] | None = None,
                    colors: Sequence[Sequence[int]] | None = None, gap: float = 6.0,
                    text_size: float | None = None, sketch: Any = None) -> float:
    """Draw one labelled bar per class, as long as its confidence, the answer highlighted.

    Parameters
    ----------
    result : Classification, dict or None
        A classifier's result (its ``confidences``, in class order), a ``{label: value}``
        dict (the highest value above 0 is the answer), or None before the first answer
        (bars drawn empty when ``labels`` is given).
    x, y : float
        Top-left corner of the first bar.
    width, bar_height : float
        Size of each bar.
    labels : iterable, optional
        Which labels, in which order (default: the result's, in class order).
    colors : sequence of (r, g, b), optional
        One colour per bar, in order (default: :data:`PALETTE`).
    gap : float
        Space between bars.
    text_size : float, optional
        Label size (default: 60 % of ``bar_height``).
    sketch : py5 Sketch, optional
        Class mode: the sketch to draw on.

    Returns
    -------
    float
        The y just below the last bar (to place what comes next).

    Example
    -------
    >>> def draw():
    ...     bottom = p5knn.draw.confidence_bars(result, 20, 20)
    ...     py5.text(f"{len(knn)} examples", 20, bottom + 20)
    """
    rows = _confidences(result, labels)
    if not rows:
        return float(y)
    if isinstance(result, Mapping):   # a plain dict: the highest value, if any is above 0
        best = max(rows, key=lambda row: row[1])
        winner = best[0] if best[1] > 0 else None
    else:
        winner = getattr(result, "label", None)
    if getattr(result, "unknown", False):
        winner = None
    palette = colors or PALETTE
    s = _canvas(sketch)
    s.push_style()
    try:
        s.text_size(text_size or max(10.0, bar_height * 0.6))
        radius = min(8.0, bar_height / 3)
        for i, (label, value) in enumerate(rows):
            top = y + i * (bar_height + gap)
            rgb = tuple(palette[i % len(palette)])[:3]
            best = label == winner
            s.no_stroke()
            s.fill(0, 0, 0, 165)
            s.rect(x, top, width, bar_height, radius)
            filled = width * min(1.0, max(0.0, value))
            if filled >= 1 and round(value * 100) > 0:   # what "0%" says: no bar
                s.fill(*rgb, 255 if best else 150)          # as long as the value, no stub
                s.rect(x, top, filled, bar_height, min(radius, filled / 2))
            if best:
                s.no_fill()
                s.stroke(255)
                s.stroke_weight(2)
                s.rect(x, top, width, bar_height, radius)
                s.no_stroke()
            s.fill(255, 255, 255, 255 if best else 215)
            s.text_align(s.LEFT, s.CENTER)
            pad = bar_height * 0.35
            name = str(label)
            percent = f"{value:.0%}"
            name = fit_text(s, name, width - 2 * pad - s.text_width(percent + "  "))
            s.text(name, x + pad, top + bar_height / 2 - 1)
            s.text_align(s.RIGHT, s.CENTER)
            s.text(percent, x + width - pad, top + bar_height / 2 - 1)
    finally:
        s.pop_style()
    return float(y + len(rows) * (bar_height + gap) - gap)


def chip(text: str, x: float, y: float, *, fill: Sequence[int] = (0, 0, 0),
         dot: Sequence[int] | None = None, font: Any = None, sketch: Any = None) -> float:
    """Draw a rounded label (a status "chip") over a picture: white 18-px text on a
    translucent pill, with an optional coloured dot before it (e.g. blinking while recording).

    Parameters
    ----------
    text : str
        What it says.
    x, y : float
        Its top-left corner; it is 36 px high.
    fill : (r, g, b)
        The pill's colour (drawn at alpha 190).
    dot : (r, g, b), optional
        A dot's colour, drawn before the text.
    font : Py5Font, optional
        The font (e.g. a bold one made in ``setup()``); default: the current one.
    sketch : py5 Sketch, optional
        Class mode: the sketch to draw on.

    Returns
    -------
    float
        The chip's width.

    Example
    -------
    >>> p5knn.draw.chip("show me your hand", 16, 16, font=bold)
    """
    s = _canvas(sketch)
    s.push_style()
    try:
        if font is not None:
            s.text_font(font)
        s.text_size(18)
        width = s.text_width(text) + (48 if dot else 28)
        s.no_stroke()
        s.fill(*tuple(fill)[:3], 190)
        s.rect(x, y, width, 36, 18)
        if dot:
            s.fill(*dot)
            s.circle(x + 22, y + 18, 12)
        s.fill(255)
        s.text_align(s.LEFT, s.CENTER)
        s.text(text, x + (38 if dot else 14), y + 17)
    finally:
        s.pop_style()
    return float(width)


def key_cap(key: str, x: float, y: float, size: float = 34, *, width: float | None = None,
            active: bool = False, font: Any = None, sketch: Any = None) -> None:
    """Draw a keyboard key with its letter, red while ``active`` (the key is held).

    Parameters
    ----------
    key : str
        The letter on it.
    x, y : float
        Its top-left corner.
    size : float
        Its side (its height, when ``width`` is given).
    width : float, optional
        A wider key, for a label such as "1–9" or "space".
    active : bool
        Held down: drawn red.
    font : Py5Font, optional
        The font (default: the current one).
    sketch : py5 Sketch, optional
        Class mode: the sketch to draw on.

    Example
    -------
    >>> p5knn.draw.key_cap("r", 660, 178, active=py5.is_key_pressed and py5.key == "r")
    """
    s = _canvas(sketch)
    s.push_style()
    try:
        s.stroke(255, 255, 255, 90)
        s.stroke_weight(1.5)
        s.fill(*((200, 30, 30) if active else (48, 52, 62)))
        wide = size if width is None else width
        s.rect(x, y, wide, size, 6)
        s.no_stroke()
        s.fill(255)
        if font is not None:
            s.text_font(font)
        s.text_size(16)
        s.text_align(s.CENTER, s.CENTER)
        s.text(key, x + wide / 2, y + size / 2 - 2)
    finally:
        s.pop_style()


__all__ = ["BODY", "FACE", "LEFT_HAND", "PALETTE", "RIGHT_HAND", "chip", "confidence_bars",
           "key_cap", "skeleton"]
