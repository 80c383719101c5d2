"""Image → feature vector: the frozen MobileNet (or a user's own model) run with LiteRT."""

from __future__ import annotations

import json
import re
import threading
from importlib import resources
from pathlib import Path
from concurrent.futures import Future
from typing import Any, Callable, Iterable, NamedTuple, Sequence

import numpy as np

from p5knn.features import _images as images
from p5knn._base.errors import ImageError, ModelError, P5KNNError
from p5knn.features._model_cache import cached_model
from p5knn.features._runtime import TFLiteRunner, live_threads
from p5knn.live._worker import Worker

MOBILENET_NAMES = ("mobilenet", "mobilenet_v1", "mobilenetv1")
MOBILENET_KEY = "mobilenet_v1_1.0_224-imagenet-v1"


class Prediction(NamedTuple):
    """One ImageNet (or custom-head) answer: ``(class_name, probability)``."""

    class_name: str
    probability: float


def imagenet_classes() -> list[str]:
    """The 1000 ImageNet class names, in the order of MobileNet's outputs."""
    data = resources.files("p5knn").joinpath("data/imagenet_classes.json").read_text("utf-8")
    return json.loads(data)["classes"]


def _softmax(values: np.ndarray) -> np.ndarray:
    shifted = np.exp(values - values.max())
    return shifted / shifted.sum()


class FeatureExtractor:
    """Turns images into feature vectors (``infer``) and, with a head, names them (``classify``).

    Create one with :func:`p5knn.feature_extractor`. Methods are thread-safe.
    """

    def __init__(self, runner: TFLiteRunner, name: str, feature_output: int,
                 head_output: int | None = None, class_names: Sequence[str] | None = None,
                 preprocess: images.Preprocess = "mobilenet", head_is_logits: bool = True,
                 source: str | None = None,
                 runner_factory: Callable[[int], TFLiteRunner] | None = None) -> None:
        self._runner = runner
        self._runner_factory = runner_factory
        self._live_runner: TFLiteRunner | None = None
        self.name = name
        self.source = source
        self._feature_output = feature_output
        self._head_output = head_output
        self._class_names = list(class_names) if class_names is not None else None
        self._head_is_logits = head_is_logits
        self.preprocess = preprocess
        self.input_size: tuple[int, int] = runner.input_shape[:2]
        if runner.input_shape[2] != 3:
            raise ModelError(f"model {name} takes {runner.input_shape[2]}-channel images; "
                             "p5knn feeds RGB (3 channels)")
        shape = runner.output_shapes()[feature_output]
        self.feature_size = int(shape[-1] if len(shape) == 4 else np.prod(shape[1:]))
        self._worker: Worker | None = None
        self._worker_lock = threading.Lock()

    def __repr__(self) -> str:
        return (f"FeatureExtractor({self.name!r}, feature_size={self.feature_size}, "
                f"input_size={self.input_size})")

    @property
    def num_threads(self) -> int:
        """Threads LiteRT uses for one inference called directly (``infer``, ``classify``)."""
        return self._runner.num_threads

    @property
    def live_threads(self) -> int:
        """Threads LiteRT uses for background work (callbacks, ``classify_start``)."""
        return live_threads() if self._runner_factory else self._runner.num_threads

    @property
    def worker(self) -> Worker:
        """The background thread that owns this extractor's asynchronous work."""
        with self._worker_lock:
            if self._worker is None:
                self._worker = Worker(f"p5knn-{self.name}")
            return self._worker

    def prepare(self, image: Any, bands: str = "RGB", crop: str | None = None) -> np.ndarray:
        """The float32 network input for ``image`` (resized and scaled)."""
        return images.prepare(image, self.input_size, bands, crop, self.preprocess)

    def _run(self, tensor: np.ndarray) -> list[np.ndarray]:
        worker = self._worker
        if worker is not None and worker.is_current_thread() and self._runner_factory:
            # Background work from a sketch: fewer threads, so the animation thread keeps a
            # core to itself (measured in benchmarks/bench_sketch.py).
            if self._live_runner is None:
                self._live_runner = self._runner_factory(live_threads())
            return self._live_runner.run(tensor)
        return self._runner.run(tensor)

    def _features_from(self, outputs: list[np.ndarray]) -> np.ndarray:
        out = outputs[self._feature_output][0]
        if out.ndim == 3:  # a spatial map: global-average-pool it
            out = out.mean(axis=(0, 1))
        vector = np.ascontiguousarray(out.reshape(-1), dtype=np.float32)
        if not np.isfinite(vector).all():
            raise ModelError(f"model {self.name} produced NaN/inf features")
        return vector

    def infer(self, image: Any, bands: str = "RGB", crop: str | None = None) -> np.ndarray:
        """Feature vector (float32, ``feature_size`` numbers) of one image."""
        return self._features_from(self._run(self.prepare(image, bands, crop)))

    def infer_batch(self, images_: Iterable[Any], bands: str = "RGB",
                    crop: str | None = None) -> np.ndarray:
        """Feature matrix ``(N, feature_size)`` of several images."""
        items = list(images_)
        out = np.empty((len(items), self.feature_size), dtype=np.float32)
        for row, image in enumerate(items):
            try:
                out[row] = self.infer(image, bands, crop)
            except ImageError as exc:
                raise ImageError(f"image {row} of the batch: {exc}") from exc
        return out

    def classify(self, image: Any, top_k: int = 5, bands: str = "RGB", crop: str | None = None,
                 *, callback: Callable[[list[Prediction]], Any] | None = None,
                 on_error: Callable[[BaseException], Any] | None = None, sketch: Any = None,
                 callbacks: str = "auto") -> list[Prediction] | Future:
        """The model's own top-``top_k`` classes for ``image`` as ``(class_name, probability)``.

        With ``callback`` it returns a ``Future`` at once; the work runs on this extractor's
        background thread (latest request wins) and ``callback(predictions)`` runs on the
        sketch's animation thread when a py5 sketch is running.
        """
        if callback is not None or on_error is not None:
            from p5knn.live._dispatch import check_mode, deliverer
            snap, snap_bands = images.snapshot(image, bands)
            return self.worker.submit_latest(
                (id(self), "classify"), self.classify, snap, top_k, snap_bands, crop,
                callback=callback, on_error=on_error,
                deliver=deliverer(sketch, check_mode(callbacks)))
        if self._head_output is None or self._class_names is None:
            raise P5KNNError(f"model {self.name} has no classification head with class names; "
                             "pass labels=... to feature_extractor() for a custom model")
        if int(top_k) < 1:
            raise ValueError(f"top_k must be at least 1, got {top_k}")
        scores = self._run(self.prepare(image, bands, crop))[self._head_output][0].reshape(-1)
        if len(scores) != len(self._class_names):
            raise ModelError(f"model {self.name} has {len(scores)} outputs but "
                             f"{len(self._class_names)} class names were given")
        probs = _softmax(scores) if self._head_is_logits else scores / max(scores.sum(), 1e-12)
        order = np.argsort(-probs, kind="stable")[: int(top_k)]
        return [Prediction(self._class_names[i], float(probs[i])) for i in order]

    def classification(self, **options: Any) -> Any:
        """A trainable softmax head on this extractor's features (ml5's
        ``featureExtractor.classification()``); see :class:`p5knn.heads.HeadClassifier`."""
        from p5knn.training._heads import HeadClassifier

        return HeadClassifier(self, **options)

    def regression(self, **options: Any) -> Any:
        """A trainable regression head (ml5's ``featureExtractor.regression()``)."""
        from p5knn.training._heads import HeadRegressor

        return HeadRegressor(self, **options)

    def fine_tune(self, dataset: Any, labels: Sequence[Any] | None = None,
                  unfreeze_last: int = 6, epochs: int = 5, callback: Any = None,
                  **options: Any) -> "FeatureExtractor":
        """Fine-tune MobileNet on your images: ``dataset`` is a folder (one sub-folder per
        class), a ``{label: [images]}`` dict, ``(image, label)`` pairs, or images with
        ``labels=``. A new head trains first, then the last ``unfreeze_last`` convolution
        layers with it (BatchNorm stays frozen);
        ``callback(epoch, loss, accuracy)`` follows progress. Returns a new extractor whose
        ``classify`` answers with your labels. Overfits on tiny data: measure it with
        ``p5knn eval --compare --fine-tune``."""
        from p5knn.tools._datasets import as_pairs
        from p5knn.training._fine_tune import fine_tune

        xs, ys = as_pairs(dataset, labels)
        return fine_tune(self, xs, ys, unfreeze_last=unfreeze_last, epochs=epochs,
                         callback=callback, **options)

    def close(self) -> None:
        """Stop this extractor's background worker (if it was started)."""
        with self._worker_lock:
            if self._worker is not None:
                self._worker.close()
                self._worker = None


