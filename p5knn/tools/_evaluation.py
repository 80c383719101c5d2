"""Held-out evaluation: accuracy, per-class precision and recall, the confusion matrix and the
misclassified images, for KNN on MobileNet features or on hand, body or face keypoints, and
the baselines it should beat.

Methods (``METHODS``): ``"pixels"`` (KNN on raw 32×32 pixels: no network), ``"knn"`` (KNN on
the extractor's features — MobileNet's, the ml5 recipe, with cosine; keypoint vectors with
euclidean distance), ``"head"`` (a softmax head trained on those features), ``"scratch"``
(the same MobileNet trained from random weights: no transfer) and ``"fine-tune"``
(MobileNet's top layers fine-tuned). Features are computed once per image and shared by every
method and every split.

With a keypoint extractor (``"hands"``, ``"pose"``, ``"face"``) each image is searched at its
full size; an image where nobody is found keeps the extractor's "nobody" vector (zeros, then
1.0) and is evaluated like any other, and the results count such images per class
(:attr:`EvalResult.not_found`). ``"scratch"`` and ``"fine-tune"`` train MobileNet on the
images themselves and are refused for keypoints (``ValueError``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from p5knn.tools._eval_data import (MOBILENET_ONLY, NOT_FOUND, PIXEL_SIZE,  # noqa: F401
                                    Dataset, is_keypoints, refusal)

METHODS = ("pixels", "knn", "head", "scratch", "fine-tune")


@dataclass
class EvalResult:
    """One method's score on one split."""

    method: str
    labels: list[str]
    accuracy: float
    confusion: np.ndarray                       # rows: true label, columns: predicted
    precision: dict[str, float]
    recall: dict[str, float]
    misclassified: list[dict[str, Any]] = field(default_factory=list)
    n_train: int = 0
    n_test: int = 0
    seconds: float = 0.0
    model: str = ""                             #: the extractor's name ("mobilenet", "hands"…)
    #: keypoint models: per class, ``[images where nobody was found, images]`` over the whole
    #: dataset (None for MobileNet features)
    not_found: dict[str, list[int]] | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready numbers."""
        return {"method": self.method, "model": self.model, "labels": self.labels,
                "accuracy": self.accuracy, "confusion": self.confusion.tolist(),
                "precision": self.precision, "recall": self.recall,
                "misclassified": self.misclassified, "n_train": self.n_train,
                "n_test": self.n_test, "seconds": self.seconds, "not_found": self.not_found}


def stratified_split(labels: Sequence[Any], test_size: float = 0.25,
                     seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Train/test indices with every class split in the same proportion (≥ 1 each side)."""
    if not 0 < test_size < 1:
        raise ValueError(f"test_size must be between 0 and 1, got {test_size}")
    rng = np.random.default_rng(seed)
    labels = np.asarray([str(x) for x in labels])
    train, test = [], []
    for label in sorted(set(labels)):
        idx = rng.permutation(np.flatnonzero(labels == label))
        if len(idx) < 2:
            raise ValueError(f"class {label!r} has {len(idx)} image; each needs at least 2")
        n_test = min(max(1, int(round(len(idx) * test_size))), len(idx) - 1)
        test += list(idx[:n_test])
        train += list(idx[n_test:])
    return np.sort(train), np.sort(test)


