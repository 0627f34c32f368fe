"""Activation layers with parameters: ReLU, LeakyReLU, PReLU (learned slopes), ELU, Softmax."""
from __future__ import annotations

import numpy as np

import tenseur as tf

from .. import activations, constraints, initializers, regularizers
from ..engine.base_layer import InputSpec, Layer


def _number(value, name, owner, minimum=None, allow_none=False):
    if value is None and allow_none:
        return None
    if not isinstance(value, (int, float, np.integer, np.floating)) or isinstance(value, bool) \
            or (minimum is not None and value < minimum):
        bound = f" >= {minimum}" if minimum is not None else ""
        raise ValueError(f"{owner}: `{name}` must be a number{bound}, got {name}={value!r}.")
    return float(value)


class ReLU(Layer):
    """`max_value`-capped rectifier with a `negative_slope` below `threshold`.

    f(x) = max_value if x >= max_value; x if threshold <= x < max_value;
    negative_slope * (x - threshold) otherwise.
    """

    _passes_masks = True

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        self.max_value = _number(max_value, "max_value", "ReLU", 0.0, allow_none=True)
        self.negative_slope = _number(negative_slope, "negative_slope", "ReLU", 0.0)
        self.threshold = _number(threshold, "threshold", "ReLU")

    def call(self, inputs):
        return activations.relu(inputs, alpha=self.negative_slope, max_value=self.max_value,
                                threshold=self.threshold)

    def get_config(self):
        return {**super().get_config(), "max_value": self.max_value,
                "negative_slope": self.negative_slope, "threshold": self.threshold}


class LeakyReLU(Layer):
    """`x` for x >= 0, `negative_slope * x` otherwise (Keras 3 default 0.3; Keras 2 `alpha`)."""

    _passes_masks = True

    def __init__(self, negative_slope=0.3, alpha=None, **kwargs):
        super().__init__(**kwargs)
        if alpha is not None:
            negative_slope = alpha
        self.negative_slope = _number(negative_slope, "negative_slope", "LeakyReLU", 0.0)

    def call(self, inputs):
        return tf.nn.leaky_relu(inputs, alpha=self.negative_slope)

    def get_config(self):
        return {**super().get_config(), "negative_slope": self.negative_slope}


class ELU(Layer):
    """`x` for x > 0, `alpha * (exp(x) - 1)` otherwise."""

    _passes_masks = True

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = _number(alpha, "alpha", "ELU")

    def call(self, inputs):
        return activations.elu(inputs, alpha=self.alpha)

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha}


class Softmax(Layer):
    """Softmax along `axis` (default -1). Called with `mask` (True or > 0.5 where kept, e.g.
    attention scores' padding), masked positions get a logit of -1e9 (-3e4 in float16) first,
    so they take no probability (Keras 3). A mask of lower rank (one flag per step) covers
    all of that step's values."""

    _passes_masks = True

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        axes = list(axis) if isinstance(axis, (list, tuple)) else [axis]
        if not axes or any(not isinstance(a, (int, np.integer)) or isinstance(a, bool)
                           for a in axes):
            raise ValueError(f"Softmax: `axis` must be an int or a list of ints, got "
                             f"axis={axis!r}.")
        self.axis = int(axes[0]) if not isinstance(axis, (list, tuple)) else [int(a) for a in axes]

    def call(self, inputs, mask=None):
        if mask is not None:
            if mask.dtype != tf.bool:
                mask = tf.greater(mask, tf.cast(0.5, mask.dtype))
            rank, mask_rank = inputs.shape.ndims, mask.shape.ndims
            if rank is not None and mask_rank is not None:
                for _ in range(rank - mask_rank):
                    mask = tf.expand_dims(mask, -1)
            lowest = tf.cast(-3e4 if inputs.dtype == tf.float16 else -1e9, inputs.dtype)
            inputs = tf.where(mask, inputs, lowest)       # broadcasts like NumPy's where
        if isinstance(self.axis, list):      # over several axes at once (Keras 3)
            return tf.exp(inputs - tf.reduce_logsumexp(inputs, axis=self.axis, keepdims=True))
        return tf.nn.softmax(inputs, axis=self.axis)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


class PReLU(Layer):
    """Leaky ReLU whose slopes are learned: `x` for x >= 0, `alpha * x` otherwise.

    Args: alpha_initializer (default zeros), alpha_regularizer, alpha_constraint,
        shared_axes: axes (1-based, after the batch) along which one slope is shared, e.g.
        [1, 2] for one slope per channel of (batch, height, width, channels) images.
    """

    _passes_masks = True

    def __init__(self, alpha_initializer="zeros", alpha_regularizer=None, alpha_constraint=None,
                 shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is not None and not isinstance(shared_axes, (list, tuple)):
            shared_axes = [shared_axes]
        if shared_axes is not None and not all(
                isinstance(a, (int, np.integer)) and a >= 1 for a in shared_axes):
            raise ValueError(f"PReLU: `shared_axes` must be axes >= 1 (after the batch), got "
                             f"shared_axes={shared_axes!r}.")
        self.shared_axes = None if shared_axes is None else [int(a) for a in shared_axes]

    def build(self, input_shape):
        shape = list(input_shape[1:])
        for axis in self.shared_axes or []:
            if axis > len(shape):
                raise ValueError(f"PReLU '{self.name}': shared axis {axis} does not exist in "
                                 f"inputs of shape {tuple(input_shape)}.")
            shape[axis - 1] = 1
        if None in shape:
            raise ValueError(f"PReLU '{self.name}': the dimensions after the batch must be known "
                             f"(or shared), got input shape {tuple(input_shape)}.")
        self.alpha = self.add_weight("alpha", shape, initializer=self.alpha_initializer,
                                     regularizer=self.alpha_regularizer,
                                     constraint=self.alpha_constraint)
        axes = {i + 1: d for i, d in enumerate(input_shape[1:]) if i + 1 not in (self.shared_axes or [])}
        self.input_spec = InputSpec(ndim=len(input_shape), axes=axes)
        self.built = True

    def call(self, inputs):
        return tf.nn.relu(inputs) - self.alpha * tf.nn.relu(-inputs)

    def get_config(self):
        return {**super().get_config(),
                "alpha_initializer": initializers.serialize(self.alpha_initializer),
                "alpha_regularizer": regularizers.serialize(self.alpha_regularizer),
                "alpha_constraint": constraints.serialize(self.alpha_constraint),
                "shared_axes": self.shared_axes}
