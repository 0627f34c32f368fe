"""Elementwise math ops: arithmetic and functions, comparisons, logical ops, Select (`where_`),
clip_by_value and cast. `math_ops`, which makes them the Python operators of graph Tensors
(`a + b`), re-exports them all.

Elementwise ops share two small OpDef bases (`_Unary`, `_Binary`); each op is still one
registered definition naming its kernel and writing its gradient with tenseur ops.
Binary ops broadcast like NumPy; autodiff sums their gradients back to each input's shape.
"""
from __future__ import annotations

import numpy as np

from ..backend import jit as _jit
from ..framework import dtypes
from ..framework.errors import DTypeError
from ..framework.graph import name_scope
from ..framework.tensor import Tensor, TensorSpec
from .array_ops import broadcast_shapes, ones_like, zeros_like
from .registry import NOT_DIFFERENTIABLE, OpDef, apply_op, convert_to_tensor, register_op

__all__ = [
    "add", "subtract", "multiply", "divide", "truediv", "floordiv", "floor_div", "mod", "floormod",
    "pow", "negative", "abs", "sign", "exp", "log", "log1p", "sqrt", "rsqrt", "square", "sin",
    "cos", "tan", "tanh", "sigmoid", "maximum", "minimum", "floor", "ceil", "round", "rint",
    "reciprocal", "clip_by_value", "equal", "not_equal", "less", "less_equal", "greater",
    "greater_equal", "logical_and", "logical_or", "logical_not", "logical_xor", "cast", "squared_difference", "erf",
    "expm1", "softplus", "mul", "sub", "neg", "div", "realdiv", "to_float", "to_int32", "to_int64",
    "is_finite", "is_inf", "is_nan", "div_no_nan",
]


def _float(spec, op_name):
    if not (spec.dtype.is_floating):
        raise DTypeError(f"expects a floating-point input, got {spec.dtype.name}.",
                         hint="cast it first: tenseur.cast(x, tenseur.float32)")


# -- elementwise unary ---------------------------------------------------------------------

class _Unary(OpDef):
    inputs = ("x",)
    floating_only = True
    ufunc = None

    def infer(self, x):
        if self.floating_only:
            _float(x, self.type)
        elif x.dtype.is_bool or x.dtype == dtypes.string:
            raise DTypeError(f"expects a numeric input, got {x.dtype.name}.")
        return TensorSpec(x.shape, x.dtype)

    def kernel(self, xp, x):
        return type(self).ufunc(x)


def _unary(op_type, ufunc, floating_only=True):
    def deco(cls):
        cls.ufunc = staticmethod(ufunc)
        cls.floating_only = floating_only
        return register_op(op_type)(cls)
    return deco


@_unary("Neg", np.negative, floating_only=False)
class Neg(_Unary):
    """-x. Gradient: -grad."""

    def gradient(self, op, grad):
        return (negative(grad),)


@_unary("Abs", np.abs, floating_only=False)
class Abs(_Unary):
    """|x|. Gradient: grad * sign(x) (0 at x = 0)."""

    def gradient(self, op, grad):
        return (grad * sign(op.inputs[0]),)


@_unary("Sign", np.sign, floating_only=False)
class Sign(_Unary):
    """-1, 0 or 1. Its derivative is 0 almost everywhere: no gradient."""

    gradient = NOT_DIFFERENTIABLE


@_unary("Exp", np.exp)
class Exp(_Unary):
    """e^x. Gradient: grad * exp(x), reusing the output."""

    def gradient(self, op, grad):
        return (grad * op.outputs[0],)


@_unary("Expm1", np.expm1)
class Expm1(_Unary):
    """e^x - 1, accurate near 0. Gradient: grad * e^x."""

    def gradient(self, op, grad):
        return (grad * (op.outputs[0] + 1),)


@_unary("Log", np.log)
class Log(_Unary):
    """Natural logarithm. Gradient: grad / x."""

    def gradient(self, op, grad):
        return (grad / op.inputs[0],)


