"""Argument checks and output lengths shared by the convolution, pooling and reshaping layers.

Every check raises a ValueError that names the layer class and the argument, as Keras does
(`Conv2D: kernel_size must be a positive int or a tuple of 2 positive ints, got (3, 0)`).
"""
from __future__ import annotations

import numpy as np

import tenseur as tf

from .. import backend


def _is_int(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def normalize_tuple(value, n: int, name: str, owner: str, allow_zero: bool = False) -> tuple:
    """`value` (an int or n ints) as a tuple of n ints, each positive (or >= 0)."""
    low = 0 if allow_zero else 1
    values = (value,) * n if _is_int(value) else value
    if not isinstance(values, (list, tuple)) or len(values) != n \
            or not all(_is_int(v) and v >= low for v in values):
        kind = "non-negative" if allow_zero else "positive"
        raise ValueError(f"{owner}: `{name}` must be a {kind} int or a tuple of {n} {kind} ints, "
                         f"got {name}={value!r}.")
    return tuple(int(v) for v in values)


def normalize_padding(value, owner: str, allowed=("valid", "same")) -> str:
    padding = value.lower() if isinstance(value, str) else value
    if padding not in allowed:
        raise ValueError(f"{owner}: `padding` must be one of {list(allowed)}, got padding={value!r}.")
    return padding


def normalize_data_format(value, owner: str) -> str:
    data_format = value if value is not None else backend.image_data_format()
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"{owner}: `data_format` must be 'channels_last' or 'channels_first', "
                         f"got data_format={value!r}.")
    return data_format


def conv_output_length(length, filter_size, padding, stride, dilation=1):
    """Keras' (and TF's) output length: valid ceil((n - dk + 1)/s), same ceil(n/s)."""
    if length is None:
        return None
    dilated = (filter_size - 1) * dilation + 1
    if padding in ("same", "causal"):
        out = length
    else:
        out = length - dilated + 1
    return max((out + stride - 1) // stride, 0)


def deconv_output_length(length, filter_size, padding, output_padding=None, stride=1,
                         dilation=1):
    """Keras' transposed-convolution output length (the inverse of `conv_output_length`)."""
    if length is None:
        return None
    filter_size = filter_size + (filter_size - 1) * (dilation - 1)
    if output_padding is None:
        if padding == "valid":
            return length * stride + max(filter_size - stride, 0)
        return length * stride
    pad = filter_size // 2 if padding == "same" else 0
    return (length - 1) * stride + filter_size - 2 * pad + output_padding


def to_channels_last(inputs, rank: int):
    """NC... → N...C for a tensor of `rank` spatial dimensions."""
    return tf.transpose(inputs, [0] + list(range(2, rank + 2)) + [1])


def to_channels_first(outputs, rank: int):
    """N...C → NC... for a tensor of `rank` spatial dimensions."""
    return tf.transpose(outputs, [0, rank + 1] + list(range(1, rank + 1)))
