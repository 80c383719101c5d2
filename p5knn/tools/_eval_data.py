"""The images of an evaluation and what is made from them once, for every method and split:
small copies, raw pixels, features (MobileNet's or keypoint vectors, found at each image's
full size, with the images where nobody was found) and network inputs."""

from __future__ import annotations

from typing import Any, Sequence

import cv2
import numpy as np

from p5knn.features import KeypointExtractor
from p5knn.features import _images as imgs
from p5knn.tools._progress import Progress

#: methods that train MobileNet on the images themselves: not for keypoint extractors
MOBILENET_ONLY = ("scratch", "fine-tune")
PIXEL_SIZE = 32
#: what an image where a keypoint model found nobody is called, by model
NOT_FOUND = {"hands": "no hand found", "pose": "no body found", "face": "no face found"}


def is_keypoints(extractor: Any) -> bool:
    """Whether ``extractor`` finds hands, bodies or faces (a :class:`KeypointExtractor`).

    Example
    -------
    >>> is_keypoints(p5knn.feature_extractor("hands")), is_keypoints(mobilenet)
    (True, False)
    """
    return isinstance(extractor, KeypointExtractor)


def refusal(method: str, model: str) -> str:
    """The one-line reason ``method`` does not run on ``model``'s keypoints.

    Example
    -------
    >>> refusal("scratch", "hands")[:40]
    "'scratch' trains MobileNet on the images"
    """
    return (f"{method!r} trains MobileNet on the images themselves, so it does not apply to "
            f"{model} keypoints: use --model mobilenet for it (pixels, knn and head work on "
            "keypoints)")


class Dataset:
    """Images and labels with lazily computed, cached representations.

    Parameters
    ----------
    images_ : sequence
        Images of any kind p5knn reads (paths, arrays, PIL images).
    labels : sequence
        One label per image.
    extractor : extractor or str, optional
        MobileNet (default), another model, or a keypoint extractor (``"hands"``, ``"pose"``,
        ``"face"``, or one made with ``p5knn.feature_extractor``).
    progress : bool
        Show progress bars on stderr.

    Example
    -------
    >>> data = Dataset(paths, labels, "hands", progress=False)
    >>> data.features().shape, data.not_found_by_class()
    ((60, 129), {'hand': [0, 30], 'none': [30, 30]})
    """

    def __init__(self, images_: Sequence[Any], labels: Sequence[Any], extractor: Any = None,
                 progress: bool = True) -> None:
        if len(images_) != len(labels):
            raise ValueError(f"{len(images_)} images but {len(labels)} labels")
        if isinstance(extractor, str):
            from p5knn.features import feature_extractor

            extractor = feature_extractor(extractor)
        self.images = list(images_)
        self.labels = [str(x) for x in labels]
        self.label_names = sorted(set(self.labels))
        self.progress = progress
        self._extractor = extractor
        self._not_found: np.ndarray | None = None
        self._features: np.ndarray | None = None
        self._pixels: np.ndarray | None = None
        self._inputs: np.ndarray | None = None
        self._small: list[np.ndarray] | None = None

    def small(self) -> list[np.ndarray]:
        """Every image decoded once and resized to the network's input size (RGB uint8);
        every representation below is made from these."""
        if self._small is None:
            size = getattr(self.extractor, "input_size", (224, 224))
            bar = Progress(len(self.images), "decoding", self.progress)
            small = []
            for i, image in enumerate(self.images):
                small.append(imgs.resize_rgb(imgs.to_rgb(image), size))
                bar(i + 1)
            bar.close()
            self._small = small
        return self._small

    @property
    def extractor(self) -> Any:
        if self._extractor is None:
            from p5knn.features import feature_extractor

            self._extractor = feature_extractor()
        return self._extractor

    @property
    def keypoints(self) -> bool:
        """True when the features are hand, body or face keypoints."""
        return self._extractor is not None and is_keypoints(self._extractor)

    @property
    def model(self) -> str:
        """The extractor's name (``"mobilenet"`` when none was given)."""
        return str(getattr(self.extractor, "name", ""))

    def _keypoint_features(self) -> np.ndarray:
        """Keypoint vectors of every image at its full size (and the small copies, if not
        made yet, from the same decoding); images with nobody are marked in ``_not_found``."""
        extractor = self.extractor
        n = len(self.images)
        out = np.empty((n, extractor.feature_size), np.float32)
        missing = np.zeros(n, bool)
        small = [] if self._small is None else None
        size = (224, 224)
        bar = Progress(n, f"finding {extractor.name}", self.progress)
        for i, image in enumerate(self.images):
            rgb = imgs.to_rgb(image)
            if extractor.tracking is True:  # every image is a photo of its own
                extractor.reset_tracking()
            found = extractor.detect(rgb)
            out[i], missing[i] = extractor.vector(found), not found
            if small is not None:
                small.append(imgs.resize_rgb(rgb, size))
            bar(i + 1)
        bar.close()
        if small is not None:
            self._small = small
        self._not_found = missing
        return out

    def not_found(self) -> np.ndarray | None:
        """Keypoint models: for each image, True where nobody was found (detects first if
        needed); None for MobileNet features."""
        if not self.keypoints:
            return None
        self.features()
        return self._not_found

    def not_found_by_class(self) -> dict[str, list[int]] | None:
        """Keypoint models: ``{label: [images where nobody was found, images]}``; None for
        MobileNet features.

        Example
        -------
        >>> Dataset(paths, labels, "hands").not_found_by_class()
        {'hand': [0, 30], 'none': [30, 30]}
        """
        missing = self.not_found()
        if missing is None:
            return None
        labels = np.asarray(self.labels)
        return {label: [int(missing[labels == label].sum()), int((labels == label).sum())]
                for label in self.label_names}

    def features(self) -> np.ndarray:
        """Features of every image (computed once, with a progress bar): MobileNet's, or
        keypoint vectors found in each image at its full size."""
        if self._features is None and self.keypoints:
            self._features = self._keypoint_features()
        if self._features is None:
            small = self.small()
            bar = Progress(len(small), "embedding", self.progress)
            out = np.empty((len(small), self.extractor.feature_size), np.float32)
            for i, image in enumerate(small):
                out[i] = self.extractor.infer(image)
                bar(i + 1)
            bar.close()
            self._features = out
        return self._features

    def pixels(self) -> np.ndarray:
        """Raw 32×32 RGB pixels of every image, 0–1, flattened."""
        if self._pixels is None:
            self._pixels = np.stack([
                cv2.resize(image, (PIXEL_SIZE, PIXEL_SIZE), interpolation=cv2.INTER_AREA)
                .reshape(-1) for image in self.small()]).astype(np.float32) / 255.0
        return self._pixels

    def inputs(self) -> np.ndarray:
        """Network inputs (224×224, −1…1) of every image, for end-to-end training."""
        if self.keypoints:
            raise ValueError(refusal("scratch", self.model))
        if self._inputs is None:
            from p5knn.training._fine_tune import stack_inputs

            bar = Progress(len(self.images), "preparing", self.progress)
            self._inputs = stack_inputs(self.extractor, self.small(), bar)
            bar.close()
        return self._inputs
