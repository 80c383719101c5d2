"""Steady outputs: turn a flickering stream of per-frame answers into a label that holds.

:class:`Steady` filters classification results (anything with ``label`` and ``unknown``: a
KNN or head ``Classification``, a ``GestureResult``) one by one, with four rules, each off by
default (``Steady()`` passes every answer through unchanged):

* ``majority=N`` — the answer is the most frequent label of the last N (ties: the most recent
  of the tied labels);
* ``min_stable=M`` — the steady label changes only after the new label has been the (majority)
  answer for M updates in a row; until a first label has held that long it is unknown;
* ``timeout=S`` — S seconds without a known (not unknown) answer: the label becomes unknown,
  and what was seen before the silence is forgotten;
* ``on_change=True`` — :meth:`Steady.update` returns None when the steady label did not
  change (nothing to send).

Pure logic and thread-safe; time comes in as ``now`` (default ``time.perf_counter()``, the
clock of ``result.frame_time``), so tests pass it by hand.
"""

from __future__ import annotations

import collections
import dataclasses
import math
import threading
import time
from typing import Any

from p5knn._base.results import Label

_UNKNOWN = object()      # the steady "unknown" state, whatever label the classifier gave it
_NOTHING = object()      # nothing returned yet (on_change sends the first answer)

OPTIONS = ("majority", "min_stable", "timeout", "on_change", "unknown_label")


