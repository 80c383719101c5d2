"""KNN: example storage and maths, labels, options, the classifier, the vector index for very
large sets, file formats (native and ml5) and autosave."""

from p5knn.knn._autosave import AutosaveWarning
from p5knn.knn._classifier import KNNClassifier, KTooLargeWarning, create, load
from p5knn.knn._results import KNNResult, Neighbor, RegressionResult

__all__ = ["AutosaveWarning", "KNNClassifier", "KNNResult", "KTooLargeWarning", "Neighbor",
           "RegressionResult", "create", "load"]
