"""Teachable Machine image models in a sketch: ``p5knn.teachable_machine(path)``.

Whatever Teachable Machine's "Export model" gave — Keras (``keras_model.h5`` +
``labels.txt``), TensorFlow Lite (``model_unquant.tflite`` or the quantized ``model.tflite``,
+ ``labels.txt``) or TensorFlow.js (``model.json`` + ``weights.bin`` + ``metadata.json``), as
the zip, its folder or the model file — runs with LiteRT. TFLite files run as they are; Keras
and TF.js models are rebuilt with Keras 3 from their checked topology (which also gets past
Keras 3's refusal of TM's ``.h5`` files, TM issue #403), converted to LiteRT once and kept in
the model cache, like your own Keras models.

Images get TM's own preprocessing: the centred square is cut out, resized to the model's
input (224×224), optionally mirrored (``flip=True``, TM's ``predict(image, flipped)``), and
scaled to −1…1 as ``x / 127.5 − 1`` (the quantized model gets the same values as uint8,
through its input's quantization).

``classify`` follows p5knn's one rule for background work
(:mod:`p5knn.live._background`); ``classify_start`` keeps classifying a camera.

Here: the model object; reading an export is :mod:`p5knn.training._teachable_load`'s.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import Future
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from p5knn._base.errors import CorruptFileError, ModelError
from p5knn._base.results import Classification
from p5knn.features import _images as images
from p5knn.features._pixels import resize_rgb
from p5knn.features._runtime import TFLiteRunner, live_threads
from p5knn.live._background import Background
from p5knn.live._continuous import Continuous, ContinuousLoop
from p5knn.live._report import Callback, ErrorCallback
from p5knn.live._steady import Steady
from p5knn.live._worker import Worker
from p5knn.training._teachable_export import find_export
from p5knn.training._teachable_load import _load, _unique

#: TM's grey conversion (``cropTensor`` in @teachablemachine/image)
GREY = np.array([0.2989, 0.5870, 0.1140], np.float32)


def _tensor_details(runner: TFLiteRunner) -> tuple[dict[str, Any], dict[str, Any]]:
    """(input details, output details) of a runner's interpreter: dtypes and quantization
    (TFLiteRunner keeps its interpreter to itself; these are read once, at load)."""
    interpreter = getattr(runner, "_interpreter", None)
    if interpreter is None:  # pragma: no cover - a runner without a LiteRT interpreter
        raise ModelError("cannot read the model's input and output types")
    outputs = {d["index"]: d for d in interpreter.get_tensor_details()}
    chosen = runner.model_outputs()
    if len(chosen) != 1:
        raise CorruptFileError(f"a Teachable Machine model has one output, this one has "
                               f"{len(chosen)}")
    return interpreter.get_input_details()[0], outputs[chosen[0]]


def _affine(details: dict[str, Any]) -> tuple[float, int] | None:
    """(scale, zero point) of a quantized integer tensor; None for a float one."""
    if np.dtype(details["dtype"]).kind == "f":
        return None
    scale, zero = details.get("quantization", (0.0, 0))
    if not scale or not np.isfinite(scale):
        raise CorruptFileError(f"tensor {details.get('name')!r} is "
                               f"{np.dtype(details['dtype']).name} without quantization")
    return float(scale), int(zero)


# ------------------------------------------------------------------------------ the model

class TeachableMachine(Continuous):
    """A Teachable Machine image model, run with LiteRT. Create one with
    :func:`p5knn.teachable_machine`.

    Methods are thread-safe. The model owns one background worker (for ``callback=`` calls,
    calls from ``draw()`` and :meth:`classify_start`); :meth:`close` stops it.

    Example
    -------
    >>> tm = p5knn.teachable_machine("converted_keras.zip")
    >>> tm.class_names
    ['Class 1', 'Class 2']
    >>> tm.classify(frame).top()
    [('Class 2', 0.93), ('Class 1', 0.07)]
    """

    def __init__(self, model: Path | bytes, class_names: Sequence[str], *, name: str,
                 format: str, source: str, flip: bool = False, info: dict | None = None,
                 num_threads: int | None = None, sketch: Any = None,
                 callbacks: str = "auto") -> None:
        self._model = model
        try:
            self._runner = TFLiteRunner(model, num_threads=num_threads or None)
            in_details, out_details = _tensor_details(self._runner)
        except ModelError as exc:
            raise CorruptFileError(f"{source}: not a usable TFLite model ({exc})") from exc
        height, width, channels = self._runner.input_shape
        if channels not in (1, 3):
            raise CorruptFileError(f"{source}: the model takes {channels}-channel images; "
                                   "Teachable Machine models take RGB (3) or grey (1)")
        outputs = int(np.prod(self._runner.output_shapes()[0]))
        self._class_names = _unique(list(class_names))
        if outputs != len(self._class_names):
            raise CorruptFileError(f"{source}: the model has {outputs} outputs but "
                                   f"{len(self._class_names)} class names were given")
        self._in_quant = _affine(in_details)
        self._out_quant = _affine(out_details)
        self._in_dtype = np.dtype(in_details["dtype"])
        self.name = name
        self.format = format                   #: "tflite", "keras" or "tfjs"
        self.source = source                   #: where the model came from
        self.flip = bool(flip)                 #: mirror every image left-right first
        self.info = dict(info or {})           #: metadata.json's fields (TF.js exports)
        self.input_size: tuple[int, int] = (height, width)
        self._channels = channels
        self._live_runner: TFLiteRunner | None = None
        self._live_lock = threading.Lock()
        self._worker = Worker(f"p5knn-tm-{name}")
        self._background = Background(f"p5knn-tm-{name}", sketch, callbacks,
                                      on_sketch_end=self.close)
        self._continuous: ContinuousLoop | None = None

    def __repr__(self) -> str:
        return (f"TeachableMachine({self.name!r}, format={self.format!r}, "
                f"classes={self._class_names}, quantized={self.quantized})")

    @property
    def class_names(self) -> list[str]:
        """The class names, in the model's output order."""
        return list(self._class_names)

    @property
    def quantized(self) -> bool:
        """True for an integer (quantized) model: TM's ``model.tflite``."""
        return self._in_quant is not None or self._out_quant is not None

    @property
    def worker(self) -> Worker:
        """The background thread that runs the model; closed by :meth:`close`."""
        return self._worker

    @property
    def sketch(self) -> Any:
        """The sketch given at creation (None: module mode, or no sketch)."""
        return self._background.sketch

    # ------------------------------------------------------------ running
    def prepare(self, image: Any, bands: str = "RGB") -> np.ndarray:
        """The network input for ``image``, as Teachable Machine makes it: centre square,
        resized to :attr:`input_size`, mirrored when :attr:`flip` is set, ``x / 127.5 − 1``.

        Parameters
        ----------
        image : array, PIL image, path, live source or py5 object
            The image.
        bands : str
            Channel order of an array: "RGB", "BGR", "RGBA", "BGRA" or "ARGB".

        Returns
        -------
        numpy.ndarray
            float32, height × width × channels, −1…1 (before any quantization).

        Example
        -------
        >>> tm.prepare(frame, bands="BGR").shape
        (224, 224, 3)
        """
        rgb = images.to_rgb(image, bands)
        if self.flip:
            rgb = rgb[:, ::-1]
        small = resize_rgb(np.ascontiguousarray(rgb), self.input_size, "center")
        pixels = small.astype(np.float32)
        if self._channels == 1:
            pixels = (pixels @ GREY)[..., None]
        return pixels * np.float32(1 / 127.5) - np.float32(1.0)

    def _run(self, tensor: np.ndarray) -> np.ndarray:
        if self._in_quant is not None:
            scale, zero = self._in_quant
            info = np.iinfo(self._in_dtype)
            tensor = np.clip(np.round(tensor / np.float32(scale)) + zero, info.min, info.max)
        runner = self._runner
        if self._worker.is_current_thread():
            # next to a sketch: fewer threads, so the animation thread keeps a core
            with self._live_lock:
                if self._live_runner is None:
                    self._live_runner = TFLiteRunner(self._model, num_threads=live_threads())
            runner = self._live_runner
        scores = runner.run(tensor)[0].reshape(-1)
        if self._out_quant is not None:
            scale, zero = self._out_quant
            scores = (scores.astype(np.float32) - np.float32(zero)) * np.float32(scale)
        scores = scores.astype(np.float32)
        if not np.isfinite(scores).all():
            raise ModelError(f"model {self.name} produced NaN/inf scores")
        if scores.min() < -1e-3 or abs(float(scores.sum()) - 1.0) > 0.05:  # logits
            scores = np.exp(scores - scores.max())
            scores /= scores.sum()
        return scores

    def probabilities(self, image: Any, bands: str = "RGB") -> np.ndarray:
        """Every class's probability for ``image``, in class order (runs now).

        Example
        -------
        >>> tm.probabilities(frame)
        array([0.07, 0.93], dtype=float32)
        """
        return self._run(self.prepare(image, bands))

    def classify(self, image: Any, callback: Callback | None = None,
                 on_error: ErrorCallback | None = None, wait: bool | None = None,
                 top_k: int | None = None, *, bands: str = "RGB") -> Classification | Future:
        """The model's answer for ``image``.

        Runs now and returns the answer, or — with ``callback`` (or ``on_error``), or when
        called from ``draw()`` — returns a ``Future`` at once and runs on the model's worker,
        the newest request winning; ``callback(result)`` then runs on the sketch's animation
        thread before a later ``draw()``. ``wait=True`` always runs now, ``wait=False`` always
        returns a ``Future``.

        Parameters
        ----------
        image : array, PIL image, path, live source or py5 object
            The image (copied at once when the call returns early).
        callback : callable, optional
            ``callback(result)``, for a background call.
        on_error : callable, optional
            ``on_error(exception)`` when it fails in the background.
        wait : bool, optional
            Force running now (True) or in the background (False).
        top_k : int, optional
            List only the ``top_k`` most likely classes, most likely first (default: every
            class, in class order).
        bands : str
            Channel order of an array.

        Returns
        -------
        Classification or Future
            ``label`` and ``class_index`` of the most likely class; ``confidences`` maps every
            class name to its probability, in class order (``top()`` sorts them).

        Example
        -------
        >>> tm.classify(frame).label
        'Class 2'
        >>> tm.classify(cam, callback=got)        # from draw(): latest frame wins
        """
        if top_k is not None and int(top_k) < 1:
            raise ValueError(f"top_k must be at least 1, got {top_k}")
        top_k = None if top_k is None else int(top_k)
        return self._background.call(
            self._classify_now, image, bands, top_k, worker=self._worker, callback=callback,
            on_error=on_error, wait=wait, latest=(id(self), "classify"), snap=(0, bands))

    def _classify_now(self, image: Any, bands: str, top_k: int | None) -> Classification:
        probs = self._run(self.prepare(image, bands))
        names = self._class_names
        best = int(np.argmax(probs))
        if top_k is None:
            order = range(len(names))
        else:
            order = np.argsort(-probs, kind="stable")[:top_k]
        return Classification(names[best], best, {names[i]: float(probs[i]) for i in order})

    def classify_start(self, source: Any, callback: Callback, *,
                       on_error: ErrorCallback | None = None, bands: str | None = None,
                       fps: float | None = None, top_k: int | None = None,
                       steady: Steady | dict | None = None) -> None:
        """Keep classifying the newest frame of ``source`` and call ``callback(result)`` for
        each, until :meth:`classify_stop` or the sketch ends.

        Parameters
        ----------
        source : Camera, Py5Graphics, sketch, function or image
            A sketch's canvas is read before each ``draw()``.
        callback : callable
            ``callback(result)``; ``result.frame_time`` tells when the frame arrived.
        on_error : callable, optional
            ``on_error(exception)`` when a frame fails.
        bands : str, optional
            Channel order of arrays a function returns (cameras know their own).
        fps : float, optional
            Cap on classifications per second (one is in flight at a time).
        top_k : int, optional
            As in :meth:`classify`.
        steady : p5knn.Steady or dict, optional
            Steady outputs (see :class:`p5knn.Steady`).

        Example
        -------
        >>> tm.classify_start(cam, got)
        >>> tm.classify_start(cam, got, steady={"majority": 5})
        """
        if not callable(callback):
            raise TypeError("callback must be a function taking the result")
        if top_k is not None and int(top_k) < 1:
            raise ValueError(f"top_k must be at least 1, got {top_k}")
        steady_ = Steady.from_option(steady)
        self.classify_stop()
        if steady_ is not None:
            steady_.reset()
        top = None if top_k is None else int(top_k)

        def predict(frame: Any, frame_bands: str) -> Classification:
            return self._classify_now(frame, frame_bands, top)

        self._continuous = ContinuousLoop(
            predict, self._worker, (id(self), "continuous"), source, callback, on_error,
            self._background.deliverer(), self._background.link(), bands or "RGB", fps,
            steady=steady_)

    def close(self) -> None:
        """Stop continuous classification and the background worker (a later background
        call starts it again). Called by itself when the linked sketch ends.

        Example
        -------
        >>> tm.close()
        """
        self.classify_stop(wait=False)
        self._worker.close()
        self._background.close()


