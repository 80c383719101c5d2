"""Opening a file p5knn is asked to read, safely: once, without blocking (a pipe cannot hang
it), and only when it is a regular file."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

from p5knn._base.errors import CorruptFileError


def open_regular(path: str | os.PathLike, what: str) -> tuple[BinaryIO, int]:
    """``(binary handle, size)`` of the regular file at ``path``; ``what`` names the kind of
    file in messages ("classifier file"). FileNotFoundError when missing, CorruptFileError for
    folders, devices, pipes, sockets and unreadable files.

    Example
    -------
    >>> handle, size = open_regular("moves.p5gestures", "gesture file")
    """
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise FileNotFoundError(f"{what} not found: {path}") from None
    except IsADirectoryError:
        raise CorruptFileError(f"{path} is a folder, not a {what}") from None
    except OSError as exc:
        raise CorruptFileError(f"{path}: cannot be read ({exc})") from exc
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        if stat.S_ISDIR(info.st_mode):
            raise CorruptFileError(f"{path} is a folder, not a {what}")
        raise CorruptFileError(f"{path} is not a regular file (a device, pipe or socket)")
    return os.fdopen(fd, "rb"), info.st_size
