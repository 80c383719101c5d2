"""Reading a model file p5knn ships, checked against the size and SHA-256 its manifest records
before anything (native code above all) uses its bytes."""

from __future__ import annotations

import hashlib
from pathlib import Path

from p5knn._base.errors import ModelError


def read_verified(path: Path, size: int, sha256: str, what: str, fix: str) -> bytes:
    """The bytes of ``path`` when they are exactly ``size`` bytes with SHA-256 ``sha256``;
    otherwise :class:`~p5knn.ModelError` naming ``what`` and saying ``fix``. At most
    ``size + 1`` bytes are read.

    Example
    -------
    >>> read_verified(FOLDER / "face_landmark.tflite", 1242398, "1055…", "keypoint model",
    ...               "reinstall p5knn")
    """
    try:
        with open(path, "rb") as handle:
            data = handle.read(size + 1)
    except OSError as exc:
        raise ModelError(f"{what} {path} is missing ({exc}); {fix}") from exc
    if len(data) != size or hashlib.sha256(data).hexdigest() != sha256:
        raise ModelError(f"{what} {path} is damaged or was replaced (its size or SHA-256 differs "
                         f"from the record shipped with p5knn); {fix}")
    return data
