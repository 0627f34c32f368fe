"""Activation functions by name (`Dense(64, activation="relu")`), built on tenseur ops."""
from __future__ import annotations

import math

import tenseur as tf


def linear(x):
    return x


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0, alpha=None):
    """max(x, 0), or Keras 3's general form: x where x > `threshold` (clipped to
    [0, `max_value`]), else `negative_slope` * (x - threshold). `alpha` is Keras 2's name of
    `negative_slope`."""
    slope = negative_slope if alpha is None else alpha
    if slope == 0.0 and max_value is None and threshold == 0.0:
        return tf.nn.relu(x)
    if slope and max_value is None and threshold == 0.0:
        return tf.nn.leaky_relu(x, alpha=slope)
    if threshold != 0.0:
        positive = x * tf.cast(x > threshold, x.dtype)
    else:
        positive = tf.nn.relu(x)
    if max_value is not None:
        positive = tf.clip_by_value(positive, 0.0, max_value)
    if slope:
        positive = positive - slope * tf.nn.relu(threshold - x)
    return positive


def _with_logits(output, logits, op_type):
    """`output` marked with the logits it was computed from, as Keras 3 marks it
    (`_keras_logits`): a cross-entropy given `output` then uses the stable logits form in eager
    mode too, where no graph op leads back to the logits (keras/losses.py, _logits_behind)."""
    try:
        output._keras_logits_of = (op_type, logits)
    except AttributeError:         # a value that takes no attributes: the probabilities' form
        pass
    return output


def sigmoid(x):
    return _with_logits(tf.sigmoid(x), x, "Sigmoid")


def hard_sigmoid(x):
    """relu6(x + 3) / 6, Keras 3's (Keras 2's was clip(0.2 x + 0.5, 0, 1))."""
    return relu6(x + 3.0) / 6.0


def relu6(x):
    """min(max(x, 0), 6)."""
    return tf.clip_by_value(x, 0.0, 6.0)


def hard_silu(x):
    """x * hard_sigmoid(x) (also named hard_swish)."""
    return x * hard_sigmoid(x)


hard_swish = hard_silu


def mish(x):
    """x * tanh(softplus(x))."""
    return x * tf.tanh(tf.nn.softplus(x))


def softmax(x, axis=-1):
    output = tf.nn.softmax(x, axis=axis)
    return _with_logits(output, x, "Softmax") if axis in (-1, None) else output


def log_softmax(x, axis=-1):
    return tf.nn.log_softmax(x, axis=axis)


def tanh(x):
    return tf.tanh(x)


def elu(x, alpha=1.0):
    out = tf.nn.elu(x)
    return out if alpha == 1.0 else tf.where(x > 0, out, alpha * out)


def selu(x):
    return tf.nn.selu(x)


def softplus(x):
    return tf.nn.softplus(x)


def softsign(x):
    return tf.nn.softsign(x)


def swish(x):
    return tf.nn.swish(x)


silu = swish


def gelu(x, approximate=False):
    return tf.nn.gelu(x, approximate=approximate)


def leaky_relu(x, negative_slope=0.2):
    return tf.nn.leaky_relu(x, alpha=negative_slope)


def exponential(x):
    return tf.exp(x)


_BY_NAME = {f.__name__: f for f in (linear, relu, sigmoid, hard_sigmoid, softmax, log_softmax,
                                     tanh, elu, selu, softplus, softsign, swish, gelu,
                                     leaky_relu, exponential, relu6, hard_silu, mish)}
_BY_NAME["silu"] = swish
_BY_NAME["hard_swish"] = hard_silu


def get(identifier):
    """The activation function for a name, a callable, or None (linear)."""
    if identifier is None:
        return linear
    if callable(identifier):
        return identifier
    if isinstance(identifier, dict):
        identifier = identifier.get("config", identifier).get("name", identifier.get("class_name"))
    if isinstance(identifier, str) and identifier in _BY_NAME:
        return _BY_NAME[identifier]
    raise ValueError(f"Unknown activation function: {identifier!r}. Known: "
                     f"{sorted(_BY_NAME)} (or pass a callable).")


def serialize(activation) -> str:
    name = getattr(activation, "__name__", None)
    if name in _BY_NAME and _BY_NAME[name] is activation or name in ("swish", "hard_silu"):
        return name
    if hasattr(activation, "get_config"):
        return {"class_name": type(activation).__name__, "config": activation.get_config()}
    return name


def deserialize(name, custom_objects=None):
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    return get(name)


del math
