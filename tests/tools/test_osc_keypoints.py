"""The OSC bridge on hand, body and face keypoints (issue 12), over loopback with python-osc as
the other side: landmarks of a real hand (opencv-doc's right04.jpg), a body (messi5.jpg) and
a face (scikit-image's astronaut) sent every frame; adding, recording and predicting source
frames through the keypoint extractor; vectors of the wrong length refused with nothing
changed; a saved file that brings its model back. Skips without Debian's opencv-doc."""

from __future__ import annotations

import socket
import struct

import cv2
import numpy as np
import pytest

import p5knn
from p5knn import OSCBridge

from helpers import Listener, wait_until

pytest.importorskip("pythonosc")
from pythonosc import osc_bundle_builder, osc_message_builder, udp_client  # noqa: E402


def drain(listener: Listener) -> None:
    while not listener.messages.empty():
        listener.messages.get()


class Rig:
    """A bridge on ``knn`` fed by a Camera around a swappable frame; ``send`` sends from the
    port ``replies`` listens on."""

    def __init__(self, knn, source, tmp_path, **options) -> None:
        self.knn = knn
        self.frames = source
        self.camera = p5knn.Camera(source=self.frames, fps=30, quiet=True)
        self.out = Listener()
        self.replies = Listener()
        self.bridge = OSCBridge(knn, ("127.0.0.1", self.out.port), ("127.0.0.1", 0),
                                source=self.camera, data_dir=tmp_path / "data", **options)
        self.client = udp_client.SimpleUDPClient(*self.bridge.address)
        self.client._sock = self.replies.server.socket

    def send(self, address: str, values: list) -> None:
        self.client.send_message(address, values)

    def show(self, frame: np.ndarray) -> None:
        """Swap the frame and wait until the camera has published it twice."""
        self.frames.frame = frame
        for _ in range(3):
            assert self.camera.wait_for_frame(timeout=30)

    def close(self) -> None:
        self.bridge.close()
        self.camera.close()
        self.out.close()
        self.replies.close()
        self.knn.close()


@pytest.fixture
def hands_rig(tmp_path, hand_photo, frames):
    rig = Rig(p5knn.knn_classifier.create("hands", metric="euclidean", k=1),
              frames(hand_photo), tmp_path, send_landmarks=True)
    yield rig
    rig.close()


def test_hand_landmarks_are_sent_every_frame(hands_rig, hand_photo, no_hand_photo):
    rig = hands_rig
    assert rig.out.wait_for("/p5knn/hands/count") == (1,)
    hand = np.asarray(rig.out.wait_for("/p5knn/hands/0")).reshape(21, 3)
    assert rig.out.wait_for("/p5knn/hands/0/handedness") == ("Right",)
    # x, y in 0…1 of the frame: right04's hand is in the right half, in the middle rows
    found = p5knn.feature_extractor("hands").detect(hand_photo, bands="BGR")[0].landmarks
    assert np.allclose(hand[:, 0], found[:, 0] / 640, atol=0.02)
    assert np.allclose(hand[:, 1], found[:, 1] / 480, atol=0.02)
    assert 0.6 < hand[:, 0].mean() < 0.8 and 0.35 < hand[:, 1].mean() < 0.75
    rig.show(no_hand_photo)
    drain(rig.out)
    assert rig.out.wait_for("/p5knn/hands/count") == (0,)
    sent = rig.bridge.landmarks_sent
    assert wait_until(lambda: rig.bridge.landmarks_sent >= sent + 3, 30)
    assert len(rig.knn) == 0 and rig.bridge.sent == 0   # nothing to predict yet


def test_add_record_and_predict_source_frames_on_keypoints(hands_rig, hand_photo, no_hand_photo,
                                                           tmp_path):
    rig = hands_rig
    rig.send("/p5knn/add", ["open hand"])                # the source's frame, through "hands"
    assert "added open hand" in rig.replies.wait_for("/p5knn/status")[0]
    rig.show(no_hand_photo)
    rig.send("/p5knn/record", ["empty"])
    assert rig.replies.wait_for("/p5knn/status") == ("recording empty",)
    assert wait_until(lambda: rig.knn.get_count_by_label().get("empty", 0) >= 3, 60)
    rig.send("/p5knn/stop", [])
    assert rig.replies.wait_for("/p5knn/status") == ("stopped recording",)
    assert rig.knn.model == "hands" and rig.knn.feature_size == 129
    empty = rig.knn.get_example(1)[0]
    assert empty[-1] == 1 and not empty[:-1].any()       # nobody: zeros, then 1.0
    drain(rig.out)
    assert rig.out.wait_for("/p5knn/label") == ("empty",)
    rig.show(hand_photo)
    drain(rig.out)
    labels = [rig.out.wait_for("/p5knn/label") for _ in range(3)]
    assert ("open hand",) in labels, labels              # frames in flight may come first
    # a saved file brings its model back
    rig.send("/p5knn/save", ["signs"])
    assert "saved" in rig.replies.wait_for("/p5knn/status")[0]
    loaded = p5knn.knn_classifier.load(rig.bridge.data_dir / "signs.p5knn")
    assert loaded.extractor.name == "hands" and loaded.predict_class(
        hand_photo[:, :, ::-1]).label == "open hand"
    loaded.close()