def shots_split(labels: Sequence[Any], shots: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``shots`` training images per class, every other image for testing."""
    rng = np.random.default_rng(seed)
    labels = np.asarray([str(x) for x in labels])
    train = []
    for label in sorted(set(labels)):
        idx = rng.permutation(np.flatnonzero(labels == label))
        if len(idx) <= shots:
            raise ValueError(f"class {label!r} has {len(idx)} images: not enough for "
                             f"{shots} shots plus a test image")
        train += list(idx[:shots])
    train = np.sort(np.asarray(train))
    test = np.setdiff1d(np.arange(len(labels)), train)
    return train, test


def score(method: str, labels: list[str], y_true: Sequence[str], y_pred: Sequence[str],
          confidences: Sequence[float], test_index: Sequence[int], names: Sequence[Any],
          n_train: int, seconds: float) -> EvalResult:
    """Accuracy, confusion matrix, precision/recall and the misclassified examples."""
    pos = {label: i for i, label in enumerate(labels)}
    confusion = np.zeros((len(labels), len(labels)), np.int64)
    for t, p in zip(y_true, y_pred):
        confusion[pos[t], pos[p]] += 1
    tp = np.diag(confusion).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.nan_to_num(tp / confusion.sum(axis=0))
        recall = np.nan_to_num(tp / confusion.sum(axis=1))
    wrong = [{"index": int(i), "image": str(names[i]), "true": t, "predicted": p,
              "confidence": float(c)}
             for i, t, p, c in zip(test_index, y_true, y_pred, confidences) if t != p]
    return EvalResult(method, labels, float(tp.sum() / max(confusion.sum(), 1)), confusion,
                      dict(zip(labels, precision.tolist())), dict(zip(labels, recall.tolist())),
                      wrong, n_train, len(y_true), seconds)


def _knn(train_x: np.ndarray, train_y: list[str], test_x: np.ndarray, k: int,
         metric: str) -> tuple[list[str], list[float]]:
    from p5knn.knn import create

    knn = create(k=k, metric=metric)
    knn.add_examples(train_x, train_y)
    results = [knn.predict_class(x) for x in test_x]
    return [r.label for r in results], [r.confidence for r in results]


def run_method(method: str, data: Dataset, train: np.ndarray, test: np.ndarray, k: int = 3,
               epochs: int = 30, scratch_epochs: int = 15, fine_tune_epochs: int = 5,
               seed: int = 0, log: Callable[[str], None] | None = None,
               metric: str | None = None) -> EvalResult:
    """Train ``method`` on ``train`` indices and score it on ``test`` indices.

    ``metric`` is the KNN's on features (default: cosine for MobileNet, euclidean for
    keypoints). ``"scratch"`` and ``"fine-tune"`` raise ``ValueError`` for keypoints.

    Example
    -------
    >>> train, test = stratified_split(data.labels, 0.25, seed=0)
    >>> run_method("knn", data, train, test, k=1).accuracy
    1.0
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if method in MOBILENET_ONLY and data.keypoints:
        raise ValueError(refusal(method, data.model))
    metric = metric or ("euclidean" if data.keypoints else "cosine")
    y = data.labels
    train_y = [y[i] for i in train]
    test_y = [y[i] for i in test]
    start = time.perf_counter()
    if method == "pixels":
        px = data.pixels()
        pred, conf = _knn(px[train], train_y, px[test], k, "euclidean")
    elif method == "knn":
        f = data.features()
        pred, conf = _knn(f[train], train_y, f[test], k, metric)
    elif method == "head":
        from p5knn.training import HeadClassifier

        f = data.features()
        head = HeadClassifier(data.extractor, epochs=epochs, seed=seed, callbacks="worker")
        for i in train:
            head.add_image(f[i], y[i])
        head.train(wait=True)
        answers = [head.classify(f[i]) for i in test]
        pred, conf = [a.label for a in answers], [a.confidence for a in answers]
        head.close()
    elif method == "scratch":
        from p5knn.training._fine_tune import ScratchModel

        x = data.inputs()
        report = (lambda e, l, a: log(f"  scratch epoch {e}: loss {l:.3f} acc {a:.2f}")) \
            if log else None
        model = ScratchModel(epochs=scratch_epochs, seed=seed, callback=report).fit(
            x[train], train_y)
        probs = model.predict_proba(x[test])
        pred = [str(model.labels[i]) for i in probs.argmax(axis=1)]
        conf = probs.max(axis=1).tolist()
    else:  # fine-tune
        from p5knn.training import fine_tune

        report = (lambda e, l, a: log(f"  fine-tune epoch {e}: loss {l:.3f} acc {a:.2f}")) \
            if log else None
        small = data.small()
        tuned = fine_tune(data.extractor, [small[i] for i in train], train_y,
                          epochs=fine_tune_epochs, seed=seed, callback=report)
        answers = [tuned.classify(small[i], top_k=1) for i in test]
        pred, conf = [a.label for a in answers], [a.confidence for a in answers]
    seconds = time.perf_counter() - start
    result = score(method, data.label_names, test_y, pred, conf, test, data.images, len(train),
                   seconds)
    result.model = data.model
    missing = data.not_found()
    if missing is not None:
        result.not_found = data.not_found_by_class()
        for item in result.misclassified:
            item["found"] = not bool(missing[item["index"]])
    return result