@_unary("Log1p", np.log1p)
class Log1p(_Unary):
    """log(1 + x), accurate near 0. Gradient: grad / (1 + x)."""

    def gradient(self, op, grad):
        return (grad / (1 + op.inputs[0]),)


@_unary("Sqrt", np.sqrt)
class Sqrt(_Unary):
    """√x. Gradient: grad / (2√x), reusing the output."""

    def gradient(self, op, grad):
        return (grad * 0.5 / op.outputs[0],)


@register_op("Rsqrt")
class Rsqrt(_Unary):
    """1/√x. Gradient: -grad * y³ / 2."""

    def kernel(self, xp, x):
        return 1 / xp.sqrt(x)

    def gradient(self, op, grad):
        y = op.outputs[0]
        return (grad * -0.5 * y * y * y,)


@_unary("Square", np.square, floating_only=False)
class Square(_Unary):
    """x². Gradient: 2 x grad."""

    def gradient(self, op, grad):
        return (grad * 2 * op.inputs[0],)


@_unary("Reciprocal", np.reciprocal)
class Reciprocal(_Unary):
    """1/x. Gradient: -grad y²."""

    def gradient(self, op, grad):
        y = op.outputs[0]
        return (-grad * y * y,)


@_unary("Sin", np.sin)
class Sin(_Unary):
    """sin x. Gradient: grad cos x."""

    def gradient(self, op, grad):
        return (grad * cos(op.inputs[0]),)


@_unary("Cos", np.cos)
class Cos(_Unary):
    """cos x. Gradient: -grad sin x."""

    def gradient(self, op, grad):
        return (-grad * sin(op.inputs[0]),)


@_unary("Tan", np.tan)
class Tan(_Unary):
    """tan x. Gradient: grad (1 + tan² x)."""

    def gradient(self, op, grad):
        y = op.outputs[0]
        return (grad * (1 + y * y),)


@_unary("Tanh", np.tanh)
class Tanh(_Unary):
    """tanh x. Gradient: grad (1 - y²), reusing the output."""

    def gradient(self, op, grad):
        y = op.outputs[0]
        return (grad * (1 - y * y),)


def sigmoid_array(x: np.ndarray, out=None) -> np.ndarray:
    """1 / (1 + e^-x) of a floating NumPy array, into `out` when given (x's shape and dtype;
    may be x itself). The Sigmoid op's kernel and the fused kernels' (compiler/fusion.py) both
    call it, so they give the same bits.

    z = exp(-|x|) never overflows; sigmoid(x) is 1 / (1 + z) for x >= 0 and z / (1 + z) for
    x < 0 (= e^x / (1 + e^x)). As 0 <= z <= 1, the numerator is max(z, x >= 0): one division
    and no where(); NaN stays NaN. For float32 with numba installed, exp_numba computes
    the same formula in one compiled pass (3x faster on the slides' MLP layers)."""
    if x.dtype == np.float32 and x.size:
        fast = _jit.kernels("tenseur.ops.exp_numba")
        if fast is not None:
            source = x if x.flags.c_contiguous else np.ascontiguousarray(x)
            target = out if out is not None and out.flags.c_contiguous else np.empty_like(
                source)
            if fast.sigmoid(source, target):
                if out is not None and target is not out:
                    out[...] = target
                    return out
                return target
    nonnegative = x >= 0                  # before `out`, which may be x, is written
    z = np.abs(x, out=out)
    np.negative(z, out=z)
    np.exp(z, out=z)
    denominator = 1 + z
    np.maximum(z, nonnegative, out=z)
    return np.true_divide(z, denominator, out=z)


