"""Convolution ops (`tenseur.nn.conv2d`, `depthwise_conv2d`, ...), NHWC.

Primitives (one `OpDef` each; the arrays are computed by `conv_kernels`): Conv2D,
Conv2DBackpropInput, Conv2DBackpropFilter, DepthwiseConv2dNative and its two backprops. Each
convolution op is linear in each of its two array inputs, and the three ops of a family are
one another's adjoints, so every gradient is written with ops of the same family and second
derivatives work. conv2d_transpose, conv1d and separable_conv2d are Python functions over
these. Pooling lives in pooling_ops, which shares the argument parsing below.

The ops are NHWC only, with TF's attribute forms: `strides`/`dilations` are 4-tuples
`(1, h, w, 1)`, `padding` is "SAME", "VALID" or "EXPLICIT" with `explicit_paddings` the 8
ints `(0, 0, top, bottom, left, right, 0, 0)`. The public functions accept
`data_format="NCHW"` by transposing to NHWC and back (two Transpose nodes, as TF's CPU kernels
do internally). Output sizes are TF's (`conv_kernels.conv_output_size`): SAME gives
ceil(in / stride) and pads the odd pixel at the bottom/right, VALID ceil((in - k + 1) / stride).
"""
from __future__ import annotations

import numbers

import numpy as np

from ..framework import dtypes
from ..framework.errors import DTypeError, ShapeError
from ..framework.graph import name_scope
from ..framework.tensor import Tensor, TensorSpec
from . import conv_kernels
from .array_ops import _shape_value, gather, shape, transpose
from .array_ops_indexing import expand_dims, squeeze
from .bias_ops import add_bias_relu
from .registry import OpDef, apply_op, convert_to_tensor, register_op

__all__ = [
    "conv2d", "conv2d_backprop_input", "conv2d_backprop_filter", "conv2d_transpose",
    "depthwise_conv2d", "depthwise_conv2d_native", "depthwise_conv2d_native_backprop_input",
    "depthwise_conv2d_native_backprop_filter", "separable_conv2d", "conv1d", "atrous_conv2d",
    "convolution",
]

_WINDOW_ATTRS = {"strides": (1, 1, 1, 1), "padding": "VALID", "explicit_paddings": (),
                 "dilations": (1, 1, 1, 1)}
_NCHW_TO_NHWC = (0, 2, 3, 1)
_NHWC_TO_NCHW = (0, 3, 1, 2)


# -- inference helpers ---------------------------------------------------------------------

def _require_float(spec: TensorSpec, arg: str) -> None:
    if not spec.dtype.is_floating:
        raise DTypeError(f"{arg} must be a floating-point tensor, got {spec.dtype.name}.",
                         hint=f"cast it first: tenseur.cast({arg}, tenseur.float32)")


def _same_dtype(a: TensorSpec, b: TensorSpec, name_a: str, name_b: str) -> None:
    if a.dtype != b.dtype:
        raise DTypeError(f"{name_a} and {name_b} must have the same dtype, got "
                         f"{a.dtype.name} and {b.dtype.name}.",
                         hint=f"cast one of them: tenseur.cast({name_b}, "
                              f"tenseur.{a.dtype.name})")


def _dims4(spec: TensorSpec, arg: str, layout: str) -> list:
    """The 4 dims of `spec` (None for unknown ones); ShapeError unless it has rank 4."""
    if spec.shape.dims is None:
        return [None] * 4
    if len(spec.shape.dims) != 4:
        raise ShapeError(f"{arg} must have rank 4 {layout}, got shape {spec.shape}.")
    return list(spec.shape.dims)


def _kernel_padding(padding: str, explicit_paddings):
    """The padding as conv_kernels takes it: a string or ((top, bottom), (left, right))."""
    if padding == "EXPLICIT":
        p = explicit_paddings
        if len(p) != 8 or any(int(v) < 0 for v in p) or any(p[i] for i in (0, 1, 6, 7)):
            raise ValueError(f"padding='EXPLICIT' needs explicit_paddings of 8 non-negative "
                             f"ints (0, 0, top, bottom, left, right, 0, 0), got {tuple(p)}.")
        return ((int(p[2]), int(p[3])), (int(p[4]), int(p[5])))
    if padding not in ("SAME", "VALID"):
        raise ValueError(f"padding must be 'SAME', 'VALID' or 'EXPLICIT', got {padding!r}.")
    return padding


