"""Tools: the ``p5knn`` command, the live demo, the OSC bridge, evaluation, reports, datasets."""

from p5knn.tools._osc import OSCBridge

__all__ = ["OSCBridge"]
