"""Hostile and damaged classifier files, index files and vectors: a clear p5knn error (or a
warning and a rebuild), the classifier unchanged, the process alive (issue 10, parts 1 and 3–6)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
import zipfile

import numpy as np
import pytest

import p5knn
from p5knn.knn import _files as storage
from p5knn.knn import _index as vector_index
from p5knn._base.errors import CorruptFileError, FeatureSizeError, FileKindError

DIM = 32
needs_usearch = pytest.mark.skipif(not vector_index.available(), reason="usearch not installed")


def clustered(n: int, seed: int = 0, dim: int = DIM) -> np.ndarray:
    rng = np.random.default_rng(seed)
    middle = rng.normal(size=(30, dim)).astype(np.float32)
    return middle[rng.integers(0, 30, n)] + 0.6 * rng.normal(size=(n, dim)).astype(np.float32)


def filled(n: int, seed: int = 0, **options) -> p5knn.KNNClassifier:
    knn = p5knn.knn_classifier.create(k=5, **options)
    knn.add_examples(clustered(n, seed), [f"c{i % 5}" for i in range(n)])
    return knn


def state(knn) -> tuple:
    return (knn.labels, knn.get_count_by_label(), len(knn), knn.options,
            [knn.get_example(i)[0].tobytes() for i in range(len(knn))])


def agrees_with_exact(knn, seed=5, queries=15) -> float:
    """Share of the index's neighbours that exact search also finds."""
    exact = p5knn.knn_classifier.create(k=5, index_threshold=None)
    rows = np.stack([knn.get_example(i)[0] for i in range(len(knn))])
    exact.add_examples(rows, [knn.get_example(i)[1] for i in range(len(knn))])
    hits = total = 0
    for q in clustered(queries, seed):
        got = {n.index for n in knn.predict_class(q).neighbors}
        want = {n.index for n in exact.predict_class(q).neighbors}
        hits, total = hits + len(got & want), total + len(want)
    return hits / total


# ------------------------------------------------------------------- 1. the index file

@pytest.fixture(scope="module")
def saved_big(tmp_path_factory):
    folder = tmp_path_factory.mktemp("big")
    knn = filled(2500, index_threshold=2000)
    assert knn.wait_for_index(120)
    path = knn.save(folder / "big.p5knn")
    (index_path,) = folder.glob("*.usearch")
    return path, index_path, index_path.read_bytes()


@needs_usearch
def test_a_damaged_index_of_the_same_size_is_never_parsed(saved_big):
    path, index_path, good = saved_big
    rng = np.random.default_rng(0)
    try:
        for trial in range(5):  # a few changed bytes in the graph, same size
            bad = bytearray(good)
            for pos in rng.integers(64, len(good), 8):
                bad[pos] ^= 0xFF
            index_path.write_bytes(bytes(bad))
            with pytest.warns(RuntimeWarning, match="SHA-256"):
                knn = p5knn.knn_classifier.load(path, index_threshold=2000)
            assert knn.wait_for_index(120) and agrees_with_exact(knn) >= 0.95
    finally:
        index_path.write_bytes(good)


@needs_usearch
def test_another_classifiers_index_of_the_same_size_is_refused(tmp_path):
    a = filled(2500, seed=0, index_threshold=2000)
    b = filled(2500, seed=1, index_threshold=2000)
    assert a.wait_for_index(120) and b.wait_for_index(120)
    path_a = a.save(tmp_path / "a.p5knn")
    b.save(tmp_path / "b.p5knn")
    index_a = next(tmp_path.glob("a.p5knn.*.usearch"))
    index_b = next(tmp_path.glob("b.p5knn.*.usearch"))
    assert index_a.stat().st_size == index_b.stat().st_size
    os.replace(index_b, index_a)   # b's index under a's name
    with pytest.warns(RuntimeWarning, match="does not fit"):
        loaded = p5knn.knn_classifier.load(path_a, index_threshold=2000)
    assert loaded.wait_for_index(120) and agrees_with_exact(loaded) >= 0.95


@needs_usearch
def test_vectors_of_another_classifier_are_caught_even_with_a_matching_record(tmp_path):
    """The sample check: right keys, right size, but other vectors."""
    rows = clustered(300)
    other = vector_index.VectorIndex(DIM, "cosine")
    other.add(np.arange(300), clustered(300, seed=9))
    other.save(tmp_path / "i.usearch")
    with pytest.raises(ValueError, match="not this file's examples"):
        vector_index.VectorIndex.restore(tmp_path / "i.usearch", DIM, "cosine",
                                         np.arange(300), rows)


