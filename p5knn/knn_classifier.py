"""ml5-style namespace: ``p5knn.knn_classifier.create()`` (ml5 ``ml5.KNNClassifier()``, tfjs
``knnClassifier.create()``) and ``p5knn.knn_classifier.load(path)``."""

from p5knn.knn import KNNClassifier, KTooLargeWarning, create, load

__all__ = ["KNNClassifier", "KTooLargeWarning", "create", "load"]
