"""Neural-network ops (`tenseur.nn`): activations, bias_add, softmax, cross-entropies,
normalisation helpers, dropout and top-k. Convolution and pooling live with the conv kernels.

Primitives (one `OpDef` each: infer + NumPy kernel + gradient written with tenseur ops) are the
ops TF 1.x users see as graph nodes or that need a stable or fast kernel: Relu, Relu6, Elu,
Selu, Softsign, LeakyRelu, the backward kernels ReluGrad, Relu6Grad, EluGrad and LeakyReluGrad,
BiasAdd, BiasAddGrad, Softmax, LogSoftmax, SoftmaxCrossEntropyWithLogits,
SparseSoftmaxCrossEntropyWithLogits, L2Loss, InTopK, TopKV2. Everything else (swish, gelu,
sigmoid cross-entropy, moments, batch_normalization, l2_normalize, dropout) is a Python function
over ops, with no kernel or gradient of its own.
"""
from __future__ import annotations

import numbers

import numpy as np

from ..framework import dtypes
from ..framework.errors import DTypeError, InvalidArgumentError, ShapeError
from ..framework.graph import name_scope
from ..framework.tensor import Tensor, TensorSpec
from .array_ops import _static_value, shape, stop_gradient, zeros_like
from .math_ops import _norm_axes
from .math_ops import abs as abs_
from .math_ops import (add, cast, equal, erf, exp, floor, greater_equal, less, log1p, maximum,
                       multiply, reduce_mean, reduce_sum, rsqrt, sigmoid, square,
                       squared_difference, tanh, truediv, where_)
from .random_ops import random_uniform
from .registry import NOT_DIFFERENTIABLE, OpDef, apply_op, convert_to_tensor, register_op

__all__ = [
    "relu", "relu6", "elu", "selu", "softsign", "leaky_relu", "swish", "silu", "gelu",
    "bias_add", "xw_plus_b", "softmax", "log_softmax", "softmax_cross_entropy_with_logits",
    "softmax_cross_entropy_with_logits_v2", "sparse_softmax_cross_entropy_with_logits",
    "sigmoid_cross_entropy_with_logits", "weighted_cross_entropy_with_logits", "l2_loss",
    "l2_normalize", "moments", "batch_normalization", "dropout", "in_top_k", "top_k",
]

# SELU constants from Klambauer et al. 2017, "Self-Normalizing Neural Networks" (as TF).
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


# -- helpers -------------------------------------------------------------------------------

def _require_float(spec: TensorSpec, arg: str) -> None:
    if not spec.dtype.is_floating:
        raise DTypeError(f"{arg} must be a floating-point tensor, got {spec.dtype.name}.",
                         hint=f"cast it first: tenseur.cast({arg}, tenseur.float32)")


def _norm_axis(axis: int, rank: int | None) -> int:
    """`axis` made non-negative when the rank is known; ShapeError when out of range."""
    if rank is None:
        return axis
    if rank == 0:
        raise ShapeError(f"expects a tensor of rank >= 1 (axis={axis}), got a scalar.")
    if not -rank <= axis < rank:
        raise ShapeError(f"axis={axis} is out of range for a tensor of rank {rank} "
                         f"(valid: {-rank} to {rank - 1}).")
    return axis % rank


def _without_axis(spec_shape, axis: int):
    """The dims of a shape with `axis` removed (None for an unknown rank)."""
    if spec_shape.dims is None:
        return None
    dims = list(spec_shape.dims)
    del dims[_norm_axis(axis, len(dims))]
    return dims


def _expand_at(t: Tensor, axis: int, rank: int | None) -> Tensor:
    """`t` (a reduction over `axis` of a rank-`rank` tensor) with that axis put back as 1."""
    if rank is None:
        if axis != -1:
            raise ShapeError(f"cannot differentiate over axis={axis} of a tensor of unknown rank.")
        return apply_op("ExpandDimsMany", t, axes=(-1,))
    return apply_op("ExpandDimsMany", t, axes=(_norm_axis(axis, rank),))


def _is_zeros(t) -> bool:
    """Whether `t` is a zeros tensor made by autodiff for an output nobody used."""
    return getattr(getattr(t, "op", None), "type", None) == "ZerosLike"


def _zero(like: Tensor) -> Tensor:
    """A scalar 0 of `like`'s dtype; Select broadcasts it, saving a full-size zeros array."""
    return convert_to_tensor(0, dtype=like.dtype)


def _resolve_axis(axis, dim, fn_name: str, default=-1) -> int:
    """TF 1.x's deprecated `dim` spelling of `axis`: at most one of them."""
    if axis is not None and dim is not None and axis != dim:
        raise ValueError(f"{fn_name}: pass either axis or dim (its old name), not both; got "
                         f"axis={axis!r}, dim={dim!r}.")
    axis = axis if axis is not None else dim
    return default if axis is None else int(axis)


# -- activations ---------------------------------------------------------------------------

class _Activation(OpDef):
    """Elementwise activation of `features`; `integers_ok` also admits integer tensors."""

    inputs = ("features",)
    integers_ok = False

    def infer(self, features, **attrs):
        if not (features.dtype.is_floating
                or self.integers_ok and features.dtype.is_integer):
            raise DTypeError(f"features must be a floating-point tensor, got "
                             f"{features.dtype.name}.",
                             hint="cast it first: tenseur.cast(features, tenseur.float32)")
        return TensorSpec(features.shape, features.dtype)


