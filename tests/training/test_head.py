"""What every head shares: adding examples by p5knn's one rule (now, or a Future at once, in
order, never dropped), training now or in the background after the adds queued before it,
``is_training`` / ``is_trained``, progress and ``done`` callbacks, errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from concurrent.futures import Future
from pathlib import Path

import pytest

import p5knn


@pytest.fixture
def blocked_worker(mobilenet):
    """Hold the extractor's worker busy until ``release()``: background adds queue up."""
    gate, started = threading.Event(), threading.Event()

    def hold() -> None:
        started.set()
        assert gate.wait(60)

    mobilenet.worker.submit(hold)
    assert started.wait(30)
    yield gate.set
    gate.set()


def test_head_errors(mobilenet, views):
    head = mobilenet.classification()
    with pytest.raises(p5knn.EmptyClassifierError, match="add_image"):
        head.train()
    head.add_image(views["chelsea"][0], "cat")
    with pytest.raises(ValueError, match="two labels"):
        head.train()
    with pytest.raises(p5knn.EmptyClassifierError, match="not trained"):
        head.classify(views["chelsea"][0])
    with pytest.raises(p5knn.FeatureSizeError):
        head.add_image([1.0, 2.0], "short")
    with pytest.raises(TypeError):
        mobilenet.regression().add_image(views["chelsea"][0], "cat")
    with pytest.raises(ValueError):
        mobilenet.classification(epochs=0)
    with pytest.raises(ValueError, match="learning_rate"):
        mobilenet.classification(learning_rate=0)
    with pytest.raises(ValueError, match="callbacks"):
        mobilenet.classification(callbacks="soon")
    assert not head.is_trained and not head.is_training and head.model is None


def test_add_image_runs_now_unless_a_callback_asks_for_the_background(mobilenet, vectors):
    head = mobilenet.classification()
    assert head.add_image(vectors(0)[0], "a") == 0                        # now: the index
    assert head.add_image(vectors(1)[0], "b", wait=True) == 1
    future = head.add_image(vectors(0)[0], "a", wait=False)              # always a Future
    assert isinstance(future, Future) and future.result(30) == 2
    stored, done = [], threading.Event()
    future = head.add_image(vectors(1)[0], "b",
                            callback=lambda i: (stored.append(i), done.set()))
    assert future.result(30) == 3 and done.wait(30) and stored == [3]
    assert len(head) == 4


def test_background_adds_keep_their_order_and_errors_go_to_on_error(mobilenet, vectors,
                                                                     blocked_worker):
    head = mobilenet.classification()
    futures = [head.add_image(row, i, wait=False) for i, row in enumerate(vectors(0, 5))]
    assert len(head) == 0                          # nothing stored while the worker is busy
    blocked_worker()
    assert [f.result(30) for f in futures] == [0, 1, 2, 3, 4]      # in call order, all kept
    assert len(head) == 5
    errors, seen = [], threading.Event()
    bad = head.add_image([1.0, 2.0], "short", on_error=lambda e: (errors.append(e), seen.set()))
    with pytest.raises(p5knn.FeatureSizeError):
        bad.result(30)
    assert seen.wait(30) and isinstance(errors[0], p5knn.FeatureSizeError)
    assert len(head) == 5


@pytest.mark.slow
def test_train_runs_now_and_returns_the_losses(mobilenet, vectors):
    head = mobilenet.classification(epochs=3, hidden_units=8)
    for which, label in enumerate(["a", "b"]):
        for row in vectors(which, 3):
            head.add_image(row, label)
    seen, threads = [], set()

    def on_loss(epoch, loss):
        seen.append(epoch)
        threads.add(threading.current_thread())

    losses = head.train(while_training=on_loss, wait=True)
    assert isinstance(losses, list) and len(losses) == 3 and losses == head.losses
    assert seen == [1, 2, 3] and threads == {threading.current_thread()}
    assert head.is_trained and not head.is_training and head.model is not None
    assert head.classify(vectors(1)[0]).label == "b"


@pytest.mark.slow
def test_training_in_the_background_waits_for_the_adds_queued_before_it(
        mobilenet, vectors, blocked_worker):
    head = mobilenet.classification(epochs=2, hidden_units=8)
    for which, label in enumerate(["a", "b", "c"]):
        for row in vectors(which, 2):
            head.add_image(row, label, wait=False)
    future = head.train(wait=False)            # nothing stored yet: checked when the adds land
    assert head.is_training
    blocked_worker()
    assert len(future.result(120)) == 2
    assert len(head) == 6 and head.labels == ["a", "b", "c"]


@pytest.mark.slow
def test_is_training_until_done(mobilenet, vectors):
    head = mobilenet.classification(epochs=2, hidden_units=8)
    for which, label in enumerate(["a", "b"]):
        for row in vectors(which, 2):
            head.add_image(row, label)
    in_epoch, go_on, finished = threading.Event(), threading.Event(), threading.Event()
    done_with = []

    def on_loss(epoch, loss):              # no sketch: runs on the training thread
        in_epoch.set()
        assert go_on.wait(60)

    future = head.train(callback=on_loss, done=lambda h: (done_with.append(h), finished.set()))
    assert isinstance(future, Future)
    assert in_epoch.wait(120)
    assert head.is_training and not head.is_trained
    go_on.set()
    assert future.result(120) == head.losses and finished.wait(30)
    assert done_with == [head] and head.is_trained and not head.is_training
    head.close()


def test_errors_while_training_in_the_background_go_to_on_error(mobilenet, vectors,
                                                                 blocked_worker):
    head = mobilenet.classification(epochs=1)
    for row in vectors(0, 2):
        head.add_image(row, "only", wait=False)
    errors, seen = [], threading.Event()
    future = head.train(on_error=lambda e: (errors.append(e), seen.set()))
    blocked_worker()
    with pytest.raises(ValueError, match="two labels"):
        future.result(120)
    assert seen.wait(30) and isinstance(errors[0], ValueError) and not head.is_training


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("DISPLAY"), reason="py5 needs an X display: xvfb-run")
def test_a_sketch_teaches_a_head_from_draw_without_asking_for_the_background():
    script = Path(__file__).parent / "head_sketch.py"
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    state = json.loads(out.stdout.strip().splitlines()[-1])
    assert state["add_returns"] == ["Future"] * 10      # from draw(): at once, no callback=
    assert state["train_returns"] == "Future"
    assert state["examples"] == 10 and state["labels"] == ["blue", "red"]  # every add kept
    assert state["loss_epochs"] == [1, 2, 3] and state["done"]
    assert state["answers"] == ["red", "blue", "red", "blue"]
    assert all(state["callbacks_on_draw_thread"])       # callbacks ran on the animation thread
    assert len(state["callbacks_on_draw_thread"]) == 3 + 1 + 4
