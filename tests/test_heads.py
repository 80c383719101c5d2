"""Trained heads on MobileNet features (ml5 featureExtractor parity) and fine-tuning."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import p5knn


@pytest.fixture(scope="module")
def views():
    """Camera-like views of three real photos (the demo source), several per photo."""
    demo = p5knn.DemoSource(seed=1)
    out = {}
    for name in ("chelsea", "rocket", "coffee"):
        x, y = demo.photo_position(name)
        frames = []
        for i in range(6):
            demo.pointer = lambda x=x, y=y, i=i: (min(max(x + 0.04 * (i - 3), 0), 1), y)
            frames.append(np.ascontiguousarray(demo.read()[1][:, :, ::-1]))
        out[name] = frames
    return out


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
    assert answer[0].label == "chelsea" and answer[0].confidence > 0.5
    assert [a.label for a in answer] == sorted(head.labels, key=lambda l: -dict(answer)[l])
    assert abs(sum(c for _, c in answer) - 1) < 1e-5
    assert head.classify(photos["rocket"], callback=lambda r: None).result(10)[0].label == "rocket"
    head.close()


def test_head_save_and_load_round_trip(mobilenet, views, photos, tmp_path):
    head = mobilenet.classification(epochs=10)
    for name, frames in views.items():
        head.add_image(frames[0], name)
        head.add_image(frames[1], name)
    head.train(wait=True)
    path = head.save(tmp_path / "head.keras")
    loaded = mobilenet.classification().load(path)
    assert loaded.labels == head.labels and loaded.losses == head.losses
    np.testing.assert_allclose([c for _, c in loaded.classify(photos["coffee"])],
                               [c for _, c in head.classify(photos["coffee"])], rtol=1e-5)
    import keras

    assert keras.models.load_model(path, compile=False).output_shape == (None, 3)
    with pytest.raises(p5knn.CorruptFileError, match="regression"):
        mobilenet.regression().load(path)
    junk = tmp_path / "junk.keras"
    junk.write_bytes(b"nope")
    with pytest.raises(p5knn.CorruptFileError):
        mobilenet.classification().load(junk)
    with pytest.raises(ValueError, match=".keras"):
        head.save(tmp_path / "head.h5")


def test_regression_head_with_vector_targets(mobilenet, views, photos):
    head = mobilenet.regression(epochs=80)
    targets = {"chelsea": [0.0, 1.0], "rocket": [1.0, 0.0], "coffee": [0.5, 0.5]}
    for name, frames in views.items():
        for frame in frames[:3]:
            head.add_image(frame, targets[name])
    head.train(wait=True)
    value = head.predict(photos["rocket"])
    assert value.shape == (2,)
    assert value[0] > value[1]  # closer to the rocket's target than to the cat's
    scalar = mobilenet.regression(epochs=40)
    for name, frames in views.items():
        scalar.add_image(frames[0], {"chelsea": 0, "rocket": 1, "coffee": 0.5}[name])
    scalar.train(wait=True)
    assert isinstance(scalar.predict(photos["chelsea"]), float)


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


def test_fine_tune_returns_an_extractor_with_your_labels(mobilenet, views, photos):
    data = {name: frames[:4] for name, frames in views.items()}
    seen = []
    tuned = mobilenet.fine_tune(data, unfreeze_last=2, epochs=1, head_epochs=2,
                                callback=lambda e, l, a: seen.append(e))
    assert seen == [1, 2, 3]
    assert tuned.feature_size == 1024 and tuned.name.startswith("mobilenet-finetuned")
    top = tuned.classify(photos["rocket"], top_k=3)
    assert {t.class_name for t in top} == {"chelsea", "rocket", "coffee"}
    knn = p5knn.knn_classifier.create(tuned, k=1)
    knn.add_example(photos["chelsea"], "cat")
    knn.add_example(photos["rocket"], "rocket")
    assert knn.predict_class(photos["cat"]).label == "cat"
    with pytest.raises(ValueError, match="images but"):
        mobilenet.fine_tune([photos["cat"]], labels=["a", "b"])
