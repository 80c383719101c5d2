"""Live layer: the background worker and the one rule for when a call returns at once, where
callbacks run (py5's animation thread), continuous classification, cameras and the demo source.

It serves every front object (extractors, classifiers, heads) and imports none of them.
"""

from p5knn.live._camera import Camera
from p5knn.live._background import SketchNotLinkedWarning
from p5knn.live._demo_source import DemoSource
from p5knn.live._steady import Steady
from p5knn.live._video import demo_clip, record

__all__ = ["Camera", "DemoSource", "SketchNotLinkedWarning", "Steady", "demo_clip", "record"]
