"""Gestures on the OSC bridge: a :class:`~p5knn.gestures.GestureClassifier` (dynamic time
warping) fed frame by frame.

*Gesture mode.* With a gesture classifier (``OSCBridge(gestures=...)``, ``p5knn osc
--gestures``, or made on the first ``startDtwRecording`` in the Wekinator profile while the
KNN holds no examples — ``deleteAllExamples`` then ends gesture mode again), every ``/wek/inputs`` frame (and each of a ``/wek/inputs/bundle``)
goes to ``add_frame``: recorded between ``startDtwRecording`` and ``stopDtwRecording``,
otherwise matched while running. A recognised gesture sends ``/p5knn/gesture s f``,
``/p5knn/gesture/<name> f`` (its DTW distance) and, in the Wekinator profile,
``/output_<n>`` (see ``_osc_send``). p5knn's own messages:

    /p5knn/gestures/record <label>   start recording a gesture of <label>
    /p5knn/gestures/stop             stop; add what was recorded (2 frames at least)
    /p5knn/gestures/frame f…         one frame (as /wek/inputs in gesture mode)
    /p5knn/gestures/clear [label]    remove one label's gestures, or all
    /p5knn/gestures/undo             remove the last recorded gesture
    /p5knn/gestures/save <name>, /p5knn/gestures/load <name>   ``.p5gestures`` files,
                                     names only, inside the data folder

Limits for remote use: a recording keeps at most :data:`MAX_RECORDING_NUMBERS` numbers
(frames × numbers per frame; the bridge refuses more until the recording stops), and
remote recordings stop at ``max_gestures`` gestures.

Every handler runs on the bridge's receive thread ("p5knn-osc", or whichever thread calls
``handle_packet``), one packet at a time; matching a frame takes a few milliseconds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from p5knn._base.errors import FeatureSizeError, P5KNNError
from p5knn.tools import _osc_packets as files

#: most numbers one remote gesture recording holds (frames × numbers per frame: 4 MB)
MAX_RECORDING_NUMBERS = 1_000_000
#: largest magnitude of a gesture frame's numbers (as for KNN features; float32 holds them)
MAX_VALUE = 1e30


class GestureCommands:
    """The gesture handlers of :class:`~p5knn.tools._osc.OSCBridge` (its base class; it
    provides ``gestures``, ``running``, ``vector_size``, ``max_gestures``, ``_auto_gestures``,
    ``knn``, ``_vector``, ``_label``, ``_file`` and ``_send_gesture``)."""

    _gesture_label: Any = None   #: the label being recorded as a gesture, or None
    _gesture_numbers = 0         #: numbers recorded so far in this gesture
    _owns_gestures = False       #: the bridge made the classifier (and closes it)
    _auto_made = False           #: made by a startDtwRecording (the Wekinator profile)

    def _gesture_routes(self) -> dict[str, Callable[..., str | None]]:
        p = "/p5knn/gestures/"
        return {
            p + "record": self._gesture_record_message, p + "stop": self._gesture_stop,
            p + "frame": self._gesture_frame_message, p + "clear": self._gesture_clear,
            p + "undo": self._gesture_undo, p + "save": self._gesture_save,
            p + "load": self._gesture_load,
        }

    def _gesture_classifier(self, auto: bool = False) -> Any:
        """The gesture classifier; made now when ``auto`` and the bridge may (the Wekinator
        profile, ``gestures=None``, a KNN with no examples)."""
        if self.gestures is not None:
            return self.gestures
        if not (auto and self._auto_gestures):
            raise P5KNNError("gestures are off: start p5knn osc with --gestures (or "
                             "--wekinator), or give OSCBridge(gestures=...)")
        if len(self.knn):
            raise P5KNNError(f"the KNN holds {len(self.knn)} examples, so /wek/inputs stay "
                             "with it: deleteAllExamples first, or start with --gestures")
        from p5knn.gestures import create

        self.gestures = create()
        self._owns_gestures = self._auto_made = True
        return self.gestures

    def _drop_auto_gestures(self) -> bool:
        """Leave gesture mode made by ``startDtwRecording`` (after ``deleteAllExamples``):
        ``/wek/inputs`` go to the KNN again. True when it did."""
        if not self._auto_made or self.gestures is None:
            return False
        gestures, self.gestures = self.gestures, None
        self._gesture_label, self._auto_made, self._owns_gestures = None, False, False
        gestures.close()
        return True

    def _gesture_record(self, label: Any) -> str:
        gestures = self._gesture_classifier()
        if len(gestures) >= self.max_gestures:
            raise ValueError(f"the gesture classifier holds {len(gestures)} gestures, the most "
                             "this bridge records (max_gestures)")
        gestures.start_recording(label)
        self._gesture_label, self._gesture_numbers = label, 0
        return f"recording gesture {label}"

    def _gesture_record_message(self, label: Any = None, *rest: Any) -> str:
        if label is None:
            raise ValueError("record needs a label")
        return self._gesture_record(self._label(label))

    def _gesture_stop(self, *args: Any) -> str:
        gestures, label = self.gestures, self._gesture_label
        if gestures is None or not gestures.is_recording:
            self._gesture_label = None
            return "not recording a gesture"
        self._gesture_label = None
        index = gestures.stop_recording()
        if index is None:
            return f"nothing recorded for {label}: a gesture needs 2 frames or more"
        count = gestures.get_count_by_label().get(label, 0)
        return f"recorded gesture {label} ({count} of {label}, {len(gestures)} in all)"

    def _gesture_frame(self, vector: list[float]) -> None:
        """One frame: recorded while recording, else matched while running; a recognised
        gesture is sent at once."""
        gestures = self.gestures
        if max(map(abs, vector)) > MAX_VALUE:
            raise ValueError(f"gesture frames take numbers within ±{MAX_VALUE:g}")
        recording = gestures.is_recording
        if recording and self._gesture_numbers + len(vector) > MAX_RECORDING_NUMBERS:
            raise ValueError(f"this gesture recording is full ({MAX_RECORDING_NUMBERS} "
                             "numbers): stop it (stopDtwRecording)")
        if not (recording or self.running):
            return
        found = gestures.add_frame(vector)
        if recording:
            self._gesture_numbers += len(vector)
        if found is not None:
            self._send_gesture(found)

    def _gesture_frame_message(self, *values: Any) -> None:
        self._gesture_classifier()
        self._gesture_frame(self._vector(values))

    def _gesture_clear(self, label: Any = None, *rest: Any) -> str:
        gestures = self._gesture_classifier()
        if label is None:
            gestures.clear_all()
            return "cleared every gesture"
        removed = gestures.clear_label(self._label(label))
        return f"cleared {removed} gestures of {label}"

    def _gesture_undo(self, *args: Any) -> str:
        label = self._gesture_classifier().undo_last()
        return "no gesture to undo" if label is None else f"removed the last gesture {label}"

    def _learn_gestures(self) -> str:
        """Learn the gestures' window and threshold now (else the next frame would)."""
        gestures = self.gestures
        threshold = gestures.threshold
        shown = f"{threshold:.4g}" if threshold < float("inf") else \
            "none yet (one gesture matches anything: record more)"
        return (f"gestures: {len(gestures)} of {len(gestures.labels)} labels, window "
                f"{gestures.window}, threshold {shown}")

    def _gesture_save(self, name: Any = None, *rest: Any) -> str:
        gestures = self._gesture_classifier()
        clean = self._file("save", name, gestures.save, files.GESTURE_SUFFIXES)
        return f"saved {len(gestures)} gestures to {clean}"

    def _gesture_load(self, name: Any = None, *rest: Any) -> str:
        gestures = self._gesture_classifier()
        clean = self._file("load", name, self._gesture_load_checked, files.GESTURE_SUFFIXES)
        return f"loaded {len(gestures)} gestures from {clean}"

    def _gesture_load_checked(self, path: Path) -> None:
        """Load ``path`` unless its frames have another length than ``vector_size`` (the file
        is read and checked completely first; ``load`` checks it again, and its model)."""
        from p5knn.gestures._file import read

        dims = read(path)["dims"]
        if self.vector_size is not None and dims and dims != self.vector_size:
            raise FeatureSizeError(f"its frames have {dims} numbers; this bridge's have "
                                   f"{self.vector_size}")
        if self.gestures.is_recording:
            raise P5KNNError("a gesture is being recorded: stop it first")
        self.gestures.load(path)
