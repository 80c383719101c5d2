"""Run a TFLite model on the CPU (XNNPACK), one image at a time, thread-safely.

Two runtimes run the same ``.tflite`` files: LiteRT (PyPI ``ai-edge-litert``, the default: it
imports in milliseconds) and TensorFlow's own ``tf.lite.Interpreter`` — the fallback where
``ai-edge-litert`` has no wheel (macOS x86-64, older Windows), also forced with
``P5KNN_RUNTIME=tensorflow``. Both give the same features (tested to 1e-5).

Batch 1 is the fast path: on a 2-core CPU, bigger batches give no more images per second
with XNNPACK, and changing the batch size re-allocates the interpreter, so a batch is run
as a loop over one reusable batch-1 interpreter.

The runtimes' C++ code prints ``INFO: Created TensorFlow Lite XNNPACK delegate for CPU.``
straight to the process's standard error (file descriptor 2, no setting turns it off), and
TensorFlow's import prints its own INFO lines the same way. :func:`quiet_native_stderr`
catches what is written to descriptor 2 meanwhile and writes back everything except those
known lines; ``P5KNN_VERBOSE=1`` shows everything.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import re
import sys
import tempfile
import threading
import warnings
from pathlib import Path
from types import ModuleType
from typing import Any, Iterator, Sequence

import numpy as np

from p5knn._base.errors import ModelError

RUNTIMES = ("litert", "tensorflow")  #: the runtimes :class:`TFLiteRunner` can use
#: lines the runtimes print on descriptor 2 that say nothing to a user (INFO level)
CHATTER = re.compile(
    rb"INFO: (Created TensorFlow Lite XNNPACK delegate for CPU\."
    rb"|Initialized TensorFlow Lite runtime\.)"
    rb"|WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR"
    rb"|I\d{4} [\d:.]+ +\d+ [\w.]+:\d+\] .*"            # absl INFO lines (TensorFlow's import)
    rb"|To enable the following instructions: .* rebuild TensorFlow with the appropriate "
    rb"compiler flags\.")
_quiet_lock = threading.RLock()
_modules: dict[str, ModuleType] = {}


def verbose() -> bool:
    """Whether third-party INFO chatter is shown (``P5KNN_VERBOSE`` set to anything but ``0``).

    Example
    -------
    >>> os.environ["P5KNN_VERBOSE"] = "1"; verbose()
    True
    """
    return os.environ.get("P5KNN_VERBOSE", "").strip() not in ("", "0")


def _write_all(fd: int, data: bytes) -> None:
    while data:
        data = data[os.write(fd, data):]


@contextlib.contextmanager
def quiet_native_stderr() -> Iterator[None]:
    """Drop the runtimes' INFO lines (:data:`CHATTER`) from what native code writes to standard
    error inside this block; everything else is written back when the block ends.

    Descriptor 2 points at a temporary file meanwhile, so a line another thread writes in
    those milliseconds comes out a little late, never lost. One block at a time (a lock), so
    nested or concurrent blocks always restore the real descriptor. Does nothing with
    ``P5KNN_VERBOSE=1`` or when descriptor 2 cannot be redirected.

    Example
    -------
    >>> with quiet_native_stderr():
    ...     interpreter.allocate_tensors()      # no "Created TensorFlow Lite XNNPACK delegate"
    """
    if verbose():
        yield
        return
    with _quiet_lock:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        try:
            saved = os.dup(2)
        except OSError:  # no descriptor 2 (pythonw on Windows): nothing to quiet
            yield
            return
        capture = tempfile.TemporaryFile()
        try:
            os.dup2(capture.fileno(), 2)
        except OSError:
            os.close(saved)
            capture.close()
            yield
            return
        try:
            yield
        finally:
            with contextlib.suppress(Exception):
                sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            data = capture.read()
            capture.close()
            kept = b"".join(line for line in data.splitlines(keepends=True)
                            if not CHATTER.fullmatch(line.rstrip(b"\r\n")))
            if kept:
                with contextlib.suppress(OSError):
                    _write_all(2, kept)


def quiet_tensorflow() -> None:
    """Import TensorFlow without its start-up chatter (oneDNN, CUDA probing, CPU features):
    ``TF_CPP_MIN_LOG_LEVEL=3`` unless you set it, and its INFO lines dropped
    (:func:`quiet_native_stderr`). Takes 2-3 s the first time; then nothing. Nothing is
    hidden with ``P5KNN_VERBOSE=1``; an ImportError is left for the caller's own import.

    Example
    -------
    >>> quiet_tensorflow(); import keras
    """
    if not verbose():
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if "tensorflow" in sys.modules:
        return
    with quiet_native_stderr(), contextlib.suppress(ImportError):
        importlib.import_module("tensorflow")


def runtime_name() -> str:
    """The runtime new models run on: ``P5KNN_RUNTIME`` (``litert`` or ``tensorflow``) when
    set, else ``litert`` when PyPI ``ai-edge-litert`` is installed, else ``tensorflow``.

    Returns
    -------
    str
        ``"litert"`` or ``"tensorflow"``.

    Example
    -------
    >>> runtime_name()
    'litert'
    """
    wanted = os.environ.get("P5KNN_RUNTIME", "").strip().lower()
    if wanted in ("", "auto"):
        return "litert" if _litert_available() else "tensorflow"
    if wanted in ("tf", "tflite"):
        wanted = "tensorflow"
    if wanted not in RUNTIMES:
        raise ModelError(f"P5KNN_RUNTIME={wanted!r}: use 'litert', 'tensorflow' or 'auto'")
    return wanted


def _litert_available() -> bool:
    if "litert" in _modules:
        return True
    try:
        _interpreter_module("litert")
    except ModelError:
        return False
    return True


def _interpreter_module(runtime: str) -> ModuleType:
    """The module holding ``Interpreter`` and ``OpResolverType`` for ``runtime``."""
    if runtime in _modules:
        return _modules[runtime]
    if runtime == "litert":
        try:
            module = importlib.import_module("ai_edge_litert.interpreter")
        except ImportError as exc:
            raise ModelError("P5KNN_RUNTIME=litert but PyPI ai-edge-litert is not installed "
                             f"({exc}); pip install ai-edge-litert, or use "
                             "P5KNN_RUNTIME=tensorflow") from exc
    else:
        quiet_tensorflow()  # TensorFlow's import prints INFO lines; it takes 2-3 s
        try:
            module = importlib.import_module("tensorflow.lite.python.interpreter")
        except ImportError as exc:
            raise ModelError(f"neither ai-edge-litert nor TensorFlow can run models ({exc}); "
                             "pip install ai-edge-litert or tensorflow") from exc
    _modules[runtime] = module
    return module


def _make_interpreter(runtime: str, kwargs: dict[str, Any]) -> Any:
    """A runtime's interpreter, built quietly (its deprecation warning and INFO lines)."""
    module = _interpreter_module(runtime)
    with warnings.catch_warnings():
        # cutting at a layer keeps every tensor on purpose; TensorFlow 2.18+ says its
        # interpreter is deprecated in favour of LiteRT: it is the fallback here on purpose
        warnings.filterwarnings("ignore", message=".*preserve_all_tensors.*")
        warnings.filterwarnings("ignore", message=".*tf.lite.Interpreter is deprecated.*")
        return module.Interpreter(**kwargs)


