"""Cameras (p5knn/live/_camera.py, _video.py): any ``read()`` source, video files, a missing
webcam, and a camera that disappears and comes back — the sketch keeps running throughout."""

from __future__ import annotations

import numpy as np
import pytest

import p5knn

from helpers import wait_until


class FlakyCamera:
    """A ``read()`` source that is unplugged for a while, then comes back."""

    def __init__(self) -> None:
        self.plugged = True
        self.count = 0

    def read(self):
        if not self.plugged:
            return False, None
        self.count += 1
        return True, np.full((120, 160, 3), self.count % 255, np.uint8)


def test_camera_disappears_and_comes_back():
    source = FlakyCamera()
    with p5knn.Camera(source=source, width=160, height=120, fps=100, retry_seconds=0.05,
                      quiet=True) as cam:
        assert cam.wait_for_frame(0, timeout=30) and cam.is_connected
        source.plugged = False
        assert wait_until(lambda: not cam.is_connected, 30)
        assert "no frame" in cam.status
        frozen = cam.frame_id
        assert cam.read().shape == (120, 160, 3)  # the last frame is still there
        source.plugged = True
        assert cam.wait_for_frame(frozen, timeout=30)
        assert wait_until(lambda: cam.is_connected, 30)
        assert cam.is_connected and cam.frame_id > frozen


def test_camera_sources(tmp_path):
    frames = iter([(True, np.full((240, 320, 3), v, np.uint8)) for v in range(50, 250, 10)])

    class Reader:
        def read(self):
            return next(frames, (False, None))

    with p5knn.Camera(source=Reader(), fps=200, retry_seconds=0.05, quiet=True) as cam:
        assert cam.wait_for_frame(0, timeout=30)
        frame = cam.read()
        assert frame.shape == (480, 640, 3)  # resized to the camera's size
        assert wait_until(lambda: not cam.is_connected, 30)
        assert not cam.is_connected  # the source ran dry: reported, thread still alive
        assert "no frame" in cam.status
    with pytest.raises(FileNotFoundError):
        p5knn.Camera(tmp_path / "missing.avi")
    with p5knn.Camera(7, fallback=None, retry_seconds=0.05, quiet=True) as cam:
        assert wait_until(lambda: "no webcam 7" in cam.status, 30)
        assert not cam.is_connected and "no webcam 7" in cam.status
        assert cam.read().shape == (480, 640, 3)  # a black frame, the sketch keeps running
    with p5knn.Camera(7, quiet=True) as cam:
        assert cam.kind == "demo" and cam.wait_for_frame(0, timeout=30)
        assert cam.demo is not None


def test_a_video_file_plays_in_a_loop(tmp_path):
    clip = p5knn.demo_clip(tmp_path / "clip.avi", seconds=0.5, fps=20, width=160, height=120)
    with p5knn.Camera(clip, width=160, height=120, fps=200, quiet=True) as cam:
        assert cam.kind == "file" and cam.is_connected
        assert wait_until(lambda: cam.frame_id > 25, 60)   # more frames than the clip holds
        assert cam.is_connected
        rgb = cam.read_rgb()
        assert rgb.shape == (120, 160, 3) and np.array_equal(rgb[..., ::-1], cam.read())
        kept = cam.read(copy=True)
        assert kept is not cam.read()


def test_a_read_source_recorded_to_a_file(tmp_path):
    demo = p5knn.DemoSource(160, 120, pointer=lambda: (0.0, 0.0), noise=0)
    path = p5knn.live.record(demo, tmp_path / "still.avi", frames=5, fps=10)
    with p5knn.Camera(path, width=160, height=120, quiet=True) as cam:
        assert cam.wait_for_frame(0, timeout=30)
        assert np.array_equal(cam.read(), demo.read()[1])    # FFV1 is lossless


def test_a_mirrored_camera_flips_every_frame_and_can_switch_live():
    picture = np.zeros((120, 160, 3), np.uint8)
    picture[:, :40] = (0, 0, 255)                # a red band on the left (BGR)

    class Still:
        def read(self):
            return True, picture.copy()

    with p5knn.Camera(source=Still(), width=160, height=120, fps=200, quiet=True,
                      mirror=True) as cam:
        assert cam.wait_for_frame(0, timeout=30)
        np.testing.assert_array_equal(cam.read(copy=True), picture[:, ::-1])
        rgb = p5knn.features.to_rgb(cam)         # what extractors see: mirrored too
        assert rgb[:, -1, 0].min() == 255 and rgb[:, 0, 0].max() == 0
        cam.mirror = False
        after = cam.frame_id
        assert cam.wait_for_frame(after, timeout=30) and cam.wait_for_frame(after + 1, 30)
        np.testing.assert_array_equal(cam.read(copy=True), picture)


@pytest.mark.parametrize("pointer, says", [
    ("mouse", "move the mouse over the sketch to look around"),
    (lambda: (0.0, 0.0), "the view follows pointer="),
])
def test_the_demo_fallback_says_how_its_view_moves(capsys, pointer, says):
    """No webcam: the message names what moves the demo source's view — the mouse only when
    the mouse does (the demo's window moves it by dragging; a sketch may script it)."""
    with p5knn.Camera(9, pointer=pointer) as cam:     # no /dev/video9 here
        if cam.kind != "demo":
            pytest.skip("this machine has a webcam 9")
        assert says in cam.status
    assert f"using the demo source (real photos from scikit-image; {says})" in \
        capsys.readouterr().err