def _spatial_out(in_hw, k_hw, strides, padding, explicit_paddings, dilations, window: str):
    """Output (height, width) with TF's rules; None where an input size is unknown.

    Raises:
        ShapeError: the (dilated) window does not fit: the output would be empty.
    """
    pads = _kernel_padding(padding, explicit_paddings)
    out = []
    for axis, name in enumerate(("height", "width")):
        size, k = in_hw[axis], k_hw[axis]
        if size is None or k is None:
            out.append(None)
            continue
        pad = pads[axis] if isinstance(pads, tuple) else pads
        try:
            out.append(conv_kernels.conv_output_size(int(size), int(k), strides[axis + 1],
                                                     dilations[axis + 1], pad)[0])
        except ValueError:
            k_eff = [None if d is None else (d - 1) * dilations[a + 1] + 1
                     for a, d in enumerate(k_hw)]
            dilated = (f" (dilated to {_by(k_eff)})" if tuple(k_eff) != tuple(k_hw) else "")
            raise ShapeError(
                f"the {_by(k_hw)} {window} window{dilated} is larger than the {_by(in_hw)} "
                f"input (height x width) with padding {padding!r}: the output would be empty "
                f"along the {name}.",
                hint="use padding='SAME', a smaller window, or a larger input") from None
    return out


def _by(dims) -> str:
    return "x".join("?" if d is None else str(d) for d in dims)


def _check_channels(x_dims, w_dims, what: str) -> None:
    if x_dims[3] is not None and w_dims[2] is not None and x_dims[3] != w_dims[2]:
        raise ShapeError(
            f"input has {x_dims[3]} channels (its last dimension) but the filter expects "
            f"{w_dims[2]} input channels (dimension 2 of the {what} filter "
            f"{tuple(w_dims)}).",
            hint="the filter is (height, width, in_channels, out_channels); make in_channels "
                 "equal the input's channels")


def _known_sizes(static, arg: str) -> list:
    """The 4 entries of a build-time sizes attribute (None where unknown)."""
    if static is None:
        return [None] * 4
    if len(static) != 4:
        raise ShapeError(f"{arg} must hold 4 sizes, got {list(static)}.")
    return [None if d is None else int(d) for d in static]


def _merge(a, b):
    return a if a is not None else b


def _size_vector(spec: TensorSpec, arg: str) -> None:
    if spec.dtype not in (dtypes.int32, dtypes.int64):
        raise DTypeError(f"{arg} must be an int32 or int64 vector, got {spec.dtype.name}.")
    if spec.shape.ndims not in (None, 1) or spec.shape.dims and spec.shape.dims[0] not in (None, 4):
        raise ShapeError(f"{arg} must be a vector of 4 sizes, got shape {spec.shape}.")


def _window_args(attrs):
    """(strides, padding, dilations) of an op's attributes, in conv_kernels' form."""
    return ((attrs["strides"][1], attrs["strides"][2]),
            _kernel_padding(attrs["padding"], attrs["explicit_paddings"]),
            (attrs["dilations"][1], attrs["dilations"][2]))


def _sizes_of(t: Tensor) -> Tensor:
    """The shape of `t` as an int32 vector: a constant when static, else a Shape node."""
    if t.shape.is_fully_defined():
        return convert_to_tensor(np.asarray(t.shape.as_list(), np.int32))
    return shape(t)


# -- convolution ops -----------------------------------------------------------------------

class _Conv(OpDef):
    """Shared by Conv2D and DepthwiseConv2dNative: y = conv(input, filter)."""

    inputs = ("input", "filter")
    attrs = _WINDOW_ATTRS
    depthwise = False
    splits_over_threads = True

    def filter_layout(self) -> str:
        last = "channel_multiplier" if self.depthwise else "out_channels"
        return f"(height, width, in_channels, {last})"

    def out_channels(self, w_dims):
        if self.depthwise:
            return None if None in (w_dims[2], w_dims[3]) else w_dims[2] * w_dims[3]
        return w_dims[3]

    def infer(self, x, w, **window):
        _require_float(x, "input")
        _same_dtype(x, w, "input", "filter")
        x_dims = _dims4(x, "input", "(batch, height, width, channels)")
        w_dims = _dims4(w, "filter", self.filter_layout())
        _check_channels(x_dims, w_dims, "depthwise" if self.depthwise else "conv2d")
        hw = _spatial_out(x_dims[1:3], w_dims[:2], window["strides"], window["padding"],
                          window["explicit_paddings"], window["dilations"], "filter")
        return TensorSpec([x_dims[0], *hw, self.out_channels(w_dims)], x.dtype)


class _ConvBackpropInput(_Conv):
    """dx from (input_sizes, filter, dy): the adjoint of the forward convolution in x."""

    inputs = ("input_sizes", "filter", "out_backprop")
    attrs = {**_WINDOW_ATTRS, "static_input_sizes": None}

    def infer(self, sizes, w, dy, *, static_input_sizes, **window):
        _size_vector(sizes, "input_sizes")
        _require_float(dy, "out_backprop")
        _same_dtype(dy, w, "out_backprop", "filter")
        w_dims = _dims4(w, "filter", self.filter_layout())
        dy_dims = _dims4(dy, "out_backprop", "(batch, height, width, channels)")
        dims = _known_sizes(static_input_sizes, "input_sizes")
        dims[0], dims[3] = _merge(dims[0], dy_dims[0]), _merge(dims[3], w_dims[2])
        _check_channels(dims, w_dims, "depthwise" if self.depthwise else "conv2d")
        expected = [dims[0], *_spatial_out(dims[1:3], w_dims[:2], window["strides"],
                                           window["padding"], window["explicit_paddings"],
                                           window["dilations"], "filter"),
                    self.out_channels(w_dims)]
        if not TensorSpec(expected, dy.dtype).shape.is_compatible_with(dy.shape):
            raise ShapeError(f"out_backprop has shape {dy.shape} but the convolution of an input "
                             f"of shape {tuple(dims)} by this filter gives "
                             f"{tuple(expected)}.")
        return TensorSpec(dims, dy.dtype)


