"""Image features: MobileNet weights, model building and conversion, the model cache, the LiteRT
runtime, image input, and the feature extractor.

The public names here are what users and the layers above need: the extractors (MobileNet or
your own model; hand, body and face keypoints), image input
(``to_rgb``, ``read_image_file``, ``image_file_size``, ``max_pixels``), where models come from
and are cached (``graph_path``, ``cache_dir``, ``MOBILENET_KEY``, ``keypoint_model`` for the
shipped hand/body/face models), and the extension point the
training layer fills (``register_trainer``).
"""

from p5knn.features._extractor import FeatureExtractor
from p5knn.features._trainers import TRAINERS, register_trainer
from p5knn.features._images import image_file_size, max_pixels, read_image_file, to_rgb
from p5knn.features._face import Face, FaceDetector
from p5knn.features._hands import Hand, HandDetector
from p5knn.features._keypoint_models import keypoint_model
from p5knn.features._keypoints import KeypointExtractor
from p5knn.features._mobilenet import MOBILENET_KEY, imagenet_classes
from p5knn.features._model_cache import cache_dir
from p5knn.features._models import feature_extractor
from p5knn.features._pose import Pose, PoseDetector
from p5knn.features._weights import graph_path

__all__ = ["MOBILENET_KEY", "TRAINERS", "Face", "FaceDetector", "FeatureExtractor", "Hand",
           "HandDetector", "KeypointExtractor", "Pose", "PoseDetector", "cache_dir", "feature_extractor",
           "graph_path", "image_file_size", "imagenet_classes", "keypoint_model", "max_pixels",
           "read_image_file", "register_trainer", "to_rgb"]
