"""The OSC bridge against hostile packets: file names, timetags, many senders, big and broken
packets, and a property-based fuzz of the packet handler. Loopback (127.0.0.1) only."""

from __future__ import annotations

import contextlib
import os
import socket
import stat
import struct
import sys
import threading
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import p5knn
from p5knn import OSCBridge

pytest.importorskip("pythonosc")
from pythonosc.osc_message import OscMessage  # noqa: E402

# ------------------------------------------------------------------------- OSC encoding


def _ostr(text: str) -> bytes:
    raw = text.encode("utf-8")
    return raw + b"\x00" * (4 - len(raw) % 4)


def encode(address: str, *args: tuple[str, object]) -> bytes:
    """An OSC message from ``(tag, value)`` pairs (tags i h f d s b T F N)."""
    tags, body = ",", b""
    for tag, value in args:
        tags += tag
        if tag == "i":
            body += struct.pack(">i", value)
        elif tag == "h":
            body += struct.pack(">q", value)
        elif tag == "f":
            body += struct.pack(">f", value)
        elif tag == "d":
            body += struct.pack(">d", value)
        elif tag == "s":
            body += _ostr(value)
        elif tag == "b":
            body += struct.pack(">i", len(value)) + value + b"\x00" * (-len(value) % 4)
    return _ostr(address) + _ostr(tags) + body


def msg(address: str, *values: object) -> bytes:
    """An OSC message from plain Python values (str → s, int → i, float → f)."""
    tagged = [("s", v) if isinstance(v, str) else ("i", v) if isinstance(v, int) else ("f", v)
              for v in values]
    return encode(address, *tagged)


def bundle(timetag: int, *elements: bytes) -> bytes:
    return b"#bundle\x00" + struct.pack(">Q", timetag) + b"".join(
        struct.pack(">i", len(e)) + e for e in elements)


def ntp_in(seconds: float) -> int:
    """An OSC timetag ``seconds`` from now."""
    return int((time.time() + seconds + 2208988800) * 2**32)


