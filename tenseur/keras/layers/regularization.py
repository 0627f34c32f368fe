"""Regularisation layers: ActivityRegularization, GaussianNoise, GaussianDropout,
SpatialDropout1D/2D. The noisy ones act only in training (`backend.in_train_phase`) and are
the identity at inference, like Dropout."""
from __future__ import annotations

import tenseur as tf

from .. import backend, regularizers
from ..engine.base_layer import InputSpec, Layer
from .conv_utils import normalize_data_format
from .core import Dropout


def _rate(value, owner, name="rate", upper_open=True):
    try:
        rate = float(value)
    except (TypeError, ValueError):
        rate = None
    if rate is None or not (0 <= rate < 1 if upper_open else rate >= 0):
        bound = "in [0, 1)" if upper_open else ">= 0"
        raise ValueError(f"{owner}: `{name}` must be a number {bound}, got {name}={value!r}.")
    return rate


class ActivityRegularization(Layer):
    """Adds `l1 * sum(|x|) + l2 * sum(x²)` of its inputs, divided by the batch size, to the
    model's losses (as Keras); returns the inputs."""

    _passes_masks = True

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        super().__init__(**kwargs)
        self.l1 = _rate(l1, "ActivityRegularization", "l1", upper_open=False)
        self.l2 = _rate(l2, "ActivityRegularization", "l2", upper_open=False)

    def call(self, inputs):
        self._add_activity_loss(inputs, regularizers.L1L2(l1=self.l1, l2=self.l2))
        return inputs

    def get_config(self):
        return {**super().get_config(), "l1": self.l1, "l2": self.l2}


class GaussianNoise(Layer):
    """Adds zero-mean Gaussian noise of standard deviation `stddev` in training."""

    _passes_masks = True

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.stddev = _rate(stddev, "GaussianNoise", "stddev", upper_open=False)
        self.seed = seed

    def call(self, inputs, training=None):
        if self.stddev == 0:
            return inputs
        return backend.in_train_phase(
            lambda: inputs + tf.random_normal(tf.shape(inputs), stddev=self.stddev,
                                              dtype=inputs.dtype, seed=self.seed),
            inputs, training=training)

    def get_config(self):
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}


class GaussianDropout(Layer):
    """Multiplies inputs by noise of mean 1 and variance rate/(1-rate) in training."""

    _passes_masks = True

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = _rate(rate, "GaussianDropout")
        self.seed = seed

    def call(self, inputs, training=None):
        if self.rate == 0:
            return inputs
        stddev = (self.rate / (1.0 - self.rate)) ** 0.5
        return backend.in_train_phase(
            lambda: inputs * tf.random_normal(tf.shape(inputs), mean=1.0, stddev=stddev,
                                              dtype=inputs.dtype, seed=self.seed),
            inputs, training=training)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}


class AlphaDropout(Layer):
    """Dropout for SELU networks (Klambauer et al., 2017): in training, dropped values are set
    to SELU's negative saturation and the result is affinely rescaled, so the inputs' mean and
    variance are kept; the identity at inference (Keras 3's layer).

    Args: rate in [0, 1), noise_shape, seed.
    """

    _passes_masks = True

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = _rate(rate, "AlphaDropout")
        self.noise_shape, self.seed = noise_shape, seed

    def call(self, inputs, training=None):
        if self.rate == 0:
            return inputs

        def dropped():
            alpha_p = -1.6732632423543772848170429916717 * 1.0507009873554804934193349852946
            shape = tf.shape(inputs) if self.noise_shape is None else self.noise_shape
            kept = tf.cast(tf.random_uniform(shape, dtype=inputs.dtype, seed=self.seed)
                           >= self.rate, inputs.dtype)
            a = ((1 - self.rate) * (1 + self.rate * alpha_p ** 2)) ** -0.5
            b = -a * alpha_p * self.rate
            return a * (inputs * kept + alpha_p * (1 - kept)) + b
        return backend.in_train_phase(dropped, inputs, training=training)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "noise_shape": self.noise_shape,
                "seed": self.seed}


class SpatialDropout2D(Dropout):
    """Drops whole feature maps (channels) instead of single values, in training.

    Args: rate in [0, 1), data_format, seed. Input 4-D images.
    """

    _passes_masks = True

    rank = 2

    def __init__(self, rate, data_format=None, seed=None, **kwargs):
        super().__init__(rate, seed=seed, **kwargs)
        self.data_format = normalize_data_format(data_format, type(self).__name__)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def call(self, inputs, training=None):
        if self.rate == 0:
            return inputs
        dims = backend.int_shape(inputs)
        shape = tf.shape(inputs)
        ones = [1] * self.rank
        if self.data_format == "channels_last":
            channels = dims[-1] if dims[-1] is not None else shape[-1]
            noise_shape = tf.stack([shape[0]] + ones + [channels])
        else:
            channels = dims[1] if dims[1] is not None else shape[1]
            noise_shape = tf.stack([shape[0], channels] + ones)
        return backend.in_train_phase(
            lambda: tf.nn.dropout(inputs, rate=self.rate, noise_shape=noise_shape, seed=self.seed),
            inputs, training=training)

    def get_config(self):
        config = super().get_config()
        # Keras 3's SpatialDropout layers take neither (a config with `trainable` does not
        # load there).
        del config["noise_shape"], config["trainable"]
        config["data_format"] = self.data_format
        return config


class SpatialDropout1D(SpatialDropout2D):
    """Drops whole feature channels of (batch, steps, channels) sequences, in training."""

    _passes_masks = True

    rank = 1

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(rate, data_format="channels_last", seed=seed, **kwargs)

    def get_config(self):
        config = super().get_config()
        del config["data_format"]
        return config
