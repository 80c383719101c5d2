"""OSC bridge: talk to TouchDesigner, Max/MSP, Pure Data, Ableton or a Wekinator setup.

Sends every prediction to ``send_to`` as ``/p5knn/label s``, ``/p5knn/confidence f``,
``/p5knn/confidences [label, value, …]``, ``/p5knn/probabilities f…`` (floats only, in class
order) — regression: ``/p5knn/value f…`` — and, with ``wekinator=True`` (the Wekinator
profile), ``/wek/outputs f`` (Wekinator's class number, see ``_osc_wekinator``; regression:
the values). A steady filter and a rate cap sit in between (``_osc_send``). Listens (on
127.0.0.1 unless told otherwise) for:

    /p5knn/record <label>      record frames of the source under <label> until /p5knn/stop
    /p5knn/stop                stop recording
    /p5knn/add <label> [f …]   add one example: the numbers given, or the source's frame
    /p5knn/predict f …         predict a feature vector (the answer is sent as above)
    /p5knn/clear [label]       clear one label, or everything
    /p5knn/undo                remove the last example
    /p5knn/save <name>, /p5knn/load <name>   a file name only, inside ``data_dir``
    /p5knn/train               train the attached head, learn the gestures
    /p5knn/gestures/…          gestures (``_osc_gestures``)
    /wek/inputs f …, /wek/inputs/bundle N f …, /wekinator/control/…   (``_osc_wekinator``)

Replies go to the sender address, from the listening socket, as ``/p5knn/status s`` or
``/p5knn/error s`` (at most 300 characters), and a copy goes to ``send_to`` (``status_to``).
Every packet is treated as hostile: one receive thread handles datagrams one at a time (a
flood costs no threads). **Bundles run at once, in order — timetags are ignored** (a future
timetag would otherwise park the handler); they nest at most 8 deep and hold at most 256
messages, and a packet is parsed completely before any of its messages runs. Datagrams up to
65 507 bytes are accepted; too large or invalid ones get an ``/p5knn/error`` reply and are
counted in ``bridge.malformed`` (the first is reported). Address patterns (``*``, ``?``,
``[a-z]``, ``{a,b}``) are matched in linear time and never answered; other addresses are
ignored. Save and load take a file *name* (``room``, ``room.p5knn``, ``room.json``), never a
path, and touch only regular files directly inside ``data_dir`` (see
``p5knn.tools._osc_packets``); ``remote_files=False`` turns them off.

**Keypoints.** With a classifier on ``"hands"``, ``"pose"`` or ``"face"`` and a live source
(a ``Camera``), one detection per frame gives the vector that is predicted and — with
``send_landmarks=True`` — the raw landmarks, sent before the prediction (``_osc_keypoints``).
Numbers sent as ``/p5knn/add <label> f…``, ``/p5knn/predict`` and ``/wek/inputs`` must have the
features' length (``vector_size``: 129 hands, 134 pose, 1406 face, 1024 MobileNet with a
source); any other length gets an ``/p5knn/error`` reply and changes nothing, as does a
``/p5knn/load`` of a file made by another model than the source's, or of another length.
"""

from __future__ import annotations

import socket
import threading
from pathlib import Path
from typing import Any, Callable, NamedTuple

from p5knn.features import KeypointExtractor
from p5knn.tools import _osc_packets as files
from p5knn.tools._osc_commands import Commands
from p5knn.tools._osc_gestures import GestureCommands
from p5knn.tools._osc_keypoints import KeypointFrames
from p5knn.tools._osc_send import Sending
from p5knn.tools._osc_wekinator import WekinatorCommands
from p5knn.tools._osc_packets import (MAX_DEPTH, MAX_MESSAGES, MAX_PACKET,  # noqa: F401
                                      MAX_PATTERN, REPLY_CHARS, MalformedPacketError,
                                      parse_packet)
from p5knn._base.errors import P5KNNError
from p5knn.features._keypoint_vectors import FEATURE_SIZES as KEYPOINT_SIZES
from p5knn.live._report import report_error


class Handled(NamedTuple):
    """What :meth:`OSCBridge.handle_packet` did with one message (address ``""``: the whole
    packet was refused as malformed)."""

    address: str   #: the route that ran
    ok: bool       #: False: an ``/p5knn/error`` reply was sent
    text: str      #: the reply's text ("" when none was sent)


def _osc() -> Any:
    try:
        from pythonosc import udp_client
    except ImportError as exc:  # pragma: no cover - python-osc is a dependency
        raise P5KNNError("p5knn.osc needs python-osc: pip install python-osc") from exc
    return udp_client


