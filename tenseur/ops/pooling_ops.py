"""Pooling ops (`tenseur.nn.max_pool`, `avg_pool`, ...), NHWC.

Primitives (one `OpDef` each; arrays computed by `conv_kernels`): MaxPool, MaxPoolGrad,
MaxPoolGradGrad, AvgPool, AvgPoolGrad. MaxPoolGrad and MaxPoolGradGrad are adjoints in their
`grad` input (and piecewise constant in the others), as are AvgPool and AvgPoolGrad, so every
gradient is an op of the family and second derivatives work.

Attributes follow TF: `ksize` and `strides` are 4-tuples `(1, h, w, 1)`, `padding` "SAME" or
"VALID"; output sizes are conv2d's. With SAME padding, padding never wins a max and an average
is over the window's real cells only. The public functions take data_format="NCHW" by
transposing to NHWC and back, as the convolutions do (see conv_ops).
"""
from __future__ import annotations

import numpy as np

from ..framework.errors import DTypeError, ShapeError
from ..framework.graph import name_scope
from ..framework.tensor import TensorSpec
from . import conv_kernels, pool_kernels
from .array_ops import transpose
from .array_ops_indexing import expand_dims, squeeze
from .conv_ops import (_data_format, _dims4, _from_nhwc, _hw_attr, _known_sizes, _merge,
                       _padding_attrs, _require_float, _same_dtype, _size_vector, _sizes_of,
                       _sizes_tensor, _spatial_out, _static_sizes, _to_nhwc)
from .registry import OpDef, apply_op, convert_to_tensor, register_op

__all__ = ["max_pool", "max_pool2d", "avg_pool", "avg_pool2d", "pool"]

_POOL_ATTRS = {"ksize": (1, 1, 1, 1), "strides": (1, 1, 1, 1), "padding": "VALID"}

# -- pooling ops ---------------------------------------------------------------------------

def _pool_out(x: TensorSpec, ksize, strides, padding) -> list:
    x_dims = _dims4(x, "input", "(batch, height, width, channels)")
    hw = _spatial_out(x_dims[1:3], ksize[1:3], strides, padding, (), (1, 1, 1, 1), "pooling")
    return [x_dims[0], *hw, x_dims[3]]


def _pool_args(attrs):
    return (attrs["ksize"][1], attrs["ksize"][2]), (attrs["strides"][1], attrs["strides"][2]), \
        attrs["padding"]


class _MaxPoolRoute(OpDef):
    """Shared inference of MaxPoolGrad and MaxPoolGradGrad: (orig_input, orig_output, grad)."""

    inputs = ("orig_input", "orig_output", "grad")
    attrs = _POOL_ATTRS
    splits_over_threads = True
    pooled_output = False   # MaxPoolGradGrad: grad is input-shaped, the output pooled

    def infer(self, x, y, grad, **attrs):
        _same_dtype(x, y, "orig_input", "orig_output")
        _same_dtype(x, grad, "orig_input", "grad")
        pooled = TensorSpec(_pool_out(x, **attrs), x.dtype)
        unpooled = TensorSpec(x.shape, x.dtype)
        grad_like = unpooled if self.pooled_output else pooled
        for arg, spec, like in (("orig_output", y, pooled), ("grad", grad, grad_like)):
            if not like.shape.is_compatible_with(spec.shape):
                raise ShapeError(f"{arg} has shape {spec.shape} but must have shape "
                                 f"{like.shape} for an orig_input of shape {x.shape}.")
        return pooled if self.pooled_output else unpooled


