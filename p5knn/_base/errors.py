"""Exception classes raised by p5knn.

Every error p5knn raises on bad input is a subclass of :class:`P5KNNError` and of the
matching built-in (``ValueError`` ...), so ``except ValueError`` keeps working.
"""

from __future__ import annotations


class P5KNNError(Exception):
    """Base class of every p5knn error."""


class FeatureSizeError(P5KNNError, ValueError):
    """A feature vector's length does not match the classifier's examples or extractor."""


class EmptyClassifierError(P5KNNError, ValueError):
    """The classifier has no examples, so it cannot predict."""


class UnknownLabelError(P5KNNError, ValueError):
    """A label that the classifier does not hold was named."""


class ImageError(P5KNNError, ValueError):
    """An image could not be used: wrong shape, wrong type, NaN values or unreadable file."""


class CorruptFileError(P5KNNError, ValueError):
    """A saved classifier or model file is truncated, tampered with or not a p5knn file."""


class ModelError(P5KNNError, RuntimeError):
    """A feature-extraction model could not be built, converted or loaded."""


class FileKindError(P5KNNError, OSError):
    """A path names a folder, device, pipe or socket where p5knn needs a regular file."""