@register_op("Relu")
class Relu(_Activation):
    """max(x, 0). Gradient: grad where y > 0, else 0 (so exactly 0 at x = 0, as TF)."""

    integers_ok = True

    def kernel(self, xp, features):
        return xp.maximum(features, 0)

    def gradient(self, op, grad):
        # The output, not the input, decides (y > 0 exactly where x > 0), as TF: the input
        # can then be freed after the forward pass.
        return (relu_grad(grad, op.outputs[0]),)


@register_op("Relu6")
class Relu6(_Activation):
    """min(max(x, 0), 6). Gradient: grad where 0 < x < 6, else 0 (0 at both kinks, as TF)."""

    integers_ok = True

    def kernel(self, xp, features):
        return xp.minimum(xp.maximum(features, 0), 6)

    def gradient(self, op, grad):
        return (relu6_grad(grad, op.outputs[0]),)     # 0 < y < 6 exactly where 0 < x < 6


@register_op("Elu")
class Elu(_Activation):
    """x if x > 0 else e^x - 1 (Clevert et al. 2015). Gradient: grad where y >= 0, else
    grad (y + 1), reusing the output (the two sides agree at 0)."""

    def kernel(self, xp, features):
        # expm1 of min(x, 0): accurate near 0 and no overflow warning for large positive x.
        return xp.where(features > 0, features, xp.expm1(xp.minimum(features, 0)))

    def gradient(self, op, grad):
        return (elu_grad(grad, op.outputs[0]),)


@register_op("Selu")
class Selu(_Activation):
    """scale · (x if x > 0 else alpha (e^x - 1)). Gradient: grad · scale where y >= 0, else
    grad (y + scale·alpha); at exactly 0 the right-hand slope `scale` is used (as TF)."""

    def kernel(self, xp, features):
        negative = _SELU_ALPHA * xp.expm1(xp.minimum(features, 0))
        return _SELU_SCALE * xp.where(features > 0, features, negative)

    def gradient(self, op, grad):
        y = op.outputs[0]
        return (where_(less(y, _zero(y)), grad * (y + _SELU_SCALE * _SELU_ALPHA),
                       grad * _SELU_SCALE),)


@register_op("Softsign")
class Softsign(_Activation):
    """x / (1 + |x|). Gradient: grad / (1 + |x|)²."""

    def kernel(self, xp, features):
        return features / (1 + xp.abs(features))

    def gradient(self, op, grad):
        x = op.inputs[0]
        return (grad / square(1 + abs_(x)),)


@register_op("LeakyRelu")
class LeakyRelu(_Activation):
    """x if x > 0 else alpha·x (Maas et al. 2013). Gradient: grad where x > 0, else alpha·grad
    (alpha·grad at exactly 0, as TF)."""

    attrs = {"alpha": 0.2}

    def kernel(self, xp, features, *, alpha):
        return xp.where(features > 0, features, features * features.dtype.type(alpha))

    def gradient(self, op, grad):
        return (leaky_relu_grad(grad, op.inputs[0], alpha=op.attrs["alpha"]),)


class _ActivationGrad(OpDef):
    """The backward kernel of an activation: `gradients` (dL/dy) and the tensor the
    derivative is read from (features or outputs), of one dtype and shape, to dL/dx."""

    inputs = ("gradients", "features")
    integers_ok = False

    def infer(self, gradients, features, **attrs):
        if gradients.dtype != features.dtype:
            raise DTypeError(f"gradients and features must have the same dtype, got "
                             f"{gradients.dtype.name} and {features.dtype.name}.")
        if not (features.dtype.is_floating
                or self.integers_ok and features.dtype.is_integer):
            raise DTypeError(f"features must be a floating-point tensor, got "
                             f"{features.dtype.name}.")
        if not gradients.shape.is_compatible_with(features.shape):
            raise ShapeError(f"gradients and features must have the same shape, got "
                             f"{gradients.shape} and {features.shape}.")
        return TensorSpec(gradients.shape.merge_with(features.shape), features.dtype)


@register_op("ReluGrad")
class ReluGrad(_ActivationGrad):
    """gradients · (features > 0), TF's ReluGrad (features is Relu's input or its output).

    Like TF's kernel this multiplies, so a NaN or infinite gradient stays NaN where
    features <= 0 (np.where would be 4-5x slower on a conv activation: its random mask
    defeats branch prediction). Gradient: ReluGrad(grad, features) for gradients; features
    get zeros (the derivative is piecewise constant in them, as TF).
    """

    integers_ok = True

    def kernel(self, xp, gradients, features):
        return gradients * (features > 0)

    def gradient(self, op, grad):
        features = op.inputs[1]
        return relu_grad(grad, features), zeros_like(features)


@register_op("Relu6Grad")
class Relu6Grad(_ActivationGrad):
    """gradients · (0 < features < 6), TF's Relu6Grad (features: Relu6's input or output).
    Gradient: Relu6Grad(grad, features); features get zeros."""

    integers_ok = True

    def kernel(self, xp, gradients, features):
        return gradients * ((features > 0) & (features < 6))

    def gradient(self, op, grad):
        features = op.inputs[1]
        return relu6_grad(grad, features), zeros_like(features)


@register_op("EluGrad")
class EluGrad(_ActivationGrad):
    """gradients · (outputs + 1) where outputs < 0, else gradients: TF's EluGrad, from Elu's
    output. Gradient: EluGrad(grad, outputs) for gradients, grad · gradients where
    outputs < 0 (else 0) for outputs."""

    inputs = ("gradients", "outputs")

    def kernel(self, xp, gradients, outputs):
        # fmin(y, 0) + 1 is y + 1 below 0 and exactly 1 elsewhere (NaN too, as TF's select):
        # TF's bits without a select, which is slow on random masks.
        return gradients * (xp.fmin(outputs, 0) + 1)

    def gradient(self, op, grad):
        gradients, outputs = op.inputs
        negative = less(outputs, _zero(outputs))
        return elu_grad(grad, outputs), where_(negative, grad * gradients, _zero(grad))