def sigmoid_grad_product(g, s, one, out=None):
    """`(g * s) * (one - s)`, `one` a 1 of s's dtype: the gradient through a sigmoid of output
    s as the graph writes it (Mul, Sub, Mul), fused by compiler/fusion.py with the same bits.
    Arrays of one shape and float dtype run exp_numba's one pass where numba is installed."""
    dtype = g.dtype
    if (dtype in _FLOATS and s.dtype is dtype and one.dtype is dtype and g.shape == s.shape
            and g.flags.c_contiguous and s.flags.c_contiguous and g.size
            and (out is None or (out.dtype is dtype and out.flags.c_contiguous
                                 and out.shape == g.shape))):
        fast = _jit.kernels("tenseur.ops.exp_numba")
        if fast is not None:
            result = np.empty_like(g) if out is None else out
            fast.sigmoid_grad_product(g.reshape(-1), s.reshape(-1), result.reshape(-1))
            return result
    complement = np.subtract(one, s)          # first: `out` may be s
    product = np.multiply(g, s, out=out)
    return np.multiply(product, complement, out=product)


_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


@register_op("Sigmoid")
class Sigmoid(_Unary):
    """1 / (1 + e^-x), computed without overflow for large |x|. Gradient: grad y (1 - y)."""

    def kernel(self, xp, x):
        if xp is np and type(x) is np.ndarray and x.ndim and x.dtype.kind == "f":
            return sigmoid_array(x)
        z = xp.exp(-xp.abs(x))
        denominator = 1 + z
        numerator = xp.maximum(z, x >= 0)
        # asarray: a 0-d input stays a 0-d array (ufuncs return scalars for those).
        return xp.asarray(numerator / denominator, dtype=x.dtype)

    def gradient(self, op, grad):
        y = op.outputs[0]
        return (grad * y * (1 - y),)


@register_op("Softplus")
class Softplus(_Unary):
    """log(1 + e^x) in the stable form max(x, 0) + log1p(e^-|x|). Gradient: grad sigmoid(x)."""

    def kernel(self, xp, x):
        return (xp.maximum(x, 0) + xp.log1p(xp.exp(-xp.abs(x)))).astype(x.dtype, copy=False)

    def gradient(self, op, grad):
        return (grad * sigmoid(op.inputs[0]),)


@register_op("Erf")
class Erf(_Unary):
    """The error function (Abramowitz–Stegun 7.1.26 would lose precision; uses math.erf)."""

    def kernel(self, xp, x):
        import math
        return np.vectorize(math.erf, otypes=[x.dtype])(x) if x.size else x.copy()

    def gradient(self, op, grad):
        x = op.inputs[0]
        return (grad * (2 / np.sqrt(np.pi)) * exp(-square(x)),)


@_unary("Floor", np.floor)
class Floor(_Unary):
    """Largest integer <= x. Piecewise constant: no gradient."""

    gradient = NOT_DIFFERENTIABLE


@_unary("Ceil", np.ceil)
class Ceil(_Unary):
    """Smallest integer >= x. Piecewise constant: no gradient."""

    gradient = NOT_DIFFERENTIABLE


@register_op("Round")
class Round(_Unary):
    """Rounds half to even (banker's rounding, as TensorFlow). No gradient."""

    floating_only = False
    gradient = NOT_DIFFERENTIABLE

    def kernel(self, xp, x):
        return xp.round(x)


@register_op("Rint")
class Rint(Round):
    """The nearest integer, halves to even (`tf.rint`: Round's values, floating-point only)."""

    floating_only = True


@register_op("LogicalNot")
class LogicalNot(_Unary):
    """Elementwise not of a bool tensor."""

    gradient = NOT_DIFFERENTIABLE

    def infer(self, x):
        if not x.dtype.is_bool:
            raise DTypeError(f"expects a bool input, got {x.dtype.name}.")
        return TensorSpec(x.shape, x.dtype)

    def kernel(self, xp, x):
        return xp.logical_not(x)


class _FloatPredicate(_Unary):
    """A bool test of each value of a float tensor; no gradient."""

    gradient = NOT_DIFFERENTIABLE

    def infer(self, x):
        _float(x, self.type)
        return TensorSpec(x.shape, dtypes.bool_)


@_unary("IsFinite", np.isfinite)
class IsFinite(_FloatPredicate):
    """Whether each value is finite (not inf, -inf or NaN)."""


@_unary("IsInf", np.isinf)
class IsInf(_FloatPredicate):
    """Whether each value is inf or -inf."""


@_unary("IsNan", np.isnan)
class IsNan(_FloatPredicate):
    """Whether each value is NaN."""


