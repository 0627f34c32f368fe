"""`tf.contrib.layers`: flatten, fully_connected and the initializers/regularizers they use.

Built only on tenseur's public API (an edge: nothing in the core imports it).
"""
import tenseur as tf
from tenseur.ops.init_ops import xavier_initializer

__all__ = ["flatten", "fully_connected", "xavier_initializer", "xavier_initializer_conv2d",
           "l1_regularizer", "l2_regularizer", "variance_scaling_initializer"]

xavier_initializer_conv2d = xavier_initializer
variance_scaling_initializer = tf.variance_scaling_initializer


def flatten(inputs, outputs_collections=None, scope=None):
    """Reshapes `(batch, d1, d2, ...)` to `(batch, d1*d2*...)`, keeping the batch dimension.

    Raises:
        ValueError: `inputs` has rank < 2 or dimensions other than the batch are unknown.
    """
    inputs = tf.convert_to_tensor(inputs)
    dims = inputs.shape.dims
    if dims is None or len(dims) < 2:
        raise ValueError(f"flatten: inputs must have rank >= 2 (batch first), got shape "
                         f"{inputs.shape} for {inputs.name}.")
    rest = dims[1:]
    if any(d is None for d in rest):
        raise ValueError(f"flatten: all dimensions but the first must be known, got shape "
                         f"{inputs.shape} for {inputs.name}.")
    size = 1
    for d in rest:
        size *= d
    with tf.name_scope(scope or "Flatten"):
        return tf.reshape(inputs, [-1, size])


def fully_connected(inputs, num_outputs, activation_fn=tf.nn.relu, normalizer_fn=None,
                    normalizer_params=None, weights_initializer=None,
                    weights_regularizer=None, biases_initializer=tf.zeros_initializer(),
                    biases_regularizer=None, reuse=None, variables_collections=None,
                    outputs_collections=None, trainable=True, scope=None):
    """`activation_fn(inputs @ weights + biases)` with variables `<scope>/weights`, `/biases`.

    ReLU by default (pass `activation_fn=None` for a linear layer); inputs of rank > 2 are
    flattened first; scopes are `fully_connected`, `fully_connected_1`... as TF.
    """
    if not isinstance(num_outputs, int) or num_outputs <= 0:
        raise ValueError(f"fully_connected: num_outputs must be a positive integer, got "
                         f"{num_outputs!r}.")
    inputs = tf.convert_to_tensor(inputs)
    if inputs.shape.ndims is not None and inputs.shape.ndims > 2:
        inputs = flatten(inputs)
    in_dim = inputs.shape.dims[-1] if inputs.shape.dims else None
    if in_dim is None:
        raise ValueError(f"fully_connected: the last dimension of {inputs.name} must be known, "
                         f"got shape {inputs.shape}.")
    with tf.variable_scope(scope, default_name="fully_connected", reuse=reuse):
        weights = tf.get_variable("weights", [in_dim, num_outputs], dtype=inputs.dtype,
                                  initializer=weights_initializer or xavier_initializer(),
                                  regularizer=weights_regularizer, trainable=trainable)
        outputs = tf.matmul(inputs, weights)
        if normalizer_fn is not None:
            outputs = normalizer_fn(outputs, **(normalizer_params or {}))
        elif biases_initializer is not None:
            biases = tf.get_variable("biases", [num_outputs], dtype=inputs.dtype,
                                     initializer=biases_initializer,
                                     regularizer=biases_regularizer, trainable=trainable)
            outputs = tf.nn.bias_add(outputs, biases)
        if activation_fn is not None:
            outputs = activation_fn(outputs)
    return outputs


def l2_regularizer(scale, scope=None):
    """A function `w -> scale * l2_loss(w)` for `get_variable(regularizer=...)`."""
    if scale < 0:
        raise ValueError(f"l2_regularizer: scale must be >= 0, got {scale}.")

    def regularize(weights):
        return tf.multiply(scale, tf.nn.l2_loss(weights), name="l2_regularizer") if scale else None
    return regularize


def l1_regularizer(scale, scope=None):
    """A function `w -> scale * sum(|w|)`."""
    if scale < 0:
        raise ValueError(f"l1_regularizer: scale must be >= 0, got {scale}.")

    def regularize(weights):
        return tf.multiply(scale, tf.reduce_sum(tf.abs(weights)), name="l1_regularizer") if scale else None
    return regularize
