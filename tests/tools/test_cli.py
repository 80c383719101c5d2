"""The ``p5knn`` command (p5knn/tools/_cli.py, ``python -m p5knn``): ``info``, ``classify``,
``add`` and ``predict`` in this process (fast); ``eval`` and ``osc`` as real subprocesses
(slow); user mistakes as real subprocesses, each ending in one line on stderr and a non-zero
exit (slow when the command starts a model)."""

from __future__ import annotations

import json
import os
import runpy
import shutil
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
    fields = {line.split(":", 1)[0]: line.split(":", 1)[1].strip()
              for line in out.splitlines()[1:]}
    assert {"Python", "py5", "Java", "display", "cameras", "runtime", "MobileNet",
            "keypoint models", "model cache"} <= set(fields), out
    assert fields["Python"].startswith(f"{sys.version_info.major}.{sys.version_info.minor}.")
    assert "mobilenet_v1_1.0_224.tflite" in fields["MobileNet"]
    assert "SHA-256 ok" in fields["MobileNet"] and "SHA-256 ok" in fields["keypoint models"]
    assert "the JVM was not started" in fields["py5"]
    assert "version" in fields["Java"] or "not found" in fields["Java"]
    assert "nudity" not in out and "retrained_graph" not in out


def test_info_says_when_the_shipped_mobilenet_is_damaged(tmp_path, monkeypatch, capsys):
    from p5knn.features import _weights

    shutil.copy(_weights.FOLDER / _weights.MANIFEST, tmp_path / _weights.MANIFEST)
    (tmp_path / _weights.MODEL_FILE).write_bytes(b"not the model")
    monkeypatch.setattr(_weights, "FOLDER", tmp_path)
    monkeypatch.setattr(_weights, "_verified", {})      # nothing checked yet in this "process"
    code, out, _ = p5knn_command("info", capsys=capsys)
    assert code == 1
    line = next(ln for ln in out.splitlines() if ln.startswith("MobileNet:"))
    assert "DAMAGED OR MISSING" in line and "reinstall p5knn" in line


def test_info_starts_neither_java_nor_tensorflow():
    """py5's JVM is not started (java -version runs instead) and TensorFlow not imported."""
    probe = ("import sys, jpype; from p5knn.tools._cli import main; code = main(['info']); "
             "print('RESULT', code, 'tensorflow' in sys.modules, 'py5' in sys.modules, "
             "jpype.isJVMStarted())")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         timeout=300, env=_quiet_env())
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.splitlines()[-1] == "RESULT 0 False False False", out.stdout
    assert out.stderr == "", out.stderr      # cameras probed quietly, no runtime chatter


def test_every_option_of_every_command_has_help():
    from p5knn.tools._cli import build_parser

    parser = build_parser()
    assert set(parser.commands) == {"demo", "classify", "eval", "add", "predict", "osc", "info"}
    for name, command in [("p5knn", parser), *parser.commands.items()]:
        for action in command._actions:
            if action.dest in ("help", "command"):
                continue
            assert action.help and len(action.help) > 8, (name, action.dest)


def test_an_unexpected_error_is_one_line_with_a_hint(monkeypatch, capsys):
    from p5knn.tools import _cli

    def broken(args):
        raise TypeError("boom")

    monkeypatch.setattr(_cli, "_info", broken)
    monkeypatch.delenv("P5KNN_VERBOSE", raising=False)
    assert _cli.main(["info"]) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("p5knn info: failed unexpectedly (TypeError: boom)") and "--debug" in err
    assert _cli.main(["info", "--debug"]) == 3
    err = capsys.readouterr().err
    assert "Traceback" in err and err.splitlines()[-1].startswith("p5knn info: failed")

    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(_cli, "_info", interrupted)
    assert _cli.main(["info"]) == 130
    assert capsys.readouterr().err == "p5knn info: interrupted\n"


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


# ------------------------------------------------------------------ mistakes (issue 14)

def _quiet_env(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "P5KNN_VERBOSE"}
    return {**env, **extra}


def run_cli(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "p5knn", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=600, env=_quiet_env(**env))


def one_line(out: subprocess.CompletedProcess, command: str) -> str:
    """The single stderr line of a refused command (asserted: one line, no traceback)."""
    assert "Traceback" not in out.stderr, out.stderr
    assert out.stderr.endswith("\n") and out.stderr.count("\n") == 1, out.stderr
    assert out.stderr.startswith(f"p5knn {command}:" if command else "p5knn:"), out.stderr
    return out.stderr.strip()


