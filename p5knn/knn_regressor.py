"""``p5knn.knn_regressor.create()``: KNN regression, numbers or vectors as targets
(``p5knn.knn_classifier.load(path)`` returns a regressor for a regression file)."""

from p5knn.knn import KNNRegressor, load
from p5knn.knn import create_regressor as create

__all__ = ["KNNRegressor", "create", "load"]
