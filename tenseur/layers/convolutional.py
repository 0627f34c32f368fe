"""`tf.layers.conv2d`, `conv1d`, `conv2d_transpose` and the pooling layers (Keras-style
arguments: `kernel_size`/`pool_size` and `strides` as ints or tuples, `padding` "valid" or
"same", `data_format` "channels_last" or "channels_first")."""
import numpy as np

import tenseur as tf

from .core import activity_loss, layer_scope

__all__ = ["conv1d", "conv2d", "conv2d_transpose", "max_pooling1d", "max_pooling2d",
           "average_pooling1d", "average_pooling2d"]


def _tuple(value, n: int, arg: str, layer: str) -> tuple:
    """An int or an n-tuple of positive ints as an n-tuple."""
    values = (value,) * n if isinstance(value, (int, np.integer)) else tuple(value)
    if len(values) != n or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                                   and v >= 1 for v in values):
        raise ValueError(f"{layer}: {arg} must be a positive int or a tuple of {n} positive "
                         f"ints, got {arg}={value!r}.")
    return tuple(int(v) for v in values)


def _padding(padding, layer: str) -> str:
    if not isinstance(padding, str) or padding.lower() not in ("valid", "same"):
        raise ValueError(f"{layer}: padding must be 'valid' or 'same', got padding={padding!r}.")
    return padding.upper()


def _data_format(data_format, layer: str, rank: int) -> str:
    formats = {"channels_last": ("NWC", "NHWC"), "channels_first": ("NCW", "NCHW")}
    if data_format not in formats:
        raise ValueError(f"{layer}: data_format must be 'channels_last' or 'channels_first', "
                         f"got data_format={data_format!r}.")
    return formats[data_format][rank - 1]


def _channels(inputs, data_format: str, rank: int, layer: str) -> int:
    dims = inputs.shape.dims
    if dims is None or len(dims) != rank + 2:
        raise ValueError(f"{layer}: inputs must have rank {rank + 2}, got shape {inputs.shape} "
                         f"for {inputs.name}.")
    channels = dims[1] if data_format.startswith("NC") else dims[-1]
    if channels is None:
        raise ValueError(f"{layer}: the channel dimension of the inputs must be known, got "
                         f"shape {inputs.shape} for {inputs.name}.")
    return int(channels)


def _finish(outputs, data_format, use_bias, filters, activation, activity_regularizer,
            bias_initializer, bias_regularizer, bias_constraint, trainable):
    """The shared tail of the convolution layers: bias, activation, activity loss."""
    if use_bias:
        bias = tf.get_variable("bias", [filters], dtype=outputs.dtype,
                               initializer=bias_initializer, regularizer=bias_regularizer,
                               constraint=bias_constraint, trainable=trainable)
        outputs = tf.nn.bias_add(outputs, bias,
                                 data_format="NCHW" if data_format.startswith("NC") else "NHWC")
    if activation is not None:
        outputs = activation(outputs)
    activity_loss(outputs, activity_regularizer)
    return outputs


def conv2d(inputs, filters, kernel_size, strides=(1, 1), padding="valid",
           data_format="channels_last", dilation_rate=(1, 1), activation=None, use_bias=True,
           kernel_initializer=None, bias_initializer=tf.zeros_initializer(),
           kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
           kernel_constraint=None, bias_constraint=None, trainable=True, name=None, reuse=None):
    """2-D convolution layer: `activation(conv2d(inputs, kernel) + bias)`.

    Args:
        filters: the number of output channels.
        kernel_size, strides, dilation_rate: an int or an (height, width) pair.
        padding: "valid" (no padding, the default) or "same".
        data_format: "channels_last" (NHWC) or "channels_first" (NCHW).
        kernel_initializer: default glorot_uniform. Other arguments as tf.layers.dense's.
    Variables: `<scope>/kernel` of shape (kh, kw, in_channels, filters) and `<scope>/bias`.
    Example:
        >>> h = tf.layers.conv2d(images, 32, (3, 3), activation=tf.nn.relu)  # conv2d/kernel
    """
    layer = "conv2d"
    if isinstance(filters, bool) or not isinstance(filters, (int, np.integer)) or filters <= 0:
        raise ValueError(f"{layer}: filters must be a positive integer, got filters={filters!r}.")
    kernel_size = _tuple(kernel_size, 2, "kernel_size", layer)
    strides = _tuple(strides, 2, "strides", layer)
    dilation_rate = _tuple(dilation_rate, 2, "dilation_rate", layer)
    padding = _padding(padding, layer)
    fmt = _data_format(data_format, layer, 2)
    inputs = tf.convert_to_tensor(inputs)
    channels = _channels(inputs, fmt, 2, layer)
    with layer_scope(name, "conv2d", reuse):
        kernel = tf.get_variable("kernel", [*kernel_size, channels, int(filters)],
                                 dtype=inputs.dtype, initializer=kernel_initializer,
                                 regularizer=kernel_regularizer, constraint=kernel_constraint,
                                 trainable=trainable)
        outputs = tf.nn.conv2d(inputs, kernel, strides, padding, data_format=fmt,
                               dilations=dilation_rate)
        return _finish(outputs, fmt, use_bias, int(filters), activation, activity_regularizer,
                       bias_initializer, bias_regularizer, bias_constraint, trainable)


