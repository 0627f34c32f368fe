"""Neural-network ops (`tenseur.nn`): softmax, cross-entropies, normalisation helpers, dropout
and top-k. The activations are in `activation_ops` and bias_add in `bias_ops`, both re-exported
here; convolution and pooling live with the conv kernels.

Primitives (one `OpDef` each: infer + NumPy kernel + gradient written with tenseur ops) are the
ops TF 1.x users see as graph nodes or that need a stable or fast kernel: Softmax, LogSoftmax,
SoftmaxCrossEntropyWithLogits, SparseSoftmaxCrossEntropyWithLogits, L2Loss, InTopK, TopKV2.
Everything else (sigmoid cross-entropy, moments, batch_normalization, l2_normalize, dropout) is a
Python function over ops, with no kernel or gradient of its own.
"""
from __future__ import annotations

import numbers

import numpy as np

from ..backend import jit as _jit
from ..framework import dtypes
from ..framework.errors import DTypeError, InvalidArgumentError, ShapeError
from ..framework.graph import name_scope
from ..framework.tensor import Tensor, TensorSpec
from .activation_ops import (Elu, EluGrad, LeakyRelu, LeakyReluGrad,  # noqa: F401  (re-exported)
                             Relu, Relu6, Relu6Grad, ReluGrad, Selu, Softsign, _Activation,
                             _ActivationGrad, _SELU_ALPHA, _SELU_SCALE, _zero, elu, elu_grad, gelu,
                             leaky_relu, leaky_relu_grad, relu, relu6, relu6_grad, relu_grad, selu,
                             silu, softsign, swish)
from .array_ops import _static_value, shape, stop_gradient
from .bias_ops import (BiasAdd, BiasAddGrad, _BLAS_DTYPES, _SUM_BLOCK,  # noqa: F401  (re-exported)
                       _channel_axis, _column_sums, _normalize_data_format, _ones, _ones_cache,
                       _row_sums, bias_add, bias_add_grad, xw_plus_b)
from .math_ops import _norm_axes
from .math_ops import abs as abs_
from .math_ops import (add, cast, equal, exp, floor, greater_equal, log1p, maximum, multiply,
                       reduce_mean, reduce_sum, rsqrt, square, squared_difference, truediv,
                       where_)
from .random_ops import random_uniform
from .registry import NOT_DIFFERENTIABLE, OpDef, apply_op, convert_to_tensor, register_op

__all__ = [
    "relu", "relu6", "elu", "selu", "softsign", "leaky_relu", "swish", "silu", "gelu",
    "bias_add", "xw_plus_b", "softmax", "log_softmax", "softmax_cross_entropy_with_logits",
    "softmax_cross_entropy_with_logits_v2", "sparse_softmax_cross_entropy_with_logits",
    "sigmoid_cross_entropy_with_logits", "weighted_cross_entropy_with_logits", "l2_loss",
    "l2_normalize", "moments", "batch_normalization", "dropout", "in_top_k", "top_k",
]


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


def _resolve_axis(axis, dim, fn_name: str, default=-1) -> int:
    """TF 1.x's deprecated `dim` spelling of `axis`: at most one of them."""
    if axis is not None and dim is not None and axis != dim:
        raise ValueError(f"{fn_name}: pass either axis or dim (its old name), not both; got "
                         f"axis={axis!r}, dim={dim!r}.")
    axis = axis if axis is not None else dim
    return default if axis is None else int(axis)


# -- softmax -------------------------------------------------------------------------------

class _SoftmaxBase(OpDef):
    """Normalisation over `axis` of a floating-point tensor of rank >= 1."""

    inputs = ("logits",)
    attrs = {"axis": -1}

    def infer(self, logits, *, axis):
        _require_float(logits, "logits")
        _norm_axis(axis, logits.shape.ndims)
        return TensorSpec(logits.shape, logits.dtype)


def max_keepdims(xp, a, axis):
    """`a.max(axis, keepdims=True)`, the same values; over a short last axis (classes) the rows
    are first turned into columns: NumPy reduces a (128, 10) array along its rows in 7 us and
    its (10, 128) transpose along the columns, copy included, in 4 (430 rows: 22 against 5)."""
    if (xp is np and a.ndim >= 2 and axis in (-1, a.ndim - 1) and a.shape[-1] <= 32
            and a.size >= 32 * a.shape[-1] and a.shape[-1] > 0):
        columns = np.ascontiguousarray(a.reshape(-1, a.shape[-1]).T)
        return columns.max(axis=0).reshape(a.shape[:-1] + (1,))
    return xp.max(a, axis=axis, keepdims=True)


def _shifted(xp, logits, axis):
    """logits minus their max over `axis`: every exp() below is then at most 1 (stability)."""
    return logits - max_keepdims(xp, logits, axis)


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


_FLOAT32 = np.dtype(np.float32)
_XENT_NUMBA_CLASSES = 64


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
        if (xp is np and features.ndim == 2 and axis in (-1, 1) and features.size
                and features.shape[1] <= _XENT_NUMBA_CLASSES and features.dtype is _FLOAT32 and labels.dtype is _FLOAT32
                and features.shape == labels.shape and features.flags.c_contiguous
                and labels.flags.c_contiguous):
            # The same formula compiled, every exp of the batch in one loop: 128 x 10 (a
            # Keras step's loss) 18 -> 6 us, 430 x 10 38 -> 17; within rounding of NumPy's
            # passes. Wide rows keep NumPy's (5 x 1000: no faster).
            fast = _jit.kernels("tenseur.ops.exp_numba")
            if fast is not None:
                loss = np.empty(features.shape[0], np.float32)
                backprop = np.empty_like(features)
                fast.softmax_xent(features, labels, loss, backprop)
                return loss, backprop
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
        if x.ndim == 0 or x.shape[-1] < k:
            raise ValueError(f"input must have at least k={k} columns (last dimension), had "
                             f"{x.shape[-1] if x.ndim else 'a scalar'}.")
        # A stable sort of the negated values keeps the lower index first among equal values.
        order = xp.argsort(-x, axis=-1, kind="stable")[..., :k]
        return xp.take_along_axis(x, order, axis=-1), order.astype(np.int32)

    def gradient(self, op, grad_values, grad_indices):
        x, indices = op.inputs[0], op.outputs[1]
        rank = x.shape.ndims
        if rank is None:
            raise ShapeError(f"TopKV2 '{op.name}': the gradient needs the input's rank, got "
                             f"input shape {x.shape}.")
        columns = x.shape.dims[-1]
        if columns is not None:
            positions = convert_to_tensor(np.arange(columns, dtype=np.int32))
        else:                   # 0, 1, ..., n - 1 with n read when the graph runs
            positions = apply_op("Range", convert_to_tensor(0),
                                 shape(x)[rank - 1], convert_to_tensor(1))
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