@register_op("LeakyReluGrad")
class LeakyReluGrad(_ActivationGrad):
    """gradients where features > 0, else alpha · gradients: TF's LeakyReluGrad (features is
    LeakyRelu's input). Gradient: LeakyReluGrad(grad, features); features get zeros."""

    attrs = {"alpha": 0.2}

    def kernel(self, xp, gradients, features, *, alpha):
        alpha = features.dtype.type(alpha)
        if 0 <= alpha <= 1:
            # max(mask, alpha) is exactly 1 or alpha: TF's bits, without a slow select.
            return gradients * xp.maximum(features > 0, alpha)
        return xp.where(features > 0, gradients, gradients * alpha)

    def gradient(self, op, grad):
        features = op.inputs[1]
        return (leaky_relu_grad(grad, features, alpha=op.attrs["alpha"]),
                zeros_like(features))


def relu6_grad(gradients, features, name=None):
    """The gradient of relu6 (TF's gen_nn_ops.relu6_grad): `gradients` where
    0 < `features` < 6, else 0."""
    return apply_op("Relu6Grad", gradients, features, name=name or "Relu6Grad")


def elu_grad(gradients, outputs, name=None):
    """The gradient of elu from its outputs (TF's gen_nn_ops.elu_grad)."""
    return apply_op("EluGrad", gradients, outputs, name=name or "EluGrad")


def leaky_relu_grad(gradients, features, alpha=0.2, name=None):
    """The gradient of leaky_relu (TF's gen_nn_ops.leaky_relu_grad)."""
    return apply_op("LeakyReluGrad", gradients, features, alpha=float(alpha),
                    name=name or "LeakyReluGrad")


def relu_grad(gradients, features, name=None):
    """The gradient of relu: `gradients` where `features` > 0, else 0 (TF's
    gen_nn_ops.relu_grad); `features` may be relu's input or its output."""
    return apply_op("ReluGrad", gradients, features, name=name or "ReluGrad")


def relu(features, name=None):
    """Rectified linear unit, max(features, 0).

    The gradient at exactly 0 is 0.
    Example:
        >>> hidden = tenseur.nn.relu(tenseur.matmul(x, w) + b)
    """
    return apply_op("Relu", features, name=name or "Relu")


def relu6(features, name=None):
    """min(max(features, 0), 6) (Krizhevsky 2010); gradient 0 at both kinks."""
    return apply_op("Relu6", features, name=name or "Relu6")


def elu(features, name=None):
    """Exponential linear unit: features if > 0 else exp(features) - 1."""
    return apply_op("Elu", features, name=name or "Elu")


def selu(features, name=None):
    """Scaled ELU: scale · elu with alpha ≈ 1.6733, scale ≈ 1.0507 (self-normalising)."""
    return apply_op("Selu", features, name=name or "Selu")


def softsign(features, name=None):
    """features / (1 + |features|)."""
    return apply_op("Softsign", features, name=name or "Softsign")


def leaky_relu(features, alpha=0.2, name=None):
    """features if > 0 else alpha · features.

    Example:
        >>> tenseur.nn.leaky_relu(h, alpha=0.1)
    """
    return apply_op("LeakyRelu", features, alpha=float(alpha), name=name or "LeakyRelu")


def swish(features, beta=1.0, name=None):
    """features · sigmoid(beta · features) (Ramachandran et al. 2017; `silu` for beta = 1)."""
    with name_scope(name, "swish") as scope:
        features = convert_to_tensor(features)
        gate = sigmoid(features if beta == 1.0 else features * float(beta))
        return multiply(features, gate, name=scope)


silu = swish


def gelu(features, approximate=False, name=None):
    """Gaussian error linear unit, x · Φ(x) (Hendrycks & Gimpel 2016).

    Args:
        approximate: use the tanh approximation
            0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³))) instead of the exact erf form.
    """
    with name_scope(name, "Gelu") as scope:
        x = convert_to_tensor(features)
        if approximate:
            inner = 0.7978845608028654 * (x + 0.044715 * (x * x * x))
            return multiply(0.5 * x, 1.0 + tanh(inner), name=scope)
        return multiply(0.5 * x, 1.0 + erf(x * 0.7071067811865476), name=scope)


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


# -- softmax -------------------------------------------------------------------------------

class _SoftmaxBase(OpDef):
    """Normalisation over `axis` of a floating-point tensor of rank >= 1."""

    inputs = ("logits",)
    attrs = {"axis": -1}

    def infer(self, logits, *, axis):
        _require_float(logits, "logits")
        _norm_axis(axis, logits.shape.ndims)
        return TensorSpec(logits.shape, logits.dtype)


def _shifted(xp, logits, axis):
    """logits minus their max over `axis`: every exp() below is then at most 1 (stability)."""
    return logits - xp.max(logits, axis=axis, keepdims=True)


@register_op("Softmax")
class Softmax(_SoftmaxBase):
    """exp(x) / Σ exp(x) over `axis`, computed from max-subtracted logits (no overflow).

    Gradient: y (grad - Σ grad·y), reusing the output y.
    """

    def kernel(self, xp, logits, *, axis):
        if logits.size == 0:
            return logits.copy()
        e = xp.exp(_shifted(xp, logits, axis))
        return e / e.sum(axis=axis, keepdims=True)

    def gradient(self, op, grad):
        y = op.outputs[0]
        axis = op.attrs["axis"]
        return (y * (grad - reduce_sum(grad * y, axis=axis, keepdims=True)),)


