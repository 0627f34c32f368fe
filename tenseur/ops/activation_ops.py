"""Activation ops (`tenseur.nn.relu`, ...): relu, relu6, elu, selu, softsign, leaky_relu and their
backward kernels, with swish (silu) and gelu composed from math ops. `nn_ops` re-exports them all.

Primitives (one `OpDef` each: infer + NumPy kernel + gradient written with tenseur ops) are the
ops TF 1.x users see as graph nodes or that need a stable or fast kernel: Relu, Relu6, Elu,
Selu, Softsign, LeakyRelu, the backward kernels ReluGrad, Relu6Grad, EluGrad and LeakyReluGrad.
swish and gelu are Python functions over ops, with no kernel or gradient of their own.
"""
from __future__ import annotations

import numpy as np

from ..backend import jit as _jit
from ..framework.errors import DTypeError, ShapeError
from ..framework.graph import name_scope
from ..framework.tensor import Tensor, TensorSpec
from .array_ops import zeros_like
from .math_ops import abs as abs_
from .math_ops import erf, less, multiply, sigmoid, square, tanh, where_
from .registry import OpDef, apply_op, convert_to_tensor, register_op

__all__ = ["relu", "relu6", "elu", "selu", "softsign", "leaky_relu", "swish", "silu", "gelu"]

# SELU constants from Klambauer et al. 2017, "Self-Normalizing Neural Networks" (as TF).
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _zero(like: Tensor) -> Tensor:
    """A scalar 0 of `like`'s dtype; Select broadcasts it, saving a full-size zeros array."""
    return convert_to_tensor(0, dtype=like.dtype)


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


# Below this many values NumPy's two passes cost less than loading numba.
_RELU_GRAD_NUMBA_MIN = 1 << 14


def relu_grad_array(gradients, features, out=None):
    """`np.multiply(gradients, features > 0, out=out)` of two NumPy arrays: the ReluGrad op's
    kernel and the fused kernels' (compiler/fusion.py), so they give the same bits. Large
    float32/64 arrays of one shape run relu_numba's single pass where numba is installed (no
    boolean mask in between)."""
    if (gradients.dtype.kind == "f" and gradients.dtype.itemsize in (4, 8)
            and features.dtype == gradients.dtype and features.shape == gradients.shape
            and gradients.size >= _RELU_GRAD_NUMBA_MIN and gradients.flags.c_contiguous
            and features.flags.c_contiguous
            and (out is None or (out.flags.c_contiguous and out.shape == gradients.shape
                                 and out.dtype == gradients.dtype))):
        fast = _jit.kernels("tenseur.ops.relu_numba")
        if fast is not None:
            result = np.empty_like(gradients) if out is None else out
            fast.relu_grad(gradients.reshape(-1), features.reshape(-1), result.reshape(-1))
            return result
    return np.multiply(gradients, features > 0, out=out)


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
        if xp is np and type(gradients) is np.ndarray and type(features) is np.ndarray:
            return relu_grad_array(gradients, features)
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
