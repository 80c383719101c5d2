"""Teachable Machine import: ``p5knn.teachable_machine``.

The slow tests build models the way Teachable Machine does (teachablemachine-community,
``libraries/image`` and ``snippets/converter/image``): a MobileNetV2 (alpha 0.35, 224×224)
truncated at ``out_relu`` plus global average pooling, wrapped in a ``Sequential``, then a
``Sequential`` head of ``Dense(100, relu)`` and ``Dense(n, softmax, use_bias=False)``, both
inside an outer ``Sequential``. No ImageNet weights can be downloaded here, so the MobileNet
gets He-scaled random weights (which keep activations alive through the 17 blocks) and the
head is trained on three colour classes. The model is then exported like TM's:

* TF.js ``model.json`` (tfjs-layers topology: functional ``Model``, Keras-2 inbound nodes,
  ``VarianceScaling`` initializers with TF.js's ``"normal"`` distribution) + ``weights.bin``
  + ``metadata.json``;
* ``keras_model.h5`` as TM's converter wrote it (``tensorflowjs_converter`` under TF 2.3:
  Keras-2 config whose ``DepthwiseConv2D`` entries carry ``"groups": 1`` — the Keras 3
  failure of TM issue #403 — and Keras-2 weight names ``Conv1/kernel:0``) + ``labels.txt``;
* ``model_unquant.tflite`` and the quantized ``model.tflite`` (uint8 in and out, calibrated
  on the training images scaled ``x / 127.5 − 1``, as TM's converter does);
* each as the zip TM downloads.

The fast tests parse small hand-written exports and hostile files (no TensorFlow).
"""

from __future__ import annotations

import json
import os
import threading
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest

import p5knn
from p5knn import CorruptFileError
from p5knn.training import _teachable_files as tmfiles
from p5knn.training._teachable import teachable_machine
from p5knn.training._teachable_graph import match_weights, parse_topology

CLASSES = ["Red ball", "Green leaf", "Blue sky"]
COLOURS = [(200, 40, 40), (40, 180, 60), (40, 70, 210)]


# ============================================================================ fast: small files

def _init(kind="VarianceScaling"):
    return {"class_name": kind, "config": {"scale": 1, "mode": "fan_avg",
                                           "distribution": "normal", "seed": None}}


def tiny_topology(side: int = 8) -> dict:
    """A small model shaped like TM's, as tfjs-layers writes it."""
    conv = {"class_name": "Conv2D", "config": {
        "name": "Conv1", "trainable": True, "dtype": "float32", "filters": 4,
        "kernel_size": [3, 3], "strides": [2, 2], "padding": "same",
        "data_format": "channels_last", "dilation_rate": [1, 1], "activation": "linear",
        "use_bias": False, "kernel_initializer": _init(), "kernel_regularizer": None},
        "name": "Conv1", "inbound_nodes": [[["input_1", 0, 0, {}]]]}
    bn = {"class_name": "BatchNormalization", "config": {
        "name": "bn_Conv1", "trainable": True, "dtype": "float32", "axis": -1,
        "momentum": 0.999, "epsilon": 0.001, "center": True, "scale": True},
        "name": "bn_Conv1", "inbound_nodes": [[["Conv1", 0, 0, {}]]]}
    relu = {"class_name": "ReLU", "config": {"name": "Conv1_relu", "trainable": True,
                                             "dtype": "float32", "max_value": 6},
            "name": "Conv1_relu", "inbound_nodes": [[["bn_Conv1", 0, 0, {}]]]}
    dw = {"class_name": "DepthwiseConv2D", "config": {
        "name": "dw", "trainable": True, "dtype": "float32", "kernel_size": [3, 3],
        "strides": [1, 1], "padding": "same", "depth_multiplier": 1, "activation": "linear",
        "use_bias": False, "depthwise_initializer": _init()},
        "name": "dw", "inbound_nodes": [[["Conv1_relu", 0, 0, {}]]]}
    add = {"class_name": "Add", "config": {"name": "add", "trainable": True},
           "name": "add", "inbound_nodes": [[["dw", 0, 0, {}], ["Conv1_relu", 0, 0, {}]]]}
    inp = {"class_name": "InputLayer", "config": {
        "batch_input_shape": [None, side, side, 3], "dtype": "float32", "sparse": False,
        "name": "input_1"}, "name": "input_1", "inbound_nodes": []}
    functional = {"class_name": "Model", "config": {
        "name": "model1", "layers": [inp, conv, bn, relu, dw, add],
        "input_layers": [["input_1", 0, 0]], "output_layers": [["add", 0, 0]]}}
    base = {"class_name": "Sequential", "config": {"name": "sequential_1", "layers": [
        functional, {"class_name": "GlobalAveragePooling2D",
                     "config": {"name": "global_average_pooling2d_GlobalAveragePooling2D1",
                                "trainable": True, "dtype": "float32"}}]}}
    head = {"class_name": "Sequential", "config": {"name": "sequential_3", "layers": [
        {"class_name": "Dense", "config": {
            "units": 5, "activation": "relu", "use_bias": True, "kernel_initializer": _init(),
            "name": "dense_Dense1", "trainable": True, "batch_input_shape": [None, 4],
            "dtype": "float32"}},
        {"class_name": "Dense", "config": {
            "units": 2, "activation": "softmax", "use_bias": False, "name": "dense_Dense2",
            "trainable": True, "kernel_initializer": _init()}}]}}
    return {"class_name": "Sequential", "config": {"name": "sequential_4",
                                                   "layers": [base, head]},
            "keras_version": "tfjs-layers 1.3.1", "backend": "tensor_flow.js"}


TINY_WEIGHTS = [("Conv1/kernel", [3, 3, 3, 4]), ("bn_Conv1/gamma", [4]), ("bn_Conv1/beta", [4]),
                ("dw/depthwise_kernel", [3, 3, 4, 1]), ("dense_Dense1/kernel", [4, 5]),
                ("dense_Dense1/bias", [5]), ("dense_Dense2/kernel", [5, 2]),
                ("bn_Conv1/moving_mean", [4]), ("bn_Conv1/moving_variance", [4])]