@register_op("LogSoftmax")
class LogSoftmax(_SoftmaxBase):
    """x - log Σ exp(x) over `axis`, from max-subtracted logits (never -inf for finite x).

    Gradient: grad - exp(y) Σ grad, reusing the output y.
    """

    def kernel(self, xp, logits, *, axis):
        if logits.size == 0:
            return logits.copy()
        z = _shifted(xp, logits, axis)
        return z - xp.log(xp.exp(z).sum(axis=axis, keepdims=True))

    def gradient(self, op, grad):
        y = op.outputs[0]
        axis = op.attrs["axis"]
        return (grad - exp(y) * reduce_sum(grad, axis=axis, keepdims=True),)


def softmax(logits, axis=None, name=None, dim=None):
    """Softmax over `axis` (default the last): exp(logits) / reduce_sum(exp(logits), axis).

    Args:
        logits: a floating-point tensor. axis: the class axis (`dim` is its TF 1.x name).
    Example:
        >>> probabilities = tenseur.nn.softmax(logits)
    """
    axis = _resolve_axis(axis, dim, "softmax")
    return apply_op("Softmax", logits, axis=axis, name=name or "Softmax")


def log_softmax(logits, axis=None, name=None, dim=None):
    """log(softmax(logits)) over `axis`, computed stably (finite for finite logits)."""
    axis = _resolve_axis(axis, dim, "log_softmax")
    return apply_op("LogSoftmax", logits, axis=axis, name=name or "LogSoftmax")


# -- cross-entropies -----------------------------------------------------------------------

def _ensure_xent_args(fn_name: str, sentinel, labels, logits) -> None:
    """TF 1.x rejects positional arguments (the order labels/logits is easy to get wrong)."""
    if sentinel is not None:
        raise ValueError(f"Only call `{fn_name}` with named arguments (labels=..., logits=..., "
                         f"...)")
    if labels is None or logits is None:
        raise ValueError(f"{fn_name}: both labels and logits must be provided, got "
                         f"labels={labels!r}, logits={logits!r}.")


@register_op("SoftmaxCrossEntropyWithLogits")
class SoftmaxCrossEntropyWithLogits(OpDef):
    """Per-example -Σ labels · log_softmax(features) over `axis`, plus its backprop
    softmax(features) - labels (two outputs, as TF).

    Gradient: features ← grad_loss · backprop; labels ← -grad_loss · log_softmax(features)
    (v1 of the public function stops it). A gradient arriving on the backprop output (second
    order) adds softmax · (g - Σ g·softmax) to features and -g to labels.
    """

    inputs = ("features", "labels")
    attrs = {"axis": -1}

    def infer(self, features, labels, *, axis):
        _require_float(features, "logits")
        if labels.dtype != features.dtype:
            raise DTypeError(f"logits and labels must have the same dtype, got "
                             f"{features.dtype.name} and {labels.dtype.name}.",
                             hint=f"cast the labels: tenseur.cast(labels, "
                                  f"tenseur.{features.dtype.name})")
        if not features.shape.is_compatible_with(labels.shape):
            raise ShapeError(f"logits and labels must have the same shape, got logits "
                             f"{features.shape} and labels {labels.shape}.",
                             hint="labels are probability rows; for class indices use "
                                  "sparse_softmax_cross_entropy_with_logits")
        both = features.shape.merge_with(labels.shape)
        return [TensorSpec(_without_axis(both, axis), features.dtype),
                TensorSpec(both, features.dtype)]

    def kernel(self, xp, features, labels, *, axis):
        z = _shifted(xp, features, axis)
        log_softmax = z - xp.log(xp.exp(z).sum(axis=axis, keepdims=True))
        loss = -(labels * log_softmax).sum(axis=axis)
        return loss, xp.exp(log_softmax) - labels

    def gradient(self, op, grad_loss, grad_backprop):
        logits = op.inputs[0]
        axis = op.attrs["axis"]
        g = _expand_at(grad_loss, axis, logits.shape.ndims)
        grad_logits = g * op.outputs[1]
        grad_labels = -g * log_softmax(logits, axis=axis)
        if not _is_zeros(grad_backprop):
            y = softmax(logits, axis=axis)
            grad_logits += y * (grad_backprop - reduce_sum(grad_backprop * y, axis=axis,
                                                           keepdims=True))
            grad_labels -= grad_backprop
        return (grad_logits, grad_labels)


def _softmax_xent(labels, logits, axis, name):
    logits = convert_to_tensor(logits)
    labels = convert_to_tensor(labels, preferred_dtype=logits.dtype)
    loss, _ = apply_op("SoftmaxCrossEntropyWithLogits", logits, labels, axis=axis, name=name)
    return loss


def softmax_cross_entropy_with_logits_v2(_sentinel=None, labels=None, logits=None, dim=-1,
                                         name=None, axis=None):
    """Per-example cross-entropy between probability rows `labels` and softmax(`logits`).

    Computed in one fused, stable op; the gradient flows into both logits and labels.
    Args:
        labels, logits: same shape (keyword arguments only); `axis` (old name `dim`) is the
            class axis.
    Returns:
        A tensor of the shape of `logits` without the class axis (reduce it yourself).
    Raises:
        ValueError: called with positional arguments.
    Example:
        >>> loss = tenseur.reduce_mean(
        ...     tenseur.nn.softmax_cross_entropy_with_logits_v2(labels=y_, logits=logits))
    """
    _ensure_xent_args("softmax_cross_entropy_with_logits", _sentinel, labels, logits)
    axis = _resolve_axis(axis, None if dim == -1 else dim, "softmax_cross_entropy_with_logits")
    return _softmax_xent(labels, logits, axis, name or "softmax_cross_entropy_with_logits")