def teachable_machine(path: str | os.PathLike, flip: bool = False, sketch: Any = None,
                      callbacks: str = "auto", *,
                      labels: Sequence[Any] | str | os.PathLike | None = None,
                      format: str | None = None,
                      num_threads: int | None = None) -> TeachableMachine:
    """Load a Teachable Machine image model (what its "Export model" gives).

    Parameters
    ----------
    path : str or os.PathLike
        The downloaded zip (``converted_keras.zip``, ``converted_tflite.zip``,
        ``tm-my-image-model.zip``), the folder it unpacks to, or the model file in it:
        ``keras_model.h5``, ``model_unquant.tflite``, ``model.tflite`` (quantized) or
        ``model.json`` (TensorFlow.js, with ``weights.bin`` and ``metadata.json``).
    flip : bool
        Mirror every image left-right first, as TM's ``predict(image, flipped=true)`` does
        for a selfie webcam (the attribute ``flip`` can change later).
    sketch : py5 Sketch, optional
        Whose animation thread runs callbacks (class mode: ``self``); module mode finds it.
    callbacks : {"auto", "sketch", "worker"}
        Where callbacks run.
    labels : list, str or os.PathLike, optional
        Class names, or a labels file, instead of the export's own.
    format : {"tflite", "keras", "tfjs"}, optional
        Which model to read from a folder or zip holding several.
    num_threads : int, optional
        LiteRT threads for direct calls (default: every core, or ``P5KNN_THREADS``).

    Returns
    -------
    TeachableMachine
        Raises :class:`~p5knn.CorruptFileError` for a damaged or foreign file,
        ``FileNotFoundError`` when there is no model or no labels.

    Example
    -------
    >>> tm = p5knn.teachable_machine("converted_keras.zip", flip=True)
    >>> tm.classify(cam).label
    'Class 1'
    """
    export = find_export(path, format)
    try:
        model, names, info = _load(export, labels)
    finally:
        export.files.close()
    return TeachableMachine(model, names, name=Path(export.source).name, format=export.format,
                            source=export.source, flip=flip, info=info,
                            num_threads=num_threads, sketch=sketch, callbacks=callbacks)
