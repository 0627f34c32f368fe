"""`tf.layers.dense`, `flatten` and `dropout`, and what every functional layer shares: its
variable scope, the activity regulariser and the `training` switch."""
import contextlib

import numpy as np

import tenseur as tf

__all__ = ["dense", "flatten", "dropout"]


@contextlib.contextmanager
def layer_scope(name, default_name, reuse):
    """The layer's variable scope: `name`, or `default_name` made unique (dense, dense_1...)."""
    with tf.variable_scope(name, default_name=default_name, reuse=reuse) as scope:
        yield scope


def activity_loss(outputs, activity_regularizer):
    """Adds `activity_regularizer(outputs)` to REGULARIZATION_LOSSES, as TF's layers do."""
    if activity_regularizer is not None:
        loss = activity_regularizer(outputs)
        if loss is not None:
            tf.add_to_collection(tf.GraphKeys.REGULARIZATION_LOSSES, loss)


def static_training(training):
    """True/False for a Python (or NumPy) bool, None for a bool tensor decided at run time.

    Raises:
        TypeError: training is neither a bool nor a bool tensor.
    """
    if isinstance(training, (bool, np.bool_)):
        return bool(training)
    if training is None:
        return False
    tensor = tf.convert_to_tensor(training)
    if tensor.dtype != tf.bool:
        raise TypeError(f"training must be a Python bool or a bool tensor, got "
                        f"{tensor.dtype.name} tensor {tensor.name}.")
    return None


def known_last_dim(inputs, layer: str) -> int:
    dims = inputs.shape.dims
    if dims is None or len(dims) < 2 or dims[-1] is None:
        raise ValueError(f"{layer}: the last dimension of the inputs must be known (rank >= 2), "
                         f"got shape {inputs.shape} for {inputs.name}.")
    return int(dims[-1])


def dense(inputs, units, activation=None, use_bias=True, kernel_initializer=None,
          bias_initializer=tf.zeros_initializer(), kernel_regularizer=None,
          bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
          bias_constraint=None, trainable=True, name=None, reuse=None):
    """Densely connected layer: `activation(inputs @ kernel + bias)`.

    Args:
        units: a positive int, the size of the output's last dimension.
        activation: a function (tf.nn.relu) or None (linear).
        kernel_initializer: default glorot_uniform (the variable scope's, if it has one).
        trainable: put the variables in TRAINABLE_VARIABLES.
        name, reuse: the variable scope (default `dense`, `dense_1`...); reuse=True shares the
            variables of an earlier call with the same name.
    Inputs of rank > 2 are multiplied along their last axis.
    Returns:
        `inputs.shape[:-1] + [units]`.
    Raises:
        ValueError: units is not a positive int, or the last input dimension is unknown.
    Example:
        >>> hidden = tf.layers.dense(x, 32, activation=tf.nn.relu)   # dense/kernel, dense/bias
    """
    if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units <= 0:
        raise ValueError(f"dense: units must be a positive integer, got units={units!r}.")
    inputs = tf.convert_to_tensor(inputs)
    in_dim = known_last_dim(inputs, "dense")
    with layer_scope(name, "dense", reuse):
        kernel = tf.get_variable("kernel", [in_dim, int(units)], dtype=inputs.dtype,
                                 initializer=kernel_initializer, regularizer=kernel_regularizer,
                                 constraint=kernel_constraint, trainable=trainable)
        if inputs.shape.ndims == 2:
            outputs = tf.matmul(inputs, kernel)
        else:
            outputs = tf.tensordot(inputs, kernel, [[inputs.shape.ndims - 1], [0]])
        if use_bias:
            bias = tf.get_variable("bias", [int(units)], dtype=inputs.dtype,
                                   initializer=bias_initializer, regularizer=bias_regularizer,
                                   constraint=bias_constraint, trainable=trainable)
            outputs = tf.nn.bias_add(outputs, bias)
        if activation is not None:
            outputs = activation(outputs)
        activity_loss(outputs, activity_regularizer)
    return outputs


def flatten(inputs, name=None, data_format="channels_last"):
    """Reshapes `(batch, d1, d2, ...)` to `(batch, d1 * d2 * ...)`.

    Args:
        data_format: "channels_first" inputs are transposed to channels last first, so the
            flattened order is the same for both layouts (as TF).
    Example:
        >>> flat = tf.layers.flatten(pooled)        # (None, 5, 5, 16) -> (None, 400)
    """
    inputs = tf.convert_to_tensor(inputs)
    dims = inputs.shape.dims
    if dims is None or len(dims) < 1:
        raise ValueError(f"flatten: inputs must have a known rank >= 1, got shape "
                         f"{inputs.shape} for {inputs.name}.")
    with layer_scope(name, "flatten", None):
        if data_format == "channels_first" and len(dims) > 2:
            inputs = tf.transpose(inputs, [0] + list(range(2, len(dims))) + [1])
            dims = inputs.shape.dims
        rest = dims[1:]
        if rest and None not in rest:
            return tf.reshape(inputs, [-1, int(np.prod(rest))])
        return tf.reshape(inputs, tf.stack([tf.shape(inputs)[0], -1]))


def dropout(inputs, rate=0.5, noise_shape=None, seed=None, training=False, name=None):
    """Sets a fraction `rate` of the inputs to 0 while training, scaling the rest by
    1 / (1 - rate); the identity otherwise.

    Args:
        rate: the fraction dropped, in [0, 1) (note: not keep_prob as in tf.nn.dropout).
        training: a Python bool, or a bool tensor (a placeholder) fed at run time.
    Example:
        >>> is_training = tf.placeholder_with_default(False, [])
        >>> h = tf.layers.dropout(h, rate=0.25, training=is_training)
    """
    if not 0 <= float(rate) < 1:
        raise ValueError(f"dropout: rate must be in [0, 1), got rate={rate!r}.")
    mode = static_training(training)
    with layer_scope(name, "dropout", None):
        inputs = tf.convert_to_tensor(inputs)
        if mode is False or float(rate) == 0:
            return tf.identity(inputs)
        if mode is True:
            return tf.nn.dropout(inputs, rate=float(rate), noise_shape=noise_shape, seed=seed)
        # Decided at run time: keep_prob is 1 - rate while training and exactly 1 otherwise,
        # where the mask floor(1 + U[0, 1)) is all ones and the scale 1: the identity.
        dropped = tf.cast(tf.convert_to_tensor(training), inputs.dtype) * float(rate)
        return tf.nn.dropout(inputs, keep_prob=1.0 - dropped, noise_shape=noise_shape, seed=seed)
