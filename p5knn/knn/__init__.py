"""KNN: example storage and maths, labels, options, the classifier and the regressor, the
vector index for very large sets, file formats (native and ml5) and autosave.

``create()`` and ``load()`` here are what ``p5knn.knn_classifier`` and ``p5knn.knn_regressor``
offer under ml5's names.
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
           index_threshold: int | None = DEFAULT_THRESHOLD) -> KNNClassifier:
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

    Returns
    -------
    KNNClassifier

    Example
    -------
    >>> knn = p5knn.knn_classifier.create(k=5, min_similarity=0.8)
    >>> knn.add_example(frame, "wave")
    0
    """
    given = {"k": k, "metric": metric, "weights": weights, "balanced": balanced,
             "min_similarity": min_similarity, "unknown_label": unknown_label}
    explicit = {n for n, v in given.items() if v != getattr(_DEFAULTS, n)}
    return KNNClassifier(extractor, Options(**given), explicit, thumbnails=thumbnails,
                         bands=bands, crop=crop, sketch=sketch, callbacks=callbacks,
                         autosave=autosave, autosave_interval=autosave_interval, dtype=dtype,
                         index_threshold=index_threshold)


def create_regressor(extractor: FeatureExtractor | str | None = None, *, k: int = _DEFAULTS.k,
                     metric: str = _DEFAULTS.metric, weights: str = _DEFAULTS.weights,
                     thumbnails: bool | int = False, bands: str = "RGB",
                     crop: str | None = None, sketch: Any = None, callbacks: str = "auto",
                     autosave: str | Path | None = None, autosave_interval: float = 1.0,
                     dtype: str = "float32",
                     index_threshold: int | None = DEFAULT_THRESHOLD) -> KNNRegressor:
    """Create a KNN regressor: numbers or vectors as targets, ``predict()`` gives their
    (weighted) mean over the k nearest examples. Parameters as :func:`create`.

    Example
    -------
    >>> reg = p5knn.knn_regressor.create(weights="distance")
    >>> reg.add_example(frame, [0.2, 0.8])
    0
    """
    given = {"k": k, "metric": metric, "weights": weights}
    explicit = {n for n, v in given.items() if v != getattr(_DEFAULTS, n)}
    return KNNRegressor(extractor, Options(**given), explicit, thumbnails=thumbnails,
                        bands=bands, crop=crop, sketch=sketch, callbacks=callbacks,
                        autosave=autosave, autosave_interval=autosave_interval, dtype=dtype,
                        index_threshold=index_threshold)


def load(path: str | Path, extractor: FeatureExtractor | str | None = None,
         **options: Any) -> KNNClassifier | KNNRegressor:
    """Create a classifier — or a regressor, for a file of numeric targets — from ``path``
    (a p5knn file or an ml5 JSON). It keeps float16 storage when the file has it, unless
    ``dtype`` is given; ``options`` are those of :func:`create` and win over the file's.
    A file of hand, pose or face keypoints gets its keypoint extractor back by itself.

    Example
    -------
    >>> knn = p5knn.knn_classifier.load("gestures.p5knn")
    """
    data = _files.load_any(path)
    if extractor is None and data.model in KEYPOINT_MODELS:
        extractor = data.model          # a keypoint classifier gets its extractor back
    if data.features.dtype.name == "float16":
        options.setdefault("dtype", "float16")
    made = create_regressor(extractor, **options) if data.targets is not None else \
        create(extractor, **options)
    made.restore(data, path)
    return made


__all__ = ["AutosaveWarning", "KNNClassifier", "KNNRegressor", "KNNResult", "KTooLargeWarning",
           "Neighbor", "RegressionResult", "create", "create_regressor", "load"]
