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
