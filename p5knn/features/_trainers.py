"""The extension point between features and training.

``extractor.classification()``, ``extractor.regression()`` and ``extractor.fine_tune()`` are
ml5's ``featureExtractor`` API, but training is a layer *above* features, so features never
imports it. Instead the training layer fills these methods when it is imported (``import
p5knn`` does it) with :func:`register_trainer`; calling one while nothing is registered raises
:class:`~p5knn.P5KNNError`.
"""

from __future__ import annotations

import threading
from typing import Any, Callable

from p5knn._base.errors import P5KNNError

TRAINERS = ("classification", "regression", "fine_tune")  #: methods the training layer fills
_trainers: dict[str, Callable[..., Any]] = {}
_trainers_lock = threading.Lock()


def register_trainer(name: str, factory: Callable[..., Any] | None) -> Callable[..., Any] | None:
    """Fill (or empty) one of the extractor's training methods.

    ``extractor.<name>(*args, **options)`` then returns ``factory(extractor, *args,
    **options)``. The training layer registers ``classification``, ``regression`` and
    ``fine_tune`` when it is imported; features never imports training.

    Parameters
    ----------
    name : {"classification", "regression", "fine_tune"}
        Which method.
    factory : callable or None
        Called with the extractor first; None removes the registration.

    Returns
    -------
    callable or None
        The factory registered before (to put it back later).

    Example
    -------
    >>> previous = p5knn.features.register_trainer("regression", MyRegressor)
    >>> mobilenet.regression(epochs=5)          # MyRegressor(mobilenet, epochs=5)
    >>> p5knn.features.register_trainer("regression", previous)
    """
    if name not in TRAINERS:
        raise ValueError(f"name must be one of {TRAINERS}, got {name!r}")
    if factory is not None and not callable(factory):
        raise TypeError(f"factory must be callable or None, got {factory!r}")
    with _trainers_lock:
        previous = _trainers.pop(name, None)
        if factory is not None:
            _trainers[name] = factory
    return previous


def trainer(name: str) -> Callable[..., Any]:
    """The factory registered for one of the extractor's training methods.

    Parameters
    ----------
    name : {"classification", "regression", "fine_tune"}
        Which method.

    Returns
    -------
    callable
        The factory; :class:`~p5knn.P5KNNError` when none is registered.

    Example
    -------
    >>> trainer("classification")(mobilenet, epochs=5)
    <p5knn.training._head_classifier.HeadClassifier object at 0x...>
    """
    with _trainers_lock:
        factory = _trainers.get(name)
    if factory is None:
        raise P5KNNError(f"extractor.{name}() comes from p5knn's training layer, which is not "
                         "loaded: import p5knn (or p5knn.training) first")
    return factory