def conv1d(inputs, filters, kernel_size, strides=1, padding="valid",
           data_format="channels_last", dilation_rate=1, activation=None, use_bias=True,
           kernel_initializer=None, bias_initializer=tf.zeros_initializer(),
           kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
           kernel_constraint=None, bias_constraint=None, trainable=True, name=None, reuse=None):
    """1-D convolution layer over `(batch, steps, channels)` (tf.nn.conv1d); variables
    `conv1d/kernel` (k, in_channels, filters) and `conv1d/bias`."""
    layer = "conv1d"
    (k,), (stride,), (rate,) = (_tuple(kernel_size, 1, "kernel_size", layer),
                                _tuple(strides, 1, "strides", layer),
                                _tuple(dilation_rate, 1, "dilation_rate", layer))
    padding = _padding(padding, layer)
    fmt = _data_format(data_format, layer, 1)
    inputs = tf.convert_to_tensor(inputs)
    channels = _channels(inputs, fmt, 1, layer)
    with layer_scope(name, "conv1d", reuse):
        kernel = tf.get_variable("kernel", [k, channels, int(filters)], dtype=inputs.dtype,
                                 initializer=kernel_initializer, regularizer=kernel_regularizer,
                                 constraint=kernel_constraint, trainable=trainable)
        outputs = tf.nn.conv1d(inputs, kernel, stride, padding, data_format=fmt,
                               dilations=rate)
        return _finish(outputs, fmt, use_bias, int(filters), activation, activity_regularizer,
                       bias_initializer, bias_regularizer, bias_constraint, trainable)


def _deconv_length(size, k, stride, padding):
    """The output size of a transposed convolution (Keras' deconv_output_length)."""
    if size is None:
        return None
    return size * stride if padding == "SAME" else size * stride + max(k - stride, 0)


def conv2d_transpose(inputs, filters, kernel_size, strides=(1, 1), padding="valid",
                     data_format="channels_last", activation=None, use_bias=True,
                     kernel_initializer=None, bias_initializer=tf.zeros_initializer(),
                     kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                     kernel_constraint=None, bias_constraint=None, trainable=True, name=None,
                     reuse=None):
    """Transposed 2-D convolution layer (upsampling): the output size is in·stride ("same")
    or in·stride + max(k - stride, 0) ("valid"). Variables `conv2d_transpose/kernel` of shape
    (kh, kw, filters, in_channels) and `conv2d_transpose/bias`."""
    layer = "conv2d_transpose"
    kernel_size = _tuple(kernel_size, 2, "kernel_size", layer)
    strides = _tuple(strides, 2, "strides", layer)
    padding = _padding(padding, layer)
    fmt = _data_format(data_format, layer, 2)
    inputs = tf.convert_to_tensor(inputs)
    channels = _channels(inputs, fmt, 2, layer)
    spatial = (2, 3) if fmt == "NCHW" else (1, 2)
    with layer_scope(name, "conv2d_transpose", reuse):
        kernel = tf.get_variable("kernel", [*kernel_size, int(filters), channels],
                                 dtype=inputs.dtype, initializer=kernel_initializer,
                                 regularizer=kernel_regularizer, constraint=kernel_constraint,
                                 trainable=trainable)
        dims = inputs.shape.dims
        out_hw = [_deconv_length(dims[a], kernel_size[i], strides[i], padding)
                  for i, a in enumerate(spatial)]
        if None in out_hw:
            raise ValueError(f"{layer}: the spatial dimensions of the inputs must be known, got "
                             f"shape {inputs.shape}.")
        batch = dims[0] if dims[0] is not None else tf.shape(inputs)[0]
        out_shape = ([batch, int(filters), *out_hw] if fmt == "NCHW"
                     else [batch, *out_hw, int(filters)])
        outputs = tf.nn.conv2d_transpose(inputs, kernel, tf.stack(out_shape)
                                         if dims[0] is None else out_shape,
                                         strides, padding, data_format=fmt)
        return _finish(outputs, fmt, use_bias, int(filters), activation, activity_regularizer,
                       bias_initializer, bias_regularizer, bias_constraint, trainable)


def _pooling(pool, default_name, inputs, pool_size, strides, padding, data_format, name,
             rank):
    layer = default_name
    pool_size = _tuple(pool_size, rank, "pool_size", layer)
    strides = _tuple(strides, rank, "strides", layer)
    padding = _padding(padding, layer)
    fmt = _data_format(data_format, layer, rank)
    with layer_scope(name, default_name, None):
        inputs = tf.convert_to_tensor(inputs)
        if rank == 2:
            return pool(inputs, pool_size, strides, padding, data_format=fmt)
        kind = "MAX" if pool is tf.nn.max_pool else "AVG"
        return tf.nn.pool(inputs, pool_size, kind, padding, strides=strides, data_format=fmt)


def max_pooling2d(inputs, pool_size, strides, padding="valid", data_format="channels_last",
                  name=None):
    """2-D max pooling layer: `pool_size` and `strides` are ints or (height, width) pairs.

    Example:
        >>> pooled = tf.layers.max_pooling2d(h, pool_size=2, strides=2)
    """
    return _pooling(tf.nn.max_pool, "max_pooling2d", inputs, pool_size, strides, padding,
                    data_format, name, 2)


def average_pooling2d(inputs, pool_size, strides, padding="valid", data_format="channels_last",
                      name=None):
    """2-D average pooling layer ("same" averages over each window's real cells only)."""
    return _pooling(tf.nn.avg_pool, "average_pooling2d", inputs, pool_size, strides, padding,
                    data_format, name, 2)


def max_pooling1d(inputs, pool_size, strides, padding="valid", data_format="channels_last",
                  name=None):
    """1-D max pooling layer over `(batch, steps, channels)`."""
    return _pooling(tf.nn.max_pool, "max_pooling1d", inputs, pool_size, strides, padding,
                    data_format, name, 1)


def average_pooling1d(inputs, pool_size, strides, padding="valid", data_format="channels_last",
                      name=None):
    """1-D average pooling layer over `(batch, steps, channels)`."""
    return _pooling(tf.nn.avg_pool, "average_pooling1d", inputs, pool_size, strides, padding,
                    data_format, name, 1)
