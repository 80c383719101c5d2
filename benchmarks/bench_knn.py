"""KNN add and predict times for 100 … 100 000 examples of 1024 numbers (exact search).

    python benchmarks/bench_knn.py [--sizes 100 1000 10000 100000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import numpy as np  # noqa: E402
from _timing import ms, time_calls  # noqa: E402

import p5knn  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000, 100000])
    parser.add_argument("--dim", type=int, default=1024)
    parser.add_argument("--k", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print(f"# p5knn {p5knn.__version__} KNN, {args.dim}-d float32, k={args.k}, one query\n")
    print("| examples | add mean µs | add max ms | predict median ms | predict p90 ms |"
          " save s | load s |")
    print("|---------:|------------:|-----------:|------------------:|---------------:|"
          "-------:|-------:|")
    import tempfile

    for n in args.sizes:
        data = np.abs(rng.normal(size=(n, args.dim))).astype(np.float32)
        knn = p5knn.knn_classifier.create(k=args.k)
        add_times = np.empty(n)
        for i in range(n):
            start = time.perf_counter()
            knn.add_example(data[i], f"class{i % 10}")
            add_times[i] = time.perf_counter() - start
        query = np.abs(rng.normal(size=args.dim)).astype(np.float32)
        predict = time_calls(lambda: knn.predict_class(query), 200 if n <= 10000 else 40)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "b.p5knn"
            start = time.perf_counter()
            knn.save(path)
            save_s = time.perf_counter() - start
            start = time.perf_counter()
            p5knn.knn_classifier.load(path)
            load_s = time.perf_counter() - start
        print(f"| {n:>8} | {add_times.mean() * 1e6:11.1f} | {add_times.max() * 1000:10.2f} |"
              f" {ms(predict):17.3f} | {ms(predict, 90):14.3f} | {save_s:6.2f} | {load_s:6.2f} |")
        del knn, data


if __name__ == "__main__":
    main()