def evaluate(model: str = "knn", images_: Sequence[Any] = (), labels: Sequence[Any] = (),
             test_size: float = 0.25, seed: int = 0, *, extractor: Any = None, k: int = 3,
             progress: bool = False, **options: Any) -> EvalResult:
    """Split ``images``/``labels`` (stratified, seeded), train ``model`` (one of
    ``METHODS``) on the training part and score it on the rest. ``extractor``: MobileNet
    (default), an extractor, or ``"hands"``, ``"pose"``, ``"face"``.

    Example
    -------
    >>> r = evaluate("knn", paths, labels, extractor="hands", k=1)
    >>> r.accuracy, r.not_found
    (1.0, {'hand': [0, 30], 'none': [30, 30]})
    """
    data = images_ if isinstance(images_, Dataset) else Dataset(images_, labels, extractor,
                                                                progress)
    train, test = stratified_split(data.labels, test_size, seed)
    return run_method(model, data, train, test, k=k, seed=seed, **options)


def default_methods(data: Dataset) -> tuple[str, ...]:
    """What ``compare`` runs by default: pixels, knn, head, and scratch for MobileNet.

    Example
    -------
    >>> default_methods(Dataset(paths, labels, "hands"))
    ('pixels', 'knn', 'head')
    """
    return ("pixels", "knn", "head") if data.keypoints else ("pixels", "knn", "head", "scratch")


def compare(data: Dataset, methods: Sequence[str] | None = None, test_size: float = 0.25,
            seed: int = 0, k: int = 3, log: Callable[[str], None] | None = None,
            **options: Any) -> list[EvalResult]:
    """Every method (default :func:`default_methods`) on the same split. Images are decoded
    (and, if a method needs them, embedded) first, so each method's seconds are its own
    training and prediction time.

    Example
    -------
    >>> [r.method for r in compare(Dataset(paths, labels, "hands"))]
    ['pixels', 'knn', 'head']
    """
    methods = default_methods(data) if methods is None else methods
    for method in methods:
        if method in MOBILENET_ONLY and data.keypoints:
            raise ValueError(refusal(method, data.model))
    train, test = stratified_split(data.labels, test_size, seed)
    if {"knn", "head"} & set(methods) or data.keypoints:
        data.features()   # keypoints: the one decoding also makes the small copies
    data.small()
    results = []
    for method in methods:
        if log:
            log(f"{method}: training on {len(train)} images, testing on {len(test)}")
        results.append(run_method(method, data, train, test, k=k, seed=seed, log=log,
                                  **options))
    return results


def few_shot(data: Dataset, shots: Sequence[int] = (1, 5, 10, 20), repeats: int = 5,
             methods: Sequence[str] = ("pixels", "knn", "head"), k: int = 1, seed: int = 0,
             **options: Any) -> dict[str, dict[int, tuple[float, float]]]:
    """Accuracy with ``n`` training images per class for each ``n`` in ``shots``: mean and
    standard deviation over ``repeats`` random splits.

    Example
    -------
    >>> few_shot(data, shots=(1, 5), repeats=3)["knn"][5]
    (0.93, 0.02)
    """
    table: dict[str, dict[int, tuple[float, float]]] = {m: {} for m in methods}
    for n in shots:
        for method in methods:
            scores = []
            for r in range(repeats):
                train, test = shots_split(data.labels, n, seed + r)
                scores.append(run_method(method, data, train, test, k=min(k, n),
                                         seed=seed + r, **options).accuracy)
            table[method][n] = (float(np.mean(scores)), float(np.std(scores)))
    return table
