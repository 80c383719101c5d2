"""Findings of a hostile review of the loaders (issue 10): each test failed before its fix.
Fault injection and file crafting reach into p5knn's internals on purpose."""

from __future__ import annotations

import enum
import io
import json
import os
import subprocess
import sys
import textwrap
import zipfile

import numpy as np
import pytest

import p5knn
from p5knn.knn import _files, _index
from p5knn.knn._saved import SavedData

needs_usearch = pytest.mark.skipif(not _index.available(), reason="usearch not installed")


def rows(n: int, dim: int = 8, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)


def npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def rewrite_meta(source, target, **changes) -> None:
    with zipfile.ZipFile(source) as z:
        members = {name: z.read(name) for name in z.namelist()}
    meta = json.loads(np.load(io.BytesIO(members["meta.npy"])).tobytes())
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(meta.get(key), dict):
            meta[key].update(value)
        else:
            meta[key] = value
    members["meta.npy"] = npy(np.frombuffer(json.dumps(meta).encode(), np.uint8))
    with zipfile.ZipFile(target, "w") as z:
        for name, blob in members.items():
            z.writestr(name, blob)


# ------------------------------------------------ an index needs this machine's signature

@needs_usearch
def test_an_index_with_a_matching_checksum_but_no_signature_is_never_parsed(tmp_path,
                                                                           monkeypatch):
    knn = p5knn.knn_classifier.create(index_threshold=300)
    knn.add_examples(rows(400, 16), [i % 4 for i in range(400)])
    assert knn.wait_for_index(120)
    path = knn.save(tmp_path / "big.p5knn")
    # an attacker who writes both files can record any checksum, but not our HMAC
    rewrite_meta(path, tmp_path / "evil.p5knn", index={"hmac": "0" * 64})
    index_name = next(tmp_path.glob("big.p5knn.*.usearch")).name
    os.replace(tmp_path / index_name, tmp_path / index_name.replace("big", "evil"))
    rewrite_meta(tmp_path / "evil.p5knn", tmp_path / "evil.p5knn",
                 index={"file": index_name.replace("big", "evil")})
    from usearch.index import Index

    def never(*args, **kwargs):
        raise AssertionError("an unsigned index reached usearch")

    monkeypatch.setattr(Index, "restore", staticmethod(never))
    with pytest.warns(RuntimeWarning, match="signed"):
        loaded = p5knn.knn_classifier.load(tmp_path / "evil.p5knn", index_threshold=300)
    assert loaded.index_state == "building"
    monkeypatch.undo()
    assert loaded.wait_for_index(120)


# ------------------------------------------------------------ bounded, linear JSON checks

