"""Gestures over time: dynamic-time-warping nearest neighbour over recorded gestures
(``p5knn.gesture_classifier.create()``), with streaming recognition of gestures as they end.

Layer: above ``knn`` (labels) and ``features`` (images become vectors); the tools use it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from p5knn._base.results import GestureResult, Label
from p5knn.gestures._classifier import GestureClassifier


def create(model: Any = None, *, window: str | int | float = "learned",
           threshold: str | float = "learned", normalize: str = "dims", max_length: int = 64,
           settle: int = 3, refractory: int | None = None, unknown_label: Label = "unknown",
           keypoints: str = "both", sketch: Any = None, callbacks: str = "auto",
           **extractor_options: Any
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
    **extractor_options
        Passed to ``p5knn.feature_extractor`` when ``model`` is a name.

    Returns
    -------
    GestureClassifier

    Example
    -------
    >>> g = p5knn.gesture_classifier.create(normalize="sequence")   # mouse paths
    >>> hand_moves = p5knn.gesture_classifier.create("hands")         # from a camera
    """
    extractor = model
    if isinstance(model, str):
        from p5knn.features import feature_extractor

        extractor = feature_extractor(model, sketch=sketch, callbacks=callbacks,
                                      **extractor_options)
    elif extractor_options:
        raise TypeError(f"extractor options {sorted(extractor_options)} need a model name")
    return GestureClassifier(extractor, window=window, threshold=threshold,
                             normalize=normalize, max_length=max_length, settle=settle,
                             refractory=refractory, unknown_label=unknown_label,
                             keypoints=keypoints, sketch=sketch, callbacks=callbacks)


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
