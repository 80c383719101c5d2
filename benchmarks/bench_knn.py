"""KNN add and predict times, exact search vs the HNSW index, for 100 … 1 000 000 examples.

    python benchmarks/bench_knn.py [--sizes 100 1000 10000 100000 1000000] [--k 3]

For every size it fills one classifier that always searches exactly (float32) and, from
``--index-from`` examples up, one that uses the index (``--dtype``, float16 by default, with
``index_threshold`` set to the size so the index is built once all rows are in). It prints
add time, memory, save/load time (the indexed classifier saves its index beside the file and
loads it back instead of rebuilding), index build time, predict time (median and p90 over
held-out queries) and recall@k of the indexed answers against exact search.

The vectors are synthetic but shaped like MobileNet features: 1024 non-negative numbers
scattered around ``--centers`` cluster centres (many similar frames of a few scenes). Uniform
random vectors, which no real extractor produces, are the worst case for any graph index.
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import numpy as np  # noqa: E402
from _timing import ms  # noqa: E402

import p5knn  # noqa: E402
from p5knn.knn import _index as vector_index  # noqa: E402


def feature_like(n: int, dim: int, centers: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``n`` rows around random centres, clipped at 0 like ReLU-pooled features."""
    out = np.empty((n, dim), np.float32)
    for start in range(0, n, 65536):
        stop = min(n, start + 65536)
        picks = rng.integers(0, len(centers), stop - start)
        block = centers[picks] + 0.35 * rng.standard_normal((stop - start, dim), np.float32)
        np.maximum(block, 0, out=out[start:stop])
    return out


def fill(data: np.ndarray, **options) -> tuple[p5knn.KNNClassifier, np.ndarray]:
    knn = p5knn.knn_classifier.create(**options)
    add_times = np.empty(len(data))
    for i in range(len(data)):
        start = time.perf_counter()
        knn.add_example(data[i], f"class{i % 10}")
        add_times[i] = time.perf_counter() - start
    return knn, add_times


def query_times(knn: p5knn.KNNClassifier, queries: np.ndarray) -> tuple[np.ndarray, list]:
    for q in queries[:3]:
        knn.predict_class(q)
    times, answers = np.empty(len(queries)), []
    for i, q in enumerate(queries):
        start = time.perf_counter()
        answers.append(knn.predict_class(q))
        times[i] = time.perf_counter() - start
    return times, answers


def save_load(knn: p5knn.KNNClassifier) -> tuple[float, float]:
    """Seconds to save and to load again; an indexed classifier saves its index beside the
    file and the load counts until that index is back in use (read, not rebuilt)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "b.p5knn"
        start = time.perf_counter()
        knn.save(path)
        save_s = time.perf_counter() - start
        start = time.perf_counter()
        loaded = p5knn.knn_classifier.load(path, index_threshold=knn._store.index_threshold)
        load_s = time.perf_counter() - start
        if knn.index_state == "ready" and loaded.index_state != "ready":
            raise RuntimeError(f"the saved index was not reused ({loaded.index_state})")
        return save_s, load_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+",
                        default=[100, 1000, 10000, 100000, 1000000])
    parser.add_argument("--dim", type=int, default=1024)
    parser.add_argument("--k", type=int, default=3)
    parser.add_argument("--centers", type=int, default=2000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--index-from", type=int, default=10000,
                        help="smallest size also measured with the index")
    parser.add_argument("--dtype", default="float16", help="storage of the indexed classifier")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    centers = rng.gamma(0.6, 0.8, (args.centers, args.dim)).astype(np.float32)
    print(f"# p5knn {p5knn.__version__} KNN, {args.dim}-d feature-like vectors around "
          f"{args.centers} centres, k={args.k}, one query at a time; index search breadth "
          f"{vector_index.DEFAULT_EXPANSION}, {vector_index.DEFAULT_CANDIDATES} candidates "
          f"re-scored\n")
    print("| examples | search | storage | examples MB | index MB | add mean µs | add max ms |"
          " build s | predict p50 ms | predict p90 ms | recall@k | save s | load s | remove ms |")
    print("|---------:|:-------|:--------|------------:|---------:|------------:|-----------:|"
          "--------:|---------------:|---------------:|---------:|-------:|-------:|----------:|")
    for n in args.sizes:
        data = feature_like(n, args.dim, centers, rng)
        queries = feature_like(args.queries, args.dim, centers, rng)
        exact, adds = fill(data, k=args.k, index_threshold=None)
        times, truth = query_times(exact, queries)
        save_s, load_s = save_load(exact)
        mb = n * args.dim * 4 / 1e6
        start = time.perf_counter()
        exact.remove_example(n // 2)
        remove_ms = (time.perf_counter() - start) * 1000
        print(f"| {n:>8} | exact  | float32 | {mb:11.0f} | {0:8.0f} | {adds.mean() * 1e6:11.1f} |"
              f" {adds.max() * 1000:10.2f} | {'–':>7} | {ms(times):14.3f} | {ms(times, 90):14.3f} |"
              f" {1.0:8.3f} | {save_s:6.2f} | {load_s:6.2f} | {remove_ms:9.1f} |", flush=True)
        del exact
        gc.collect()
        if n >= args.index_from:
            indexed, adds = fill(data, k=args.k, index_threshold=n, dtype=args.dtype)
            start = time.perf_counter()
            if not indexed.wait_for_index(7200):
                print(f"| {n:>8} | index did not build ({indexed.index_state}) |")
                continue
            build_s = time.perf_counter() - start
            times, answers = query_times(indexed, queries)
            hits = sum(len({x.index for x in a.neighbors} & {x.index for x in t.neighbors})
                       for a, t in zip(answers, truth))
            recall = hits / sum(len(t.neighbors) for t in truth)
            save_s, load_s = save_load(indexed)
            start = time.perf_counter()
            indexed.remove_example(n // 2)
            remove_ms = (time.perf_counter() - start) * 1000
            mb = n * args.dim * np.dtype(args.dtype).itemsize / 1e6
            index_mb = indexed._store._index.memory_bytes() / 1e6
            print(f"| {n:>8} | index  | {args.dtype:<7} | {mb:11.0f} | {index_mb:8.0f} |"
                  f" {adds.mean() * 1e6:11.1f} | {adds.max() * 1000:10.2f} | {build_s:7.1f} |"
                  f" {ms(times):14.3f} | {ms(times, 90):14.3f} | {recall:8.3f} | {save_s:6.2f} |"
                  f" {load_s:6.2f} | {remove_ms:9.1f} |", flush=True)
            del indexed
            gc.collect()
        del data


if __name__ == "__main__":
    main()
