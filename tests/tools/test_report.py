"""Evaluation reports (p5knn/tools/_report.py): a PNG per method (confusion matrix and the
misclassified images) and a JSON summary; a Markdown table. (Private module: see
test_evaluation.py.)"""

from __future__ import annotations

import json

import cv2
import numpy as np

from p5knn.tools import _evaluation as evaluation
from p5knn.tools import _report as report


def test_report_files_and_table(photos, tmp_path):
    images = [photos["chelsea"], photos["coffee"], photos["rocket"], photos["astronaut"]]
    knn = evaluation.score("knn", ["cat", "thing"], ["cat", "cat", "thing", "thing"],
                           ["cat", "thing", "thing", "thing"], [0.9, 0.6, 0.8, 0.7],
                           [0, 1, 2, 3], images, 8, 0.5)
    perfect = evaluation.score("pixels", ["cat", "thing"], ["cat", "thing"], ["cat", "thing"],
                               [1.0, 1.0], [0, 2], images, 8, 0.1)
    written = report.write([knn, perfect], images, tmp_path / "rep", extra={"note": "test"})
    assert [p.name for p in written] == ["report_knn.png", "report_pixels.png", "report.json"]
    picture = cv2.imread(str(written[0]))
    assert picture is not None and picture.shape[0] > 100 and picture.std() > 5
    doc = json.loads(written[-1].read_text())
    assert doc["note"] == "test" and [r["method"] for r in doc["results"]] == ["knn", "pixels"]
    assert doc["results"][0]["confusion"] == [[1, 1], [0, 2]]
    assert doc["results"][0]["misclassified"][0]["predicted"] == "thing"
    table = report.table([knn, perfect])
    assert "| knn | 75.0% |" in table and "| pixels | 100.0% |" in table
    assert table.count("\n") == 3


def test_a_confusion_image_has_a_cell_per_pair():
    r = evaluation.score("knn", ["a", "b", "c"], list("abcabc"), list("abcaba"),
                         [1.0] * 6, list(range(6)), [np.zeros((8, 8, 3), np.uint8)] * 6, 6, 0)
    image = report.confusion_image(r)
    assert image.ndim == 3 and image.shape[2] == 3 and image.dtype == np.uint8


def test_keypoint_reports_say_where_nobody_was_found():
    labels = ["a sign with a rather long name", "none"]
    images = [np.full((40, 40, 3), 200, np.uint8)] * 4
    r = evaluation.score("knn", labels, [labels[0], labels[0], "none", "none"],
                         [labels[0], "none", "none", "none"], [1.0] * 4, [0, 1, 2, 3], images,
                         8, 0.0)
    r.model, r.not_found = "hands", {labels[0]: [1, 6], "none": [6, 6]}
    r.misclassified[0]["found"] = False
    lines = report.not_found_lines(r.not_found, "hands")
    assert lines == ["1 of 6 images in 'a sign with a rather long name': no hand found",
                     "6 of 6 images in 'none': no hand found"]
    assert report.not_found_lines({"x": [0, 3]}, "face") == ["face: found in every image (3)"]
    assert report.not_found_lines(None, "mobilenet") == []
    plain = report.report_image(evaluation.score("knn", labels, labels, labels, [1.0] * 2,
                                                 [0, 1], images, 2, 0.0), images)
    picture = report.report_image(r, images)
    assert picture.shape[1] >= plain.shape[1] and picture.shape[0] > plain.shape[0] + 40
    # the title is never cut: its width is measured
    title = "knn: accuracy 50.0% on 4 test images (8 for training)"
    assert picture.shape[1] >= cv2.getTextSize(title, report.FONT, 0.65, 2)[0][0] + 20
    red = (picture[:, :, 2] > 150) & (picture[:, :, 0] < 60) & (picture[:, :, 1] < 60)
    assert red.sum() > 200   # the notes and the "no hand" band are drawn in red