class Peer:
    """A loopback UDP socket that sends to the bridge and collects what comes back."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.address = self.sock.getsockname()
        self.last_from: tuple | None = None

    def send(self, to: tuple, dgram: bytes) -> None:
        self.sock.sendto(dgram, to)

    def wait_for(self, address: str, timeout: float = 15.0, contains: str = "") -> tuple:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {address} {contains!r} within {timeout} s")
            self.sock.settimeout(left)
            try:
                data, self.last_from = self.sock.recvfrom(65536)
            except socket.timeout:
                continue
            message = OscMessage(data)
            args = tuple(message.params)
            if message.address == address and contains in " ".join(map(str, args)):
                return args

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def peer():
    p = Peer()
    yield p
    p.close()


@pytest.fixture
def out():
    p = Peer()
    yield p
    p.close()


def files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*")}


def make_knn():
    return p5knn.knn_classifier.create(metric="euclidean", k=1)


# ------------------------------------------------------------------------- 1. file names


def test_save_and_load_take_a_name_only_inside_the_data_folder(tmp_path, monkeypatch, peer,
                                                                  out):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setattr(sys, "argv", ["not-a-script"])
    outside = tmp_path / "outside.p5knn"
    knn = make_knn()
    knn.add_example([0.0, 1.0], "cat", wait=True)
    knn.save(outside)
    outside_bytes = outside.read_bytes()
    bridge = OSCBridge(knn, out.address, ("127.0.0.1", 0))  # today's defaults
    try:
        before = files_under(tmp_path)
        hostile = ["../escape.p5knn", str(tmp_path / "abs.p5knn"), "sub/x.p5knn",
                   "..\\x.p5knn", "C:x.p5knn", ".hidden.p5knn", "x.txt", "a\x01b", "x" * 300,
                   "..", "/", "CON.p5knn", "room.p5knn.", "\u202eroom"]
        for name in hostile:
            peer.send(bridge.address, msg("/p5knn/save", name))
            peer.wait_for("/p5knn/error", contains="/p5knn/save")
        for name in ("../outside.p5knn", str(outside), "../../etc/passwd"):
            peer.send(bridge.address, msg("/p5knn/load", name))
            peer.wait_for("/p5knn/error", contains="/p5knn/load")
        assert files_under(tmp_path) == before  # nothing written, no folder created
        assert outside.read_bytes() == outside_bytes
        assert knn.get_count_by_label() == {"cat": 1}
        peer.send(bridge.address, msg("/p5knn/save", "room"))
        status = peer.wait_for("/p5knn/status", contains="saved")[0]
        assert "room.p5knn" in status and str(tmp_path) not in status  # no full path leaked
        assert (work / "p5knn_data" / "room.p5knn").is_file()
        peer.send(bridge.address, msg("/p5knn/clear"))
        peer.wait_for("/p5knn/status", contains="cleared")
        peer.send(bridge.address, msg("/p5knn/load", "room.p5knn"))
        peer.wait_for("/p5knn/status", contains="loaded")
        assert knn.get_count_by_label() == {"cat": 1}
    finally:
        bridge.close()
        knn.close()


def test_data_dir_option_and_default(tmp_path, monkeypatch):
    knn = make_knn()
    knn.add_example([0.0, 1.0], "cat", wait=True)
    data = tmp_path / "deep" / "data"
    with OSCBridge(knn, listen=None, data_dir=data) as bridge:
        assert bridge.data_dir == data.resolve()
        assert not data.exists()  # created on the first save only
        results = bridge.handle_packet(msg("/p5knn/save", "a.json"), ("127.0.0.1", 9))
        assert results[0].ok and (data / "a.json").is_file()
        assert bridge.handle_packet(msg("/p5knn/load", "a"), ("127.0.0.1", 9))[0].ok is False
        assert bridge.handle_packet(msg("/p5knn/load", "a.json"), ("127.0.0.1", 9))[0].ok
    script = tmp_path / "sketch.py"
    script.write_text("# a sketch\n")
    monkeypatch.setattr(sys, "argv", [str(script)])
    with OSCBridge(knn, listen=None) as bridge:
        assert bridge.data_dir == (tmp_path / "p5knn_data").resolve()
    monkeypatch.chdir(tmp_path / "deep")
    monkeypatch.setattr(sys, "argv", ["-c"])
    with OSCBridge(knn, listen=None) as bridge:
        assert bridge.data_dir == (tmp_path / "deep" / "p5knn_data").resolve()
    assert not (tmp_path / "p5knn_data").exists()
    knn.close()


def test_links_fifos_and_folders_are_refused(tmp_path):
    knn = make_knn()
    knn.add_example([0.0, 1.0], "cat", wait=True)
    data = tmp_path / "data"
    data.mkdir()
    outside = tmp_path / "outside.p5knn"
    knn.save(outside)
    outside_bytes = outside.read_bytes()
    knn.save(data / "room.p5knn")
    (data / "evil.p5knn").symlink_to(outside)
    (data / "alias.p5knn").symlink_to(data / "room.p5knn")
    (data / "folder.p5knn").mkdir()
    if hasattr(os, "mkfifo"):
        os.mkfifo(data / "pipe.p5knn")
    sender = ("127.0.0.1", 9)
    with OSCBridge(knn, listen=None, data_dir=data) as bridge:
        refused = [(verb, name) for verb in ("save", "load")
                   for name in ("evil.p5knn", "folder.p5knn", "pipe.p5knn")]
        for verb, name in refused + [("load", "nope")]:
            result = bridge.handle_packet(msg(f"/p5knn/{verb}", name), sender)[0]
            assert not result.ok, (verb, name, result)
        assert outside.read_bytes() == outside_bytes and outside.is_file()
        assert (data / "evil.p5knn").is_symlink()
        if hasattr(os, "mkfifo"):
            assert stat.S_ISFIFO(os.lstat(data / "pipe.p5knn").st_mode)
        assert knn.get_count_by_label() == {"cat": 1}
        assert bridge.handle_packet(msg("/p5knn/load", "alias.p5knn"), sender)[0].ok
    knn.close()


def test_remote_files_can_be_switched_off(tmp_path, peer):
    knn = make_knn()
    knn.add_example([0.0, 1.0], "cat", wait=True)
    with OSCBridge(knn, listen=("127.0.0.1", 0), data_dir=tmp_path / "data",
                   remote_files=False) as bridge:
        for verb in ("save", "load"):
            peer.send(bridge.address, msg(f"/p5knn/{verb}", "room"))
            assert "off" in peer.wait_for("/p5knn/error", contains=f"/p5knn/{verb}")[0]
    assert not (tmp_path / "data").exists()
    knn.close()


# ------------------------------------------------------------------------- 2. timetags


def test_future_bundles_run_at_once_and_close_returns(peer):
    knn = make_knn()
    bridge = OSCBridge(knn, listen=("127.0.0.1", 0))
    closer = None
    try:
        peer.send(bridge.address, bundle(ntp_in(3600), msg("/p5knn/add", "x", 1.0, 2.0)))
        peer.wait_for("/p5knn/status", contains="added x")  # handled now, not in an hour
        threads = threading.active_count()
        for _ in range(50):
            peer.send(bridge.address, bundle(ntp_in(3600), msg("/p5knn/stop")))
        for _ in range(50):
            peer.wait_for("/p5knn/status", contains="stopped recording")
        assert threading.active_count() <= threads + 1
        assert len(knn) == 1
    finally:
        closer = threading.Thread(target=bridge.close, daemon=True)
        closer.start()
        closer.join(20.0)
        knn.close()
    assert not closer.is_alive(), "close() did not return"


# ------------------------------------------------------------------------- 3. many senders


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc/self/fd")
def test_replies_open_no_socket_per_sender():
    knn = make_knn()
    with OSCBridge(knn, listen=("127.0.0.1", 0)) as bridge:
        warm = Peer()
        warm.send(bridge.address, msg("/p5knn/stop"))
        warm.wait_for("/p5knn/status")
        warm.close()
        fds = len(os.listdir("/proc/self/fd"))
        reply_ports = set()
        for _ in range(150):
            p = Peer()
            try:
                p.send(bridge.address, msg("/p5knn/stop"))
                p.wait_for("/p5knn/status", contains="stopped")
                reply_ports.add(p.last_from[1])
            finally:
                p.close()
        assert len(os.listdir("/proc/self/fd")) <= fds + 3
        assert reply_ports == {bridge.address[1]}  # replies come from the listening socket
    knn.close()


# ------------------------------------------------------------------------- 4. size, junk


def test_big_valid_packets_work(peer, out):
    knn = make_knn()
    with OSCBridge(knn, out.address, ("127.0.0.1", 0)) as bridge:
        for n, label in ((4000, "big"), (12000, "huge")):
            values = [float(i % 7) + (label == "huge") for i in range(n)]
            if label == "huge":
                knn.clear_all_labels()
            packet = msg("/p5knn/add", label, *values)
            assert len(packet) > 8192 * 2
            peer.send(bridge.address, packet)
            assert f"added {label}" in peer.wait_for("/p5knn/status")[0]
            peer.send(bridge.address, msg("/p5knn/predict", *values))
            assert out.wait_for("/p5knn/label") == (label,)
        assert bridge.malformed == 0
    knn.close()


JUNK = [b"", b"\x00\x01garbage", b"/p5knn/add\xff\x00", b"/p5knn/add\x00\x00,sx\x00",
        b"/p5knn/add\x00\x00,f\x00\x00", b"#bundle\x00broken", b"/p5knn/add\x00\x00zz\x00\x00",
        b"/p5knn/add\x00\x00,b\x00\x00\xff\xff\xff\xff", b"/p5knn/add\x00\x00,[[\x00",
        b"/\x00\x00\x00,ssssssss\x00\x00\x00", b"/p5knn/add\x00\x00" + b",zzzz\x00\x00\x00",
        bundle(0, b"/p5knn/undo\x00"[:-1]), bundle(1, b"\xff\xff"),
        b"#bundle\x00" + b"\x00" * 8 + struct.pack(">i", -8) + b"\x00" * 8]


def _nested(depth: int) -> bytes:
    packet = msg("/p5knn/undo")
    for _ in range(depth):
        packet = bundle(1, packet)
    return packet


def test_junk_is_counted_answered_and_reported_once(peer, capfd):
    knn = make_knn()
    knn.add_example([0.0, 1.0], "cat", wait=True)
    errors: list = []
    junk = JUNK + [_nested(3000)]
    with OSCBridge(knn, listen=("127.0.0.1", 0), on_error=errors.append) as bridge:
        for packet in junk:
            peer.send(bridge.address, packet)
            peer.wait_for("/p5knn/error")
        assert bridge.malformed == len(junk)
        assert len(errors) == 1 and isinstance(errors[0], p5knn.P5KNNError)
        big = b"/p5knn/add\x00\x00,s\x00\x00x\x00\x00\x00" + b"\x00" * 70000
        result = bridge.handle_packet(big, peer.address)
        assert not result[0].ok and "too large" in result[0].text
        assert "too large" in peer.wait_for("/p5knn/error")[0]
        assert bridge.malformed == len(junk) + 1
    with OSCBridge(knn, listen=("127.0.0.1", 0)) as bridge:
        for packet in junk:
            peer.send(bridge.address, packet)
            peer.wait_for("/p5knn/error")
        peer.send(bridge.address, msg("/p5knn/stop"))
        peer.wait_for("/p5knn/status")
    err = capfd.readouterr().err
    assert err.count("Traceback") <= 1 and "WARNING" not in err
    assert knn.get_count_by_label() == {"cat": 1}
    knn.close()


def test_wildcard_patterns_match_safely(tmp_path, peer):
    knn = make_knn()
    with OSCBridge(knn, listen=("127.0.0.1", 0), data_dir=tmp_path) as bridge:
        sender = peer.address
        assert [r.address for r in bridge.handle_packet(msg("/p5knn/st?p"), sender)] == \
            ["/p5knn/stop"]
        hit = bridge.handle_packet(msg("/p5knn/{stop,undo}"), sender)
        assert sorted(r.address for r in hit) == ["/p5knn/stop", "/p5knn/undo"]
        slow = "/wekinator/control/" + "*" * 40 + "x"  # exponential for a backtracking regex
        assert bridge.handle_packet(msg(slow), sender) == []
        assert bridge.handle_packet(msg("/" + "*a" * 200 + "[!"), sender) == []
        peer.send(bridge.address, msg(slow))
        peer.send(bridge.address, msg("/p5knn/stop"))
        peer.wait_for("/p5knn/status", contains="stopped")
    knn.close()


# ------------------------------------------------------------------------- 5. fuzz

ROUTES = ["/p5knn/record", "/p5knn/stop", "/p5knn/add", "/p5knn/predict", "/p5knn/clear",
          "/p5knn/undo", "/p5knn/save", "/p5knn/load", "/p5knn/train", "/wek/inputs",
          "/wekinator/control/startRecording", "/wekinator/control/stopRecording",
          "/wekinator/control/startRunning", "/wekinator/control/stopRunning",
          "/wekinator/control/deleteAllExamples", "/wekinator/control/train",
          "/wekinator/control/outputs", "/p5knn/*", "/*/*", "/p5knn/{save,load,clear}",
          "/wek*/*/*", "/p5knn/[a-z]*", "/nowhere", "/wek/inputs/bundle",
          "/wekinator/control/startDtwRecording", "/wekinator/control/stopDtwRecording",
          "/wekinator/control/deleteExamplesForOutput", "/wekinator/control/setOutputNames",
          "/wekinator/control/setInputNames", "/wekinator/control/cancelTrain",
          "/p5knn/gestures/record", "/p5knn/gestures/stop", "/p5knn/gestures/frame",
          "/p5knn/gestures/clear", "/p5knn/gestures/undo", "/p5knn/gestures/save",
          "/p5knn/gestures/load", "/p5knn/gestures/*", "/wekinator/control/*Dtw*"]
MUTATING = {"/p5knn/add", "/p5knn/clear", "/p5knn/undo", "/p5knn/load", "/wek/inputs",
            "/wekinator/control/deleteAllExamples", "/wek/inputs/bundle",
            "/wekinator/control/deleteExamplesForOutput"}
NAMES = ["../x", "../../x.p5knn", "/tmp/x.p5knn", "a/b", "..", "room", "room.p5knn", "r.json",
         "C:\\x", ".x", "cat", "dog", "", "x" * 200, "a\tb", "\u202eevil"]

small = st.floats(-2.0, 2.0, width=32)
weird = st.floats(allow_nan=True, allow_infinity=True, width=32)
argument = st.one_of(
    st.tuples(st.just("s"), st.sampled_from(NAMES)),
    st.tuples(st.just("s"), st.text(st.characters(codec="utf-8", exclude_characters="\x00"),
                                     max_size=20)),
    st.tuples(st.just("f"), small), st.tuples(st.just("f"), weird),
    st.tuples(st.just("d"), st.floats(allow_nan=True, allow_infinity=True)),
    st.tuples(st.just("i"), st.integers(-2**31, 2**31 - 1)),
    st.tuples(st.just("h"), st.integers(-2**63, 2**63 - 1)),
    st.tuples(st.just("b"), st.binary(max_size=24)),
    st.tuples(st.sampled_from("TFN"), st.none()),
)
valid_add = st.builds(lambda lab, v: encode("/p5knn/add", ("s", lab), ("f", v[0]), ("f", v[1])),
                      st.sampled_from(["cat", "dog", "bird"]), st.tuples(small, small))
file_message = st.builds(lambda a, name: encode(a, ("s", name)),
                         st.sampled_from(["/p5knn/save", "/p5knn/load", "/p5knn/{save,load}",
                                          "/p5knn/gestures/save", "/p5knn/gestures/load"]),
                         st.sampled_from(NAMES))
message = st.one_of(
    valid_add, file_message,
    st.builds(lambda a, args: encode(a, *args), st.sampled_from(ROUTES),
              st.lists(argument, max_size=6)))
packet = st.recursive(
    message,
    lambda inner: st.builds(lambda t, parts: bundle(t, *parts),
                            st.sampled_from([0, 1, ntp_in(3600), 2**64 - 1]),
                            st.lists(inner, max_size=4)),
    max_leaves=6)
junk = st.one_of(st.binary(max_size=300), st.binary(max_size=300).map(lambda b: b"/" + b),
                 st.binary(max_size=300).map(lambda b: b"#bundle\x00" + b))
truncated = packet.map(lambda p: p[: len(p) // 2])
fuzz_packets = st.integers(0, 5).flatmap(  # mostly well-formed, some junk and truncations
    lambda k: packet if k < 4 else junk if k == 4 else truncated)


class FuzzRig:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.data = root / "data"
        self.knn = make_knn()
        self.out = Peer()
        self.peer = Peer()   # talks over loopback UDP
        self.sink = Peer()   # the fake sender of in-process packets: replies pile up unread
        self.bridge = OSCBridge(self.knn, self.out.address, ("127.0.0.1", 0),
                                data_dir=self.data, wekinator=True)
        self.baseline = None

    def reset(self) -> None:
        self.bridge.recording = None
        self.bridge.running = True
        self.bridge.output_names, self.bridge._wek_output = (), 1
        if self.bridge.gestures is not None and self.bridge._owns_gestures:
            self.bridge.gestures.close()   # made by a startDtwRecording after a delete
            self.bridge.gestures = None
        self.knn.clear_all_labels()
        self.knn.add_example([0.0, 0.0], "cat", wait=True)
        self.knn.add_example([1.0, 1.0], "dog", wait=True)
        self.baseline = self.outside()

    def outside(self) -> set[Path]:
        """Every file and folder under the root except the data folder and its contents."""
        return files_under(self.root) - files_under(self.data) - {self.data}

    def state(self) -> tuple:
        return len(self.knn), self.knn.get_count_by_label()

    def check(self, results: list, before: tuple) -> None:
        if self.state() != before:
            assert any(r.ok and r.address in MUTATING for r in results), results
        assert self.outside() == self.baseline
        # still answering a valid add and predict
        self.knn.clear_all_labels()
        added = self.bridge.handle_packet(msg("/p5knn/add", "probe", 0.5, 0.5), self.sink.address)
        assert [r.ok for r in added] == [True]
        predicted = self.bridge.handle_packet(msg("/p5knn/predict", 0.5, 0.4), self.sink.address)
        assert [r.ok for r in predicted] == [True]

    def close(self) -> None:
        self.bridge.close()
        self.knn.close()
        self.out.close()
        self.peer.close()
        self.sink.close()


@pytest.fixture(scope="module")
def fuzz_rig(tmp_path_factory):
    root = tmp_path_factory.mktemp("fuzz")
    old = os.getcwd()
    os.chdir(root)
    rig = FuzzRig(root)
    try:
        yield rig
    finally:
        rig.close()
        os.chdir(old)


@settings(max_examples=200, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=fuzz_packets)
def test_fuzz_packet_handler_in_process(fuzz_rig, data):
    fuzz_rig.reset()
    before = fuzz_rig.state()
    results = fuzz_rig.bridge.handle_packet(data, fuzz_rig.sink.address)
    event("malformed" if results and not results[0].address else "no route" if not results
          else "changed state" if fuzz_rig.state() != before else
          "some ok" if any(r.ok for r in results) else "errors only")
    fuzz_rig.check(results, before)


@settings(max_examples=25, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=fuzz_packets)
def test_fuzz_over_loopback_udp(fuzz_rig, data):
    fuzz_rig.reset()
    rig, sock = fuzz_rig, fuzz_rig.peer
    sock.send(rig.bridge.address, data)
    marker = f"m{time.monotonic_ns()}"
    sock.send(rig.bridge.address, msg("/p5knn/record", marker))  # handled after `data`
    sock.wait_for("/p5knn/status", contains=marker)
    rig.bridge.recording = None
    with contextlib.suppress(OSError):  # drain the rest without waiting
        sock.sock.settimeout(0)
        while True:
            sock.sock.recvfrom(65536)
    assert rig.outside() == rig.baseline
    rig.knn.clear_all_labels()
    sock.send(rig.bridge.address, msg("/p5knn/add", "udp", 0.25, 0.25))
    sock.wait_for("/p5knn/status", contains="added udp")


# ------------------------------------------------------------------------- 6. gesture mode

GESTURE_ROUTES = [r for r in ROUTES if "gesture" in r.lower() or "Dtw" in r or "/wek/" in r
                  or "delete" in r or "Running" in r or "train" in r]
frame = st.lists(small, min_size=2, max_size=2).map(
    lambda v: encode("/wek/inputs", ("f", v[0]), ("f", v[1])))
recording = st.builds(
    lambda label, frames: bundle(1, encode("/wekinator/control/startDtwRecording", label),
                                 *frames, encode("/wekinator/control/stopDtwRecording")),
    st.one_of(st.tuples(st.just("s"), st.sampled_from(["wave", "circle", "x" * 100])),
              st.tuples(st.just("i"), st.integers(-3, 4)),
              st.tuples(st.just("f"), st.sampled_from([1.0, 2.0, 2.5]))),
    st.lists(frame, min_size=1, max_size=6))
gesture_message = st.one_of(
    frame, frame, recording, file_message,
    st.builds(lambda a, args: encode(a, *args), st.sampled_from(GESTURE_ROUTES),
              st.lists(argument, max_size=6)))
gesture_packets = st.recursive(
    gesture_message,
    lambda inner: st.builds(lambda parts: bundle(1, *parts), st.lists(inner, max_size=8)),
    max_leaves=24)


@pytest.fixture(scope="module")
def gesture_rig(tmp_path_factory):
    root = tmp_path_factory.mktemp("gesture-fuzz")
    knn, out, sink = make_knn(), Peer(), Peer()
    bridge = OSCBridge(knn, out.address, None, data_dir=root / "data", wekinator=True,
                       gestures=True)
    try:
        yield root, bridge, sink
    finally:
        bridge.close()
        knn.close()
        out.close()
        sink.close()


@settings(max_examples=150, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=gesture_packets)
def test_fuzz_gesture_mode_in_process(gesture_rig, data):
    root, bridge, sink = gesture_rig
    outside = lambda: files_under(root) - files_under(root / "data") - {root / "data"}  # noqa
    before = outside()
    results = bridge.handle_packet(data, sink.address)
    event("malformed" if results and not results[0].address else
          "recognised" if bridge.gestures_sent else "gestures held" if len(bridge.gestures)
          else "some ok" if any(r.ok for r in results) else "errors only")
    assert outside() == before
    # still answering: a gesture records and the classifier matches frames
    bridge.running = True
    stop = bridge.handle_packet(encode("/wekinator/control/stopDtwRecording"), sink.address)
    assert [r.ok for r in stop] == [True]
    if len(bridge.gestures) > 40:
        bridge.gestures.clear_all()
    bridge.output_names = ()
    assert bridge.handle_packet(encode("/p5knn/gestures/record", ("s", "probe")),
                                sink.address)[0].ok
    for x in (0.0, 0.5, 1.0):
        assert bridge.handle_packet(encode("/wek/inputs", ("f", x), ("f", x)),
                                    sink.address)[0].ok
    assert "recorded gesture probe" in bridge.handle_packet(
        encode("/p5knn/gestures/stop"), sink.address)[0].text
    bridge.gestures.undo_last()
