"""``p5knn osc`` with the Wekinator profile, gesture mode, the steady filter, the rate cap and
heartbeats: the options in this process (fast), then the command as a real subprocess talking
to python-osc over loopback (slow)."""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import time

import numpy as np
import pytest

from p5knn.tools import _cli_osc

from helpers import Listener

pytest.importorskip("pythonosc")
from pythonosc import udp_client  # noqa: E402


def namespace(**given) -> argparse.Namespace:
    options = {"wekinator": False, "listen": None, "send": None, "majority": None,
               "min_stable": None, "timeout": None, "on_change": False}
    return argparse.Namespace(**{**options, **given})


def test_the_wekinator_profile_uses_wekinators_ports():
    assert _cli_osc._addresses(namespace()) == ("127.0.0.1:12001", "127.0.0.1:12000")
    assert _cli_osc._addresses(namespace(wekinator=True)) == ("127.0.0.1:6448",
                                                              "127.0.0.1:12000")
    assert _cli_osc._addresses(namespace(wekinator=True, listen="0.0.0.0:7000",
                                         send="10.0.0.2:9000")) == ("0.0.0.0:7000",
                                                                    "10.0.0.2:9000")


def test_steady_options_from_the_command_line():
    assert _cli_osc._steady(namespace()) is None
    assert _cli_osc._steady(namespace(majority=5, on_change=True)) == {"majority": 5,
                                                                       "on_change": True}
    assert _cli_osc._steady(namespace(min_stable=2, timeout=1.5)) == {"min_stable": 2,
                                                                      "timeout": 1.5}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def osc(*args: str, cwd) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "p5knn", "osc", "--features", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd)


@pytest.mark.slow
def test_osc_command_in_the_wekinator_profile_with_gestures(tmp_path):
    out = Listener()
    port = free_port()
    proc = osc("--wekinator", "--listen", f"127.0.0.1:{port}", "--send",
               f"127.0.0.1:{out.port}", "--heartbeat", "0.2", "--max-rate", "30",
               "--majority", "3", "--seconds", "120", cwd=tmp_path)
    try:
        lines = [proc.stdout.readline() for _ in range(4)]
        assert "listening on 127.0.0.1" in lines[0] and "/p5knn/load" in lines[1], lines
        assert "Wekinator profile" in lines[2] and "gesture mode while the KNN is empty" in \
            lines[2], lines
        assert "steady Steady(majority=3" in lines[3] and "at most 30 predictions/s" in \
            lines[3] and "heartbeat every 0.2 s" in lines[3], lines
        beat = out.wait_for("/p5knn/heartbeat")
        assert beat[1:] == (0, 0, "running")
        client = udp_client.SimpleUDPClient("127.0.0.1", port)
        t = np.linspace(0, 2 * np.pi, 30)
        circle = np.stack([np.cos(t), np.sin(t)], 1)
        line = np.stack([np.linspace(-1, 1, 30), np.linspace(-1, 1, 30)], 1)
        for _ in range(2):
            for number, shape in ((1, circle), (2, line)):
                client.send_message("/wekinator/control/startDtwRecording", number)
                for frame in shape + np.random.default_rng(number).normal(0, 0.02, shape.shape):
                    client.send_message("/wek/inputs", [float(x) for x in frame])
                    time.sleep(0.002)
                client.send_message("/wekinator/control/stopDtwRecording", [])
        # the status of every control message also goes to --send
        assert "recorded gesture 2 (2 of 2, 4 in all)" in [
            out.wait_for("/p5knn/status")[0] for _ in range(8)]
        client.send_message("/wekinator/control/train", [])
        assert out.wait_for("/wekinator/status/done-training") == ()
        rest = np.zeros((15, 2)) + [1.0, 0.0]
        frames = np.concatenate([rest, circle, rest])
        client.send_message("/wek/inputs/bundle",
                            [float(len(frames))] + frames.reshape(-1).tolist())
        assert out.wait_for("/output_1") == ()
    finally:
        proc.terminate()
        stdout, stderr = proc.communicate(timeout=60)
        out.close()
    assert proc.returncode == 0, stderr
    assert "1 gestures recognised, 4 recorded" in stdout, stdout


@pytest.mark.slow
def test_osc_command_refuses_bad_shaping_options_with_one_line(tmp_path):
    for args, why in ((["--majority", "0"], "majority must be"),
                      (["--max-rate", "0"], "max_rate must be"),
                      (["--load-gestures", "missing.p5gestures"], "cannot load")):
        proc = osc("--listen", "127.0.0.1:0", "--seconds", "5", *args, cwd=tmp_path)
        stdout, stderr = proc.communicate(timeout=120)
        assert proc.returncode == 2 and why in stderr, (args, stderr)
        assert "Traceback" not in stderr
