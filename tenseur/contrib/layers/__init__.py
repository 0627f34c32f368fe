"""`tf.contrib.layers`: flatten, fully_connected, conv2d, pooling, dropout, batch_norm and the
initializers/regularizers they use.

Built only on tenseur's public API (an edge: nothing in the core imports it).
"""
import tenseur as tf
from tenseur.layers.normalization import features_axis, normalize_in_scope
from tenseur.ops.init_ops import xavier_initializer

__all__ = ["flatten", "fully_connected", "conv2d", "convolution2d", "max_pool2d", "avg_pool2d",
           "dropout", "batch_norm", "xavier_initializer", "xavier_initializer_conv2d",
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


def conv2d(inputs, num_outputs, kernel_size, stride=1, padding="SAME", data_format=None, rate=1,
           activation_fn=tf.nn.relu, normalizer_fn=None, normalizer_params=None,
           weights_initializer=None, weights_regularizer=None,
           biases_initializer=tf.zeros_initializer(), biases_regularizer=None, reuse=None,
           variables_collections=None, outputs_collections=None, trainable=True, scope=None):
    """2-D convolution with variables `<scope>/weights` (kh, kw, in, num_outputs) and
    `<scope>/biases`; scopes `Conv`, `Conv_1`... ReLU and SAME padding by default (TF's
    contrib defaults); a normalizer_fn replaces the biases.

    Example:
        >>> h = tf.contrib.layers.conv2d(images, 32, [5, 5])          # Conv/weights
    """
    fmt = "NCHW" if data_format in ("NCHW", "NCW") else "NHWC"
    inputs = tf.convert_to_tensor(inputs)
    if inputs.shape.ndims != 4:
        raise ValueError(f"conv2d: inputs must have rank 4, got shape {inputs.shape} for "
                         f"{inputs.name}.")
    channels = inputs.shape.dims[1 if fmt == "NCHW" else 3]
    if channels is None:
        raise ValueError(f"conv2d: the channels of {inputs.name} must be known, got shape "
                         f"{inputs.shape}.")
    kernel = [kernel_size] * 2 if isinstance(kernel_size, int) else list(kernel_size)
    with tf.variable_scope(scope, default_name="Conv", reuse=reuse):
        weights = tf.get_variable("weights", kernel + [channels, num_outputs], dtype=inputs.dtype,
                                  initializer=weights_initializer or xavier_initializer(),
                                  regularizer=weights_regularizer, trainable=trainable)
        outputs = tf.nn.conv2d(inputs, weights, stride, padding.upper(), data_format=fmt,
                               dilations=rate)
        if normalizer_fn is not None:
            outputs = normalizer_fn(outputs, **(normalizer_params or {}))
        elif biases_initializer is not None:
            biases = tf.get_variable("biases", [num_outputs], dtype=inputs.dtype,
                                     initializer=biases_initializer,
                                     regularizer=biases_regularizer, trainable=trainable)
            outputs = tf.nn.bias_add(outputs, biases, data_format=fmt)
        if activation_fn is not None:
            outputs = activation_fn(outputs)
    return outputs


convolution2d = conv2d


def max_pool2d(inputs, kernel_size, stride=2, padding="VALID", data_format="NHWC",
               outputs_collections=None, scope=None):
    """Max pooling (name scope `MaxPool2D`); kernel_size and stride are ints or pairs."""
    with tf.name_scope(scope, "MaxPool2D"):
        return tf.nn.max_pool(inputs, kernel_size, stride, padding.upper(),
                              data_format=data_format)


def avg_pool2d(inputs, kernel_size, stride=2, padding="VALID", data_format="NHWC",
               outputs_collections=None, scope=None):
    """Average pooling (name scope `AvgPool2D`); kernel_size and stride are ints or pairs."""
    with tf.name_scope(scope, "AvgPool2D"):
        return tf.nn.avg_pool(inputs, kernel_size, stride, padding.upper(),
                              data_format=data_format)


def dropout(inputs, keep_prob=0.5, noise_shape=None, is_training=True, outputs_collections=None,
            scope=None, seed=None):
    """Dropout keeping `keep_prob` of the values while `is_training` (a bool or bool tensor),
    the identity otherwise (tf.layers.dropout with rate = 1 - keep_prob)."""
    with tf.name_scope(scope, "Dropout"):
        return tf.layers.dropout(inputs, rate=1.0 - keep_prob, noise_shape=noise_shape,
                                 seed=seed, training=is_training)


def batch_norm(inputs, decay=0.999, center=True, scale=False, epsilon=0.001, activation_fn=None,
               param_initializers=None, param_regularizers=None,
               updates_collections=tf.GraphKeys.UPDATE_OPS, is_training=True, reuse=None,
               variables_collections=None, outputs_collections=None, trainable=True,
               batch_weights=None, fused=None, data_format="NHWC",
               zero_debias_moving_mean=False, scope=None, renorm=False, renorm_clipping=None,
               renorm_decay=0.99, adjustment=None):
    """Batch normalisation with TF contrib's defaults: scope `BatchNorm`, variables `beta`,
    `moving_mean`, `moving_variance` (and `gamma` with scale=True), decay 0.999, updates in
    UPDATE_OPS (updates_collections=None runs them with the output instead).

    Raises:
        NotImplementedError: batch_weights, zero_debias_moving_mean, renorm or adjustment.
    """
    if batch_weights is not None or zero_debias_moving_mean or renorm or adjustment is not None:
        raise NotImplementedError("batch_norm: batch_weights, zero_debias_moving_mean, renorm "
                                  "and adjustment are not supported.")
    inputs = tf.convert_to_tensor(inputs)
    axis = 1 if data_format in ("NCHW", "NCW") and inputs.shape.ndims not in (None, 2) else -1
    axis, channels, fused = features_axis(inputs, axis, fused, "batch_norm")
    inits = param_initializers or {}
    regs = param_regularizers or {}
    with tf.variable_scope(scope, default_name="BatchNorm", reuse=reuse):
        outputs = normalize_in_scope(
            inputs, axis, channels, fused, is_training, decay, epsilon,
            gamma=((inits.get("gamma", tf.ones_initializer()), regs.get("gamma"), None)
                   if scale else None),
            beta=((inits.get("beta", tf.zeros_initializer()), regs.get("beta"), None)
                  if center else None),
            moving_initializers=(inits.get("moving_mean", tf.zeros_initializer()),
                                 inits.get("moving_variance", tf.ones_initializer())),
            trainable=trainable, updates_collection=updates_collections)
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