def write_tiny_tfjs(folder: Path, topology: dict | None = None,
                    weights: list | None = None, labels=("Class 1", "Class 2"),
                    data: bytes | None = None, **doc_extra) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    weights = TINY_WEIGHTS if weights is None else weights
    rng = np.random.default_rng(0)
    blobs = [rng.uniform(0.5, 1.0, int(np.prod(s))).astype("<f4").tobytes() for _, s in weights]
    doc = {"format": "layers-model", "generatedBy": "TensorFlow.js tfjs-layers v1.3.1",
           "convertedBy": None,
           "modelTopology": tiny_topology() if topology is None else topology,
           "weightsManifest": [{"paths": ["weights.bin"], "weights": [
               {"name": n, "shape": s, "dtype": "float32"} for n, s in weights]}]}
    doc.update(doc_extra)
    (folder / "model.json").write_text(json.dumps(doc))
    (folder / "weights.bin").write_bytes(b"".join(blobs) if data is None else data)
    (folder / "metadata.json").write_text(json.dumps(
        {"tfjsVersion": "1.3.1", "tmVersion": "2.4.7", "packageVersion": "0.8.4",
         "packageName": "@teachablemachine/image", "modelName": "tm-my-image-model",
         "labels": list(labels), "imageSize": 8}))
    return folder


def parse_tiny(folder: Path):
    export = tmfiles.find_export(folder)
    topology, weights, _ = tmfiles.read_tfjs(export.files, export.model)
    net = parse_topology(topology, "model.json")
    return net, match_weights(net, weights, "model.json")


def test_tiny_tfjs_parses_into_a_flat_network(tmp_path):
    net, arrays = parse_tiny(write_tiny_tfjs(tmp_path / "tm"))
    assert net.input_shape == (8, 8, 3)
    assert [n.kind for n in net.nodes] == ["Conv2D", "BatchNormalization", "ReLU",
                                           "DepthwiseConv2D", "Add", "GlobalAveragePooling2D",
                                           "Dense", "Dense"]
    assert net.nodes[4].inputs == [3, 2]                      # Add(dw, relu)
    assert [a.shape for a in arrays[1]] == [(4,)] * 4        # gamma, beta, mean, variance
    assert net.output == len(net.nodes) - 1


def test_weights_are_matched_by_name_whatever_their_order(tmp_path):
    _, arrays = parse_tiny(write_tiny_tfjs(tmp_path / "a"))
    shuffled = TINY_WEIGHTS[::-1]
    rng = np.random.default_rng(0)
    blobs = {n: rng.uniform(0.5, 1.0, int(np.prod(s))).astype("<f4") for n, s in TINY_WEIGHTS}
    data = b"".join(blobs[n].tobytes() for n, _ in shuffled)
    _, again = parse_tiny(write_tiny_tfjs(tmp_path / "b", weights=shuffled, data=data))
    for first, second in zip(arrays, again):
        for x, y in zip(first, second):
            np.testing.assert_array_equal(x, y)


def test_browser_download_paths_with_dot_slash(tmp_path):
    folder = write_tiny_tfjs(tmp_path / "tm")
    _rewrite(folder, lambda d: d["weightsManifest"][0].update(paths=["./weights.bin"]))
    net, _ = parse_tiny(folder)
    assert len(net.nodes) == 8


def test_layers_listed_out_of_order_and_keras3_inbound_nodes(tmp_path):
    topology = tiny_topology()
    model = topology["config"]["layers"][0]["config"]["layers"][0]["config"]
    model["layers"] = [model["layers"][0]] + model["layers"][1:][::-1]
    for layer in model["layers"][1:]:                           # Keras 3's node format
        sources = [s[0] for s in layer["inbound_nodes"][0]]
        tensors = [{"class_name": "__keras_tensor__",
                    "config": {"shape": [None], "dtype": "float32",
                               "keras_history": [s, 0, 0]}} for s in sources]
        layer["inbound_nodes"] = [{"args": [tensors] if len(tensors) > 1 else tensors,
                                   "kwargs": {}}]
    model["input_layers"] = ["input_1", 0, 0]
    net, _ = parse_tiny(write_tiny_tfjs(tmp_path / "tm", topology))
    assert [n.kind for n in net.nodes][:5] == ["Conv2D", "BatchNormalization", "ReLU",
                                               "DepthwiseConv2D", "Add"]


def test_labels_txt_as_teachable_machine_writes_it():
    assert tmfiles.parse_labels_txt(b"0 Class 1\n1 Class 2\n", "l") == ["Class 1", "Class 2"]
    assert tmfiles.parse_labels_txt("\ufeff0 caf\u00e9 au lait\r\n1 2 cats\r\n".encode(),
                                    "l") == ["caf\u00e9 au lait", "2 cats"]
    assert tmfiles.parse_labels_txt(b"cat\ndog\n", "l") == ["cat", "dog"]
    for bad in (b"", b"\n\n", b"1 a\n0 b\n", b"\xff\xfe\x00", b"0 a\n2 b\n",
                b"x" * (tmfiles.MAX_LABELS_BYTES + 1)):
        with pytest.raises(CorruptFileError):
            tmfiles.parse_labels_txt(bad, "labels.txt")


