"""Per-user cache of converted models: built once, verified by checksum, rebuilt if damaged.

Your own Keras models (``.keras``/``.h5``) are converted here, once; converting takes seconds
(TensorFlow's import and converter), so p5knn says so on the console when it does.
MobileNet ships converted and never comes here.

Layout: ``<cache_dir>/<key>.tflite`` is the model and ``<key>.json`` beside it its record
(``{"sha256": ..., "size": ..., "key": ...}``). A model whose record is missing or does not
match, or that fails its check, is rebuilt; nothing damaged is ever used.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from pathlib import Path
from typing import Callable

import platformdirs

from p5knn._base import safe_json as safe_json
from p5knn._base.atomic import atomic_write
from p5knn._base.errors import CorruptFileError, ModelError
from p5knn.features._weights import file_sha256

log = logging.getLogger("p5knn")
MAX_META_BYTES = 64 << 10  #: a cache record is ~150 bytes; anything far larger is damage


def cache_dir() -> Path:
    """The folder of p5knn's converted models.

    Returns
    -------
    Path
        ``$P5KNN_CACHE_DIR`` when set, else the platform's user cache folder for p5knn
        (``~/.cache/p5knn`` on Linux). It may not exist yet.

    Example
    -------
    >>> p5knn.features.cache_dir()
    PosixPath('/home/me/.cache/p5knn')
    """
    env = os.environ.get("P5KNN_CACHE_DIR")
    if env:
        return Path(env)
    return Path(platformdirs.user_cache_dir("p5knn"))


def _is_intact(model: Path, meta: Path) -> bool:
    """True when ``meta`` — the small JSON record :func:`cached_model` writes — gives the model
    file's size and SHA-256. A missing, oversized, junk, deeply nested or mistyped record
    counts as damaged (the model is rebuilt), never as an error."""
    try:
        if not (model.is_file() and meta.is_file()) or meta.stat().st_size > MAX_META_BYTES:
            return False  # (a pipe in their place would block the read)
        info = safe_json.loads(meta.read_bytes(), str(meta), max_bytes=MAX_META_BYTES)
        size, digest = (info.get("size"), info.get("sha256")) if isinstance(info, dict) else (0, 0)
        if not isinstance(size, int) or isinstance(size, bool) or not isinstance(digest, str):
            return False
        return model.stat().st_size == size and file_sha256(model) == digest
    except (OSError, CorruptFileError):
        return False


def _display_name(key: str) -> str:
    """A readable name for a cache key: ``custom-<stem>-<digest>-<layer>-<head>`` (the keys
    :func:`p5knn.feature_extractor` makes for Keras files) becomes ``<stem> (Keras)``."""
    match = re.fullmatch(r"custom-(.+)-[0-9a-f]{16}-.+-(?:head|nohead)", key)
    return f"{match.group(1)} (Keras)" if match else key


def announce(message: str) -> None:
    """Print one p5knn line on standard error (slow steps a user should know about).

    Example
    -------
    >>> announce("p5knn: converting model.keras to LiteRT (once, ~5 s)…")
    """
    try:
        print(message, file=sys.stderr, flush=True)
    except (OSError, ValueError, AttributeError):  # no console (pythonw), closed stream
        pass


def cached_model(key: str, build: Callable[[], bytes],
                 check: Callable[[Path], None] | None = None, *, name: str | None = None,
                 seconds: float = 5) -> Path:
    """The path of cached model ``key``; built, stored and checked when missing or damaged.

    Parameters
    ----------
    key : str
        The model's name in the cache (a file name without suffix).
    build : callable
        ``build()`` returns the model's bytes; called only when the cache cannot be used.
    check : callable, optional
        ``check(path)`` must raise if a stored model does not load or gives wrong shapes; a
        cached model that fails it is rebuilt.
    name : str, optional
        What is converted, for the console line (default: from ``key``).
    seconds : float
        About how long building takes, for the console line.

    Returns
    -------
    Path
        The ``.tflite`` file.

    Example
    -------
    >>> path = cached_model("my-model", lambda: keras_to_tflite(model))
    """
    folder = cache_dir()
    model = folder / f"{key}.tflite"
    meta = folder / f"{key}.json"
    if model.exists() and _is_intact(model, meta):
        try:
            if check:
                check(model)
            return model
        except Exception as exc:  # a damaged cache is rebuilt, never trusted
            log.warning("p5knn: cached model %s fails its check (%s); rebuilding", model, exc)
    elif model.exists():
        log.warning("p5knn: cached model %s is damaged; rebuilding", model)
    announce(f"p5knn: converting {name or _display_name(key)} to LiteRT "
             f"(once, ~{seconds:g} s)…")
    data = build()
    if not data:
        raise ModelError(f"building {key} produced an empty model")
    try:
        atomic_write(model, data)
        atomic_write(meta, json.dumps({"sha256": file_sha256(model), "size": len(data),
                                       "key": key}).encode())
    except OSError as exc:
        raise ModelError(f"cannot write the model cache in {folder}: {exc}; "
                         "set P5KNN_CACHE_DIR to a writable folder") from exc
    if check:
        check(model)
    return model