# -- elementwise binary --------------------------------------------------------------------

class _Binary(OpDef):
    inputs = ("x", "y")
    broadcasting = True
    ufunc = None
    result_bool = False
    allowed = "numeric"   # or "bool" / "floating"

    def infer(self, x, y):
        if x.dtype != y.dtype:
            raise DTypeError(f"x and y must have the same dtype, got {x.dtype.name} and "
                             f"{y.dtype.name}.",
                             hint=f"cast one of them: tenseur.cast(y, tenseur.{x.dtype.name})")
        if self.allowed == "bool" and not x.dtype.is_bool:
            raise DTypeError(f"expects bool inputs, got {x.dtype.name}.")
        if self.allowed == "numeric" and not x.dtype.is_numeric:
            raise DTypeError(f"expects numeric inputs, got {x.dtype.name}.")
        if self.allowed == "floating" and not x.dtype.is_floating:
            raise DTypeError(f"expects floating-point inputs, got {x.dtype.name}.")
        shape = broadcast_shapes(self.type, x.shape, y.shape)
        return TensorSpec(shape, dtypes.bool_ if self.result_bool else x.dtype)

    def kernel(self, xp, x, y):
        return type(self).ufunc(x, y)


def _binary(op_type, ufunc, result_bool=False, allowed="numeric", differentiable=True):
    def deco(cls):
        cls.ufunc = staticmethod(ufunc)
        cls.result_bool = result_bool
        cls.allowed = allowed
        if not differentiable:
            cls.gradient = NOT_DIFFERENTIABLE
        return register_op(op_type)(cls)
    return deco


@_binary("Add", np.add)
class Add(_Binary):
    """x + y. Gradient: grad to both (summed back over broadcast axes)."""

    def gradient(self, op, grad):
        return (grad, grad)


@_binary("AddV2", np.add)
class AddV2(Add):
    """x + y (the TF 2 op name)."""


@_binary("Sub", np.subtract)
class Sub(_Binary):
    """x - y. Gradient: (grad, -grad)."""

    def gradient(self, op, grad):
        return (grad, negative(grad))


@_binary("Mul", np.multiply)
class Mul(_Binary):
    """x * y. Gradient: (grad y, grad x)."""

    def gradient(self, op, grad):
        x, y = op.inputs
        return (grad * y, grad * x)


@register_op("RealDiv")
class RealDiv(_Binary):
    """x / y for floats. Gradient: (grad / y, -grad x / y²)."""

    allowed = "floating"

    def kernel(self, xp, x, y):
        return xp.true_divide(x, y)

    def gradient(self, op, grad):
        x, y = op.inputs
        return (grad / y, -grad * x / (y * y))


@register_op("FloorDiv")
class FloorDiv(_Binary):
    """floor(x / y). Piecewise constant: no gradient."""

    gradient = NOT_DIFFERENTIABLE

    def kernel(self, xp, x, y):
        _check_integer_divisor(y)
        return xp.floor_divide(x, y)


def _check_integer_divisor(y):
    """Integer division by zero fails (TensorFlow's error); NumPy would give 0 and a warning."""
    if getattr(y, "dtype", None) is not None and y.dtype.kind in "iu" and not np.all(y):
        raise ValueError("Integer division by zero.")


@register_op("FloorMod")
class FloorMod(_Binary):
    """x - floor(x / y) * y (sign of y, as Python and TensorFlow). Gradient: (grad, -grad floor(x/y))."""

    def kernel(self, xp, x, y):
        _check_integer_divisor(y)
        return xp.mod(x, y)

    def gradient(self, op, grad):
        x, y = op.inputs
        return (grad, -grad * floor(x / y))


@register_op("Pow")
class Pow(_Binary):
    """x ** y. Gradient: (grad y x^(y-1), grad x^y log x), the second taken as 0 where x <= 0."""

    def kernel(self, xp, x, y):
        return xp.power(x, y)

    def gradient(self, op, grad):
        x, y = op.inputs
        z = op.outputs[0]
        grad_x = grad * y * pow(x, y - 1)
        if not x.dtype.is_floating:
            return (grad_x, None)
        safe_log = where_(greater(x, zeros_like(x)), log(where_(greater(x, zeros_like(x)), x,
                                                                   ones_like(x))), zeros_like(x))
        return (grad_x, grad * z * safe_log)


