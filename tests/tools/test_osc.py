"""The OSC bridge (p5knn/tools/_osc.py) with real UDP round trips on loopback: Wekinator-style
control, p5knn's own messages, malformed input, a camera as the source. (Hostile input:
test_osc_hostile.py; the ``p5knn osc`` command: test_cli.py.)"""

from __future__ import annotations

import queue
import socket
import threading

import pytest

import p5knn
from p5knn import OSCBridge

from helpers import Listener, wait_until

pythonosc = pytest.importorskip("pythonosc")
from pythonosc import dispatcher, osc_server, udp_client  # noqa: E402


@pytest.fixture
def rig(tmp_path):
    out = Listener()
    knn = p5knn.knn_classifier.create(metric="euclidean", k=1)
    bridge = OSCBridge(knn, ("127.0.0.1", out.port), ("127.0.0.1", 0), wekinator=True,
                       data_dir=tmp_path / "data")
    # the sender listens on the same port the replies come back to
    client = udp_client.SimpleUDPClient(*bridge.address)
    client._sock.bind(("127.0.0.1", 0))
    replies = Listener.__new__(Listener)
    replies.messages = queue.Queue()
    disp = dispatcher.Dispatcher()
    disp.set_default_handler(lambda address, *args: replies.messages.put((address, args)))
    reply_port = client._sock.getsockname()[1]
    client._sock.close()
    replies.server = osc_server.ThreadingOSCUDPServer(("127.0.0.1", reply_port), disp)
    threading.Thread(target=replies.server.serve_forever, daemon=True).start()
    client = udp_client.SimpleUDPClient(*bridge.address)
    client._sock = replies.server.socket  # send from the reply port
    yield knn, bridge, client, out, replies
    bridge.close()
    out.close()
    replies.close()


def test_wekinator_style_record_and_run(rig):
    knn, bridge, client, out, replies = rig
    client.send_message("/wekinator/control/outputs", [1.0])
    assert replies.wait_for("/p5knn/status") == ("output set to 1",)
    client.send_message("/wekinator/control/startRecording", [])
    replies.wait_for("/p5knn/status")
    for x in (0.0, 0.1):
        client.send_message("/wek/inputs", [x, 0.0])
    client.send_message("/wekinator/control/outputs", [2.0])
    replies.wait_for("/p5knn/status")
    for x in (1.0, 0.9):
        client.send_message("/wek/inputs", [x, 1.0])
    client.send_message("/wekinator/control/stopRecording", [])
    replies.wait_for("/p5knn/status")
    assert knn.get_count_by_label() == {1: 2, 2: 2}
    client.send_message("/wekinator/control/startRunning", [])
    replies.wait_for("/p5knn/status")
    client.send_message("/wek/inputs", [0.95, 0.9])
    assert out.wait_for("/p5knn/label") == ("2",)
    assert out.wait_for("/wek/outputs") == (2.0,)  # Wekinator class numbers start at 1


def test_p5knn_messages(rig, tmp_path):
    knn, bridge, client, out, replies = rig
    client.send_message("/p5knn/add", ["cat", 0.0, 1.0])
    assert "added cat" in replies.wait_for("/p5knn/status")[0]
    client.send_message("/p5knn/add", ["dog", 1.0, 0.0])
    replies.wait_for("/p5knn/status")
    client.send_message("/p5knn/predict", [0.1, 0.9])
    assert out.wait_for("/p5knn/label") == ("cat",)
    confidences = out.wait_for("/p5knn/confidences")
    assert confidences[0::2] == ("cat", "dog")
    client.send_message("/p5knn/save", ["osc"])  # a name, kept in the data folder
    assert "saved 2" in replies.wait_for("/p5knn/status")[0]
    assert (bridge.data_dir / "osc.p5knn").is_file()
    client.send_message("/p5knn/clear", ["dog"])
    replies.wait_for("/p5knn/status")
    assert knn.labels == ["cat"]
    client.send_message("/p5knn/load", ["osc.p5knn"])
    replies.wait_for("/p5knn/status")
    assert knn.labels == ["cat", "dog"]
    client.send_message("/p5knn/undo", [])
    assert "removed the last dog" in replies.wait_for("/p5knn/status")[0]
    client.send_message("/p5knn/train", [])
    assert "no training" in replies.wait_for("/p5knn/status")[0]


def test_bad_and_malformed_input_never_stops_the_bridge(rig):
    knn, bridge, client, out, replies = rig
    client.send_message("/p5knn/add", [])
    assert "needs a label" in replies.wait_for("/p5knn/error")[0]
    client.send_message("/p5knn/add", ["x", "not a number"])
    assert "expected numbers" in replies.wait_for("/p5knn/error")[0]
    client.send_message("/p5knn/predict", [1.0, 2.0])
    assert "no examples" in replies.wait_for("/p5knn/error")[0]
    client.send_message("/p5knn/clear", ["ghost"])
    assert "no label" in replies.wait_for("/p5knn/error")[0]
    raw = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for junk in (b"\x00\x01garbage", b"/p5knn/add\x00\x00,zz\x00", b"#bundle\x00broken", b""):
        raw.sendto(junk, bridge.address)
    raw.close()
    assert wait_until(lambda: bridge.malformed >= 3, 30)
    client.send_message("/p5knn/add", ["ok", 1.0, 1.0])  # still answering
    assert "added ok" in replies.wait_for("/p5knn/status")[0]


def test_camera_source_records_and_predicts(tmp_path):
    out = Listener()
    knn = p5knn.knn_classifier.create(k=1)
    demo = p5knn.DemoSource()
    with p5knn.Camera(source=demo, fps=30, quiet=True) as cam:
        bridge = OSCBridge(knn, ("127.0.0.1", out.port), ("127.0.0.1", 0), source=cam)
        client = udp_client.SimpleUDPClient(*bridge.address)

        def settle():  # a few frames of the new view before recording it
            for _ in range(3):
                assert cam.wait_for_frame(timeout=30)

        for name in ("chelsea", "rocket"):
            demo.pointer = lambda n=name: demo.photo_position(n)
            settle()
            client.send_message("/p5knn/record", [name])
            assert wait_until(lambda: knn.get_count_by_label().get(name, 0) >= 3, 60)
            client.send_message("/p5knn/stop", [])
            assert wait_until(lambda: bridge.recording is None, 30)
        counts = knn.get_count_by_label()
        assert set(counts) == {"chelsea", "rocket"} and min(counts.values()) >= 3
        demo.pointer = lambda: demo.photo_position("rocket")
        settle()
        while not out.messages.empty():
            out.messages.get()
        # predictions of frames in flight before the view moved may come first
        labels = [out.wait_for("/p5knn/label") for _ in range(3)]
        assert ("rocket",) in labels, labels
        bridge.close()
    out.close()
    knn.close()
