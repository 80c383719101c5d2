"""Head files: a saved head loads back as it was, and plain Keras loads it; damaged and
hostile files raise CorruptFileError and leave the head exactly as it was (all-or-nothing
loading); a property-based fuzz of saved head files. Keras trains and loads: slow."""

from __future__ import annotations

import json
import warnings
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import p5knn
from p5knn import Classification, CorruptFileError, FeatureSizeError

pytestmark = pytest.mark.slow
META = "p5knn_head.json"
LABELS = ["cat", "dog", 7]


def _features(rng: np.random.Generator, centre: np.ndarray) -> np.ndarray:
    return (centre + rng.random(1024) * 0.1).astype(np.float32)


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("heads")


@pytest.fixture(scope="module")
def classifier(mobilenet, folder):
    """A small trained classifier (feature vectors in, 8 hidden units, 3 epochs) and its file."""
    rng = np.random.default_rng(0)
    centres = rng.random((3, 1024)) * 2
    head = mobilenet.classification(epochs=3, hidden_units=8, batch_size=8)
    for centre, label in zip(centres, LABELS):
        for _ in range(3):
            head.add_image(_features(rng, centre), label)
    head.train(wait=True)
    path = head.save(folder / "classifier.keras")
    probes = [_features(rng, centre) for centre in centres]
    yield head, path, probes
    head.close()


@pytest.fixture
def fresh(mobilenet, classifier):
    """A new classifier loaded from the trained one's file: each test damages its own head."""
    _, path, probes = classifier
    head = mobilenet.classification().load(path)
    yield head, path, probes
    head.close()


@pytest.fixture(scope="module")
def regressor(mobilenet, folder):
    rng = np.random.default_rng(1)
    head = mobilenet.regression(epochs=3, hidden_units=8, batch_size=8)
    for i in range(4):
        head.add_image(_features(rng, np.full(1024, i / 4)), [i / 4, 1 - i / 4])
    head.train(wait=True)
    path = head.save(folder / "regressor.keras")
    yield head, path, [_features(rng, np.full(1024, 0.5))]
    head.close()


def state(head, probes) -> dict[str, Any]:
    """Everything a load could change (the networks by identity), and what the head answers."""
    answers = [head.classify(p) if hasattr(head, "classify") else head.predict(p) for p in probes]
    return {"labels": getattr(head, "labels", None), "losses": list(head.losses),
            "width": getattr(head, "target_size", None),
            "scalar": getattr(head, "is_scalar", None), "model": head.model,
            "answers": repr(answers)}


def read_members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def write_members(path: Path, members: list[tuple[str, bytes]]) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # duplicate names, on purpose
        with zipfile.ZipFile(path, "w") as archive:
            for name, data in members:
                archive.writestr(name, data)
    return path


def with_meta(src: Path, dst: Path, meta: Any, raw: bytes | None = None) -> Path:
    members = read_members(src)
    members[META] = raw if raw is not None else json.dumps(meta).encode()
    return write_members(dst, list(members.items()))


def assert_refused(head, probes, path: Path, match: str | None = None) -> CorruptFileError:
    before = state(head, probes)
    with pytest.raises(CorruptFileError, match=match) as info:
        head.load(path)
    assert state(head, probes) == before
    return info.value


