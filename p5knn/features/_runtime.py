"""Run a TFLite model on the CPU (XNNPACK) with LiteRT, one image at a time, thread-safely.

Batch 1 is the fast path: on a 2-core CPU, bigger batches give no more images per second
with XNNPACK, and changing the batch size re-allocates the interpreter, so a batch is run
as a loop over one reusable batch-1 interpreter.
"""

from __future__ import annotations

import os
import re
import threading
import warnings
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from p5knn._base.errors import ModelError

try:
    from ai_edge_litert.interpreter import Interpreter as _LiteRT
except ImportError:  # pragma: no cover - only TensorFlow installed: its interpreter, lazily
    _LiteRT = None


def _interpreter_class() -> Any:
    if _LiteRT is not None:
        return _LiteRT
    import tensorflow as tf  # pragma: no cover

    return tf.lite.Interpreter  # pragma: no cover


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
    """One LiteRT interpreter with a fixed batch of 1; :meth:`run` returns the chosen outputs.

    Parameters
    ----------
    model : Path or bytes
        A ``.tflite`` file or its bytes.
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
        Interpreter = _interpreter_class()
        kwargs: dict[str, Any] = {"num_threads": num_threads or default_threads()}
        if isinstance(model, (bytes, bytearray)):
            kwargs["model_content"] = bytes(model)
        else:
            kwargs["model_path"] = str(model)
        if preserve_all:
            kwargs["experimental_preserve_all_tensors"] = True
        try:
            with warnings.catch_warnings():  # preserve_all is deliberate: cutting at a layer
                warnings.filterwarnings("ignore", message=".*preserve_all_tensors.*")
                self._interpreter = Interpreter(**kwargs)
            details = self._interpreter.get_input_details()
            if len(details) != 1:
                raise ModelError(f"model must have exactly one image input, it has {len(details)}")
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
