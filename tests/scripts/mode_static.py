size(128, 48)
# Static mode (tests/live/test_modes.py): run by py5-run-sketch, no setup() or draw() (as
# py5bot and %%py5draw run code): everything runs now, callbacks run on the worker thread.

import json
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mode_checks import W, Checks, canvas_colours  # noqa: E402

checks = Checks()
checks.setup()                                  # classify_start: callbacks on the worker
image(checks.cam, 0, 0)
image(checks.frame, W, 0)
canvas = get_np_pixels(bands="RGB")
answer = checks.knn.predict_class(checks.cam)   # no draw(): runs now, returns the result
arrived = threading.Event()
checks.knn.predict_class(checks.cam, callback=lambda r: arrived.set())
arrived.wait(60)
report = checks.report(mode="static", label=answer.label, answer_type=type(answer).__name__,
                       callback_arrived=arrived.is_set(),
                       pixels=canvas_colours(canvas))
print(json.dumps(report), flush=True)
exit_sketch()
