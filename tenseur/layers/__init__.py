"""`tf.layers`: TF 1.x's functional layers, each creating its variables with
`tf.get_variable` in a variable scope named after the layer (`dense/kernel`, `dense_1/kernel`,
`conv2d/bias`, `batch_normalization/moving_mean`...).

Built only on tenseur's public API (as a user could write it). A layer called twice with the
same `name` shares its variables when `reuse=True` (or inside a reusing variable scope).

Example:
    >>> import tenseur as tf
    >>> images = tf.placeholder(tf.float32, [None, 28, 28, 1])
    >>> h = tf.layers.conv2d(images, 32, 3, activation=tf.nn.relu)      # conv2d/kernel
    >>> h = tf.layers.max_pooling2d(h, 2, 2)
    >>> logits = tf.layers.dense(tf.layers.flatten(h), 10)              # dense/kernel
"""
from .convolutional import (average_pooling2d, conv1d, conv2d, conv2d_transpose, max_pooling1d,
                            max_pooling2d, average_pooling1d)
from .core import dense, dropout, flatten
from .normalization import batch_normalization

__all__ = ["dense", "flatten", "dropout", "conv1d", "conv2d", "conv2d_transpose",
           "max_pooling1d", "max_pooling2d", "average_pooling1d", "average_pooling2d",
           "batch_normalization"]
