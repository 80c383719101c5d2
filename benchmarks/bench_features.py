"""MobileNetV1 1.0/224 feature extraction speed: p5knn (LiteRT/XNNPACK) next to plain Keras
and TensorFlow's own TFLite interpreter, in the same run, on the same weights.

    python benchmarks/bench_features.py [--repeats 100]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).parent))

import numpy as np  # noqa: E402
from _timing import HEADER, ms, row, time_calls  # noqa: E402

import p5knn  # noqa: E402
from p5knn.features._weights import mobilenet_file  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=100)
    parser.add_argument("--batch", type=int, default=64, help="images for the throughput test")
    args = parser.parse_args()
    from skimage import data

    photo = data.chelsea()
    frame = np.ascontiguousarray(np.resize(data.astronaut(), (480, 640, 3))[:, :, ::-1])
    print(f"# p5knn {p5knn.__version__} feature extraction, {os.cpu_count()} cores\n")
    results: dict[str, np.ndarray] = {}

    start = time.perf_counter()
    extractor = p5knn.feature_extractor()
    print(f"extractor ready in {time.perf_counter() - start:.2f} s (the shipped LiteRT model, "
          "SHA-256 checked)")
    x = extractor.prepare(photo)
    results["p5knn infer() — LiteRT, all cores, incl. resize"] = time_calls(
        lambda: extractor.infer(photo), args.repeats)
    results["p5knn network only — LiteRT, all cores"] = time_calls(
        lambda: extractor._run(x), args.repeats)
    single = p5knn.feature_extractor(num_threads=1)
    results["p5knn network only — LiteRT, 1 thread"] = time_calls(
        lambda: single._run(x), args.repeats)
    results["preprocess 640×480 BGR frame → 224×224"] = time_calls(
        lambda: extractor.prepare(frame, bands="BGR"), args.repeats)

    from p5knn.features._runtime import quiet_tensorflow

    quiet_tensorflow()         # TensorFlow's start-up lines (oneDNN, CUDA probing) hidden
    import tensorflow as tf

    from p5knn.features._mobilenet import build_keras_mobilenet

    warnings.filterwarnings("ignore", module="tensorflow")
    tfl = tf.lite.Interpreter(model_path=str(mobilenet_file()),   # the same shipped file
                              num_threads=os.cpu_count())
    tfl.allocate_tensors()
    index = tfl.get_input_details()[0]["index"]

    def run_tf_lite() -> None:
        tfl.set_tensor(index, x[None])
        tfl.invoke()

    results["tf.lite.Interpreter (TensorFlow's), all cores"] = time_calls(run_tf_lite,
                                                                          args.repeats)
    model = build_keras_mobilenet()
    batch = tf.constant(x[None])
    call = tf.function(lambda t: model(t, training=False))
    results["Keras tf.function call"] = time_calls(lambda: call(batch), args.repeats)
    results["Keras predict_on_batch"] = time_calls(lambda: model.predict_on_batch(x[None]),
                                                   max(20, args.repeats // 2))
    results["Keras model.predict"] = time_calls(lambda: model.predict(x[None], verbose=0),
                                                max(10, args.repeats // 5))
    results["Keras eager model(x)"] = time_calls(lambda: model(batch, training=False),
                                                 max(10, args.repeats // 5))
    check = np.asarray(model(batch, training=False)[0])[0]
    diff = float(np.abs(check - extractor._features_from(extractor._run(x))).max())

    print("\n" + HEADER)
    for name, times in results.items():
        print(row(name, times))
    fastest = min(ms(t) for n, t in results.items() if "network" in n or "tf.lite" in n
                  or "Keras" in n)
    ours = ms(results["p5knn network only — LiteRT, all cores"])
    print(f"\np5knn network / fastest measured runtime: {ours / fastest:.2f}×")
    print(f"max |feature difference| LiteRT vs Keras: {diff:.2e}")

    photos = [data.chelsea(), data.coffee(), data.astronaut(), data.rocket()]
    images = [photos[i % len(photos)] for i in range(args.batch)]
    extractor.infer_batch(images[:4])
    start = time.perf_counter()
    extractor.infer_batch(images)
    elapsed = time.perf_counter() - start
    print(f"infer_batch throughput: {args.batch} photos in {elapsed:.2f} s = "
          f"{args.batch / elapsed:.0f} images/s (incl. resize)")
    start = time.perf_counter()
    model.predict(np.stack([extractor.prepare(i) for i in images]), batch_size=32, verbose=0)
    elapsed = time.perf_counter() - start
    print(f"Keras model.predict batch 32 throughput: {args.batch / elapsed:.0f} images/s")


if __name__ == "__main__":
    main()
