"""The ``p5knn`` command (p5knn/tools/_cli.py, ``python -m p5knn``): ``info``, ``classify``,
``add`` and ``predict`` in this process (fast); ``eval`` and ``osc`` as real subprocesses
(slow)."""

from __future__ import annotations

import json
import runpy
import socket
import subprocess
import sys
from pathlib import Path

import cv2
import pytest

pytest.importorskip("pythonosc")
from pythonosc import udp_client  # noqa: E402

from helpers import Listener  # noqa: E402

OPENCLIPART = Path("/usr/share/openclipart/png")


def p5knn_command(*args: str, capsys) -> tuple[int, str, str]:
    """Run ``python -m p5knn ARGS`` in this process: (exit status, stdout, stderr)."""
    saved = sys.argv
    sys.argv = ["p5knn", *args]
    try:
        runpy.run_module("p5knn", run_name="__main__", alter_sys=False)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except Exception as exc:  # noqa: BLE001 - what Python prints, then exit status 1
        code = 1
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
    finally:
        sys.argv = saved
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture(scope="module")
def photo_folder(tmp_path_factory):
    """Two classes of real photos, as the CLI takes them: one sub-folder per label."""
    skimage_data = pytest.importorskip("skimage.data")
    root = tmp_path_factory.mktemp("photos")
    for label, names in {"cat": ("chelsea", "cat"), "coffee": ("coffee",)}.items():
        (root / label).mkdir()
        for name in names:
            rgb = getattr(skimage_data, name)()
            cv2.imwrite(str(root / label / f"{name}.png"), rgb[:, :, ::-1])
            cv2.imwrite(str(root / label / f"{name}_flipped.png"), rgb[:, ::-1, ::-1])
    return root


def test_info(capsys):
    code, out, err = p5knn_command("info", capsys=capsys)
    assert code == 0, err
    assert out.startswith("p5knn ") and "model cache" in out


def test_help_and_unknown_commands(capsys):
    code, out, _ = p5knn_command("--help", capsys=capsys)
    assert code == 0 and all(verb in out for verb in ("demo", "eval", "add", "predict", "osc"))
    code, _, err = p5knn_command("frobnicate", capsys=capsys)
    assert code != 0 and "frobnicate" in err


def test_classify_add_and_predict(photo_folder, tmp_path, capsys):
    code, out, _ = p5knn_command("classify", str(photo_folder / "cat" / "chelsea.png"),
                                 "--top", "3", capsys=capsys)
    assert code == 0 and "cat" in out.lower() and out.count("%") == 3
    model = tmp_path / "m.p5knn"
    code, out, _ = p5knn_command("add", str(photo_folder), "--out", str(model), "--quiet",
                                 "--k", "1", capsys=capsys)
    assert code == 0 and "saved 6 examples" in out and model.is_file()
    code, out, _ = p5knn_command("predict", str(model), str(photo_folder / "coffee" /
                                                            "coffee.png"), "--json",
                                 capsys=capsys)
    assert code == 0
    assert json.loads(out)[0]["label"] == "coffee"  # its own example is nearest
    code, _, err = p5knn_command("add", str(tmp_path / "missing"), "--out", str(model),
                                 capsys=capsys)
    assert code != 0 and "not found" in err


# ------------------------------------------------------------------ subprocesses (slow)

@pytest.fixture(scope="module")
def clipart(tmp_path_factory):
    if not OPENCLIPART.is_dir():
        pytest.skip("needs Debian's openclipart-png (.ci/run installs it)")
    from p5knn.tools import _datasets as datasets

    return datasets.openclipart(tmp_path_factory.mktemp("clipart"),
                                categories=("animals", "transportation", "food"), per_class=12)


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "p5knn", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=600)


@pytest.mark.slow
@pytest.mark.skipif(not OPENCLIPART.is_dir(),
                    reason="needs Debian's openclipart-png (.ci/run installs it)")