class _ConvBackpropFilter(_Conv):
    """dw from (input, filter_sizes, dy): the adjoint of the forward convolution in w."""

    inputs = ("input", "filter_sizes", "out_backprop")
    attrs = {**_WINDOW_ATTRS, "static_filter_sizes": None}

    def infer(self, x, sizes, dy, *, static_filter_sizes, **window):
        _size_vector(sizes, "filter_sizes")
        _require_float(x, "input")
        _same_dtype(x, dy, "input", "out_backprop")
        x_dims = _dims4(x, "input", "(batch, height, width, channels)")
        _dims4(dy, "out_backprop", "(batch, height, width, channels)")
        dims = _known_sizes(static_filter_sizes, "filter_sizes")
        dims[2] = _merge(dims[2], x_dims[3])
        if not self.depthwise:
            dims[3] = _merge(dims[3], dy.shape.dims[3] if dy.shape.dims else None)
        _check_channels(x_dims, dims, "depthwise" if self.depthwise else "conv2d")
        expected = [x_dims[0], *_spatial_out(x_dims[1:3], dims[:2], window["strides"],
                                             window["padding"], window["explicit_paddings"],
                                             window["dilations"], "filter"),
                    self.out_channels(dims)]
        if not TensorSpec(expected, dy.dtype).shape.is_compatible_with(dy.shape):
            raise ShapeError(f"out_backprop has shape {dy.shape} but the convolution of the "
                             f"input by a filter of shape {tuple(dims)} gives "
                             f"{tuple(expected)}.")
        return TensorSpec(dims, x.dtype)


def _family(op) -> tuple:
    """The op types (forward, backprop input, backprop filter) of op's convolution family."""
    if op.type.startswith("Depthwise"):
        return ("DepthwiseConv2dNative", "DepthwiseConv2dNativeBackpropInput",
                "DepthwiseConv2dNativeBackpropFilter")
    return ("Conv2D", "Conv2DBackpropInput", "Conv2DBackpropFilter")


def _window_of(op) -> dict:
    return {k: op.attrs[k] for k in _WINDOW_ATTRS}


def _forward(op, x, w):
    return apply_op(_family(op)[0], x, w, **_window_of(op))


def _backprop_input(op, x_like: Tensor, w, dy):
    dims = x_like.shape.dims
    return apply_op(_family(op)[1], _sizes_of(x_like), w, dy, **_window_of(op),
                    static_input_sizes=None if dims is None else tuple(dims))


def _backprop_filter(op, x, w_like: Tensor, dy):
    dims = w_like.shape.dims
    return apply_op(_family(op)[2], x, _sizes_of(w_like), dy, **_window_of(op),
                    static_filter_sizes=None if dims is None else tuple(dims))


class _BiasRelu:
    """The epilogue of a fused Conv2D + BiasAdd + Relu: max(block + bias, 0) in place. Kernels
    that can apply it in their own loops read `relu_bias` (winograd.conv's F(4x4) output
    transform)."""

    __slots__ = ("relu_bias",)

    def __init__(self, bias):
        self.relu_bias = bias

    def __call__(self, block):
        add_bias_relu(block, self.relu_bias, out=block)


@register_op("Conv2D")
class Conv2D(_Conv):
    """2-D cross-correlation of NHWC `input` with an HWIO `filter` (TF's Conv2D).

    Gradient: dx = Conv2DBackpropInput(shape(x), w, grad), dw = Conv2DBackpropFilter(x,
    shape(w), grad).
    """

    def kernel(self, xp, x, w, **attrs):
        return conv_kernels.conv2d(x, w, *_window_args(attrs))

    def bind_bias_relu(self, op):
        """The NumPy kernel of this convolution followed by an NHWC BiasAdd and a Relu, as the
        compiler fuses them (compiler/fusion.py): (x, w, bias) -> relu(conv2d(x, w) + bias),
        the bias and ReLU applied to each block of the output right after it is written
        (conv_kernels.conv2d's epilogue), from cache, instead of in a second pass over the
        whole output; the same bits as the three ops (bias_ops.add_bias_relu's)."""
        window = _window_args(op.attrs)

        def conv_bias_relu(x, w, bias):
            return conv_kernels.conv2d(x, w, *window, epilogue=_BiasRelu(bias))
        return conv_bias_relu

    def gradient(self, op, grad):
        x, w = op.inputs
        return _backprop_input(op, x, w, grad), _backprop_filter(op, x, w, grad)