def softmax_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, dim=-1,
                                      name=None, axis=None):
    """The TF 1.x per-example softmax cross-entropy: like `_v2`, but no gradient flows into
    `labels` (they pass through stop_gradient), as TF 1.5+ documents.

    Raises:
        ValueError: "Only call `softmax_cross_entropy_with_logits` with named arguments
            (labels=..., logits=..., ...)" when called positionally.
    Example:
        >>> loss = tenseur.reduce_mean(
        ...     tenseur.nn.softmax_cross_entropy_with_logits(labels=y_, logits=logits))
    """
    _ensure_xent_args("softmax_cross_entropy_with_logits", _sentinel, labels, logits)
    axis = _resolve_axis(axis, None if dim == -1 else dim, "softmax_cross_entropy_with_logits")
    with name_scope(name, "softmax_cross_entropy_with_logits_sg") as scope:
        logits = convert_to_tensor(logits)
        labels = convert_to_tensor(labels, preferred_dtype=logits.dtype)
        labels = stop_gradient(labels, name="labels_stop_gradient")
        return _softmax_xent(labels, logits, axis, scope)


@register_op("SparseSoftmaxCrossEntropyWithLogits")
class SparseSoftmaxCrossEntropyWithLogits(OpDef):
    """Per-example -log_softmax(features)[label] over the last axis, plus its backprop
    softmax(features) - one_hot(labels) (two outputs, as TF).

    Labels outside [0, classes) raise InvalidArgumentError when the op runs (TF on CPU).
    Gradient: features ← grad_loss · backprop (plus the second-order softmax term, as for the
    dense op); labels are indices: none.
    """

    inputs = ("features", "labels")

    def infer(self, features, labels):
        _require_float(features, "logits")
        if labels.dtype not in (dtypes.int32, dtypes.int64):
            raise DTypeError(f"labels must be int32 or int64 class indices, got "
                             f"{labels.dtype.name}.",
                             hint="for one-hot or probability labels use "
                                  "softmax_cross_entropy_with_logits")
        f_rank, l_rank = features.shape.ndims, labels.shape.ndims
        if f_rank == 0:
            raise ShapeError("logits must have rank >= 1 (classes last), got a scalar.")
        if f_rank is not None and l_rank is not None:
            if l_rank != f_rank - 1:
                raise ShapeError(f"rank of labels (received {l_rank}) should equal rank of "
                                 f"logits minus 1 (received {f_rank}).",
                                 hint="labels hold one class index per example; pass "
                                      "tenseur.argmax(one_hot, axis=-1) for one-hot labels")
            if not labels.shape.is_compatible_with(features.shape.dims[:-1]):
                raise ShapeError(f"labels shape {labels.shape} must equal logits shape "
                                 f"{features.shape} without its last (class) dimension.")
        return [TensorSpec(_without_axis(features.shape, -1), features.dtype),
                TensorSpec(features.shape, features.dtype)]

    def kernel(self, xp, features, labels, *, node_name=None):
        classes = features.shape[-1]
        bad = (labels < 0) | (labels >= classes)
        if bad.any():
            shown = " ".join(str(int(v)) for v in labels.reshape(-1)[:20])
            more = " ..." if labels.size > 20 else ""
            where = f"{self.type} '{node_name}': " if node_name else ""
            raise InvalidArgumentError(
                f"{where}Received a label value of {int(labels[bad].reshape(-1)[0])} which is "
                f"outside the valid range of [0, {classes}).  Label values: {shown}{more}",
                node_name=node_name,
                hint="labels must be class indices in [0, number of classes)")
        z = _shifted(xp, features, -1)
        log_softmax = z - xp.log(xp.exp(z).sum(axis=-1, keepdims=True))
        index = labels[..., None].astype(np.intp)
        loss = -xp.take_along_axis(log_softmax, index, axis=-1)[..., 0]
        backprop = xp.exp(log_softmax)
        xp.put_along_axis(backprop, index, xp.take_along_axis(backprop, index, axis=-1) - 1,
                          axis=-1)
        return loss, backprop

    def bind(self, op, xp, ctx):
        # The node name goes into the out-of-range message, which is raised at run time.
        return lambda features, labels: self.kernel(xp, features, labels, node_name=op.name)

    def gradient(self, op, grad_loss, grad_backprop):
        logits = op.inputs[0]
        grad_logits = _expand_at(grad_loss, -1, logits.shape.ndims) * op.outputs[1]
        if not _is_zeros(grad_backprop):
            y = softmax(logits)
            grad_logits += y * (grad_backprop - reduce_sum(grad_backprop * y, axis=-1,
                                                           keepdims=True))
        return (grad_logits, None)


