"""bias_add (`tenseur.nn.bias_add`): the BiasAdd op, its backward kernel BiasAddGrad (a blocked
BLAS sum) and xw_plus_b. `nn_ops` re-exports them all.

Primitives (one `OpDef` each: infer + NumPy kernel + gradient written with tenseur ops): BiasAdd
and BiasAddGrad. xw_plus_b is a Python function over ops, with no kernel or gradient of its own.
"""
from __future__ import annotations

import numpy as np

from ..backend import jit as _jit
from ..framework.errors import DTypeError, ShapeError
from ..framework.graph import name_scope
from ..framework.tensor import TensorSpec
from .array_ops import zeros_like
from .elementwise_ops import sigmoid_array
from .registry import OpDef, apply_op, convert_to_tensor, register_op

__all__ = ["bias_add", "xw_plus_b"]

_FLOAT32 = np.dtype(np.float32)


# -- bias_add ------------------------------------------------------------------------------

def _channel_axis(data_format: str) -> int:
    return 1 if data_format == "NCHW" else -1


def _normalize_data_format(data_format) -> str:
    """"NHWC" for channels last (None, "NHWC", "NWC", "N...C"), "NCHW" for channels first."""
    if data_format is None:
        return "NHWC"
    if isinstance(data_format, bytes):
        data_format = data_format.decode()
    if isinstance(data_format, str) and data_format.startswith("NC"):
        return "NCHW"
    if isinstance(data_format, str) and data_format.startswith("N") and data_format.endswith("C"):
        return "NHWC"
    raise ValueError(f"bias_add: data_format must be channels last ('NHWC', 'N...C') or channels "
                     f"first ('NCHW', 'NC...'), got data_format={data_format!r}.")


# `value + bias` over the last axis runs NumPy's inner loop once per row of C values: with few
# channels the per-row cost dominates. Viewed as rows of at least _BIAS_RUN values, against the
# bias repeated to match, the same additions take half the time (the slides' conv1 output,
# 430x26x26x32 float32, in place: 4.7 against 2.4 ms, benchmarks/bias_add.py; within the
# noise of a whole CNN step).
_BIAS_RUN = 1024


def _run_width(value, bias, out) -> int:
    """The length of the rows add_bias_last views a C-ordered `value` (and `out`) in: whole
    trailing dims, at least _BIAS_RUN values, a multiple of the channels; 0 when NumPy's
    broadcasting must run instead (other layouts or dtypes, few values, many channels)."""
    channels = bias.shape[-1] if bias.ndim == 1 else 0
    if not (channels and channels < _BIAS_RUN and value.ndim >= 2
            and value.size >= 16 * _BIAS_RUN and value.flags.c_contiguous
            and value.shape[-1] == channels and value.dtype == bias.dtype
            and (out is None or (out.flags.c_contiguous and out.shape == value.shape
                                 and out.dtype == value.dtype))):
        return 0
    return row_width(value.shape)


def row_width(shape) -> int:
    """The channels times whole trailing dims of `shape`, until at least _BIAS_RUN values: the
    rows a per-channel pass over a C-ordered array runs along (the channel vector repeated to
    match), here and in compiler/numba_tail.py."""
    width = shape[-1]
    for dim in reversed(shape[:-1]):
        if width >= _BIAS_RUN:
            break
        width *= dim
    return width


