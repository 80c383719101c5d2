"""Crash-safe autosave: every change to a classifier reaches disk within a bounded time.

Each save writes a temp file, syncs it, keeps the previous file as ``<name>.bak`` (through a
hard link, so the main file is never missing) and renames the temp file over the main one,
then syncs the folder. A process killed at any moment leaves a loadable file holding at
least every example acknowledged by :meth:`AutoSaver.wait_saved` (or counted in
``saved_version``). On start the classifier resumes from the file, or from the backup if
the file is damaged — with a warning naming what was used; nothing is dropped silently.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
import threading
import time
import warnings
import weakref
from pathlib import Path
from typing import Any

from p5knn.knn import _files as storage
from p5knn._base.atomic import check_target, remove_stale_temps, temp_prefix
from p5knn._base.errors import CorruptFileError
from p5knn._base.version import __version__
from p5knn.live._report import report_error


def _malloc_trim() -> Any:
    """glibc's ``malloc_trim`` (None elsewhere)."""
    try:
        import ctypes

        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


_TRIM = _malloc_trim() if sys.platform.startswith("linux") else None


def release_freed_memory() -> None:
    """Hand memory freed by a save back to the system. Each save allocates and frees buffers
    the size of the whole file; without this glibc keeps them in its heap and the resident
    size of a process saving for days creeps up (measured in the soak test)."""
    if _TRIM is not None:
        _TRIM(0)


class AutosaveWarning(UserWarning):
    """The autosave file was damaged and the backup was used (or similar)."""


def backup_path(path: Path) -> Path:
    return path.with_name(path.name + ".bak")


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_generation(path: Path, data: storage.SavedData) -> None:
    """Write ``data`` to ``path`` keeping the previous file as the backup, crash-safely."""
    folder = path.parent
    check_target(path)
    folder.mkdir(parents=True, exist_ok=True)
    if path.exists():
        link = folder / f"{temp_prefix(path)}bak.tmp"
        with contextlib.suppress(FileNotFoundError):
            os.unlink(link)
        try:
            os.link(path, link)           # the current file, under a second name
        except OSError:                  # no hard links here (some file systems): copy
            link.write_bytes(path.read_bytes())
        os.replace(link, backup_path(path))
    storage.save_native(path, data, __version__)  # temp + fsync + replace
    _fsync_dir(folder)


def resume(path: Path) -> tuple[storage.SavedData | None, str]:
    """Load the autosave file, or its backup when it is damaged. Returns ``(data, what)``;
    ``(None, "new")`` when neither exists. Raises when both exist and are damaged."""
    backup = backup_path(path)
    errors = []
    for candidate in (path, backup):
        if not candidate.exists():
            continue
        try:
            return storage.load_any(candidate), str(candidate)
        except (CorruptFileError, OSError) as exc:
            errors.append(f"{candidate}: {exc}")
    if errors:
        raise CorruptFileError("autosave files are damaged and cannot be resumed: "
                               + "; ".join(errors) + ". Move them away to start fresh.")
    return None, "new"


_savers: "weakref.WeakSet[AutoSaver]" = weakref.WeakSet()


@atexit.register
def _save_all_at_exit() -> None:
    for saver in list(_savers):
        saver.close(timeout=5.0)


class AutoSaver:
    """Saves a classifier on a background thread at most ``interval`` seconds after a change."""

    def __init__(self, knn: Any, path: str | os.PathLike, interval: float = 1.0,
                 on_error: Any = None) -> None:
        if interval <= 0:
            raise ValueError(f"autosave interval must be positive, got {interval}")
        self.knn = knn
        self.path = Path(path)
        self.interval = float(interval)
        self.on_error = on_error
        self.saved_version = knn.version  #: the last version known to be on disk
        self.saves = 0
        self.last_error: BaseException | None = None
        self._cond = threading.Condition()
        self._dirty_since: float | None = None
        self._stop = False
        self._thread = threading.Thread(target=self._loop, name="p5knn-autosave", daemon=True)
        self._thread.start()
        _savers.add(self)

    def changed(self) -> None:
        """Called (under the classifier's lock) after every change."""
        with self._cond:
            if self._dirty_since is None:
                self._dirty_since = time.monotonic()
            self._cond.notify_all()

    def _loop(self) -> None:
        while True:
            with self._cond:
                while self._dirty_since is None and not self._stop:
                    self._cond.wait()
                if self._stop and self._dirty_since is None:
                    return
                due = (self._dirty_since or 0) + self.interval
                while not self._stop and time.monotonic() < due:
                    self._cond.wait(due - time.monotonic())
                self._dirty_since = None
            if not self.save_now():
                with self._cond:  # retry later (disk full, read-only folder …)
                    if self._dirty_since is None:
                        self._dirty_since = time.monotonic()
                    if self._stop:
                        return

    def save_now(self) -> bool:
        """Persist the current state now; False (and the error reported) if it failed."""
        if self.knn.version == self.saved_version:
            return True
        data = self.knn.snapshot(thumbnails=True)   # consistent: taken under its lock
        version = data.version
        try:
            write_generation(self.path, data)
        except BaseException as exc:  # noqa: BLE001 - reported; the examples stay in memory
            self.last_error = exc
            report_error(exc, self.on_error, f"autosave to {self.path}")
            return False
        finally:
            del data
            release_freed_memory()
        with self._cond:
            self.saved_version = max(self.saved_version, version)
            self.saves += 1
            self.last_error = None
            self._cond.notify_all()
        return True

    def wait_saved(self, timeout: float | None = None) -> bool:
        """Block until every change made so far is on disk. False on timeout."""
        target = self.knn.version
        with self._cond:
            return self._cond.wait_for(lambda: self.saved_version >= target, timeout)

    def close(self, timeout: float = 10.0) -> None:
        """Save what is pending and stop the thread."""
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout)
        self.save_now()


def attach(knn: Any, path: str | os.PathLike, interval: float = 1.0,
           on_error: Any = None) -> AutoSaver:
    """Resume ``knn`` from ``path`` (or its backup) and keep saving it there."""
    path = Path(path)
    check_target(path)
    remove_stale_temps(path)  # left by a process killed while saving
    data, used = resume(path)
    from_backup = data is not None and used != str(path)
    if data is not None:
        knn.restore(data)
    if from_backup:
        damaged = path.with_name(path.name + ".damaged")
        if path.exists():
            os.replace(path, damaged)  # kept for inspection, never made the backup
        message = (f"p5knn: autosave file {path} was damaged (moved to {damaged.name}); "
                   f"resumed from the backup {used} ({len(data.features)} examples)")
        warnings.warn(message, AutosaveWarning, stacklevel=3)
        print(message, file=sys.stderr)
    saver = AutoSaver(knn, path, interval, on_error)
    if from_backup:
        saver.saved_version = -1  # write a fresh main file from the good backup
        saver.changed()
    return saver
