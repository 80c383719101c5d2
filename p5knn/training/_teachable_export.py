"""Finding a Teachable Machine export and reading its files defensively: the size limits, the
files of a folder or a zip (:class:`ExportFiles`), and :func:`find_export`, which tells where
the model is and which format it has.

Every file is opened once, without blocking, must be a regular file and is size-limited before
it is read; a zip's members are checked by their declared and actual sizes. Anything else
raises :class:`~p5knn.CorruptFileError`. The overview of the formats is in
:mod:`p5knn.training._teachable_files`.
"""

from __future__ import annotations

import os
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from p5knn._base.errors import CorruptFileError
from p5knn._base.regular import open_regular

MAX_MODEL_BYTES = 512 << 20      #: largest model or weights file read
MAX_JSON_BYTES = 32 << 20        #: largest model.json / metadata.json
MAX_LABELS_BYTES = 1 << 20       #: largest labels.txt
MAX_ZIP_BYTES = 1 << 30          #: largest zip opened
MAX_CLASSES = 10_000             #: most classes a model may have
MAX_JSON_DEPTH = 64              #: Keras topologies nest ~12 levels
MAX_WEIGHTS = 100_000            #: most weight arrays
FORMATS = ("tflite", "keras", "tfjs")

#: model files in the order a folder or zip holding several is read: float models first
#: (no conversion for TFLite), the quantized TFLite last
_PREFERENCE = (("tflite", "model_unquant.tflite"), ("keras", "keras_model.h5"),
               ("tfjs", "model.json"), ("tflite", "model.tflite"))


# ------------------------------------------------------------------------------ files

class ExportFiles:
    """The files of one export (a folder or a zip), looked up by case-insensitive name."""

    def __init__(self, where: str) -> None:
        self.where = where
        self._names: dict[str, str] = {}

    def names(self) -> list[str]:
        """Lower-case names of the files there."""
        return sorted(self._names)

    def has(self, name: str) -> bool:
        """True when a file of that name (any case) is there."""
        return name.lower() in self._names

    def path_of(self, name: str) -> str:
        """How messages name a file."""
        return f"{self.where}/{self._names.get(name.lower(), name)}"

    def size(self, name: str) -> int:
        """A file's size in bytes."""
        raise NotImplementedError

    def read(self, name: str, limit: int) -> bytes:
        """A file's bytes; CorruptFileError when it is larger than ``limit``."""
        raise NotImplementedError

    def close(self) -> None:
        """Let go of the zip (folders hold nothing open)."""


class FolderFiles(ExportFiles):
    """The regular files directly inside a folder."""

    def __init__(self, folder: Path) -> None:
        super().__init__(str(folder))
        self.folder = folder
        try:
            entries = sorted(os.listdir(folder))
        except OSError as exc:
            raise CorruptFileError(f"{folder}: cannot list the folder ({exc})") from exc
        for entry in entries:
            self._names.setdefault(entry.lower(), entry)

    def _open(self, name: str) -> tuple[Any, int]:
        real = self._names.get(name.lower())
        if real is None:
            raise FileNotFoundError(f"{name} not found in {self.where}")
        return open_regular(self.folder / real, "Teachable Machine file")

    def size(self, name: str) -> int:
        handle, size = self._open(name)
        handle.close()
        return size

    def read(self, name: str, limit: int) -> bytes:
        handle, size = self._open(name)
        with handle:
            if size > limit:
                raise CorruptFileError(f"{self.path_of(name)}: {size} bytes, more than the "
                                       f"{limit} allowed")
            data = handle.read(limit + 1)
        if len(data) > limit:
            raise CorruptFileError(f"{self.path_of(name)}: grew past {limit} bytes while read")
        return data


