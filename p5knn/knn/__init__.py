"""KNN: example storage and maths, labels, options, the classifier and the regressor, the
vector index for very large sets, file formats (native and ml5) and autosave.

``create()`` and ``load()`` here are what ``p5knn.knn_classifier`` and ``p5knn.knn_regressor``
offer under ml5's names. ``create(name=...)`` is live-coding-safe: see
:mod:`p5knn.live._named` and the README's "Live coding".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from p5knn._base.results import KNNResult, Neighbor, RegressionResult
from p5knn.features import FeatureExtractor
from p5knn.knn import _files
from p5knn.knn._autosave import AutosaveWarning
from p5knn.knn._classifier import KNNClassifier, KTooLargeWarning
from p5knn.knn._index import DEFAULT_THRESHOLD
from p5knn.knn._labels import Label
from p5knn.knn._options import Options
from p5knn.knn._regressor import KNNRegressor
from p5knn.live import _named
from p5knn.live._background import check_callbacks

_DEFAULTS = Options()
#: built-in extractors a file's recorded model name brings back by itself on load
KEYPOINT_MODELS = ("hands", "pose", "face")


def create(extractor: FeatureExtractor | str | None = None, *, k: int = _DEFAULTS.k,
           metric: str = _DEFAULTS.metric, weights: str = _DEFAULTS.weights,
           balanced: bool = _DEFAULTS.balanced, min_similarity: float | None = None,
           unknown_label: Label = _DEFAULTS.unknown_label, thumbnails: bool | int = False,
           bands: str = "RGB", crop: str | None = None, sketch: Any = None,
           callbacks: str = "auto", autosave: str | Path | None = None,
           autosave_interval: float = 1.0, dtype: str = "float32",
           index_threshold: int | None = DEFAULT_THRESHOLD,
           name: str | None = None) -> KNNClassifier:
    """Create a KNN classifier (ml5 ``ml5.KNNClassifier()``, tfjs ``knnClassifier.create()``).

    Parameters
    ----------
    extractor : FeatureExtractor, str or None
        Turns images into features: an extractor, a model name or path, or None (MobileNet
        is loaded the first time an image is given).
    k : int
        Neighbours that vote.
    metric : {"cosine", "euclidean"}
        Cosine similarity (ml5) or euclidean distance (positions, keypoints, sensors).
    weights : {"uniform", "distance"}
        Each vote counts 1 (ml5), or 1 / distance.
    balanced : bool
        Each vote counts 1 / (size of its class).
    min_similarity : float, optional
        Below it (for the nearest example) the answer is ``unknown_label``.
    unknown_label : str or int
        The label of an "unknown" answer.
    thumbnails : bool or int
        Keep a 64×64 (or N×N) thumbnail of each example added from an image.
    bands : str
        Channel order of arrays: "RGB", "BGR" (OpenCV), "RGBA", "BGRA", "ARGB" (py5).
    crop : {"center"}, optional
        Keep the aspect ratio when resizing images.
    sketch : py5 Sketch, optional
        Whose animation thread runs callbacks (class mode: ``self``; module mode finds it).
    callbacks : {"auto", "sketch", "worker"}
        Where callbacks run.
    autosave : str or Path, optional
        Resume from this file and save every change there within ``autosave_interval`` s.
    dtype : {"float32", "float16"}
        How examples are stored (float16: half the memory).
    index_threshold : int or None
        Above this many examples an HNSW index is built in the background and used.
    name : str, optional
        Live-coding-safe: the first call makes the classifier and keeps it under this name;
        a later call with the name (after ``py5-live-coding`` re-ran your file, a re-run
        notebook cell) returns the same live classifier, with its examples. The feature model,
        ``dtype``, ``index_threshold`` and ``autosave`` must then be the same (else
        ``P5KNNError``); every other option that your code changed since the previous call is
        applied to it (``k=3`` → ``k=5`` takes effect), and an extractor object given anew
        replaces the one it uses. Without a name, a classifier made by a run of a live-coded
        file is closed when a reload replaces that run.

    Returns
    -------
    KNNClassifier

    Example
    -------
    >>> knn = p5knn.knn_classifier.create(k=5, min_similarity=0.8)
    >>> knn.add_example(frame, "wave")
    0
    >>> knn = p5knn.knn_classifier.create(name="gestures")   # survives live-coding reloads
    """
    given = {"k": k, "metric": metric, "weights": weights, "balanced": balanced,
             "min_similarity": min_similarity, "unknown_label": unknown_label}
    return _made("knn_classifier", KNNClassifier, name, extractor, given,
                 thumbnails=thumbnails, bands=bands, crop=crop, sketch=sketch,
                 callbacks=callbacks, autosave=autosave, autosave_interval=autosave_interval,
                 dtype=dtype, index_threshold=index_threshold)


def _made(kind: str, cls: type, name: str | None, extractor: Any, given: dict[str, Any],
          **store: Any) -> Any:
    """A new ``cls`` (classifier or regressor) with the KNN options ``given`` and the
    storage and live options ``store`` — or, with ``name``, the live one of that name."""
    explicit = {n for n, v in given.items() if v != getattr(_DEFAULTS, n)}

    def make() -> Any:
        return cls(extractor, Options(**given), explicit, **store)

    if name is None:
        return make()
    return _named.named(kind, name, *_name_options(extractor, given, **store), make=make,
                        apply=_apply_live)


def _model_name(extractor: Any) -> str | None:
    """What a classifier's features are, for comparing two create() calls: ``"mobilenet"``
    (also for None, MobileNet being the default), another model name, or a file path."""
    if extractor is None:
        return "mobilenet"
    if isinstance(extractor, (str, Path)):
        text = str(extractor)
        known = text.lower()
        if known in KEYPOINT_MODELS or known.startswith("mobilenet"):
            return "mobilenet" if known.startswith("mobilenet") else known
        return str(Path(text).resolve())
    return getattr(extractor, "name", type(extractor).__name__)


def _name_options(extractor: Any, given: dict[str, Any], *, thumbnails: Any, bands: str,
                  crop: str | None, sketch: Any, callbacks: str, autosave: Any,
                  autosave_interval: float, dtype: str, index_threshold: int | None
                  ) -> tuple[dict[str, Any], dict[str, Any]]:
    """(options that define a named classifier or regressor, options applied to it live)."""
    defining = {"model": _model_name(extractor), "dtype": dtype,
                "index_threshold": index_threshold,
                "autosave": str(Path(autosave).resolve()) if autosave is not None else None,
                "autosave_interval": autosave_interval if autosave is not None else None}
    live = {**given, "thumbnails": thumbnails, "bands": bands, "crop": crop,
            "sketch": sketch, "callbacks": callbacks,
            "extractor": extractor if not isinstance(extractor, (str, Path)) else None}
    return defining, live


def _apply_live(knn: KNNClassifier | KNNRegressor, changed: dict[str, Any]) -> None:
    """Apply to a live named classifier or regressor the options your code changed."""
    options = {key: changed[key] for key in ("k", "metric", "weights", "balanced",
                                             "min_similarity", "unknown_label")
               if key in changed}
    if options:
        knn.set_options(**options)
    if "thumbnails" in changed:
        thumbnails = changed["thumbnails"]
        knn.thumbnail_size = 64 if thumbnails is True else int(thumbnails or 0)
    if "bands" in changed:
        knn.bands = changed["bands"]
    if "crop" in changed:
        knn.crop = changed["crop"]
    if "callbacks" in changed:
        knn._live.callbacks = check_callbacks(changed["callbacks"])
    if "sketch" in changed:
        knn._live.sketch = changed["sketch"]
    new = changed.get("extractor")
    if new is not None:                             # a new extractor object: use it
        with knn._extractor_lock:
            old, knn._extractor = knn._extractor, new
        if old is not None and old is not new:
            old.close()     # its thread ends (a later call of whoever else uses it restarts it)


def create_regressor(extractor: FeatureExtractor | str | None = None, *, k: int = _DEFAULTS.k,
                     metric: str = _DEFAULTS.metric, weights: str = _DEFAULTS.weights,
                     thumbnails: bool | int = False, bands: str = "RGB",
                     crop: str | None = None, sketch: Any = None, callbacks: str = "auto",
                     autosave: str | Path | None = None, autosave_interval: float = 1.0,
                     dtype: str = "float32",
                     index_threshold: int | None = DEFAULT_THRESHOLD,
                     name: str | None = None) -> KNNRegressor:
    """Create a KNN regressor: numbers or vectors as targets, ``predict()`` gives their
    (weighted) mean over the k nearest examples. Parameters as :func:`create` (``name=``
    too: the same live regressor after a live-coding reload).

    Example
    -------
    >>> reg = p5knn.knn_regressor.create(weights="distance")
    >>> reg.add_example(frame, [0.2, 0.8])
    0
    """
    given = {"k": k, "metric": metric, "weights": weights}
    return _made("knn_regressor", KNNRegressor, name, extractor, given,
                 thumbnails=thumbnails, bands=bands, crop=crop, sketch=sketch,
                 callbacks=callbacks, autosave=autosave, autosave_interval=autosave_interval,
                 dtype=dtype, index_threshold=index_threshold)


def load(path: str | Path, extractor: FeatureExtractor | str | None = None,
         **options: Any) -> KNNClassifier | KNNRegressor:
    """Create a classifier — or a regressor, for a file of numeric targets — from ``path``
    (a p5knn file or an ml5 JSON). It keeps float16 storage when the file has it, unless
    ``dtype`` is given; ``options`` are those of :func:`create` and win over the file's.
    A file of hand, pose or face keypoints gets its keypoint extractor back by itself.
    With ``name=``, the file is read into a new classifier only: when that name is already
    live (a live-coding reload), the live one is returned as it is.

    Example
    -------
    >>> knn = p5knn.knn_classifier.load("gestures.p5knn")
    """
    data = _files.load_any(path)
    if extractor is None and data.model in KEYPOINT_MODELS:
        extractor = data.model          # a keypoint classifier gets its extractor back
    if data.features.dtype.name == "float16":
        options.setdefault("dtype", "float16")
    kind = "knn_regressor" if data.targets is not None else "knn_classifier"
    live = options.get("name") is not None and (kind, options["name"]) in _named.names()
    made = create_regressor(extractor, **options) if data.targets is not None else \
        create(extractor, **options)
    if not live:        # a named one that is already live keeps its examples
        made.restore(data, path)
    return made


__all__ = ["AutosaveWarning", "KNNClassifier", "KNNRegressor", "KNNResult", "KTooLargeWarning",
           "Neighbor", "RegressionResult", "create", "create_regressor", "load"]