@needs_usearch
@pytest.mark.parametrize("change", ["remove", "clear"])
def test_removals_during_a_build_restart_it(change, monkeypatch):
    """Rows move in place on removal: the build that was reading them is discarded."""
    gate, entered = threading.Event(), threading.Event()
    original = vector_index.VectorIndex.add

    def slow_add(self, ids, rows, threads=None):
        if threading.current_thread().name == "p5knn-index" and not gate.is_set():
            entered.set()
            assert gate.wait(60)
        return original(self, ids, rows, threads)

    monkeypatch.setattr(vector_index.VectorIndex, "add", slow_add)
    knn = filled(3000, index_threshold=2000)
    assert entered.wait(60) and knn.index_state == "building"
    if change == "remove":
        for _ in range(40):
            knn.remove_example(0)
    else:
        knn.clear_label("c0")
    gate.set()
    assert knn.wait_for_index(120)
    assert agrees_with_exact(knn) >= 0.95
    picks = range(0, len(knn), 37)              # examples find themselves (the graph is
    found = sum(knn.predict_class(knn.get_example(i)[0], k=1).neighbors[0].index == i
                for i in picks)                 # approximate: ~1 in 2000 self-queries misses)
    assert found >= 0.95 * len(picks)


@needs_usearch
def test_exit_during_a_build_is_clean(tmp_path):
    """A build's native call must not be running when the interpreter finalises (a daemon
    thread returning from C++ then is unwound by pthread_exit: "terminate called without an
    active exception", exit status 134). The check runs as the last exit handler."""
    script = textwrap.dedent(f"""
        import atexit, threading
        def check():
            alive = [t for t in threading.enumerate() if t.name == "p5knn-index"]
            print("index threads at exit:", len(alive), flush=True)
        atexit.register(check)          # registered first, so it runs last
        import numpy as np, p5knn
        knn = p5knn.knn_classifier.create(index_threshold=None)
        rows = np.random.default_rng(0).normal(size=(30000, 256)).astype(np.float32)
        knn.add_examples(rows, [i % 3 for i in range(len(rows))])
        knn.save({str(tmp_path / "big.p5knn")!r})
        knn = p5knn.knn_classifier.load({str(tmp_path / "big.p5knn")!r}, index_threshold=1000)
        assert knn.index_state == "building"
        print("exiting", flush=True)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=300)
    assert "exiting" in done.stdout, done.stderr
    assert done.returncode == 0, done.stderr
    assert "terminate called" not in done.stderr
    assert "index threads at exit: 0" in done.stdout


@needs_usearch
def test_saving_one_classifier_never_deletes_anothers_index(tmp_path):
    knn = filled(2500, index_threshold=2000)
    assert knn.wait_for_index(120)
    knn.save(tmp_path / "model1.p5knn")
    mine = sorted(p.name for p in tmp_path.glob("model1.p5knn.*.usearch"))
    knn.save(tmp_path / "model[1].p5knn")   # a glob pattern matching model1.p5knn
    knn.save(tmp_path / "model?.p5knn")
    assert sorted(p.name for p in tmp_path.glob("model1.p5knn.*.usearch")) == mine
    assert len(list(tmp_path.glob("model[[]1].p5knn.*.usearch"))) == 1


@needs_usearch
def test_an_index_from_before_checksums_is_rebuilt(saved_big, tmp_path):
    path, index_path, _ = saved_big
    data = storage.load_native(path)
    del data.index["sha256"]
    copy = tmp_path / "old.p5knn"
    storage.save_native(copy, data, "0.1.0")
    (tmp_path / data.index["file"].replace("big", "old")).write_bytes(index_path.read_bytes())
    data.index["file"] = data.index["file"].replace("big", "old")
    storage.save_native(copy, data, "0.1.0")
    with pytest.warns(RuntimeWarning, match="no checksum"):
        knn = p5knn.knn_classifier.load(copy, index_threshold=2000)
    assert knn.index_state == "building"
    knn.wait_for_index(120)


# ------------------------------------------------------------- 3. state unchanged

def crafted(tmp_path, name="f.p5knn", rows=None, **fields) -> str:
    rows = clustered(6) if rows is None else rows
    data = storage.SavedData(rows, np.zeros(len(rows), np.int32), ["a"])
    for key, value in fields.items():
        setattr(data, key, value)
    storage.save_native(tmp_path / name, data, "test")
    return tmp_path / name


@pytest.mark.parametrize("options", [{"k": -1}, {"k": "three"}, {"metric": "manhattan"},
                                     {"min_similarity": 7}, {"unknown_label": ""},
                                     {"balanced": "yes"}])
def test_invalid_stored_options_change_nothing(tmp_path, options):
    knn = p5knn.knn_classifier.create()           # no explicit options: the file's count
    knn.add_examples(clustered(20), [f"c{i % 5}" for i in range(20)])
    before = state(knn)
    with pytest.raises(CorruptFileError, match="option"):
        knn.load(crafted(tmp_path, options=options))
    assert state(knn) == before


def test_running_out_of_memory_while_loading_changes_nothing(tmp_path, monkeypatch):
    knn = filled(20)
    before = state(knn)
    path = crafted(tmp_path)

    def no_memory(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(p5knn.knn._store.ExampleStore, "_write", no_memory)
    with pytest.raises(MemoryError):
        knn.load(path)
    assert state(knn) == before


def test_running_out_of_memory_on_the_first_add_leaves_no_label(monkeypatch):
    knn = p5knn.knn_classifier.create()
    original = p5knn.knn._store.ExampleStore._grow

    def no_memory(arr, needed):
        raise MemoryError

    monkeypatch.setattr(p5knn.knn._store.ExampleStore, "_grow", staticmethod(no_memory))
    with pytest.raises(MemoryError):
        knn.add_example(np.ones(5000), "wide")
    monkeypatch.setattr(p5knn.knn._store.ExampleStore, "_grow", staticmethod(original))
    assert knn.labels == [] and len(knn) == 0 and knn.feature_size is None
    knn.add_example([1.0, 2.0], "narrow")          # not locked to the failed width
    assert knn.get_count_by_label() == {"narrow": 1}


def test_too_wide_vectors_are_refused_before_allocating():
    knn = filled(5)
    before = state(knn)
    with pytest.raises(FeatureSizeError, match="at most"):
        knn.add_example(np.ones(p5knn.knn._store.MAX_FEATURE_SIZE + 1, np.float32), "x")
    assert state(knn) == before
    wide = p5knn.knn_classifier.create()
    wide.add_example(np.ones(100_000, np.float32), "w")   # wide but allowed: small chunks
    assert wide.predict_class(np.ones(100_000)).label == "w"


def test_a_file_declaring_huge_sizes_is_refused(tmp_path):
    path = crafted(tmp_path)
    with zipfile.ZipFile(path) as z:
        meta = json.loads(np.load(z.open("meta.npy")).tobytes())
    for field, value in [("feature_size", 10**12), ("count", -1), ("count", "6")]:
        bad = dict(meta, **{field: value})
        rewrite(path, tmp_path / "bad.p5knn", meta=bad)
        with pytest.raises(CorruptFileError):
            p5knn.knn_classifier.load(tmp_path / "bad.p5knn")


@pytest.mark.parametrize("bad_at", [0, 2, 4])
def test_add_examples_is_all_or_nothing(bad_at):
    knn = filled(10)
    before = state(knn)
    rows = list(clustered(5, seed=3))
    labels = ["new1", "new2", "new3", "new4", "new5"]
    rows[bad_at] = np.full(DIM, np.nan)
    with pytest.raises(ValueError):
        knn.add_examples(rows, labels)
    assert state(knn) == before
    rows[bad_at] = np.ones(DIM + 1)
    with pytest.raises(FeatureSizeError):
        knn.add_examples(rows, labels)
    assert state(knn) == before
    with pytest.raises(TypeError):
        knn.add_examples(clustered(3), ["ok", None, "ok"])
    assert state(knn) == before
    assert knn.add_examples(clustered(3), ["p", "q", "p"]) == [10, 11, 12]


# ------------------------------------------------------------------- 4. memory bombs

def rewrite(source, target, meta=None, compress=False, replace=None):
    """Copy a native file's members into a new zip, optionally changing some."""
    with zipfile.ZipFile(source) as z:
        members = {name: z.read(name) for name in z.namelist()}
    if meta is not None:
        from io import BytesIO
        buffer = BytesIO()
        np.save(buffer, np.frombuffer(json.dumps(meta).encode(), np.uint8))
        members["meta.npy"] = buffer.getvalue()
    members.update(replace or {})
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED) as z:
        for name, blob in members.items():
            z.writestr(name, blob)


