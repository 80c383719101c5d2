"""The LiteRT runtime: thread counts (every core for direct calls, one next to a sketch) and
models it cannot load."""

from __future__ import annotations

import pytest

import p5knn


def test_thread_counts_follow_the_environment(mobilenet, monkeypatch):
    monkeypatch.setenv("P5KNN_LIVE_THREADS", "3")
    assert mobilenet.live_threads == 3
    monkeypatch.delenv("P5KNN_LIVE_THREADS")
    assert mobilenet.live_threads == 1
    monkeypatch.setenv("P5KNN_THREADS", "1")
    single = p5knn.feature_extractor()
    assert single.num_threads == 1
    assert p5knn.feature_extractor(num_threads=2).num_threads == 2


def test_junk_tflite_file(tmp_path):
    junk = tmp_path / "junk.tflite"
    junk.write_bytes(b"not a flatbuffer")
    with pytest.raises(p5knn.ModelError, match="cannot load TFLite model"):
        p5knn.feature_extractor(junk)
