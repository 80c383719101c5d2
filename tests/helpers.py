"""Shared test helpers: a slow stand-in model (to see what happens while inference is busy),
threads started together, polling with generous timeouts, and sample data."""

from __future__ import annotations

import queue
import threading
import time

import numpy as np
import pytest

from p5knn.features import FeatureExtractor


class SlowRunner:
    """Looks like a TFLiteRunner: 8×8 input, 4 features (mean R, G, B and a constant)."""

    input_shape = (8, 8, 3)
    num_threads = 1

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.calls = 0
        self.threads: set[int] = set()

    def output_shapes(self):
        return [(1, 4)]

    def run(self, x):
        self.calls += 1
        self.threads.add(threading.get_ident())
        time.sleep(self.delay)
        means = x.reshape(-1, 3).mean(axis=0)
        return [np.concatenate([means, [1.0]]).astype(np.float32)[None]]


class GatedRunner(SlowRunner):
    """A SlowRunner whose every call waits for ``gate`` (set ``entered`` first): a test can
    hold the model busy for exactly as long as it needs, whatever the machine's speed."""

    def __init__(self) -> None:
        super().__init__(0.0)
        self.entered = threading.Event()
        self.gate = threading.Event()

    def run(self, x):
        self.entered.set()
        assert self.gate.wait(120), "the test never opened the gate"
        return super().run(x)


def gated_model(name: str = "gated") -> tuple[FeatureExtractor, GatedRunner]:
    runner = GatedRunner()
    return FeatureExtractor(runner, name, 0, preprocess="unit"), runner


def slow_model(delay: float = 0.05, name: str = "slow") -> tuple[FeatureExtractor, SlowRunner]:
    """An extractor around a :class:`SlowRunner`, and the runner (to count its calls)."""
    runner = SlowRunner(delay)
    return FeatureExtractor(runner, name, 0, preprocess="unit"), runner


def slow_extractor(delay: float = 0.05, name: str = "slow") -> FeatureExtractor:
    return slow_model(delay, name)[0]


def colour(r: int, g: int, b: int) -> np.ndarray:
    """A 16×16 image of one colour."""
    img = np.empty((16, 16, 3), np.uint8)
    img[:] = (r, g, b)
    return img


def run_together(*jobs) -> list[BaseException]:
    """Run each callable on its own thread at the same time; return what they raised."""
    errors: list[BaseException] = []

    def guarded(job):
        try:
            job()
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            errors.append(exc)

    threads = [threading.Thread(target=guarded, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def wait_until(condition, timeout: float = 30.0, interval: float = 0.01) -> bool:
    """Poll ``condition()`` until it is true or ``timeout`` passes; return its last value.
    Generous timeouts: on a busy machine the thing waited for is late, not absent."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() >= deadline:
            return bool(value)
        time.sleep(interval)


def clustered(n: int, seed: int = 0, dim: int = 64, centers: int = 40) -> np.ndarray:
    """Rows scattered around a few centres, like features of many similar webcam frames."""
    rng = np.random.default_rng(seed)
    middle = rng.normal(size=(centers, dim)).astype(np.float32)
    picks = rng.integers(0, centers, n)
    return middle[picks] + 0.6 * rng.normal(size=(n, dim)).astype(np.float32)


def exact_neighbors(knn, query, k: int = 5) -> list[int]:
    """Indices of the ``k`` nearest examples by exhaustive search (``exact=True``)."""
    return [n.index for n in knn.predict_class(query, k=k, exact=True).neighbors]


#: the shape of a real ml5 ``save()`` after ``clearLabel("paper")``: class keys 0 and 2
ML5_FILE = {
    "dataset": {
        "0": {"kept": False, "isDisposedInternal": False, "shape": [2, 3], "dtype": "float32",
              "size": 6, "strides": [3], "dataId": {}, "id": 41, "rankType": "2",
              "label": "rock"},
        "2": {"kept": False, "isDisposedInternal": False, "shape": [1, 3], "dtype": "float32",
              "size": 3, "strides": [3], "dataId": {}, "id": 57, "rankType": "2",
              "label": "scissors"},
    },
    "tensors": [
        {"0": 1, "1": 0, "2": 0, "3": 0.8, "4": 0.6, "5": 0},
        {"0": 0, "1": 0, "2": 1},
    ],
}


def sample_classifier(**options):
    """30 random 16-number examples under labels "wave", 7 and "fist"."""
    import p5knn

    knn = p5knn.knn_classifier.create(**options)
    rng = np.random.default_rng(3)
    for i in range(30):
        knn.add_example(rng.normal(size=16), ["wave", 7, "fist"][i % 3])
    return knn


def same_predictions(a, b, queries) -> None:
    for q in queries:
        ra, rb = a.predict_class(q), b.predict_class(q)
        assert ra.label == rb.label and ra.confidences == pytest.approx(rb.confidences)


class Listener:
    """A loopback OSC server collecting every message it receives."""

    def __init__(self) -> None:
        from pythonosc import dispatcher, osc_server

        self.messages: queue.Queue = queue.Queue()
        disp = dispatcher.Dispatcher()
        disp.set_default_handler(lambda address, *args: self.messages.put((address, args)))
        self.server = osc_server.ThreadingOSCUDPServer(("127.0.0.1", 0), disp)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, address: str, timeout: float = 30.0) -> tuple:
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                got, args = self.messages.get(timeout=max(0.01, deadline - time.time()))
            except queue.Empty:
                break
            if got == address:
                return args
        raise AssertionError(f"no {address} within {timeout} s")

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def run_python(args: list[str], timeout: float = 300, env: dict | None = None, cwd=None):
    """Run the venv's Python on ``args`` (a sketch, a script) from the project's folder, with
    extra environment variables; its output captured."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    return subprocess.run([sys.executable, *args], check=False, capture_output=True, text=True,
                          timeout=timeout, cwd=cwd or root, env={**os.environ, **(env or {})})


def sketch_report(out, clean: bool = False) -> dict:
    """The JSON line a sketch or script printed last, after checking it exited well (and,
    with ``clean``, printed no traceback); printed for the test log."""
    import json

    assert out.returncode == 0, out.stderr[-3000:]
    if clean:
        assert "Traceback" not in out.stderr, out.stderr[-3000:]
    r = json.loads(out.stdout.strip().splitlines()[-1])
    print("\nsketch report:", json.dumps(r))
    return r