def _routed(grad, mask):
    """(grad where mask else 0, grad where not mask else 0): Maximum's and Minimum's gradients."""
    zeros = zeros_like(grad)
    return (where_(mask, grad, zeros), where_(mask, zeros, grad))


@register_op("Maximum")
class Maximum(_Binary):
    """max(x, y). Gradient goes to x where x >= y, else to y (ties go to x, as TensorFlow)."""

    def kernel(self, xp, x, y):
        return xp.maximum(x, y)

    def gradient(self, op, grad):
        x, y = op.inputs
        return _routed(grad, greater_equal(x, y))


@register_op("Minimum")
class Minimum(_Binary):
    """min(x, y). Gradient goes to x where x <= y, else to y (ties go to x, as TensorFlow)."""

    def kernel(self, xp, x, y):
        return xp.minimum(x, y)

    def gradient(self, op, grad):
        x, y = op.inputs
        return _routed(grad, less_equal(x, y))


@register_op("SquaredDifference")
class SquaredDifference(_Binary):
    """(x - y)². Gradient: (2 grad (x - y), -2 grad (x - y))."""

    def kernel(self, xp, x, y):
        d = x - y
        return d * d

    def gradient(self, op, grad):
        x, y = op.inputs
        g = grad * 2 * (x - y)
        return (g, negative(g))


@_binary("Equal", np.equal, result_bool=True, allowed="any", differentiable=False)
class Equal(_Binary):
    """x == y elementwise."""


@_binary("NotEqual", np.not_equal, result_bool=True, allowed="any", differentiable=False)
class NotEqual(_Binary):
    """x != y elementwise."""


@_binary("Less", np.less, result_bool=True, differentiable=False)
class Less(_Binary):
    """x < y elementwise."""


@_binary("LessEqual", np.less_equal, result_bool=True, differentiable=False)
class LessEqual(_Binary):
    """x <= y elementwise."""


@_binary("Greater", np.greater, result_bool=True, differentiable=False)
class Greater(_Binary):
    """x > y elementwise."""


@_binary("GreaterEqual", np.greater_equal, result_bool=True, differentiable=False)
class GreaterEqual(_Binary):
    """x >= y elementwise."""


@_binary("LogicalAnd", np.logical_and, allowed="bool", differentiable=False)
class LogicalAnd(_Binary):
    """x and y elementwise."""


@_binary("LogicalOr", np.logical_or, allowed="bool", differentiable=False)
class LogicalOr(_Binary):
    """x or y elementwise."""


@register_op("Select")
class Select(OpDef):
    """`x` where `condition` else `y` (all broadcast together). Gradient routes by the mask."""

    inputs = ("condition", "x", "y")
    broadcasting = True

    def infer(self, cond, x, y):
        if not cond.dtype.is_bool:
            raise DTypeError(f"condition must be bool, got {cond.dtype.name}.")
        if x.dtype != y.dtype:
            raise DTypeError(f"x and y must have the same dtype, got {x.dtype.name} and "
                             f"{y.dtype.name}.")
        return TensorSpec(broadcast_shapes(self.type, cond.shape, x.shape, y.shape), x.dtype)

    def kernel(self, xp, cond, x, y):
        return xp.where(cond, x, y)

    def gradient(self, op, grad):
        cond = op.inputs[0]
        zeros = zeros_like(grad)
        return (None, where_(cond, grad, zeros), where_(cond, zeros, grad))


def where_(condition, x, y, name="Select"):
    return apply_op("Select", condition, x, y, name=name)


# -- public elementwise functions ----------------------------------------------------------

