"""Pooling layers: MaxPooling1D/2D, AveragePooling1D/2D (on `tf.nn.max_pool`/`avg_pool`) and
the global poolings GlobalAveragePooling1D/2D, GlobalMaxPooling1D/2D (reductions).

1-D pooling runs as 2-D pooling over a height-1 image, as TF 1.x does; channels_first inputs
are transposed to channels_last and back, as Keras does on the CPU.
"""
from __future__ import annotations

import tenseur as tf

from ..engine.base_layer import InputSpec, Layer
from .conv_utils import (normalize_data_format, normalize_padding, normalize_tuple,
                         to_channels_first, to_channels_last)


class _Pooling(Layer):
    """Windowed max/average over `rank` spatial dimensions."""

    rank = 2
    pool_function = None        # "max" or "avg"

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        owner = type(self).__name__
        self.pool_size = normalize_tuple(pool_size, self.rank, "pool_size", owner)
        self.strides = (self.pool_size if strides is None
                        else normalize_tuple(strides, self.rank, "strides", owner))
        self.padding = normalize_padding(padding, owner)
        self.data_format = normalize_data_format(data_format, owner)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def call(self, inputs):
        x = inputs if self.data_format == "channels_last" else to_channels_last(inputs, self.rank)
        if self.rank == 1:
            x = tf.expand_dims(x, 1)
        pool_size = (1,) * (2 - self.rank) + self.pool_size
        strides = (1,) * (2 - self.rank) + self.strides
        pool = tf.nn.max_pool if self.pool_function == "max" else tf.nn.avg_pool
        out = pool(x, ksize=[1, *pool_size, 1], strides=[1, *strides, 1],
                   padding=self.padding.upper())
        if self.rank == 1:
            out = tf.squeeze(out, [1])
        return out if self.data_format == "channels_last" else to_channels_first(out, self.rank)

    def get_config(self):
        return {**super().get_config(), "pool_size": list(self.pool_size),
                "padding": self.padding, "strides": list(self.strides),
                "data_format": self.data_format}


class MaxPooling2D(_Pooling):
    """Maximum over `pool_size` windows moved by `strides` (default: pool_size).

    Args: pool_size (int or pair, default 2), strides, padding ("valid" or "same"),
        data_format. Output height: floor((h - pool)/stride) + 1 ("valid"), ceil(h/stride)
        ("same").
    """

    pool_function = "max"


class AveragePooling2D(_Pooling):
    """Mean over `pool_size` windows (with "same" padding, of the real pixels only)."""

    pool_function = "avg"


class _Pooling1D(_Pooling):
    rank = 1

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format="channels_last",
                 **kwargs):
        super().__init__(pool_size=pool_size, strides=strides, padding=padding,
                         data_format=data_format, **kwargs)

    def get_config(self):
        config = super().get_config()
        config["pool_size"], config["strides"] = self.pool_size[0], self.strides[0]
        return config


class MaxPooling1D(_Pooling1D):
    """Maximum over windows of `pool_size` steps of (batch, steps, features) sequences."""

    pool_function = "max"


class AveragePooling1D(_Pooling1D):
    """Mean over windows of `pool_size` steps of (batch, steps, features) sequences."""

    pool_function = "avg"


MaxPool1D, MaxPool2D = MaxPooling1D, MaxPooling2D
AvgPool1D, AvgPool2D = AveragePooling1D, AveragePooling2D


class _GlobalPooling(Layer):
    """Mean or max over every spatial dimension: (batch, *spatial, channels) → (batch, channels)."""

    rank = 2
    reduce = None

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = normalize_data_format(data_format, type(self).__name__)
        self.keepdims = bool(keepdims)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def call(self, inputs):
        axes = (list(range(1, self.rank + 1)) if self.data_format == "channels_last"
                else list(range(2, self.rank + 2)))
        return self.reduce(inputs, axis=axes, keepdims=self.keepdims)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format,
                "keepdims": self.keepdims}


class GlobalAveragePooling2D(_GlobalPooling):
    """Mean over height and width: (batch, h, w, c) → (batch, c), or (batch, 1, 1, c) with
    `keepdims=True`."""

    reduce = staticmethod(tf.reduce_mean)


class GlobalMaxPooling2D(_GlobalPooling):
    """Maximum over height and width: (batch, h, w, c) → (batch, c) (keepdims: (batch, 1, 1, c))."""

    reduce = staticmethod(tf.reduce_max)


class GlobalAveragePooling1D(_GlobalPooling):
    """Mean over steps: (batch, steps, features) → (batch, features). Given a mask (e.g. from
    `Embedding(mask_zero=True)`), the mean of the real steps only; the output has no mask."""

    rank = 1
    reduce = staticmethod(tf.reduce_mean)
    _passes_masks = True

    def call(self, inputs, mask=None):
        if mask is None:
            return super().call(inputs)
        steps = 1 if self.data_format == "channels_last" else 2
        weights = tf.expand_dims(tf.cast(mask, inputs.dtype), -1 if steps == 1 else 1)
        total = tf.reduce_sum(inputs * weights, axis=steps, keepdims=self.keepdims)
        count = tf.reduce_sum(weights, axis=steps, keepdims=self.keepdims)
        return total / tf.maximum(count, tf.cast(1e-7, inputs.dtype))

    def compute_mask(self, inputs, mask=None):
        return None


class GlobalMaxPooling1D(_GlobalPooling):
    """Maximum over steps: (batch, steps, features) → (batch, features)."""

    rank = 1
    reduce = staticmethod(tf.reduce_max)


GlobalAvgPool1D, GlobalAvgPool2D = GlobalAveragePooling1D, GlobalAveragePooling2D
GlobalMaxPool1D, GlobalMaxPool2D = GlobalMaxPooling1D, GlobalMaxPooling2D
