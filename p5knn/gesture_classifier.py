"""Gestures over time, ml5 style: ``p5knn.gesture_classifier.create()`` and
``p5knn.gesture_classifier.load(path)`` (dynamic time warping over recorded gestures)."""

from p5knn.gestures import GestureClassifier, GestureResult, create, load

__all__ = ["GestureClassifier", "GestureResult", "create", "load"]