# ---------------------------------------------------------------- building extractors

def _check_mobilenet(path: Path) -> None:
    runner = TFLiteRunner(path, num_threads=1)
    shapes = sorted(runner.output_shapes())
    if shapes != [(1, 1000), (1, 1024)]:
        raise ModelError(f"cached MobileNet has outputs {shapes}")
    probe = runner.run(np.zeros((224, 224, 3), np.float32))
    if not all(np.isfinite(p).all() for p in probe):
        raise ModelError("cached MobileNet gives NaN")


def _build_mobilenet_tflite() -> bytes:
    from p5knn.features._convert import keras_to_tflite, quiet_tensorflow
    quiet_tensorflow()
    from p5knn.features._mobilenet import build_keras_mobilenet

    return keras_to_tflite(build_keras_mobilenet())


def mobilenet(num_threads: int | None = None) -> FeatureExtractor:
    """ImageNet MobileNetV1 1.0/224: 1024 features and the 1000-class ImageNet head."""
    path = cached_model(MOBILENET_KEY, _build_mobilenet_tflite, _check_mobilenet)
    runner = TFLiteRunner(path, num_threads=num_threads)

    def factory(threads: int) -> TFLiteRunner:
        return TFLiteRunner(path, num_threads=threads)

    shapes = runner.output_shapes()
    feature_output = shapes.index((1, 1024))
    head_output = shapes.index((1, 1000))
    return FeatureExtractor(runner, "mobilenet", feature_output, head_output,
                            imagenet_classes(), "mobilenet", head_is_logits=True,
                            source="TF-slim MobileNetV1 1.0/224 ImageNet (PyPI nudity==0.2.3)",
                            runner_factory=factory)