def _binary_args(x, y):
    """Converts the operands; a Python number takes the dtype of the tensor beside it.

    Constants made here are named `x`/`y` inside the current name scope, as TensorFlow does
    (`mul/y` for the 2.0 of `t * 2.0`).
    """
    x_is = isinstance(x, Tensor) or hasattr(x, "_as_tensor")
    y_is = isinstance(y, Tensor) or hasattr(y, "_as_tensor")
    if x_is:
        x = convert_to_tensor(x)
        y = convert_to_tensor(y) if y_is else convert_to_tensor(y, preferred_dtype=x.dtype, name="y")
    elif y_is:
        y = convert_to_tensor(y)
        x = convert_to_tensor(x, preferred_dtype=y.dtype, name="x")
    else:
        x = convert_to_tensor(x, name="x")
        y = convert_to_tensor(y, preferred_dtype=x.dtype, name="y")
    return x, y


def _apply_binary(op_type, x, y, name):
    if isinstance(x, Tensor) and isinstance(y, Tensor):
        return apply_op(op_type, x, y, name=name)
    with name_scope(name, values=[x, y]) as scope:
        x, y = _binary_args(x, y)
        return apply_op(op_type, x, y, name=scope)


def add(x, y, name="add"):
    """x + y with NumPy broadcasting."""
    return _apply_binary("Add", x, y, name)


def subtract(x, y, name="sub"):
    """x - y with broadcasting."""
    return _apply_binary("Sub", x, y, name)


def multiply(x, y, name="mul"):
    """x * y with broadcasting."""
    return _apply_binary("Mul", x, y, name)


def truediv(x, y, name="truediv"):
    """x / y; integer inputs are converted to floats first (Python 3 semantics), as
    TensorFlow does: 8- and 16-bit integers to float32, 32- and 64-bit ones to float64."""
    x, y = _binary_args(x, y)
    if x.dtype.is_integer:
        target = dtypes.float32 if x.dtype.as_numpy_dtype().itemsize <= 2 else dtypes.float64
        x, y = cast(x, target), cast(y, target)
    return apply_op("RealDiv", x, y, name=name)


def div(x, y, name="div"):
    """TF 1.x `tf.div`: Python 2 division. Floor division for integers (-7 / 2 is -4),
    true division for floats."""
    x, y = _binary_args(x, y)
    if x.dtype.is_integer:
        return apply_op("FloorDiv", x, y, name=name)
    return apply_op("RealDiv", x, y, name=name)


def divide(x, y, name="truediv"):
    return truediv(x, y, name=name)


def realdiv(x, y, name="RealDiv"):
    return _apply_binary("RealDiv", x, y, name)


def div_no_nan(x, y, name="div_no_nan"):
    """x / y, and 0 where y is 0 (TensorFlow's tf.div_no_nan): the division never sees a zero
    divisor, so no inf or NaN appears there, in the value or its gradient."""
    with name_scope(name, values=[x, y]):
        x, y = _binary_args(x, y)
        zero = equal(y, zeros_like(y))
        quotient = x / where_(zero, ones_like(y), y)
        return where_(zero, zeros_like(quotient), quotient)


def floordiv(x, y, name="floordiv"):
    """floor(x / y)."""
    return _apply_binary("FloorDiv", x, y, name)


def mod(x, y, name="mod"):
    """Remainder with the sign of y, as Python's %."""
    return _apply_binary("FloorMod", x, y, name)


def pow(x, y, name="pow"):
    """x ** y elementwise."""
    return _apply_binary("Pow", x, y, name)


def maximum(x, y, name="Maximum"):
    return _apply_binary("Maximum", x, y, name)


def minimum(x, y, name="Minimum"):
    return _apply_binary("Minimum", x, y, name)


def squared_difference(x, y, name="SquaredDifference"):
    return _apply_binary("SquaredDifference", x, y, name)


def equal(x, y, name="Equal"):
    return _apply_binary("Equal", x, y, name)


def not_equal(x, y, name="NotEqual"):
    return _apply_binary("NotEqual", x, y, name)


def less(x, y, name="Less"):
    return _apply_binary("Less", x, y, name)


def less_equal(x, y, name="LessEqual"):
    return _apply_binary("LessEqual", x, y, name)