def test_metadata_json():
    meta = tmfiles.parse_metadata(json.dumps({"labels": ["a", "b"], "imageSize": 224,
                                              "tmVersion": "2.4.7"}).encode(), "m")
    assert meta["labels"] == ["a", "b"] and meta["image_size"] == 224
    assert meta["info"] == {"tmVersion": "2.4.7"}
    for bad in ({"labels": "ab"}, {"labels": []}, {"labels": ["a", 3]}, [1, 2],
                {"labels": ["a"], "imageSize": -1}, {"labels": ["a"], "imageSize": True},
                {"labels": ["a"], "grayscale": "no"}, {"labels": ["a" * 1001]}):
        with pytest.raises(CorruptFileError):
            tmfiles.parse_metadata(json.dumps(bad).encode(), "metadata.json")
    with pytest.raises(CorruptFileError):
        tmfiles.parse_metadata(b"[" * 100 + b"]" * 100, "metadata.json")


def test_finding_the_model_in_folders_zips_and_files(tmp_path):
    folder = write_tiny_tfjs(tmp_path / "tm")
    assert tmfiles.find_export(folder).format == "tfjs"
    assert tmfiles.find_export(folder / "model.json").model == "model.json"
    assert tmfiles.find_export(folder / "metadata.json").format == "tfjs"
    (folder / "keras_Model.h5").write_bytes(b"x")               # newer exports' spelling
    (folder / "labels.txt").write_text("0 a\n1 b\n")
    assert tmfiles.find_export(folder).format == "keras"         # keras before tfjs
    assert tmfiles.find_export(folder, "tfjs").format == "tfjs"
    (folder / "model.tflite").write_bytes(b"x")
    (folder / "model_unquant.tflite").write_bytes(b"x")
    found = tmfiles.find_export(folder)
    assert (found.format, found.model) == ("tflite", "model_unquant.tflite")
    with pytest.raises(ValueError):
        tmfiles.find_export(folder, "onnx")
    with pytest.raises(ValueError):
        tmfiles.find_export(folder / "model.tflite", "keras")
    zpath = tmp_path / "tm-my-image-model.zip"
    with zipfile.ZipFile(zpath, "w") as z:
        for name in ("model.json", "weights.bin", "metadata.json"):
            z.write(folder / name, f"my-model/{name}")
        z.writestr("__MACOSX/my-model/._model.json", b"junk")
    export = tmfiles.find_export(zpath)
    assert export.format == "tfjs" and export.files.has("weights.bin")
    export.files.close()
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(FileNotFoundError):
        tmfiles.find_export(empty)
    (empty / "model_edgetpu.tflite").write_bytes(b"x")
    with pytest.raises(CorruptFileError, match="Edge TPU"):
        tmfiles.find_export(empty)
    with pytest.raises(FileNotFoundError):
        tmfiles.find_export(tmp_path / "nope.zip")
    with pytest.raises(CorruptFileError):
        tmfiles.find_export(folder / "weights.bin")


def _rewrite(folder: Path, change) -> Path:
    doc = json.loads((folder / "model.json").read_text())
    change(doc)
    (folder / "model.json").write_text(json.dumps(doc))
    return folder


def _layer(doc, index):
    return doc["modelTopology"]["config"]["layers"][0]["config"]["layers"][0]["config"][
        "layers"][index]


HOSTILE_TFJS = {
    "graph model": lambda d: d.update(format="graph-model"),
    "no topology": lambda d: d.pop("modelTopology"),
    "no manifest": lambda d: d.pop("weightsManifest"),
    "manifest not a list": lambda d: d.update(weightsManifest={"paths": []}),
    "path escapes": lambda d: d["weightsManifest"][0].update(paths=["../weights.bin"]),
    "absolute path": lambda d: d["weightsManifest"][0].update(paths=["/etc/passwd"]),
    "missing file": lambda d: d["weightsManifest"][0].update(paths=["other.bin"]),
    "int32 weights": lambda d: d["weightsManifest"][0]["weights"][0].update(dtype="int32"),
    "bad shape": lambda d: d["weightsManifest"][0]["weights"][0].update(shape=[3, -3]),
    "huge shape": lambda d: d["weightsManifest"][0]["weights"][0].update(shape=[1 << 20] * 3),
    "bool shape": lambda d: d["weightsManifest"][0]["weights"][0].update(shape=[True]),
    "duplicate weight": lambda d: d["weightsManifest"][0]["weights"][2].update(
        name="bn_Conv1/gamma"),
    "bad quantization": lambda d: d["weightsManifest"][0]["weights"][0].update(
        quantization={"dtype": "uint8", "scale": float("nan"), "min": 0}),
    "lambda layer": lambda d: _layer(d, 3).update(class_name="Lambda"),
    "custom class": lambda d: _layer(d, 3).update(class_name="my_module>Evil"),
    "unknown option": lambda d: _layer(d, 1)["config"].update(function="os.system"),
    "bad activation": lambda d: _layer(d, 1)["config"].update(activation="__import__"),
    "groups of 2": lambda d: _layer(d, 4)["config"].update(groups=2),
    "float64 layer": lambda d: _layer(d, 1)["config"].update(dtype="float64"),
    "channels first": lambda d: _layer(d, 1)["config"].update(data_format="channels_first"),
    "string filters": lambda d: _layer(d, 1)["config"].update(filters="4"),
    "huge kernel": lambda d: _layer(d, 1)["config"].update(kernel_size=[10 ** 9, 3]),
    "nan epsilon": lambda d: _layer(d, 2)["config"].update(epsilon=float("nan")),
    "cycle": lambda d: _layer(d, 1).update(inbound_nodes=[[["add", 0, 0, {}]]]),
    "unknown source": lambda d: _layer(d, 2).update(inbound_nodes=[[["ghost", 0, 0, {}]]]),
    "shared layer": lambda d: _layer(d, 2).update(inbound_nodes=[[["Conv1", 0, 0, {}]],
                                                                 [["Conv1", 0, 0, {}]]]),
    "node index": lambda d: _layer(d, 2).update(inbound_nodes=[[["Conv1", 1, 0, {}]]]),
    "duplicate names": lambda d: _layer(d, 3)["config"].update(name="bn_Conv1"),
    "two inputs": lambda d: d["modelTopology"]["config"]["layers"][0]["config"]["layers"][0][
        "config"].update(input_layers=[["input_1", 0, 0], ["Conv1", 0, 0]]),
    "input 5-D": lambda d: _layer(d, 0)["config"].update(batch_input_shape=[None, 8, 8, 3, 1]),
    "input 2 channels": lambda d: _layer(d, 0)["config"].update(
        batch_input_shape=[None, 8, 8, 2]),
    "giant image": lambda d: _layer(d, 0)["config"].update(
        batch_input_shape=[None, 10 ** 6, 10 ** 6, 3]),
    "top is a layer": lambda d: d.update(modelTopology={"class_name": "Dense", "config": {}}),
    "topology not a dict": lambda d: d.update(modelTopology=[1, 2]),
    "empty sequential": lambda d: d["modelTopology"]["config"].update(layers=[]),
    "input in the middle": lambda d: d["modelTopology"]["config"]["layers"].append(
        {"class_name": "InputLayer", "config": {"name": "x"}}),
    "weight for no layer": lambda d: d["weightsManifest"][0]["weights"].__setitem__(
        0, {"name": "ghost/kernel", "shape": [3, 3, 3, 4], "dtype": "float32"}),
    "weight wrong shape": lambda d: d["weightsManifest"][0]["weights"].__setitem__(
        0, {"name": "Conv1/kernel", "shape": [3, 3, 4, 3], "dtype": "float32"}),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_TFJS))
