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


# ------------------------------------------------------------------ keypoints (issue 12)

@pytest.fixture(scope="module")
def hands():
    import p5knn

    extractor = p5knn.feature_extractor("hands")
    yield extractor
    extractor.close()


def test_knn_on_hand_keypoints_of_real_photos(hand_set, hands):
    paths, labels = load_folder(hand_set)
    PER_CLASS = labels.count("hand")
    assert labels.count("none") == PER_CLASS >= 12
    data = evaluation.Dataset(paths, labels, hands, progress=False)
    assert data.features().shape == (2 * PER_CLASS, 129)
    # every photo of a hand has it found, no photo without one has one
    assert data.not_found_by_class() == {"hand": [0, PER_CLASS], "none": [PER_CLASS, PER_CLASS]}
    pixels, knn = evaluation.compare(data, ["pixels", "knn"], test_size=0.3, seed=0, k=1)
    assert knn.model == "hands" and knn.not_found == data.not_found_by_class()
    assert knn.accuracy >= 0.9 and knn.n_test == 2 * round(0.3 * PER_CLASS)
    assert knn.to_dict()["not_found"]["none"] == [PER_CLASS, PER_CLASS]
    # a flipped photo is a left hand (the vector's other slot): a few shots miss some
    table = evaluation.few_shot(data, shots=(1, 5), repeats=2, methods=("knn",))
    assert table["knn"][5][0] >= 0.85 and table["knn"][5][0] >= table["knn"][1][0]
    # the Python API takes the model's name too
    again = evaluation.evaluate("knn", paths, labels, test_size=0.3, extractor="hands", k=1)
    assert again.accuracy == knn.accuracy


def test_images_with_nobody_are_counted_and_still_evaluated(covered_hand_set, hands):
    paths, labels = load_folder(covered_hand_set)
    COVERED = sum("covered" in p.name for p in paths)
    PER_CLASS = labels.count("none")
    assert COVERED and labels.count("hand") == PER_CLASS + COVERED
    data = evaluation.Dataset(paths, labels, hands, progress=False)
    counts = data.not_found_by_class()
    assert counts == {"hand": [COVERED, PER_CLASS + COVERED], "none": [PER_CLASS, PER_CLASS]}
    result = evaluation.compare(data, ["knn"], test_size=0.3, seed=1, k=1)[0]
    assert result.n_test + result.n_train == len(paths)   # nobody is left out
    missing = data.not_found()
    assert [p.name for p, m in zip(paths, missing) if m and "covered" in p.name] == \
        [f"covered_{i}.png" for i in range(COVERED)]
    for item in result.misclassified:   # each says whether a hand was found in it
        assert item["found"] is not bool(missing[item["index"]])
    assert report.not_found_lines(counts, "hands") == [
        f"{COVERED} of {PER_CLASS + COVERED} images in 'hand': no hand found",
        f"{PER_CLASS} of {PER_CLASS} images in 'none': no hand found"]


def test_mobilenet_only_methods_are_refused_for_keypoints(hand_set, hands):
    paths, labels = load_folder(hand_set)
    data = evaluation.Dataset(paths, labels, hands, progress=False)
    for method in ("scratch", "fine-tune"):
        with pytest.raises(ValueError, match="does not apply to hands keypoints"):
            evaluation.compare(data, [method])
    assert evaluation.default_methods(data) == ("pixels", "knn", "head")
    assert data._features is None   # refused before any work


@pytest.mark.slow
def test_a_head_trains_on_keypoint_vectors(hand_set, hands):
    paths, labels = load_folder(hand_set)
    data = evaluation.Dataset(paths, labels, hands, progress=False)
    head = evaluation.compare(data, ["head"], test_size=0.3, seed=0, epochs=30)[0]
    assert head.accuracy >= 0.9 and head.not_found is not None
