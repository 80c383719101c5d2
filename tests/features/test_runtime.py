"""The runtimes: thread counts (every core for direct calls, one next to a sketch), models they
cannot load, LiteRT or TensorFlow's own interpreter (the fallback where ai-edge-litert has no
wheel) giving the same vectors, and the runtimes' INFO chatter kept off the console."""

from __future__ import annotations

import importlib.util
import os
import threading
from pathlib import Path

import cv2
import numpy as np
import pytest

import p5knn
from p5knn.features import _runtime, keypoint_model
from p5knn.features._runtime import TFLiteRunner, quiet_native_stderr, runtime_name

OPENCV_DATA = Path("/usr/share/doc/opencv-doc/examples/data")
CHATTER = b"INFO: Created TensorFlow Lite XNNPACK delegate for CPU.\n"


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


def test_runtime_choice(monkeypatch, mobilenet):
    monkeypatch.delenv("P5KNN_RUNTIME", raising=False)
    assert runtime_name() == "litert" and mobilenet._runner.runtime == "litert"
    for value, expected in [("auto", "litert"), ("LiteRT", "litert"), ("tensorflow", "tensorflow"),
                            ("tf", "tensorflow")]:
        monkeypatch.setenv("P5KNN_RUNTIME", value)
        assert runtime_name() == expected
    monkeypatch.setenv("P5KNN_RUNTIME", "onnx")
    with pytest.raises(p5knn.ModelError, match="P5KNN_RUNTIME='onnx'"):
        p5knn.feature_extractor()
    monkeypatch.setenv("P5KNN_RUNTIME", "auto")           # no ai-edge-litert wheel: TensorFlow
    monkeypatch.setattr(_runtime, "_litert_available", lambda: False)
    assert runtime_name() == "tensorflow"


def test_quiet_native_stderr_drops_only_the_chatter(capfd, monkeypatch):
    monkeypatch.delenv("P5KNN_VERBOSE", raising=False)
    capfd.readouterr()
    with quiet_native_stderr():
        os.write(2, CHATTER + b"a real problem\n")
        with quiet_native_stderr():                          # nested: still restored
            os.write(2, b"I0000 00:00:1796013181.224396   21609 port.cc:153] oneDNN custom "
                        b"operations are on.\n")
    os.write(2, b"after\n")
    assert capfd.readouterr().err == "a real problem\nafter\n"
    monkeypatch.setenv("P5KNN_VERBOSE", "1")
    with quiet_native_stderr():
        os.write(2, CHATTER)
    assert capfd.readouterr().err == CHATTER.decode()


def test_quiet_native_stderr_from_many_threads_keeps_every_line(capfd, monkeypatch):
    monkeypatch.delenv("P5KNN_VERBOSE", raising=False)
    capfd.readouterr()

    def work(i: int) -> None:
        for j in range(20):
            with quiet_native_stderr():
                os.write(2, CHATTER + f"line {i} {j}\n".encode())
            os.write(2, f"outside {i} {j}\n".encode())

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    err = capfd.readouterr().err.splitlines()
    assert sorted(err) == sorted([f"line {i} {j}" for i in range(4) for j in range(20)]
                                 + [f"outside {i} {j}" for i in range(4) for j in range(20)])


def photo(name: str) -> np.ndarray:
    path = OPENCV_DATA / name
    if not path.exists():
        pytest.skip(f"{path} missing (install Debian's opencv-doc)")
    return cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)


@pytest.mark.slow  # imports TensorFlow
def test_tensorflow_fallback_gives_the_same_vectors(monkeypatch, mobilenet, photos):
    """What a Mac with an Intel CPU runs (no ai-edge-litert wheel): TensorFlow's own
    tf.lite.Interpreter, forced here with P5KNN_RUNTIME=tensorflow."""
    if importlib.util.find_spec("tensorflow") is None:
        pytest.skip("TensorFlow is not installed")
    hand, body = photo("right04.jpg"), photo("messi5.jpg")
    litert = {"hands": p5knn.feature_extractor("hands"), "pose": p5knn.feature_extractor("pose")}
    probe = np.random.default_rng(0).random((224, 224, 3), np.float32)
    raw_litert = TFLiteRunner(keypoint_model("hand_landmark_full"), num_threads=2).run(probe)
    monkeypatch.setenv("P5KNN_RUNTIME", "tensorflow")
    fallback = p5knn.feature_extractor()
    assert fallback._runner.runtime == "tensorflow"
    for name in ("chelsea", "coffee", "astronaut", "rocket"):
        np.testing.assert_allclose(fallback.infer(photos[name]), mobilenet.infer(photos[name]),
                                   rtol=1e-5, atol=1e-5)
    assert fallback.classify(photos["chelsea"]).label == "Egyptian cat"
    raw_tf = TFLiteRunner(keypoint_model("hand_landmark_full"), num_threads=2)
    assert raw_tf.runtime == "tensorflow"
    for a, b in zip(raw_tf.run(probe), raw_litert):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)
    for kind, image in (("hands", hand), ("pose", body)):
        tf_extractor = p5knn.feature_extractor(kind)
        assert np.count_nonzero(tf_extractor.infer(image)[:-1])   # somebody found
        np.testing.assert_allclose(tf_extractor.infer(image), litert[kind].infer(image),
                                   atol=1e-4)
        tf_extractor.close()
        litert[kind].close()
    fallback.close()