def test_vectors_must_have_the_keypoint_length(hands_rig):
    rig = hands_rig
    for address, values in (("/p5knn/predict", [0.5] * 5), ("/p5knn/add", ["x"] + [0.5] * 128),
                            ("/p5knn/predict", [0.5] * 1024)):
        rig.send(address, values)
        assert "expected 129 numbers (hands features)" in rig.replies.wait_for("/p5knn/error")[0]
    rig.send("/wekinator/control/startRecording", [])
    rig.replies.wait_for("/p5knn/status")
    rig.send("/wek/inputs", [0.1] * 130)
    assert "got 130" in rig.replies.wait_for("/p5knn/error")[0]
    assert len(rig.knn) == 0                              # nothing changed
    rig.send("/wek/inputs", [0.0] * 128 + [1.0])          # the right length is taken
    rig.send("/wekinator/control/stopRecording", [])
    assert wait_until(lambda: len(rig.knn) == 1, 30)
    rig.send("/p5knn/predict", [0.0] * 128 + [1.0])
    assert rig.out.wait_for("/p5knn/label") == ("1",)


def test_hostile_input_still_gets_one_reply_per_datagram(hands_rig):
    rig = hands_rig
    bundle = osc_bundle_builder.OscBundleBuilder(osc_bundle_builder.IMMEDIATELY)
    for n in (3, 200, 129):
        message = osc_message_builder.OscMessageBuilder("/p5knn/predict")
        for _ in range(n):
            message.add_arg(0.0)
        bundle.add_content(message.build())
    rig.client.send(bundle.build())
    text = rig.replies.wait_for("/p5knn/error")[0]
    assert text.startswith("3 messages, 3 failed") and "129" in text
    with pytest.raises(AssertionError):                   # exactly one reply
        rig.replies.wait_for("/p5knn/error", timeout=1)
    raw = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    raw.sendto(b"/p5knn/predict\x00\x00,f\x00\x00" + struct.pack(">f", 1.0)[:2],
               rig.bridge.address)
    raw.close()
    assert wait_until(lambda: rig.bridge.malformed == 1, 30)
    assert rig.out.wait_for("/p5knn/hands/count")        # frames keep flowing


def test_load_refuses_a_file_of_other_features(hands_rig, tmp_path):
    rig = hands_rig
    other = p5knn.knn_classifier.create(metric="euclidean")
    other.add_example([0.1, 0.2, 0.3], "three numbers")
    (rig.bridge.data_dir).mkdir(parents=True, exist_ok=True)
    other.save(rig.bridge.data_dir / "small.p5knn")
    rig.send("/p5knn/add", ["hand"])
    assert "added" in rig.replies.wait_for("/p5knn/status")[0]
    rig.send("/p5knn/load", ["small"])
    error = rig.replies.wait_for("/p5knn/error")[0]
    assert "have 3 numbers" in error and str(tmp_path) not in error
    assert rig.knn.labels == ["hand"] and rig.knn.model == "hands"   # unchanged


@pytest.mark.parametrize("kind, photo, length", [("pose", "messi5.jpg", 132),
                                                 ("face", "astronaut", 1404)])
def test_pose_and_face_landmarks(tmp_path, frames, photo_of, kind, photo, length):
    if photo == "astronaut":
        frame = pytest.importorskip("skimage.data").astronaut()[:, :, ::-1]
    else:
        frame = photo_of(photo)
    frame = cv2.resize(np.ascontiguousarray(frame), (640, 480))
    rig = Rig(p5knn.knn_classifier.create(kind), frames(frame), tmp_path, send_landmarks=True)
    try:
        assert rig.out.wait_for(f"/p5knn/{kind}/count") == (1,)
        values = np.asarray(rig.out.wait_for(f"/p5knn/{kind}"))
        assert len(values) == length
        columns = values.reshape(-1, 4 if kind == "pose" else 3)
        inside = (columns[:, :2] >= 0) & (columns[:, :2] <= 1)
        assert inside.mean() > 0.9          # pose landmarks of a cut-off limb may leave it
        if kind == "pose":
            assert ((columns[:, 3] >= 0) & (columns[:, 3] <= 1)).all()   # visibility
        assert rig.bridge.vector_size == {"pose": 134, "face": 1406}[kind]
    finally:
        rig.close()


def test_landmarks_need_a_keypoint_classifier_and_a_live_source(hand_photo, frames):
    with p5knn.Camera(source=frames(hand_photo), fps=30, quiet=True) as cam:
        with pytest.raises(ValueError, match="send_landmarks needs"):
            OSCBridge(p5knn.knn_classifier.create("mobilenet"), listen=None, source=cam,
                      send_landmarks=True)
    hands = p5knn.knn_classifier.create("hands")
    with pytest.raises(ValueError, match="live source"):
        OSCBridge(hands, listen=None, send_landmarks=True)
    hands.close()
