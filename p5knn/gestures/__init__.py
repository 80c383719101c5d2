"""Gestures over time: dynamic-time-warping nearest neighbour over recorded gestures
(``p5knn.gesture_classifier.create()``), with streaming recognition of gestures as they end.

Layer: above ``knn`` (labels) and ``features`` (images become vectors); the tools use it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from p5knn._base.results import GestureResult, Label
from p5knn.gestures._classifier import GestureClassifier
from p5knn.live import _named
from p5knn.live._background import check_callbacks


def create(model: Any = None, *, window: str | int | float = "learned",
           threshold: str | float = "learned", normalize: str = "dims", max_length: int = 64,
           settle: int = 3, refractory: int | None = None, unknown_label: Label = "unknown",
           keypoints: str = "both", sketch: Any = None, callbacks: str = "auto",
           name: str | None = None, **extractor_options: Any
           ) -> GestureClassifier:
    """A gesture classifier: record a few examples of each movement, then recognise them.

    Parameters
    ----------
    model : None, str or feature extractor
        None: frames are vectors you give (mouse positions, sensor values, keypoint vectors).
        ``"hands"``, ``"pose"``, ``"face"``, ``"mobilenet"`` or an extractor: frames may be
        images (camera frames), turned into that model's vectors.
    window : "learned", int or float
        Sakoe-Chiba window of the DTW: how far in time two gestures may be warped against each
        other. ``"learned"``: the one with the best leave-one-out accuracy over the recorded
        gestures (ties: the narrowest); an int: frames of the resampled gestures; a float
        below 1: a fraction of ``max_length``.
    threshold : "learned" or float
        Farther than this from every recorded gesture is "unknown" (and never fires in a
        stream). ``"learned"``: 1.2 × the largest distance from a recorded gesture to its
        nearest same-label gesture (one gesture per label: half the nearest distance between
        labels).
    normalize : {"dims", "sequence", "none"}
        ``"dims"``: every number scaled by its spread over the recorded gestures (sensors in
        different units); ``"sequence"``: each gesture centred and scaled by its own size
        (mouse and hand paths: where and how big stop mattering, shape stays); ``"none"``.
    max_length : int
        Gestures are resampled to at most this many frames before matching (speed; a gesture
        done slower or faster still matches).
    settle : int
        Streaming: frames the match must stop improving before the gesture fires.
    refractory : int, optional
        Streaming: frames after a recognised gesture during which nothing fires (default: half
        the gesture's length).
    unknown_label : str or int
        The label of an "unknown" answer.
    keypoints : {"both", "position", "shape"}
        With ``"hands"``, ``"pose"`` or ``"face"``, what a frame's vector holds: the keypoint
        vector (``"shape"``: the hand's sign, wherever it is), where the hand/body/face is in
        the frame (``"position"``: x, y in 0…1 — swipes, circles in the air), or ``"both"``
        (default: the position weighted ×8 so the path counts about as much as the shape).
    sketch, callbacks
        Where callbacks run, as for KNN classifiers.
    name : str, optional
        Live-coding-safe: a later call with this name (after ``py5-live-coding`` re-ran your
        file) returns the same live classifier, with its recorded gestures. ``model`` and
        ``keypoints`` must then be the same (else ``P5KNNError``); every other option your
        code changed since the previous call is applied to it (``threshold``, ``window``,
        ``normalize``, … take effect; new extractor options or a new extractor object replace
        its extractor). Without a name, a classifier made by a run of a live-coded file is
        closed when a reload replaces that run.
    **extractor_options
        Passed to ``p5knn.feature_extractor`` when ``model`` is a name.

    Returns
    -------
    GestureClassifier

    Example
    -------
    >>> g = p5knn.gesture_classifier.create(normalize="sequence")   # mouse paths
    >>> hand_moves = p5knn.gesture_classifier.create("hands")         # from a camera
    >>> g = p5knn.gesture_classifier.create(name="moves")   # survives live-coding reloads
    """
    if not isinstance(model, str) and extractor_options:
        raise TypeError(f"extractor options {sorted(extractor_options)} need a model name")
    settings = {"window": window, "threshold": threshold, "normalize": normalize,
                "max_length": max_length, "settle": settle, "refractory": refractory,
                "unknown_label": unknown_label}

    def make() -> GestureClassifier:
        return GestureClassifier(_extractor(model, sketch, callbacks, extractor_options),
                                 keypoints=keypoints, sketch=sketch, callbacks=callbacks,
                                 **settings)

    if name is None:
        return make()
    defining = {"model": model.lower() if isinstance(model, str) else
                getattr(model, "name", None), "keypoints": keypoints}
    live = {**settings, "sketch": sketch, "callbacks": callbacks,
            "extractor_options": dict(extractor_options),
            "extractor": None if model is None or isinstance(model, str) else model}

    def apply(g: GestureClassifier, changed: dict[str, Any]) -> None:
        _apply_live(g, changed, model, sketch, callbacks, extractor_options, settings)

    return _named.named("gesture_classifier", name, defining, live, make=make, apply=apply)


def _extractor(model: Any, sketch: Any, callbacks: str, options: dict[str, Any]) -> Any:
    """The extractor for ``model``: made from a name, or the object given (None: vectors)."""
    if isinstance(model, str):
        from p5knn.features import feature_extractor

        return feature_extractor(model, sketch=sketch, callbacks=callbacks, **options)
    return model


def _apply_live(g: GestureClassifier, changed: dict[str, Any], model: Any, sketch: Any,
                callbacks: str, extractor_options: dict[str, Any],
                settings: dict[str, Any]) -> None:
    """Apply to a live named gesture classifier the options your code changed."""
    if any(key in changed for key in settings):
        with _named.untracked():            # checks every option as create() does
            checked = GestureClassifier(None, callbacks="worker", **settings)
        attrs = {"window": "window_option", "threshold": "threshold_option",
                 "normalize": "normalize", "max_length": "max_length",
                 "unknown_label": "unknown_label"}
        with g._lock:
            for key, attr in attrs.items():
                if key in changed:
                    setattr(g, attr, getattr(checked, attr))
            for key in ("settle", "refractory"):
                if key in changed:
                    setattr(g.matcher, key, getattr(checked.matcher, key))
            g._changed()
    if "callbacks" in changed:
        g._live.callbacks = check_callbacks(callbacks)
    if "sketch" in changed:
        g._live.sketch = sketch
    if "extractor_options" in changed or changed.get("extractor") is not None:
        new = _extractor(model, sketch, callbacks, extractor_options)
        old, g.extractor = g.extractor, new
        g._changed()
        if old is not None and old is not new and isinstance(model, str):
            old.close()         # made from the name for this classifier: its thread ends


def load(path: str | Path, **options: Any) -> GestureClassifier:
    """A gesture classifier from a file ``save()`` wrote (its model comes back too).

    Example
    -------
    >>> g = p5knn.gesture_classifier.load("moves.p5gestures")
    """
    from p5knn.gestures._file import read

    model = read(path)["model"]
    return create(model, **options).load(path)


__all__ = ["GestureClassifier", "GestureResult", "create", "load"]
