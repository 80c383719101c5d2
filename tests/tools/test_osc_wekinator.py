"""The bridge's Wekinator profile over loopback, with python-osc as the other side: DTW
gestures recorded with ``startDtwRecording``/``stopDtwRecording`` and recognised as
``/output_<n>`` plus ``/p5knn/gesture/<name>``; ``/wek/inputs/bundle``; ``setOutputNames``;
``deleteExamplesForOutput``; ``/wekinator/status/done-training``; class numbers in
``/wek/outputs``; gesture files by name in the data folder."""

from __future__ import annotations

import queue
import threading

import numpy as np
import pytest

import p5knn
from p5knn import OSCBridge

from helpers import Listener

pytest.importorskip("pythonosc")
from pythonosc import dispatcher, osc_server, udp_client  # noqa: E402


class Rig:
    """A bridge, the destination it sends to (``out``) and a python-osc client sending from
    the port its replies come back to (``replies``)."""

    def __init__(self, knn, tmp_path, **options) -> None:
        self.knn = knn
        self.out = Listener()
        self.bridge = OSCBridge(knn, ("127.0.0.1", self.out.port), ("127.0.0.1", 0),
                                data_dir=tmp_path / "data", **options)
        self.replies = Listener.__new__(Listener)
        self.replies.messages = queue.Queue()
        disp = dispatcher.Dispatcher()
        disp.set_default_handler(lambda a, *args: self.replies.messages.put((a, args)))
        self.replies.server = osc_server.ThreadingOSCUDPServer(("127.0.0.1", 0), disp)
        threading.Thread(target=self.replies.server.serve_forever, daemon=True).start()
        self.client = udp_client.SimpleUDPClient(*self.bridge.address)
        self.client._sock = self.replies.server.socket   # send from the reply port

    def send(self, address: str, values=()) -> None:
        self.client.send_message(address, list(values))

    def ask(self, address: str, values=(), reply: str = "/p5knn/status") -> str:
        """Send and wait for the reply (handled in order: everything before is done)."""
        self.send(address, values)
        return self.replies.wait_for(reply)[0]

    def drain(self) -> None:
        while not self.out.messages.empty():
            self.out.messages.get()

    def expect(self, *addresses: str, timeout: float = 30.0) -> dict[str, tuple]:
        """Every message at ``send_to`` until each of ``addresses`` has come (in any order:
        python-osc's threading server may reorder them); the last arguments of each."""
        seen: dict[str, tuple] = {}
        deadline = threading.Event()
        timer = threading.Timer(timeout, deadline.set)
        timer.start()
        try:
            while not set(addresses) <= set(seen):
                if deadline.is_set():
                    raise AssertionError(f"missing {set(addresses) - set(seen)}; got {seen}")
                try:
                    address, args = self.out.messages.get(timeout=0.05)
                except queue.Empty:
                    continue
                seen[address] = args
        finally:
            timer.cancel()
        return seen

    def collect(self, seconds: float) -> list[tuple[str, tuple]]:
        got, deadline = [], threading.Event()
        timer = threading.Timer(seconds, deadline.set)
        timer.start()
        while not deadline.is_set():
            try:
                got.append(self.out.messages.get(timeout=0.05))
            except queue.Empty:
                pass
        return got

    def close(self) -> None:
        self.bridge.close()
        self.out.close()
        self.replies.close()
        self.knn.close()


@pytest.fixture
def make_rig(tmp_path):
    made = []

    def make(**options):
        knn = options.pop("knn", None) or p5knn.knn_classifier.create(metric="euclidean", k=1)
        made.append(Rig(knn, tmp_path, **options))
        return made[-1]

    yield make
    for rig in made:
        rig.close()


# ------------------------------------------------------------------------- gestures
RNG = np.random.default_rng(0)


def circle(n: int = 30) -> np.ndarray:
    t = np.linspace(0, 2 * np.pi, n)
    return np.stack([np.cos(t), np.sin(t)], 1) + RNG.normal(0, 0.03, (n, 2))


