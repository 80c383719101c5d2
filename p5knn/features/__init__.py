"""Image features: MobileNet weights, model building and conversion, the model cache, the LiteRT
runtime, image input, and the feature extractor."""

from p5knn.features._extractor import (FeatureExtractor, Prediction, feature_extractor,
                                       imagenet_classes)

__all__ = ["FeatureExtractor", "Prediction", "feature_extractor", "imagenet_classes"]
