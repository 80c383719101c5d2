"""What the bridge sends to its destination, over loopback with python-osc listening there:
``/p5knn/probabilities`` (floats only, class order), the rate cap (``max_rate``: the last
answer of a burst always arrives), the steady filter (``p5knn.Steady`` or its options; its
timeout sent by the tick thread), ``/p5knn/heartbeat``, and where replies go
(``status_to``) — still at most one per datagram, none for address patterns."""

from __future__ import annotations

import queue
import socket
import struct
import threading
import time

import pytest

import p5knn
from p5knn import OSCBridge

from helpers import Listener, wait_until

pytest.importorskip("pythonosc")
from pythonosc.osc_message_builder import OscMessageBuilder  # noqa: E402


def message(address: str, *values) -> bytes:
    builder = OscMessageBuilder(address)
    for value in values:
        builder.add_arg(value)
    return builder.build().dgram


def bundle(*elements: bytes) -> bytes:
    return b"#bundle\x00" + struct.pack(">Q", 1) + b"".join(
        struct.pack(">i", len(e)) + e for e in elements)


def collect(listener: Listener, seconds: float) -> list[tuple[str, tuple]]:
    got, end = [], time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            got.append(listener.messages.get(timeout=0.02))
        except queue.Empty:
            pass
    return got


def trained() -> p5knn.KNNClassifier:
    knn = p5knn.knn_classifier.create(metric="euclidean", k=1)
    for label, x in (("cat", 0.0), ("dog", 1.0), ("owl", 2.0)):
        knn.add_example([x, x], label, wait=True)
    return knn


@pytest.fixture
def out():
    listener = Listener()
    yield listener
    listener.close()


@pytest.fixture
def sender():
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    yield sock
    sock.close()


def waiting(sock: socket.socket) -> int:
    """Datagrams waiting on ``sock``."""
    sock.setblocking(False)
    count = 0
    try:
        while True:
            sock.recvfrom(65536)
            count += 1
    except BlockingIOError:
        return count


def test_probabilities_are_floats_in_class_order(out):
    knn = trained()
    with OSCBridge(knn, ("127.0.0.1", out.port), listen=None, wekinator=True) as bridge:
        bridge.handle_packet(message("/p5knn/predict", 1.9, 2.0), ("127.0.0.1", 9))
        got = dict(collect(out, 0.5))
    assert got["/p5knn/probabilities"] == (0.0, 0.0, 1.0)
    assert all(isinstance(v, float) for v in got["/p5knn/probabilities"])
    assert got["/p5knn/confidences"] == ("cat", 0.0, "dog", 0.0, "owl", 1.0)
    assert got["/p5knn/label"] == ("owl",) and got["/wek/outputs"] == (3.0,)
    knn.close()


def test_rate_cap_sends_at_most_max_rate_and_always_the_last(out):
    knn = trained()
    with OSCBridge(knn, ("127.0.0.1", out.port), listen=None, max_rate=5) as bridge:
        start = time.monotonic()
        for i in range(30):
            x = 2.0 if i == 29 else float(i % 2)            # the last one says "owl"
            bridge.handle_packet(message("/p5knn/predict", x, x), ("127.0.0.1", 9))
        burst = time.monotonic() - start
        got = [args for address, args in collect(out, 1.0) if address == "/p5knn/label"]
        assert got[-1] == ("owl",)                          # flushed by the tick thread
        assert 2 <= len(got) <= 2 + int(burst * 5) + 1
        assert bridge.sent == len(got) and bridge.skipped >= 30 - len(got) - 1
        # after a quiet interval the next one goes out at once
        time.sleep(0.25)
        before = bridge.sent
        bridge.handle_packet(message("/p5knn/predict", 0.0, 0.0), ("127.0.0.1", 9))
        assert bridge.sent == before + 1                    # sent by handle_packet itself
        assert out.wait_for("/p5knn/label") == ("cat",)
    knn.close()


def test_steady_filter_holds_the_label_and_its_timeout_is_sent(out):
    knn = trained()
    steady = p5knn.Steady(min_stable=3, timeout=0.4, on_change=True)
    with OSCBridge(knn, ("127.0.0.1", out.port), listen=None, steady=steady) as bridge:
        for x in (0, 0, 0, 1, 0, 1, 1, 1, 1):
            bridge.handle_packet(message("/wek/inputs", float(x), float(x)),
                                 ("127.0.0.1", 9))
        labels = [args for address, args in collect(out, 0.3) if address == "/p5knn/label"]
        assert labels == [("unknown",), ("cat",), ("dog",)]   # on_change: changes only
        got = dict(collect(out, 1.0))                          # nothing known for 0.4 s
        assert got["/p5knn/label"] == ("unknown",) and got["/p5knn/probabilities"]
    knn.close()