class ZipFiles(ExportFiles):
    """The files of a zip, at its top or inside one top folder (``__MACOSX`` and hidden
    files are skipped)."""

    def __init__(self, path: Path) -> None:
        super().__init__(str(path))
        handle, size = open_regular(path, "zip file")
        if size > MAX_ZIP_BYTES:
            handle.close()
            raise CorruptFileError(f"{path}: {size} bytes, more than the {MAX_ZIP_BYTES} "
                                   "allowed for a zip")
        self._handle = handle
        try:
            self._zip = zipfile.ZipFile(handle)
            infos = self._zip.infolist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            handle.close()
            raise CorruptFileError(f"{path}: not a readable zip ({exc})") from exc
        if len(infos) > 10_000:
            self.close()
            raise CorruptFileError(f"{path}: {len(infos)} members, too many for an export")
        self._infos: dict[str, zipfile.ZipInfo] = {}
        files = [i for i in infos if not i.is_dir() and not i.filename.startswith("__MACOSX/")
                 and not i.filename.rsplit("/", 1)[-1].startswith(".")]
        for info in files:
            parts = info.filename.split("/")
            if len(parts) > 2:
                continue
            key = parts[-1].lower()
            if key in self._infos and len(parts) > 1:
                continue                     # a top-level file wins over a folder's one
            self._infos[key] = info
            self._names[key] = info.filename

    def size(self, name: str) -> int:
        info = self._infos.get(name.lower())
        if info is None:
            raise FileNotFoundError(f"{name} not found in {self.where}")
        return info.file_size

    def read(self, name: str, limit: int) -> bytes:
        info = self._infos.get(name.lower())
        if info is None:
            raise FileNotFoundError(f"{name} not found in {self.where}")
        where = self.path_of(name)
        if info.file_size > limit:
            raise CorruptFileError(f"{where}: {info.file_size} bytes, more than the "
                                   f"{limit} allowed")
        if info.flag_bits & 0x1:
            raise CorruptFileError(f"{where}: encrypted zip members are not supported")
        try:
            with self._zip.open(info) as member:
                data = member.read(info.file_size + 1)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError,
                RuntimeError) as exc:  # bad CRC, truncation, unknown compression
            raise CorruptFileError(f"{where}: cannot be unpacked ({exc})") from exc
        if len(data) != info.file_size:
            raise CorruptFileError(f"{where}: holds {len(data)} bytes, its header says "
                                   f"{info.file_size}")
        return data

    def close(self) -> None:
        try:
            self._zip.close()
        finally:
            self._handle.close()


# ------------------------------------------------------------------------------ finding

@dataclass
class Export:
    """One Teachable Machine export, found but not read yet."""

    format: str          #: "tflite", "keras" or "tfjs"
    model: str           #: the model file's name among ``files``
    files: ExportFiles   #: the folder or zip it is in
    source: str          #: what the user passed, for messages and ``source``


def _pick(files: ExportFiles, wanted: str | None, where: str) -> tuple[str, str]:
    """(format, model file name) of the model to read in a folder or zip."""
    names = files.names()
    options = [(fmt, name) for fmt, name in _PREFERENCE if files.has(name)]
    options += [("keras", n) for n in names if n.endswith((".h5", ".hdf5"))
                and ("keras", n) not in options]
    options += [("tflite", n) for n in names if n.endswith(".tflite") and
                "edgetpu" not in n and ("tflite", n) not in options]
    if wanted is not None:
        options = [o for o in options if o[0] == wanted]
    if options:
        return options[0]
    if any("edgetpu" in n for n in names):
        raise CorruptFileError(f"{where} holds an Edge TPU model, which needs a Coral "
                               "accelerator: export \"TensorFlow Lite\" as Floating point "
                               "or Quantized instead")
    kind = f"a {wanted} model" if wanted else "a Teachable Machine model"
    raise FileNotFoundError(f"{where} holds no {kind} (keras_model.h5, model_unquant.tflite, "
                            f"model.tflite or model.json); it has: {names[:12]}")


def find_export(path: str | os.PathLike, format: str | None = None) -> Export:
    """Where the model of a Teachable Machine export is and which format it has.

    Parameters
    ----------
    path : str or os.PathLike
        The zip TM downloads, the folder it unpacks to, or a model file in such a folder
        (``keras_model.h5``, ``model.tflite``, ``model_unquant.tflite``, ``model.json``).
    format : {"tflite", "keras", "tfjs"}, optional
        Which model to read when a folder holds several (default: ``model_unquant.tflite``,
        then ``keras_model.h5``, ``model.json``, ``model.tflite``).

    Returns
    -------
    Export

    Example
    -------
    >>> find_export("converted_keras.zip").format
    'keras'
    """
    if format is not None and format not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS} or None, got {format!r}")
    path = Path(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise FileNotFoundError(f"Teachable Machine model not found: {path}") from None
    except OSError as exc:
        raise CorruptFileError(f"{path}: cannot be read ({exc})") from exc
    if stat.S_ISDIR(info.st_mode):
        files: ExportFiles = FolderFiles(path)
        fmt, model = _pick(files, format, str(path))
        return Export(fmt, model, files, str(path))
    suffix = path.suffix.lower()
    if suffix == ".zip":
        files = ZipFiles(path)
        try:
            fmt, model = _pick(files, format, str(path))
        except BaseException:
            files.close()
            raise
        return Export(fmt, model, files, str(path))
    by_suffix = {".h5": "keras", ".hdf5": "keras", ".tflite": "tflite", ".json": "tfjs"}
    if path.name.lower() in ("labels.txt", "metadata.json"):
        return find_export(path.parent, format)
    if suffix not in by_suffix:
        raise CorruptFileError(f"{path.name} is not a Teachable Machine export: give the zip, "
                               "its folder, keras_model.h5, a .tflite or model.json")
    if format is not None and by_suffix[suffix] != format:
        raise ValueError(f"{path.name} is a {by_suffix[suffix]} model, not {format}")
    files = FolderFiles(path.parent)
    return Export(by_suffix[suffix], path.name.lower(), files, str(path))
