"""`FusedBatchNorm` (`tenseur.nn.fused_batch_norm`): batch normalisation of NHWC images in one
op, as TF's fused kernel.

Training mode normalises with the batch's own statistics over (batch, height, width) and also
outputs them: the mean and the variance with Bessel's correction (n / (n - 1)), which is what
TF's fused kernel hands to the moving averages. Inference mode normalises with the given mean
and variance and outputs them unchanged. The composed alternative, `tenseur.nn.moments` +
`tenseur.nn.batch_normalization`, gives the same normalised values (it outputs the variance
without correction).
"""
from __future__ import annotations

import numpy as np

from ..framework.errors import DTypeError, ShapeError
from ..framework.graph import name_scope
from ..framework.tensor import TensorSpec
from .array_ops import constant, gather, shape, zeros
from .conv_ops import _data_format, _from_nhwc, _to_nhwc
from .math_ops import cast, maximum, reduce_prod, reduce_sum, rsqrt
from .nn_ops import _is_zeros
from .registry import OpDef, apply_op, convert_to_tensor, register_op

__all__ = ["fused_batch_norm"]

_AXES = [0, 1, 2]   # the axes reduced over: all but the channels of NHWC


@register_op("FusedBatchNorm")
class FusedBatchNorm(OpDef):
    """y = scale · (x - mean) / sqrt(variance + epsilon) + offset per channel of NHWC x.

    Outputs (y, batch_mean, batch_variance). Training: mean and (biased) variance of x over
    (batch, height, width), batch_variance reported with Bessel's correction; the given mean
    and variance are ignored (TF passes empty ones). Inference: the given ones, passed through.

    Gradient, training, with x̂ = (x - μ) / σ, σ = sqrt(var + ε), n values per channel:
        dx = scale / σ · (dy - Σdy / n - x̂ · Σ(dy·x̂) / n), dscale = Σ(dy·x̂), doffset = Σdy,
    plus dμ / n and 2 dvar (x - μ) / (n - 1) from gradients of the two statistics outputs.
    It reuses the statistics outputs, which are differentiable outputs of this very op, so
    the gradient can itself be differentiated. Inference: the affine map's gradient, with
    dmean = -scale/σ · Σdy and dvariance = -scale/(2σ³) · Σ(dy·(x - mean)).
    """

    inputs = ("x", "scale", "offset", "mean", "variance")
    attrs = {"epsilon": 1e-3, "is_training": True}

    def infer(self, x, scale, offset, mean, variance, *, epsilon, is_training):
        if not x.dtype.is_floating:
            raise DTypeError(f"x must be a floating-point tensor, got {x.dtype.name}.")
        if x.shape.ndims not in (None, 4):
            raise ShapeError(f"x must have rank 4 (batch, height, width, channels), got shape "
                             f"{x.shape}.",
                             hint="for other ranks use tenseur.nn.moments and "
                                  "tenseur.nn.batch_normalization")
        channels = x.shape.dims[3] if x.shape.ndims == 4 else None
        for spec, arg in ((scale, "scale"), (offset, "offset"), (mean, "mean"),
                          (variance, "variance")):
            if spec.dtype != x.dtype:
                raise DTypeError(f"{arg} must have x's dtype {x.dtype.name}, got "
                                 f"{spec.dtype.name}.")
            if spec.shape.ndims not in (None, 1):
                raise ShapeError(f"{arg} must be a vector, got shape {spec.shape}.")
            length = spec.shape.dims[0] if spec.shape.ndims == 1 else None
            empty_ok = is_training and arg in ("mean", "variance")
            if None not in (length, channels) and length != channels and not (
                    empty_ok and length == 0):
                raise ShapeError(f"{arg} has {length} entries but x has {channels} channels "
                                 f"(its last dimension).")
        stats = TensorSpec([channels], x.dtype)
        return [TensorSpec(x.shape, x.dtype), stats, stats]

    def kernel(self, xp, x, scale, offset, mean, variance, *, epsilon, is_training):
        if is_training:
            count = x.size // max(x.shape[3], 1)
            mean = x.mean(axis=(0, 1, 2))
            variance = xp.square(x - mean).mean(axis=(0, 1, 2))
            reported = variance * x.dtype.type(count / max(count - 1, 1))
        else:
            reported = variance
        inv = scale / xp.sqrt(variance + x.dtype.type(epsilon))
        y = x * inv
        y += offset - mean * inv
        return y, mean.astype(x.dtype, copy=False), reported.astype(x.dtype, copy=False)

    def gradient(self, op, grad_y, grad_mean, grad_variance):
        x, scale = op.inputs[0], op.inputs[1]
        epsilon = op.attrs["epsilon"]
        if not op.attrs["is_training"]:
            return _inference_gradient(op, grad_y, grad_mean, grad_variance)
        count = _count(x)
        mean, reported = op.outputs[1], op.outputs[2]
        variance = reported * (_bessel(count) / count)
        inv = rsqrt(variance + epsilon)
        centred = x - mean
        normalised = centred * inv
        sum_dy = reduce_sum(grad_y, _AXES)
        sum_dy_x = reduce_sum(grad_y * normalised, _AXES)
        grad_x = (scale * inv) * (grad_y - sum_dy / count - normalised * (sum_dy_x / count))
        if not _is_zeros(grad_mean):
            grad_x = grad_x + grad_mean / count
        if not _is_zeros(grad_variance):
            grad_x = grad_x + centred * (grad_variance * (2.0 / _bessel(count)))
        return grad_x, sum_dy_x, sum_dy, None, None


