"""Build the MobileNet p5knn ships — ``p5knn/features/models/mobilenet_v1_1.0_224.tflite``,
its batch-norm statistics ``mobilenet_v1_1.0_224_batchnorm.npz`` and their record
``MOBILENET.json`` — from the TF-slim MobileNetV1 1.0/224 ImageNet graph in PyPI
``nudity==0.2.3`` (``nudity/files/retrained_graph.pb``; only its ``MobilenetV1/...``
constants are read, the package is never imported).

Needs the build extra (TensorFlow and nudity): ``pip install -e '.[build]'``.

    python scripts/build_mobilenet.py            # build, verify, write the three files
    python scripts/build_mobilenet.py --check    # build in memory and compare with the shipped

Before writing, the new model is verified: on five scikit-image photos its features and
logits are compared with the frozen graph's own (``AvgPool_1a`` and the logits, run by
TensorFlow), the cat photo must come out "Egyptian cat", and the Keras model rebuilt from the
model and the statistics (what fine-tuning uses) must have the graph's weights again.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import io
import json
import platform
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from p5knn.features import _images  # noqa: E402
from p5knn.features._convert import keras_to_tflite, quiet_tensorflow  # noqa: E402
from p5knn.features._mobilenet import (  # noqa: E402
    CONV_LAYERS,
    imagenet_classes,
    keras_mobilenet,
    shipped_keras_weights,
)
from p5knn.features._runtime import TFLiteRunner  # noqa: E402
from p5knn.features._weights import (  # noqa: E402
    BATCH_NORM_FILE,
    FOLDER,
    MANIFEST,
    MODEL_FILE,
    file_sha256,
    graph_path,
    keras_weights,
    read_slim_constants,
)

PHOTOS = ("chelsea", "coffee", "astronaut", "rocket", "cat")
TOLERANCE = 1e-4  #: largest allowed |difference| from the graph's features and logits
BN_KEYS = ("gamma", "beta", "moving_mean", "moving_variance")


def version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def photo_inputs() -> dict[str, np.ndarray]:
    from skimage import data

    return {name: _images.prepare(getattr(data, name)(), (224, 224)) for name in PHOTOS}


def graph_outputs(graph: Path, inputs: dict[str, np.ndarray]) -> dict[str, tuple]:
    """The frozen graph's own pooled features and 1000 ImageNet logits (background dropped)."""
    quiet_tensorflow()
    import tensorflow as tf

    graph_def = tf.compat.v1.GraphDef()
    graph_def.ParseFromString(graph.read_bytes())
    tf_graph = tf.Graph()
    with tf_graph.as_default():
        tf.import_graph_def(graph_def, name="")
    out = {}
    with tf.compat.v1.Session(graph=tf_graph) as session:
        for name, x in inputs.items():
            pooled, logits = session.run(
                ["MobilenetV1/Logits/AvgPool_1a/AvgPool:0",
                 "MobilenetV1/Logits/Conv2d_1c_1x1/BiasAdd:0"], {"input:0": x[None]})
            out[name] = (pooled.reshape(-1), logits.reshape(-1)[1:])
    return out


def batch_norm_npz(mapping: dict[str, list[np.ndarray]]) -> bytes:
    """The batch-norm statistics as an uncompressed ``.npz`` (fixed order, no pickles)."""
    arrays = {}
    for layer in CONV_LAYERS[:-1]:
        for key, value in zip(BN_KEYS, mapping[f"{layer}_bn"]):
            arrays[f"{layer}_bn/{key}"] = np.asarray(value, np.float32)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def build(graph: Path) -> tuple[bytes, bytes, dict[str, list[np.ndarray]]]:
    mapping = keras_weights(read_slim_constants(graph))
    flat = keras_to_tflite(keras_mobilenet(mapping))
    return flat, batch_norm_npz(mapping), mapping


