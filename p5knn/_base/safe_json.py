"""JSON from files p5knn did not write itself: bounded in size and nesting.

``json.loads`` on hostile text can raise ``RecursionError`` (deep nesting) or hold gigabytes;
:func:`loads` checks both first and raises :class:`~p5knn.errors.CorruptFileError` instead.
"""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np

from p5knn._base.errors import CorruptFileError

#: deepest nesting any p5knn file needs is 4 (ml5: document → dataset → class → shape)
MAX_DEPTH = 32


#: a JSON string, or an unterminated one running to the end (so a scan never restarts)
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*+(?:"|\Z)', re.DOTALL)
_BLOCK = 1 << 20


def nesting_depth(raw: bytes) -> int:
    """How deeply ``[`` / ``{`` nest in JSON bytes, ignoring string contents. Linear in the
    length whatever the bytes are (strings are blanked in one regex pass that always
    matches; brackets are counted a block at a time)."""
    bare = np.frombuffer(_STRING.sub(b'""', raw), np.uint8)
    depth = deepest = 0
    for start in range(0, len(bare), _BLOCK):
        block = bare[start:start + _BLOCK]
        step = ((block == 0x5B) | (block == 0x7B)).astype(np.int32) \
            - ((block == 0x5D) | (block == 0x7D))
        levels = np.cumsum(step, dtype=np.int64) + depth
        if len(levels):
            deepest = max(deepest, int(levels.max()))
            depth = int(levels[-1])
    return deepest


def loads(raw: str | bytes, where: str, max_bytes: int | None = None,
          max_depth: int = MAX_DEPTH) -> Any:
    """Parse JSON, raising :class:`CorruptFileError` (naming ``where``) for text that is not
    UTF-8 JSON, longer than ``max_bytes`` or nested deeper than ``max_depth``."""
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else bytes(raw)
    if max_bytes is not None and len(data) > max_bytes:
        raise CorruptFileError(f"{where}: {len(data)} bytes of JSON, more than the "
                               f"{max_bytes} allowed")
    if nesting_depth(data) > max_depth:
        raise CorruptFileError(f"{where}: JSON nested deeper than {max_depth} levels")
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise CorruptFileError(f"{where}: not valid JSON ({exc})") from exc
