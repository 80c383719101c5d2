"""p5knn — teach a py5 sketch with a few camera examples.

A frozen ImageNet MobileNet (or hand, body and face keypoints) turns images into numbers; a
k-nearest-neighbours classifier learns your labels from a handful of examples, the way ml5.js's
``KNNClassifier`` does, and a DTW gesture classifier learns movements over time.

    import p5knn
    knn = p5knn.knn_classifier.create()
    knn.add_example(frame, "wave")
    result = knn.predict_class(frame)

Nothing here imports py5 at load time (``import py5`` needs a display), nor TensorFlow.
The layers, top to bottom: ``tools`` → ``training``, ``gestures`` → ``knn`` → ``features`` →
``live`` → ``_base``; a layer imports only the ones below it.
"""

from p5knn import draw, gesture_classifier, knn_classifier, knn_regressor
from p5knn._base.errors import (CorruptFileError, EmptyClassifierError, FeatureSizeError,
                                FileKindError, ImageError, ModelError, P5KNNError,
                                UnknownLabelError)
from p5knn._base.results import Classification, GestureResult
from p5knn._base.version import __version__
from p5knn.features import (FeatureExtractor, KeypointExtractor, feature_extractor,
                            imagenet_classes)
from p5knn.knn import (AutosaveWarning, KNNClassifier, KNNRegressor, KNNResult, KTooLargeWarning,
                       Neighbor, RegressionResult)
from p5knn.live import Camera, DemoSource, SketchNotLinkedWarning, Steady, demo_clip
from p5knn.tools import OSCBridge
from p5knn.training import HeadClassifier, HeadRegressor
from p5knn.training._teachable import teachable_machine

__all__ = [
    "AutosaveWarning", "Camera", "Classification", "CorruptFileError", "DemoSource",
    "EmptyClassifierError", "FeatureExtractor", "FeatureSizeError", "FileKindError",
    "GestureResult", "HeadClassifier", "HeadRegressor", "ImageError", "KNNClassifier",
    "KNNRegressor", "KNNResult", "KTooLargeWarning", "KeypointExtractor", "ModelError",
    "Neighbor", "OSCBridge", "P5KNNError", "RegressionResult", "SketchNotLinkedWarning",
    "Steady", "UnknownLabelError", "__version__", "demo_clip", "draw", "feature_extractor",
    "gesture_classifier", "imagenet_classes", "knn_classifier", "knn_regressor",
    "teachable_machine",
]
