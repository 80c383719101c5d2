"""What the OSC bridge sends to its destination (``send_to``): predictions, recognised
gestures, status copies and heartbeats, with the steady filter and the rate cap in between.

Predictions (every KNN answer the bridge makes: source frames, ``/wek/inputs``,
``/p5knn/predict``) pass, in this order:

1. the **steady filter** (``steady=``: a ``p5knn.Steady`` or a dict of its options, e.g.
   ``{"majority": 5, "on_change": True}``; classification only): ``steady.update(result,
   now)`` returns the result to send (its label the steady one) or None; the tick thread
   calls ``steady.tick(now)`` 20 times a second and sends what it returns (the timeout's
   unknown answer). ``now`` is ``time.perf_counter()``, the clock of ``frame_time``;
2. the **rate cap** (``max_rate=`` Hz): at most one prediction per ``1 / max_rate`` seconds;
   a prediction arriving sooner waits, and a newer one replaces it (``bridge.skipped`` counts
   the replaced ones), so the last answer of a burst is always sent, at most one interval late.

Recognised gestures are events: neither filtered nor capped.

Threads: :meth:`Sending.send_result` and the gesture, status and heartbeat senders run on the
caller's thread (the receive thread "p5knn-osc", a classifier's worker, or the tick thread);
"p5knn-osc-tick" (started only with ``max_rate``, ``heartbeat`` or ``steady``) flushes waiting
predictions, ticks the steady filter and sends heartbeats.
"""

from __future__ import annotations

import math
import socket
import threading
import time
from typing import Any

import numpy as np

from p5knn.live._steady import Steady
from p5knn.tools import _osc_packets as files

STATUS_TO = ("sender", "send", "both")   #: where replies go: see ``OSCBridge(status_to=)``
STEADY_TICK = 0.05                       #: seconds between ``steady.tick`` calls
DONE_TRAINING = "/wekinator/status/done-training"


def resolve_host(address: tuple[str, int]) -> tuple[str, int]:
    """``(numeric host, port)`` of ``address`` (the host unchanged if it cannot be resolved),
    to tell whether a sender is the destination itself."""
    host, port = address[0], int(address[1])
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        host = socket.getaddrinfo(host, port, family, socket.SOCK_DGRAM)[0][4][0]
    except (OSError, UnicodeError, ValueError):
        pass
    return host, port