def test_steady_options_as_a_dict_and_regression_passes_through(out):
    knn = trained()
    with OSCBridge(knn, ("127.0.0.1", out.port), listen=None,
                   steady={"majority": 3}) as bridge:
        assert isinstance(bridge.steady, p5knn.Steady) and bridge.steady.majority == 3
        assert bridge._ticker is not None
    with pytest.raises(ValueError):
        OSCBridge(knn, listen=None, steady={"majority": 0})
    with pytest.raises(TypeError):
        OSCBridge(knn, listen=None, steady=object())
    for bad in (0, -1, float("inf"), float("nan"), True, "10"):
        with pytest.raises(ValueError):
            OSCBridge(knn, listen=None, max_rate=bad)
        with pytest.raises(ValueError):
            OSCBridge(knn, listen=None, heartbeat=bad)
    knn.close()
    reg = p5knn.knn_regressor.create(k=1, metric="euclidean")
    reg.add_example([0.0, 0.0], 1.5, wait=True)
    with OSCBridge(reg, ("127.0.0.1", out.port), listen=None,
                   steady={"on_change": True}) as bridge:
        for _ in range(2):
            bridge.handle_packet(message("/p5knn/predict", 0.0, 0.0), ("127.0.0.1", 9))
        values = [args for address, args in collect(out, 0.3) if address == "/p5knn/value"]
        assert values == [(1.5,), (1.5,)]
    reg.close()


def test_heartbeat_goes_to_the_destination(out):
    knn = trained()
    with OSCBridge(knn, ("127.0.0.1", out.port), ("127.0.0.1", 0), heartbeat=0.1) as bridge:
        beats = [args for address, args in collect(out, 0.65) if address == "/p5knn/heartbeat"]
        assert 2 <= len(beats) <= 8
        seconds, examples, gestures, state = beats[-1]
        assert 0.2 < seconds < 2 and (examples, gestures, state) == (3, 0, "running")
        bridge.handle_packet(message("/p5knn/record", "cat"), ("127.0.0.1", 9))
        assert wait_until(lambda: any(
            a == "/p5knn/heartbeat" and args[3] == "recording cat"
            for a, args in collect(out, 0.15)), 5)
    knn.close()


@pytest.mark.parametrize("status_to", ["both", "send", "sender"])
def test_status_goes_to_the_destination_too(out, sender, status_to):
    knn = trained()
    with OSCBridge(knn, ("127.0.0.1", out.port), ("127.0.0.1", 0),
                   status_to=status_to) as bridge:
        sender.sendto(message("/p5knn/add", "emu", 3.0, 3.0), bridge.address)
        sender.sendto(b"\x00junk", bridge.address)
        sender.sendto(message("/p5knn/stop"), bridge.address)   # handled last
        assert wait_until(lambda: bridge.received == 2 and bridge.malformed == 1)
        got = collect(out, 0.3)
        status = [args for a, args in got if a == "/p5knn/status"]
        errors = [args for a, args in got if a == "/p5knn/error"]
        if status_to == "sender":
            assert status == errors == []
        else:
            assert status == [("added emu (4 examples)",), ("stopped recording",)]
            assert len(errors) == 1 and "malformed" in errors[0][0]
        assert waiting(sender) == (0 if status_to == "send" else 3)
    knn.close()


def test_no_copy_when_the_sender_is_the_destination_and_patterns_get_none(out):
    knn = trained()
    with OSCBridge(knn, ("127.0.0.1", out.port), ("127.0.0.1", 0)) as bridge:
        bridge.handle_packet(message("/p5knn/stop"), ("127.0.0.1", out.port))
        storm = bundle(*[message("/*/*") for _ in range(200)])
        assert len(bridge.handle_packet(storm, ("127.0.0.1", 9))) > 200
        two = bundle(message("/p5knn/stop"), message("/p5knn/undo"))
        bridge.handle_packet(two, ("127.0.0.1", 9))
        status = [args for a, args in collect(out, 0.4) if a == "/p5knn/status"]
        assert status == [("stopped recording",), ("2 messages, 0 failed",)]
    knn.close()


def test_close_stops_the_tick_thread_promptly(out):
    knn = trained()
    bridge = OSCBridge(knn, ("127.0.0.1", out.port), ("127.0.0.1", 0), max_rate=1,
                       heartbeat=30, steady={"timeout": 60})
    assert any(t.name == "p5knn-osc-tick" for t in threading.enumerate())
    start = time.monotonic()
    bridge.close()
    assert time.monotonic() - start < 2
    assert not bridge._ticker.is_alive()
    knn.close()
