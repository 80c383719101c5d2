"""Wekinator's OSC dialect on the bridge: ``/wek/inputs``, ``/wek/inputs/bundle`` and the
``/wekinator/control/…`` messages, as Wekinator 2 reads them (``wekimini/osc/
OSCControlReceiver.java``, ``InputManager.java``), mapped onto one KNN classifier and, in
gesture mode, one gesture classifier (Wekinator's DTW project).

**Numbers and labels.** Wekinator numbers classes and DTW gestures 1, 2, …; p5knn has
labels. One rule, both ways (:meth:`WekinatorCommands._wek_number` and ``_wek_label_of``):
after ``setOutputNames a b c`` number *n* is the *n*-th name; otherwise a whole-number label
*n* is number *n* (what ``/wekinator/control/outputs`` and ``startDtwRecording n`` record),
and any other label is numbered by its position in the classifier (1 = first recorded).

Every handler runs on the bridge's receive thread ("p5knn-osc", or whichever thread calls
``handle_packet``), one packet at a time, and returns a status text or None.
"""

from __future__ import annotations

import reprlib
from typing import Any, Callable, Sequence

from p5knn._base.errors import P5KNNError
from p5knn.tools._osc_send import DONE_TRAINING

CONTROL = "/wekinator/control/"
MAX_NUMBER = 1_000_000   #: largest class or gesture number accepted
MAX_NAMES = 1000         #: most names ``setOutputNames`` / ``setInputNames`` take


