"""Steady outputs (p5knn/live/_steady.py, issue 13): majority over the last N answers, a
minimum of stable updates before the label changes, a timeout to unknown, send on change —
pure logic with the time passed in; then ``classify_start(..., steady=)`` for KNN and
gestures (behaviour only: waits on events, never on timings)."""

from __future__ import annotations

import queue
import threading

import numpy as np
import pytest

import p5knn
from p5knn import Classification, GestureResult, KNNResult, Steady

from helpers import slow_extractor, wait_until

LABELS = ["cat", "cup", "dog"]


def knn_result(label, unknown=False, frame_time=None) -> KNNResult:
    conf = {name: (0.8 if name == label else 0.1) for name in LABELS}
    return KNNResult(label="?" if unknown else label,
                     class_index=-1 if unknown else LABELS.index(label),
                     confidences=conf, unknown=unknown, frame_time=frame_time,
                     distance=0.25, similarity=0.75, k=3)


def feed(steady: Steady, labels, start: float = 0.0, step: float = 0.1) -> list:
    """Each label in turn (``None``: a raw unknown), ``step`` seconds apart; the outputs."""
    out = []
    for i, label in enumerate(labels):
        r = steady.update(knn_result(label, unknown=label is None), now=start + i * step)
        out.append(None if r is None else r.label)
    return out


def test_off_by_default_passes_every_answer_through_unchanged():
    steady = Steady()
    for label in ["cat", "cup", "cat", "dog"]:
        r = knn_result(label)
        assert steady.update(r, now=0.0) is r
    assert steady.tick(now=1e9) is None            # no timeout: nothing ever expires
    assert steady.changes == 4 and steady.updates == 4


def test_majority_over_the_last_n_with_ties_to_the_most_recent():
    steady = Steady(majority=3)
    assert feed(steady, ["cat", "cup", "cat", "cup", "cup", "dog", "dog", "cat"]) == \
        ["cat", "cup", "cat", "cup", "cup", "cup", "dog", "dog"]
    # window [cat, cup] is a 1-1 tie: the most recent (cup) wins; [cup, dog, dog] → dog
    even = Steady(majority=4)
    assert feed(even, ["cat", "cat", "cup", "cup", "cat"]) == \
        ["cat", "cat", "cat", "cup", "cat"]       # 2-2 ties go to the later of the two


def test_min_stable_holds_the_label_until_the_new_one_lasts():
    steady = Steady(min_stable=3)
    out = feed(steady, ["cat", "cat", "cat", "cup", "cat", "cup", "cup", "cup", "dog"])
    assert out == ["unknown", "unknown", "cat", "cat", "cat", "cat", "cat", "cup", "cup"]
    assert steady.changes == 2 and steady.label == "cup" and steady.raw_label == "dog"


def test_majority_and_min_stable_together_on_a_flickering_stream():
    raw = ["cat"] * 6 + ["cup", "cat", "cup", "cup", "cat", "cup", "cup", "cup"]
    out = feed(Steady(majority=3, min_stable=2), raw)
    assert out == ["unknown"] + ["cat"] * 8 + ["cup"] * 5     # raw: 6 changes, here 1 + 1


def test_result_fields_after_filtering():
    steady = Steady(min_stable=2)
    steady.update(knn_result("cat"), now=0)
    held = steady.update(knn_result("cat", frame_time=1.0), now=1)
    out = steady.update(knn_result("cup", frame_time=2.0), now=2)   # raw cup, steady cat
    assert isinstance(out, KNNResult)
    assert (out.label, out.class_index, out.unknown) == ("cat", 0, False)
    assert out.confidence == pytest.approx(0.1)     # this frame's confidence in "cat"
    assert out.confidences == knn_result("cup").confidences      # the raw frame's evidence
    assert out.frame_time == 2.0 and out.distance == 0.25 and out.k == 3
    assert held.label == "cat" and held.frame_time == 1.0
    first = Steady(min_stable=2).update(knn_result("dog"), now=0)    # nothing holds yet
    assert (first.label, first.class_index, first.unknown, first.confidence) == \
        ("unknown", -1, True, 0.0)


def test_raw_unknown_answers_count_as_the_steady_unknown_label():
    steady = Steady(majority=3, unknown_label="nobody")
    out = feed(steady, ["cat", "cat", None, None, "cat"])
    assert out == ["cat", "cat", "cat", "nobody", "nobody"]
    r = steady.update(knn_result("cat", unknown=True), now=9)
    assert (r.label, r.unknown, r.class_index) == ("nobody", True, -1)


def test_timeout_to_unknown_by_tick_once_and_then_a_fresh_start():
    steady = Steady(min_stable=2, timeout=1.0)
    assert feed(steady, ["cat", "cat"]) == ["unknown", "cat"]       # at 0.0 and 0.1
    assert not steady.timed_out(now=1.0)
    assert steady.tick(now=1.0) is None
    assert steady.timed_out(now=1.1)
    gone = steady.tick(now=1.1)
    assert (gone.label, gone.unknown, gone.class_index) == ("unknown", True, -1)
    assert gone.frame_time is None and gone.confidences == knn_result("cat").confidences
    assert steady.tick(now=5.0) is None and not steady.timed_out(now=5.0)   # once
    # votes seen before the silence are forgotten: "cat" must hold min_stable again
    assert feed(steady, ["cat", "cat"], start=6.0) == ["unknown", "cat"]