@register_op("Conv2DBackpropInput")
class Conv2DBackpropInput(_ConvBackpropInput):
    """The gradient of Conv2D with respect to its input (conv2d_transpose's forward).

    Linear in filter and out_backprop: for L = <g, dx>, dL/d(dy) = conv2d(g, w) and
    dL/dw = Conv2DBackpropFilter(g, shape(w), dy); the sizes get none.
    """

    def kernel(self, xp, sizes, w, dy, *, static_input_sizes, **attrs):
        return conv_kernels.conv2d_backprop_input(dy, w, tuple(int(d) for d in sizes),
                                                  *_window_args(attrs))

    def gradient(self, op, grad):
        _, w, dy = op.inputs
        return None, _backprop_filter(op, grad, w, dy), _forward(op, grad, w)


@register_op("Conv2DBackpropFilter")
class Conv2DBackpropFilter(_ConvBackpropFilter):
    """The gradient of Conv2D with respect to its filter.

    Linear in input and out_backprop: for L = <g, dw>, dL/dx = Conv2DBackpropInput(shape(x),
    g, dy) and dL/d(dy) = conv2d(x, g); the sizes get none.
    """

    def kernel(self, xp, x, sizes, dy, *, static_filter_sizes, **attrs):
        return conv_kernels.conv2d_backprop_filter(x, dy, tuple(int(d) for d in sizes),
                                                   *_window_args(attrs))

    def gradient(self, op, grad):
        x, _, dy = op.inputs
        return _backprop_input(op, x, grad, dy), None, _forward(op, x, grad)


@register_op("DepthwiseConv2dNative")
class DepthwiseConv2dNative(_Conv):
    """Depthwise convolution: channel c of the input convolved with filter[:, :, c, m] gives
    output channel c * multiplier + m. Gradients as Conv2D's, with the depthwise backprops."""

    depthwise = True

    def kernel(self, xp, x, w, **attrs):
        return conv_kernels.depthwise_conv2d(x, w, *_window_args(attrs))

    gradient = Conv2D.gradient


@register_op("DepthwiseConv2dNativeBackpropInput")
class DepthwiseConv2dNativeBackpropInput(_ConvBackpropInput):
    """The gradient of DepthwiseConv2dNative with respect to its input (linear, as
    Conv2DBackpropInput)."""

    depthwise = True

    def kernel(self, xp, sizes, w, dy, *, static_input_sizes, **attrs):
        return conv_kernels.depthwise_conv2d_backprop_input(
            dy, w, tuple(int(d) for d in sizes), *_window_args(attrs))

    gradient = Conv2DBackpropInput.gradient


@register_op("DepthwiseConv2dNativeBackpropFilter")
class DepthwiseConv2dNativeBackpropFilter(_ConvBackpropFilter):
    """The gradient of DepthwiseConv2dNative with respect to its filter (linear, as
    Conv2DBackpropFilter)."""

    depthwise = True

    def kernel(self, xp, x, sizes, dy, *, static_filter_sizes, **attrs):
        return conv_kernels.depthwise_conv2d_backprop_filter(
            x, dy, tuple(int(d) for d in sizes), *_window_args(attrs))

    gradient = Conv2DBackpropFilter.gradient


# -- argument parsing for the public functions ---------------------------------------------

def _data_format(data_format, fn: str) -> str:
    """"NHWC" or "NCHW" (also their 1-D spellings "NWC"/"NCW", and None for channels last)."""
    if data_format is None:
        return "NHWC"
    if isinstance(data_format, bytes):
        data_format = data_format.decode()
    known = {"NHWC": "NHWC", "NCHW": "NCHW", "NWC": "NHWC", "NCW": "NCHW"}
    if data_format not in known:
        raise ValueError(f"{fn}: data_format must be 'NHWC' or 'NCHW' ('NWC'/'NCW' for 1-D), "
                         f"got data_format={data_format!r}.")
    return known[data_format]


def _hw_attr(value, arg: str, fn: str, data_format: str, default=None) -> tuple:
    """A stride/dilation/ksize given as an int, an (h, w) pair or TF's 4-list, as the NHWC
    4-tuple (1, h, w, 1)."""
    if value is None:
        if default is None:
            raise ValueError(f"{fn}: {arg} is required (e.g. {arg}=[1, 2, 2, 1]).")
        value = default
    if isinstance(value, Tensor):
        raise TypeError(f"{fn}: {arg} must be Python ints, not a tensor ({value.name}).")
    values = [value] if isinstance(value, numbers.Integral) else list(value)
    if len(values) == 1:
        values = values * 2
    if len(values) == 4:
        outer = (values[0], values[1]) if data_format == "NCHW" else (values[0], values[3])
        if tuple(outer) != (1, 1):
            where = "the first two entries" if data_format == "NCHW" else "first and last"
            raise ValueError(f"{fn}: {arg}={list(value)} must be 1 in the batch and channel "
                             f"dimensions ({where}, data_format={data_format!r}); only the "
                             f"spatial ones may differ.")
        values = values[2:] if data_format == "NCHW" else values[1:3]
    if len(values) != 2 or not all(isinstance(v, numbers.Integral) and v >= 1 for v in values):
        raise ValueError(f"{fn}: {arg} must be a positive int, an (height, width) pair or a "
                         f"4-list like [1, 2, 2, 1], got {arg}={value!r}.")
    return (1, int(values[0]), int(values[1]), 1)