def greater(x, y, name="Greater"):
    return _apply_binary("Greater", x, y, name)


def greater_equal(x, y, name="GreaterEqual"):
    return _apply_binary("GreaterEqual", x, y, name)


def logical_and(x, y, name="LogicalAnd"):
    return _apply_binary("LogicalAnd", x, y, name)


def logical_or(x, y, name="LogicalOr"):
    return _apply_binary("LogicalOr", x, y, name)


def logical_xor(x, y, name="LogicalXor"):
    return logical_and(logical_or(x, y), logical_not(logical_and(x, y)), name=name)


def logical_not(x, name="LogicalNot"):
    return apply_op("LogicalNot", x, name=name)


def _unary_fn(op_type, default_name):
    def fn(x, name=default_name):
        return apply_op(op_type, x, name=name)
    fn.__name__ = default_name.lower()
    fn.__doc__ = f"Elementwise `{op_type}` of a tensor (see the op's docstring)."
    return fn


negative = _unary_fn("Neg", "Neg")
abs = _unary_fn("Abs", "Abs")
sign = _unary_fn("Sign", "Sign")
exp = _unary_fn("Exp", "Exp")
expm1 = _unary_fn("Expm1", "Expm1")
log = _unary_fn("Log", "Log")
log1p = _unary_fn("Log1p", "Log1p")
sqrt = _unary_fn("Sqrt", "Sqrt")
rsqrt = _unary_fn("Rsqrt", "Rsqrt")
square = _unary_fn("Square", "Square")
reciprocal = _unary_fn("Reciprocal", "Reciprocal")
sin = _unary_fn("Sin", "Sin")
cos = _unary_fn("Cos", "Cos")
tan = _unary_fn("Tan", "Tan")
tanh = _unary_fn("Tanh", "Tanh")
sigmoid = _unary_fn("Sigmoid", "Sigmoid")
softplus = _unary_fn("Softplus", "Softplus")
erf = _unary_fn("Erf", "Erf")
floor = _unary_fn("Floor", "Floor")
ceil = _unary_fn("Ceil", "Ceil")
round = _unary_fn("Round", "Round")
rint = _unary_fn("Rint", "Rint")
is_finite = _unary_fn("IsFinite", "IsFinite")
is_inf = _unary_fn("IsInf", "IsInf")
is_nan = _unary_fn("IsNan", "IsNan")

# TF 0.x / 1.0 spellings still met in old course material.
mul, sub, neg = multiply, subtract, negative
floor_div, floormod = floordiv, mod


def clip_by_value(t, clip_value_min, clip_value_max, name="clip_by_value"):
    """Clips `t` to [min, max]; the gradient flows only where t is inside the range."""
    t = convert_to_tensor(t)
    return minimum(maximum(t, clip_value_min), clip_value_max, name=name)


# -- cast ----------------------------------------------------------------------------------

@register_op("Cast")
class Cast(OpDef):
    """Converts to `DstT`. The gradient is cast back when both dtypes are floating, else None."""

    inputs = ("x",)
    attrs = {"DstT": None}

    def infer(self, x, *, DstT):
        return TensorSpec(x.shape, DstT)

    def kernel(self, xp, x, *, DstT):
        return x.astype(DstT.as_numpy_dtype, copy=False)

    def gradient(self, op, grad):
        src = op.inputs[0].dtype
        if src.is_floating and op.attrs["DstT"].is_floating:
            return (cast(grad, src),)
        return (None,)


def cast(x, dtype, name="Cast"):
    """`x` converted to `dtype` (floats to ints truncate toward zero, as TensorFlow)."""
    x = convert_to_tensor(x)
    dtype = dtypes.as_dtype(dtype)
    if x.dtype == dtype:
        return x
    return apply_op("Cast", x, DstT=dtype, name=name)


def to_float(x, name="ToFloat"):
    return cast(x, dtypes.float32, name=name)


def to_int32(x, name="ToInt32"):
    return cast(x, dtypes.int32, name=name)


def to_int64(x, name="ToInt64"):
    return cast(x, dtypes.int64, name=name)
