"""Speed and recall of the HNSW index for several search settings, on one index.

    python benchmarks/bench_index_search.py [--size 1000000] [--queries 100]

Builds one float16 classifier of ``--size`` feature-like vectors (see bench_knn.py; about
6 minutes at 1 M here), then for each (breadth, candidates) pair sets
``knn.set_index_search`` and prints predict time (median, p90) and recall@k against an exact
float32 search of the same vectors.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import numpy as np  # noqa: E402
from _timing import ms  # noqa: E402
from bench_knn import feature_like  # noqa: E402

import p5knn  # noqa: E402

SETTINGS = [(128, 64), (256, 128), (512, 128), (512, 256), (1024, 256), (2048, 256)]


def exact_top(data: np.ndarray, norms: np.ndarray, query: np.ndarray, k: int) -> set[int]:
    similarity = (data @ query) / (norms * np.linalg.norm(query))
    return set(np.argpartition(-similarity, k)[:k].tolist())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--k", type=int, default=3)
    parser.add_argument("--centers", type=int, default=2000)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    centers = rng.gamma(0.6, 0.8, (args.centers, 1024)).astype(np.float32)
    data = feature_like(args.size, 1024, centers, rng)
    queries = feature_like(args.queries, 1024, centers, rng)
    knn = p5knn.knn_classifier.create(k=args.k, dtype="float16", index_threshold=args.size)
    for i, row in enumerate(data):
        knn.add_example(row, i % 10)
    start = time.perf_counter()
    if not knn.wait_for_index(7200):
        raise SystemExit(f"the index did not build ({knn.index_state})")
    print(f"# {args.size} examples, index built in {time.perf_counter() - start:.0f} s, "
          f"k={args.k}, {args.queries} queries\n")
    norms = np.linalg.norm(data, axis=1)
    truth = [exact_top(data, norms, q, args.k) for q in queries]
    print("| breadth | candidates | p50 ms | p90 ms | recall@k |")
    print("|--------:|-----------:|-------:|-------:|---------:|")
    for expansion, candidates in SETTINGS:
        knn.set_index_search(expansion, candidates)
        times, hits = np.empty(len(queries)), 0
        for i, (q, want) in enumerate(zip(queries, truth)):
            begin = time.perf_counter()
            result = knn.predict_class(q)
            times[i] = time.perf_counter() - begin
            hits += len({n.index for n in result.neighbors} & want)
        print(f"| {expansion:7} | {candidates:10} | {ms(times):6.2f} | {ms(times, 90):6.2f} |"
              f" {hits / (args.k * len(queries)):8.3f} |", flush=True)


if __name__ == "__main__":
    main()
