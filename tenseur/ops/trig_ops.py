"""Inverse and hyperbolic trigonometry: Asin, Acos, Atan, Sinh, Cosh, Asinh, Acosh, Atanh and
Atan2 (one `OpDef` each, on the elementwise base classes; sin, cos, tan and tanh are in
elementwise_ops)."""
from __future__ import annotations

import numpy as np

from .elementwise_ops import (_Binary, _Unary, _apply_binary, _binary, _unary, _unary_fn,
                              rsqrt)

__all__ = ["asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh", "atan2"]


@_unary("Asin", np.arcsin)
class Asin(_Unary):
    """arcsin x. Gradient: grad / sqrt(1 - x²)."""

    def gradient(self, op, grad):
        x = op.inputs[0]
        return (grad * rsqrt(1 - x * x),)


@_unary("Acos", np.arccos)
class Acos(_Unary):
    """arccos x. Gradient: -grad / sqrt(1 - x²)."""

    def gradient(self, op, grad):
        x = op.inputs[0]
        return (-grad * rsqrt(1 - x * x),)


@_unary("Atan", np.arctan)
class Atan(_Unary):
    """arctan x. Gradient: grad / (1 + x²)."""

    def gradient(self, op, grad):
        x = op.inputs[0]
        return (grad / (1 + x * x),)


@_unary("Sinh", np.sinh)
class Sinh(_Unary):
    """sinh x. Gradient: grad cosh x."""

    def gradient(self, op, grad):
        return (grad * cosh(op.inputs[0]),)


@_unary("Cosh", np.cosh)
class Cosh(_Unary):
    """cosh x. Gradient: grad sinh x."""

    def gradient(self, op, grad):
        return (grad * sinh(op.inputs[0]),)


@_unary("Asinh", np.arcsinh)
class Asinh(_Unary):
    """arsinh x. Gradient: grad / sqrt(x² + 1)."""

    def gradient(self, op, grad):
        x = op.inputs[0]
        return (grad * rsqrt(x * x + 1),)


@_unary("Acosh", np.arccosh)
class Acosh(_Unary):
    """arcosh x (NaN below 1). Gradient: grad / sqrt(x² - 1)."""

    def gradient(self, op, grad):
        x = op.inputs[0]
        return (grad * rsqrt(x * x - 1),)


@_unary("Atanh", np.arctanh)
class Atanh(_Unary):
    """artanh x (NaN outside [-1, 1], ±inf at ±1). Gradient: grad / (1 - x²)."""

    def gradient(self, op, grad):
        x = op.inputs[0]
        return (grad / (1 - x * x),)


@_binary("Atan2", np.arctan2, allowed="floating")
class Atan2(_Binary):
    """The angle of the point (x, y) for atan2(y, x), in [-pi, pi] (inputs in that order:
    `y`, then `x`). Gradient: (grad x / (x² + y²), -grad y / (x² + y²))."""

    inputs = ("y", "x")

    def gradient(self, op, grad):
        y, x = op.inputs
        scale = grad / (x * x + y * y)
        return (scale * x, -scale * y)


asin = _unary_fn("Asin", "Asin")
acos = _unary_fn("Acos", "Acos")
atan = _unary_fn("Atan", "Atan")
sinh = _unary_fn("Sinh", "Sinh")
cosh = _unary_fn("Cosh", "Cosh")
asinh = _unary_fn("Asinh", "Asinh")
acosh = _unary_fn("Acosh", "Acosh")
atanh = _unary_fn("Atanh", "Atanh")


def atan2(y, x, name="Atan2"):
    """The angle of (x, y) from the x axis, in [-pi, pi]: atan2(1, -1) = 3 pi / 4."""
    return _apply_binary("Atan2", y, x, name)