class WekinatorCommands:
    """Wekinator's messages on :class:`~p5knn.tools._osc.OSCBridge` (its base class; it
    provides ``knn``, ``gestures``, ``recording``, ``running``, ``vector_size``,
    ``max_examples``, ``_vector``, ``_label``, ``_record``, ``_clear``, ``_train``,
    ``_predict_vector``, ``_stream_result``, ``_send`` and the gesture handlers)."""

    output_names: tuple = ()   #: from ``setOutputNames``: number n ↔ ``output_names[n-1]``
    input_names: tuple = ()    #: from ``setInputNames`` (kept, reported)
    _wek_output: Any = 1       #: the number ``/wekinator/control/outputs`` set

    def _wekinator_routes(self) -> dict[str, Callable[..., str | None]]:
        c = CONTROL
        return {
            "/wek/inputs": self._wek_inputs, "/wek/inputs/bundle": self._wek_bundle,
            c + "outputs": self._wek_outputs,
            c + "startRecording": self._wek_start_recording,
            c + "stopRecording": self._stop_recording,
            c + "startDtwRecording": self._dtw_start, c + "stopDtwRecording": self._dtw_stop,
            c + "startRunning": lambda *a: self._set_running(True),
            c + "stopRunning": lambda *a: self._set_running(False),
            c + "train": self._wek_train,
            c + "cancelTrain": lambda *a: "nothing to cancel: training ends before its reply",
            c + "deleteAllExamples": self._wek_delete_all,
            c + "deleteExamplesForOutput": self._wek_delete_output,
            c + "setOutputNames": self._wek_output_names,
            c + "setInputNames": self._wek_input_names,
        }

    # ---------------------------------------------------------------- numbers ↔ labels
    @staticmethod
    def _whole(value: Any, what: str = "number") -> int:
        """``value`` as a whole number 1 … :data:`MAX_NUMBER` (ints, or floats like 2.0)."""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or \
                not 1 <= value <= MAX_NUMBER:
            raise ValueError(f"expected a {what} 1, 2, …, got {reprlib.repr(value)}")
        return value

    def _wek_number(self, label: Any, labels: Sequence[Any]) -> int:
        """Wekinator's number of ``label`` (0: none)."""
        if label in self.output_names:
            return self.output_names.index(label) + 1
        if isinstance(label, int) and not isinstance(label, bool) and label >= 1:
            return label
        try:
            return list(labels).index(label) + 1
        except ValueError:
            return 0

    def _wek_label_of(self, number: int, labels: Sequence[Any]) -> Any:
        """The label Wekinator's ``number`` stands for (the inverse of ``_wek_number``)."""
        if self.output_names:
            if number > len(self.output_names):
                raise ValueError(f"output {number} has no name: setOutputNames gave "
                                 f"{len(self.output_names)}")
            return self.output_names[number - 1]
        labels = list(labels)
        if number in labels:
            return number
        if number <= len(labels) and self._wek_number(labels[number - 1], labels) == number:
            return labels[number - 1]
        return number

    def _wek_label(self, number: Any = None) -> Any:
        """The label of Wekinator's ``number`` (default: the one ``/wekinator/control/outputs``
        chose, 1 at first)."""
        number = self._wek_output if number is None else number
        if isinstance(number, int) and number >= 1 and (
                self.output_names or hasattr(self.knn, "labels")):
            return self._wek_label_of(number, getattr(self.knn, "labels", []))
        return number

    # ---------------------------------------------------------------- inputs
    def _wek_inputs(self, *values: Any) -> None:
        """One frame: to the gesture classifier in gesture mode, else recorded (while
        recording) or predicted (while running) by the KNN."""
        self._input_frames([self._vector(values)])

    def _wek_bundle(self, count: Any = None, *values: Any) -> None:
        """``/wek/inputs/bundle N f…``: N frames at once, in order (Wekinator sends the count
        as a float); all are checked before any is used."""
        if count is None:
            raise ValueError("/wek/inputs/bundle needs the number of frames, then their numbers")
        count = self._whole(count, "frame count")
        if not values or len(values) % count:
            raise ValueError(f"{len(values)} numbers do not make {count} frames of one length")
        size = len(values) // count
        self._input_frames([self._vector(values[i * size:(i + 1) * size])
                            for i in range(count)])

    def _input_frames(self, frames: list[list[float]]) -> None:
        if self.gestures is not None:
            for frame in frames:
                self._gesture_frame(frame)
        elif self.recording is not None:
            self._room()
            if len(self.knn) + len(frames) > self.max_examples:
                raise ValueError(f"{len(frames)} more examples would pass max_examples "
                                 f"({self.max_examples})")
            for frame in frames:
                self.knn.add_example(frame, self.recording, wait=True)
        elif self.running and len(self.knn):
            for frame in frames:
                self._stream_result(self._predict_vector(frame))

    # ---------------------------------------------------------------- controls
    def _wek_outputs(self, *values: Any) -> str:
        numbers = self._numbers(values)
        number = int(numbers[0]) if float(numbers[0]).is_integer() else numbers[0]
        label = self._wek_label(number)          # checked before anything changes
        if self.recording is not None:
            self.recording = self._label(label)
        self._wek_output = number
        named = f" ({label})" if label != number else ""
        return f"output set to {number}{named}"

    def _wek_start_recording(self, *args: Any) -> str:
        text = self._record(self._wek_label())
        if self.gestures is not None and self.source is None:
            text += " (gesture mode: /wek/inputs feed the gestures, startDtwRecording records)"
        return text

    def _dtw_start(self, which: Any = None, *rest: Any) -> str:
        """``startDtwRecording n`` (Wekinator: a gesture number) or ``startDtwRecording
        name`` (p5knn)."""
        if which is None:
            raise ValueError("startDtwRecording needs a gesture number (1, 2, …) or a name")
        gestures = self._gesture_classifier(auto=True)
        label = self._label(which) if isinstance(which, str) else \
            self._wek_label_of(self._whole(which, "gesture number"), gestures.labels)
        return self._gesture_record(label)

    def _dtw_stop(self, *args: Any) -> str:
        return self._gesture_stop()

    def _wek_train(self, *args: Any) -> str:
        """Train (a head; the gestures' window and threshold), then tell ``send_to``
        ``/wekinator/status/done-training`` as Wekinator does."""
        text = self._train()
        self._send(DONE_TRAINING, [])
        return text

    def _wek_delete_all(self, *args: Any) -> str:
        """Every KNN example and gesture; gesture mode made by ``startDtwRecording`` ends."""
        self._clear()
        if self._drop_auto_gestures():
            return "deleted all examples; /wek/inputs go to the KNN again"
        if self.gestures is not None:
            self.gestures.clear_all()
        return "deleted all examples"

    def _wek_delete_output(self, which: Any = None, *rest: Any) -> str:
        """``deleteExamplesForOutput n``: gesture n in gesture mode (as in Wekinator's DTW
        projects), else the KNN class numbered n."""
        if which is None:
            raise ValueError("deleteExamplesForOutput needs a class or gesture number")
        number = self._whole(which, "class or gesture number")
        if self.gestures is not None:
            label = self._wek_label_of(number, self.gestures.labels)
            if label not in self.gestures.labels:
                return f"no gestures of {label} to delete"
            removed = self.gestures.clear_label(label)
            return f"deleted {removed} gestures of {label}"
        if not hasattr(self.knn, "labels"):
            raise P5KNNError("deleteExamplesForOutput needs a classifier (regression has one "
                             "output: deleteAllExamples)")
        label = self._wek_label_of(number, self.knn.labels)
        if label not in self.knn.labels:
            return f"no examples of {label} to delete"
        self.knn.clear_label(label)
        return f"deleted the examples of {label}"

    def _names(self, values: tuple, what: str) -> tuple:
        if not values or len(values) > MAX_NAMES:
            raise ValueError(f"{what} needs 1 to {MAX_NAMES} names")
        if not all(isinstance(v, str) and v for v in values):
            raise ValueError(f"{what} takes names (strings), got {reprlib.repr(values)}")
        names = tuple(self._label(v) for v in values)
        if len(set(names)) != len(names):
            raise ValueError(f"{what}: the names must differ")
        return names

    def _wek_output_names(self, *values: Any) -> str:
        """``setOutputNames a b …``: the names of classes (and gestures) 1, 2, … — labels
        recorded from then on, and the numbers sent for them."""
        self.output_names = self._names(values, "setOutputNames")
        shown = ", ".join(f"{i} = {n}" for i, n in enumerate(self.output_names[:8], 1))
        return f"output names: {shown}" + (", …" if len(self.output_names) > 8 else "")

    def _wek_input_names(self, *values: Any) -> str:
        names = self._names(values, "setInputNames")
        if self.vector_size is not None and len(names) != self.vector_size:
            raise P5KNNError(f"setInputNames: got {len(names)} names, the inputs have "
                             f"{self.vector_size} numbers")
        self.input_names = names
        return f"input names set ({len(names)})"