# ------------------------------------------------------------------------------ the bridge
class OSCBridge(Commands, WekinatorCommands, GestureCommands, Sending, KeypointFrames):
    """Connects a classifier to OSC. ``source`` (a Camera or similar) gives frames to record
    and predict continuously; without one, features arrive as OSC numbers.

    Parameters
    ----------
    knn, source, head : the classifier, an optional frame source and trainable head.
        A classifier on keypoints (``create("hands")``) with a live source predicts each
        frame from one detection (see the module docstring).
    send_to : (host, port) predictions, gestures, status copies and heartbeats go to.
    listen : (host, port) to receive on (port 0: any free port), or None not to listen.
    wekinator : the Wekinator profile: also send ``/wek/outputs`` (and ``/output_<n>`` for
        gestures), and make a gesture classifier on the first ``startDtwRecording``.
    gestures : a gesture classifier (``p5knn.gesture_classifier.create()``) for gesture mode
        (``/wek/inputs`` frames go to it), True to make one, False never to; None: made on
        demand in the Wekinator profile.
    max_rate : at most this many predictions per second (Hz); None: every one.
    heartbeat : send ``/p5knn/heartbeat f i i s`` (seconds up, examples, gestures, state)
        every this many seconds; None: never.
    steady : a steady-output filter every prediction passes first: a ``p5knn.Steady``, or
        a dict of its options (``{"majority": 5, "on_change": True}``).
    status_to : "both" (default): replies go to the sender and a copy to ``send_to``;
        "sender": to the sender only; "send": to ``send_to`` only.
    record_fps : frames recorded per second while recording a source.
    on_error : gets errors of background work and the first malformed packet (default:
        printed once).
    data_dir : the only folder remote ``/p5knn/save`` / ``/p5knn/load`` use (default
        ``p5knn_data`` beside the running script, else in the current folder; created on the
        first save).
    remote_files : False turns remote save and load off (they get an ``/p5knn/error``).
    send_landmarks : send each frame's landmarks (keypoint classifiers with a live source;
        otherwise ``ValueError``).
    vector_size : how many numbers OSC vectors must have (default: the extractor's feature
        size with a source, the keypoint model's for a keypoint file, else any length the
        classifier accepts).
    max_examples, max_gestures : remote adds stop at this many KNN examples, remote
        recordings at this many gestures.

    Threads: the receive thread "p5knn-osc" runs every message handler, one packet at a time
    (or whichever thread calls :meth:`handle_packet`), gestures included; "p5knn-osc-rec"
    records a source's frames; a source's predictions are sent from the classifier's worker
    thread (keypoints: "p5knn-osc-frames" hands each new frame to the extractor's worker,
    which sends); "p5knn-osc-tick" (with ``max_rate``, ``heartbeat`` or ``steady``) sends
    waiting predictions, steady ticks and heartbeats.

    Example
    -------
    >>> hands = p5knn.knn_classifier.create("hands", metric="euclidean")
    >>> bridge = p5knn.OSCBridge(hands, ("127.0.0.1", 12000), ("127.0.0.1", 12001),
    ...                          source=cam, send_landmarks=True)
    """

    def __init__(self, knn: Any, send_to: tuple[str, int] = ("127.0.0.1", 12000),
                 listen: tuple[str, int] | None = ("127.0.0.1", 12001), source: Any = None,
                 wekinator: bool = False, head: Any = None, record_fps: float = 10.0,
                 on_error: Callable[[BaseException], Any] | None = None,
                 data_dir: str | Path | None = None, remote_files: bool = True,
                 max_examples: int = 100_000, send_landmarks: bool = False,
                 vector_size: int | None = None, gestures: Any = None,
                 max_rate: float | None = None, heartbeat: float | None = None,
                 steady: Any = None, status_to: str = "both",
                 max_gestures: int = 1000) -> None:
        client_mod = _osc()
        self._stop = threading.Event()
        self.wekinator = bool(wekinator)
        options = getattr(knn, "options", None)
        self._setup_sending(send_to, max_rate, heartbeat, steady, status_to,
                            options.get("unknown_label", "unknown")
                            if isinstance(options, dict) else "unknown")
        self.extractor: Any = knn.extractor if source is not None else None
        #: the keypoint extractor when frames go through one (else None)
        self.keypoints = self.extractor if isinstance(self.extractor, KeypointExtractor) \
            else None
        live = hasattr(source, "__p5knn_frame__")
        if send_landmarks and (self.keypoints is None or not live):
            raise ValueError("send_landmarks needs a classifier on keypoints "
                             "(create('hands'), 'pose' or 'face') and a live source such as "
                             "a Camera")
        self.send_landmarks = bool(send_landmarks)
        self.vector_size = int(vector_size) if vector_size is not None else \
            self._default_vector_size(knn)
        self.knn = knn
        self.source = source
        self.head = head
        self._auto_gestures = gestures is None and self.wekinator
        self.gestures: Any = None if gestures is None or gestures is False else gestures
        self.max_gestures = max_gestures  #: remote gesture recordings stop at this many
        self.on_error = on_error
        self.data_dir = Path(data_dir or files.default_data_dir()).expanduser().resolve()
        self.remote_files = remote_files
        self.max_examples = max_examples  #: remote adds stop at this many examples
        self.record_interval = 1.0 / record_fps if record_fps else 0.0
        self.client = client_mod.SimpleUDPClient(*send_to)
        self.recording: Any = None   #: the label being recorded, or None
        self.running = True          #: predictions flow (Wekinator's start/stopRunning)
        self.malformed = 0           #: packets that were not valid OSC (or too large)
        self.sent = 0                #: predictions sent
        self.received = 0            #: messages handled
        self._lock = threading.Lock()
        self._handling = threading.Lock()  # one packet at a time, whoever calls
        self._handlers = {**self._knn_routes(), **self._wekinator_routes(),
                          **self._gesture_routes()}
        self._patterns: dict[str, list[str]] = {}
        self._sock: socket.socket | None = None
        self._address: tuple[str, int] | None = None
        self._thread: threading.Thread | None = None
        if listen is not None:
            family = socket.AF_INET6 if ":" in listen[0] else socket.AF_INET
            self._sock = socket.socket(family, socket.SOCK_DGRAM)
            try:
                self._sock.bind(tuple(listen))
                self._sock.settimeout(0.1)  # how often the receive thread checks for close()
                try:  # room for bursts of large datagrams (the OS may cap it)
                    self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
                except OSError:
                    pass
            except BaseException:
                self._sock.close()
                self.client._sock.close()
                raise
            self._address = tuple(self._sock.getsockname()[:2])  # type: ignore[assignment]
            self._thread = threading.Thread(target=self._serve, name="p5knn-osc", daemon=True)
            self._thread.start()
        if self.gestures is True:
            from p5knn.gestures import create

            self.gestures, self._owns_gestures = create(), True
        self._start_ticker()
        self._recorder = None
        self._frames: threading.Thread | None = None
        if source is not None:
            if self.keypoints is not None and live:
                self._frames = self._start_frames()
            else:
                self.knn.classify_start(source, self._frame_result, on_error=self._error)
            self._recorder = threading.Thread(target=self._record_loop, name="p5knn-osc-rec",
                                              daemon=True)
            self._recorder.start()

    @property
    def address(self) -> tuple[str, int] | None:
        """(host, port) the bridge listens on."""
        return self._address

    def _default_vector_size(self, knn: Any) -> int | None:
        if self.extractor is not None:
            return int(self.extractor.feature_size)
        if knn.model in KEYPOINT_SIZES:   # a keypoint file, no source: its vectors' length
            return KEYPOINT_SIZES[knn.model]
        return None

    # ---------------------------------------------------------------- sending
    def _frame_result(self, result: Any) -> None:
        """Runs on the classifier's worker thread, for each continuous prediction."""
        if self.running and self.recording is None and not self._stop.is_set():
            self._stream_result(result)

    def _send(self, address: str, value: Any) -> None:
        """Send one message to ``send_to``; a failure (a message too big for one datagram,
        say) is reported, never raised."""
        try:
            self.client.send_message(address, value)
        except OSError as exc:
            self._error(OSError(f"cannot send {address}: {exc}"))

    def _reply(self, to: Any, path: str, text: str) -> str:
        """Send ``path text`` to ``to`` from the listening socket (unless ``status_to`` is
        "send"); return the text sent."""
        text = _trim(text)
        if self._sock is not None and self.status_to != "send":
            try:
                self._sock.sendto(b"".join(files.osc_string(s) for s in (path, ",s", text)), to)
            except (OSError, TypeError, ValueError, OverflowError):
                pass  # a sender we cannot answer (closed, unreachable, not an address)
        return text

    def _error(self, exc: BaseException) -> None:
        report_error(exc, self.on_error, "p5knn OSC bridge")

    # ---------------------------------------------------------------- receiving
    def _serve(self) -> None:
        """The receive thread ("p5knn-osc"): one datagram at a time, handled right here."""
        sock = self._sock
        assert sock is not None
        while not self._stop.is_set():
            try:
                data, sender = sock.recvfrom(65536)
            except socket.timeout:
                continue
            except OSError:  # the socket was closed, or the OS reported an ICMP error
                if self._stop.wait(0.01) or sock.fileno() < 0:
                    break
                continue
            self.handle_packet(data, sender)

    def handle_packet(self, data: bytes, sender: Any) -> list[Handled]:
        """Handle one datagram from ``sender`` (an address to reply to): parse it completely,
        then run each message on the calling thread (the receive thread calls this for every
        datagram; packets are handled one at a time). Never raises. Returns what each message
        did (one entry per route that ran, or one ``Handled("", False, why)`` if the packet
        was malformed)."""
        try:
            try:
                if not isinstance(data, (bytes, bytearray, memoryview)):
                    raise MalformedPacketError(f"not bytes but {type(data).__name__}")
                messages = parse_packet(bytes(data))
            except MalformedPacketError as exc:
                return [self._malformed(sender, str(exc))]
            results, answerable = [], []
            with self._handling:
                for address, args in messages:
                    exact = address in self._handlers
                    for route in self._match(address):
                        handled = self._call(route, args)
                        results.append(handled)
                        if exact:
                            answerable.append(handled)
            self._answer(sender, answerable)
            return results
        except Exception as exc:  # noqa: BLE001 - a bug must not stop the bridge
            self._error(exc)
            return []

    def _malformed(self, sender: Any, why: str) -> Handled:
        with self._lock:
            self.malformed += 1
            first = self.malformed == 1
        if first:
            host = sender[0] if isinstance(sender, tuple) and sender else sender
            self._error(MalformedPacketError(
                f"malformed OSC packet from {host}: {why} (later ones are counted in "
                "bridge.malformed, not reported)"))
        text = self._reply(sender, "/p5knn/error", f"malformed packet: {why}")
        self._status_out("/p5knn/error", text, sender)
        return Handled("", False, text)

    def _match(self, address: str) -> list[str]:
        if address in self._handlers:
            return [address]
        if len(address) > MAX_PATTERN or not any(c in address for c in "*?[]{}"):
            return []
        routes = self._patterns.get(address)
        if routes is None:
            if len(self._patterns) >= 256:
                self._patterns.clear()
            routes = [r for r in self._handlers if files.pattern_matches(address, r)]
            self._patterns[address] = routes
        return routes

    def _call(self, route: str, args: list) -> Handled:
        self.received += 1
        try:
            status = self._handlers[route](*args)
        except Exception as exc:  # noqa: BLE001 - a bad message must not stop the bridge
            return Handled(route, False, _trim(f"{route}: {exc}"))
        return Handled(route, True, _trim(status or ""))

    def _answer(self, sender: Any, handled: list[Handled]) -> None:
        """At most one reply per datagram, so a packet cannot be reflected into many
        (messages sent to address patterns get none)."""
        said = [h for h in handled if h.text or not h.ok]
        if not said:
            return
        failed = [h for h in said if not h.ok]
        if len(said) == 1:
            text = said[0].text
        else:
            text = f"{len(handled)} messages, {len(failed)} failed" + \
                (f"; first error: {failed[0].text}" if failed else "")
        path = "/p5knn/error" if failed else "/p5knn/status"
        text = self._reply(sender, path, text)
        self._status_out(path, text, sender)

    # ---------------------------------------------------------------- recording frames
    def _record_loop(self) -> None:
        """The recorder thread ("p5knn-osc-rec"): adds source frames while recording."""
        last_id = 0   # a Camera's frame_id counts frames published: 0 is none yet
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
        """Stop listening, recording and predicting. Returns promptly whatever was received:
        each thread gets at most 2 s to finish, then is left to end on its own (daemon)."""
        self._stop.set()
        if self.source is not None:
            self.knn.classify_stop(wait=False)
        me = threading.current_thread()
        if self._thread is not None and self._thread is not me:
            self._thread.join(2.0)
        if self._sock is not None:
            self._sock.close()
        if self._recorder is not None and self._recorder is not me:
            self._recorder.join(2.0)
        if self._frames is not None and self._frames is not me:
            self._frames.join(2.0)
        self._wake.set()
        if self._ticker is not None and self._ticker is not me:
            self._ticker.join(2.0)
        if self._owns_gestures and self.gestures is not None:
            self.gestures.close()
        client_sock = getattr(self.client, "_sock", None)
        if client_sock is not None:
            client_sock.close()

    def __enter__(self) -> "OSCBridge":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _trim(text: str) -> str:
    return text if len(text) <= REPLY_CHARS else text[:REPLY_CHARS - 1] + "…"