def test_hostile_tfjs_model_json_is_refused(tmp_path, case):
    folder = _rewrite(write_tiny_tfjs(tmp_path / "tm"), HOSTILE_TFJS[case])
    with pytest.raises(CorruptFileError):
        parse_tiny(folder)


@pytest.mark.parametrize("change", ["short", "long", "empty"])
def test_weights_bin_must_match_the_manifest(tmp_path, change):
    good = write_tiny_tfjs(tmp_path / "good") / "weights.bin"
    data = good.read_bytes()
    data = {"short": data[:-4], "long": data + b"\0" * 4, "empty": b""}[change]
    folder = write_tiny_tfjs(tmp_path / "tm", data=data)
    with pytest.raises(CorruptFileError, match="bytes"):
        parse_tiny(folder)


def test_nan_weights_and_deep_json_are_refused(tmp_path):
    sizes = sum(int(np.prod(s)) for _, s in TINY_WEIGHTS)
    nan = np.full(sizes, np.nan, "<f4").tobytes()
    with pytest.raises(CorruptFileError, match="NaN"):
        parse_tiny(write_tiny_tfjs(tmp_path / "nan", data=nan))
    deep = write_tiny_tfjs(tmp_path / "deep")
    (deep / "model.json").write_text('{"modelTopology": ' + "[" * 5000 + "]" * 5000 + "}")
    with pytest.raises(CorruptFileError, match="nested"):
        parse_tiny(deep)
    (deep / "model.json").write_bytes(b"\xff\xfe not json")
    with pytest.raises(CorruptFileError):
        parse_tiny(deep)


def test_quantized_tfjs_weights_are_dequantized(tmp_path):
    folder = write_tiny_tfjs(tmp_path / "tm")
    doc = json.loads((folder / "model.json").read_text())
    entries = doc["weightsManifest"][0]["weights"]
    blobs, expected = [], {}
    rng = np.random.default_rng(3)
    for i, entry in enumerate(entries):
        n = int(np.prod(entry["shape"]))
        if i == 0:
            q = rng.integers(0, 256, n).astype(np.uint8)
            entry["quantization"] = {"dtype": "uint8", "scale": 0.01, "min": -1.0}
            expected[entry["name"]] = q.astype(np.float32) * np.float32(0.01) - 1
            blobs.append(q.tobytes())
        elif i == 1:
            h = rng.uniform(0.5, 1, n).astype("<f2")
            entry["quantization"] = {"dtype": "float16"}
            expected[entry["name"]] = h.astype(np.float32)
            blobs.append(h.tobytes())
        else:
            v = rng.uniform(0.5, 1, n).astype("<f4")
            expected[entry["name"]] = v
            blobs.append(v.tobytes())
    (folder / "model.json").write_text(json.dumps(doc))
    (folder / "weights.bin").write_bytes(b"".join(blobs))
    export = tmfiles.find_export(folder)
    _, weights, _ = tmfiles.read_tfjs(export.files, export.model)
    for name, values in expected.items():
        np.testing.assert_allclose(weights[name].ravel(), values, rtol=1e-6)


def test_hostile_files_fail_before_tensorflow_loads(tmp_path, monkeypatch):
    """Through the public function: a bad export raises CorruptFileError, and the check
    happens before any conversion (so before TensorFlow is needed)."""
    monkeypatch.setenv("P5KNN_CACHE_DIR", str(tmp_path / "cache"))
    folder = _rewrite(write_tiny_tfjs(tmp_path / "tm"), HOSTILE_TFJS["lambda layer"])
    with pytest.raises(CorruptFileError, match="Lambda"):
        teachable_machine(folder)
    labels_off = write_tiny_tfjs(tmp_path / "labels", labels=("only one",))
    with pytest.raises(CorruptFileError, match="2 outputs but 1 class"):
        teachable_machine(labels_off)
    with pytest.raises(CorruptFileError, match="2 outputs but 3 class"):
        teachable_machine(labels_off, labels=["a", "b", "c"])
    with pytest.raises(FileNotFoundError):
        teachable_machine(tmp_path / "missing")
    assert not (tmp_path / "cache").exists()                     # nothing was converted


