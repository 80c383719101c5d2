"""Training: heads trained on frozen features (ml5 ``featureExtractor.classification()``), their
files, and fine-tuning."""

from p5knn.training._heads import HeadClassifier, HeadRegressor

__all__ = ["HeadClassifier", "HeadRegressor"]
