"""A small progress bar on stderr (no dependency)."""

from __future__ import annotations

import sys
import time


class Progress:
    """``bar = Progress(total, "embedding")``; ``bar(done)``; ``bar.close()``."""

    def __init__(self, total: int, label: str, enabled: bool = True, width: int = 30) -> None:
        self.total, self.label, self.enabled, self.width = max(total, 1), label, enabled, width
        self.start = time.perf_counter()
        self._last = 0.0

    def __call__(self, done: int) -> None:
        if not self.enabled:
            return
        now = time.perf_counter()
        if done < self.total and now - self._last < 0.1:
            return
        self._last = now
        filled = int(self.width * done / self.total)
        rate = done / max(now - self.start, 1e-9)
        sys.stderr.write(f"\r{self.label}: [{'#' * filled}{'.' * (self.width - filled)}] "
                         f"{done}/{self.total}  {rate:5.1f}/s")
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            self(self.total)
            sys.stderr.write(f"  {time.perf_counter() - self.start:.1f} s\n")
            sys.stderr.flush()
