"""Held-out evaluation on real drawings and photos, its reports and the CLI around it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import p5knn
from p5knn.tools import _datasets as datasets
from p5knn.tools import _evaluation as evaluation
from p5knn.tools import _report as report

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


@needs_data
def test_compare_on_openclipart(clipart, mobilenet, tmp_path):
    paths, labels = datasets.load_folder(clipart)
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
    doc = json.loads((tmp_path / "report" / "report.json").read_text())
    assert [r["method"] for r in doc["results"]] == ["pixels", "knn", "head", "scratch",
                                                     "fine-tune"]
    assert "| knn |" in report.table(results)


@needs_data
def test_few_shot_curve(clipart, mobilenet):
    paths, labels = datasets.load_folder(clipart)
    data = evaluation.Dataset(paths, labels, mobilenet, progress=False)
    table = evaluation.few_shot(data, shots=(1, 5), repeats=2, methods=("pixels", "knn"))
    for method in ("pixels", "knn"):
        for n in (1, 5):
            mean, sd = table[method][n]
            assert 0 <= mean <= 1 and sd >= 0


@needs_data
def test_photo_vs_drawing_set(tmp_path):
    folder = datasets.photo_vs_drawing(tmp_path / "pvd")
    paths, labels = datasets.load_folder(folder)
    assert labels.count("photo") == labels.count("drawing") >= 20


def test_evaluate_on_scikit_image_photos(mobilenet, photos):
    images = [photos["chelsea"], photos["coffee"]] * 3
    crops = [img[i * 10:, i * 10:] for i, img in enumerate(images)]
    result = evaluation.evaluate("knn", crops, ["cat", "coffee"] * 3, test_size=0.34, k=1,
                                 extractor=mobilenet)
    assert result.accuracy == 1.0 and result.n_test == 2
    with pytest.raises(ValueError, match="method"):
        evaluation.evaluate("magic", crops, ["cat", "coffee"] * 3, extractor=mobilenet)


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "p5knn", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=600)


@needs_data
def test_cli_eval_add_predict(clipart, tmp_path):
    out = cli("eval", str(clipart), "--compare", "--epochs", "10", "--scratch-epochs", "1",
              "--shots", "1", "3", "--repeats", "2", "--out", str(tmp_path / "rep"), "--quiet",
              cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "| knn |" in out.stdout and "few-shot accuracy" in out.stdout
    doc = json.loads((tmp_path / "rep" / "report.json").read_text())
    assert set(doc["few_shot"]) == {"pixels", "knn", "head"}
    assert (tmp_path / "rep" / "report_scratch.png").exists()
    out = cli("add", str(clipart), "--out", str(tmp_path / "m.p5knn"), "--quiet", cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "saved 36 examples" in out.stdout
    some = sorted((clipart / "animals").iterdir())[0]
    out = cli("predict", str(tmp_path / "m.p5knn"), str(some), "--k", "1", "--json",
              cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-3000:]
    assert json.loads(out.stdout)[0]["label"] == "animals"  # its own example is nearest
    out = cli("eval", str(tmp_path / "missing"), cwd=tmp_path)
    assert out.returncode != 0 and "not found" in out.stderr


def test_huge_images_are_refused_clearly(tmp_path, monkeypatch):
    import cv2

    from p5knn.features import _images as images

    path = tmp_path / "big.png"
    cv2.imwrite(str(path), np.zeros((300, 400, 3), np.uint8))
    monkeypatch.setattr(images, "MAX_PIXELS", 100_000)
    with pytest.raises(p5knn.ImageError, match="400×300"):
        images.read_image_file(path)