def _padding_attrs(padding, fn: str, data_format: str, explicit_ok: bool = True) -> dict:
    """{"padding": ..., "explicit_paddings": ...} from "SAME", "VALID" or explicit pairs."""
    if isinstance(padding, bytes):
        padding = padding.decode()
    if isinstance(padding, str):
        if padding.upper() not in ("SAME", "VALID"):
            raise ValueError(f"{fn}: padding must be 'SAME', 'VALID'"
                             f"{' or explicit pairs' if explicit_ok else ''}, got "
                             f"padding={padding!r}.")
        return {"padding": padding.upper(), "explicit_paddings": ()}
    if not explicit_ok or padding is None:
        raise ValueError(f"{fn}: padding must be 'SAME' or 'VALID', got padding={padding!r}.")
    try:
        pairs = [tuple(int(p) for p in pair) for pair in padding]
    except (TypeError, ValueError):
        pairs = []
    if len(pairs) == 4 and all(len(p) == 2 for p in pairs):
        outer = (pairs[0], pairs[1]) if data_format == "NCHW" else (pairs[0], pairs[3])
        if outer != ((0, 0), (0, 0)):
            raise ValueError(f"{fn}: explicit padding={padding!r} must be [0, 0] in the batch "
                             f"and channel dimensions.")
        pairs = pairs[2:] if data_format == "NCHW" else pairs[1:3]
    if len(pairs) != 2 or not all(len(p) == 2 and min(p) >= 0 for p in pairs):
        raise ValueError(f"{fn}: padding must be 'SAME', 'VALID' or explicit non-negative "
                         f"pairs [[0, 0], [top, bottom], [left, right], [0, 0]], got "
                         f"padding={padding!r}.")
    (top, bottom), (left, right) = pairs
    return {"padding": "EXPLICIT",
            "explicit_paddings": (0, 0, top, bottom, left, right, 0, 0)}


def _to_nhwc(x: Tensor, data_format: str) -> Tensor:
    return transpose(x, _NCHW_TO_NHWC) if data_format == "NCHW" else x


def _from_nhwc(y: Tensor, data_format: str, name=None) -> Tensor:
    if data_format == "NCHW":
        return transpose(y, _NHWC_TO_NCHW, name=name or "transpose")
    return y


def _static_sizes(sizes: Tensor, data_format: str = "NHWC"):
    """The build-time entries of a sizes vector (None where unknown), in NHWC order."""
    known = _shape_value(sizes)
    if known is None or len(known) != 4:
        return None
    if data_format == "NCHW":
        known = [known[i] for i in _NCHW_TO_NHWC]
    return tuple(known)


# -- public convolution functions ----------------------------------------------------------

def conv2d(input, filter=None, strides=None, padding=None, use_cudnn_on_gpu=True,
           data_format="NHWC", dilations=(1, 1, 1, 1), name=None, filters=None):
    """2-D convolution (cross-correlation) of images with a filter bank.

    Args:
        input: `(batch, height, width, in_channels)` (or `(batch, in_channels, height, width)`
            with data_format="NCHW"), floating point.
        filter: `(filter_height, filter_width, in_channels, out_channels)`; `filters` is the
            TF 2 name.
        strides: `[1, sh, sw, 1]` (TF's form; `[1, 1, sh, sw]` for NCHW), or an int or an
            (sh, sw) pair.
        padding: "SAME" (output ceil(in / stride), extra pad at the bottom/right), "VALID"
            (no padding) or explicit pairs `[[0, 0], [top, bottom], [left, right], [0, 0]]`.
        dilations: as strides; > 1 spreads the filter taps apart (atrous convolution).
        use_cudnn_on_gpu: accepted and ignored (TF 1.x compatibility).
    Returns:
        `(batch, out_height, out_width, out_channels)` in input's layout.
    Raises:
        ShapeError: the filter's in_channels differ from the input's channels, or the window
            is larger than the input with VALID padding.
    Example:
        >>> w = tenseur.get_variable("w", [3, 3, 1, 32])
        >>> h = tenseur.nn.relu(tenseur.nn.conv2d(images, w, [1, 1, 1, 1], "SAME"))
    """
    del use_cudnn_on_gpu
    if filter is None:
        filter = filters
    elif filters is not None:
        raise ValueError("conv2d: pass either filter or filters (its TF 2 name), not both.")
    if filter is None:
        raise ValueError("conv2d: a filter is required (filter=...).")
    fmt = _data_format(data_format, "conv2d")
    attrs = {"strides": _hw_attr(strides, "strides", "conv2d", fmt),
             "dilations": _hw_attr(dilations, "dilations", "conv2d", fmt, default=1),
             **_padding_attrs(padding, "conv2d", fmt)}
    if fmt == "NHWC":
        return apply_op("Conv2D", input, filter, **attrs, name=name or "Conv2D")
    with name_scope(name, "Conv2D") as scope:
        y = apply_op("Conv2D", _to_nhwc(convert_to_tensor(input), fmt), filter, **attrs)
        return _from_nhwc(y, fmt, name=scope)