def zigzag(n: int = 30) -> np.ndarray:
    x = np.linspace(-1, 1, n)
    y = np.where((np.arange(n) // 5) % 2, 1.0, -1.0) * 0.8
    return np.stack([x, y], 1) + RNG.normal(0, 0.03, (n, 2))


def rest(n: int = 15) -> np.ndarray:
    return np.zeros((n, 2)) + [1.0, 0.0]


def bundle_of(frames: np.ndarray) -> list[float]:
    """``/wek/inputs/bundle`` arguments: the count (a float, as Wekinator sends it), then the
    frames' numbers."""
    return [float(len(frames))] + [float(x) for x in frames.reshape(-1)]


def record(rig: Rig, which, frames: np.ndarray) -> str:
    text = rig.ask("/wekinator/control/startDtwRecording", [which])
    assert "recording gesture" in text, text
    for frame in frames:
        rig.send("/wek/inputs", [float(x) for x in frame])
    return rig.ask("/wekinator/control/stopDtwRecording")


def test_wekinator_profile_records_and_recognises_dtw_gestures(make_rig):
    rig = make_rig(wekinator=True)
    assert rig.bridge.gestures is None            # made on the first startDtwRecording
    assert rig.ask("/wekinator/control/setOutputNames", ["circle", "zig zag"]) == \
        "output names: 1 = circle, 2 = zig zag"
    for i in range(3):
        assert "recorded gesture circle" in record(rig, 1, circle(30 + 2 * i))
        assert "recorded gesture zig zag" in record(rig, 2.0, zigzag(30 + 2 * i))
    gestures = rig.bridge.gestures
    assert gestures.get_count_by_label() == {"circle": 3, "zig zag": 3}
    rig.drain()
    assert "gestures: 6 of 2 labels" in rig.ask("/wekinator/control/train")
    assert rig.out.wait_for("/wekinator/status/done-training") == ()
    rig.send("/wek/inputs/bundle", bundle_of(np.concatenate([rest(10), circle(31), rest()])))
    got = rig.expect("/output_1", "/p5knn/gesture/circle", "/p5knn/gesture")
    assert got["/output_1"] == () and got["/p5knn/gesture"][0] == "circle"
    (distance,) = got["/p5knn/gesture/circle"]     # the trigger carries the DTW distance
    assert 0 <= distance < gestures.threshold and got["/p5knn/gesture"][1] == distance
    rig.send("/wek/inputs/bundle", bundle_of(np.concatenate([zigzag(31), rest()])))
    got = rig.expect("/output_2", "/p5knn/gesture/zig_zag")   # an address-safe name
    assert got["/output_2"] == ()
    rig.ask("/p5knn/stop")                         # everything before it has run
    assert rig.bridge.gestures_sent == 2
    assert rig.ask("/wekinator/control/deleteExamplesForOutput", [2]) == \
        "deleted 3 gestures of zig zag"
    assert gestures.get_count_by_label() == {"circle": 3}


def test_gesture_files_by_name_in_the_data_folder(make_rig, tmp_path):
    rig = make_rig(gestures=True)
    for _ in range(2):
        record(rig, "wave", circle())
    assert rig.ask("/p5knn/gestures/save", ["moves"]) == "saved 2 gestures to moves.p5gestures"
    assert (rig.bridge.data_dir / "moves.p5gestures").is_file()
    for name in ("../moves", "moves.p5knn", "/tmp/x.p5gestures", ".moves"):
        assert "/p5knn/gestures/save" in rig.ask("/p5knn/gestures/save", [name], "/p5knn/error")
    assert rig.ask("/p5knn/gestures/clear") == "cleared every gesture"
    assert len(rig.bridge.gestures) == 0
    assert rig.ask("/p5knn/gestures/load", ["moves.p5gestures"]) == \
        "loaded 2 gestures from moves.p5gestures"
    assert rig.bridge.gestures.get_count_by_label() == {"wave": 2}
    assert rig.ask("/p5knn/gestures/undo") == "removed the last gesture wave"
    assert sorted(p.name for p in rig.bridge.data_dir.iterdir()) == ["moves.p5gestures"]
    assert not (tmp_path / "moves.p5gestures").exists()


def test_gesture_mode_needs_gestures_or_the_profile(make_rig):
    plain = make_rig()
    text = plain.ask("/wekinator/control/startDtwRecording", [1], "/p5knn/error")
    assert "gestures are off" in text and plain.bridge.gestures is None
    profile = make_rig(wekinator=True)
    profile.ask("/p5knn/add", ["cat", 0.0, 1.0])
    text = profile.ask("/wekinator/control/startDtwRecording", [1], "/p5knn/error")
    assert "holds 1 examples" in text and profile.bridge.gestures is None
    profile.ask("/wekinator/control/deleteAllExamples")
    assert "recording gesture 1" in profile.ask("/wekinator/control/startDtwRecording", [1])
    assert profile.bridge.gestures is not None
    # a one-frame recording adds nothing
    profile.send("/wek/inputs", [0.0, 0.0])
    assert "nothing recorded" in profile.ask("/wekinator/control/stopDtwRecording")
    assert profile.ask("/wekinator/control/stopDtwRecording") == "not recording a gesture"
    # deleting everything ends the gesture mode startDtwRecording began
    assert "go to the KNN again" in profile.ask("/wekinator/control/deleteAllExamples")
    assert profile.bridge.gestures is None
    profile.ask("/wekinator/control/startRecording")
    profile.send("/wek/inputs", [0.5, 0.5])
    profile.ask("/wekinator/control/stopRecording")
    assert profile.knn.get_count_by_label() == {1: 1}


def test_gesture_names_become_safe_addresses_and_no_wekinator_output(make_rig):
    rig = make_rig(gestures=True)
    for shape, label in ((circle, "thumbs up/left"), (zigzag, "zz")):
        for _ in range(2):
            record(rig, label, shape())
    rig.drain()
    rig.send("/wek/inputs/bundle", bundle_of(np.concatenate([rest(10), circle(31), rest()])))
    got = rig.expect("/p5knn/gesture", "/p5knn/gesture/thumbs_up_left")
    assert got["/p5knn/gesture"][0] == "thumbs up/left"
    rig.ask("/p5knn/stop")
    assert not any(a.startswith("/output_") for a in got)
    assert not any(a.startswith("/output_") for a, _ in rig.collect(0.3))


def test_stopped_running_matches_nothing_and_recordings_are_bounded(make_rig):
    from p5knn.tools._osc_gestures import MAX_RECORDING_NUMBERS

    rig = make_rig(gestures=True, max_gestures=2)
    for shape, label in ((circle, "o"), (zigzag, "z")):
        record(rig, label, shape())
    text = rig.ask("/p5knn/gestures/record", ["more"], "/p5knn/error")
    assert "max_gestures" in text
    assert "frames have 2 numbers" in rig.ask("/wek/inputs", [1.0, 2.0, 3.0], "/p5knn/error")
    rig.ask("/wekinator/control/stopRunning")
    rig.send("/wek/inputs/bundle", bundle_of(np.concatenate([circle(31), rest()])))
    rig.ask("/p5knn/stop")
    assert rig.bridge.gestures_sent == 0
    # a recording holds a bounded number of numbers (in-process: no datagram may be lost)
    bridge, sender = rig.bridge, rig.replies.server.server_address
    bridge.handle_packet(message("/p5knn/gestures/clear"), sender)
    bridge.handle_packet(message("/p5knn/gestures/record", "big"), sender)
    wide = [0.5] * 8000
    for _ in range(MAX_RECORDING_NUMBERS // 8000):
        assert bridge.handle_packet(message("/p5knn/gestures/frame", *wide), sender)[0].ok
    (full,) = bridge.handle_packet(message("/p5knn/gestures/frame", *wide), sender)
    assert not full.ok and "full" in full.text
    (stopped,) = bridge.handle_packet(message("/p5knn/gestures/stop"), sender)
    assert stopped.ok and "recorded gesture big" in stopped.text


def message(address: str, *values) -> bytes:
    from pythonosc.osc_message_builder import OscMessageBuilder

    builder = OscMessageBuilder(address)
    for value in values:
        builder.add_arg(value)
    return builder.build().dgram


# ------------------------------------------------------------------------- KNN in the profile
def test_bundles_record_and_predict_with_the_knn(make_rig):
    rig = make_rig(wekinator=True)
    rig.ask("/wekinator/control/outputs", [1.0])
    rig.ask("/wekinator/control/startRecording")
    rig.send("/wek/inputs/bundle", [3.0, 0.0, 0.0, 0.1, 0.0, 0.0, 0.1])
    rig.ask("/wekinator/control/outputs", [2.0])
    rig.send("/wek/inputs/bundle", [2, 1.0, 1.0, 0.9, 1.0])
    rig.ask("/wekinator/control/stopRecording")
    assert rig.knn.get_count_by_label() == {1: 3, 2: 2}
    for bad, why in (([0.0, 1.0], "frame count"), ([2.0, 1.0, 2.0, 3.0], "do not make 2"),
                     ([1.5, 1.0], "frame count"), ([], "needs the number of frames"),
                     ([1.0, 1.0, "x"], "expected numbers")):
        assert why in rig.ask("/wek/inputs/bundle", bad, "/p5knn/error")
    assert len(rig.knn) == 5
    rig.drain()
    rig.send("/wek/inputs/bundle", [2.0, 0.0, 0.05, 0.95, 1.0])
    rig.ask("/p5knn/stop")
    outputs = sorted(args for address, args in rig.collect(0.5) if address == "/wek/outputs")
    assert outputs == [(1.0,), (2.0,)]


def test_class_numbers_names_and_deleting_one_output(make_rig):
    rig = make_rig(wekinator=True)
    # recorded out of order: Wekinator's number is the label's, not the position
    for number, x in ((2, 1.0), (1, 0.0)):
        rig.ask("/wekinator/control/outputs", [float(number)])
        rig.ask("/wekinator/control/startRecording")
        rig.send("/wek/inputs", [x, x])
        rig.ask("/wekinator/control/stopRecording")
    assert rig.knn.labels == [2, 1]
    rig.drain()
    rig.send("/wek/inputs", [0.9, 0.9])
    assert rig.out.wait_for("/wek/outputs") == (2.0,)
    assert rig.ask("/wekinator/control/deleteExamplesForOutput", [2]) == \
        "deleted the examples of 2"
    assert rig.knn.labels == [1]
    # names: number n is the n-th name, both ways
    assert rig.ask("/wekinator/control/setOutputNames", ["rock", "paper"]).startswith(
        "output names: 1 = rock, 2 = paper")
    assert rig.ask("/wekinator/control/outputs", [2]) == "output set to 2 (paper)"
    rig.ask("/wekinator/control/startRecording")
    rig.send("/wek/inputs", [5.0, 5.0])
    rig.ask("/wekinator/control/stopRecording")
    assert rig.knn.get_count_by_label() == {1: 1, "paper": 1}
    rig.drain()
    rig.send("/wek/inputs", [5.0, 4.9])
    assert rig.out.wait_for("/p5knn/label") == ("paper",)
    assert rig.out.wait_for("/wek/outputs") == (2.0,)
    assert "has no name" in rig.ask("/wekinator/control/outputs", [3], "/p5knn/error")
    assert rig.bridge._wek_output == 2                      # unchanged by the refusal
    for bad in ([], ["a", "a"], ["a", 1], ["x" * 200]):
        rig.ask("/wekinator/control/setOutputNames", bad, "/p5knn/error")
    assert rig.bridge.output_names == ("rock", "paper")
    assert "no examples of rock" in rig.ask("/wekinator/control/deleteExamplesForOutput", [1])


def test_train_sends_done_training_and_other_controls(make_rig):
    rig = make_rig(wekinator=True, vector_size=2)
    assert "no training" in rig.ask("/wekinator/control/train")
    assert rig.out.wait_for("/wekinator/status/done-training") == ()
    assert "nothing to cancel" in rig.ask("/wekinator/control/cancelTrain")
    assert rig.ask("/wekinator/control/setInputNames", ["x", "y"]) == "input names set (2)"
    assert "got 3 names" in rig.ask("/wekinator/control/setInputNames", ["a", "b", "c"],
                                    "/p5knn/error")
    assert rig.bridge.input_names == ("x", "y")
    assert "needs a class or gesture number" in rig.ask(
        "/wekinator/control/deleteExamplesForOutput", (), "/p5knn/error")
    assert rig.bridge.received == 5


def test_gesture_frames_must_fit_float32(make_rig):
    rig = make_rig(gestures=True)
    sender = rig.replies.server.server_address
    rig.bridge.handle_packet(message("/p5knn/gestures/record", "big"), sender)
    from pythonosc.osc_message_builder import OscMessageBuilder

    for value in (1e300, -1e31):
        builder = OscMessageBuilder("/wek/inputs")
        builder.add_arg(0.0)
        builder.add_arg(value, "d")                     # a double: too big for float32
        (refused,) = rig.bridge.handle_packet(builder.build().dgram, sender)
        assert not refused.ok and "within ±1e+30" in refused.text
    for x in (0.0, 1e29):
        assert rig.bridge.handle_packet(message("/wek/inputs", x, x), sender)[0].ok
    (done,) = rig.bridge.handle_packet(message("/p5knn/gestures/stop"), sender)
    assert "recorded gesture big" in done.text
    frames, _ = rig.bridge.gestures.gesture(0)
    assert np.isfinite(frames).all() and len(frames) == 2