def _count(name: str, value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be None or a whole number ≥ 1, got {value!r}")
    return int(value)


class Steady:
    """A filter for a stream of classification results: majority vote, minimum stable
    updates, timeout to unknown, send on change — each off by default.

    Parameters
    ----------
    majority : int, optional
        Vote over the last ``majority`` labels (unknown answers count as one label); ties go
        to the most recent of the tied labels. None (or 1): each answer alone.
    min_stable : int, optional
        The steady label changes only after the new (majority) label has been the answer for
        this many updates in a row. Until a first label has, the steady label is unknown.
        None (or 1): it changes at once.
    timeout : float, optional
        Seconds without a known answer (one that is not unknown) after which the steady label
        becomes unknown — checked by :meth:`update` and by :meth:`tick`, which a stream that
        stops (a camera unplugged, no gesture for a while) must call now and then. The votes
        and streaks seen before a silence that long are forgotten.
    on_change : bool
        :meth:`update` returns None while the steady label stays the same (the first answer
        is always returned).
    unknown_label : str or int
        The label of the steady "unknown" (a result the classifier itself called unknown
        counts as this label too, whatever its own label was).

    What a returned result holds
    ----------------------------
    The latest result received, with ``dataclasses.replace`` applied:

    * ``label`` — the steady label (``unknown_label`` when steady-unknown);
    * ``unknown`` — True when the steady label is unknown;
    * ``class_index`` (classifications) — the steady label's class index, as last reported
      for that label by the classifier; −1 when unknown;
    * ``confidence`` — the latest frame's confidence *in the steady label* (0 when unknown);
    * everything else — ``confidences``, ``frame_time``, ``neighbors``, ``distance``,
      ``distances``, ... — the latest raw answer's, untouched.

    A result returned by :meth:`tick` (the timeout) is the last result received, relabelled
    unknown: its ``frame_time`` is then at least ``timeout`` seconds old.

    Example
    -------
    >>> steady = p5knn.Steady(majority=5, min_stable=3, timeout=1.0, on_change=True)
    >>> knn.classify_start(cam, got, steady=steady)          # or steady={"majority": 5}
    >>> out = steady.update(result)                          # by hand: None = nothing new
    """

    def __init__(self, majority: int | None = None, min_stable: int | None = None,
                 timeout: float | None = None, on_change: bool = False,
                 unknown_label: Label = "unknown") -> None:
        self.majority = _count("majority", majority)
        self.min_stable = _count("min_stable", min_stable)
        if timeout is not None and (isinstance(timeout, bool) or not isinstance(
                timeout, (int, float)) or not 0 < timeout < math.inf):
            raise ValueError(f"timeout must be None or a number of seconds > 0, got {timeout!r}")
        self.timeout = None if timeout is None else float(timeout)
        if not isinstance(on_change, bool):
            raise TypeError(f"on_change must be True or False, got {on_change!r}")
        self.on_change = on_change
        if isinstance(unknown_label, bool) or not isinstance(unknown_label, (str, int)):
            raise TypeError(f"unknown_label must be a str or int, got {unknown_label!r}")
        self.unknown_label: Label = unknown_label
        self._lock = threading.Lock()
        self.reset()

    @classmethod
    def from_option(cls, option: Steady | dict | None,
                    unknown_label: Label = "unknown") -> Steady | None:
        """What a ``steady=`` option means: None → None (off), a :class:`Steady` → itself, a
        dict → ``Steady(**option)`` (``unknown_label`` defaults to the one given here, the
        classifier's).

        Example
        -------
        >>> Steady.from_option({"majority": 5}, unknown_label="?").unknown_label
        '?'
        """
        if option is None:
            return None
        if isinstance(option, Steady):
            return option
        if isinstance(option, dict):
            extra = set(option) - set(OPTIONS)
            if extra:
                raise TypeError(f"unknown steady option(s) {sorted(extra)}; known: {OPTIONS}")
            return cls(**{"unknown_label": unknown_label, **option})
        raise TypeError(f"steady must be None, a p5knn.Steady or a dict of its options "
                        f"{OPTIONS}, got {type(option).__name__}")

    def reset(self) -> None:
        """Forget everything: the steady label is unknown again and the next answer is
        returned even with ``on_change``."""
        with self._lock:
            self._window: collections.deque = collections.deque(maxlen=self.majority or 1)
            self._output: Any = _UNKNOWN
            self._pending: Any = _NOTHING
            self._streak = 0
            self._sent: Any = _NOTHING
            self._last: Any = None           # the latest result received
            self._last_known: float | None = None
            self._last_update: float | None = None
            self._indices: dict[Label, int] = {}
            self.raw_label: Label | None = None   #: the latest raw answer's label
            self.updates = 0                 #: results received
            self.changes = 0                 #: times the steady label changed

    # ---------------------------------------------------------------- reading
    @property
    def label(self) -> Label:
        """The steady label now (``unknown_label`` before the first one holds)."""
        output = self._output
        return self.unknown_label if output is _UNKNOWN else output

    @property
    def unknown(self) -> bool:
        """True while the steady label is unknown."""
        return self._output is _UNKNOWN

    def __repr__(self) -> str:
        options = ", ".join(f"{name}={getattr(self, name)!r}" for name in OPTIONS
                            if getattr(self, name) not in (None, False))
        return f"Steady({options}; label={self.label!r})"

    # ---------------------------------------------------------------- filtering
    def update(self, result: Any, now: float | None = None) -> Any:
        """Take one raw result; return it with the steady label, or None when ``on_change``
        is on and the steady label did not change.

        Parameters
        ----------
        result : Classification, KNNResult or GestureResult
            A frozen dataclass with ``label`` (and ``unknown``).
        now : float, optional
            Its time in seconds (default ``time.perf_counter()``).

        Example
        -------
        >>> s = Steady(min_stable=2)
        >>> s.update(r_cat).label, s.update(r_cat).label
        ('unknown', 'cat')
        """
        if not dataclasses.is_dataclass(result) or isinstance(result, type) or \
                not hasattr(result, "label"):
            raise TypeError(f"Steady filters classification results (with a label), got "
                            f"{type(result).__name__}")
        now = time.perf_counter() if now is None else float(now)
        is_unknown = bool(getattr(result, "unknown", False))
        key = _UNKNOWN if is_unknown else result.label
        with self._lock:
            self._expire(now)
            if self.timeout is not None and self._last_update is not None and \
                    now - self._last_update >= self.timeout:
                self._forget()                       # a silence: old votes are stale
            self._last_update = now
            self._last = result
            self.raw_label = result.label
            self.updates += 1
            if not is_unknown:
                self._last_known = now
                index = getattr(result, "class_index", None)
                if index is not None:
                    self._indices[result.label] = index
            self._window.append(key)
            candidate = self._vote() if self.majority else key
            if candidate is self._output or candidate == self._output:
                self._pending, self._streak = _NOTHING, 0
            else:
                if candidate is self._pending or candidate == self._pending:
                    self._streak += 1
                else:
                    self._pending, self._streak = candidate, 1
                if self._streak >= (self.min_stable or 1):
                    self._set(candidate)
            return self._answer(result)

    def tick(self, now: float | None = None) -> Any:
        """Check the timeout when no result arrives. Returns the unknown result (the last
        result received, relabelled) when the steady label has just become unknown, else
        None. Call it now and then (every frame, ten times a second) on a stream that may
        stop; it does nothing without ``timeout``.

        Example
        -------
        >>> s = Steady(timeout=1.0)
        >>> s.update(r_wave, now=0.0).label
        'wave'
        >>> s.tick(now=0.5), s.tick(now=1.0).label, s.tick(now=1.5)
        (None, 'unknown', None)
        """
        now = time.perf_counter() if now is None else float(now)
        with self._lock:
            if not self._expire(now) or self._last is None:
                return None
            return self._answer(self._last)

    def timed_out(self, now: float | None = None) -> bool:
        """True when :meth:`tick` at ``now`` would return the unknown result (changes
        nothing)."""
        now = time.perf_counter() if now is None else float(now)
        with self._lock:
            return self._due(now)

    # ---------------------------------------------------------------- inside (lock held)
    def _vote(self) -> Any:
        counts = collections.Counter(self._window)
        best = max(counts.values())
        for key in reversed(self._window):          # ties: the most recent of the tied
            if counts[key] == best:
                return key
        raise AssertionError("unreachable")

    def _set(self, key: Any) -> None:
        self._output, self._pending, self._streak = key, _NOTHING, 0
        self.changes += 1

    def _forget(self) -> None:
        self._window.clear()
        self._pending, self._streak = _NOTHING, 0

    def _due(self, now: float) -> bool:
        return (self.timeout is not None and self._output is not _UNKNOWN and
                self._last_known is not None and now - self._last_known >= self.timeout)

    def _expire(self, now: float) -> bool:
        """The timeout: the steady label becomes unknown; True when it just did."""
        if not self._due(now):
            return False
        self._set(_UNKNOWN)
        self._forget()
        return True

    def _answer(self, result: Any) -> Any:
        output = self._output
        if self.on_change and self._sent is not _NOTHING and \
                (output is self._sent or output == self._sent):
            return None
        self._sent = output
        unknown = output is _UNKNOWN
        label = self.unknown_label if unknown else output
        if label == result.label and type(label) is type(result.label) and \
                unknown == bool(getattr(result, "unknown", False)):
            return result
        changes: dict[str, Any] = {"label": label}
        names = {f.name for f in dataclasses.fields(result)}
        if "unknown" in names:
            changes["unknown"] = unknown
        if "class_index" in names:
            changes["class_index"] = -1 if unknown else self._indices.get(label, -1)
        return dataclasses.replace(result, **changes)