@register_op("MaxPool")
class MaxPool(OpDef):
    """The maximum of each window (padding never wins). Gradient: MaxPoolGrad(x, y, grad),
    routing each window's gradient to its first maximum in row-major order (as TF's CPU
    kernel)."""

    inputs = ("input",)
    attrs = _POOL_ATTRS
    splits_over_threads = True

    def infer(self, x, **attrs):
        if not (x.dtype.is_floating or x.dtype.is_integer):
            raise DTypeError(f"input must be a real-valued tensor, got {x.dtype.name}.")
        return TensorSpec(_pool_out(x, **attrs), x.dtype)

    def kernel(self, xp, x, **attrs):
        return pool_kernels.max_pool(x, *_pool_args(attrs))

    def gradient(self, op, grad):
        return (apply_op("MaxPoolGrad", op.inputs[0], op.outputs[0], grad, **op.attrs),)


@register_op("MaxPoolGrad")
class MaxPoolGrad(_MaxPoolRoute):
    """The gradient of MaxPool: each grad goes to its window's first maximum.

    Linear in grad, piecewise constant in orig_input/orig_output (they get none): its gradient
    is MaxPoolGradGrad(x, y, g), which picks g at each window's maximum.
    """

    def kernel(self, xp, x, y, grad, **attrs):
        return pool_kernels.max_pool_grad(x, y, grad, *_pool_args(attrs))

    def gradient(self, op, grad):
        x, y, _ = op.inputs
        return None, None, apply_op("MaxPoolGradGrad", x, y, grad, **op.attrs)


@register_op("MaxPoolGradGrad")
class MaxPoolGradGrad(_MaxPoolRoute):
    """For each window, `grad` (input-shaped) at the window's first maximum: the adjoint of
    MaxPoolGrad in its grad. Gradient: MaxPoolGrad(x, y, g); x and y get none."""

    pooled_output = True

    def kernel(self, xp, x, y, grad, **attrs):
        return _max_pool_grad_grad(x, y, grad, *_pool_args(attrs))

    def gradient(self, op, grad):
        x, y, _ = op.inputs
        return None, None, apply_op("MaxPoolGrad", x, y, grad, **op.attrs)


def _max_pool_grad_grad(x, y, grad, ksize, strides, padding):
    """Second-order kernel (rarely run, so plain rather than fast): pad x with -inf (never a
    maximum) and grad with 0, view every window, pick grad at the first cell equal to y."""
    (kh, kw), (sh, sw) = ksize, strides
    pads = [conv_kernels.conv_output_size(x.shape[1 + a], ksize[a], strides[a], 1, padding)
            for a in (0, 1)]
    spec = ((0, 0), pads[0][1:], pads[1][1:], (0, 0))
    lowest = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
    x_pad = np.pad(x, spec, constant_values=lowest)
    g_pad = np.pad(grad, spec)
    view = np.lib.stride_tricks.sliding_window_view
    oh, ow = y.shape[1:3]
    x_win = view(x_pad, (kh, kw), axis=(1, 2))[:, :oh * sh:sh, :ow * sw:sw]
    g_win = view(g_pad, (kh, kw), axis=(1, 2))[:, :oh * sh:sh, :ow * sw:sw]
    n, c = x.shape[0], x.shape[3]
    hits = (x_win == y[..., None, None]).reshape(n, oh, ow, c, kh * kw)
    first = hits.argmax(axis=-1)[..., None]
    picked = np.take_along_axis(g_win.reshape(n, oh, ow, c, kh * kw), first, axis=-1)[..., 0]
    return np.where(hits.any(axis=-1), picked, 0).astype(grad.dtype)


@register_op("AvgPool")
class AvgPool(OpDef):
    """The mean of each window's real (unpadded) cells, as TF. Gradient:
    AvgPoolGrad(shape(x), grad)."""

    inputs = ("value",)
    attrs = _POOL_ATTRS
    splits_over_threads = True

    def infer(self, x, **attrs):
        _require_float(x, "value")
        return TensorSpec(_pool_out(x, **attrs), x.dtype)

    def kernel(self, xp, x, **attrs):
        return pool_kernels.avg_pool(x, *_pool_args(attrs))

    def gradient(self, op, grad):
        x = op.inputs[0]
        return (apply_op("AvgPoolGrad", _sizes_of(x), grad, **op.attrs,
                         static_input_sizes=None if x.shape.dims is None
                         else tuple(x.shape.dims)),)


