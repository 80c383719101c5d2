"""Real Processing key and mouse events, posted to a running sketch — for autopilots that
must press keys and drag the way a person does (py5's ``key_pressed()``, ``is_key_pressed``,
``mouse_dragged()``, ``mouse_x``/``pmouse_x`` all see them), headless included.

Processing queues posted events and dispatches them on the animation thread before the next
``draw()``, exactly like the window's own. Call these from any thread of a running sketch.
"""

from __future__ import annotations

import time
from typing import Any

_CLASSES: dict[str, Any] = {}


def _event_class(name: str) -> Any:
    if name not in _CLASSES:
        from jpype import JClass

        _CLASSES[name] = JClass(f"processing.event.{name}")
    return _CLASSES[name]


def _millis() -> int:
    return int(time.time() * 1000)


def post_key(sketch: Any, key: str, press: bool) -> None:
    """Post a key press (``press=True``) or release of the one-character ``key``."""
    cls = _event_class("KeyEvent")
    action = cls.PRESS if press else cls.RELEASE
    sketch._instance.postEvent(cls(None, _millis(), action, 0, key, ord(key), False))


def post_mouse(sketch: Any, action: str, x: float, y: float) -> None:
    """Post a left-button mouse event: ``action`` is "press", "drag" or "release"."""
    cls = _event_class("MouseEvent")
    kind = {"press": cls.PRESS, "drag": cls.DRAG, "release": cls.RELEASE}[action]
    left = 37                                   # PConstants.LEFT
    sketch._instance.postEvent(cls(None, _millis(), kind, 0, int(x), int(y), left, 1))
