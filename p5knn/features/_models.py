"""Which model an extractor runs: MobileNet, or your own Keras (``.keras``/``.h5``) or TFLite
(``.tflite``) model cut at a layer, with its own labels (a list, or Teachable Machine's
``labels.txt``). Keras models are converted to LiteRT once and cached, like MobileNet."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable, Sequence

from p5knn._base.errors import ModelError
from p5knn.features._convert import keras_to_tflite, quiet_tensorflow
from p5knn.features._extractor import FeatureExtractor
from p5knn.features._images import Preprocess
from p5knn.features._keypoints import KINDS as KEYPOINT_KINDS, KeypointExtractor
from p5knn.features._mobilenet import MOBILENET_NAMES, mobilenet
from p5knn.features._model_cache import cached_model
from p5knn.features._runtime import TFLiteRunner
from p5knn.features._weights import file_sha256

KERAS_SUFFIXES = (".keras", ".h5", ".hdf5")


def read_labels(labels: Sequence[Any] | str | Path | None) -> list[str] | None:
    """Class names from a list, or from a labels file (one per line; Teachable Machine's
    ``"0 name"`` lines lose their number).

    Parameters
    ----------
    labels : sequence, str, Path or None
        The names, or the path of a labels file.

    Returns
    -------
    list of str or None

    Example
    -------
    >>> read_labels("labels.txt")               # "0 Class 1" / "1 Class 2"
    ['Class 1', 'Class 2']
    """
    if labels is None:
        return None
    if isinstance(labels, (str, Path)):
        path = Path(labels)
        if not path.is_file():
            raise FileNotFoundError(f"labels file not found: {path}")
        lines = [ln.strip() for ln in path.read_text("utf-8").splitlines() if ln.strip()]
        return [re.sub(r"^\d+\s+", "", ln) for ln in lines]
    return [str(x) for x in labels]


def _keras_layer_output(model: Any, layer: str) -> Any:
    try:
        return model.get_layer(layer).output
    except ValueError:
        names = [each.name for each in model.layers]
        raise ModelError(f"Keras model has no layer {layer!r}; its layers are: {names}") from None


def _keras_model_file(path: Path, layer: str | None, labels: list[str] | None) -> Path:
    """The cached LiteRT file of a Keras model cut at ``layer`` (plus its output with labels)."""
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
        final = model.outputs[0]  # (``model.output`` is undefined for a loaded Sequential)
        outputs = [final if layer is None else _keras_layer_output(model, layer)]
        if labels:
            outputs.append(final)
        return keras_to_tflite(keras.Model(model.inputs, outputs))

    return cached_model(key, build, name=path.name)


def _runner_factory(path: Path, layer: str | None, labels: list[str] | None,
                    suffix: str) -> Callable[[int], TFLiteRunner]:
    if suffix in KERAS_SUFFIXES:
        model_path = _keras_model_file(path, layer, labels)
        return lambda threads: TFLiteRunner(model_path, num_threads=threads)
    final = TFLiteRunner(path, num_threads=1).model_outputs()[0]
    outputs: list[str | int] = [layer if layer is not None else final]
    if labels:
        outputs.append(final)
    return lambda threads: TFLiteRunner(path, num_threads=threads, outputs=outputs,
                                        preserve_all=layer is not None)


def feature_extractor(model: str | Path = "mobilenet", layer: str | None = None,
                      labels: Sequence[Any] | str | Path | None = None,
                      preprocess: Preprocess = "mobilenet", num_threads: int | None = None,
                      *, sketch: Any = None, callbacks: str = "auto",
                      **keypoint_options: Any) -> FeatureExtractor | KeypointExtractor:
    """Create a feature extractor (ml5's ``ml5.featureExtractor("MobileNet")``).

    Parameters
    ----------
    model : str or Path
        ``"mobilenet"`` (default): ImageNet MobileNetV1, 1024 features per image. Or the path
        of your own ``.keras``, ``.h5`` or ``.tflite`` model. Or ``"hands"``, ``"pose"``,
        ``"face"``: MediaPipe's keypoints as vectors (a :class:`KeypointExtractor`).
    layer : str, optional
        Your model's layer (Keras) or tensor (TFLite) to cut at; spatial maps are
        average-pooled. Default: the model's output.
    labels : sequence, str or Path, optional
        Class names of your model's output (a list, or a ``labels.txt`` as Teachable Machine
        exports it): enables ``classify``.
    preprocess : {"mobilenet", "unit", "raw"} or callable
        Maps 0–255 RGB to your model's range: −1…1, 0…1, as is, or your function.
    num_threads : int, optional
        LiteRT threads for direct calls (default: every core, or ``P5KNN_THREADS``).
    sketch : py5 Sketch, optional
        Whose animation thread runs callbacks (class mode: ``self``); module mode finds it.
    callbacks : {"auto", "sketch", "worker"}
        Where callbacks run.
    **keypoint_options
        For ``"hands"``, ``"pose"``, ``"face"`` only: ``tracking``, ``mirror``, ``num_hands``,
        … (see :class:`KeypointExtractor`).

    Returns
    -------
    FeatureExtractor or KeypointExtractor

    Example
    -------
    >>> mobilenet = p5knn.feature_extractor()
    >>> mine = p5knn.feature_extractor("model.keras", layer="global_average_pooling2d",
    ...                                labels="labels.txt", preprocess="unit")
    >>> hands = p5knn.feature_extractor("hands", mirror=True)   # for a selfie camera
    """
    if isinstance(model, str) and model.lower() in KEYPOINT_KINDS:
        if layer is not None or labels is not None or preprocess != "mobilenet":
            raise ValueError(f"{model!r} takes no layer, labels or preprocess")
        return KeypointExtractor(model.lower(), num_threads=num_threads, sketch=sketch,
                                 callbacks=callbacks, **keypoint_options)
    if keypoint_options:
        raise TypeError(f"unexpected options {sorted(keypoint_options)}: they are for "
                        f"{', '.join(KEYPOINT_KINDS)} only")
    if isinstance(model, str) and model.lower() in MOBILENET_NAMES:
        return mobilenet(num_threads, sketch=sketch, callbacks=callbacks)
    path = Path(model)
    if not path.exists():
        raise FileNotFoundError(f"model not found: {model!r} (use 'mobilenet', 'hands', "
                                "'pose', 'face' or a path to a .keras, .h5 or .tflite file)")
    names = read_labels(labels)
    suffix = path.suffix.lower()
    if suffix not in KERAS_SUFFIXES + (".tflite",):
        raise ModelError(f"unsupported model file {path.name}: use .keras, .h5 or .tflite")
    factory = _runner_factory(path, layer, names, suffix)
    runner = factory(num_threads or 0)
    head = len(runner.output_shapes()) - 1 if names else None
    return FeatureExtractor(runner, f"{path.name}:{layer}" if layer else path.name, 0, head,
                            names, preprocess, head_is_logits=False, source=str(path),
                            runner_factory=factory, sketch=sketch, callbacks=callbacks)