def test_cli_eval_add_predict(clipart, tmp_path):
    out = cli("eval", str(clipart), "--compare", "--epochs", "10", "--scratch-epochs", "1",
              "--shots", "1", "3", "--repeats", "2", "--out", str(tmp_path / "rep"), "--quiet",
              cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "| knn |" in out.stdout and "few-shot accuracy" in out.stdout
    doc = json.loads((tmp_path / "rep" / "report.json").read_text())
    assert set(doc["few_shot"]) == {"pixels", "knn", "head"}
    assert (tmp_path / "rep" / "report_scratch.png").exists()
    out = cli("add", str(clipart), "--out", str(tmp_path / "m.p5knn"), "--quiet", cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "saved 36 examples" in out.stdout
    some = sorted((clipart / "animals").iterdir())[0]
    out = cli("predict", str(tmp_path / "m.p5knn"), str(some), "--k", "1", "--json",
              cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-3000:]
    assert json.loads(out.stdout)[0]["label"] == "animals"  # its own example is nearest
    out = cli("eval", str(tmp_path / "missing"), cwd=tmp_path)
    assert out.returncode != 0 and "not found" in out.stderr


@pytest.mark.slow
def test_osc_cli_runs_headless_with_feature_input():
    out = Listener()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "p5knn", "osc", "--features",
                             "--metric", "euclidean", "--k", "1", "--send", f"127.0.0.1:{out.port}",
                             "--listen", f"127.0.0.1:{port}", "--seconds", "6"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert "listening on 127.0.0.1" in proc.stdout.readline()
    client, replies = _rig_replies(port)
    client.send_message("/p5knn/add", ["low", 0.0, 0.0])
    assert "added low" in replies.wait_for("/p5knn/status")[0]
    client.send_message("/p5knn/add", ["high", 5.0, 5.0])
    assert "added high" in replies.wait_for("/p5knn/status")[0]
    client.send_message("/p5knn/predict", [4.0, 4.5])
    assert out.wait_for("/p5knn/label") == ("high",)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 0, stderr
    assert "2 examples" in stdout
    out.close()
    replies.close()


def _start_cli(*extra: str, cwd) -> tuple[subprocess.Popen, int]:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "p5knn", "osc", "--features",
                             "--metric", "euclidean", "--send", "127.0.0.1:9",
                             "--listen", f"127.0.0.1:{port}", "--seconds", "120", *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd)
    assert "listening on 127.0.0.1" in proc.stdout.readline()
    assert "/p5knn/load" in proc.stdout.readline()
    return proc, port


def _rig_replies(port: int) -> tuple:
    """A client sending from the port replies come back to, and those replies."""
    replies = Listener()
    client = udp_client.SimpleUDPClient("127.0.0.1", port)
    client._sock = replies.server.socket
    return client, replies


@pytest.mark.slow
@pytest.mark.parametrize("remote_files", [True, False])
def test_osc_cli_data_dir_and_no_remote_files(tmp_path, remote_files):
    data = tmp_path / "saves"
    extra = ["--data-dir", str(data)] + ([] if remote_files else ["--no-remote-files"])
    proc, port = _start_cli(*extra, cwd=tmp_path)
    client, replies = _rig_replies(port)
    try:
        client.send_message("/p5knn/add", ["low", 0.0, 0.0])
        assert "added low" in replies.wait_for("/p5knn/status", timeout=30)[0]
        client.send_message("/p5knn/save", ["../escape"])
        assert "/p5knn/save" in replies.wait_for("/p5knn/error", timeout=30)[0]
        client.send_message("/p5knn/save", ["room"])
        if remote_files:
            assert "room.p5knn" in replies.wait_for("/p5knn/status", timeout=30)[0]
            assert (data / "room.p5knn").is_file()
        else:
            assert "off" in replies.wait_for("/p5knn/error", timeout=30)[0]
            assert not data.exists()
        assert sorted(p.name for p in tmp_path.iterdir()) == (["saves"] if remote_files else [])
    finally:
        proc.terminate()
        stdout, stderr = proc.communicate(timeout=60)
        replies.close()
    assert proc.returncode == 0, stderr


# ------------------------------------------------------------------ keypoints (issue 12)

def test_eval_on_hand_keypoints_counts_images_with_no_hand(covered_hand_set, tmp_path, capsys):
    from p5knn.training import load_folder

    paths, labels = load_folder(covered_hand_set)
    n_hand, n_none = labels.count("hand"), labels.count("none")
    covered = sum("covered" in p.name for p in paths)
    code, out, err = p5knn_command("eval", str(covered_hand_set), "--model", "hands", "--k",
                                   "1", "--quiet", "--out", str(tmp_path / "rep"),
                                   capsys=capsys)
    assert code == 0, err
    assert "features: hands keypoints (129 numbers per image, euclidean KNN)" in out
    assert f"{covered} of {n_hand} images in 'hand': no hand found" in out
    assert f"{n_none} of {n_none} images in 'none': no hand found" in out
    assert "| knn |" in out
    doc = json.loads((tmp_path / "rep" / "report.json").read_text())
    assert doc["model"] == "hands" and doc["metric"] == "euclidean"
    assert doc["not_found"] == {"hand": [covered, n_hand], "none": [n_none, n_none]}
    result = doc["results"][0]
    assert result["model"] == "hands" and result["not_found"] == doc["not_found"]
    assert all("found" in item for item in result["misclassified"])
    picture = cv2.imread(str(tmp_path / "rep" / "report_knn.png"))
    assert picture is not None and picture.shape[1] >= 600


@pytest.mark.parametrize("args", [("--method", "scratch"), ("--method", "fine-tune"),
                                  ("--compare", "--fine-tune")])
def test_eval_refuses_mobilenet_training_on_keypoints_in_one_line(tmp_path, capsys, args):
    code, out, err = p5knn_command("eval", str(tmp_path / "not even read"), "--model", "pose",
                                   *args, capsys=capsys)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "does not apply to pose keypoints" in err


def test_add_and_predict_with_hand_keypoints(hand_set, tmp_path, capsys, no_hand_photo):
    import p5knn

    model = tmp_path / "hands.p5knn"
    code, out, err = p5knn_command("add", str(hand_set), "--model", "hands", "--k", "1",
                                   "--out", str(model), "--quiet", capsys=capsys)
    assert code == 0, err
    n_none = len(list((hand_set / "none").iterdir()))
    assert f"{n_none} of {n_none} images in 'none': no hand found" in out
    assert "'hand'" not in out.split("\n", 1)[1]   # every hand was found
    loaded = p5knn.knn_classifier.load(model)
    assert loaded.model == "hands" and loaded.extractor.name == "hands"   # the model comes back
    assert loaded.metric == "euclidean"
    loaded.close()
    empty = tmp_path / "coffee.png"
    cv2.imwrite(str(empty), no_hand_photo)
    right04 = "/usr/share/doc/opencv-doc/examples/data/right04.jpg"
    code, out, err = p5knn_command("predict", str(model), right04, str(empty), "--json",
                                   capsys=capsys)
    assert code == 0, err
    rows = json.loads(out)
    assert [(r["label"], r["found"]) for r in rows] == [("hand", True), ("none", False)]
    code, out, _ = p5knn_command("predict", str(model), str(empty), capsys=capsys)
    assert code == 0 and "none (100%" in out and "no hand found" in out


def test_osc_refuses_landmarks_without_keypoints(capsys):
    code, out, err = p5knn_command("osc", "--features", "--send-landmarks", "--model", "hands",
                                   "--listen", "127.0.0.1:0", capsys=capsys)
    assert code == 2 and "--send-landmarks needs keypoints" in err and err.count("\n") == 1
    code, out, err = p5knn_command("osc", "--demo", "--send-landmarks", "--listen",
                                   "127.0.0.1:0", capsys=capsys)
    assert code == 2 and "--model hands, pose or face" in err


@pytest.mark.slow
def test_cli_eval_compare_and_shots_on_keypoints(covered_hand_set, tmp_path):
    out = cli("eval", str(covered_hand_set), "--model", "hands", "--compare", "--epochs", "20",
              "--shots", "1", "3", "--repeats", "2", "--out", str(tmp_path / "rep"), "--quiet",
              cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "| head |" in out.stdout and "| scratch |" not in out.stdout
    assert "images in 'hand': no hand found" in out.stdout
    doc = json.loads((tmp_path / "rep" / "report.json").read_text())
    assert [r["method"] for r in doc["results"]] == ["pixels", "knn", "head"]
    assert set(doc["few_shot"]) == {"pixels", "knn", "head"}
    for method in ("pixels", "knn", "head"):
        assert (tmp_path / "rep" / f"report_{method}.png").is_file()


def _hand_clip(photo, path: Path, frames: int = 20) -> Path:
    """A short lossless video of ``photo``, slightly moving."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"FFV1"), 15, (640, 480))
    for i in range(frames):
        shift = cv2.getRotationMatrix2D((320, 240), 0, 1.0)
        shift[0, 2] = i % 5
        writer.write(cv2.warpAffine(photo, shift, (640, 480), borderMode=cv2.BORDER_REFLECT))
    writer.release()
    return path


@pytest.mark.slow
def test_osc_cli_on_hand_keypoints_sends_landmarks_and_saves_its_model(tmp_path, hand_photo):
    clip = _hand_clip(hand_photo, tmp_path / "hand.avi")
    out = Listener()
    proc, port = _start_osc(tmp_path, "--video", str(clip), "--model", "hands",
                            "--send-landmarks", "--send", f"127.0.0.1:{out.port}",
                            "--data-dir", str(tmp_path / "saves"))
    client, replies = _rig_replies(port)
    try:
        assert "hands features (129 numbers)" in proc.first_lines[0]
        assert "/p5knn/hands/count" in proc.first_lines[2]
        assert out.wait_for("/p5knn/hands/count", timeout=60) == (1,)
        hand = out.wait_for("/p5knn/hands/0", timeout=30)
        assert len(hand) == 63 and all(0 <= v <= 1 for v in hand[0::3] + hand[1::3])
        assert out.wait_for("/p5knn/hands/0/handedness", timeout=30) == ("Right",)
        client.send_message("/p5knn/add", ["open"])
        assert "added open" in replies.wait_for("/p5knn/status", timeout=60)[0]
        client.send_message("/p5knn/add", ["shut"] + [0.0] * 128 + [1.0])   # the "nobody" vector
        assert "added shut" in replies.wait_for("/p5knn/status", timeout=30)[0]
        client.send_message("/p5knn/predict", [0.0] * 5)
        assert "expected 129 numbers" in replies.wait_for("/p5knn/error", timeout=30)[0]
        assert out.wait_for("/p5knn/label", timeout=60) == ("open",)
        client.send_message("/p5knn/save", ["room"])
        assert "saved 2" in replies.wait_for("/p5knn/status", timeout=30)[0]
    finally:
        proc.terminate()
        stdout, stderr = proc.communicate(timeout=60)
        replies.close()
    assert proc.returncode == 0, stderr
    assert "landmarks of" in stdout and "2 examples" in stdout
    # --load brings the hands model back by itself (no --model)
    proc, port = _start_osc(tmp_path, "--video", str(clip), "--load",
                            str(tmp_path / "saves" / "room.p5knn"), "--send",
                            f"127.0.0.1:{out.port}")
    try:
        assert "hands features (129 numbers)" in proc.first_lines[0]
        while not out.messages.empty():
            out.messages.get()
        assert out.wait_for("/p5knn/label", timeout=60) == ("open",)
    finally:
        proc.terminate()
        stdout, stderr = proc.communicate(timeout=60)
        out.close()
    assert proc.returncode == 0, stderr
    refused = cli("osc", "--load", str(tmp_path / "saves" / "room.p5knn"), "--model", "pose",
                  "--features", "--listen", "127.0.0.1:0", cwd=tmp_path)
    assert refused.returncode == 2 and "holds hands features, not pose" in refused.stderr


def _start_osc(cwd: Path, *args: str) -> tuple[subprocess.Popen, int]:
    """``p5knn osc ARGS`` listening on a free port; its first two (or three) lines read."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "p5knn", "osc", "--listen",
                             f"127.0.0.1:{port}", "--seconds", "120", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd)
    lines = [proc.stdout.readline(), proc.stdout.readline()]
    if "--send-landmarks" in args:
        lines.append(proc.stdout.readline())
    assert "listening on 127.0.0.1" in lines[0], lines
    proc.first_lines = lines  # type: ignore[attr-defined]
    return proc, port