def _window_attrs(fn: str, strides, padding, dilations, fmt: str, explicit_ok=True) -> dict:
    return {"strides": _hw_attr(strides, "strides", fn, fmt),
            "dilations": _hw_attr(dilations, "dilations", fn, fmt, default=1),
            **_padding_attrs(padding, fn, fmt, explicit_ok)}


def _sizes_tensor(sizes, fmt: str) -> Tensor:
    """A sizes argument (4 ints or an int vector tensor) as an int32 vector in NHWC order."""
    if not isinstance(sizes, Tensor):
        sizes = np.asarray(sizes, np.int32)
        return convert_to_tensor(sizes[list(_NCHW_TO_NHWC)] if fmt == "NCHW" else sizes)
    if fmt == "NCHW":
        return gather(sizes, np.asarray(_NCHW_TO_NHWC, np.int32))
    return sizes


def conv2d_backprop_input(input_sizes, filter=None, out_backprop=None, strides=None,
                          padding=None, use_cudnn_on_gpu=True, data_format="NHWC",
                          dilations=(1, 1, 1, 1), name=None, filters=None):
    """The gradient of conv2d with respect to its input.

    Args:
        input_sizes: the input's shape (4 ints, in data_format's order) or an int32 vector.
        filter: as given to conv2d. out_backprop: the gradient of conv2d's output.
        strides, padding, data_format, dilations: as given to conv2d.
    Returns:
        A tensor of shape `input_sizes`.
    """
    del use_cudnn_on_gpu
    filter = filter if filter is not None else filters
    fn = "conv2d_backprop_input"
    fmt = _data_format(data_format, fn)
    attrs = _window_attrs(fn, strides, padding, dilations, fmt)
    with name_scope(name, "Conv2DBackpropInput") as scope:
        sizes = _sizes_tensor(input_sizes, fmt)
        dy = _to_nhwc(convert_to_tensor(out_backprop), fmt)
        dx = apply_op("Conv2DBackpropInput", sizes, filter, dy, **attrs,
                      static_input_sizes=_static_sizes(sizes),
                      name=scope if fmt == "NHWC" else None)
        return _from_nhwc(dx, fmt, name=scope)


def conv2d_backprop_filter(input, filter_sizes, out_backprop, strides, padding,
                           use_cudnn_on_gpu=True, data_format="NHWC", dilations=(1, 1, 1, 1),
                           name=None):
    """The gradient of conv2d with respect to its filter, of shape `filter_sizes` (HWIO)."""
    del use_cudnn_on_gpu
    fn = "conv2d_backprop_filter"
    fmt = _data_format(data_format, fn)
    attrs = _window_attrs(fn, strides, padding, dilations, fmt)
    with name_scope(name, "Conv2DBackpropFilter") as scope:
        sizes = _sizes_tensor(filter_sizes, "NHWC")
        x = _to_nhwc(convert_to_tensor(input), fmt)
        dy = _to_nhwc(convert_to_tensor(out_backprop), fmt)
        return apply_op("Conv2DBackpropFilter", x, sizes, dy, **attrs,
                        static_filter_sizes=_static_sizes(sizes), name=scope)


def conv2d_transpose(value=None, filter=None, output_shape=None, strides=None, padding="SAME",
                     data_format="NHWC", name=None, input=None, filters=None, dilations=None):
    """The transpose (adjoint) of conv2d, sometimes called deconvolution.

    Args:
        value: `(batch, height, width, in_channels)`; `input` is the TF 2 name.
        filter: `(filter_height, filter_width, out_channels, in_channels)`: note the order,
            that of the conv2d whose transpose this is; `filters` is the TF 2 name.
        output_shape: the output's shape, 4 ints or an int32 vector tensor (it is not implied:
            several input sizes give the same conv2d output size when strides > 1).
        strides, padding, data_format, dilations: as conv2d's.
    Raises:
        ShapeError: value's channels differ from the filter's last dimension, or conv2d of an
            output_shape input would not give value's shape.
    Example:
        >>> w = tenseur.get_variable("w", [3, 3, 16, 32])               # 32 -> 16 channels
        >>> up = tenseur.nn.conv2d_transpose(h, w, [batch, 28, 28, 16], [1, 2, 2, 1], "SAME")
    """
    value = value if value is not None else input
    filter = filter if filter is not None else filters
    with name_scope(name, "conv2d_transpose") as scope:
        value, filter = convert_to_tensor(value), convert_to_tensor(filter)
        fmt = _data_format(data_format, "conv2d_transpose")
        axis = 1 if fmt == "NCHW" else 3
        channels = value.shape.dims[axis] if value.shape.ndims == 4 else None
        out_ch = filter.shape.dims[3] if filter.shape.ndims == 4 else None
        if channels is not None and out_ch is not None and channels != out_ch:
            raise ShapeError(f"conv2d_transpose: value {value.name} has {channels} channels "
                             f"(shape {value.shape}) but the filter {filter.name} of shape "
                             f"{filter.shape} expects {out_ch} (its last dimension).",
                             hint="the filter is (height, width, output_channels, "
                                  "input_channels)")
        return conv2d_backprop_input(output_shape, filter, value, strides, padding,
                                     data_format=fmt, dilations=dilations or 1, name=scope)