def add_bias_last(value, bias, out=None):
    """`np.add(value, bias, out=out)` for a bias along value's last axis: the same additions
    (the same bits), over longer rows when value is a large C-ordered array with few channels."""
    width = _run_width(value, bias, out)
    if width:
        result = np.empty_like(value) if out is None else out
        np.add(value.reshape(-1, width), np.tile(bias, width // bias.shape[-1]),
               out=result.reshape(-1, width))
        return result
    return np.add(value, bias, out=out)


def add_bias_relu(value, bias, out=None):
    """`np.maximum(add_bias_last(value, bias, out), 0)`: the tail of a fused convolution or
    product + BiasAdd + Relu (compiler/fusion.py). Where numba is installed, float32/64 in long
    rows run relu_numba's single pass (no second pass over a conv output), with the same bits."""
    width = _run_width(value, bias, out)
    if width and value.dtype.kind == "f" and value.dtype.itemsize in (4, 8):
        fast = _jit.kernels("tenseur.ops.relu_numba")
        if fast is not None:
            result = np.empty_like(value) if out is None else out
            fast.bias_relu(value.reshape(-1, width), np.tile(bias, width // bias.shape[-1]),
                           result.reshape(-1, width))
            return result
    result = add_bias_last(value, bias, out=out)
    return np.maximum(result, 0, out=result)


def add_bias_sigmoid(value, bias, out=None):
    """`sigmoid_array(add_bias_last(value, bias, out))`: a dense layer's bias and sigmoid
    after its product (compiler/fusion.py). Where numba is installed, C-ordered float32 runs
    exp_numba's one pass (the bias added in registers), with the same bits."""
    if (value.dtype is _FLOAT32 and bias.dtype is _FLOAT32 and bias.ndim == 1
            and value.flags.c_contiguous and value.shape[-1:] == bias.shape and value.size
            and (out is None or (out.dtype is _FLOAT32 and out.flags.c_contiguous
                                 and out.shape == value.shape))):
        fast = _jit.kernels("tenseur.ops.exp_numba")
        if fast is not None:
            result = np.empty_like(value) if out is None else out
            width = bias.shape[0]
            if fast.bias_sigmoid(value.reshape(-1, width), bias, result.reshape(-1, width)):
                return result
    result = add_bias_last(value, bias, out=out)
    return sigmoid_array(result, out=result)


@register_op("BiasAdd")
class BiasAdd(OpDef):
    """`value` plus a 1-D `bias` along the channel axis (last, or 1 for "NCHW").

    Gradient: (grad, BiasAddGrad(grad)), the bias gradient summing over every other axis.
    """

    inputs = ("value", "bias")
    attrs = {"data_format": "NHWC"}

    def infer(self, value, bias, *, data_format):
        if value.dtype != bias.dtype:
            raise DTypeError(f"value and bias must have the same dtype, got {value.dtype.name} "
                             f"and {bias.dtype.name}.",
                             hint=f"cast the bias: tenseur.cast(bias, tenseur.{value.dtype.name})")
        if not value.dtype.is_numeric or value.dtype.is_bool:
            raise DTypeError(f"expects numeric inputs, got {value.dtype.name}.")
        if bias.shape.ndims is not None and bias.shape.ndims != 1:
            raise ShapeError(f"bias must be a vector (rank 1), got shape {bias.shape}.")
        if value.shape.ndims is not None:
            if value.shape.ndims < 2:
                raise ShapeError(f"value must have rank >= 2 (batch and channels), got shape "
                                 f"{value.shape}.",
                                 hint="for a plain vector use value + bias")
            axis = _channel_axis(data_format) % value.shape.ndims
            channels = value.shape.dims[axis]
            length = bias.shape.dims[0] if bias.shape.ndims == 1 else None
            if channels is not None and length is not None and channels != length:
                raise ShapeError(
                    f"bias has {length} elements but value has {channels} channels (dimension "
                    f"{axis} of value, data_format={data_format!r}).",
                    hint="the bias length must equal the number of units/channels of value")
        return TensorSpec(value.shape, value.dtype)

    def kernel(self, xp, value, bias, *, data_format):
        if data_format == "NCHW":
            bias = bias.reshape((-1,) + (1,) * (value.ndim - 2))
        elif xp is np and type(value) is np.ndarray and type(bias) is np.ndarray:
            return add_bias_last(value, bias)
        return value + bias

    def gradient(self, op, grad):
        return (grad, bias_add_grad(grad, data_format=op.attrs["data_format"]))


# BiasAddGrad sums with BLAS, `ones @ rows` (sgemv): 3-4x faster than NumPy's sum over axis 0,
# which adds one row after another, and more accurate too. Blocks of _SUM_BLOCK rows are
# summed apart and the block sums then added, so the float32 rounding error grows with the
# block length rather than with the batch (about 1e-6 relative on a 430x26x26x32 conv gradient,
# against 2e-5 for NumPy's running sum).
_SUM_BLOCK = 4096
_BLAS_DTYPES = frozenset(np.dtype(t) for t in (np.float32, np.float64))
_ones_cache: dict = {}


def _ones(xp, length: int, dtype):
    """A vector of `length` ones; NumPy's, up to _SUM_BLOCK long, made once per dtype."""
    if xp is not np or length > _SUM_BLOCK:
        return xp.ones(length, dtype)
    ones = _ones_cache.get(dtype)
    if ones is None:
        ones = _ones_cache[dtype] = np.ones(_SUM_BLOCK, dtype)
    return ones[:length]


def _column_sums(xp, rows):
    """`rows` (m, c) summed over m, in blocks of _SUM_BLOCK rows."""
    count, width = rows.shape
    if rows.dtype not in _BLAS_DTYPES:
        return rows.sum(axis=0, dtype=rows.dtype)   # NumPy would widen int32 to int64
    if count <= _SUM_BLOCK:
        return _ones(xp, count, rows.dtype) @ rows
    whole = count - count % _SUM_BLOCK
    blocks = rows[:whole].reshape(-1, _SUM_BLOCK, width)
    total = xp.add.reduce(_ones(xp, _SUM_BLOCK, rows.dtype) @ blocks, axis=0)
    if whole < count:
        total += _ones(xp, count - whole, rows.dtype) @ rows[whole:]
    return total


def _row_sums(xp, rows):
    """`rows` (m, n) summed over n."""
    if rows.dtype not in _BLAS_DTYPES:
        return rows.sum(axis=1, dtype=rows.dtype)
    return rows @ _ones(xp, rows.shape[1], rows.dtype)


@register_op("BiasAddGrad")
class BiasAddGrad(OpDef):
    """The sum of `out_backprop` over every axis but the channel one: the bias gradient.

    Gradient: the incoming channel gradient broadcast back, bias_add(zeros_like(x), grad).
    """

    inputs = ("out_backprop",)
    attrs = {"data_format": "NHWC"}

    def infer(self, out_backprop, *, data_format):
        if out_backprop.shape.ndims is None:
            return TensorSpec([None], out_backprop.dtype)
        if out_backprop.shape.ndims < 2:
            raise ShapeError(f"out_backprop must have rank >= 2, got shape {out_backprop.shape}.")
        axis = _channel_axis(data_format) % out_backprop.shape.ndims
        return TensorSpec([out_backprop.shape.dims[axis]], out_backprop.dtype)

    def kernel(self, xp, out_backprop, *, data_format):
        if data_format == "NCHW" and out_backprop.ndim > 2:
            # (batch, channels, ...): sum each channel's contiguous spatial run, then the batch.
            batch, channels = out_backprop.shape[:2]
            runs = out_backprop.reshape(batch * channels, -1)
            per_image = _row_sums(xp, runs).reshape(batch, channels)
            return _column_sums(xp, per_image)
        return _column_sums(xp, out_backprop.reshape(-1, out_backprop.shape[-1]))

    def gradient(self, op, grad):
        x = op.inputs[0]
        return (apply_op("BiasAdd", zeros_like(x), grad, data_format=op.attrs["data_format"]),)


def bias_add_grad(out_backprop, data_format="NHWC", name=None):
    """The gradient of `bias_add` with respect to its bias (TF's gen_nn_ops.bias_add_grad)."""
    return apply_op("BiasAddGrad", out_backprop, data_format=_normalize_data_format(data_format),
                    name=name or "BiasAddGrad")


def bias_add(value, bias, data_format=None, name=None):
    """Adds a 1-D `bias` to `value` along its channel axis.

    Args:
        value: a tensor of rank >= 2.
        bias: a vector whose length is the number of channels of `value`.
        data_format: None or "NHWC" (channels last, the default) or "NCHW" (channels at axis 1).
    Raises:
        ShapeError: the bias length differs from the channel dimension of `value`.
    Example:
        >>> logits = tenseur.nn.bias_add(tenseur.matmul(x, w), b)
    """
    value = convert_to_tensor(value)
    bias = convert_to_tensor(bias, preferred_dtype=value.dtype)
    return apply_op("BiasAdd", value, bias, data_format=_normalize_data_format(data_format),
                    name=name or "BiasAdd")


def xw_plus_b(x, weights, biases, name=None):
    """matmul(x, weights) + biases, as one BiasAdd (TF 1.x `tf.nn.xw_plus_b`)."""
    from .math_ops import matmul
    with name_scope(name, "xw_plus_b") as scope:
        return bias_add(matmul(x, weights), biases, name=scope)
