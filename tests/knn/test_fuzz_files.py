"""Property-based fuzzing of every classifier-file loader (issue 10, part 7): native files,
ml5 JSON and the vector index beside a file. Whatever the bytes, loading gives a result or a
``CorruptFileError`` (an index: a warning and a rebuild), never a crash, a hang or another
exception, and a failed load leaves the classifier as it was. Fixed budgets keep CI fast."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import p5knn
from p5knn.knn import _index as vector_index
from p5knn._base.errors import CorruptFileError

FUZZ = settings(max_examples=120, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


def rows(n: int, dim: int = 12, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)


def state(knn) -> tuple:
    return (knn.labels, knn.get_count_by_label(), knn.options,
            [knn.get_example(i)[0].tobytes() for i in range(len(knn))])


@pytest.fixture(scope="module")
def victim():
    knn = p5knn.knn_classifier.create()
    knn.add_examples(rows(9, seed=4), ["x", "y", "z"] * 3)
    return knn


@pytest.fixture(scope="module")
def native(tmp_path_factory):
    folder = tmp_path_factory.mktemp("native")
    knn = p5knn.knn_classifier.create(thumbnails=True)
    knn.add_examples(rows(6), ["a", "b", 3, "a", "b", 3])
    return knn.save(folder / "good.p5knn").read_bytes()


@pytest.fixture(scope="module")
def ml5_doc(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ml5")
    knn = p5knn.knn_classifier.create()
    knn.add_examples(rows(4, dim=3), ["a", "b", "a", "c"])
    return json.loads(knn.save(folder / "good.json").read_text())


def expect_clean_failure_or_load(path, knn):
    """Load ``path`` into ``knn``: success, or CorruptFileError with ``knn`` unchanged."""
    before = state(knn)
    try:
        knn.load(path)
    except CorruptFileError:
        assert state(knn) == before
        return False
    return True


mutations = st.lists(st.tuples(st.sampled_from(["flip", "set", "cut", "insert"]),
                               st.integers(0, 10**9), st.integers(0, 255)),
                     min_size=1, max_size=6)


def mutate(blob: bytes, edits) -> bytes:
    data = bytearray(blob)
    for kind, where, value in edits:
        if not data:
            break
        pos = where % len(data)
        if kind == "flip":
            data[pos] ^= 1 << (value % 8)
        elif kind == "set":
            data[pos] = value
        elif kind == "cut":
            del data[pos:]
        else:
            data[pos:pos] = bytes([value]) * (1 + value % 16)
    return bytes(data)


@FUZZ
@given(edits=mutations)
def test_fuzz_native_files(tmp_path, native, victim, edits):
    path = tmp_path / "fuzz.p5knn"
    path.write_bytes(mutate(native, edits))
    knn = p5knn.knn_classifier.create()
    knn.add_examples(rows(9, seed=4), ["x", "y", "z"] * 3)
    if expect_clean_failure_or_load(path, knn):
        assert knn.predict_class(rows(1, seed=7)[0]).label in knn.labels


@FUZZ
@given(blob=st.binary(max_size=600))
def test_fuzz_native_random_bytes(tmp_path, victim, blob):
    path = tmp_path / "rand.p5knn"
    path.write_bytes(b"PK" + blob)
    assert not expect_clean_failure_or_load(path, victim)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=False)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=5), inner,
                                                                  max_size=5),
    max_leaves=25)


def paths_of(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths_of(item, prefix + (key,))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from paths_of(item, prefix + (i,))


@FUZZ
@given(data=st.data())
def test_fuzz_ml5_files(tmp_path, ml5_doc, data):
    doc = json.loads(json.dumps(ml5_doc))
    spots = list(paths_of(doc))
    for _ in range(data.draw(st.integers(1, 3))):
        spot = data.draw(st.sampled_from(spots))
        replacement = data.draw(json_values)
        if not spot:
            doc = replacement
            break
        parent = doc
        try:
            for key in spot[:-1]:
                parent = parent[key]
            parent[spot[-1]] = replacement
        except (KeyError, IndexError, TypeError):
            continue
    path = tmp_path / "fuzz.json"
    path.write_text(json.dumps(doc))
    knn = p5knn.knn_classifier.create()
    knn.add_examples(rows(9, seed=4), ["x", "y", "z"] * 3)
    if expect_clean_failure_or_load(path, knn):
        assert len(knn) > 0 and knn.feature_size >= 1


@FUZZ
@given(text=st.text(max_size=300))
def test_fuzz_ml5_random_text(tmp_path, victim, text):
    path = tmp_path / "rand.json"
    path.write_text("{" + text, encoding="utf-8", errors="surrogatepass") if "\ud800" not in text \
        else path.write_bytes(b"{")
    assert not expect_clean_failure_or_load(path, victim)


@pytest.fixture(scope="module")
def indexed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("indexed")
    knn = p5knn.knn_classifier.create(index_threshold=300)
    knn.add_examples(rows(400, dim=16, seed=2), [i % 4 for i in range(400)])
    assert knn.wait_for_index(120)
    path = knn.save(folder / "big.p5knn")
    (index_path,) = folder.glob("*.usearch")
    return path, index_path, index_path.read_bytes()


@pytest.mark.skipif(not vector_index.available(), reason="usearch not installed")
@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=mutations)
def test_fuzz_index_files(indexed, edits):
    path, index_path, good = indexed
    bad = mutate(good, edits)
    index_path.write_bytes(bad)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            knn = p5knn.knn_classifier.load(path, index_threshold=300)
        if bad != good:    # never adopted: rebuilt instead (it may already be done)
            assert knn.index_state in ("building", "ready")
            assert any("does not fit" in str(w.message) for w in caught)
        query = rows(1, dim=16, seed=11)[0]
        exact = knn.predict_class(query, k=3, exact=True)
        assert knn.wait_for_index(120)
        assert knn.predict_class(query, k=3, exact=True) == exact
        assert knn.predict_class(query, k=3).label in knn.labels
    finally:
        index_path.write_bytes(good)