def keras_head_file(path: Path, meta: dict[str, Any], inputs: int = 1024, outputs: int = 3,
                    activation: str = "softmax", poison: bool = False) -> Path:
    """A head file built with plain Keras, to give load() layouts p5knn never writes."""
    import keras

    model = keras.Sequential([keras.Input((inputs,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(outputs, activation=activation)])
    if poison:
        weights = model.get_weights()
        weights[0][0, 0] = np.nan
        model.set_weights(weights)
    model.save(path)
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr(META, json.dumps(meta))
    return path


def good_meta(head) -> dict[str, Any]:
    return json.loads(read_members(head[1])[META])


# ---------------------------------------------------------------- saving and loading
def test_head_save_and_load_round_trip(mobilenet, views, photos, tmp_path):
    head = mobilenet.classification(epochs=10)
    for name, frames in views.items():
        head.add_image(frames[0], name)
        head.add_image(frames[1], name)
    head.train(wait=True)
    path = head.save(tmp_path / "head.keras")
    loaded = mobilenet.classification().load(path)
    assert loaded.labels == head.labels and loaded.losses == head.losses
    np.testing.assert_allclose([c for _, c in loaded.classify(photos["coffee"]).top()],
                               [c for _, c in head.classify(photos["coffee"]).top()], rtol=1e-5)
    import keras

    assert keras.models.load_model(path, compile=False).output_shape == (None, 3)
    with pytest.raises(p5knn.CorruptFileError, match="regression"):
        mobilenet.regression().load(path)
    junk = tmp_path / "junk.keras"
    junk.write_bytes(b"nope")
    with pytest.raises(p5knn.CorruptFileError):
        mobilenet.classification().load(junk)
    with pytest.raises(ValueError, match=".keras"):
        head.save(tmp_path / "head.h5")


# ---------------------------------------------------------------- 5. metadata, all-or-nothing
def test_a_valid_file_still_loads(classifier, mobilenet):
    head, path, probes = classifier
    loaded = mobilenet.classification().load(path)
    assert loaded.labels == LABELS and loaded.losses == head.losses
    assert repr([loaded.classify(p) for p in probes]) == repr([head.classify(p) for p in probes])


def test_wrong_label_count_leaves_the_head_unchanged(fresh, tmp_path):
    head, path, probes = fresh
    meta = {**good_meta(fresh), "labels": ["a", "b", "c", "d", "e"]}
    assert_refused(head, probes, with_meta(path, tmp_path / "h.keras", meta), "5 labels")


@pytest.mark.parametrize("change", [
    {"labels": "abc"}, {"labels": ["a", "a", "b"]}, {"labels": ["a", None, "b"]},
    {"labels": ["a", True, "b"]}, {"labels": ["a", 1.5, "b"]}, {"labels": ["a", "", "b"]},
    {"labels": ["a", {"x": 1}, "b"]}, {"labels": None}, {"losses": "low"},
    {"losses": [True, 1.0]}, {"losses": {"a": 1}}, {"losses": [10 ** 400]}, {"task": 5},
    {"task": None}, {"format": "something"}, {"format": None}, {"feature_size": "1024"},
    {"feature_size": 1024.0}, {"feature_size": True}, {"model": 5}, {"feature_size": 512},
])
def test_bad_metadata_values(fresh, tmp_path, change):
    head, path, probes = fresh
    meta = {k: v for k, v in {**good_meta(fresh), **change}.items() if v is not None}
    assert_refused(head, probes, with_meta(path, tmp_path / "h.keras", meta))


@pytest.mark.parametrize("meta", [[], "text", 3, None, [{"format": "p5knn-head"}]])
def test_metadata_that_is_not_an_object(fresh, tmp_path, meta):
    head, path, probes = fresh
    assert_refused(head, probes, with_meta(path, tmp_path / "h.keras", meta))


@pytest.mark.parametrize("raw", [b"[" * 100_000 + b"]" * 100_000, b'{"a": ' * 5000 + b"1" +
                                 b"}" * 5000, b"\xff\xfe junk", b"{", b"1" * 5000,
                                 b'{"format": "p5knn-head"' + b" " * 2_000_000 + b"}"])
def test_malformed_metadata_json(fresh, tmp_path, raw):
    head, path, probes = fresh
    assert_refused(head, probes, with_meta(path, tmp_path / "h.keras", None, raw))


def test_metadata_feature_size_must_match_the_network(fresh, tmp_path):
    head, _, probes = fresh
    bad = keras_head_file(tmp_path / "h.keras", good_meta(fresh), inputs=512)
    assert_refused(head, probes, bad)


def test_output_activation_must_be_what_numpy_runs(fresh, tmp_path):
    head, _, probes = fresh
    bad = keras_head_file(tmp_path / "h.keras", good_meta(fresh), activation="sigmoid")
    assert_refused(head, probes, bad, "not a p5knn classification head")


def test_nan_weights_are_refused(fresh, tmp_path):
    head, _, probes = fresh
    bad = keras_head_file(tmp_path / "h.keras", good_meta(fresh), poison=True)
    assert_refused(head, probes, bad, "NaN")


def test_head_of_another_extractor(fresh, tmp_path):
    head, _, probes = fresh
    meta = {**good_meta(fresh), "model": "resnet50", "feature_size": 2048}
    error = assert_refused(head, probes, keras_head_file(tmp_path / "h.keras", meta, inputs=2048))
    assert isinstance(error, FeatureSizeError)  # what load() raised for this before


def test_duplicate_members_are_refused(fresh, tmp_path):
    head, path, probes = fresh
    members = list(read_members(path).items())
    meta = {**good_meta(fresh), "labels": ["x", "y", "z"]}
    bad = write_members(tmp_path / "h.keras", members + [(META, json.dumps(meta).encode())])
    assert_refused(head, probes, bad)


def test_regression_metadata(regressor, tmp_path):
    head, path, probes = regressor
    meta = json.loads(read_members(path)[META])
    for change in ({"width": 3}, {"width": "2"}, {"scalar": "no"}, {"scalar": True},
                   {"task": "classification"}):
        bad = with_meta(path, tmp_path / "r.keras", {**meta, **change})
        assert_refused(head, probes, bad)
    assert isinstance(head.load(path).predict(probes[0]), np.ndarray)


def test_directories_and_missing_files(fresh, tmp_path):
    head, _, probes = fresh
    (tmp_path / "dir.keras").mkdir()
    assert_refused(head, probes, tmp_path / "dir.keras", "directory")
    with pytest.raises(FileNotFoundError):
        head.load(tmp_path / "missing.keras")


# ---------------------------------------------------------------- 7c. fuzzed head files
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=12)
META_KEYS = ["format", "task", "model", "feature_size", "losses", "labels"]


@st.composite
def mutations(draw) -> tuple[str, Any]:
    kind = draw(st.sampled_from(["flip", "truncate", "meta_value", "meta_field", "deep",
                                 "drop", "config_field"]))
    if kind == "flip":
        return kind, draw(st.lists(st.tuples(st.floats(0, 1, exclude_max=True),
                                             st.integers(0, 7)), min_size=1, max_size=3))
    if kind == "truncate":
        return kind, draw(st.floats(0, 1, exclude_max=True))
    if kind == "meta_value":
        return kind, draw(json_values)
    if kind == "meta_field":
        return kind, (draw(st.sampled_from(META_KEYS)), draw(json_values))
    if kind == "deep":
        return kind, draw(st.integers(30, 3000))
    if kind == "drop":
        return kind, draw(st.sampled_from([META, "config.json", "model.weights.h5",
                                           "metadata.json"]))
    return kind, (draw(st.sampled_from(["units", "activation", "batch_shape", "class_name",
                                        "module", "registered_name", "use_bias"])),
                  draw(st.integers(0, 2)), draw(json_values))


def mutate(src: Path, dst: Path, kind: str, arg: Any) -> Path:
    data = bytearray(src.read_bytes())
    if kind == "flip":
        for where, bit in arg:
            data[int(where * len(data))] ^= 1 << bit
        dst.write_bytes(bytes(data))
        return dst
    if kind == "truncate":
        dst.write_bytes(bytes(data[:int(arg * len(data))]))
        return dst
    members = read_members(src)
    meta = json.loads(members[META])
    if kind == "meta_value":
        members[META] = json.dumps(arg).encode()
    elif kind == "meta_field":
        members[META] = json.dumps({**meta, arg[0]: arg[1]}).encode()
    elif kind == "deep":
        members[META] = json.dumps(meta)[:-1].encode() + b', "x": ' + b"[" * arg + b"]" * arg + b"}"
    elif kind == "drop":
        del members[arg]
    else:
        key, layer, value = arg
        config = json.loads(members["config.json"])
        target = config["config"]["layers"][layer]
        (target if key in ("class_name", "module", "registered_name") else target["config"])[
            key] = value
        members["config.json"] = json.dumps(config).encode()
    return write_members(dst, list(members.items()))


@settings(max_examples=100, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(change=mutations())
def test_fuzz_head_files(classifier, folder, change):
    head, path, probes = classifier
    before = state(head, probes)
    bad = mutate(path, folder / "fuzzed.keras", *change)
    try:
        head.load(bad)
    except CorruptFileError:
        assert state(head, probes) == before
    else:  # a harmless change: the head must still work; put the original back
        assert isinstance(head.classify(probes[0]), Classification)
        head.load(path)
        after = state(head, probes)
        assert [after[k] for k in ("labels", "losses", "answers")] == \
            [before[k] for k in ("labels", "losses", "answers")]
