"""A slow stand-in model, so tests can see what happens while inference is busy."""

from __future__ import annotations

import threading
import time

import numpy as np

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


def slow_extractor(delay: float = 0.05, name: str = "slow") -> FeatureExtractor:
    return FeatureExtractor(SlowRunner(delay), name, 0, preprocess="unit")


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