def test_a_quote_bomb_is_refused_in_linear_time(tmp_path):
    """200 KB of escaped quotes took minutes (quadratic scan) and held the GIL."""
    bomb = tmp_path / "bomb.json"
    bomb.write_bytes(b'{"dataset": {"0": {"label": "' + b'\\"' * 2_000_000)
    code = textwrap.dedent(f"""
        import p5knn
        try:
            p5knn.knn_classifier.load({str(bomb)!r})
        except p5knn.CorruptFileError:
            print("refused")
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert "refused" in done.stdout, done.stderr


def test_an_ml5_file_over_the_size_limit_is_not_read(tmp_path):
    huge = tmp_path / "huge.json"
    with open(huge, "wb") as handle:       # sparse: no disk used
        handle.write(b"{")
        handle.truncate((256 << 20) + 10)
    with pytest.raises(p5knn.CorruptFileError, match="more than"):
        p5knn.knn_classifier.load(huge)


@pytest.mark.parametrize("key", ["²", "--1", "9" * 5000, "٣"])
def test_odd_ml5_class_keys_give_p5knn_errors_or_load(tmp_path, key):
    doc = {"dataset": {key: {"label": "a", "shape": [1, 2]}}, "tensors": [{"0": 1, "1": 2}]}
    (tmp_path / "k.json").write_text(json.dumps(doc))
    try:
        knn = p5knn.knn_classifier.load(tmp_path / "k.json")
    except p5knn.P5KNNError:
        return
    assert knn.labels == ["a"]


# ------------------------------------------------------------- native files that break later

def test_encrypted_members_are_refused(tmp_path):
    knn = p5knn.knn_classifier.create()
    knn.add_examples(rows(3), ["a", "b", "a"])
    path = knn.save(tmp_path / "ok.p5knn")
    blob = bytearray(path.read_bytes())
    at = blob.find(b"PK\x03\x04")
    blob[at + 6] |= 1                        # the local header's "encrypted" flag
    central = blob.find(b"PK\x01\x02")
    blob[central + 8] |= 1                   # and the central directory's
    (tmp_path / "enc.p5knn").write_bytes(bytes(blob))
    with pytest.raises(p5knn.CorruptFileError):
        p5knn.knn_classifier.load(tmp_path / "enc.p5knn")


@pytest.mark.parametrize("change", ["big_ids", "thumbs", "scalar_lie", "ghost_label",
                                    "empty_label", "huge_int_label"])
def test_files_that_would_leave_a_classifier_broken_are_refused(tmp_path, change):
    data = SavedData(rows(3), np.array([0, 1, 0], np.int32), ["a", "b"])
    if change == "big_ids":
        data.example_ids = np.array([0, 1, 2**63 - 1], np.int64)
    elif change == "thumbs":
        data.thumbnails = np.zeros((3, 1, 5, 3), np.uint8)
    elif change == "scalar_lie":
        data = SavedData(rows(3), np.zeros(3, np.int32), [], targets=np.ones((3, 2)),
                         scalar_targets=True)
    elif change == "ghost_label":
        data.labels = ["a", "b", "c"]
    elif change == "empty_label":
        data.labels = ["a", ""]
    else:
        data.labels = ["a", 2**70]
    _files.save_native(tmp_path / "f.p5knn", data, "test")
    with pytest.raises(p5knn.CorruptFileError):
        p5knn.knn_classifier.load(tmp_path / "f.p5knn")


# -------------------------------------------------------------------------- labels, vectors

class Colour(enum.IntEnum):
    RED = 1


class Name(str):
    pass


def test_label_subclasses_become_plain_labels_and_files_load_back(tmp_path):
    knn = p5knn.knn_classifier.create()
    knn.add_example([1.0, 0.0], Colour.RED)
    knn.add_example([0.9, 0.1], 1)
    knn.add_example([0.0, 1.0], Name("a"))
    knn.add_example([0.1, 0.9], "a")
    assert knn.get_count_by_label() == {1: 2, "a": 2}
    assert [type(label) for label in knn.labels] == [int, str]
    back = p5knn.knn_classifier.load(knn.save(tmp_path / "l.p5knn"))
    assert back.get_count_by_label() == {1: 2, "a": 2}


@pytest.mark.parametrize("label", [2**70, -(2**64), "x" * 1001])
def test_labels_files_cannot_hold_are_refused(label):
    knn = p5knn.knn_classifier.create()
    with pytest.raises(ValueError):
        knn.add_example([1.0, 2.0], label)
    assert len(knn) == 0


def test_masked_vectors_are_refused():
    knn = p5knn.knn_classifier.create(metric="euclidean", k=1)
    knn.add_example([0.0, 0.0], "near")
    knn.add_example([50.0, 50.0], "far")
    masked = np.ma.masked_array([100.0, 100.0], mask=[True, True])
    with pytest.raises(p5knn.FeatureSizeError, match="masked"):
        knn.predict_class(masked)
    with pytest.raises(p5knn.FeatureSizeError, match="masked"):
        knn.add_example(masked, "x")
    assert knn.predict_class(np.ma.masked_array([1.0, 1.0], mask=False)).label == "near"
