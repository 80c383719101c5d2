"""Live-coding-safe state: named objects that outlive a reload, and the closing of the objects
a reload replaced.

**Named objects.** ``knn_classifier.create(name="gestures")`` (and ``knn_regressor.create``,
``gesture_classifier.create``, ``Camera(name=...)``) registers the object under its kind and
name for the life of the process. Called again with that name — after ``py5-live-coding``
re-ran the file, a re-run notebook cell, a second sketch — it returns the same live object,
with its examples, by one rule:

* options that define what the object holds (the kind, the feature model, the storage; a
  camera's source and frame size) must be the same, else :class:`P5KNNError` says which
  option differs and what to do;
* every other option that *your code changed* since the previous call is applied to the live
  object (``k=3`` edited to ``k=5`` takes effect when you save); options your code did not
  change keep their live values (a ``k`` changed by a key press stays).

**Runs and reloads.** Under ``py5-live-coding`` every save re-executes the sketch file in the
same namespace (cleared first) and runs ``setup()`` again. A *run* is one execution of the
file: p5knn marks the namespace with a run number (``__p5knn_run__``) the first time the run
makes a p5knn object, so objects made by the module code and by that run's ``setup()`` and
``draw()`` belong to the same run. Each unnamed object that starts threads (classifiers,
regressors, gesture classifiers, feature extractors, trained heads, cameras) is tracked with
its run. When a new run starts — its first p5knn object, or the first frame after py5 counted
a reload (``SyncDraw.update_count``) — the unnamed objects of earlier runs are closed (their
threads end, their sketch hooks are dropped), except the ones a named object holds (its
feature extractor). Outside ``py5-live-coding`` nothing is tracked and nothing is closed.
"""

from __future__ import annotations

import itertools
import sys
import threading
from dataclasses import dataclass, field
from typing import Any, Callable

from p5knn._base.errors import P5KNNError

RUN_KEY = "__p5knn_run__"          #: the run number's name in the live-coded namespace
LIVE_CODING_FILE = 1               #: py5_tools.live_coding.syncing.LIVE_CODING_FILE
_MISSING = object()


# ---------------------------------------------------------------- live coding
def live_coding_sync(sketch: Any = None) -> Any | None:
    """py5-live-coding's ``SyncDraw`` when ``sketch`` (default: the module-mode sketch) is
    being live coded from a file, else None. Never imports py5."""
    if sketch is None:
        py5 = sys.modules.get("py5")
        if py5 is None:
            return None
        try:
            sketch = py5.get_current_sketch()
        except Exception:  # noqa: BLE001 - py5 half imported or shutting down
            return None
    getter = getattr(sketch, "_get_sync_draw", None)
    try:
        sync = getter() if getter is not None else None
    except Exception:  # noqa: BLE001
        return None
    if sync is None or not int(getattr(sync, "live_coding_mode", 0) or 0) & LIVE_CODING_FILE:
        return None
    if not isinstance(getattr(sync, "global_namespace", None), dict):
        return None
    return sync


_counter = itertools.count(1)


def current_run(sketch: Any = None) -> int | None:
    """The number of the live-coded file's current run (None when not live coding). The
    first call in a new run starts it: the unnamed objects of earlier runs are closed."""
    sync = live_coding_sync(sketch)
    if sync is None:
        return None
    namespace = sync.global_namespace
    run = namespace.get(RUN_KEY)
    if isinstance(run, int):
        return run
    with _lock:
        run = namespace.get(RUN_KEY)
        if isinstance(run, int):
            return run
        run = next(_counter)
        namespace[RUN_KEY] = run
    for listener in list(new_run_listeners):
        listener()
    close_stale(run)
    return run


#: called when a new run starts (p5knn's sketch link drops the callbacks still queued for the
#: replaced run: they are functions of that run, and its namespace is being refilled)
new_run_listeners: list[Callable[[], None]] = []


def live_coding_paused() -> bool:
    """True while py5-live-coding has paused the sketch (an error, or ``exit_sketch()``):
    py5 then calls none of your functions, and p5knn runs none of your callbacks."""
    syncing = sys.modules.get("py5_tools.live_coding.syncing")
    wrapper = getattr(syncing, "UserFunctionWrapper", None)
    return wrapper is not None and not getattr(wrapper, "running_state", True)


# ---------------------------------------------------------------- tracking
@dataclass
class _Tracked:
    run: int
    owner: Any                      #: the object (identity: is it held by a named object?)
    close: Callable[[], None]       #: what ends its threads


_tracked: list[_Tracked] = []
_lock = threading.RLock()
_quiet = threading.local()


class untracked:
    """``with untracked():`` objects made inside are not tracked (named objects, throwaway
    objects made to check options)."""

    def __enter__(self) -> "untracked":
        _quiet.depth = getattr(_quiet, "depth", 0) + 1
        return self

    def __exit__(self, *exc: Any) -> None:
        _quiet.depth -= 1


def track(owner: Any, close: Callable[[], None]) -> None:
    """Under live coding, remember that the current run made ``owner`` (closed with
    ``close()`` when a later run replaces it, unless a named object holds it)."""
    if getattr(_quiet, "depth", 0):
        return
    run = current_run()
    if run is None:
        return
    with _lock:
        _tracked.append(_Tracked(run, owner, close))


def tracked_count() -> int:
    """How many unnamed objects are tracked now (for tests)."""
    with _lock:
        return len(_tracked)


