"""OSC bridge: talk to TouchDesigner, Max/MSP, Pure Data, Ableton or a Wekinator setup.

Sends every prediction as ``/p5knn/label s``, ``/p5knn/confidence f``, ``/p5knn/confidences
[label, value, …]`` (and Wekinator's ``/wek/outputs f`` — the class number, 1-based, or the
regression values — with ``wekinator=True``). Listens (on 127.0.0.1 unless told otherwise) for:

    /p5knn/record <label>      record frames of the source under <label> until /p5knn/stop
    /p5knn/stop                stop recording
    /p5knn/add <label> [f …]   add one example: the numbers given, or the source's frame
    /p5knn/predict f …         predict a feature vector (the answer is sent as above)
    /p5knn/clear [label]       clear one label, or everything
    /p5knn/undo                remove the last example
    /p5knn/save <path>, /p5knn/load <path>
    /p5knn/train               train the attached head (KNN itself needs no training)
    /wek/inputs f …            feature input: recorded while recording, predicted while running
    /wekinator/control/startRecording | stopRecording | startRunning | stopRunning |
        deleteAllExamples | train,  /wekinator/control/outputs f …  (the label to record)

Replies go to the sender address as ``/p5knn/status s`` or ``/p5knn/error s``. Malformed
packets are counted (``bridge.malformed``) and reported once; nothing they hold can stop it.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Callable

import numpy as np

from .errors import P5KNNError
from .worker import report_error


def _osc() -> Any:
    try:
        from pythonosc import dispatcher, osc_packet, osc_server, udp_client
    except ImportError as exc:  # pragma: no cover - python-osc is a dependency
        raise P5KNNError("p5knn.osc needs python-osc: pip install python-osc") from exc
    return dispatcher, osc_packet, osc_server, udp_client


class OSCBridge:
    """Connects a classifier to OSC. ``source`` (a Camera or similar) gives frames to record
    and predict continuously; without one, features arrive as OSC numbers."""

    def __init__(self, knn: Any, send_to: tuple[str, int] = ("127.0.0.1", 12000),
                 listen: tuple[str, int] | None = ("127.0.0.1", 12001), source: Any = None,
                 wekinator: bool = False, head: Any = None, record_fps: float = 10.0,
                 on_error: Callable[[BaseException], Any] | None = None) -> None:
        dispatcher_mod, self._packet, server_mod, client_mod = _osc()
        self.knn = knn
        self.source = source
        self.wekinator = wekinator
        self.head = head
        self.on_error = on_error
        self.record_interval = 1.0 / record_fps if record_fps else 0.0
        self.client = client_mod.SimpleUDPClient(*send_to)
        self.recording: Any = None   #: the label being recorded, or None
        self.running = True          #: predictions flow (Wekinator's start/stopRunning)
        self.malformed = 0           #: packets that were not valid OSC
        self.sent = 0                #: predictions sent
        self.received = 0            #: messages handled
        self._reply_client: dict[tuple[str, int], Any] = {}
        self._client_mod = client_mod
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.server = None
        if listen is not None:
            disp = _CountingDispatcher(self)
            for address, fn in self._routes().items():
                disp.map(address, self._guard(fn), needs_reply_address=True)
            bridge = self

            class Server(server_mod.ThreadingOSCUDPServer):
                def verify_request(self, request: Any, client_address: Any) -> bool:
                    ok = super().verify_request(request, client_address)
                    if not ok:  # python-osc drops these silently: count and report them
                        bridge._malformed_packet(client_address, "not an OSC message or bundle")
                    return ok

            self.server = Server(listen, disp)
            self._server_thread = threading.Thread(target=self.server.serve_forever,
                                                   name="p5knn-osc", daemon=True)
            self._server_thread.start()
        self._recorder = None
        if source is not None:
            self.knn.classify_start(source, self._frame_result, on_error=self._error)
            self._recorder = threading.Thread(target=self._record_loop, name="p5knn-osc-rec",
                                              daemon=True)
            self._recorder.start()

    @property
    def address(self) -> tuple[str, int] | None:
        """(host, port) the bridge listens on."""
        return self.server.server_address if self.server else None

    # ---------------------------------------------------------------- sending
    def _frame_result(self, result: Any) -> None:
        if self.running and self.recording is None:
            self.send_result(result)

    def send_result(self, result: Any) -> None:
        """Send one prediction (a KNNResult or a RegressionResult)."""
        if hasattr(result, "confidences"):
            self.client.send_message("/p5knn/label", str(result.label))
            self.client.send_message("/p5knn/confidence", float(result.confidence))
            flat: list[Any] = []
            for label, value in result.confidences.items():
                flat += [str(label), float(value)]
            self.client.send_message("/p5knn/confidences", flat)
            if self.wekinator:
                self.client.send_message("/wek/outputs", [float(result.class_index + 1)])
        else:
            values = np.atleast_1d(np.asarray(result.value, np.float64)).tolist()
            self.client.send_message("/p5knn/value", values)
            if self.wekinator:
                self.client.send_message("/wek/outputs", values)
        self.sent += 1

    def _reply(self, address: tuple[str, int], path: str, text: str) -> None:
        client = self._reply_client.get(address)
        if client is None:
            client = self._reply_client[address] = self._client_mod.SimpleUDPClient(*address)
        client.send_message(path, text)

    def _malformed_packet(self, client_address: Any, why: Any) -> None:
        self.malformed += 1
        report_error(P5KNNError(f"malformed OSC packet from {client_address[0]}: {why}"), None,
                     "p5knn OSC bridge")

    def _error(self, exc: BaseException) -> None:
        report_error(exc, self.on_error, "p5knn OSC bridge")

    # ---------------------------------------------------------------- receiving
    def _guard(self, fn: Callable[..., str | None]) -> Callable[..., None]:
        def handler(client_address: tuple[str, int], address: str, *args: Any) -> None:
            self.received += 1
            try:
                status = fn(*args)
                if status:
                    self._reply(client_address, "/p5knn/status", status)
            except Exception as exc:  # noqa: BLE001 - a bad message must not stop the bridge
                self._reply(client_address, "/p5knn/error", f"{address}: {exc}")
        return handler

    def _routes(self) -> dict[str, Callable[..., str | None]]:
        control = "/wekinator/control/"
        return {
            "/p5knn/record": self._record, "/p5knn/stop": self._stop_recording,
            "/p5knn/add": self._add, "/p5knn/predict": self._predict,
            "/p5knn/clear": self._clear, "/p5knn/undo": self._undo,
            "/p5knn/save": self._save, "/p5knn/load": self._load, "/p5knn/train": self._train,
            "/wek/inputs": self._wek_inputs,
            control + "startRecording": lambda *a: self._record(self._wek_label()),
            control + "stopRecording": self._stop_recording,
            control + "startRunning": self._start_running,
            control + "stopRunning": self._stop_running,
            control + "deleteAllExamples": lambda *a: self._clear(),
            control + "train": self._train,
            control + "outputs": self._wek_outputs,
        }

    @staticmethod
    def _label(value: Any) -> Any:
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            return value
        raise ValueError(f"a label must be a string or an integer, got {value!r}")

    @staticmethod
    def _numbers(args: tuple) -> list[float]:
        if not args:
            raise ValueError("expected numbers")
        if not all(isinstance(a, (int, float)) and not isinstance(a, bool) for a in args):
            raise ValueError(f"expected numbers, got {args!r}")
        return [float(a) for a in args]

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
        if values:
            self.knn.add_example(self._numbers(values), label, wait=True)
        elif self.source is not None:
            self.knn.add_example(self.source, label, wait=True)
        else:
            raise ValueError("add needs feature numbers (there is no camera source)")
        return f"added {label} ({len(self.knn)} examples)"

    def _predict(self, *values: Any) -> None:
        self.send_result(self._predict_vector(self._numbers(values)))

    def _predict_vector(self, vector: list[float]) -> Any:
        if self.knn.task == "regression":
            return self.knn.predict(vector)
        return self.knn.predict_class(vector)

    def _clear(self, label: Any = None, *rest: Any) -> str:
        if label is None:
            self.knn.clear_all_labels()
            return "cleared everything"
        self.knn.clear_label(self._label(label))
        return f"cleared {label}"

    def _undo(self, *args: Any) -> str:
        label = self.knn.undo_last()
        return "nothing to undo" if label is None else f"removed the last {label}"

    def _save(self, path: Any = None, *rest: Any) -> str:
        if not isinstance(path, str) or not path:
            raise ValueError("save needs a file path")
        return f"saved {len(self.knn)} examples to {self.knn.save(path)}"

    def _load(self, path: Any = None, *rest: Any) -> str:
        if not isinstance(path, str) or not path:
            raise ValueError("load needs a file path")
        self.knn.load(path)
        return f"loaded {len(self.knn)} examples from {path}"

    def _train(self, *args: Any) -> str:
        if self.head is None:
            return "KNN needs no training: examples count as soon as they are added"
        self.head.train(wait=True)
        return f"trained the head on {len(self.head)} examples"

    def _wek_label(self) -> Any:
        return getattr(self, "_wek_output", 1)

    def _wek_outputs(self, *values: Any) -> str:
        numbers = self._numbers(values)
        self._wek_output = int(numbers[0]) if float(numbers[0]).is_integer() else numbers[0]
        if self.recording is not None:
            self.recording = self._wek_output
        return f"output set to {self._wek_output}"

    def _start_running(self, *args: Any) -> str:
        self.running = True
        return "running"

    def _stop_running(self, *args: Any) -> str:
        self.running = False
        return "stopped running"

    def _wek_inputs(self, *values: Any) -> None:
        vector = self._numbers(values)
        if self.recording is not None:
            self.knn.add_example(vector, self.recording, wait=True)
        elif self.running and len(self.knn):
            self.send_result(self._predict_vector(vector))

    # ---------------------------------------------------------------- recording frames
    def _record_loop(self) -> None:
        last_id = -1
        while not self._stop.is_set():
            if self.recording is None:
                self._stop.wait(0.05)
                continue
            if hasattr(self.source, "wait_for_frame"):
                self.source.wait_for_frame(last_id, timeout=0.2)
                last_id = getattr(self.source, "frame_id", last_id)
            try:
                label = self.recording
                if label is not None:
                    self.knn.add_example(self.source, label, wait=True)
            except Exception as exc:  # noqa: BLE001
                self._error(exc)
            self._stop.wait(self.record_interval)

    def close(self) -> None:
        """Stop listening, recording and predicting."""
        self._stop.set()
        if self.source is not None:
            self.knn.classify_stop(wait=False)
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
        if self._recorder is not None:
            self._recorder.join(2.0)

    def __enter__(self) -> "OSCBridge":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class _CountingDispatcher:
    """python-osc's dispatcher, counting (and reporting once) packets that are not OSC."""

    def __new__(cls, bridge: OSCBridge) -> Any:
        from pythonosc import dispatcher, osc_packet

        class Counting(dispatcher.Dispatcher):
            def call_handlers_for_packet(self, data: bytes, client_address: Any) -> list:
                try:
                    osc_packet.OscPacket(data)
                except osc_packet.ParseError as exc:
                    bridge._malformed_packet(client_address, exc)
                    return []
                return super().call_handlers_for_packet(data, client_address)

        return Counting()
