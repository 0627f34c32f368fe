"""`keras.datasets.mnist.load_data()`: MNIST as Keras returns it (uint8 arrays).

The files are looked up like every tenseur dataset (`path`, `$TENSEUR_DATA_DIR/mnist`,
`~/.cache/tenseur/datasets/mnist`, then downloaded with checksums); see `tenseur.data.mnist`.
"""
from __future__ import annotations

from tenseur.data import mnist as _mnist


def load_data(path=None):
    """Loads MNIST.

    Args:
        path: a directory searched first for the IDX files, or a Keras `mnist.npz` file.
            Keras' default `"mnist.npz"` (a file that does not exist here) is ignored.
    Returns:
        `(x_train, y_train), (x_test, y_test)`: uint8 arrays of shapes (60000, 28, 28),
        (60000,), (10000, 28, 28), (10000,).
    Example:
        >>> (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
        >>> x_train = x_train.reshape(-1, 784).astype("float32") / 255
    """
    return _mnist.load_data(path)
