"""`to_categorical` and `normalize`: NumPy helpers for labels and features (Keras' np_utils)."""
from __future__ import annotations

import numpy as np


def to_categorical(y, num_classes=None, dtype="float32"):
    """Converts a class vector (integers) to a one-hot class matrix.

    Args:
        y: array-like of class indices from 0 to `num_classes - 1`; a trailing dimension of
            size 1 is dropped, as Keras does: (n,) and (n, 1) both give (n, num_classes).
        num_classes: total number of classes; default `max(y) + 1`.
        dtype: the dtype of the result (default float32).
    Returns:
        An array of shape `y.shape + (num_classes,)` with a single 1 per row.
    Raises:
        ValueError: labels that are negative, not integers, or not below `num_classes`.
    Example:
        >>> to_categorical([0, 2, 1], num_classes=3)
        array([[1., 0., 0.], [0., 0., 1.], [0., 1., 0.]], dtype=float32)
    """
    values = np.asarray(y)
    if values.dtype.kind == "f" and not np.all(np.isfinite(values) & (values == np.round(values))):
        raise ValueError("to_categorical: labels must be integer class indices, got "
                         "non-integer values (e.g. probabilities: use them directly as targets).")
    labels = values.astype("int64")
    shape = labels.shape
    if shape and shape[-1] == 1 and len(shape) > 1:
        shape = shape[:-1]
    labels = labels.reshape(-1)
    if labels.size and labels.min() < 0:
        raise ValueError(f"to_categorical: labels must be >= 0, got {int(labels.min())}.")
    if num_classes is None:
        num_classes = int(labels.max()) + 1 if labels.size else 0
    elif labels.size and labels.max() >= num_classes:
        raise ValueError(f"to_categorical: label {int(labels.max())} is out of range for "
                         f"num_classes={num_classes} (labels must be < num_classes).")
    categorical = np.zeros((labels.shape[0], num_classes), dtype=dtype)
    categorical[np.arange(labels.shape[0]), labels] = 1
    return categorical.reshape(shape + (num_classes,))


def normalize(x, axis=-1, order=2):
    """Scales `x` to unit `order`-norm along `axis` (zero vectors stay zero)."""
    x = np.asarray(x)
    norm = np.atleast_1d(np.linalg.norm(x, order, axis))
    norm[norm == 0] = 1
    return x / np.expand_dims(norm, axis)
