"""p5knn — teach a py5 sketch with a few camera examples.

A frozen ImageNet MobileNet turns images into 1024 numbers; a k-nearest-neighbours classifier
learns your labels from a handful of examples, the way ml5.js's ``KNNClassifier`` does.

    import p5knn
    knn = p5knn.knn_classifier.create()
    knn.add_example(frame, "wave")
    result = knn.predict_class(frame)

Nothing here imports py5 at load time (``import py5`` needs a display).
"""

from . import knn_classifier
from .camera import Camera
from .demo_source import DemoSource
from .errors import (CorruptFileError, EmptyClassifierError, FeatureSizeError, FileKindError,
                     ImageError, ModelError, P5KNNError, UnknownLabelError)
from .features import FeatureExtractor, Prediction, feature_extractor, imagenet_classes
from .knn_classifier import KNNClassifier, KTooLargeWarning
from .results import KNNResult, Neighbor
from .version import __version__

__all__ = [
    "Camera", "CorruptFileError", "DemoSource", "EmptyClassifierError", "FeatureExtractor",
    "FeatureSizeError", "FileKindError",
    "ImageError", "KNNClassifier", "KNNResult", "KTooLargeWarning", "ModelError", "Neighbor",
    "P5KNNError", "Prediction", "UnknownLabelError", "__version__", "feature_extractor",
    "imagenet_classes", "knn_classifier",
]
