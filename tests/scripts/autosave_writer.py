"""Adds examples forever with autosave on; prints 'ack N' once N examples are on disk.
tests/knn/test_autosave.py kills it with SIGKILL at random moments."""

import sys

import numpy as np

import p5knn


def vector(i: int) -> np.ndarray:
    return np.sin(np.arange(16) * 0.37 + i) + 2.0


knn = p5knn.knn_classifier.create(autosave=sys.argv[1], autosave_interval=0.01)
i = len(knn)
print(f"resumed {i}", flush=True)
while True:
    knn.add_example(vector(i), f"label{i % 5}")
    i += 1
    if i % 25 == 0:
        knn.wait_saved()
        print(f"ack {i}", flush=True)
