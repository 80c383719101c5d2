"""The OSC bridge's defences against hostile packets: file names, packet parsing, patterns.

*File names.* A remote ``/p5knn/save <name>`` or ``/p5knn/load <name>`` (and the gestures'
``/p5knn/gestures/save|load``) names a file, never a path: no separators of any OS, no ``..``,
no leading dot, no control or invisible characters, at most :data:`MAX_NAME` characters, a
``.p5knn`` or ``.json`` suffix (``.p5knn`` is added to a bare name; gestures: ``.p5gestures``).
The file is looked up in the data folder only, after resolving links, and must be a regular
file (or, for a save, not exist yet).

*Addresses out.* :func:`address_part` turns a label into one safe OSC address part (for
``/p5knn/gesture/<name>``).

*Packets.* :func:`parse_packet` reads a whole datagram in linear time with fixed limits
(size, messages, nesting) and raises only :class:`MalformedPacketError`; bundle timetags are
ignored. *Patterns.* :func:`pattern_matches` matches OSC address patterns with a bit-parallel
automaton, so no pattern can make it backtrack. Everything here runs on the caller's thread.
"""

from __future__ import annotations

import os
import stat
import struct
import sys
import unicodedata
from pathlib import Path
from typing import Any

from p5knn._base.errors import P5KNNError

MAX_PACKET = 65507   #: largest datagram accepted (the UDP payload limit over IPv4)
MAX_MESSAGES = 256   #: messages per packet, bundles included
MAX_DEPTH = 8        #: how deep bundles (and argument arrays) may nest
MAX_PATTERN = 128    #: longer address patterns match nothing
REPLY_CHARS = 300    #: replies are cut to this many characters
_FIXED = {"i": ">i", "h": ">q", "f": ">f", "d": ">d", "c": ">i", "r": ">I", "t": ">Q",
          "m": ">4B"}
_CONSTANTS = {"T": True, "F": False, "N": None, "I": None}

MAX_NAME = 100                          #: longest file name accepted from OSC
SUFFIXES = (".p5knn", ".json")          #: the only suffixes a remote save/load may use
GESTURE_SUFFIXES = (".p5gestures",)     #: the suffix of remote gesture saves/loads
DATA_FOLDER = "p5knn_data"              #: the default data folder's name
_FORBIDDEN = set('/\\:*?"<>|')          # separators and characters Windows refuses
_RESERVED = {"con", "prn", "aux", "nul", "conin$", "conout$",
             *(f"{d}{i}" for d in ("com", "lpt") for i in (*"0123456789", "¹", "²", "³"))}


class UnsafeFileError(P5KNNError, ValueError):
    """A remote file name was refused: a path, a hidden or odd name, a link leaving the data
    folder, or something that is not a regular file."""


class MalformedPacketError(P5KNNError, ValueError):
    """A datagram that is not valid OSC, or larger than :data:`MAX_PACKET`."""


def default_data_dir() -> Path:
    """``p5knn_data`` beside the running script (the folder of ``sys.argv[0]`` when that is a
    real file outside the Python installation, so not ``python -m``, a console script or a
    Jupyter kernel), else in the current folder. Nothing is created here."""
    script = sys.argv[0] if sys.argv else ""
    if script and os.path.isfile(script):
        path = Path(script).resolve()
        installed = {Path(p).resolve() for p in (sys.prefix, sys.exec_prefix, sys.base_prefix)}
        installed.add(Path(__file__).resolve().parent)
        if not any(path.is_relative_to(root) for root in installed):
            return path.parent / DATA_FOLDER
    return Path.cwd() / DATA_FOLDER


def clean_name(name: Any, suffixes: tuple[str, ...] = SUFFIXES) -> str:
    """Return ``name`` (with ``suffixes[0]`` added when it has no suffix) or raise
    :class:`UnsafeFileError` saying what is wrong with it."""
    if not isinstance(name, str) or not name:
        raise UnsafeFileError("needs a file name, like 'room' or 'room.p5knn'")
    if len(name) > MAX_NAME:
        raise UnsafeFileError(f"a file name may have at most {MAX_NAME} characters")
    for char in name:
        if char in _FORBIDDEN or unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn",
                                                                  "Zl", "Zp"):
            raise UnsafeFileError(f"a file name may not contain {char!r}: send a name only, "
                                  "not a path (files stay in the data folder)")
    if name.startswith(".") or ".." in name or name != name.strip() or name.endswith("."):
        raise UnsafeFileError("a file name may not start with '.', contain '..', or start or "
                              "end with a space or a dot")
    suffix = os.path.splitext(name)[1]
    if not suffix:
        name += suffixes[0]
    elif suffix.lower() not in suffixes:
        raise UnsafeFileError(f"only {' and '.join(suffixes)} files, got {suffix!r}")
    if name.split(".")[0].strip().lower() in _RESERVED:
        raise UnsafeFileError(f"{name!r} is a reserved device name on Windows")
    return name


