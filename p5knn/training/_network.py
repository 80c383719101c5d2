"""A head's network: trained by Keras (a hidden Dense layer with ReLU, then a softmax or linear
output, Adam), run in numpy (microseconds per image, never ``model.predict``)."""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from p5knn.features._convert import quiet_tensorflow


class DenseNet:
    """A trained head as plain numpy arrays: fast, and safe to call from any thread.

    Parameters
    ----------
    weights : sequence of numpy.ndarray
        ``[w1, b1, w2, b2]`` of the hidden and output layers.
    softmax : bool
        True for a classifier (softmax output), False for a regressor (linear output).
    meta : object
        What answers need with these weights: the labels, or whether targets are numbers.

    Example
    -------
    >>> net = DenseNet([w1, b1, w2, b2], softmax=True, meta=("cat", "dog"))
    >>> net(features[None]).shape
    (1, 2)
    """

    def __init__(self, weights: Sequence[np.ndarray], softmax: bool, meta: Any = None) -> None:
        self.w1, self.b1, self.w2, self.b2 = (np.asarray(w, np.float32) for w in weights)
        self.softmax = softmax
        self.meta = meta

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """Run the network.

        Parameters
        ----------
        x : numpy.ndarray
            A batch of feature vectors, N×D.

        Returns
        -------
        numpy.ndarray
            N × outputs: probabilities (softmax) or values.

        Example
        -------
        >>> net(np.stack([a, b])).argmax(axis=1)
        array([0, 1])
        """
        hidden = np.maximum(x @ self.w1 + self.b1, 0.0)
        out = hidden @ self.w2 + self.b2
        if self.softmax:
            out = np.exp(out - out.max(axis=-1, keepdims=True))
            out /= out.sum(axis=-1, keepdims=True)
        return out


def fit_network(x: np.ndarray, y: np.ndarray, outputs: int, classification: bool,
                hidden_units: int, learning_rate: float, epochs: int, batch_size: int,
                seed: int | None,
                report: Callable[[int, float], None]) -> tuple[Any, list[np.ndarray],
                                                              list[float]]:
    """Train a head's network with Keras (imports TensorFlow the first time, ≈ 2 s).

    Parameters
    ----------
    x : numpy.ndarray
        Feature vectors, N×D float32.
    y : numpy.ndarray
        Class indices (classification) or target rows (regression).
    outputs : int
        Classes, or numbers per target.
    classification : bool
        Softmax output with cross-entropy loss, or linear output with squared error.
    hidden_units, learning_rate, epochs, batch_size : int, float, int, int
        The hidden layer's size and Adam's settings.
    seed : int or None
        Keras's random seed (None: not seeded).
    report : callable
        ``report(epoch, loss)`` after each epoch, epochs counted from 1.

    Returns
    -------
    tuple
        ``(keras.Model, [w1, b1, w2, b2], losses)``.

    Example
    -------
    >>> model, weights, losses = fit_network(x, y, 3, True, 100, 1e-3, 20, 16, 0, print)
    """
    quiet_tensorflow()
    import keras

    if seed is not None:
        keras.utils.set_random_seed(seed)
    model = keras.Sequential([
        keras.Input((x.shape[1],)),
        keras.layers.Dense(hidden_units, activation="relu"),
        keras.layers.Dense(outputs, activation="softmax" if classification else None),
    ])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                  loss="sparse_categorical_crossentropy" if classification else "mse")
    losses: list[float] = []

    class Progress(keras.callbacks.Callback):
        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            loss = float((logs or {}).get("loss", float("nan")))
            losses.append(loss)
            report(epoch + 1, loss)

    model.fit(x, y, epochs=epochs, batch_size=min(batch_size, len(x)), shuffle=True,
              verbose=0, callbacks=[Progress()])
    weights = [w for layer in model.layers for w in layer.get_weights()]
    return model, weights, losses