def depthwise_conv2d_native(input, filter, strides, padding, data_format="NHWC",
                            dilations=(1, 1, 1, 1), name=None):
    """Depthwise convolution, the op itself (TF's `tf.nn.depthwise_conv2d_native`).

    Channel c convolved with filter[:, :, c, m] gives output channel c * multiplier + m.
    """
    fn = "depthwise_conv2d_native"
    fmt = _data_format(data_format, fn)
    attrs = _window_attrs(fn, strides, padding, dilations, fmt)
    with name_scope(name, "DepthwiseConv2dNative") as scope:
        x = _to_nhwc(convert_to_tensor(input), fmt)
        y = apply_op("DepthwiseConv2dNative", x, filter, **attrs,
                     name=scope if fmt == "NHWC" else None)
        return _from_nhwc(y, fmt, name=scope)


def depthwise_conv2d(input, filter, strides, padding, rate=None, name=None, data_format=None,
                     dilations=None):
    """Depthwise 2-D convolution: each input channel convolved with its own filters.

    Args:
        input: `(batch, height, width, in_channels)` (NHWC, or NCHW with data_format).
        filter: `(filter_height, filter_width, in_channels, channel_multiplier)`.
        strides: `[1, sh, sw, 1]` (or an int / pair). padding: "SAME" or "VALID".
        rate, dilations: the dilation (atrous) rate, an int or a pair (`rate` is TF 1.x's name).
    Returns:
        `(batch, out_height, out_width, in_channels * channel_multiplier)`.
    Example:
        >>> w = tenseur.get_variable("dw", [3, 3, 32, 1])
        >>> h = tenseur.nn.depthwise_conv2d(x, w, [1, 1, 1, 1], "SAME")
    """
    if rate is not None and dilations is not None:
        raise ValueError("depthwise_conv2d: pass either rate or dilations, not both.")
    rate = rate if rate is not None else dilations
    return depthwise_conv2d_native(input, filter, strides, padding,
                                   data_format=data_format or "NHWC",
                                   dilations=rate if rate is not None else 1,
                                   name=name or "depthwise")


def depthwise_conv2d_native_backprop_input(input_sizes, filter, out_backprop, strides, padding,
                                           data_format="NHWC", dilations=(1, 1, 1, 1),
                                           name=None):
    """The gradient of depthwise_conv2d_native with respect to its input."""
    fn = "depthwise_conv2d_native_backprop_input"
    fmt = _data_format(data_format, fn)
    attrs = _window_attrs(fn, strides, padding, dilations, fmt)
    with name_scope(name, "DepthwiseConv2dNativeBackpropInput") as scope:
        sizes = _sizes_tensor(input_sizes, fmt)
        dy = _to_nhwc(convert_to_tensor(out_backprop), fmt)
        dx = apply_op("DepthwiseConv2dNativeBackpropInput", sizes, filter, dy, **attrs,
                      static_input_sizes=_static_sizes(sizes),
                      name=scope if fmt == "NHWC" else None)
        return _from_nhwc(dx, fmt, name=scope)


def depthwise_conv2d_native_backprop_filter(input, filter_sizes, out_backprop, strides, padding,
                                            data_format="NHWC", dilations=(1, 1, 1, 1),
                                            name=None):
    """The gradient of depthwise_conv2d_native with respect to its filter."""
    fn = "depthwise_conv2d_native_backprop_filter"
    fmt = _data_format(data_format, fn)
    attrs = _window_attrs(fn, strides, padding, dilations, fmt)
    with name_scope(name, "DepthwiseConv2dNativeBackpropFilter") as scope:
        sizes = _sizes_tensor(filter_sizes, "NHWC")
        x = _to_nhwc(convert_to_tensor(input), fmt)
        dy = _to_nhwc(convert_to_tensor(out_backprop), fmt)
        return apply_op("DepthwiseConv2dNativeBackpropFilter", x, sizes, dy, **attrs,
                        static_filter_sizes=_static_sizes(sizes), name=scope)