def _held_by_named() -> set[int]:
    """ids of the named objects and of the feature extractors they hold."""
    held: set[int] = set()
    for entry in list(_registry.values()):
        held.add(id(entry.obj))
        attrs = getattr(entry.obj, "__dict__", {})
        for attr in ("_extractor", "extractor"):   # never a lazy property: __dict__ only
            part = attrs.get(attr)
            if part is not None:
                held.add(id(part))
    return held


def close_stale(run: int) -> int:
    """Close the tracked objects of runs other than ``run`` (those a named object holds are
    kept, and no longer tracked). Returns how many were closed."""
    with _lock:
        if not _tracked:
            return 0
        held = _held_by_named()
        stale = [t for t in _tracked if t.run != run]
        _tracked[:] = [t for t in _tracked if t.run == run and id(t.owner) not in held]
    closed = 0
    for item in stale:
        if id(item.owner) in held:
            continue
        try:
            item.close()
            closed += 1
        except Exception as exc:  # noqa: BLE001 - one bad close must not stop the others
            from p5knn.live._report import report_error

            report_error(exc, None, f"closing {type(item.owner).__name__} replaced by a reload")
    return closed


_seen_updates: dict[int, int] = {}


def check_reload(sketch: Any) -> None:
    """Called before every ``draw()`` of a linked sketch: when py5-live-coding has re-run the
    file since the last call, close what the earlier runs left (a run that made no p5knn
    object at all still replaces the previous one)."""
    sync = live_coding_sync(sketch)
    if sync is None:
        return
    count = getattr(sync, "update_count", 0)
    if _seen_updates.get(id(sketch)) == count:
        return
    first = id(sketch) not in _seen_updates
    _seen_updates[id(sketch)] = count
    if not first:
        current_run(sketch)     # starts a run (closing the others) when this one made nothing
        run = sync.global_namespace.get(RUN_KEY)
        if isinstance(run, int):
            close_stale(run)


# ---------------------------------------------------------------- named objects
@dataclass
class _Entry:
    obj: Any
    defining: dict[str, Any]
    live: dict[str, Any] = field(default_factory=dict)


_registry: dict[tuple[str, str], _Entry] = {}


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a is b or a == b)
    except Exception:  # noqa: BLE001 - objects that cannot be compared: different
        return False


def check_name(name: Any) -> str:
    if not isinstance(name, str) or not name.strip():
        raise TypeError(f"name must be a non-empty string, got {name!r}")
    return name


def find(kind: str, name: str, defining: dict[str, Any], live: dict[str, Any],
         apply: Callable[[Any, dict[str, Any]], None],
         alive: Callable[[Any], bool] | None = None) -> Any | None:
    """The live object registered as ``kind`` ``name``, with the options your code changed
    since the last call applied (``apply(obj, changed)``); None when there is none (or it was
    closed for good: ``alive(obj)`` False). Raises :class:`P5KNNError` when a defining option
    differs."""
    check_name(name)
    with _lock:
        entry = _registry.get((kind, name))
        if entry is None or (alive is not None and not alive(entry.obj)):
            _registry.pop((kind, name), None)
            return None
        differ = [key for key, value in defining.items()
                  if not _same(entry.defining.get(key, _MISSING), value)]
        if differ:
            said = "; ".join(f"{key}={entry.defining.get(key)!r} then, {defining[key]!r} now"
                             for key in differ)
            raise P5KNNError(
                f"{kind} {name!r} already exists with other {', '.join(differ)} ({said}): "
                f"{'this defines' if len(differ) == 1 else 'these define'} what it holds, so "
                f"the live object cannot change. Give this one another name (e.g. "
                f"name={name + '-2'!r}), or change {'it' if len(differ) == 1 else 'them'} back "
                f"(options that do not define it are applied to the live object)")
        changed = {key: value for key, value in live.items()
                   if not _same(entry.live.get(key, _MISSING), value)}
        entry.live = dict(live)
        obj = entry.obj
    if changed:
        apply(obj, changed)
    return obj


def register(kind: str, name: str, obj: Any, defining: dict[str, Any],
             live: dict[str, Any]) -> Any:
    """Register ``obj`` as ``kind`` ``name`` (it is never closed by a reload)."""
    check_name(name)
    with _lock:
        _registry[(kind, name)] = _Entry(obj, dict(defining), dict(live))
        _tracked[:] = [t for t in _tracked if t.owner is not obj]
    return obj


def named(kind: str, name: str, defining: dict[str, Any], live: dict[str, Any],
          make: Callable[[], Any], apply: Callable[[Any, dict[str, Any]], None],
          alive: Callable[[Any], bool] | None = None) -> Any:
    """The object registered as ``kind`` ``name`` (see :func:`find`), or a new one from
    ``make()``, registered."""
    found = find(kind, name, defining, live, apply, alive)
    if found is not None:
        return found
    return register(kind, name, make(), defining, live)


def forget(kind: str, name: str) -> Any | None:
    """Drop a name (the object is not closed); returns the object it named."""
    with _lock:
        entry = _registry.pop((kind, name), None)
    return entry.obj if entry is not None else None


def names() -> dict[tuple[str, str], Any]:
    """Every registered ``(kind, name)`` and its object."""
    with _lock:
        return {key: entry.obj for key, entry in _registry.items()}
