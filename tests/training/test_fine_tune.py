"""Fine-tuning MobileNet on your images: a new extractor that answers with your labels and
whose features work everywhere (Keras training and conversion: slow)."""

from __future__ import annotations

import cv2
import pytest
from helpers import slow_extractor

import p5knn


@pytest.mark.slow
def test_fine_tune_returns_an_extractor_with_your_labels(mobilenet, views, photos):
    data = {name: frames[:4] for name, frames in views.items()}
    seen = []
    tuned = mobilenet.fine_tune(data, unfreeze_last=2, epochs=1, head_epochs=2,
                                callback=lambda epoch, loss, accuracy: seen.append(epoch))
    assert seen == [1, 2, 3]
    assert tuned.feature_size == 1024 and tuned.name.startswith("mobilenet-finetuned")
    top = tuned.classify(photos["rocket"], top_k=3)
    assert set(top.confidences) == {"chelsea", "rocket", "coffee"}
    knn = p5knn.knn_classifier.create(tuned, k=1)
    knn.add_example(photos["chelsea"], "cat")
    knn.add_example(photos["rocket"], "rocket")
    assert knn.predict_class(photos["cat"]).label == "cat"
    with pytest.raises(ValueError, match="images but"):
        mobilenet.fine_tune([photos["cat"]], labels=["a", "b"])


@pytest.mark.slow
def test_fine_tune_from_a_folder_of_class_folders(mobilenet, views, tmp_path):
    for name, frames in views.items():
        (tmp_path / name).mkdir()
        for i, frame in enumerate(frames[:3]):
            cv2.imwrite(str(tmp_path / name / f"{i}.png"), frame[:, :, ::-1])
    tuned = mobilenet.fine_tune(tmp_path, unfreeze_last=0, epochs=0, head_epochs=1)
    assert sorted(tuned.class_names) == ["chelsea", "coffee", "rocket"]
    assert tuned.classify(views["coffee"][4]).label in tuned.class_names


def test_only_mobilenet_can_be_fine_tuned(mobilenet, views):
    with pytest.raises(p5knn.P5KNNError, match="MobileNet"):
        slow_extractor(0).fine_tune({"a": views["chelsea"][:1], "b": views["rocket"][:1]})
    with pytest.raises(ValueError, match="epoch"):
        mobilenet.fine_tune({"a": views["chelsea"][:1], "b": views["rocket"][:1]}, epochs=0,
                            head_epochs=0)
