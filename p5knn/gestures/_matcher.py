"""Streaming recognition: is a recorded gesture ending in the newest frames of a stream?

Every new frame, each recorded gesture (template) is compared by DTW with the stretches of
history that end now and last 0.75 to 1.33 times as long as it did (five steps, rounded to a
6 % grid so that gestures of similar length share a stretch); with
``normalize="sequence"`` only stretches of about its size count (within 3×: jitter scaled up
is not a gesture); a cheap bound (first
and last frames, :func:`p5knn.gestures._dtw.end_bound`) skips most of them, and the rest go
to dtaidistance's C code with early abandoning at the threshold. A match closer than the
threshold is a *candidate*; it fires once the distance has stopped falling for ``settle``
frames (the gesture is over), at its best frame. Then the history is cleared and nothing
fires for ``refractory`` frames, so one gesture fires once.
"""

from __future__ import annotations

import collections
import threading

import numpy as np

from p5knn._base.results import GestureResult, Label
from p5knn.gestures import _dtw

SPEEDS = (0.75, 0.87, 1.0, 1.15, 1.33)
SPAN_STEP = 1.06  #: stretch lengths are rounded to steps 6 % apart, so gestures share them


def quantize(spans: np.ndarray) -> np.ndarray:
    """Stretch lengths rounded to a geometric grid (6 % steps): gestures of similar length
    share one stretch, prepared once and compared in one C call."""
    step = np.log(SPAN_STEP)
    return np.round(np.exp(np.round(np.log(np.maximum(spans, 1.0)) / step) * step)).astype(int)


class Templates:
    """The recorded gestures as the matcher needs them (made again after every change)."""

    def __init__(self, raw: list[np.ndarray], prepared: list[np.ndarray], labels: list[Label],
                 normalizer: _dtw.Normalizer, length: int, window: int,
                 thresholds: np.ndarray) -> None:
        self.raw_lengths = np.array([len(r) for r in raw], int)
        #: per speed, each gesture's stretch length (on the 6 % grid), and those lengths once
        self.spans = [quantize(self.raw_lengths * speed) for speed in SPEEDS]
        self.span_values = [np.unique(spans) for spans in self.spans]
        self.sizes = np.array([_dtw.size(r) for r in raw]) if normalizer.mode == "sequence" \
            else None
        self.length = length                  #: what gestures and queries are resampled to
        self.prepared = prepared              #: normalised and resampled gestures
        self.labels = labels
        self.normalizer = normalizer
        self.window = window
        self.thresholds = np.asarray(thresholds, np.float64)   #: per gesture (its label's)
        self.threshold = float(self.thresholds.max()) if len(raw) else np.inf  #: the loosest
        self.ends = np.stack([np.stack([p[0], p[-1]]) for p in self.prepared]) \
            if self.prepared else np.zeros((0, 2, 1))
        self.longest = int(self.raw_lengths.max()) if len(raw) else 0


class Matcher:
    """Frames in, recognised gestures out (thread-safe)."""

    def __init__(self, settle: int = 3, refractory: int | None = None) -> None:
        self.settle = int(settle)
        self.refractory = refractory
        self._history: collections.deque[np.ndarray] = collections.deque()
        self._lock = threading.Lock()
        self._candidate: GestureResult | None = None
        self._since_best = 0
        self._quiet = 0
        self.frames_seen = 0
        self.comparisons = 0     #: DTW computations run (after the bound skipped the rest)

    def reset(self) -> None:
        """Forget the history (e.g. after the recorded gestures changed)."""
        with self._lock:
            self._history.clear()
            self._candidate, self._since_best, self._quiet = None, 0, 0

    def push(self, frame: np.ndarray, templates: Templates | None,
             frame_time: float | None = None) -> GestureResult | None:
        """Add one frame; return a gesture when one has just been recognised."""
        with self._lock:
            self.frames_seen += 1
            self._history.append(frame)
            keep = int(np.ceil(SPEEDS[-1] * (templates.longest if templates else 0))) + 1
            while len(self._history) > max(keep, 2):
                self._history.popleft()
            if templates is None or not templates.prepared or not np.isfinite(
                    templates.thresholds).any():   # one gesture: everything would match it
                return None
            if self._quiet > 0:
                self._quiet -= 1
                return None
            best = self._best(templates, frame_time)
            candidate = self._candidate
            if best is not None and (candidate is None or best.distance < candidate.distance):
                self._candidate, self._since_best = best, 0
                return None
            if candidate is None:
                return None
            self._since_best += 1
            if self._since_best < self.settle and best is not None:
                return None
            # the distance stopped falling (or the match is gone): the gesture is over
            self._candidate = None
            self._history.clear()
            self._quiet = self.refractory if self.refractory is not None else \
                max(1, candidate.frames // 2)
            return candidate

    def _best(self, t: Templates, frame_time: float | None) -> GestureResult | None:
        history = np.asarray(self._history)
        nearest: dict[Label, float] = {}
        best_d, best_i, best_frames = np.inf, -1, 0
        for spans, values in zip(t.spans, t.span_values):
            for span in values:
                if span < 2 or span > len(history):
                    continue
                which = np.flatnonzero(spans == span)
                if t.sizes is not None:
                    ratio = _dtw.size(history[-span:]) / np.maximum(t.sizes[which], 1e-12)
                    which = which[(ratio <= _dtw.SIZE_RATIO) & (ratio >= 1 / _dtw.SIZE_RATIO)]
                    if not len(which):
                        continue
                query = _dtw.prepare(history[-span:], t.normalizer, t.length)
                bound = _dtw.end_bound(t.ends[which], query)
                which = which[bound <= t.thresholds[which]]
                if not len(which):
                    continue
                self.comparisons += len(which)
                got = _dtw.to_many([t.prepared[i] for i in which], query, t.window,
                                   max_dist=float(t.thresholds[which].max()))
                for i, d in zip(which, got):
                    if not np.isfinite(d) or d > t.thresholds[i]:
                        continue
                    label = t.labels[i]
                    nearest[label] = min(nearest.get(label, np.inf), float(d))
                    if d < best_d:
                        best_d, best_i, best_frames = float(d), int(i), int(span)
        if best_i < 0:
            return None
        order = {label: None for label in t.labels}            # class order
        nearest = {label: nearest[label] for label in order if label in nearest}
        return GestureResult(label=t.labels[best_i], distance=best_d, distances=nearest,
                             unknown=False, threshold=float(t.thresholds[best_i]),
                             frames=best_frames,
                             frame_time=frame_time)