def test_zip_bombs_lies_and_junk_are_refused(tmp_path, tm_cache):
    folder = write_tiny_tfjs(tmp_path / "tm")
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        for name in ("weights.bin", "metadata.json"):
            z.write(folder / name, name)
        z.writestr("model.json", b" " * (tmfiles.MAX_JSON_BYTES + 10))
    with pytest.raises(CorruptFileError, match="allowed"):
        teachable_machine(bomb)
    # a member whose header lies about its size
    liar = tmp_path / "liar.zip"
    with zipfile.ZipFile(liar, "w") as z:
        for name in ("model.json", "weights.bin", "metadata.json"):
            z.write(folder / name, name)
    raw = bytearray(liar.read_bytes())
    at = raw.rfind(b"weights.bin")            # central directory entry: patch file_size
    cd = raw.rfind(b"PK\x01\x02", 0, at)
    raw[cd + 24:cd + 28] = (1).to_bytes(4, "little")
    liar.write_bytes(bytes(raw))
    with pytest.raises(CorruptFileError):
        teachable_machine(liar)
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(CorruptFileError):
        teachable_machine(junk)
    os.mkfifo(tmp_path / "fifo.zip")
    with pytest.raises(CorruptFileError):
        teachable_machine(tmp_path / "fifo.zip")


def _h5(path: Path, config, weights: dict[str, np.ndarray] | None = None, **kw) -> Path:
    h5py = pytest.importorskip("h5py")
    with h5py.File(path, "w") as f:
        if config is not None:
            f.attrs["model_config"] = json.dumps(config)
        f.attrs["keras_version"] = "2.4.0"
        group = f.create_group("model_weights")
        group.attrs["layer_names"] = [b"all"]
        layer = group.create_group("all")
        layer.attrs["weight_names"] = [n.encode() + b":0" for n in (weights or {})]
        for name, values in (weights or {}).items():
            layer.create_dataset(name + ":0", data=values, **kw)
    return path


def _tiny_weights() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {n: rng.uniform(0.5, 1, s).astype(np.float32) for n, s in TINY_WEIGHTS}


def test_keras_h5_reads_config_and_weights_by_name(tmp_path):
    path = _h5(tmp_path / "keras_model.h5", tiny_topology(), _tiny_weights())
    topology, weights = tmfiles.read_h5(path.read_bytes(), "keras_model.h5")
    net = parse_topology(topology, "keras_model.h5")
    arrays = match_weights(net, weights, "keras_model.h5")
    np.testing.assert_array_equal(arrays[0][0], _tiny_weights()["Conv1/kernel"])


def test_hostile_h5_files_are_refused(tmp_path):
    h5py = pytest.importorskip("h5py")
    w = _tiny_weights()
    cases = {
        "not hdf5": lambda p: p.write_bytes(b"not an hdf5 file at all"),
        "no config": lambda p: _h5(p, None, w),
        "config not json": lambda p: _h5(p, "{{{", w),
        "compressed": lambda p: _h5(p, tiny_topology(), w, compression="gzip"),
        "int weights": lambda p: _h5(p, tiny_topology(),
                                     {k: v.astype(np.int32) for k, v in w.items()}),
        "nan weights": lambda p: _h5(p, tiny_topology(),
                                     {k: v * np.nan for k, v in w.items()}),
        "missing weight": lambda p: _h5(p, tiny_topology(), dict(list(w.items())[1:])),
    }
    for name, make in cases.items():
        path = tmp_path / f"{name}.h5"
        make(path)
        with pytest.raises(CorruptFileError):
            topology, weights = tmfiles.read_h5(path.read_bytes(), name)
            net = parse_topology(topology, name)
            match_weights(net, weights, name)
    # an external link to another file, and a dataset that is not stored (fill value only)
    secret = _h5(tmp_path / "secret.h5", tiny_topology(), w)
    path = _h5(tmp_path / "linked.h5", tiny_topology(), w)
    with h5py.File(path, "a") as f:
        del f["model_weights/all/Conv1/kernel:0"]
        f["model_weights/all/Conv1/kernel:0"] = h5py.ExternalLink(
            str(secret), "model_weights/all/Conv1/kernel:0")
    with pytest.raises(CorruptFileError, match="link"):
        tmfiles.read_h5(path.read_bytes(), "linked.h5")
    path = _h5(tmp_path / "sparse.h5", tiny_topology(), w)
    with h5py.File(path, "a") as f:
        del f["model_weights/all/Conv1/kernel:0"]
        f["model_weights/all/Conv1"].create_dataset("kernel:0", shape=(3, 3, 3, 4),
                                                    dtype="f4", chunks=True)
    with pytest.raises(CorruptFileError, match="stored"):
        tmfiles.read_h5(path.read_bytes(), "sparse.h5")


def test_duplicate_class_names_are_told_apart():
    from p5knn.training._teachable import _unique

    with pytest.warns(UserWarning, match="twice"):
        assert _unique(["a", "b", "a"]) == ["a", "b", "a (2)"]


# ============================================================================ slow: real models

def _he_random_mobilenet(keras, seed: int = 1):
    """TM's truncated MobileNetV2 0.35/224 with random weights that keep it alive."""
    base = keras.applications.MobileNetV2(input_shape=(224, 224, 3), alpha=0.35,
                                          include_top=False, weights=None)
    rng = np.random.default_rng(seed)
    for layer in base.layers:
        values = layer.get_weights()
        kind = type(layer).__name__
        if kind in ("Conv2D", "DepthwiseConv2D"):
            kh, kw, cin, _ = values[0].shape
            fan = kh * kw * (1 if kind == "DepthwiseConv2D" else cin)
            gain = 1.0 if layer.name.endswith("project") else 2.0
            values[0] = rng.normal(0, np.sqrt(gain / fan), values[0].shape)
        elif kind == "BatchNormalization":
            c = values[0].shape[0]
            values = [rng.uniform(0.8, 1.2, c), rng.normal(0, 0.1, c), rng.normal(0, 0.05, c),
                      rng.uniform(0.8, 1.2, c)]
        if values:
            layer.set_weights([np.asarray(v, np.float32) for v in values])
    return keras.Model(base.inputs, base.get_layer("out_relu").output, name="model1")