@register_op("AvgPoolGrad")
class AvgPoolGrad(OpDef):
    """The gradient of AvgPool: each grad, divided by its window's real-cell count, spread
    over the window. Linear in grad; its gradient is AvgPool(g), the sizes get none."""

    inputs = ("orig_input_shape", "grad")
    attrs = {**_POOL_ATTRS, "static_input_sizes": None}
    splits_over_threads = True

    def infer(self, sizes, grad, *, static_input_sizes, **attrs):
        _size_vector(sizes, "orig_input_shape")
        _require_float(grad, "grad")
        grad_dims = _dims4(grad, "grad", "(batch, height, width, channels)")
        dims = _known_sizes(static_input_sizes, "orig_input_shape")
        dims[0], dims[3] = _merge(dims[0], grad_dims[0]), _merge(dims[3], grad_dims[3])
        expected = _pool_out(TensorSpec(dims, grad.dtype), **attrs)
        if not TensorSpec(expected, grad.dtype).shape.is_compatible_with(grad.shape):
            raise ShapeError(f"grad has shape {grad.shape} but pooling an input of shape "
                             f"{tuple(dims)} gives {tuple(expected)}.")
        return TensorSpec(dims, grad.dtype)

    def kernel(self, xp, sizes, grad, *, static_input_sizes, **attrs):
        return pool_kernels.avg_pool_grad(tuple(int(d) for d in sizes), grad, *_pool_args(attrs))

    def gradient(self, op, grad):
        pool_attrs = {k: op.attrs[k] for k in _POOL_ATTRS}
        return None, apply_op("AvgPool", grad, **pool_attrs)


# -- public pooling functions --------------------------------------------------------------

def _pool(op_type: str, fn: str, value, ksize, strides, padding, data_format, name):
    fmt = _data_format(data_format, fn)
    attrs = {"ksize": _hw_attr(ksize, "ksize", fn, fmt),
             "strides": _hw_attr(strides, "strides", fn, fmt),
             "padding": _padding_attrs(padding, fn, fmt, explicit_ok=False)["padding"]}
    if fmt == "NHWC":
        return apply_op(op_type, value, **attrs, name=name or op_type)
    with name_scope(name, op_type) as scope:
        y = apply_op(op_type, _to_nhwc(convert_to_tensor(value), fmt), **attrs)
        return _from_nhwc(y, fmt, name=scope)


def max_pool(value=None, ksize=None, strides=None, padding=None, data_format="NHWC", name=None,
             input=None):
    """The maximum over each window of each channel.

    Args:
        value: `(batch, height, width, channels)` (NCHW with data_format); `input` is the
            TF 2 name.
        ksize, strides: `[1, kh, kw, 1]` and `[1, sh, sw, 1]` (or an int, or a pair).
        padding: "SAME" (padding never wins) or "VALID".
    Returns:
        `(batch, out_height, out_width, channels)`, sizes as conv2d's.
    Example:
        >>> pooled = tenseur.nn.max_pool(h, [1, 2, 2, 1], [1, 2, 2, 1], "VALID")
    """
    value = value if value is not None else input
    return _pool("MaxPool", "max_pool", value, ksize, strides, padding, data_format, name)


def avg_pool(value=None, ksize=None, strides=None, padding=None, data_format="NHWC", name=None,
             input=None):
    """The mean over each window of each channel; with SAME padding a border window is
    divided by the number of real (unpadded) cells it covers, as TF.

    Args: as max_pool's.
    Example:
        >>> pooled = tenseur.nn.avg_pool(h, [1, 3, 3, 1], [1, 2, 2, 1], "SAME")
    """
    value = value if value is not None else input
    return _pool("AvgPool", "avg_pool", value, ksize, strides, padding, data_format, name)


