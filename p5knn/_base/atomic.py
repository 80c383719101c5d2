"""Crash-safe file writes: a synced temp file in the same folder, then ``os.replace``.

Temp files are named ``.p5knn-<tag>-<pid>-<random>.tmp`` (``tag``: a hash of the target's
name, so any legal file name works and the temp name stays short). Temps left behind by a
killed process (its pid no longer runs) are removed the first time this process writes the
same target. A target that exists but is not a regular file (a folder, device, pipe or
socket) is refused, never replaced.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import stat
import tempfile
import threading
import time
from pathlib import Path
from typing import BinaryIO, Iterator

from p5knn._base.errors import FileKindError

#: temps in the old naming (``.<name>.<random>.tmp``, no pid) older than this are stale
_OLD_TEMP_AGE = 3600.0
_cleaned: set[tuple[str, str]] = set()
_cleaned_lock = threading.Lock()


def _tag(path: Path) -> str:
    return hashlib.sha256(os.fsencode(path.name)).hexdigest()[:16]


def temp_prefix(path: str | os.PathLike) -> str:
    """Name prefix of this process's temp files for ``path``."""
    return f".p5knn-{_tag(Path(path))}-{os.getpid()}-"


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def remove_stale_temps(path: str | os.PathLike) -> int:
    """Delete temp files that killed processes left beside ``path``; return how many."""
    path = Path(path)
    ours = re.compile(rf"\.p5knn-{_tag(path)}-(\d+)-[^/]*\.tmp")
    old = re.compile(rf"\.{re.escape(path.name)}\.(bak\.\d+|[a-z0-9_]{{8}})\.tmp")
    removed = 0
    try:
        names = os.listdir(path.parent)
    except OSError:
        return 0
    for name in names:
        match = ours.fullmatch(name)
        stale = match is not None and not _alive(int(match.group(1)))
        if not stale and old.fullmatch(name):
            with contextlib.suppress(OSError):
                stale = time.time() - os.lstat(path.parent / name).st_mtime > _OLD_TEMP_AGE
        if stale:
            with contextlib.suppress(OSError):
                os.unlink(path.parent / name)
                removed += 1
    return removed


def check_target(path: str | os.PathLike) -> None:
    """Raise :class:`FileKindError` when ``path`` exists and is not a regular file (or a
    symlink, which is replaced, not followed)."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    if stat.S_ISDIR(mode):
        raise FileKindError(f"{path} is a folder; give a file name")
    if not (stat.S_ISREG(mode) or stat.S_ISLNK(mode)):
        raise FileKindError(f"{path} is a device, pipe or socket; p5knn will not replace it")


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temp path beside ``path``; whatever the block writes there is synced and then
    replaces ``path``, only if the block succeeds."""
    path = Path(path)
    check_target(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    key = (str(path.parent.resolve()), path.name)
    with _cleaned_lock:
        first = key not in _cleaned
        _cleaned.add(key)
    if first:
        remove_stale_temps(path)
    fd, tmp = tempfile.mkstemp(prefix=temp_prefix(path), suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        check_target(path)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def atomic_file(path: str | os.PathLike) -> Iterator[BinaryIO]:
    """Yield a binary file handle whose content replaces ``path`` only if the block succeeds."""
    with atomic_path(path) as tmp, open(tmp, "wb") as handle:
        yield handle


def atomic_write(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_file(path) as handle:
        handle.write(data)
