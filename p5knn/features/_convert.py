"""Convert a Keras model to a LiteRT (TFLite) flatbuffer, which XNNPACK runs on the CPU."""

from __future__ import annotations

import contextlib
import io
import os
from typing import Any

from p5knn._base.errors import ModelError


def keras_to_tflite(model: Any) -> bytes:
    """The float32 TFLite flatbuffer of a Keras model (batch dimension left dynamic).

    Parameters
    ----------
    model : keras.Model
        Any Keras model TensorFlow's converter accepts.

    Returns
    -------
    bytes
        The flatbuffer, for :class:`~p5knn.features._runtime.TFLiteRunner` or a file.

    Example
    -------
    >>> Path("model.tflite").write_bytes(keras_to_tflite(model))
    """
    import tensorflow as tf

    # The converter prints a long "Captures:" list on stdout; keep the user's console clean.
    sink = io.StringIO()
    try:
        with contextlib.redirect_stdout(sink):
            converter = tf.lite.TFLiteConverter.from_keras_model(model)
            return converter.convert()
    except Exception as exc:
        raise ModelError(f"TFLite conversion of {getattr(model, 'name', 'model')} failed: {exc}"
                         ) from exc


def quiet_tensorflow() -> None:
    """Silence TensorFlow's C++ start-up chatter (oneDNN, CUDA probing); call it before
    TensorFlow is imported. A ``TF_CPP_MIN_LOG_LEVEL`` you set yourself wins; Python
    exceptions are unaffected.

    Example
    -------
    >>> quiet_tensorflow(); import keras
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