class Sending:
    """The sending side of :class:`~p5knn.tools._osc.OSCBridge` (its base class; it provides
    ``client``, ``knn``, ``gestures``, ``wekinator``, ``running``, ``recording``, ``_stop``,
    ``_lock``, ``_error`` and ``_wek_number``)."""

    sent = 0             #: predictions sent
    skipped = 0          #: predictions replaced by a newer one under the rate cap
    gestures_sent = 0    #: recognised gestures sent
    heartbeats_sent = 0  #: heartbeats sent

    def _setup_sending(self, send_to: tuple[str, int], max_rate: float | None,
                       heartbeat: float | None, steady: Any, status_to: str,
                       unknown_label: Any = "unknown") -> None:
        if status_to not in STATUS_TO:
            raise ValueError(f"status_to must be one of {STATUS_TO}, got {status_to!r}")
        for name, value in (("max_rate", max_rate), ("heartbeat", heartbeat)):
            if value is not None and (isinstance(value, bool) or not isinstance(
                    value, (int, float)) or not 0 < value < math.inf):
                raise ValueError(f"{name} must be None or a number > 0, got {value!r}")
        if isinstance(steady, dict):
            steady = Steady.from_option(steady, unknown_label)
        if steady is not None and not (callable(getattr(steady, "update", None)) and
                                       callable(getattr(steady, "tick", None))):
            raise TypeError("steady must be a p5knn.Steady, a dict of its options, or have "
                            "update(result, now) and tick(now)")
        self.send_to = resolve_host(send_to)
        self.status_to = status_to
        self.max_rate = float(max_rate) if max_rate else None
        self.heartbeat = float(heartbeat) if heartbeat else None
        self.steady = steady
        self._interval = 1.0 / self.max_rate if self.max_rate else 0.0
        self._send_lock = threading.Lock()
        self._steady_lock = threading.Lock()
        self._pending: Any = None
        self._last_sent = -math.inf
        self._wake = threading.Event()
        self._started = time.perf_counter()
        self._ticker: threading.Thread | None = None

    def _start_ticker(self) -> None:
        if self._interval or self.heartbeat or self.steady is not None:
            self._ticker = threading.Thread(target=self._tick_loop, name="p5knn-osc-tick",
                                            daemon=True)
            self._ticker.start()

    # ---------------------------------------------------------------- predictions
    def send_result(self, result: Any) -> None:
        """Send one prediction (a KNNResult or a RegressionResult) to ``send_to`` now,
        bypassing the steady filter and the rate cap (the bridge's own predictions pass
        them). Runs on the calling thread; nothing is sent after :meth:`close`."""
        if self._stop.is_set():
            return
        messages: list[tuple[str, Any]] = []
        if hasattr(result, "confidences"):
            flat: list[Any] = []
            for label, value in result.confidences.items():
                flat += [str(label), float(value)]
            messages += [("/p5knn/label", str(result.label)),
                         ("/p5knn/confidence", float(result.confidence)),
                         ("/p5knn/confidences", flat),
                         ("/p5knn/probabilities",
                          [float(v) for v in result.confidences.values()])]
            if self.wekinator:
                number = 0 if result.unknown else \
                    self._wek_number(result.label, list(result.confidences))
                messages.append(("/wek/outputs", [float(number)]))
        else:
            values = np.atleast_1d(np.asarray(result.value, np.float64)).tolist()
            messages.append(("/p5knn/value", values))
            if self.wekinator:
                messages.append(("/wek/outputs", values))
        for address, value in messages:
            self._send(address, value)
        with self._lock:
            self.sent += 1

    def _stream_result(self, result: Any) -> None:
        """A prediction the bridge made: through the steady filter and the rate cap."""
        if self._stop.is_set():
            return
        now = time.perf_counter()
        if self.steady is not None and hasattr(result, "confidences"):
            with self._steady_lock:
                result = self.steady.update(result, now)
            if result is None:
                return
        self._capped(result, now)

    def _capped(self, result: Any, now: float) -> None:
        if not self._interval:
            self.send_result(result)
            return
        with self._send_lock:
            wait = now < self._last_sent + self._interval
            if wait:
                if self._pending is not None:
                    self.skipped += 1
                self._pending = result
            else:
                self._pending, self._last_sent = None, now
        if wait:
            self._wake.set()
        else:
            self.send_result(result)

    def _flush(self, now: float) -> float:
        """Send the waiting prediction if its time has come; when the next one is due."""
        with self._send_lock:
            pending = self._pending
            if pending is None:
                return math.inf
            due = self._last_sent + self._interval
            if now < due:
                return due
            self._pending, self._last_sent = None, now
        self.send_result(pending)
        return math.inf

    # ---------------------------------------------------------------- gestures, status
    def _send_gesture(self, result: Any) -> None:
        """A recognised gesture: ``/p5knn/gesture s f``, ``/p5knn/gesture/<name> f`` (the
        distance) and, in the Wekinator profile, ``/output_<n>`` (no arguments)."""
        distance = float(result.distance)
        self._send("/p5knn/gesture", [str(result.label), distance])
        self._send(f"/p5knn/gesture/{files.address_part(result.label)}", [distance])
        if self.wekinator and self.gestures is not None:
            number = self._wek_number(result.label, self.gestures.labels)
            if number:
                self._send(f"/output_{number}", [])
        with self._lock:
            self.gestures_sent += 1

    def _status_out(self, path: str, text: str, sender: Any) -> None:
        """A copy of a reply for ``send_to`` (``status_to`` "send" or "both"; not when the
        sender is ``send_to`` itself and already got it)."""
        if self.status_to == "sender":
            return
        if self.status_to == "both" and isinstance(sender, tuple) and \
                tuple(sender[:2]) == self.send_to:
            return
        self._send(path, text)

    def _state(self) -> str:
        gesture = getattr(self, "_gesture_label", None)
        if self.recording is not None:
            return f"recording {self.recording}"
        if gesture is not None:
            return f"recording gesture {gesture}"
        return "running" if self.running else "stopped"

    def _send_heartbeat(self, now: float) -> None:
        gestures = len(self.gestures) if self.gestures is not None else 0
        self._send("/p5knn/heartbeat", [float(now - self._started), int(len(self.knn)),
                                        int(gestures), self._state()])
        with self._lock:
            self.heartbeats_sent += 1

    # ---------------------------------------------------------------- the tick thread
    def _tick_loop(self) -> None:
        """The tick thread ("p5knn-osc-tick"): waiting predictions, steady ticks, heartbeats.
        Nothing it sends can stop it (errors are reported)."""
        next_beat = time.perf_counter() + self.heartbeat if self.heartbeat else math.inf
        next_tick = time.perf_counter()
        while not self._stop.is_set():
            self._wake.clear()
            now = time.perf_counter()
            try:
                if now >= next_beat:
                    self._send_heartbeat(now)
                    next_beat = max(next_beat + self.heartbeat, now)
                if self.steady is not None and now >= next_tick:
                    with self._steady_lock:
                        out = self.steady.tick(now)
                    next_tick = now + STEADY_TICK
                    if out is not None:
                        self._capped(out, now)
                due = self._flush(time.perf_counter())
            except Exception as exc:  # noqa: BLE001 - reported; the loop goes on
                self._error(exc)
                due = math.inf
                self._stop.wait(STEADY_TICK)
            soon = min(next_beat, due, next_tick if self.steady is not None else math.inf)
            self._wake.wait(min(max(0.0, soon - time.perf_counter()), 1.0))