def npy_bytes(array: np.ndarray) -> bytes:
    from io import BytesIO
    buffer = BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def test_a_small_file_cannot_inflate(tmp_path):
    path = crafted(tmp_path)
    with zipfile.ZipFile(path) as z:
        meta = json.loads(np.load(z.open("meta.npy")).tobytes())
    huge = dict(meta, count=100_000, feature_size=1024)
    zeros = npy_bytes(np.zeros((100_000, 1024), np.float32))   # 400 MB of zeros deflate to 0.4 MB
    rewrite(path, tmp_path / "bomb.p5knn", meta=huge, compress=True,
            replace={"features.npy": zeros})
    assert (tmp_path / "bomb.p5knn").stat().st_size < 5_000_000
    del zeros
    with pytest.raises(CorruptFileError, match="compressed"):
        p5knn.knn_classifier.load(tmp_path / "bomb.p5knn")
    # stored, but the array header claims far more than the member holds
    header = npy_bytes(np.zeros((1, 8), np.float32))
    header = header.replace(b"(1, 8)", b"(100000, 1024)".ljust(6))
    rewrite(path, tmp_path / "liar.p5knn", meta=huge, replace={"features.npy": header})
    with pytest.raises(CorruptFileError):
        p5knn.knn_classifier.load(tmp_path / "liar.p5knn")