def model_constants(model: Path | bytes) -> list[tuple[str, list[np.ndarray | None]]]:
    """Every operator of a ``.tflite`` model in execution order, with its constant inputs
    (weights, biases; ``None`` for computed inputs). No delegate is applied, so the weights
    are read as stored.

    Parameters
    ----------
    model : Path or bytes
        The model file or its (already verified) bytes.

    Returns
    -------
    list of (str, list)
        ``(op_name, inputs)`` per operator, e.g. ``("CONV_2D", [None, filter, bias])``.

    Example
    -------
    >>> model_constants(mobilenet_bytes())[0][0]
    'CONV_2D'
    """
    runtime = runtime_name()
    module = _interpreter_module(runtime)
    kwargs: dict[str, Any] = {
        "experimental_op_resolver_type": module.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES}
    if isinstance(model, (bytes, bytearray)):
        kwargs["model_content"] = bytes(model)
    else:
        kwargs["model_path"] = str(model)
    try:
        with quiet_native_stderr():
            interpreter = _make_interpreter(runtime, kwargs)
        return [(op["op_name"], [_constant(interpreter, int(i)) for i in op["inputs"]])
                for op in interpreter._get_ops_details() if op["op_name"] != "DELEGATE"]
    except Exception as exc:
        raise ModelError(f"cannot read the TFLite model's weights: {exc}") from exc


def _constant(interpreter: Any, index: int) -> np.ndarray | None:
    """A tensor's data when the model stores it (a weight); ``None`` for a computed tensor
    (before ``allocate_tensors`` it has no data) or a missing optional input (index -1)."""
    if index < 0:
        return None
    try:
        return np.array(interpreter.get_tensor(index))
    except ValueError:
        return None


def default_threads() -> int:
    """Threads LiteRT uses for one inference called directly.

    Returns
    -------
    int
        ``P5KNN_THREADS`` when set, else every core.

    Example
    -------
    >>> default_threads()
    2
    """
    env = os.environ.get("P5KNN_THREADS")
    if env:
        return max(1, int(env))
    return max(1, os.cpu_count() or 1)


def live_threads() -> int:
    """Threads LiteRT uses for background inference next to a running sketch.

    One by default, so the animation thread keeps a core: on 2 cores, frame-time p95 was
    18.0 ms with one thread and 19.5 ms with two, at the same 60 fps.

    Returns
    -------
    int
        ``P5KNN_LIVE_THREADS`` when set, else 1.

    Example
    -------
    >>> live_threads()
    1
    """
    env = os.environ.get("P5KNN_LIVE_THREADS")
    return max(1, int(env)) if env else 1


