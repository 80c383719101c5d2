"""Training: heads trained on frozen features (ml5 ``featureExtractor.classification()`` and
``.regression()``), their files, and fine-tuning MobileNet itself.

Importing this package fills the extractor's ``classification()``, ``regression()`` and
``fine_tune()`` methods (:func:`p5knn.features.register_trainer`): features never imports
training.
"""

from p5knn.features import register_trainer
from p5knn.training._dataset import as_pairs, load_folder
from p5knn.training._fine_tune import fine_tune
from p5knn.training._head_classifier import HeadClassifier
from p5knn.training._head_file import HeadMismatchError
from p5knn.training._head_regressor import HeadRegressor

register_trainer("classification", HeadClassifier)
register_trainer("regression", HeadRegressor)
register_trainer("fine_tune", fine_tune)

__all__ = ["HeadClassifier", "HeadMismatchError", "HeadRegressor", "as_pairs", "fine_tune",
           "load_folder"]