def colour_image(colour, rng, size=(224, 224)) -> np.ndarray:
    """A noisy colour field with a brighter blob: one of the three classes."""
    h, w = size
    img = np.empty((h, w, 3), np.float32)
    img[:] = colour
    img += rng.normal(0, 25, img.shape)
    y, x = rng.integers(0, h), rng.integers(0, w)
    img[max(0, y - 20):y + 20, max(0, x - 20):x + 20] += 40
    return np.clip(img, 0, 255).astype(np.uint8)


def tm_input(img: np.ndarray) -> np.ndarray:
    """TM's preprocessing, written out independently: centre square, bilinear to 224,
    x / 127.5 − 1."""
    import cv2

    h, w = img.shape[:2]
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    square = img[top:top + side, left:left + side]
    if side != 224:
        square = cv2.resize(square, (224, 224), interpolation=cv2.INTER_LINEAR)
    return square.astype(np.float32) / 127.5 - 1


def _legacy(entry: dict, flavour: str) -> dict:
    """A Keras 3 layer/model config entry rewritten as tfjs-layers ("tfjs") or TensorFlow
    2.3's Keras ("h5") wrote it."""
    kind = entry["class_name"]
    cfg = dict(entry["config"])
    if kind == "Functional":
        out = {"name": cfg["name"], "layers": [], "input_layers": [cfg["input_layers"]]
               if isinstance(cfg["input_layers"][0], str) else cfg["input_layers"],
               "output_layers": [cfg["output_layers"]]
               if isinstance(cfg["output_layers"][0], str) else cfg["output_layers"]}
        for layer in cfg["layers"]:
            converted = _legacy(layer, flavour)
            converted["name"] = layer["name"]
            nodes = []
            for node in layer["inbound_nodes"]:
                tensors = []
                for arg in node["args"]:
                    tensors.extend(arg if isinstance(arg, list) else [arg])
                nodes.append([[*t["config"]["keras_history"], {}] for t in tensors])
            converted["inbound_nodes"] = nodes
            out["layers"].append(converted)
        return {"class_name": "Model" if flavour == "tfjs" else "Functional", "config": out}
    if kind == "Sequential":
        layers = [_legacy(layer, flavour) for layer in cfg["layers"]]
        return {"class_name": "Sequential", "config": {"name": cfg["name"], "layers": layers}}
    if kind == "InputLayer":
        conf = {"batch_input_shape": cfg["batch_shape"], "dtype": "float32", "sparse": False,
                "name": cfg["name"]}
        if flavour == "h5":
            conf["ragged"] = False
        return {"class_name": "InputLayer", "config": conf}
    for key in ("synchronized", "lora_rank", "lora_alpha", "quantization_config",
                "gradient_accumulation_steps"):
        cfg.pop(key, None)
    cfg["dtype"] = "float32"
    for key, value in list(cfg.items()):
        if isinstance(value, dict) and "class_name" in value:   # initializers
            inner = {k: v for k, v in value.get("config", {}).items()
                     if k not in ("input_axes", "output_axes")}
            if flavour == "tfjs" and key == "kernel_initializer" and kind == "Dense":
                # tfjs's varianceScaling() default: a distribution Keras 3 does not know
                value = {"class_name": "VarianceScaling",
                         "config": {"scale": 1, "mode": "fan_avg", "distribution": "normal",
                                    "seed": None}}
            else:
                value = {"class_name": value["class_name"], "config": inner}
            cfg[key] = value
    if kind == "DepthwiseConv2D" and flavour == "h5":
        cfg["groups"] = 1            # Keras 2's Conv base class config: TM issue #403
    if kind == "ReLU" and cfg.get("negative_slope") == 0.0 and flavour == "tfjs":
        cfg.pop("negative_slope")
        cfg.pop("threshold", None)
    return {"class_name": kind, "config": cfg}


def _leaf_layers(model):
    for layer in model.layers:
        if hasattr(layer, "layers"):
            yield from _leaf_layers(layer)
        else:
            yield layer


def _named_weights(model) -> list[tuple[str, np.ndarray]]:
    """Keras 2 / TF.js weight names, trainable weights first (Keras 2's order)."""
    trainable, frozen = [], []
    for layer in _leaf_layers(model):
        for var in layer.weights:
            short = "depthwise_kernel" if type(layer).__name__ == "DepthwiseConv2D" and \
                var.name == "kernel" else var.name
            pair = (f"{layer.name}/{short}", np.asarray(var.numpy(), np.float32))
            (trainable if var.trainable else frozen).append(pair)
    return trainable + frozen


def export_tfjs(model, folder: Path, labels) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    topology = _legacy({"class_name": "Sequential", "config": model.get_config()}, "tfjs")
    topology.update(keras_version="tfjs-layers 1.3.1", backend="tensor_flow.js")
    weights = _named_weights(model)
    (folder / "model.json").write_text(json.dumps({
        "format": "layers-model", "generatedBy": "TensorFlow.js tfjs-layers v1.3.1",
        "convertedBy": None, "modelTopology": topology,
        "weightsManifest": [{"paths": ["weights.bin"], "weights": [
            {"name": n, "shape": list(v.shape), "dtype": "float32"} for n, v in weights]}]}))
    (folder / "weights.bin").write_bytes(b"".join(v.astype("<f4").tobytes() for _, v in weights))
    (folder / "metadata.json").write_text(json.dumps({
        "tfjsVersion": "1.3.1", "tmVersion": "2.4.7", "packageVersion": "0.8.4",
        "packageName": "@teachablemachine/image", "timeStamp": "2024-10-16T12:00:00.000Z",
        "userMetadata": {}, "modelName": "tm-my-image-model", "labels": list(labels),
        "imageSize": 224}))
    return folder