def test_timeout_with_only_unknown_answers_and_stale_votes():
    steady = Steady(majority=5, timeout=1.0)
    assert feed(steady, ["cat", "cat", "cat", None, None, None], step=0.4) == \
        ["cat"] * 5 + ["unknown"]
    # (at 2.0 s the last known answer is 1.2 s old: unknown, although "cat" has 3 votes of 5)
    late = Steady(min_stable=3, timeout=1.0)
    feed(late, ["cat", "cat"])
    # no tick for 5 s, then one answer: the old streak of 2 does not make it 3
    assert late.update(knn_result("cat"), now=5.0).label == "unknown"


def test_on_change_sends_only_changes_and_the_timeout():
    steady = Steady(on_change=True, timeout=1.0)
    assert feed(steady, ["cat", "cat", "cup", "cup", "cup", "cat"]) == \
        ["cat", None, "cup", None, None, "cat"]
    assert steady.tick(now=1.6).label == "unknown"
    assert steady.tick(now=2.0) is None
    assert feed(steady, ["cat", "cat"], start=3.0) == ["cat", None]
    steady.reset()
    assert feed(steady, ["cat"]) == ["cat"]                  # after reset: sent again
    first = Steady(on_change=True, min_stable=2)
    assert feed(first, ["cat", "cat", "cat"]) == ["unknown", "cat", None]


def test_gesture_results_and_plain_classifications():
    steady = Steady(timeout=2.0, on_change=True)
    circle = GestureResult(label="circle", distance=1.0, distances={"circle": 1.0},
                           threshold=4.0, frames=20, frame_time=0.0)
    out = steady.update(circle, now=0.0)
    assert out is circle
    assert steady.update(circle, now=1.0) is None            # the same gesture, not resent
    gone = steady.tick(now=3.0)
    assert isinstance(gone, GestureResult)
    assert (gone.label, gone.unknown, gone.confidence, gone.distance) == \
        ("unknown", True, 0.0, 1.0)
    plain = Classification(label="a", class_index=0, confidences={"a": 1.0, "b": 0.0})
    other = Classification(label="b", class_index=1, confidences={"a": 0.4, "b": 0.6})
    s = Steady(min_stable=2)
    s.update(plain, now=0), s.update(plain, now=0)
    assert s.update(other, now=0).class_index == 0            # "a" holds with its index


def test_bad_options_and_inputs_are_refused():
    for bad in ({"majority": 0}, {"min_stable": 1.5}, {"timeout": 0}, {"timeout": True},
                {"timeout": float("inf")}, {"majority": True}):
        with pytest.raises(ValueError):
            Steady(**bad)
    for bad in ({"on_change": "yes"}, {"unknown_label": None}, {"unknown_label": True}):
        with pytest.raises(TypeError):
            Steady(**bad)
    with pytest.raises(TypeError, match="classification"):
        Steady().update(p5knn.RegressionResult(value=1.0))
    with pytest.raises(TypeError, match="classification"):
        Steady().update("cat")
    assert Steady.from_option(None) is None
    s = Steady(majority=3)
    assert Steady.from_option(s) is s
    made = Steady.from_option({"majority": 5, "timeout": 1}, unknown_label="?")
    assert (made.majority, made.timeout, made.unknown_label) == (5, 1.0, "?")
    with pytest.raises(TypeError, match="steady option"):
        Steady.from_option({"majority": 5, "smooth": True})
    with pytest.raises(TypeError, match="steady must be"):
        Steady.from_option(5)