def resolve(data_dir: Path, name: Any, for_save: bool,
            suffixes: tuple[str, ...] = SUFFIXES) -> tuple[str, Path]:
    """``(clean name, real path)`` of ``name`` inside ``data_dir``.

    The path is resolved (links followed) and must stay directly inside the resolved data
    folder; an existing file must be a regular file. ``for_save`` creates the data folder;
    a load needs the file to exist. Raises :class:`UnsafeFileError` or FileNotFoundError.
    """
    name = clean_name(name, suffixes)
    if for_save:
        data_dir.mkdir(parents=True, exist_ok=True)
    folder = data_dir.resolve()
    if folder.exists() and not folder.is_dir():
        raise UnsafeFileError("the data folder is not a folder")
    target = (folder / name).resolve()
    if target.parent != folder:
        raise UnsafeFileError(f"{name} is a link leading out of the data folder")
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        if for_save:
            return name, target
        raise FileNotFoundError(f"no file {name} in the data folder") from None
    if not stat.S_ISREG(mode):
        raise UnsafeFileError(f"{name} is not a regular file")
    return name, target


_ADDRESS_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")


def address_part(label: Any) -> str:
    """``label`` as one OSC address part: letters, digits, ``-``, ``_`` and ``.`` stay, every
    other character (spaces, ``/``, pattern characters, non-ASCII) becomes ``_``.

    Example
    -------
    >>> address_part("thumbs up/left")
    'thumbs_up_left'
    """
    text = "".join(c if c in _ADDRESS_SAFE else "_" for c in str(label))
    return text or "_"


def scrub(text: str, *paths: Path) -> str:
    """``text`` without the absolute paths given (replies must not reveal the folders)."""
    for path in sorted({str(p) for p in paths}, key=len, reverse=True):
        text = text.replace(path + os.sep, "").replace(path, "<data folder>")
    return text


# ------------------------------------------------------------------------------ parsing
def osc_string(text: str) -> bytes:
    """``text`` as an OSC string: UTF-8, NUL-terminated, padded to 4 bytes."""
    raw = text.replace("\0", "?").encode("utf-8", "replace")
    return raw + b"\0" * (4 - len(raw) % 4)


