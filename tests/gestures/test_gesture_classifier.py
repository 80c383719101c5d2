"""The gesture classifier (issue 13), through the public API: ``p5knn.gesture_classifier``.

Gestures here are mouse-like paths (circles, zigzags, swipes) with noise, drawn at different
places, sizes and speeds; the public gesture data set is measured in
benchmarks/bench_gestures.py.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future

import numpy as np
import pytest

import p5knn
from p5knn import FeatureSizeError, GestureResult, UnknownLabelError

RNG = np.random.default_rng(7)


def circle(n=60, cx=200.0, cy=200.0, r=80.0, noise=2.0, start=0.0):
    t = start + np.linspace(0, 2 * np.pi, n)
    return np.c_[cx + r * np.cos(t), cy + r * np.sin(t)] + RNG.normal(0, noise, (n, 2))


def zigzag(n=60, x0=100.0, y0=300.0, w=200.0, h=60.0, noise=2.0):
    x = np.linspace(x0, x0 + w, n)
    y = y0 + h * np.abs(((np.arange(n) * 4 / n) % 2) - 1)
    return np.c_[x, y] + RNG.normal(0, noise, (n, 2))


def swipe(n=40, x0=500.0, x1=100.0, y=240.0, noise=2.0):
    return np.c_[np.linspace(x0, x1, n), np.full(n, y)] + RNG.normal(0, noise, (n, 2))


def idle(n=30, at=(320.0, 240.0)):
    return np.asarray(at) + RNG.normal(0, 1.0, (n, 2))


def trained(**options) -> p5knn.gesture_classifier.GestureClassifier:
    g = p5knn.gesture_classifier.create(normalize="sequence", **options)
    for i in range(4):
        g.add_gesture(circle(n=55 + 5 * i, cx=150 + 30 * i, r=60 + 15 * i), "circle")
        g.add_gesture(zigzag(n=55 + 5 * i, x0=80 + 20 * i, w=180 + 20 * i), "zigzag")
        g.add_gesture(swipe(n=35 + 5 * i, y=200 + 20 * i), "swipe left")
    return g


# --------------------------------------------------------------------------- whole gestures
def test_classify_whole_gestures_anywhere_any_size_any_speed() -> None:
    g = trained()
    assert len(g) == 12 and g.labels == ["circle", "zigzag", "swipe left"]
    assert g.get_count_by_label() == {"circle": 4, "zigzag": 4, "swipe left": 4}
    cases = [(circle(n=90, cx=400, cy=100, r=150), "circle"),
             (zigzag(n=40, x0=300, w=120, h=40), "zigzag"),
             (swipe(n=70, x0=600, x1=50, y=50), "swipe left")]
    for path, label in cases:
        r = g.classify(path)
        assert isinstance(r, GestureResult)
        assert r.label == label and not r.unknown, (label, r)
        assert r.distance == r.distances[label] == min(r.distances.values())
        assert list(r.distances) == g.labels and r.frames == len(path)
        assert r.confidence > 0 and r.confidences[label] == r.confidence
    r = g.classify(RNG.normal(300, 60, (60, 2)))                   # scribble
    assert r.unknown and r.label == "unknown" and r.distance > r.threshold
    assert g.classify(swipe(x0=100, x1=500)).unknown               # swipe the other way


def test_window_and_threshold_are_learned_or_given() -> None:
    g = trained()
    assert g.window in g.window_scores and g.window_scores[g.window] == max(
        g.window_scores.values())
    assert 0 < g.threshold < float("inf")
    assert set(g.thresholds) == set(g.labels) and g.threshold == max(g.thresholds.values())
    assert g.thresholds["swipe left"] < g.thresholds["circle"]    # tight label, tight threshold
    fixed = trained(window=4, threshold=0.5)
    assert fixed.window == 4 and fixed.threshold == 0.5 and fixed.window_scores == {}
    assert trained(window=0.25).window == 16                       # a fraction of max_length
    one = p5knn.gesture_classifier.create()
    one.add_gesture(circle(), "circle")
    assert one.threshold == float("inf")                           # one gesture: no unknown
    assert one.classify(zigzag()).label == "circle"


def test_normalisations() -> None:
    # "dims": a number's unit does not matter (millimetres or metres: the same distances)
    gestures = [("circle", circle()), ("zigzag", zigzag()), ("circle", circle(r=60))]
    query = circle(n=50, r=70)
    for mode, same in (("dims", True), ("none", False)):
        distances = []
        for unit in (1.0, 1000.0):
            g = p5knn.gesture_classifier.create(normalize=mode, window=3)
            for label, path in gestures:
                g.add_gesture(path * [1.0, unit], label)
            distances.append(g.classify(query * [1.0, unit]).distances)
        assert (distances[0] == pytest.approx(distances[1])) == same, mode
    # "sequence": the same circle anywhere and at any size is at distance ~0
    g = p5knn.gesture_classifier.create(normalize="sequence")
    g.add_gesture(circle(noise=0), "circle")
    g.add_gesture(swipe(noise=0), "swipe")
    assert g.classify(circle(cx=900, cy=-50, r=5, noise=0)).distance < 1e-4   # float32


def test_bad_input_is_refused_and_changes_nothing() -> None:
    g = trained()
    before = g.get_count_by_label()
    for bad, error in (([[1.0, 2.0]], ValueError),                   # one frame
                       (np.full((10, 2), np.nan), ValueError),
                       (np.full((10, 2), 1e39), ValueError),         # beyond float32
                       (np.zeros((10, 3)), FeatureSizeError),        # 3 numbers, not 2
                       ("circle", TypeError), (np.zeros((4, 0)), ValueError),
                       ([[1, 2], [3]], TypeError)):
        with pytest.raises(error):
            g.add_gesture(bad, "x")
        with pytest.raises(error):
            g.classify(bad)
    for label in (True, "", 1.5, None):
        with pytest.raises((TypeError, ValueError)):
            g.add_gesture(circle(), label)
    assert g.get_count_by_label() == before
    for option in ({"window": True}, {"window": -1}, {"threshold": 0}, {"threshold": "big"},
                   {"normalize": "z"}, {"max_length": 1}, {"settle": 0}, {"refractory": -2}):
        with pytest.raises(ValueError):
            p5knn.gesture_classifier.create(**option)
    with pytest.raises(p5knn.EmptyClassifierError):
        p5knn.gesture_classifier.create().classify(circle())


def test_remove_undo_and_clear() -> None:
    g = trained()
    first, label = g.gesture(0)
    assert label == "circle" and first.shape[1] == 2
    assert g.remove_gesture(0) == "circle" and len(g) == 11
    assert g.gesture(0)[1] == "zigzag"                             # later ones moved down
    assert g.undo_last() == "swipe left"                           # the latest added
    with pytest.raises(IndexError):
        g.remove_gesture(99)
    assert g.clear_label("zigzag") == 4
    with pytest.raises(UnknownLabelError):
        g.clear_label("nope")
    assert g.get_count_by_label() == {"circle": 3, "swipe left": 3}
    g.clear_all()
    assert len(g) == 0 and g.undo_last() is None and g.dims is None
    g.add_gesture(np.zeros((5, 7)), 3)                             # new frame size after clear
    assert g.dims == 7 and g.labels == [3]


# ------------------------------------------------------------------------------ streams
def test_a_stream_fires_once_per_gesture_and_never_on_idle() -> None:
    g = trained()
    stream = [idle(40), circle(n=70, cx=320, cy=240, r=100), idle(40), zigzag(n=60),
              idle(40), swipe(n=45), idle(60)]
    fired = []
    for frame in np.concatenate(stream):
        result = g.add_frame(frame)
        if result is not None:
            fired.append(result.label)
    assert fired == ["circle", "zigzag", "swipe left"]
    assert [g.add_frame(f) for f in idle(200)] == [None] * 200


def test_recording_from_the_stream_then_recognising() -> None:
    g = p5knn.gesture_classifier.create(normalize="sequence")
    for label, path in (("circle", circle()), ("swipe", swipe()), ("circle", circle(r=50)),
                        ("swipe", swipe(y=100))):
        g.start_recording(label)
        assert g.is_recording
        for frame in path:
            assert g.add_frame(frame) is None                       # recorded, not matched
        assert isinstance(g.stop_recording(), int)
    assert not g.is_recording and g.get_count_by_label() == {"circle": 2, "swipe": 2}
    g.start_recording("too short")
    g.add_frame((1.0, 2.0))
    assert g.stop_recording() is None and len(g) == 4
    assert g.stop_recording() is None                               # not recording: nothing
    with pytest.raises(FeatureSizeError):
        g.add_frame((1.0, 2.0, 3.0))
    for bad in ((np.nan, 1.0), (1e39, 0.0), ()):
        with pytest.raises(ValueError):
            g.add_frame(bad)


def test_classify_start_reads_a_source_and_calls_back_per_gesture() -> None:
    g = trained(callbacks="worker")
    path = iter(np.concatenate([idle(20), circle(n=60, cx=300, cy=300, r=90), idle(400)]))
    got: list[GestureResult] = []
    done = threading.Event()

    def mouse():
        return next(path, (320.0, 240.0))

    def callback(result):
        got.append(result)
        done.set()

    g.classify_start(mouse, callback, fps=500)
    assert g.is_classifying
    try:
        assert done.wait(30)
    finally:
        g.classify_stop()
    assert not g.is_classifying
    assert [r.label for r in got] == ["circle"] and got[0].frame_time is not None

    pushed: list[str] = []                                          # no source: add_frame
    g.classify_start(None, lambda r: pushed.append(r.label))
    for frame in np.concatenate([idle(20), swipe(n=40), idle(40)]):
        g.add_frame(frame)
    g.classify_stop()
    assert pushed == ["swipe left"]
    g.close()


def test_background_calls_follow_the_live_rule() -> None:
    g = trained(callbacks="worker")
    done = threading.Event()
    labels: list[str] = []
    future = g.classify(circle(), callback=lambda r: (labels.append(r.label), done.set()))
    assert isinstance(future, Future) and done.wait(30) and labels == ["circle"]
    index = g.add_gesture(circle(), "circle", wait=False).result(30)
    assert index == 12 and g.classify(circle(), wait=True).label == "circle"
    g.close()


# -------------------------------------------------------------------------------- files
def test_save_and_load_keep_everything(tmp_path) -> None:
    g = trained(window=3, max_length=24)
    path = g.save(tmp_path / "moves.p5gestures")
    again = p5knn.gesture_classifier.load(path)
    assert again.get_count_by_label() == g.get_count_by_label()
    assert again.window == 3 and again.max_length == 24 and again.normalize == "sequence"
    query = circle(n=80, r=120)
    assert again.classify(query).distance == pytest.approx(g.classify(query).distance)
    for i in range(len(g)):
        a, b = g.gesture(i), again.gesture(i)
        assert a[1] == b[1] and np.array_equal(a[0], b[0])
    with pytest.raises(p5knn.FileKindError):                        # not a KNN file
        p5knn.knn_classifier.load(path)
    knn = p5knn.knn_classifier.create()
    knn.add_example([1.0, 0.0], "a")
    with pytest.raises(p5knn.CorruptFileError):
        again.load(knn.save(tmp_path / "knn.p5knn"))
    assert again.get_count_by_label() == g.get_count_by_label()     # unchanged


def test_damaged_and_hostile_files_change_nothing(tmp_path) -> None:
    import json
    import os

    g = trained()
    good = g.save(tmp_path / "good.p5gestures").read_text()
    data = json.loads(good)
    target = trained()
    counts = target.get_count_by_label()

    def write(name, text):
        p = tmp_path / name
        p.write_text(text)
        return p

    def resealed(change):
        d = json.loads(good)
        change(d)
        from hashlib import sha256

        body = {k: d[k] for k in ("format", "version", "p5knn", "model", "dims", "options",
                                  "labels", "gestures")}
        d["sha256"] = sha256(json.dumps(body, separators=(",", ":"), sort_keys=True)
                             .encode()).hexdigest()
        return json.dumps(d)

    cases = {
        "truncated": good[: len(good) // 2],
        "edited": good.replace('"circle"', '"circles"', 1),
        "empty": "",
        "deep": "[" * 10000 + "]" * 10000,
        "nan": resealed(lambda d: d["gestures"][0]["frames"][0].__setitem__(0, float("nan")))
        .replace("NaN", "NaN"),
        "huge": resealed(lambda d: d["gestures"][0]["frames"][0].__setitem__(0, 10 ** 400)),
        "label index": resealed(lambda d: d["gestures"][0].__setitem__("label", 99)),
        "dims": resealed(lambda d: d.__setitem__("dims", 3)),
        "duplicate label": resealed(lambda d: d["labels"].__setitem__(1, "circle")),
        "bool label": resealed(lambda d: d["labels"].__setitem__(0, True)),
        "window": resealed(lambda d: d["options"].__setitem__("window", -5)),
        "text frame": resealed(lambda d: d["gestures"][0]["frames"][0].__setitem__(0, "1")),
        "extra field": resealed(lambda d: d.__setitem__("x", 1)),
        "version": resealed(lambda d: d.__setitem__("version", 2)),
        "one frame": resealed(lambda d: d["gestures"][0].__setitem__(
            "frames", d["gestures"][0]["frames"][:1])),
    }
    assert data["format"] == "p5knn-gestures"
    for name, text in cases.items():
        with pytest.raises(p5knn.CorruptFileError):
            target.load(write(name.replace(" ", "_") + ".p5gestures", text))
        assert target.get_count_by_label() == counts, name
    with pytest.raises(p5knn.CorruptFileError):
        target.load(tmp_path)                                       # a folder
    fifo = tmp_path / "pipe.p5gestures"
    os.mkfifo(fifo)
    with pytest.raises(p5knn.CorruptFileError):                     # never blocks
        target.load(fifo)
    with pytest.raises(FileNotFoundError):
        target.load(tmp_path / "missing.p5gestures")
    with pytest.raises(p5knn.FileKindError):
        g.save(tmp_path)                                            # a folder is refused
    assert target.get_count_by_label() == counts


def test_gestures_of_hand_keypoints_from_images() -> None:
    from pathlib import Path

    import cv2

    photo = Path("/usr/share/doc/opencv-doc/examples/data/right04.jpg")
    if not photo.exists():
        pytest.skip("Debian opencv-doc is not installed")
    rgb = cv2.cvtColor(cv2.imread(str(photo)), cv2.COLOR_BGR2RGB)

    def moving(dx):    # the hand photo sliding sideways: a "swipe" of a real hand
        frames = []
        for i in range(12):
            m = np.float32([[1, 0, dx * (i - 6)], [0, 1, 0]])
            frames.append(cv2.warpAffine(rgb, m, (rgb.shape[1], rgb.shape[0]),
                                         borderMode=cv2.BORDER_REPLICATE))
        return frames

    g = p5knn.gesture_classifier.create("hands", normalize="none", num_hands=1)   # "both"
    assert g.extractor.name == "hands"
    g.add_gesture(moving(12), "right")
    g.add_gesture(moving(-12), "left")
    assert g.dims == 129 + 2                  # the keypoint vector, then where the hand is
    assert g.classify(moving(10)).label == "right"
    assert g.classify(moving(-14)).label == "left"
    where = p5knn.gesture_classifier.create(g.extractor, keypoints="position")
    assert where.image_vector(np.zeros_like(rgb)).tolist() == [0.5, 0.5]   # nobody yet: centre
    seen = where.image_vector(rgb)
    assert seen.shape == (2,) and 0.5 < seen[0] < 0.9
    assert np.array_equal(where.image_vector(np.zeros_like(rgb)), seen)     # lost: held
    frames = iter(moving(3) * 20)                  # a function source of images is a stream
    runs = g.extractor.detector_runs
    got = threading.Event()
    counted = []

    def frame():
        counted.append(1)
        if len(counted) >= 20:
            got.set()
        return next(frames)

    where.classify_start(frame, lambda r: None, fps=200)
    try:
        assert got.wait(60)
    finally:
        where.classify_stop()
    assert g.extractor.detector_runs - runs <= 3, "frames of a function source are tracked"
    shape = p5knn.gesture_classifier.create(g.extractor, keypoints="shape")
    assert shape.image_vector(rgb).shape == (129,)
    with pytest.raises(ValueError):
        p5knn.gesture_classifier.create(keypoints="hands")
    g.close()
    g.extractor.close()


def test_fuzzed_files_raise_only_clean_errors(tmp_path) -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    g = p5knn.gesture_classifier.create(normalize="sequence")
    g.add_gesture(circle(n=8), "circle")
    g.add_gesture(swipe(n=6), "swipe")
    good = g.save(tmp_path / "seed.p5gestures").read_bytes()
    target = trained()
    counts = target.get_count_by_label()
    path = tmp_path / "fuzz.p5gestures"

    @settings(max_examples=150, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.lists(st.tuples(st.integers(0, len(good) - 1), st.integers(0, 255)),
                    min_size=1, max_size=6), st.integers(0, len(good)))
    def mutate(edits, cut) -> None:
        data = bytearray(good)
        for at, value in edits:
            data[at] = value
        path.write_bytes(bytes(data[:cut]) if cut < len(good) // 3 else bytes(data))
        try:
            target.load(path)
        except p5knn.CorruptFileError:
            pass
        assert target.get_count_by_label() in (counts, g.get_count_by_label())

    mutate()
