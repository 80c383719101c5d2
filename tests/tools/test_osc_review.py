"""Findings of a hostile review of the OSC bridge (issue 10): reply amplification, labels that
break every later prediction, unbounded remote growth, Windows device names."""

from __future__ import annotations

import socket
import struct

import pytest

import p5knn
from p5knn.tools import _osc_packets

pytest.importorskip("pythonosc")


def ostr(text: str) -> bytes:
    raw = text.encode("utf-8")
    return raw + b"\x00" * (4 - len(raw) % 4)


def message(address: str, *values: object) -> bytes:
    tags, body = ",", b""
    for value in values:
        if isinstance(value, str):
            tags, body = tags + "s", body + ostr(value)
        elif isinstance(value, int):
            tags, body = tags + "i", body + struct.pack(">i", value)
        else:
            tags, body = tags + "f", body + struct.pack(">f", value)
    return ostr(address) + ostr(tags) + body


def bundle(*elements: bytes) -> bytes:
    return b"#bundle\x00" + struct.pack(">Q", 1) + b"".join(
        struct.pack(">i", len(e)) + e for e in elements)


@pytest.fixture
def receiver():
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    yield sock
    sock.close()


def received(sock: socket.socket) -> int:
    """Datagrams waiting on ``sock`` (loopback delivery is done when sendto returns)."""
    sock.setblocking(False)
    count = 0
    try:
        while True:
            sock.recvfrom(65536)
            count += 1
    except BlockingIOError:
        return count


@pytest.fixture
def bridge(tmp_path):
    knn = p5knn.knn_classifier.create(metric="euclidean", k=1)
    with p5knn.OSCBridge(knn, send_to=("127.0.0.1", 9), listen=("127.0.0.1", 0),
                         data_dir=tmp_path, max_examples=5) as made:
        yield made


def test_one_datagram_gets_at_most_one_reply(bridge, receiver):
    sender = receiver.getsockname()
    storm = bundle(*[message("/*/*") for _ in range(256)])
    handled = bridge.handle_packet(storm, sender)
    assert len(handled) > 256                 # every route ran …
    assert received(receiver) == 0            # … but patterns are never answered
    two = bundle(message("/p5knn/add", "a", 1.0, 2.0), message("/p5knn/undo"))
    assert [h.ok for h in bridge.handle_packet(two, sender)] == [True, True]
    assert received(receiver) == 1            # one summary for the datagram
    bridge.handle_packet(message("/p5knn/add", "a", 1.0, 2.0), sender)
    assert received(receiver) == 1


def test_long_labels_are_refused_and_remote_adds_are_bounded(bridge, receiver):
    sender = receiver.getsockname()
    (handled,) = bridge.handle_packet(message("/p5knn/add", "x" * 40_000, 1.0, 2.0), sender)
    assert not handled.ok and "at most" in handled.text and len(bridge.knn) == 0
    for i in range(5):
        (handled,) = bridge.handle_packet(message("/p5knn/add", f"l{i}", float(i), 0.0), sender)
        assert handled.ok
    (handled,) = bridge.handle_packet(message("/p5knn/add", "more", 9.0, 9.0), sender)
    assert not handled.ok and "max_examples" in handled.text and len(bridge.knn) == 5


def test_remote_saves_create_a_bounded_number_of_files(bridge, receiver, tmp_path):
    sender = receiver.getsockname()
    bridge.handle_packet(message("/p5knn/add", "a", 1.0, 2.0), sender)
    from p5knn.tools._osc_commands import MAX_FILES

    for i in range(MAX_FILES):
        (handled,) = bridge.handle_packet(message("/p5knn/save", f"f{i}"), sender)
        assert handled.ok, handled.text
    (handled,) = bridge.handle_packet(message("/p5knn/save", "one-more"), sender)
    assert not handled.ok and "already holds" in handled.text
    (handled,) = bridge.handle_packet(message("/p5knn/save", "f0"), sender)
    assert handled.ok                          # overwriting an existing one is fine
    assert len(list(tmp_path.glob("*.p5knn"))) == MAX_FILES


@pytest.mark.parametrize("name", ["COM¹", "lpt²", "CONIN$", "conout$.p5knn", "NUL.json"])
def test_windows_device_names_are_refused(tmp_path, name):
    with pytest.raises(p5knn.P5KNNError):
        _osc_packets.clean_name(name)