def _read_labels(labels: Sequence[str] | str | Path | None) -> list[str] | None:
    if labels is None:
        return None
    if isinstance(labels, (str, Path)):
        path = Path(labels)
        if not path.is_file():
            raise FileNotFoundError(f"labels file not found: {path}")
        lines = [ln.strip() for ln in path.read_text("utf-8").splitlines() if ln.strip()]
        # Teachable Machine writes "0 name" per line
        return [re.sub(r"^\d+\s+", "", ln) for ln in lines]
    return [str(x) for x in labels]


def _keras_extractor(path: Path, layer: str | None, labels: list[str] | None,
                     preprocess: images.Preprocess, num_threads: int | None) -> FeatureExtractor:
    from p5knn.features._convert import keras_to_tflite, quiet_tensorflow
    from p5knn.features._weights import file_sha256

    digest = file_sha256(path)[:16]
    safe_layer = re.sub(r"[^A-Za-z0-9_.-]", "_", layer or "output")
    key = f"custom-{path.stem[:40]}-{digest}-{safe_layer}-{'head' if labels else 'nohead'}"

    def build() -> bytes:
        quiet_tensorflow()
        import keras

        try:
            model = keras.models.load_model(path, compile=False)
        except Exception as exc:
            raise ModelError(f"cannot load Keras model {path}: {exc}") from exc
        outputs = [model.output if layer is None else _keras_layer_output(model, layer)]
        if labels:
            outputs.append(model.output)
        return keras_to_tflite(keras.Model(model.inputs, outputs))

    model_path = cached_model(key, build)
    runner = TFLiteRunner(model_path, num_threads=num_threads)
    return _custom(runner, path, layer, labels, preprocess,
                   lambda threads: TFLiteRunner(model_path, num_threads=threads))


def _keras_layer_output(model: Any, layer: str) -> Any:
    try:
        return model.get_layer(layer).output
    except ValueError:
        names = [l.name for l in model.layers]
        raise ModelError(f"Keras model has no layer {layer!r}; its layers are: {names}") from None


def _custom(runner: TFLiteRunner, path: Path, layer: str | None, labels: list[str] | None,
            preprocess: images.Preprocess,
            factory: Callable[[int], TFLiteRunner] | None) -> FeatureExtractor:
    head = None
    if labels:
        head = len(runner.output_shapes()) - 1
    name = f"{path.name}:{layer}" if layer else path.name
    extractor = FeatureExtractor(runner, name, 0, head, labels, preprocess,
                                 head_is_logits=False, source=str(path), runner_factory=factory)
    return extractor


def _tflite_extractor(path: Path, layer: str | None, labels: list[str] | None,
                      preprocess: images.Preprocess, num_threads: int | None) -> FeatureExtractor:
    final = TFLiteRunner(path, num_threads=1).model_outputs()[0]
    outputs: list[str | int] = [layer if layer is not None else final]
    if labels:
        outputs.append(final)
    def factory(threads: int) -> TFLiteRunner:
        return TFLiteRunner(path, num_threads=threads, outputs=outputs,
                            preserve_all=layer is not None)

    return _custom(factory(num_threads or 0), path, layer, labels, preprocess, factory)


def feature_extractor(model: str | Path = "mobilenet", layer: str | None = None,
                      labels: Sequence[str] | str | Path | None = None,
                      preprocess: images.Preprocess = "mobilenet",
                      num_threads: int | None = None) -> FeatureExtractor:
    """Create a feature extractor.

    ``model="mobilenet"`` (default) is ImageNet MobileNetV1: 1024 features per image.
    A path to a Keras ``.keras``/``.h5`` or a ``.tflite`` file uses your own model; ``layer``
    names the layer (Keras) or tensor (TFLite) to cut at, spatial maps are average-pooled.
    ``labels`` (a list, or a ``labels.txt`` as Teachable Machine exports) enables
    ``classify`` on that model's final output. ``preprocess`` maps 0–255 RGB to the model's
    range: ``"mobilenet"`` (−1…1), ``"unit"`` (0…1), ``"raw"`` or a function.
    """
    if isinstance(model, str) and model.lower() in MOBILENET_NAMES:
        return mobilenet(num_threads)
    path = Path(model)
    if not path.exists():
        raise FileNotFoundError(f"model not found: {model!r} (use 'mobilenet' or a path to a "
                                ".keras, .h5 or .tflite file)")
    names = _read_labels(labels)
    suffix = path.suffix.lower()
    if suffix in (".keras", ".h5", ".hdf5"):
        return _keras_extractor(path, layer, names, preprocess, num_threads)
    if suffix == ".tflite":
        return _tflite_extractor(path, layer, names, preprocess, num_threads)
    raise ModelError(f"unsupported model file {path.name}: use .keras, .h5 or .tflite")