def sparse_softmax_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None,
                                             name=None):
    """Per-example softmax cross-entropy with integer class labels.

    Args:
        labels: int32/int64 class indices, shape `logits.shape[:-1]` (keyword only).
        logits: unscaled scores, classes last.
    Returns:
        A tensor of shape `logits.shape[:-1]`.
    Raises:
        ValueError: positional arguments. ShapeError: labels of the wrong rank.
        InvalidArgumentError (in Session.run): a label outside [0, number of classes).
    Example:
        >>> loss = tenseur.reduce_mean(tenseur.nn.sparse_softmax_cross_entropy_with_logits(
        ...     labels=y, logits=logits))
    """
    _ensure_xent_args("sparse_softmax_cross_entropy_with_logits", _sentinel, labels, logits)
    logits = convert_to_tensor(logits)
    labels = convert_to_tensor(labels, preferred_dtype=dtypes.int32)
    loss, _ = apply_op("SparseSoftmaxCrossEntropyWithLogits", logits, labels,
                       name=name or "SparseSoftmaxCrossEntropyWithLogits")
    return loss


def _same_shape_args(fn_name: str, labels, logits):
    logits = convert_to_tensor(logits)
    labels = convert_to_tensor(labels, preferred_dtype=logits.dtype)
    if not labels.shape.is_compatible_with(logits.shape):
        raise ShapeError(f"{fn_name}: logits and labels must have the same shape, got logits "
                         f"{logits.shape} and labels {labels.shape}.")
    if labels.dtype != logits.dtype:
        raise DTypeError(f"{fn_name}: logits and labels must have the same dtype, got "
                         f"{logits.dtype.name} and {labels.dtype.name}.",
                         hint=f"cast the labels: tenseur.cast(labels, tenseur.{logits.dtype.name})")
    return labels, logits


def sigmoid_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, name=None):
    """Elementwise logistic loss of `labels` z in [0, 1] against `logits` x.

    Computed in the stable form max(x, 0) - x·z + log(1 + exp(-|x|)), finite for any x.
    Raises:
        ValueError: positional arguments. ShapeError: shapes differ.
    Example:
        >>> loss = tenseur.reduce_mean(
        ...     tenseur.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=logits))
    """
    _ensure_xent_args("sigmoid_cross_entropy_with_logits", _sentinel, labels, logits)
    with name_scope(name, "logistic_loss") as scope:
        labels, logits = _same_shape_args("sigmoid_cross_entropy_with_logits", labels, logits)
        zero = _zero(logits)
        positive = greater_equal(logits, zero)
        relu_logits = where_(positive, logits, zero)
        neg_abs_logits = where_(positive, -logits, logits)
        return add(relu_logits - logits * labels, log1p(exp(neg_abs_logits)), name=scope)


def weighted_cross_entropy_with_logits(labels=None, logits=None, pos_weight=None, name=None,
                                       targets=None):
    """Logistic loss whose positive term is weighted by `pos_weight` (`targets` is the TF 1.x
    name of labels): (1 - z) x + (1 + (q - 1) z) (log(1 + exp(-|x|)) + max(-x, 0)).
    """
    if labels is None:
        labels = targets
    elif targets is not None:
        raise ValueError("weighted_cross_entropy_with_logits: pass labels or targets (its old "
                         "name), not both.")
    if labels is None or logits is None or pos_weight is None:
        raise ValueError("weighted_cross_entropy_with_logits: labels, logits and pos_weight "
                         "must all be provided.")
    with name_scope(name, "logistic_loss") as scope:
        labels, logits = _same_shape_args("weighted_cross_entropy_with_logits", labels, logits)
        log_weight = 1 + (pos_weight - 1) * labels
        softplus_neg = log1p(exp(-abs_(logits))) + relu(-logits)
        return add((1 - labels) * logits, log_weight * softplus_neg, name=scope)


@register_op("L2Loss")
class L2Loss(OpDef):
    """Σ t² / 2 over every element (a scalar). Gradient: grad · t."""

    inputs = ("t",)

    def infer(self, t):
        _require_float(t, "t")
        return TensorSpec([], t.dtype)

    def kernel(self, xp, t):
        return xp.asarray(xp.vdot(t, t) / 2, dtype=t.dtype)

    def gradient(self, op, grad):
        return (grad * op.inputs[0],)


def l2_loss(t, name=None):
    """sum(t ** 2) / 2, the usual weight-decay term.

    Example:
        >>> loss += 5e-4 * tenseur.nn.l2_loss(w)
    """
    return apply_op("L2Loss", t, name=name or "L2Loss")


# -- normalisation -------------------------------------------------------------------------

def l2_normalize(x, axis=None, epsilon=1e-12, name=None, dim=None):
    """x / sqrt(max(Σ x², epsilon)) over `axis` (all axes when None; `dim` is its old name)."""
    if axis is not None and dim is not None:
        raise ValueError("l2_normalize: pass either axis or dim (its old name), not both.")
    axis = dim if axis is None else axis
    with name_scope(name, "l2_normalize") as scope:
        x = convert_to_tensor(x)
        square_sum = reduce_sum(square(x), axis=axis, keepdims=True)
        inv_norm = rsqrt(maximum(square_sum, convert_to_tensor(epsilon, dtype=x.dtype)))
        return multiply(x, inv_norm, name=scope)


