"""The classification head on MobileNet features (ml5 ``featureExtractor.classification()``):
trains in the background, answers with every label's confidence in class order."""

from __future__ import annotations

import threading
from concurrent.futures import Future

import pytest

import p5knn
from p5knn import Classification


@pytest.mark.slow
def test_classification_head_trains_in_the_background_and_classifies(mobilenet, views, photos):
    head = mobilenet.classification(epochs=15)
    for name, frames in views.items():
        for frame in frames:
            head.add_image(frame, name)
    epochs, done, threads = [], threading.Event(), set()

    def on_loss(epoch, loss):
        epochs.append((epoch, loss))
        threads.add(threading.current_thread().name)

    future = head.train(callback=on_loss, done=lambda h: done.set())
    losses = future.result(timeout=120)
    assert done.wait(10)
    assert [e for e, _ in epochs] == list(range(1, 16)) and len(losses) == 15
    assert losses[-1] < losses[0]
    assert threads == {"p5knn-train"}  # no sketch: callbacks on the training thread
    answer = head.classify(photos["chelsea"])
    assert answer.label == "chelsea" and answer.confidence > 0.5
    assert [label for label, _ in answer.top()] == sorted(
        head.labels, key=lambda label: -answer.confidences[label])
    assert abs(sum(answer.confidences.values()) - 1) < 1e-5
    assert head.classify(photos["rocket"], callback=lambda r: None).result(10).label == "rocket"
    head.close()


@pytest.mark.slow
def test_the_answer_lists_every_label_in_class_order(mobilenet, vectors):
    head = mobilenet.classification(epochs=20, hidden_units=16)
    for which, label in enumerate(["b", 7, "a"]):
        for row in vectors(which, 3):
            head.add_image(row, label)
    head.train(wait=True)
    assert head.labels == ["b", 7, "a"]            # order of first addition
    for which, label in enumerate(head.labels):
        result = head.classify(vectors(which)[0])
        assert isinstance(result, Classification) and not result.unknown
        assert list(result.confidences) == ["b", 7, "a"]
        assert result.label == label and result.class_index == which
        assert result.confidence == max(result.confidences.values())
    future = head.classify(vectors(2)[0], wait=False)
    assert isinstance(future, Future) and future.result(30).label == "a"


def test_labels_are_checked_when_added(mobilenet, vectors):
    head = mobilenet.classification()
    for bad in ("", 1.5, True, None, [1, 2]):
        with pytest.raises((TypeError, ValueError)):
            head.add_image(vectors(0)[0], bad)
    assert len(head) == 0 and head.labels == []
    assert isinstance(head, p5knn.HeadClassifier)