def _string(data: bytes, i: int, end: int) -> tuple[str, int]:
    stop = data.find(b"\0", i, end)
    nxt = i + ((stop - i) // 4 + 1) * 4
    if stop < 0 or nxt > end:
        raise MalformedPacketError("a string runs past the end")
    try:
        return data[i:stop].decode("utf-8"), nxt
    except UnicodeDecodeError:
        raise MalformedPacketError("a string is not UTF-8") from None


def _message(data: bytes, i: int, end: int) -> tuple[str, list]:
    """One OSC message's address and arguments (arrays as lists); linear time, no copies
    beyond the values."""
    address, i = _string(data, i, end)
    if i >= end:
        return address, []
    tags, i = _string(data, i, end)
    if not tags.startswith(","):
        raise MalformedPacketError("the type tags do not start with ','")
    args: list = []
    stack = [args]
    for tag in tags[1:]:
        if tag in _FIXED:
            size = struct.calcsize(_FIXED[tag])
            if i + size > end:
                raise MalformedPacketError("the arguments end early")
            value: Any = struct.unpack_from(_FIXED[tag], data, i)
            value = value if tag == "m" else value[0]
            if tag == "c":
                value = chr(value) if 0 <= value <= 0x10FFFF else "\ufffd"
            elif tag == "t":  # a timetag argument: (seconds, fraction), not a number
                value = (value >> 32, value & 0xFFFFFFFF)
            i += size
        elif tag in "sS":
            value, i = _string(data, i, end)
        elif tag == "b":
            size = struct.unpack_from(">i", data, i)[0] if i + 4 <= end else -1
            if size < 0 or i + 4 + size > end:
                raise MalformedPacketError("a blob's size is wrong")
            value, i = data[i + 4:i + 4 + size], i + 4 + size + (-size % 4)
        elif tag in _CONSTANTS:
            value = _CONSTANTS[tag]
        elif tag == "[" and len(stack) <= MAX_DEPTH:
            stack[-1].append([])
            stack.append(stack[-1][-1])
            continue
        elif tag == "]" and len(stack) > 1:
            stack.pop()
            continue
        else:
            raise MalformedPacketError(f"type tag {tag!r} is unknown or misplaced")
        stack[-1].append(value)
    if len(stack) != 1:
        raise MalformedPacketError("an argument array is not closed")
    return address, args


def parse_packet(data: bytes) -> list[tuple[str, list]]:
    """Every message in a datagram as ``(address, args)``, bundles flattened in order and
    their timetags ignored. Raises :class:`MalformedPacketError` (and nothing else)."""
    if len(data) > MAX_PACKET:
        raise MalformedPacketError(f"packet too large: {len(data)} bytes (at most "
                                   f"{MAX_PACKET})")
    found: list[tuple[str, list]] = []
    pending = [(0, len(data), 0)]  # (start, end, depth), walked in order without recursion
    while pending:
        start, end, depth = pending.pop()
        if data.startswith(b"#bundle\0", start, end):
            if depth >= MAX_DEPTH:
                raise MalformedPacketError(f"bundles nested more than {MAX_DEPTH} deep")
            i, elements = start + 16, []
            while i < end:
                size = struct.unpack_from(">i", data, i)[0] if i + 4 <= end else -1
                if size <= 0 or i + 4 + size > end:
                    raise MalformedPacketError("a bundle element's size is wrong")
                elements.append((i + 4, i + 4 + size, depth + 1))
                i += 4 + size
            if i > end:
                raise MalformedPacketError("a bundle ends before its timetag")
            pending += reversed(elements)
        elif data.startswith(b"/", start, end):
            if len(found) >= MAX_MESSAGES:
                raise MalformedPacketError(f"more than {MAX_MESSAGES} messages in one packet")
            found.append(_message(data, start, end))
        else:
            raise MalformedPacketError("empty" if start == end else
                                       "not an OSC message or bundle")
    return found


# ------------------------------------------------------------------------------ patterns
def _segment_tokens(pattern: str) -> list[tuple[str, Any]] | None:
    """OSC pattern segment → tokens (None if it is not a valid pattern)."""
    tokens: list[tuple[str, Any]] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char in "[{":
            close = pattern.find("]" if char == "[" else "}", i + 1)
            if close < 0:
                return None
            body = pattern[i + 1:close]
            if char == "{":
                tokens.append(("{", body.split(",")))
            else:
                negate = body.startswith("!")
                body = body[negate:]
                ranges, j = [], 0
                while j < len(body):
                    step = 3 if body[j + 1:j + 2] == "-" and j + 2 < len(body) else 1
                    ranges.append((body[j], body[j + step - 1]))
                    j += step
                tokens.append(("[", (negate, ranges)))
            i = close + 1
            continue
        if char in "]}":
            return None
        if char == "*" and tokens and tokens[-1][0] == "*":
            pass
        elif char in "*?":
            tokens.append((char, None))
        elif tokens and tokens[-1][0] == "=":
            tokens[-1] = ("=", tokens[-1][1] + char)
        else:
            tokens.append(("=", char))
        i += 1
    return tokens


def _at(text: str, seg: str) -> int:
    """Bit p set where ``seg`` has ``text`` at position p."""
    mask, p = 0, seg.find(text)
    while p >= 0:
        mask |= 1 << p
        p = seg.find(text, p + 1)
    return mask


def _segment_matches(tokens: list[tuple[str, Any]], seg: str) -> bool:
    """Bit-parallel NFA: bit p of ``states`` = the pattern so far matches ``seg[:p]``."""
    states, full = 1, (2 << len(seg)) - 1
    for kind, arg in tokens:
        if kind == "*":
            states = full & ~((states & -states) - 1)
        elif kind == "?":
            states = (states << 1) & full
        elif kind == "=":
            states = (states & _at(arg, seg)) << len(arg)
        elif kind == "{":
            states = _or(((states & _at(alt, seg)) << len(alt)) for alt in arg)
        else:
            negate, ranges = arg
            inside = _or(1 << p for p, c in enumerate(seg)
                         if any(lo <= c <= hi for lo, hi in ranges) != negate)
            states = (states & inside) << 1
        if not states:
            return False
    return bool(states >> len(seg) & 1)


def _or(masks: Any) -> int:
    out = 0
    for mask in masks:
        out |= mask
    return out


def pattern_matches(pattern: str, address: str) -> bool:
    """Whether the OSC address pattern ``pattern`` matches ``address``, part by part (no
    pattern character matches ``/``); time linear in the pattern for a given address."""
    parts, segs = pattern.split("/"), address.split("/")
    if len(parts) != len(segs):
        return False
    for part, seg in zip(parts, segs):
        tokens = _segment_tokens(part)
        if tokens is None or not _segment_matches(tokens, seg):
            return False
    return True