def moments(x, axes, shift=None, name=None, keep_dims=None, keepdims=None):
    """Mean and variance of `x` over `axes` (e.g. [0] for a batch, [0, 1, 2] for NHWC images).

    The variance is mean((x - stop_gradient(mean))²), as TF (the gradient is still exact
    because Σ (x - mean) = 0).
    Returns:
        (mean, variance), with the reduced axes kept as 1 when `keep_dims`.
    Example:
        >>> mean, variance = tenseur.nn.moments(h, axes=[0])
    """
    del shift  # accepted for TF 1.x compatibility; TF ignores it too.
    if keep_dims is not None and keepdims is not None and keep_dims != keepdims:
        raise ValueError("moments: pass either keepdims or keep_dims (its old name), not both.")
    keep = bool(keepdims if keepdims is not None else keep_dims)
    axes = [axes] if isinstance(axes, (int, np.integer)) else list(axes)
    with name_scope(name, "moments"):
        x = convert_to_tensor(x)
        mean = reduce_mean(x, axis=axes, keepdims=True, name="mean")
        variance = reduce_mean(squared_difference(x, stop_gradient(mean)), axis=axes,
                               keepdims=True, name="variance")
        if keep:
            return mean, variance
        if x.shape.ndims is None:
            raise ShapeError("moments: the rank of x must be known to squeeze the reduced axes.",
                             hint="pass keep_dims=True or give x a static shape")
        squeeze = _norm_axes(axes, x.shape.ndims, "moments")
        return (apply_op("SqueezeAxes", mean, axes=squeeze, name="Squeeze"),
                apply_op("SqueezeAxes", variance, axes=squeeze, name="Squeeze"))


def batch_normalization(x, mean, variance, offset, scale, variance_epsilon, name=None):
    """scale · (x - mean) / sqrt(variance + variance_epsilon) + offset.

    Args:
        offset, scale: tensors broadcasting against x, or None (0 and 1).
    Example:
        >>> mean, variance = tenseur.nn.moments(h, [0])
        >>> h = tenseur.nn.batch_normalization(h, mean, variance, beta, gamma, 1e-3)
    """
    with name_scope(name, "batchnorm") as scope:
        x = convert_to_tensor(x)
        inv = rsqrt(convert_to_tensor(variance, preferred_dtype=x.dtype) + variance_epsilon)
        if scale is not None:
            inv = inv * scale
        mean = convert_to_tensor(mean, preferred_dtype=x.dtype)
        shift = offset - mean * inv if offset is not None else -mean * inv
        return add(x * inv, shift, name=scope)


# -- dropout -------------------------------------------------------------------------------

def _is_number(value) -> bool:
    return (isinstance(value, numbers.Real) and not isinstance(value, bool)
            or isinstance(value, np.ndarray) and value.ndim == 0)


def _noise_shape(x: Tensor, noise_shape):
    """The shape of the keep mask: x's own, or `noise_shape` with None taken from x."""
    if noise_shape is None:
        return x.shape.as_list() if x.shape.is_fully_defined() else shape(x)
    if isinstance(noise_shape, Tensor):
        return noise_shape
    dims = list(noise_shape)
    known = x.shape.dims
    for i, d in enumerate(dims):
        if d is None:
            if known is None or len(known) != len(dims) or known[i] is None:
                raise ShapeError(f"dropout: noise_shape={noise_shape!r} has None at position "
                                 f"{i} but that dimension of x (shape {x.shape}) is unknown.",
                                 hint="give the dimension explicitly or a static shape to x")
            dims[i] = known[i]
    return [int(d) for d in dims]


def dropout(x, keep_prob=None, noise_shape=None, seed=None, name=None, rate=None):
    """Keeps each element with probability `keep_prob` (scaled by 1/keep_prob), else 0.

    Pass exactly one of `keep_prob` (TF 1.x) or `rate` = 1 - keep_prob (TF >= 1.13). Either may
    be a tensor, e.g. a placeholder fed 1.0 at test time; with keep_prob a Python 1 the input
    is returned unchanged. The mask is floor(keep_prob + U[0, 1)), drawn with `seed` and the
    graph seed, so a fixed seed gives the same mask in every new session.
    Args:
        noise_shape: shape of the mask, broadcast against x ([batch, 1] drops whole rows);
            None entries are taken from x.
    Raises:
        ValueError: neither or both of keep_prob and rate, or a number out of range.
    Example:
        >>> keep_prob = tenseur.placeholder(tenseur.float32)
        >>> h_drop = tenseur.nn.dropout(h, keep_prob)   # feed 0.5 to train, 1.0 to test
    """
    if (keep_prob is None) == (rate is None):
        raise ValueError(f"dropout: pass exactly one of keep_prob and rate (= 1 - keep_prob), "
                         f"got keep_prob={keep_prob!r}, rate={rate!r}.")
    if rate is not None and _is_number(rate):
        if not 0 <= float(rate) < 1:
            raise ValueError(f"dropout: rate must be a scalar tensor or a float in the range "
                             f"[0, 1), got rate={float(rate):g}.")
        keep_prob = 1.0 - float(rate)
    if keep_prob is not None and _is_number(keep_prob):
        if not 0 < float(keep_prob) <= 1:
            raise ValueError(f"dropout: keep_prob must be a scalar tensor or a float in the "
                             f"range (0, 1], got keep_prob={float(keep_prob):g}.")
        if float(keep_prob) == 1.0:
            return convert_to_tensor(x)
    with name_scope(name, "dropout") as scope:
        x = convert_to_tensor(x)
        if not x.dtype.is_floating:
            raise DTypeError(f"dropout: x has to be a floating-point tensor since it is scaled, "
                             f"got {x.dtype.name}.")
        if keep_prob is None:
            keep_prob = 1 - convert_to_tensor(rate, dtype=x.dtype)
        keep_prob = convert_to_tensor(keep_prob, dtype=x.dtype, name="keep_prob")
        if keep_prob.shape.ndims not in (None, 0):
            raise ShapeError(f"dropout: keep_prob must be a scalar, got shape {keep_prob.shape}.")
        static = _static_value(keep_prob)
        if static is not None and float(static) == 1.0:
            return x
        uniform = random_uniform(_noise_shape(x, noise_shape), seed=seed, dtype=x.dtype)
        keep_mask = floor(keep_prob + uniform)
        out = multiply(truediv(x, keep_prob), keep_mask, name=scope)
        out.set_shape(x.shape)
        return out