def max_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):
    """TF 2's name of max_pool (NHWC or NCHW)."""
    return max_pool(input, ksize, strides, padding, data_format=data_format, name=name)


def avg_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):
    """TF 2's name of avg_pool (NHWC or NCHW)."""
    return avg_pool(input, ksize, strides, padding, data_format=data_format, name=name)


def pool(input, window_shape, pooling_type, padding, dilation_rate=None, strides=None, name=None,
         data_format=None):
    """N-D pooling for N = 1 or 2: pooling_type "MAX" or "AVG" over `window_shape` windows.

    Raises:
        NotImplementedError: dilation_rate other than 1, or 3-D pooling.
    """
    window_shape = list(window_shape)
    strides = list(strides) if strides is not None else [1] * len(window_shape)
    if dilation_rate is not None and any(int(d) != 1 for d in dilation_rate):
        raise NotImplementedError(f"pool: dilation_rate={dilation_rate!r} is not supported; "
                                  f"only 1.")
    if pooling_type not in ("MAX", "AVG"):
        raise ValueError(f"pool: pooling_type must be 'MAX' or 'AVG', got {pooling_type!r}.")
    pool_fn = max_pool if pooling_type == "MAX" else avg_pool
    if len(window_shape) == 2:
        return pool_fn(input, window_shape, strides, padding, data_format=data_format or "NHWC",
                       name=name)
    if len(window_shape) != 1:
        raise NotImplementedError(f"pool: only 1-D and 2-D pooling, got window_shape="
                                  f"{window_shape}.")
    fmt = _data_format(data_format or "NWC", "pool")
    with name_scope(name, "pool") as scope:
        x = convert_to_tensor(input)
        x = transpose(x, (0, 2, 1)) if fmt == "NCHW" else x
        y = pool_fn(expand_dims(x, 1), [1, window_shape[0]], [1, strides[0]], padding)
        y = squeeze(y, [1], name=None if fmt == "NCHW" else scope)
        return transpose(y, (0, 2, 1), name=scope) if fmt == "NCHW" else y


def max_pool_grad(orig_input, orig_output, grad, ksize, strides, padding, data_format="NHWC",
                  name=None):
    """The gradient of max_pool (TF's gen_nn_ops.max_pool_grad), NHWC."""
    return apply_op("MaxPoolGrad", orig_input, orig_output, grad,
                    **_pool_attrs("max_pool_grad", ksize, strides, padding, data_format),
                    name=name or "MaxPoolGrad")


def max_pool_grad_grad(orig_input, orig_output, grad, ksize, strides, padding,
                       data_format="NHWC", name=None):
    """The gradient of max_pool_grad in its grad: grad picked at each window's maximum."""
    return apply_op("MaxPoolGradGrad", orig_input, orig_output, grad,
                    **_pool_attrs("max_pool_grad_grad", ksize, strides, padding, data_format),
                    name=name or "MaxPoolGradGrad")


def avg_pool_grad(orig_input_shape, grad, ksize, strides, padding, data_format="NHWC",
                  name=None):
    """The gradient of avg_pool for an input of shape `orig_input_shape`, NHWC."""
    sizes = _sizes_tensor(orig_input_shape, "NHWC")
    return apply_op("AvgPoolGrad", sizes, grad,
                    **_pool_attrs("avg_pool_grad", ksize, strides, padding, data_format),
                    static_input_sizes=_static_sizes(sizes), name=name or "AvgPoolGrad")


def _pool_attrs(fn, ksize, strides, padding, data_format) -> dict:
    if _data_format(data_format, fn) != "NHWC":
        raise ValueError(f"{fn}: only data_format='NHWC' is supported.")
    return {"ksize": _hw_attr(ksize, "ksize", fn, "NHWC"),
            "strides": _hw_attr(strides, "strides", fn, "NHWC"),
            "padding": _padding_attrs(padding, fn, "NHWC", explicit_ok=False)["padding"]}
