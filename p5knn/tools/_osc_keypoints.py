"""The OSC bridge on hand, body or face keypoints: one detection per source frame gives both
the raw landmarks (sent with ``send_landmarks=True``) and the vector the classifier predicts.

Landmark messages (every frame the bridge reads; x and y divided by the frame's width and
height, so 0…1 across the picture, origin top left; z divided by the frame's width, as
MediaPipe's normalised landmarks are; all floats):

    /p5knn/hands/count i           hands found this frame (0, 1, 2)
    /p5knn/hands/<i> f…            hand i (0 = most confident): x0, y0, z0, x1, … (21 × 3 = 63)
    /p5knn/hands/<i>/handedness s  "Right" or "Left" (MediaPipe's label; see ``mirror``)
    /p5knn/pose/count i            bodies found (0 or 1)
    /p5knn/pose f…                 33 × (x, y, z, visibility) = 132 numbers
    /p5knn/face/count i            faces found (0 or 1)
    /p5knn/face f…                 468 × (x, y, z) = 1404 numbers (the most confident face)

The count comes first, then the landmarks of what was found; a frame with nobody sends the
count 0 alone.
"""

from __future__ import annotations

import dataclasses
import threading
from concurrent import futures
from typing import Any, Sequence

import numpy as np

from p5knn._base.errors import EmptyClassifierError
from p5knn.live._frames import stream_frame

#: how often a source without ``wait_for_frame`` is read (frames per second)
POLL_FPS = 30.0


def landmark_messages(kind: str, found: Sequence[Any], width: int,
                      height: int) -> list[tuple[str, Any]]:
    """The OSC messages (address, value) of what a keypoint extractor found in one frame.

    Parameters
    ----------
    kind : {"hands", "pose", "face"}
        The extractor's name.
    found : list of Hand, Pose or Face
        What ``detect`` returned, most confident first.
    width, height : int
        The frame's size in pixels (landmarks are divided by them).

    Returns
    -------
    list of (str, value)
        ``/p5knn/<kind>/count`` first, then the landmarks (see the module docstring).

    Example
    -------
    >>> [a for a, _ in landmark_messages("hands", hands.detect(frame), 640, 480)]
    ['/p5knn/hands/count', '/p5knn/hands/0', '/p5knn/hands/0/handedness']
    """
    scale = np.array([1.0 / max(width, 1), 1.0 / max(height, 1), 1.0 / max(width, 1)])
    messages: list[tuple[str, Any]] = [(f"/p5knn/{kind}/count", len(found))]
    for i, person in enumerate(found):
        points = np.asarray(person.landmarks, np.float64)[:, :3] * scale
        if kind == "hands":
            messages.append((f"/p5knn/hands/{i}", points.reshape(-1).tolist()))
            messages.append((f"/p5knn/hands/{i}/handedness", str(person.handedness)))
        elif i == 0 and kind == "pose":
            visibility = np.asarray(person.visibility, np.float64).reshape(-1, 1)
            messages.append(("/p5knn/pose", np.hstack([points, visibility]).reshape(-1)
                             .tolist()))
        elif i == 0:
            messages.append((f"/p5knn/{kind}", points.reshape(-1).tolist()))
    return messages


class KeypointFrames:
    """The frame loop of :class:`~p5knn.tools._osc.OSCBridge` on keypoints (its base class;
    it provides ``knn``, ``source``, ``keypoints``, ``send_landmarks``, ``running``,
    ``recording``, ``_stop``, ``_send``, ``_error``, ``_frame_result`` and
    ``_predict_vector``).

    Thread "p5knn-osc-frames" waits for each new frame of the source and hands it to the
    extractor's worker thread, which detects, sends the landmarks and predicts the vector
    (when the classifier has examples, runs and is not recording). Nothing is detected while
    there is nothing to send.
    """

    landmarks_sent = 0   #: frames whose landmarks were sent

    def _start_frames(self) -> threading.Thread:
        thread = threading.Thread(target=self._frames_loop, name="p5knn-osc-frames",
                                  daemon=True)
        thread.start()
        return thread

    def _wanted(self) -> tuple[bool, bool]:
        """(send landmarks, predict) for the next frame."""
        predict = self.running and self.recording is None and len(self.knn) > 0
        return bool(self.send_landmarks), predict

    def _frames_loop(self) -> None:
        last_id = 0   # a Camera's frame_id counts frames published: 0 is none yet
        source = self.source
        waits = hasattr(source, "wait_for_frame")
        while not self._stop.is_set():
            if waits:
                if not source.wait_for_frame(last_id, timeout=0.2):
                    continue
                last_id = getattr(source, "frame_id", last_id)
            elif self._stop.wait(1.0 / POLL_FPS):
                break
            landmarks, predict = self._wanted()
            if not (landmarks or predict):
                continue
            try:
                frame = stream_frame(source)
            except Exception as exc:  # noqa: BLE001 - reported; the loop goes on
                self._error(exc)
                continue
            # errors of the frame's work are reported by the worker (on_error)
            job = self.keypoints.worker.submit(self._keypoint_frame, frame,
                                               on_error=self._error)
            while not job.done() and not self._stop.is_set():  # close() never waits long
                futures.wait([job], timeout=0.2)

    def _keypoint_frame(self, frame: Any) -> None:
        """On the extractor's worker: detect once, send landmarks, predict the vector."""
        found = self.keypoints.detect(frame)
        if self._stop.is_set():
            return
        landmarks, predict = self._wanted()
        if landmarks:
            height, width = frame.shape[:2]
            for address, value in landmark_messages(self.keypoints.name, found, width,
                                                    height):
                self._send(address, value)
            with self._lock:
                self.landmarks_sent += 1
        if predict:
            try:
                result = self._predict_vector(self.keypoints.vector(found))
            except EmptyClassifierError:  # cleared since: nothing to say
                return
            if any(f.name == "frame_time" for f in dataclasses.fields(result)):
                result = dataclasses.replace(result, frame_time=frame.time)
            self._frame_result(result)
