"""The vector index kept beside a saved classifier, so loading a very large set does not
rebuild it (about 6.5 minutes at 1 000 000 examples here).

``save("big.p5knn")`` with a ready index also writes ``big.p5knn.<token>.usearch`` and records
its name, size, SHA-256 and an HMAC-SHA256 under this machine's index key in the file's
metadata; the token changes on every save, so a file never pairs with an index written for
other contents. Loading never hands usearch's native code an unverified file: the index is
read into memory, its size and SHA-256 must match the record, and its HMAC must verify with
the key — a checksum alone is no defence, since whoever crafts both files can record any
checksum, and a crafted graph crashes usearch — and only then is it parsed, after which its metric, dimensions, keys (exactly the
file's examples) and a sample of its vectors (equal to the file's rows) are checked. Anything
else — missing, damaged, swapped for another classifier's index, or from a file saved before
checksums were recorded — means a background rebuild (with a warning when an index file was
there but unusable). Every candidate the index proposes is re-scored against the checksummed
examples, so a usable index can only cost recall, never change a similarity.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import stat
import uuid
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from p5knn._base.atomic import atomic_path
from p5knn.features import cache_dir

SUFFIX = ".usearch"
_TOKEN = re.compile(r"[0-9a-f]{12}")


def _token_of(path: Path, candidate: str) -> str | None:
    """The token when ``candidate`` is exactly ``<path.name>.<12 hex>.usearch``, else None.
    (Compared as plain strings: names like ``model[1].p5knn`` are not glob patterns.)"""
    head, tail = path.name + ".", SUFFIX
    if candidate.startswith(head) and candidate.endswith(tail):
        token = candidate[len(head):-len(tail)]
        if _TOKEN.fullmatch(token):
            return token
    return None


def _siblings(path: Path) -> list[Path]:
    try:
        names = os.listdir(path.parent)
    except OSError:
        return []
    return [path.with_name(name) for name in names if _token_of(path, name) is not None]


KEY_FILE = "index.key"


def _key() -> bytes | None:
    """This user's secret for signing index files (32 random bytes in the cache folder,
    made on first use, readable by the owner only); None when it cannot be had."""
    path = Path(cache_dir()) / KEY_FILE
    try:
        data = path.read_bytes()
        if len(data) == 32:
            return data
    except OSError:
        pass
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(os.urandom(32))
        data = path.read_bytes()
        return data if len(data) == 32 else None
    except OSError:
        return None


def _digests(path: Path) -> tuple[str, str | None]:
    """SHA-256 and HMAC-SHA256 (None without a key) of a file."""
    digest = hashlib.sha256()
    key = _key()
    mac = hmac.new(key, digestmod="sha256") if key else None
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
            if mac is not None:
                mac.update(block)
    return digest.hexdigest(), mac.hexdigest() if mac is not None else None


def write(index: Any, path: str | os.PathLike) -> dict[str, Any]:
    """Write ``index`` beside ``path`` under a fresh name; return what the file's metadata
    records about it (name, size, SHA-256, metric, count)."""
    path = Path(path)
    target = path.with_name(f"{path.name}.{uuid.uuid4().hex[:12]}{SUFFIX}")
    with atomic_path(target) as tmp:
        index.save(tmp)
        size = tmp.stat().st_size
        sha256, signature = _digests(tmp)
    return {"file": target.name, "bytes": size, "sha256": sha256, "hmac": signature,
            "metric": index.metric, "count": len(index)}


def _read_verified(target: Path, info: dict[str, Any]) -> bytes:
    """The index file's bytes, read once, when they are a regular file of the recorded size
    and SHA-256; ValueError otherwise."""
    expected_size, expected_sha = info.get("bytes"), info.get("sha256")
    if not isinstance(expected_sha, str) or not isinstance(expected_size, int) \
            or isinstance(expected_size, bool):
        raise ValueError("the file records no checksum for it (saved by an older p5knn)")
    fd = os.open(target, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ValueError("not a regular file")
        if st.st_size != expected_size:
            raise ValueError(f"{st.st_size} bytes, expected {expected_size}")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(expected_size + 1)
    finally:
        os.close(fd)
    if len(data) != expected_size or hashlib.sha256(data).hexdigest() != expected_sha:
        raise ValueError("its SHA-256 does not match the one recorded at save time")
    key, signature = _key(), info.get("hmac")
    if key is None or not isinstance(signature, str) or not hmac.compare_digest(
            hmac.new(key, data, "sha256").hexdigest(), signature):
        raise ValueError("it was not signed with this machine's index key (saved elsewhere, "
                         "by an older p5knn, or crafted)")
    return data


def read(path: str | os.PathLike, info: dict[str, Any], dim: int, metric: str,
         keys: np.ndarray, rows: np.ndarray | None = None) -> Any:
    """The index named in a file's metadata, or None when it is missing or does not fit
    (a warning says why when the index file is there but unusable). ``rows``: the file's
    examples, in ``keys`` order, to compare a sample of the index's vectors with."""
    from p5knn.knn import _index as vector_index

    path = Path(path)
    name = info.get("file") if isinstance(info, dict) else None
    if not isinstance(name, str) or _token_of(path, name) is None or \
            not vector_index.available():
        return None
    target = path.with_name(name)
    if not os.path.lexists(target) or info.get("metric") != metric:
        return None
    try:
        data = _read_verified(target, info)
        return vector_index.VectorIndex.restore(data, dim, metric, keys, rows)
    except (ValueError, OSError) as exc:
        warnings.warn(f"p5knn: index {target} does not fit {path.name} ({exc}); "
                      "rebuilding it in the background", RuntimeWarning, stacklevel=3)
        return None


def remove_stale(path: str | os.PathLike, keep: str | None = None) -> None:
    """Delete index files of earlier saves to exactly ``path`` (all but ``keep``)."""
    for sibling in _siblings(Path(path)):
        if sibling.name != keep:
            try:
                sibling.unlink()
            except OSError:
                pass