def export_keras_h5(model, path: Path) -> Path:
    """``keras_model.h5`` laid out as Keras 2 (TF 2.3, TM's converter) saved it."""
    import h5py

    config = _legacy({"class_name": "Sequential", "config": model.get_config()}, "h5")
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = "2.4.0"
        f.attrs["backend"] = "tensorflow"
        f.attrs["model_config"] = json.dumps(config)
        root = f.create_group("model_weights")
        root.attrs["keras_version"] = "2.4.0"
        root.attrs["backend"] = "tensorflow"
        tops = [layer for layer in model.layers]
        root.attrs["layer_names"] = [layer.name.encode() for layer in tops]
        for layer in tops:
            group = root.create_group(layer.name)
            named = _named_weights(layer) if hasattr(layer, "layers") else []
            group.attrs["weight_names"] = [f"{n}:0".encode() for n, _ in named]
            for name, values in named:
                group.create_dataset(f"{name}:0", data=values)
    return path


def write_labels(path: Path, labels) -> None:
    path.write_text("".join(f"{i} {name}\n" for i, name in enumerate(labels)))


def _zip(path: Path, files: dict[str, Path]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, source in files.items():
            z.write(source, name)
    return path


@pytest.fixture(scope="module")
def tm_exports(tmp_path_factory):
    """A TM-like model trained on three colour classes, exported in every TM format."""
    pytest.importorskip("tensorflow")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(0)
    root = tmp_path_factory.mktemp("tm")
    rng = np.random.default_rng(0)
    truncated = keras.Sequential([keras.Input((224, 224, 3)), _he_random_mobilenet(keras),
                                  keras.layers.GlobalAveragePooling2D()], name="sequential_1")
    train = [(colour_image(c, rng), k) for k in range(3) for c in [COLOURS[k]] * 8]
    x = np.stack([img.astype(np.float32) / 127.5 - 1 for img, _ in train])
    y = np.eye(3, dtype=np.float32)[[k for _, k in train]]
    features = truncated.predict(x, verbose=0)
    head = keras.Sequential([keras.Input((features.shape[1],)),
                             keras.layers.Dense(100, activation="relu", name="dense_Dense1"),
                             keras.layers.Dense(3, activation="softmax", use_bias=False,
                                                name="dense_Dense2")], name="sequential_3")
    head.compile(keras.optimizers.Adam(1e-3), "categorical_crossentropy")
    head.fit(features, y, epochs=60, batch_size=8, verbose=0)
    model = keras.Sequential([keras.Input((224, 224, 3)), truncated, head], name="sequential_4")

    tfjs = export_tfjs(model, root / "tfjs", CLASSES)
    kdir = root / "keras"
    kdir.mkdir()
    h5 = export_keras_h5(model, kdir / "keras_model.h5")
    write_labels(kdir / "labels.txt", CLASSES)
    fdir, qdir = root / "tflite", root / "tflite_quant"
    fdir.mkdir()
    qdir.mkdir()
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    (fdir / "model_unquant.tflite").write_bytes(converter.convert())

    def representative():
        for sample in x[::2]:
            yield [sample[None]]

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = representative
    converter.inference_input_type = tf.uint8
    converter.inference_output_type = tf.uint8
    with warnings.catch_warnings():   # "Statistics for quantized inputs were expected"
        warnings.simplefilter("ignore", UserWarning)
        (qdir / "model.tflite").write_bytes(converter.convert())
    write_labels(fdir / "labels.txt", CLASSES)
    write_labels(qdir / "labels.txt", CLASSES)
    zips = {
        "keras": _zip(root / "converted_keras.zip", {"keras_model.h5": h5,
                                                     "labels.txt": kdir / "labels.txt"}),
        "tflite": _zip(root / "converted_tflite.zip", {
            "model_unquant.tflite": fdir / "model_unquant.tflite",
            "labels.txt": fdir / "labels.txt"}),
        "quantized": _zip(root / "converted_tflite_quantized.zip", {
            "model.tflite": qdir / "model.tflite", "labels.txt": qdir / "labels.txt"}),
        "tfjs": _zip(root / "tm-my-image-model.zip", {
            name: tfjs / name for name in ("model.json", "weights.bin", "metadata.json")}),
    }
    rng = np.random.default_rng(7)
    tests = [(colour_image(COLOURS[k], rng, (300, 400)), k) for k in range(3)]
    reference = model.predict(np.stack([tm_input(img) for img, _ in tests]), verbose=0)
    return {"model": model, "root": root, "keras": h5, "tfjs": tfjs,
            "tflite": fdir / "model_unquant.tflite", "quantized": qdir / "model.tflite",
            "zips": zips, "tests": tests, "reference": reference}


@pytest.fixture
def tm_cache(tmp_path, monkeypatch):
    """A fresh, empty model cache."""
    monkeypatch.setenv("P5KNN_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory):
    """One model cache for the slow tests of this module (each format converts once)."""
    folder = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("P5KNN_CACHE_DIR", str(folder))
        yield folder


@pytest.mark.slow
def test_keras3_cannot_load_tms_keras_file_but_p5knn_can(tm_exports, shared_cache):
    """TM issue #403, reproduced: Keras 3 refuses the ``groups`` of DepthwiseConv2D."""
    import keras

    with pytest.raises((TypeError, ValueError), match="groups"):
        keras.models.load_model(tm_exports["keras"], compile=False)
    config = json.loads(__import__("h5py").File(tm_exports["keras"])
                        .attrs["model_config"])
    assert '"groups": 1' in json.dumps(config)
    tm = p5knn.teachable_machine(tm_exports["keras"])
    assert tm.format == "keras" and tm.class_names == CLASSES and not tm.quantized
    for (img, k), ref in zip(tm_exports["tests"], tm_exports["reference"]):
        result = tm.classify(img)
        assert result.label == CLASSES[k] and result.class_index == k
        assert list(result.confidences) == CLASSES                  # class order
        np.testing.assert_allclose(list(result.confidences.values()), ref, atol=2e-5)
    assert len(list(shared_cache.glob("teachable-keras-*.tflite"))) == 1
    tm.close()


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["tfjs", "tflite", "quantized"])
def test_every_export_format_answers_like_the_keras_model(tm_exports, shared_cache, kind):
    tm = p5knn.teachable_machine(tm_exports[kind])
    assert tm.class_names == CLASSES
    assert tm.quantized == (kind == "quantized")
    tol = 0.08 if kind == "quantized" else 2e-5
    for (img, k), ref in zip(tm_exports["tests"], tm_exports["reference"]):
        probs = tm.probabilities(img)
        assert int(np.argmax(probs)) == k
        np.testing.assert_allclose(probs, ref, atol=tol)
    if kind == "tfjs":
        assert tm.info["tmVersion"] == "2.4.7" and tm.info["image_size"] == 224
    tm.close()


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["keras", "tflite", "quantized", "tfjs"])
def test_the_zips_tm_downloads_load_as_they_are(tm_exports, shared_cache, kind):
    tm = p5knn.teachable_machine(tm_exports["zips"][kind])
    img, k = tm_exports["tests"][1]
    assert tm.classify(img).label == CLASSES[k]
    tm.close()