@pytest.fixture(scope="module")
def mistakes(tmp_path_factory):
    """A folder of things users get wrong: damaged files, folders, an empty classifier."""
    skimage_data = pytest.importorskip("skimage.data")
    import p5knn

    root = tmp_path_factory.mktemp("mistakes")
    cv2.imwrite(str(root / "ok.png"), skimage_data.chelsea()[:, :, ::-1])
    cv2.imwrite(str(root / "coffee.png"), skimage_data.coffee()[:, :, ::-1])
    (root / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n but not really")
    (root / "notes.txt").write_text("not an image")
    (root / "no_images").mkdir()
    (root / "no_images" / "readme.txt").write_text("nothing to see")
    photos = root / "photos"
    for label, name in (("cat", "chelsea"), ("coffee", "coffee")):
        (photos / label).mkdir(parents=True)
        cv2.imwrite(str(photos / label / f"{name}.png"), getattr(skimage_data, name)()[:, :, ::-1])
    (root / "damaged.p5knn").write_bytes(b"P5KNN but damaged \x00\x01")
    (root / "empty.json").write_text('{"dataset": {}, "tensors": []}')
    (root / "broken.tflite").write_bytes(b"not a flatbuffer")
    (root / "broken.keras").write_bytes(b"not a zip")
    vectors = p5knn.knn_classifier.create(metric="euclidean")
    vectors.add_example([0.0, 0.0], "low")
    vectors.add_example([5.0, 5.0], "high")
    vectors.save(root / "vectors.p5knn")
    vectors.close()
    return root


#: (command line, what its one line says); none of them gets as far as starting a model
FAST_MISTAKES = [
    (["predict", "missing.p5knn", "ok.png"], "classifier file not found: missing.p5knn"),
    (["predict", "damaged.p5knn", "ok.png"], "damaged.p5knn: neither a p5knn file nor an ml5"),
    (["predict", "photos", "ok.png"], "photos is a folder; classifier file needed here"),
    (["predict", "ok.png", "vectors.p5knn"],
     "(usage: p5knn predict CLASSIFIER IMAGE_OR_FOLDER …)"),
    (["predict", "empty.json", "ok.png"], "empty.json: the ml5 file holds no examples"),
    (["predict", "vectors.p5knn", "missing.png"], "skipped: image file not found: missing.png"),
    (["predict", "vectors.p5knn", "no_images"], "skipped: no images in folder no_images"),
    (["predict", "vectors.p5knn"], "the following arguments are required: IMAGE_OR_FOLDER"),
    (["predict", "vectors.p5knn", "ok.png", "--k", "0"],
     "argument --k: expected a whole number ≥ 1, got '0'"),
    (["predict", "vectors.p5knn", "ok.png", "--frobnicate"],
     "unrecognized arguments: --frobnicate"),
    (["classify", "missing.png"], "skipped: image file not found: missing.png"),
    (["classify", "ok.png", "--model", "hands"], "--model hands gives keypoints, not classes"),
    (["classify", "ok.png", "--model", "missing.keras"], "--model file not found: missing.keras"),
    (["classify", "ok.png", "--model", "broken.keras"], "--model broken.keras is not a Keras file"),
    (["classify", "ok.png", "--model", "notes.txt"], "unsupported model file notes.txt"),
    (["classify", "ok.png", "--labels", "labels.txt"], "--labels is for a model file"),
    (["classify", "ok.png", "--top", "many"], "argument --top: expected a whole number ≥ 1"),
    (["add", "missing", "--out", "m.p5knn"], "dataset folder not found: missing"),
    (["add", "ok.png", "--out", "m.p5knn"], "ok.png is a file; give a folder with one sub-folder"),
    (["add", "photos/cat", "--out", "m.p5knn"], "needs at least two class folders with images"),
    (["add", "photos", "--out", "photos"], "photos is a folder; give a file name"),
    (["add", "photos"], "the following arguments are required: --out"),
    (["eval", "missing"], "dataset folder not found: missing"),
    (["eval", "photos", "--test-size", "1.5"], "expected a fraction between 0 and 1"),
    (["eval", "photos", "--method", "magic"], "argument --method: invalid choice: 'magic'"),
    (["osc", "--send", "nowhere"], "argument --send: expected HOST:PORT"),
    (["osc", "--features", "--load", "missing.p5knn"], "--load file not found: missing.p5knn"),
    (["osc", "--features", "--load", "damaged.p5knn", "--listen", "127.0.0.1:0"],
     "damaged.p5knn: neither a p5knn file nor an ml5"),
    (["demo", "--load", "missing.p5knn"], "--load file not found: missing.p5knn"),
    (["demo", "--video", "missing.avi"], "--video file not found: missing.avi"),
    (["demo", "--seconds", "-1"], "argument --seconds: expected a number of seconds > 0"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
]


@pytest.mark.parametrize("args, says", FAST_MISTAKES, ids=[" ".join(a) for a, _ in FAST_MISTAKES])
def test_a_mistake_gets_one_line_and_exit_status_2(mistakes, args, says):
    out = run_cli(*args, cwd=mistakes)
    command = args[0] if args[0] != "frobnicate" else ""
    line = one_line(out, command)
    assert says in line, line
    assert out.returncode == 2 and out.stdout == ""


@pytest.mark.slow
@pytest.mark.parametrize("args, says", [
    (["classify", "broken.png"], "skipped: cannot decode image file broken.png"),
    (["classify", "ok.png", "--model", "broken.tflite"],
     "--model broken.tflite: cannot load TFLite model"),
    (["predict", "vectors.p5knn", "ok.png"], "skipped"),   # 2 numbers per example, not 1024
])
def test_a_mistake_found_by_a_model_gets_one_line_too(mistakes, args, says):
    out = run_cli(*args, cwd=mistakes)
    assert says in one_line(out, args[0])
    assert out.returncode == 2 and out.stdout == ""


@pytest.fixture(scope="module")
def photo_classifier(mistakes):
    out = run_cli("add", "photos", "--out", "photos.p5knn", "--k", "1", "--quiet",
                  cwd=mistakes)
    assert out.returncode == 0, out.stderr[-3000:]
    return mistakes / "photos.p5knn"


@pytest.mark.slow
def test_predict_skips_bad_images_with_a_note_and_predicts_the_rest(mistakes, photo_classifier):
    tree = mistakes / "tree"
    (tree / "b" / "deeper").mkdir(parents=True)
    for name in ("b/deeper/z.png", "a.png", "b/c.jpg"):
        (tree / name).write_bytes((mistakes / "ok.png").read_bytes())
    (tree / "b" / "notes.txt").write_text("not an image: left out of a folder")
    out = run_cli("predict", photo_classifier.name, "ok.png", "broken.png", "tree",
                  "missing.png", "no_images", "coffee.png", cwd=mistakes)
    assert out.returncode == 1, out.stderr
    assert "Traceback" not in out.stderr
    answered = [line.split(":")[0] for line in out.stdout.splitlines()]
    assert answered == ["ok.png", "tree/a.png", "tree/b/c.jpg", "tree/b/deeper/z.png",
                        "coffee.png"]                   # folders expand, sorted, images only
    assert "coffee.png: coffee (100%" in out.stdout and "ok.png: cat (100%" in out.stdout
    notes = out.stderr.splitlines()
    assert notes == [
        "p5knn predict: skipped: cannot decode image file broken.png (not an image, or corrupt)",
        "p5knn predict: skipped: image file not found: missing.png",
        ("p5knn predict: skipped: no images in folder no_images (looked for .png, .jpg, .jpeg, "
         ".bmp, .gif, .webp, .tif, .tiff, sub-folders too)"),
        "p5knn predict: 3 of 8 images skipped (see above)"]
    out = run_cli("predict", photo_classifier.name, "broken.png", "coffee.png", "--json",
                  cwd=mistakes)
    assert out.returncode == 1
    assert [row["image"] for row in json.loads(out.stdout)] == ["coffee.png"]


@pytest.mark.slow
def test_classify_expands_folders_and_skips_bad_images(mistakes):
    out = run_cli("classify", "photos", "broken.png", "--top", "1", cwd=mistakes)
    assert out.returncode == 1
    assert [line for line in out.stdout.splitlines() if not line.startswith(" ")] == \
        ["photos/cat/chelsea.png", "photos/coffee/coffee.png"]
    assert out.stderr.splitlines() == [
        ("p5knn classify: skipped: cannot decode image file broken.png (not an image, or "
         "corrupt)"), "p5knn classify: 1 of 3 images skipped (see above)"]


@pytest.mark.slow
def test_add_skips_a_damaged_image_and_saves_the_rest(mistakes, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(mistakes / "photos", data)
    (data / "cat" / "damaged.png").write_bytes(b"\x89PNG\r\n\x1a\n but not really")
    out = run_cli("add", str(data), "--out", "m.p5knn", "--quiet", cwd=tmp_path)
    assert out.returncode == 1, out.stderr
    assert "saved 2 examples of {'cat': 1, 'coffee': 1} to m.p5knn" in out.stdout
    assert out.stderr.splitlines() == [
        (f"p5knn add: skipped: cannot decode image file {data / 'cat' / 'damaged.png'} (not an "
         "image, or corrupt)"), "p5knn add: 1 of 3 images skipped (see above)"]


@pytest.mark.slow
def test_debug_and_p5knn_verbose_show_the_traceback(mistakes):
    for extra, env in ((["--debug"], {}), ([], {"P5KNN_VERBOSE": "1"})):
        out = run_cli("predict", "damaged.p5knn", "ok.png", *extra, cwd=mistakes, **env)
        assert out.returncode == 2
        assert "Traceback (most recent call last)" in out.stderr
        assert out.stderr.splitlines()[-1].startswith("p5knn predict: damaged.p5knn: neither")


@pytest.mark.slow
def test_third_party_chatter_is_hidden_unless_verbose(mistakes):
    out = run_cli("classify", "ok.png", "--top", "1", cwd=mistakes)
    assert out.returncode == 0 and out.stderr == ""
    assert "Egyptian cat" in out.stdout
    out = run_cli("classify", "ok.png", "--top", "1", "--verbose", cwd=mistakes)
    assert out.returncode == 0 and "Egyptian cat" in out.stdout
    assert "INFO: Created TensorFlow Lite XNNPACK delegate" in out.stderr
