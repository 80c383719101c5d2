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
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)


def nesting_depth(raw: bytes) -> int:
    """How deeply ``[`` / ``{`` nest in JSON bytes (string contents ignored)."""
    bare = _STRING.sub(b'""', raw)
    codes = np.frombuffer(bare, np.uint8)
    step = (np.isin(codes, (ord("["), ord("{"))).astype(np.int32)
            - np.isin(codes, (ord("]"), ord("}"))).astype(np.int32))
    return int(np.cumsum(step).max(initial=0)) if len(step) else 0


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