# -- top-k ---------------------------------------------------------------------------------

@register_op("InTopK")
class InTopK(OpDef):
    """Whether `predictions[i, targets[i]]` is among the `k` largest of row i (bool per row).

    Ties straddling the k-th place all count as in the top k; a target out of range or whose
    prediction is not finite gives False (as TF).
    """

    inputs = ("predictions", "targets")
    attrs = {"k": 1}
    gradient = NOT_DIFFERENTIABLE

    def infer(self, predictions, targets, *, k):
        _require_float(predictions, "predictions")
        if targets.dtype not in (dtypes.int32, dtypes.int64):
            raise DTypeError(f"targets must be int32 or int64 class indices, got "
                             f"{targets.dtype.name}.")
        if predictions.shape.ndims not in (None, 2):
            raise ShapeError(f"predictions must be a matrix (batch, classes), got shape "
                             f"{predictions.shape}.")
        if targets.shape.ndims not in (None, 1):
            raise ShapeError(f"targets must be a vector (batch,), got shape {targets.shape}.")
        batch = predictions.shape.dims[0] if predictions.shape.ndims == 2 else None
        if targets.shape.ndims == 1:
            if batch is not None and targets.shape.dims[0] not in (None, batch):
                raise ShapeError(f"predictions has {batch} rows but targets has "
                                 f"{targets.shape.dims[0]} entries.")
            batch = batch if batch is not None else targets.shape.dims[0]
        return TensorSpec([batch], dtypes.bool_)

    def kernel(self, xp, predictions, targets, *, k):
        classes = predictions.shape[1]
        valid = (targets >= 0) & (targets < classes)
        index = xp.where(valid, targets, 0).astype(np.intp)
        target = xp.take_along_axis(predictions, index[:, None], axis=1)
        more_probable = (predictions > target).sum(axis=1)
        return valid & xp.isfinite(target[:, 0]) & (more_probable < k)


def in_top_k(predictions, targets, k, name=None):
    """For each row, whether the target class is among the `k` highest predictions.

    Example:
        >>> correct = tenseur.nn.in_top_k(logits, labels, 1)
        >>> accuracy = tenseur.reduce_mean(tenseur.cast(correct, tenseur.float32))
    """
    if isinstance(k, Tensor):
        raise TypeError("in_top_k: k must be a Python int (a tensor k is not supported yet).")
    return apply_op("InTopK", predictions, targets, k=int(k), name=name or "InTopK")


@register_op("TopKV2")
class TopKV2(OpDef):
    """The `k` largest entries of the last axis, in decreasing order (lower index first on
    ties), and their int32 indices.

    Gradient: the values' gradient scattered back to the chosen positions (0 elsewhere),
    built as grad · (indices == arange(n)) summed over k; indices have none.
    """

    inputs = ("input",)
    attrs = {"k": 1, "sorted": True}

    def infer(self, x, *, k, sorted):
        if not x.dtype.is_numeric or x.dtype.is_bool:
            raise DTypeError(f"expects a numeric input, got {x.dtype.name}.")
        if k < 0:
            raise ValueError(f"k must be non-negative, got k={k}.")
        if x.shape.dims is None:
            return [TensorSpec(None, x.dtype), TensorSpec(None, dtypes.int32)]
        if not x.shape.dims:
            raise ShapeError("input must have rank >= 1, got a scalar.")
        columns = x.shape.dims[-1]
        if columns is not None and columns < k:
            raise ShapeError(f"input must have at least k={k} columns (last dimension), had "
                             f"{columns}.")
        dims = list(x.shape.dims[:-1]) + [k]
        return [TensorSpec(dims, x.dtype), TensorSpec(dims, dtypes.int32)]

    def kernel(self, xp, x, *, k, sorted):
        # A stable sort of the negated values keeps the lower index first among equal values.
        order = xp.argsort(-x, axis=-1, kind="stable")[..., :k]
        return xp.take_along_axis(x, order, axis=-1), order.astype(np.int32)

    def gradient(self, op, grad_values, grad_indices):
        x, indices = op.inputs[0], op.outputs[1]
        rank = x.shape.ndims
        columns = x.shape.dims[-1] if rank is not None else None
        if columns is None:
            raise ShapeError(f"TopKV2 '{op.name}': the gradient needs a statically known last "
                             f"dimension, got input shape {x.shape}.")
        positions = convert_to_tensor(np.arange(columns, dtype=np.int32))
        hits = equal(apply_op("ExpandDimsMany", indices, axes=(rank,)), positions)
        spread = apply_op("ExpandDimsMany", grad_values, axes=(rank,)) * cast(hits, x.dtype)
        return (reduce_sum(spread, axis=rank - 1),)


def top_k(input, k=1, sorted=True, name=None):
    """The `k` largest values along the last axis and their indices.

    Returns:
        (values, indices): values of shape `input.shape[:-1] + [k]` and int32 indices.
    Example:
        >>> values, indices = tenseur.nn.top_k(probabilities, k=5)
    """
    if isinstance(k, Tensor):
        raise TypeError("top_k: k must be a Python int (a tensor k is not supported yet).")
    values, indices = apply_op("TopKV2", input, k=int(k), sorted=bool(sorted),
                               name=name or "TopKV2")
    return values, indices
