"""Evaluation reports: a PNG (confusion matrix and the misclassified images) and a JSON of
the numbers, drawn with OpenCV (no plotting dependency). With keypoint features the PNG also
says, per class, in how many images nobody was found, and marks such misclassified images."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Sequence

import cv2
import numpy as np

from p5knn.features import _images as imgs
from p5knn.tools._evaluation import NOT_FOUND, EvalResult

FONT = cv2.FONT_HERSHEY_SIMPLEX
THUMB = 96


def _text(canvas: np.ndarray, text: str, xy: tuple[int, int], scale: float = 0.5,
          colour: tuple[int, int, int] = (30, 30, 30), thick: int = 1) -> None:
    ascii_text = text.encode("ascii", "replace").decode()
    cv2.putText(canvas, ascii_text, xy, FONT, scale, colour, thick, cv2.LINE_AA)


def confusion_image(result: EvalResult) -> np.ndarray:
    """The confusion matrix as a BGR image: rows true labels, columns predictions."""
    labels = result.labels
    n = len(labels)
    cell = max(28, min(60, 600 // max(n, 1)))
    longest = max([cv2.getTextSize(label[:16], FONT, 0.4, 1)[0][0] for label in labels] or [0])
    span = min(140, max(60, longest + 8))  # room for the rotated column labels
    left, top = 150, span + 10
    canvas = np.full((top + n * cell + 20, left + n * cell + 20, 3), 255, np.uint8)
    counts = result.confusion
    peak = max(int(counts.max()), 1)
    for r in range(n):
        for c in range(n):
            v = int(counts[r, c])
            shade = int(255 - 200 * v / peak)
            colour = (shade, shade, 255) if r != c else (shade, 255, shade)
            if v == 0:
                colour = (250, 250, 250)
            x, y = left + c * cell, top + r * cell
            cv2.rectangle(canvas, (x, y), (x + cell, y + cell), colour, -1)
            cv2.rectangle(canvas, (x, y), (x + cell, y + cell), (200, 200, 200), 1)
            if v:
                _text(canvas, str(v), (x + 4, y + cell // 2 + 5), 0.45)
        _text(canvas, f"{labels[r][:16]} ({result.recall[labels[r]]:.0%})",
              (4, top + r * cell + cell // 2 + 5), 0.4)
    for c in range(n):
        x = left + c * cell + cell // 2
        label = np.full((20, span, 3), 255, np.uint8)
        _text(label, labels[c][:16], (2, 15), 0.4)
        rotated = cv2.rotate(label, cv2.ROTATE_90_COUNTERCLOCKWISE)
        canvas[top - span - 5:top - 5, x - 10:x + 10] = np.minimum(
            canvas[top - span - 5:top - 5, x - 10:x + 10], rotated)
    _text(canvas, "true \\ predicted", (4, top - 10), 0.4, (120, 120, 120))
    return canvas


def not_found_lines(not_found: dict[str, list[int]] | None, model: str) -> list[str]:
    """One line per class where a keypoint model found nobody in some images.

    Parameters
    ----------
    not_found : dict or None
        ``{label: [images where nobody was found, images]}`` (``EvalResult.not_found``).
    model : str
        ``"hands"``, ``"pose"`` or ``"face"``.

    Returns
    -------
    list of str
        E.g. ``"12 of 40 images in 'rock': no hand found"``; one line saying every image had
        one when none is missing; [] for MobileNet (``not_found`` None).

    Example
    -------
    >>> not_found_lines({"rock": [12, 40], "paper": [0, 40]}, "hands")
    ["12 of 40 images in 'rock': no hand found"]
    """
    if not not_found:
        return []
    what = NOT_FOUND.get(model, "nobody found")
    lines = [f"{missing} of {total} images in {label!r}: {what}"
             for label, (missing, total) in not_found.items() if missing]
    return lines or [f"{model}: found in every image ({sum(t for _, t in not_found.values())})"]


def _notes_image(lines: Sequence[str], width: int, scale: float = 0.45) -> np.ndarray:
    """``lines`` as a white strip ``width`` pixels wide, long lines wrapped at spaces."""
    def fits(text: str) -> bool:
        return cv2.getTextSize(text, FONT, scale, 1)[0][0] <= width - 20

    wrapped: list[str] = []
    for line in lines:
        words, current = line.split(" "), ""
        for word in words:
            joined = f"{current} {word}" if current else word
            if current and not fits(joined):
                wrapped.append(current)
                joined = "    " + word
            current = joined
        wrapped.append(current)
    canvas = np.full((len(wrapped) * 20 + 10, width, 3), 255, np.uint8)
    for i, line in enumerate(wrapped):
        _text(canvas, line, (10, 20 + i * 20), scale, (0, 0, 170))
    return canvas


def misclassified_grid(result: EvalResult, images_: Sequence[Any], limit: int = 24,
                       columns: int = 6) -> np.ndarray:
    """Thumbnails of misclassified test images captioned ``true > predicted``."""
    wrong = result.misclassified[:limit]
    rows = max(1, (len(wrong) + columns - 1) // columns)
    canvas = np.full((rows * (THUMB + 34) + 10, columns * (THUMB + 10) + 10, 3), 255, np.uint8)
    if not wrong:
        _text(canvas, "no misclassified images", (10, 40), 0.6)
    for i, item in enumerate(wrong):
        r, c = divmod(i, columns)
        x, y = 10 + c * (THUMB + 10), 10 + r * (THUMB + 34)
        try:
            thumb = imgs.thumbnail(images_[item["index"]], THUMB)
            canvas[y:y + THUMB, x:x + THUMB] = cv2.cvtColor(thumb, cv2.COLOR_RGB2BGR)
        except Exception:  # noqa: BLE001 - an unreadable image still gets its caption
            cv2.rectangle(canvas, (x, y), (x + THUMB, y + THUMB), (0, 0, 200), 1)
        if item.get("found") is False:  # a keypoint model found nobody in it
            cv2.rectangle(canvas, (x, y + THUMB - 16), (x + THUMB, y + THUMB), (0, 0, 190), -1)
            _text(canvas, NOT_FOUND.get(result.model, "nobody found").replace(" found", ""),
                  (x + 3, y + THUMB - 4), 0.38, (255, 255, 255))
        _text(canvas, item["true"][:14], (x, y + THUMB + 13), 0.38, (0, 120, 0))
        _text(canvas, "> " + item["predicted"][:12], (x, y + THUMB + 27), 0.38, (0, 0, 190))
    return canvas


def report_image(result: EvalResult, images_: Sequence[Any]) -> np.ndarray:
    """Title, the keypoint notes (classes where nobody was found), confusion matrix and
    misclassified grid stacked into one BGR image.

    Example
    -------
    >>> cv2.imwrite("report_knn.png", report_image(result, paths))
    True
    """
    title_text = f"{result.method}: accuracy {result.accuracy:.1%} on {result.n_test} test " \
                 f"images ({result.n_train} for training)"
    keypoints = " keypoints" if result.not_found is not None else ""
    features = "features: raw 32x32 pixels (no network)" if result.method == "pixels" else \
        f"features: {result.model}{keypoints}" if result.model else ""
    parts = [confusion_image(result), misclassified_grid(result, images_)]
    title_width = cv2.getTextSize(title_text, FONT, 0.65, 2)[0][0]
    width = max(max(p.shape[1] for p in parts), 20 + title_width)
    title = np.full((50 if not features else 72, width, 3), 255, np.uint8)
    _text(title, title_text, (10, 32), 0.65, thick=2)
    if features:
        _text(title, features, (10, 60), 0.45, (90, 90, 90))
    notes = not_found_lines(result.not_found, result.model)
    if notes:
        parts.insert(0, _notes_image(notes, width))
    padded = [np.pad(p, ((0, 0), (0, width - p.shape[1]), (0, 0)), constant_values=255)
              for p in [title, *parts]]
    return np.vstack(padded)


def write(results: Sequence[EvalResult], images_: Sequence[Any], out: str | Path,
          extra: dict[str, Any] | None = None) -> list[Path]:
    """Write ``report_<method>.png`` for each result and ``report.json``; return the paths.

    Example
    -------
    >>> write(results, paths, "p5knn_eval", {"folder": "signs"})[-1].name
    'report.json'
    """
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for result in results:
        path = folder / f"report_{result.method}.png"
        if not cv2.imwrite(str(path), report_image(result, images_)):
            raise OSError(f"cannot write {path}")
        written.append(path)
    summary = {"results": [r.to_dict() for r in results], **(extra or {})}
    json_path = folder / "report.json"
    json_path.write_text(json.dumps(summary, indent=2, default=str))
    written.append(json_path)
    return written


def table(results: Sequence[EvalResult]) -> str:
    """A Markdown table of the results."""
    lines = ["| method | accuracy | mean precision | mean recall | train | test | seconds |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        lines.append(f"| {r.method} | {r.accuracy:.1%} | {np.mean(list(r.precision.values())):.1%}"
                     f" | {np.mean(list(r.recall.values())):.1%} | {r.n_train} | {r.n_test} |"
                     f" {r.seconds:.1f} |")
    return "\n".join(lines)