def _inference_gradient(op, grad_y, grad_mean, grad_variance):
    x, scale, _, mean, variance = op.inputs
    inv = rsqrt(variance + op.attrs["epsilon"])
    sum_dy = reduce_sum(grad_y, _AXES)
    sum_dy_centred = reduce_sum(grad_y * (x - mean), _AXES)
    grad_mean_in = -(scale * inv) * sum_dy
    grad_variance_in = (-0.5 * scale) * (inv * inv * inv) * sum_dy_centred
    if not _is_zeros(grad_mean):
        grad_mean_in = grad_mean_in + grad_mean
    if not _is_zeros(grad_variance):
        grad_variance_in = grad_variance_in + grad_variance
    return (grad_y * (scale * inv), sum_dy_centred * inv, sum_dy, grad_mean_in,
            grad_variance_in)


def _count(x):
    """The number of values per channel: a Python float when static, else a scalar tensor."""
    dims = x.shape.dims
    if dims is not None and None not in dims[:3]:
        return float(dims[0] * dims[1] * dims[2])
    return cast(reduce_prod(gather(shape(x), np.asarray(_AXES, np.int32))), x.dtype)


def _bessel(count):
    """n - 1 (at least 1), the divisor of the reported variance."""
    return max(count - 1.0, 1.0) if isinstance(count, float) else maximum(count - 1.0, 1.0)


def fused_batch_norm(x, scale, offset=None, mean=None, variance=None, epsilon=0.001,
                     data_format="NHWC", is_training=True, name=None):
    """Batch normalisation of 4-D images in one op.

    Args:
        x: `(batch, height, width, channels)` (or NCHW with data_format="NCHW").
        scale, offset: per-channel vectors (offset None: zeros).
        mean, variance: per-channel vectors, required for inference (is_training=False);
            ignored in training, where the batch's statistics are used.
        epsilon: added to the variance; raised to 1.001e-5 if smaller, as TF (cuDNN's floor).
    Returns:
        (y, batch_mean, batch_variance): batch_variance with Bessel's correction in training
        (what the moving variance averages, as TF); the given mean/variance in inference.
    Raises:
        ValueError: is_training=False without mean and variance.
    Example:
        >>> y, mean, variance = tenseur.nn.fused_batch_norm(h, gamma, beta)
    """
    fmt = _data_format(data_format, "fused_batch_norm")
    if not is_training and (mean is None or variance is None):
        raise ValueError("fused_batch_norm: inference (is_training=False) needs the mean and "
                         "variance to normalise with; pass mean= and variance=.")
    with name_scope(name, "FusedBatchNorm") as scope:
        x = _to_nhwc(convert_to_tensor(x), fmt)
        scale = convert_to_tensor(scale, preferred_dtype=x.dtype)
        if offset is None:
            offset = zeros(scale.shape.as_list() if scale.shape.is_fully_defined()
                           else shape(scale), x.dtype)
        offset = convert_to_tensor(offset, preferred_dtype=x.dtype)
        if is_training:
            mean = variance = constant(np.zeros(0), dtype=x.dtype)
        y, batch_mean, batch_variance = apply_op(
            "FusedBatchNorm", x, scale, offset, mean, variance,
            epsilon=max(float(epsilon), 1.001e-5), is_training=bool(is_training),
            name=scope if fmt == "NHWC" else None)
        return _from_nhwc(y, fmt, name=scope), batch_mean, batch_variance