def test_thread_safe_under_concurrent_updates_and_ticks():
    steady = Steady(majority=5, min_stable=2, timeout=0.5)
    errors = []

    def hammer(seed):
        rng = np.random.default_rng(seed)
        try:
            for i in range(2000):
                if i % 7 == 0:
                    steady.tick(now=float(rng.uniform(0, 100)))
                else:
                    steady.update(knn_result(LABELS[rng.integers(3)]),
                                  now=float(rng.uniform(0, 100)))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=hammer, args=(s,)) for s in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and steady.updates == 4 * (2000 - 2000 // 7 - 1)


# ---------------------------------------------------------------- classify_start

def test_knn_classify_start_with_steady_holds_labels_and_sends_changes():
    knn = p5knn.knn_classifier.create(k=1, metric="euclidean", min_similarity=0.5)
    knn.add_example([0.0, 0.0], "left")
    knn.add_example([10.0, 0.0], "right")
    frames = iter([[0.1, 0]] * 3 + [[9.9, 0]] + [[0.2, 0]] * 2 + [[10.0, 0]] * 4)
    far = [500.0, 500.0]                              # nothing near: unknown answers
    results: queue.Queue = queue.Queue()
    knn.classify_start(lambda: next(frames, far), results.put,
                       steady={"min_stable": 3, "on_change": True})
    got = [results.get(timeout=60) for _ in range(4)]
    knn.classify_stop()
    # unknown until "left" held 3 updates; the lone "right" never shows; then "right"; then
    # the far frames' unknown answers, under the classifier's own unknown label
    assert [r.label for r in got] == ["unknown", "left", "right", "unknown"]
    assert [r.unknown for r in got] == [True, False, False, True]
    assert [r.class_index for r in got] == [-1, 0, 1, -1]
    assert all(r.frame_time is not None for r in got)
    knn.close()


class PluggableCamera:
    """A ``read()`` source of one bright frame that can be unplugged and plugged back."""

    def __init__(self) -> None:
        self.plugged = True

    def read(self):
        if not self.plugged:
            return False, None
        return True, np.full((120, 160, 3), 220, np.uint8)


def next_with(results: queue.Queue, label) -> object:
    """The next result labelled ``label`` (a busy machine may time out in between)."""
    while True:
        r = results.get(timeout=60)
        if r.label == label:
            return r


def test_knn_classify_start_steady_times_out_when_the_camera_stops():
    source = PluggableCamera()
    ex = slow_extractor(0.0)
    knn = p5knn.knn_classifier.create(ex, k=1)
    knn.add_example(np.zeros((120, 160, 3), np.uint8), "dark")
    knn.add_example(np.full((120, 160, 3), 255, np.uint8), "bright")
    steady = Steady(timeout=0.3, on_change=True, unknown_label="nothing")
    results: queue.Queue = queue.Queue()
    with p5knn.Camera(source=source, width=160, height=120, fps=60, retry_seconds=0.05,
                      quiet=True) as cam:
        knn.classify_start(cam, results.put, steady=steady)
        assert results.get(timeout=60).label == "bright"
        source.plugged = False                        # no more frames: no more answers
        gone = next_with(results, "nothing")
        assert gone.unknown and gone.class_index == -1 and steady.unknown
        source.plugged = True
        assert next_with(results, "bright").unknown is False
        knn.classify_stop()
    ex.close()


def test_knn_classify_start_without_steady_is_unchanged_and_bad_steady_is_refused():
    knn = p5knn.knn_classifier.create(k=1)
    knn.add_example([1.0, 0.0], "a")
    results = []
    knn.classify_start(lambda: [1.0, 0.1], results.append)
    assert wait_until(lambda: len(results) >= 3, 60)
    knn.classify_stop()
    assert all(type(r) is KNNResult and r.label == "a" for r in results)
    with pytest.raises(TypeError, match="steady"):
        knn.classify_start(lambda: [1.0, 0.1], results.append, steady=3)
    with pytest.raises(ValueError, match="majority"):
        knn.classify_start(lambda: [1.0, 0.1], results.append, steady={"majority": -1})
    assert not knn.is_classifying
    knn.close()


RNG = np.random.default_rng(5)


def circle(n: int = 60, r: float = 80.0) -> np.ndarray:
    t = np.linspace(0, 2 * np.pi, n)
    return np.c_[200 + r * np.cos(t), 200 + r * np.sin(t)] + RNG.normal(0, 2.0, (n, 2))


def zigzag(n: int = 60, w: float = 200.0) -> np.ndarray:
    x = np.linspace(100, 100 + w, n)
    y = 300 + 60 * np.abs(((np.arange(n) * 4 / n) % 2) - 1)
    return np.c_[x, y] + RNG.normal(0, 2.0, (n, 2))


def idle(n: int = 40) -> np.ndarray:
    return np.array([320.0, 240.0]) + RNG.normal(0, 1.0, (n, 2))


def test_gesture_classify_start_steady_on_change_and_timeout_to_unknown():
    g = p5knn.gesture_classifier.create(normalize="sequence")
    for i in range(4):
        g.add_gesture(circle(55 + 5 * i, 60 + 15 * i), "circle")
        g.add_gesture(zigzag(55 + 5 * i, 180 + 20 * i), "zigzag")

    def perform(path):
        found = [g.add_frame(frame) for frame in np.concatenate([idle(), path, idle()])]
        return [r.label for r in found if r is not None]     # add_frame: the raw answers

    results: queue.Queue = queue.Queue()
    g.classify_start(None, results.put, steady={"on_change": True})
    assert perform(circle(70, 100)) == ["circle"] and perform(circle(65, 90)) == ["circle"]
    assert perform(zigzag()) == ["zigzag"]
    assert [results.get(timeout=10).label for _ in range(2)] == ["circle", "zigzag"]
    assert results.empty()                          # the second circle was no change

    steady = Steady(timeout=0.05)
    g.classify_start(None, results.put, steady=steady)
    assert steady.unknown_label == "unknown"
    assert perform(circle(70, 100)) == ["circle"]
    assert results.get(timeout=10).label == "circle"
    # each frame (here: the hand at rest) checks the timeout, until it has expired
    assert wait_until(lambda: g.add_frame((320.0, 240.0)) is None and not results.empty(), 60)
    gone = results.get_nowait()
    assert (gone.label, gone.unknown, gone.confidence) == ("unknown", True, 0.0)
    g.classify_stop()
    g.close()
