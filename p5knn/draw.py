"""Drawing helpers for py5 sketches: ``p5knn.draw.skeleton(found)`` (hands, bodies and faces
over the frame), ``p5knn.draw.confidence_bars(result, x, y)``, and the sketches' status
``chip()`` and keyboard ``key_cap()``. Call them in ``draw()``;
py5 is imported only when they draw."""

from p5knn.live._draw import (BODY, FACE, LEFT_HAND, PALETTE, RIGHT_HAND, chip,
                              confidence_bars, key_cap, skeleton)

__all__ = ["BODY", "FACE", "LEFT_HAND", "PALETTE", "RIGHT_HAND", "chip", "confidence_bars",
           "key_cap", "skeleton"]
