"""Convert a Keras model to a LiteRT (TFLite) flatbuffer, which XNNPACK runs on the CPU.

Only heads, fine-tuning and your own Keras models get here: MobileNet ships converted
(``models/mobilenet_v1_1.0_224.tflite``), so the live path never imports TensorFlow.
"""

from __future__ import annotations

import contextlib
import io
from typing import Any

from p5knn._base.errors import ModelError
from p5knn.features._runtime import quiet_native_stderr, quiet_tensorflow

__all__ = ["keras_to_tflite", "quiet_tensorflow"]


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
    quiet_tensorflow()
    import tensorflow as tf

    # The converter prints a long "Captures:" list on stdout and INFO lines on descriptor 2;
    # keep the user's console clean (P5KNN_VERBOSE=1 shows the native lines).
    sink = io.StringIO()
    try:
        with contextlib.redirect_stdout(sink), quiet_native_stderr():
            converter = tf.lite.TFLiteConverter.from_keras_model(model)
            return converter.convert()
    except Exception as exc:
        raise ModelError(f"TFLite conversion of {getattr(model, 'name', 'model')} failed: {exc}"
                         ) from exc
