"""What the OSC bridge's own control messages do: record, add, predict, clear, undo, save/load
(names inside the data folder) and train. Every handler runs on the bridge's receive thread
("p5knn-osc", or whichever thread calls ``handle_packet``), one packet at a time, and returns a
status text (or None). Wekinator's messages: ``_osc_wekinator``; gestures: ``_osc_gestures``."""

from __future__ import annotations

import math
import reprlib
from pathlib import Path
from typing import Any, Callable

from p5knn._base.errors import FeatureSizeError, P5KNNError
from p5knn.knn import KNNRegressor
from p5knn.knn._files import load_any
from p5knn.tools import _osc_packets as files

#: longest label accepted over OSC (labels go out again in every prediction)
MAX_LABEL = 100
#: most classifier files remote saves create in the data folder (saving over one is fine)
MAX_FILES = 64


class Commands:
    """The p5knn control-message handlers of :class:`~p5knn.tools._osc.OSCBridge` (its base
    class; it provides ``knn``, ``source``, ``head``, ``gestures``, ``extractor``,
    ``vector_size``, ``data_dir``, ``remote_files``, ``max_examples``, ``recording``,
    ``running`` and ``_stream_result``)."""

    def _knn_routes(self) -> dict[str, Callable[..., str | None]]:
        return {
            "/p5knn/record": self._record, "/p5knn/stop": self._stop_recording,
            "/p5knn/add": self._add, "/p5knn/predict": self._predict,
            "/p5knn/clear": self._clear, "/p5knn/undo": self._undo,
            "/p5knn/save": self._save, "/p5knn/load": self._load, "/p5knn/train": self._train,
        }

    # Handlers: each runs on the thread that called handle_packet (normally "p5knn-osc").
    @staticmethod
    def _label(value: Any) -> Any:
        if isinstance(value, float) and value.is_integer() and abs(value) < 2 ** 53:
            return int(value)
        if isinstance(value, str) and len(value) > MAX_LABEL:
            raise ValueError(f"labels sent over OSC are at most {MAX_LABEL} characters")
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            return value
        raise ValueError(f"a label must be a string or an integer, got {reprlib.repr(value)}")

    def _room(self) -> None:
        if len(self.knn) >= self.max_examples:
            raise ValueError(f"the classifier holds {len(self.knn)} examples, the most this "
                             "bridge adds (max_examples)")

    @staticmethod
    def _numbers(args: tuple) -> list[float]:
        if not args:
            raise ValueError("expected numbers")
        if not all(isinstance(a, (int, float)) and not isinstance(a, bool) for a in args):
            raise ValueError(f"expected numbers, got {reprlib.repr(args)}")
        numbers = [float(a) for a in args]
        if not all(math.isfinite(x) for x in numbers):
            raise ValueError("expected finite numbers, got NaN or infinity")
        return numbers

    def _vector(self, values: tuple) -> list[float]:
        """``values`` as a feature vector: numbers, finite, of the bridge's ``vector_size``
        when it has one (checked before anything changes)."""
        numbers = self._numbers(values)
        size = self.vector_size
        if size is not None and len(numbers) != size:
            what = f"{self.extractor.name} features" if self.extractor is not None else \
                f"{self.knn.model} features" if self.knn.model else "features"
            raise FeatureSizeError(f"expected {size} numbers ({what}), got {len(numbers)}")
        return numbers

    def _record(self, label: Any = None, *rest: Any) -> str:
        if label is None:
            raise ValueError("record needs a label")
        self.recording = self._label(label)
        return f"recording {self.recording}"

    def _stop_recording(self, *args: Any) -> str:
        self.recording = None
        return "stopped recording"

    def _add(self, label: Any = None, *values: Any) -> str:
        if label is None:
            raise ValueError("add needs a label")
        label = self._label(label)
        self._room()
        if values:
            self.knn.add_example(self._vector(values), label, wait=True)
        elif self.source is not None:
            self.knn.add_example(self.source, label, wait=True)
        else:
            raise ValueError("add needs feature numbers (there is no camera source)")
        return f"added {label} ({len(self.knn)} examples)"

    def _predict(self, *values: Any) -> None:
        self._stream_result(self._predict_vector(self._vector(values)))

    def _predict_vector(self, vector: list[float]) -> Any:
        if isinstance(self.knn, KNNRegressor):
            return self.knn.predict(vector)
        return self.knn.predict_class(vector)

    def _clear(self, label: Any = None, *rest: Any) -> str:
        if label is None:
            (self.knn.clear_all_examples if isinstance(self.knn, KNNRegressor)
             else self.knn.clear_all_labels)()
            return "cleared everything"
        self.knn.clear_label(self._label(label))
        return f"cleared {label}"

    def _undo(self, *args: Any) -> str:
        label = self.knn.undo_last()
        return "nothing to undo" if label is None else f"removed the last {label}"

    def _file(self, verb: str, name: Any, run: Callable[[Path], Any],
              suffixes: tuple[str, ...] = files.SUFFIXES) -> str:
        """Resolve a remote file name inside ``data_dir`` and run ``run(path)``; return the
        clean name. Errors name the file, never the folder."""
        if not self.remote_files:
            raise P5KNNError(f"remote {verb} is off (remote_files=False, --no-remote-files)")
        clean = reprlib.repr(name)
        try:
            clean, path = files.resolve(self.data_dir, name, for_save=verb == "save",
                                        suffixes=suffixes)
            if verb == "save" and not path.exists() and self._files_in_data_dir() >= MAX_FILES:
                raise P5KNNError(f"the data folder already holds {MAX_FILES} classifier files; "
                                 "save over one of them")
            run(path)
        except Exception as exc:
            text = files.scrub(str(exc), self.data_dir)
            raise P5KNNError(f"could not {verb} {clean}: {text}") from None
        return clean

    def _files_in_data_dir(self) -> int:
        kinds = files.SUFFIXES + files.GESTURE_SUFFIXES
        try:
            return sum(1 for p in Path(self.data_dir).iterdir() if p.suffix.lower() in kinds)
        except OSError:
            return 0

    def _save(self, name: Any = None, *rest: Any) -> str:
        clean = self._file("save", name, self.knn.save)
        return f"saved {len(self.knn)} examples to {clean}"

    def _load(self, name: Any = None, *rest: Any) -> str:
        clean = self._file("load", name, self._load_checked)
        return f"loaded {len(self.knn)} examples from {clean}"

    def _load_checked(self, path: Path) -> None:
        """Load ``path`` unless it was made by another model than the source's extractor, or
        holds vectors of another length than ``vector_size`` (read and checked completely
        first, as ``knn.load`` does: a refused file changes nothing)."""
        data = load_any(path)
        model = data.model
        size = int(data.features.shape[1]) if data.features.ndim == 2 and len(data.features) \
            else None
        if self.extractor is not None and model is not None and model != self.extractor.name:
            raise FeatureSizeError(f"it holds {model} features; this bridge classifies "
                                   f"{self.extractor.name} features")
        if self.vector_size is not None and size is not None and size != self.vector_size:
            raise FeatureSizeError(f"its examples have {size} numbers; this bridge's have "
                                   f"{self.vector_size}")
        self.knn.restore(data, path)   # what knn.load(path) does with the data it reads

    def _train(self, *args: Any) -> str:
        said = []
        if self.head is not None:
            self.head.train(wait=True)
            said.append(f"trained the head on {len(self.head)} examples")
        if self.gestures is not None and len(self.gestures):
            said.append(self._learn_gestures())
        if not said:
            return "KNN needs no training: examples count as soon as they are added"
        return "; ".join(said)

    def _set_running(self, running: bool) -> str:
        self.running = running
        return "running" if running else "stopped running"