def test_deeply_nested_json_is_refused(tmp_path):
    deep = "[" * 100_000 + "]" * 100_000
    ml5 = tmp_path / "deep.json"
    ml5.write_text('{"dataset": {"0": {"label": "a", "shape": ' + deep + '}}, "tensors": []}')
    with pytest.raises(CorruptFileError, match="nested"):
        p5knn.knn_classifier.load(ml5)
    path = crafted(tmp_path)
    with zipfile.ZipFile(path) as z:
        meta = json.loads(np.load(z.open("meta.npy")).tobytes())
    rewrite(path, tmp_path / "deep.p5knn", replace={"meta.npy": npy_bytes(np.frombuffer(
        (json.dumps(meta)[:-1] + ', "x": ' + deep + "}").encode(), np.uint8))})
    with pytest.raises(CorruptFileError, match="nested"):
        p5knn.knn_classifier.load(tmp_path / "deep.p5knn")


# --------------------------------------------------------------- 5. silent wrong answers

def test_all_zero_rows_in_a_file_are_refused_for_cosine(tmp_path):
    rows = clustered(6)
    rows[3] = 0
    path = crafted(tmp_path, rows=rows)
    with pytest.raises(CorruptFileError, match="all-zero"):
        p5knn.knn_classifier.load(path)
    knn = p5knn.knn_classifier.load(crafted(tmp_path, "e.p5knn", rows=rows,
                                            options={"metric": "euclidean"}))
    assert knn.predict_class(rows[3]).neighbors[0].index == 3
    with pytest.raises(ValueError, match="all zeros"):
        knn.set_options(metric="cosine")
    assert knn.metric == "euclidean"


def test_float16_refuses_values_it_would_turn_into_zeros():
    half = p5knn.knn_classifier.create(dtype="float16")
    half.add_example([1.0, 2.0], "a")
    with pytest.raises(ValueError, match="too small for float16"):
        half.add_example([1e-9, 2e-9], "tiny")
    assert half.get_count_by_label() == {"a": 1}


@pytest.mark.parametrize("scale", [1e20, 1e29, 1e-20])
def test_euclidean_with_huge_or_tiny_values_finds_exact_matches(scale):
    knn = p5knn.knn_classifier.create(metric="euclidean", k=1)
    rows = clustered(20, dim=8) * scale
    knn.add_examples(rows, [f"r{i}" for i in range(20)])
    for i in (0, 7, 19):
        result = knn.predict_class(rows[i])
        assert result.label == f"r{i}" and np.isfinite(result.distance)
    cos = p5knn.knn_classifier.create(k=1)
    cos.add_examples(rows, [f"r{i}" for i in range(20)])
    assert cos.predict_class(rows[7]).label == "r7"
    assert cos.predict_class(rows[7]).similarity == pytest.approx(1.0, abs=1e-5)


def test_ml5_tensors_as_an_object_is_an_error_not_an_empty_classifier(tmp_path):
    knn = filled(20)
    knn.save(tmp_path / "good.json")
    doc = json.loads((tmp_path / "good.json").read_text())
    doc["tensors"] = {str(i): t for i, t in enumerate(doc["tensors"])}
    (tmp_path / "bad.json").write_text(json.dumps(doc))
    before = state(knn)
    with pytest.raises(CorruptFileError, match="tensors"):
        knn.load(tmp_path / "bad.json")
    assert state(knn) == before