def verify(flat: bytes, npz: bytes, mapping: dict[str, list[np.ndarray]],
           reference: dict[str, tuple], inputs: dict[str, np.ndarray]) -> dict:
    """Check a build against the graph; returns the numbers MOBILENET.json records."""
    runner = TFLiteRunner(flat, num_threads=2)
    shapes = runner.output_shapes()
    features_at, logits_at = shapes.index((1, 1024)), shapes.index((1, 1000))
    worst_features = worst_logits = 0.0
    for name, x in inputs.items():
        outputs = runner.run(x)
        pooled, logits = reference[name]
        worst_features = max(worst_features, float(np.abs(outputs[features_at][0] - pooled).max()))
        worst_logits = max(worst_logits, float(np.abs(outputs[logits_at][0] - logits).max()))
        if name == "chelsea":
            top = imagenet_classes()[int(np.argmax(outputs[logits_at][0]))]
    if worst_features > TOLERANCE or worst_logits > 10 * TOLERANCE:
        raise SystemExit(f"the converted model differs from the graph: features by "
                         f"{worst_features:.2e}, logits by {worst_logits:.2e}")
    if top != "Egyptian cat":
        raise SystemExit(f"the cat photo comes out {top!r}, not 'Egyptian cat'")
    with np.load(io.BytesIO(npz), allow_pickle=False) as stored:
        statistics = {k: stored[k] for k in stored.files}
    rebuilt = shipped_keras_weights(flat, statistics)
    worst_weight = 0.0
    for layer, values in mapping.items():
        for got, want in zip(rebuilt[layer], values):
            scale = max(float(np.abs(want).max()), 1e-6)
            worst_weight = max(worst_weight, float(np.abs(got - want).max()) / scale)
    if set(rebuilt) != set(mapping) or worst_weight > 1e-5:
        raise SystemExit(f"the Keras weights rebuilt from the model differ by {worst_weight:.2e}")
    return {"photos": list(PHOTOS), "cat_photo_top1": top,
            "max_abs_features_vs_graph": float(f"{worst_features:.3g}"),
            "max_abs_logits_vs_graph": float(f"{worst_logits:.3g}"),
            "max_rel_keras_weights_rebuilt_vs_graph": float(f"{worst_weight:.3g}")}


def manifest(flat: bytes, npz: bytes, graph: Path, checks: dict) -> dict:
    return {
        "name": "MobileNetV1 1.0/224, ImageNet",
        "licence": "Apache-2.0",
        "weights": "Google's TF-slim mobilenet_v1_1.0_224 trained on ImageNet "
                   "(tensorflow/models, research/slim)",
        "source": {"package": f"PyPI nudity=={version('nudity')}",
                   "file": "nudity/files/retrained_graph.pb",
                   "sha256": file_sha256(graph),
                   "read": "only the MobilenetV1/... constants; background class 0 dropped"},
        "built_with": {"script": "scripts/build_mobilenet.py",
                       "tensorflow": version("tensorflow"), "keras": version("keras"),
                       "ai-edge-litert": version("ai-edge-litert"),
                       "python": platform.python_version()},
        "input": "1x224x224x3 float32 RGB, x / 127.5 - 1",
        "outputs": {"features": "1x1024, global-average-pooled conv_pw_13 (slim AvgPool_1a)",
                    "logits": "1x1000, ImageNet classes (data/imagenet_classes.json order)"},
        "files": {
            "model": {"file": MODEL_FILE, "bytes": len(flat),
                      "sha256": hashlib.sha256(flat).hexdigest()},
            "batch_norm": {"file": BATCH_NORM_FILE, "bytes": len(npz),
                           "sha256": hashlib.sha256(npz).hexdigest(),
                           "holds": "gamma, beta, moving_mean, moving_variance of the 27 "
                                    "batch norms the converter folded (for fine-tuning)"},
        },
        "checks": checks,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--graph", help="the frozen graph (default: from the nudity package)")
    parser.add_argument("--out", default=str(FOLDER), help="where the files go")
    parser.add_argument("--check", action="store_true",
                        help="build in memory and compare with the shipped model; write nothing")
    args = parser.parse_args()
    graph = Path(args.graph) if args.graph else graph_path()
    inputs = photo_inputs()
    reference = graph_outputs(graph, inputs)
    flat, npz, mapping = build(graph)
    checks = verify(flat, npz, mapping, reference, inputs)
    record = manifest(flat, npz, graph, checks)
    out = Path(args.out)
    if args.check:
        shipped = json.loads((out / MANIFEST).read_text("utf-8"))
        same = {role: shipped["files"][role]["sha256"] == record["files"][role]["sha256"]
                for role in ("model", "batch_norm")}
        old = TFLiteRunner((out / MODEL_FILE).read_bytes(), num_threads=2)
        new = TFLiteRunner(flat, num_threads=2)
        worst = max(float(np.abs(a - b).max()) for x in inputs.values()
                    for a, b in zip(sorted(old.run(x), key=np.size),
                                        sorted(new.run(x), key=np.size)))
        print(f"byte-identical: {same}; largest output difference from the shipped model: "
              f"{worst:.2e}; checks: {checks}")
        return 0 if worst <= TOLERANCE else 1
    out.mkdir(parents=True, exist_ok=True)
    (out / MODEL_FILE).write_bytes(flat)
    (out / BATCH_NORM_FILE).write_bytes(npz)
    (out / MANIFEST).write_text(json.dumps(record, indent=2) + "\n", "utf-8")
    for role, info in record["files"].items():
        print(f"{info['file']}  {info['bytes']:>9} bytes  sha256 {info['sha256'][:16]}…")
    print(f"checks: {checks}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
