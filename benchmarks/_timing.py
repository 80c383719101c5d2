"""Tiny timing helpers shared by the benchmarks."""

from __future__ import annotations

import time
from typing import Callable

import numpy as np


def time_calls(fn: Callable[[], object], repeats: int, warmup: int = 3) -> np.ndarray:
    """Seconds taken by each of ``repeats`` calls of ``fn`` (after ``warmup`` calls)."""
    for _ in range(warmup):
        fn()
    times = np.empty(repeats)
    for i in range(repeats):
        start = time.perf_counter()
        fn()
        times[i] = time.perf_counter() - start
    return times


def ms(times: np.ndarray, q: float = 50) -> float:
    """A percentile of ``times`` in milliseconds."""
    return float(np.percentile(times, q) * 1000)


def row(name: str, times: np.ndarray) -> str:
    """One table row: median, p90 and max in ms."""
    return f"| {name:<48} | {ms(times):8.2f} | {ms(times, 90):8.2f} | {ms(times, 100):8.2f} |"


HEADER = ("| " + "runtime (batch 1)".ljust(48) + " |   median |      p90 |      max |\n"
          "|" + "-" * 50 + "|---------:|---------:|---------:|")
