"""Held-out evaluation (p5knn/tools/_evaluation.py) on real photos and drawings: splits,
scores, the comparison of methods and the few-shot curve.

The tools' evaluation, report and dataset modules have no public names (users reach them
through ``p5knn eval``): these tests import the private modules."""

from __future__ import annotations

import json

import numpy as np
import pytest

from p5knn.tools import _datasets as datasets
from p5knn.tools import _evaluation as evaluation
from p5knn.tools import _report as report
from p5knn.training import load_folder

needs_data = pytest.mark.skipif(
    not (datasets.OPENCLIPART.is_dir() and datasets.MATE_PHOTOS.is_dir()),
    reason="needs Debian's openclipart-png and mate-backgrounds (.ci/run installs them)")


@pytest.fixture(scope="module")
def clipart(tmp_path_factory):
    if not datasets.OPENCLIPART.is_dir():
        pytest.skip("needs Debian's openclipart-png (.ci/run installs it)")
    return datasets.openclipart(tmp_path_factory.mktemp("clipart"),
                                categories=("animals", "transportation", "food"), per_class=12)


def test_stratified_split_keeps_every_class_on_both_sides():
    labels = ["a"] * 10 + ["b"] * 4 + ["c"] * 2
    train, test = evaluation.stratified_split(labels, 0.25, seed=3)
    assert len(set(train) & set(test)) == 0 and len(train) + len(test) == 16
    for label in "abc":
        assert any(labels[i] == label for i in train) and any(labels[i] == label for i in test)
    again = evaluation.stratified_split(labels, 0.25, seed=3)
    assert [list(a) for a in again] == [list(train), list(test)]
    with pytest.raises(ValueError, match="at least 2"):
        evaluation.stratified_split(["a", "a", "b"], 0.5)
    train, test = evaluation.shots_split(labels, 1, seed=0)
    assert sorted(labels[i] for i in train) == ["a", "b", "c"]


def test_score_numbers_are_consistent():
    r = evaluation.score("x", ["a", "b"], ["a", "a", "b", "b"], ["a", "b", "b", "b"],
                         [0.9, 0.6, 0.8, 0.7], [0, 1, 2, 3], ["i0", "i1", "i2", "i3"], 4, 0.1)
    assert r.accuracy == 0.75
    assert r.confusion.tolist() == [[1, 1], [0, 2]]
    assert r.precision == {"a": 1.0, "b": pytest.approx(2 / 3)}
    assert r.recall == {"a": 0.5, "b": 1.0}
    assert r.misclassified == [{"index": 1, "image": "i1", "true": "a", "predicted": "b",
                                "confidence": 0.6}]


def test_evaluate_on_scikit_image_photos(mobilenet, photos):
    images = [photos["chelsea"], photos["coffee"]] * 3
    crops = [img[i * 10:, i * 10:] for i, img in enumerate(images)]
    result = evaluation.evaluate("knn", crops, ["cat", "coffee"] * 3, test_size=0.34, k=1,
                                 extractor=mobilenet)
    assert result.accuracy == 1.0 and result.n_test == 2
    with pytest.raises(ValueError, match="method"):
        evaluation.evaluate("magic", crops, ["cat", "coffee"] * 3, extractor=mobilenet)


@pytest.mark.slow
@needs_data
def test_compare_on_openclipart(clipart, mobilenet, tmp_path):
    paths, labels = load_folder(clipart)
    data = evaluation.Dataset(paths, labels, mobilenet, progress=False)
    results = evaluation.compare(data, ["pixels", "knn", "head", "scratch", "fine-tune"],
                                 test_size=0.25, seed=0, epochs=20, scratch_epochs=1,
                                 fine_tune_epochs=1)
    by = {r.method: r for r in results}
    for r in results:
        assert r.confusion.sum() == r.n_test == 9 and r.n_train == 27
        assert r.accuracy == pytest.approx(np.trace(r.confusion) / 9)
        assert len(r.misclassified) == 9 - np.trace(r.confusion)
    assert by["knn"].accuracy > 1 / 3  # better than chance on real drawings
    written = report.write(results, paths, tmp_path / "report")
    assert (tmp_path / "report" / "report_knn.png").stat().st_size > 5000
    assert written[-1] == tmp_path / "report" / "report.json"
    doc = json.loads((tmp_path / "report" / "report.json").read_text())
    assert [r["method"] for r in doc["results"]] == ["pixels", "knn", "head", "scratch",
                                                     "fine-tune"]
    assert "| knn |" in report.table(results)


@needs_data
def test_few_shot_curve(clipart, mobilenet):
    paths, labels = load_folder(clipart)
    data = evaluation.Dataset(paths, labels, mobilenet, progress=False)
    table = evaluation.few_shot(data, shots=(1, 5), repeats=2, methods=("pixels", "knn"))
    for method in ("pixels", "knn"):
        for n in (1, 5):
            mean, sd = table[method][n]
            assert 0 <= mean <= 1 and sd >= 0