def separable_conv2d(input, depthwise_filter, pointwise_filter, strides, padding, rate=None,
                     name=None, data_format=None, dilations=None):
    """A depthwise convolution followed by a 1x1 (pointwise) conv2d mixing the channels.

    Args:
        depthwise_filter: `(fh, fw, in_channels, channel_multiplier)`.
        pointwise_filter: `(1, 1, in_channels * channel_multiplier, out_channels)`.
        strides, padding, rate/dilations: of the depthwise step (the pointwise one is 1x1
            stride 1 VALID).
    """
    with name_scope(name, "separable_conv2d") as scope:
        fmt = _data_format(data_format, "separable_conv2d")
        depthwise = depthwise_conv2d(input, depthwise_filter, strides, padding, rate=rate,
                                     data_format=fmt, dilations=dilations)
        if fmt == "NHWC":
            return apply_op("Conv2D", depthwise, pointwise_filter, strides=(1, 1, 1, 1),
                            padding="VALID", name=scope)
        return conv2d(depthwise, pointwise_filter, 1, "VALID", data_format=fmt, name=scope)


def conv1d(value=None, filters=None, stride=None, padding=None, use_cudnn_on_gpu=None,
           data_format=None, name=None, input=None, dilations=None):
    """1-D convolution of `(batch, width, in_channels)` sequences ("NWC"; "NCW" transposes).

    Built as TF builds it: expand_dims to a height-1 image, conv2d, squeeze.
    Args:
        filters: `(filter_width, in_channels, out_channels)`.
        stride: an int (or TF's 3-list [1, s, 1]). padding: "SAME" or "VALID".
        dilations: an int (or a 3-list).
    Example:
        >>> y = tenseur.nn.conv1d(x, w, stride=1, padding="SAME")   # x (batch, 100, 8)
    """
    del use_cudnn_on_gpu
    value = value if value is not None else input
    fmt = _data_format(data_format or "NWC", "conv1d")

    def width_only(v, arg):
        if v is None:
            v = 1
        values = [v] if isinstance(v, numbers.Integral) else list(v)
        if len(values) == 3:
            outer = (values[0], values[1]) if fmt == "NCHW" else (values[0], values[2])
            if outer != (1, 1):
                raise ValueError(f"conv1d: {arg}={v!r} must be 1 in the batch and channel "
                                 f"dimensions.")
            values = [values[2] if fmt == "NCHW" else values[1]]
        if len(values) != 1:
            raise ValueError(f"conv1d: {arg} must be an int or a 3-list, got {arg}={v!r}.")
        return (1, 1, int(values[0]), 1)

    if stride is None:
        raise ValueError("conv1d: stride is required.")
    with name_scope(name, "conv1d") as scope:
        x = convert_to_tensor(value)
        if fmt == "NCHW":
            x = transpose(x, (0, 2, 1))
        y = apply_op("Conv2D", expand_dims(x, 1), expand_dims(filters, 0),
                     strides=width_only(stride, "stride"),
                     dilations=width_only(dilations, "dilations"),
                     **_padding_attrs(padding, "conv1d", "NHWC", explicit_ok=False),
                     name="Conv2D")
        if fmt == "NCHW":
            return transpose(squeeze(y, [1]), (0, 2, 1), name=scope)
        return squeeze(y, [1], name=scope)


def atrous_conv2d(value, filters, rate, padding, name=None):
    """Dilated ("atrous") 2-D convolution, stride 1: conv2d with dilations=rate (TF 1.x name).

    Example:
        >>> h = tenseur.nn.atrous_conv2d(x, w, rate=2, padding="SAME")
    """
    return conv2d(value, filters, 1, padding, dilations=rate, name=name or "atrous_conv2d")


def convolution(input, filter=None, padding=None, strides=None, dilation_rate=None, name=None,
                data_format=None, filters=None, dilations=None):
    """N-D convolution for N = 1 or 2 (tf.nn.convolution): conv1d or conv2d, picked by the
    filter's rank; strides and dilation_rate are lists of N ints (default all 1).

    Raises:
        NotImplementedError: 3-D convolution.
    """
    filter = convert_to_tensor(filter if filter is not None else filters)
    dilation_rate = dilation_rate if dilation_rate is not None else dilations
    rank = filter.shape.ndims
    if rank == 4:
        return conv2d(input, filter, list(strides or [1, 1]), padding,
                      data_format=data_format or "NHWC", dilations=list(dilation_rate or [1, 1]),
                      name=name or "convolution")
    if rank == 3:
        return conv1d(input, filter, list(strides or [1])[0], padding,
                      data_format=data_format or "NWC",
                      dilations=list(dilation_rate or [1])[0], name=name or "convolution")
    raise NotImplementedError(f"convolution: only 1-D and 2-D convolutions (filters of rank 3 "
                              f"or 4), got a filter of shape {filter.shape}.")