@pytest.mark.parametrize("shape", [[-1, -4], [0, 4], [2, 0], [True, 4], [1.0, 4], [2, 2, 1]])
def test_ml5_bad_shapes(tmp_path, shape):
    doc = {"dataset": {"0": {"label": "a", "shape": shape}}, "tensors": [{"0": 1, "1": 2,
                                                                          "2": 3, "3": 4}]}
    (tmp_path / "s.json").write_text(json.dumps(doc))
    with pytest.raises(CorruptFileError, match="shape"):
        p5knn.knn_classifier.load(tmp_path / "s.json")


def test_ml5_values_must_be_numbers(tmp_path):
    for values in ({"0": "1.5", "1": 2}, {"0": True, "1": 2}, {"0": 1, "2": 2},
                   {"0": 1, " 1": 2}):
        doc = {"dataset": {"0": {"label": "a", "shape": [1, 2]}}, "tensors": [values]}
        (tmp_path / "v.json").write_text(json.dumps(doc))
        with pytest.raises(CorruptFileError):
            p5knn.knn_classifier.load(tmp_path / "v.json")


def test_complex_vectors_are_refused():
    knn = p5knn.knn_classifier.create()
    with pytest.raises(FeatureSizeError, match="complex"):
        knn.add_example(np.array([1 + 2j, 3 + 0j]), "c")
    with pytest.raises(FeatureSizeError, match="complex"):
        knn.add_example([1.0, 2j], "c")
    assert len(knn) == 0


def test_a_folder_or_a_pipe_given_as_a_file(tmp_path):
    with pytest.raises(CorruptFileError, match="folder"):
        p5knn.knn_classifier.load(tmp_path)
    fifo = tmp_path / "pipe.p5knn"
    os.mkfifo(fifo)
    with pytest.raises(CorruptFileError, match="not a regular file"):   # and no hang
        p5knn.knn_classifier.load(fifo)
    with pytest.raises(FileNotFoundError):
        p5knn.knn_classifier.load(tmp_path / "missing.p5knn")


# --------------------------------------------------------------------- 6. files on disk

def test_save_refuses_special_files_and_folders(tmp_path):
    knn = filled(5)
    fifo = tmp_path / "pipe.p5knn"
    os.mkfifo(fifo)
    with pytest.raises(FileKindError):
        knn.save(fifo)
    assert fifo.is_fifo()
    with pytest.raises(FileKindError, match="folder"):
        knn.save(tmp_path)
    with pytest.raises(FileKindError):
        knn.autosave(fifo)
    assert fifo.is_fifo() and not list(tmp_path.glob(".p5knn-*"))


def test_a_250_character_name_works(tmp_path):
    name = "n" * 243 + ".p5knn"
    assert len(name) == 249
    knn = filled(5)
    knn.save(tmp_path / name)
    assert len(p5knn.knn_classifier.load(tmp_path / name)) == 5
    auto = p5knn.knn_classifier.create(autosave=tmp_path / ("a" * 244 + ".p5knn"))
    auto.add_example([1.0, 2.0], "x")
    assert auto.wait_saved(30)
    auto.add_example([2.0, 1.0], "y")
    assert auto.wait_saved(30)
    auto.close()


def test_temps_left_by_killed_saves_are_removed_on_start(tmp_path):
    target = tmp_path / "auto.p5knn"
    leave = textwrap.dedent(f"""
        from p5knn._base import atomic as atomic
        prefix = atomic.temp_prefix({str(target)!r})
        for i in range(3):
            open({str(tmp_path)!r} + "/" + prefix + f"x{{i}}.tmp", "wb").write(b"0" * 1000)
    """)
    subprocess.run([sys.executable, "-c", leave], check=True, timeout=120)
    other = tmp_path / ".p5knn-0123456789abcdef-1-x.tmp"    # another target's: kept
    other.write_bytes(b"1")
    old = tmp_path / ".auto.p5knn.ab12cd34.tmp"              # the old naming, an hour old
    old.write_bytes(b"2")
    os.utime(old, (0, 0))
    assert len(list(tmp_path.glob(".p5knn-*.tmp"))) == 4
    knn = p5knn.knn_classifier.create(autosave=target)
    assert sorted(p.name for p in tmp_path.glob(".*.tmp")) == [other.name]
    knn.close()