@pytest.mark.slow
def test_conversion_is_cached_and_a_damaged_cache_is_rebuilt(tm_exports, shared_cache,
                                                             tm_cache, monkeypatch):
    import shutil
    import time

    monkeypatch.setenv("P5KNN_CACHE_DIR", str(shared_cache))   # converted once there
    p5knn.teachable_machine(tm_exports["tfjs"]).close()
    tm_cache.mkdir()
    for made in shared_cache.glob("teachable-tfjs-*"):
        shutil.copy(made, tm_cache / made.name)
    monkeypatch.setenv("P5KNN_CACHE_DIR", str(tm_cache))
    cached = list(tm_cache.glob("teachable-tfjs-*.tflite"))
    assert len(cached) == 1
    start = time.perf_counter()
    tm = p5knn.teachable_machine(tm_exports["tfjs"])
    assert time.perf_counter() - start < 2.0                      # no second conversion
    tm.close()
    cached[0].write_bytes(b"damaged")
    tm = p5knn.teachable_machine(tm_exports["tfjs"])
    img, k = tm_exports["tests"][0]
    assert tm.classify(img).label == CLASSES[k]
    tm.close()


@pytest.mark.slow
def test_preprocessing_crop_flip_bands_and_top_k(tm_exports, shared_cache):
    tm = p5knn.teachable_machine(tm_exports["tflite"])
    rng = np.random.default_rng(11)
    img = rng.integers(0, 256, (240, 320, 3), dtype=np.uint8)
    np.testing.assert_allclose(tm.prepare(img), tm_input(img), atol=1e-6)
    square = rng.integers(0, 256, (224, 224, 3), dtype=np.uint8)
    expected = tm_exports["model"].predict(tm_input(square)[None], verbose=0)[0]
    np.testing.assert_allclose(tm.probabilities(square), expected, atol=2e-5)
    # flip: the mirrored image, like TM's predict(image, flipped=true)
    plain = tm.probabilities(img[:, ::-1].copy())
    tm.flip = True
    np.testing.assert_allclose(tm.probabilities(img), plain, atol=1e-6)
    flipped = p5knn.teachable_machine(tm_exports["tflite"], flip=True)
    np.testing.assert_allclose(flipped.probabilities(img), plain, atol=1e-6)
    tm.flip = False
    np.testing.assert_allclose(tm.probabilities(img[:, :, ::-1].copy(), bands="BGR"),
                               tm.probabilities(img), atol=1e-6)
    result = tm.classify(img, top_k=2)
    assert len(result.confidences) == 2
    assert list(result.confidences.values()) == sorted(result.confidences.values(),
                                                       reverse=True)
    with pytest.raises(ValueError):
        tm.classify(img, top_k=0)
    flipped.close()
    tm.close()


@pytest.mark.slow
def test_classify_follows_the_live_rule_and_classify_start_runs(tm_exports, shared_cache):
    tm = p5knn.teachable_machine(tm_exports["quantized"], callbacks="worker")
    img, k = tm_exports["tests"][2]
    got, where = [], []
    done = threading.Event()

    def callback(result):
        got.append(result)
        where.append(threading.current_thread().name)
        done.set()

    future = tm.classify(img, callback=callback)
    assert future.result(30).label == CLASSES[k]
    assert done.wait(10) and where[0].startswith("p5knn-tm")
    frames = []
    seen = threading.Event()

    def stream(result):
        frames.append(result)
        if len(frames) >= 3:
            seen.set()

    tm.classify_start(lambda: img, stream, fps=30)
    assert seen.wait(30)
    tm.classify_stop()
    assert not tm.is_classifying
    assert all(r.label == CLASSES[k] and r.frame_time is not None for r in frames)
    errors = []
    tm.classify(np.zeros((2, 2), np.float64) + np.nan, on_error=errors.append).exception(30)
    assert errors and isinstance(errors[0], p5knn.ImageError)
    tm.close()
    assert not tm.worker.is_alive


@pytest.mark.slow
def test_labels_override_mismatch_and_broken_tflite(tm_exports, shared_cache, tmp_path):
    tm = p5knn.teachable_machine(tm_exports["tflite"], labels=["r", "g", "b"])
    assert tm.class_names == ["r", "g", "b"]
    tm.close()
    with pytest.raises(CorruptFileError, match="3 outputs"):
        p5knn.teachable_machine(tm_exports["tflite"], labels=["a", "b"])
    folder = tmp_path / "broken"
    folder.mkdir()
    data = tm_exports["tflite"].read_bytes()
    write_labels(folder / "labels.txt", CLASSES)
    for blob in (data[: len(data) // 3], os.urandom(4096), b""):
        (folder / "model_unquant.tflite").write_bytes(blob)
        with pytest.raises(CorruptFileError):
            p5knn.teachable_machine(folder)