class TFLiteRunner:
    """One interpreter (LiteRT, or TensorFlow's: :func:`runtime_name`) with a fixed batch of 1;
    :meth:`run` returns the chosen outputs.

    Parameters
    ----------
    model : Path or bytes
        A ``.tflite`` file or its bytes (pass verified bytes: native code reads exactly them).
    num_threads : int, optional
        LiteRT threads (default :func:`default_threads`).
    outputs : sequence of str or int, optional
        Tensors to return, by name or index (default: the model's outputs). Naming an inner
        tensor needs ``preserve_all=True``.
    preserve_all : bool
        Keep every intermediate tensor readable (for cutting a model at a layer).

    Example
    -------
    >>> runner = TFLiteRunner("model.tflite", num_threads=1)
    >>> [o.shape for o in runner.run(np.zeros((224, 224, 3), np.float32))]
    [(1, 1024), (1, 1000)]
    """

    def __init__(self, model: Path | bytes, num_threads: int | None = None,
                 outputs: Sequence[str | int] | None = None, preserve_all: bool = False) -> None:
        self.runtime = runtime_name()
        kwargs: dict[str, Any] = {"num_threads": num_threads or default_threads()}
        if isinstance(model, (bytes, bytearray)):
            kwargs["model_content"] = bytes(model)
        else:
            kwargs["model_path"] = str(model)
        if preserve_all:
            kwargs["experimental_preserve_all_tensors"] = True
        try:
            with quiet_native_stderr():  # XNNPACK's "INFO: Created ... delegate" comes here
                self._interpreter = _make_interpreter(self.runtime, kwargs)
                details = self._interpreter.get_input_details()
                if len(details) != 1:
                    raise ModelError("model must have exactly one image input, it has "
                                     f"{len(details)}")
                self._input = details[0]
                shape = list(self._input["shape"])
                if len(shape) != 4:
                    raise ModelError(f"model input must be an NHWC image batch, got shape {shape}")
                if shape[0] != 1:
                    self._interpreter.resize_tensor_input(self._input["index"], [1, *shape[1:]])
                self._interpreter.allocate_tensors()
        except ModelError:
            raise
        except Exception as exc:
            raise ModelError(f"cannot load TFLite model: {exc}") from exc
        self.num_threads = kwargs["num_threads"]
        self.input_shape: tuple[int, int, int] = tuple(int(v) for v in shape[1:])  # type: ignore
        self.input_dtype = np.dtype(self._input["dtype"])
        self._outputs = self._select(outputs)
        self._lock = threading.Lock()

    def _select(self, outputs: Sequence[str | int] | None) -> list[int]:
        if outputs is None:
            return self.model_outputs()
        by_name = {d["name"]: d["index"] for d in self._interpreter.get_tensor_details()}
        chosen = []
        for item in outputs:
            if isinstance(item, int):
                chosen.append(item)
            elif item in by_name:
                chosen.append(by_name[item])
            else:
                near = sorted(n for n in by_name if str(item).lower() in n.lower())[:8]
                raise ModelError(f"the TFLite model has no tensor named {item!r}"
                                 + (f"; similar names: {near}" if near else ""))
        return chosen

    def model_outputs(self) -> list[int]:
        """Tensor indices of the model's own outputs, in the order the model was built with.

        Returns
        -------
        list of int
            In the signature's ``output_0, output_1, ...`` order when it has one.

        Example
        -------
        >>> runner.model_outputs()
        [171, 170]
        """
        try:
            signatures = self._interpreter._get_full_signature_list()
        except Exception:  # pragma: no cover - older runtimes
            signatures = {}
        if len(signatures) == 1:
            outputs = next(iter(signatures.values())).get("outputs", {})
            if outputs and all(re.fullmatch(r"output_\d+", n) for n in outputs):
                return [outputs[n] for n in sorted(outputs, key=lambda n: int(n[7:]))]
        return [d["index"] for d in self._interpreter.get_output_details()]

    def output_shapes(self) -> list[tuple[int, ...]]:
        """Shapes (batch 1) of the selected outputs.

        Returns
        -------
        list of tuple

        Example
        -------
        >>> runner.output_shapes()
        [(1, 1024), (1, 1000)]
        """
        shapes = {d["index"]: tuple(int(v) for v in d["shape"])
                  for d in self._interpreter.get_tensor_details()}
        return [shapes[i] for i in self._outputs]

    def run(self, image: np.ndarray) -> list[np.ndarray]:
        """Run the model on one image.

        Parameters
        ----------
        image : numpy.ndarray
            One preprocessed ``(H, W, C)`` network input.

        Returns
        -------
        list of numpy.ndarray
            Copies of the selected outputs (batch 1).

        Example
        -------
        >>> features, logits = runner.run(mobilenet.prepare(frame))
        """
        batch = np.ascontiguousarray(image[None], dtype=self.input_dtype)
        with self._lock:
            self._interpreter.set_tensor(self._input["index"], batch)
            self._interpreter.invoke()
            return [np.array(self._interpreter.get_tensor(i)) for i in self._outputs]
