"""Math ops: add_n, reductions, matmul and tensordot; and the Python operators of graph Tensors
(`a + b`, `a @ b`, `-a`, `a < b`...), installed when this module is imported.

The elementwise arithmetic and functions, comparisons and cast are in `elementwise_ops`,
re-exported here with all the rest (`tenseur.add`, `from tenseur.ops.math_ops import cast`).
"""
from __future__ import annotations

import functools

import numpy as np

from ..backend import threads as _threads
from ..framework import dtypes
from ..framework.errors import DTypeError, ShapeError
from ..framework.shapes import TensorShape
from ..framework.tensor import Tensor, TensorSpec
from . import array_ops
from .array_ops import broadcast_shapes, ones_like, zeros_like
from .elementwise_ops import (Abs, Add, AddV2, Cast, Ceil, Cos, Equal,  # noqa: F401  (re-exported)
                              Erf, Exp, Expm1, Floor, FloorDiv, FloorMod, Greater, GreaterEqual,
                              Less, LessEqual, Log, Log1p, LogicalAnd, LogicalNot, LogicalOr,
                              Maximum, Minimum, Mul, Neg, NotEqual, Pow, RealDiv, Reciprocal, Round,
                              Rsqrt, Select, Sigmoid, Sign, Sin, Softplus, Sqrt, Square,
                              SquaredDifference, Sub, Tan, Tanh, _Binary, _Unary, _apply_binary,
                              _binary, _binary_args, _float, _unary, _unary_fn, abs, add, cast,
                              ceil, clip_by_value, cos, div, divide, equal, erf, exp, expm1, floor,
                              floor_div, floordiv, floormod, greater, greater_equal, less,
                              less_equal, log, log1p, logical_and, logical_not, logical_or,
                              logical_xor, maximum, minimum, mod, mul, multiply, neg, negative,
                              not_equal, pow, realdiv, reciprocal, round, rsqrt, sigmoid, sign, sin,
                              softplus, sqrt, square, squared_difference, sub, subtract, tan, tanh,
                              to_float, to_int32, to_int64, truediv, where_, is_finite, is_inf,
                              is_nan)
from .elementwise_ops import div_no_nan, rint  # noqa: F401  (re-exported)
from .trig_ops import acos, acosh, asin, asinh, atan, atan2, atanh, cosh, sinh  # noqa: F401
from .registry import NOT_DIFFERENTIABLE, OpDef, apply_op, convert_to_tensor, register_op

__all__ = [
    "add", "subtract", "multiply", "divide", "truediv", "floordiv", "floor_div", "mod",
    "floormod", "pow", "negative", "abs", "sign", "exp", "log", "log1p", "sqrt", "rsqrt",
    "square", "sin", "cos", "tan", "tanh", "sigmoid", "maximum", "minimum", "floor", "ceil",
    "round", "reciprocal", "clip_by_value", "equal", "not_equal", "less", "less_equal",
    "greater", "greater_equal", "logical_and", "logical_or", "logical_not", "logical_xor",
    "matmul", "reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod",
    "reduce_any", "reduce_all", "argmax", "argmin", "cast", "add_n", "squared_difference",
    "tensordot", "erf", "expm1", "softplus", "mul", "sub", "neg", "div", "realdiv",
    "count_nonzero", "reduce_logsumexp", "to_float", "to_int32", "to_int64", "is_finite",
    "is_inf", "is_nan", "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh",
    "atan2", "div_no_nan", "rint",
]


# -- add_n ---------------------------------------------------------------------------------

@register_op("AddN")
class AddN(OpDef):
    """The sum of N tensors of one shape and dtype. Gradient: grad to each."""

    inputs = ("*inputs",)

    def infer(self, *xs):
        if not xs:
            raise ShapeError("add_n needs at least one tensor.")
        shape = xs[0].shape
        for x in xs[1:]:
            if x.dtype != xs[0].dtype:
                raise DTypeError(f"all inputs must have one dtype, got {xs[0].dtype.name} and "
                                 f"{x.dtype.name}.")
            if not shape.is_compatible_with(x.shape):
                raise ShapeError(f"all inputs must have one shape, got {shape} and {x.shape}.")
            shape = shape.merge_with(x.shape)
        return TensorSpec(shape, xs[0].dtype)

    def kernel(self, xp, *xs):
        out = xs[0] + xs[1] if len(xs) > 1 else xs[0].copy()
        for x in xs[2:]:
            out += x
        return out

    def gradient(self, op, grad):
        return tuple(grad for _ in op.inputs)


def add_n(inputs, name="AddN"):
    """Sums a list of tensors of one shape."""
    inputs = [convert_to_tensor(x) for x in inputs]
    if len(inputs) == 1:
        return inputs[0]
    return apply_op("AddN", *inputs, name=name)


# -- reductions ----------------------------------------------------------------------------

def _norm_axes(axis, rank, op_name):
    """Sorted non-negative axes, or None for all axes."""
    if axis is None:
        return None
    axes = [axis] if isinstance(axis, (int, np.integer)) else list(axis)
    if rank is None:
        return tuple(int(a) for a in axes)
    out = []
    for a in axes:
        a = int(a)
        if not -rank <= a < rank:
            raise ShapeError(f"axis {a} is out of range for a tensor of rank {rank} "
                             f"(valid: {-rank} to {rank - 1}).")
        out.append(a % rank)
    return tuple(sorted(set(out)))


def _reduced_shape(shape, axes, keepdims):
    if shape.dims is None:
        return TensorShape(None)
    if axes is None:
        return TensorShape([1] * len(shape.dims) if keepdims else [])
    axes = [a % len(shape.dims) for a in axes]
    return TensorShape([1 if i in axes else d for i, d in enumerate(shape.dims)
                        if keepdims or i not in axes])


class _Reduce(OpDef):
    inputs = ("input",)
    attrs = {"axis": None, "keepdims": False}
    reducer = None
    bool_only = False

    def infer(self, x, *, axis, keepdims):
        if self.bool_only and not x.dtype.is_bool:
            raise DTypeError(f"expects a bool input, got {x.dtype.name}.")
        axes = _norm_axes(axis, x.shape.ndims, self.type)
        return TensorSpec(_reduced_shape(x.shape, axes, keepdims), x.dtype)

    def kernel(self, xp, x, *, axis, keepdims):
        out = type(self).reducer(x, axis=axis, keepdims=keepdims)
        return xp.asarray(out, dtype=x.dtype)


def _keepdims_grad(op, grad):
    """`grad` reshaped with the reduced axes kept as 1, so it broadcasts against the input."""
    if op.attrs["keepdims"] or op.attrs["axis"] is None and grad.shape.ndims == 0:
        return grad
    axes = _norm_axes(op.attrs["axis"], op.inputs[0].shape.ndims, op.type)
    if axes is None:
        if op.inputs[0].shape.ndims is None:
            raise ShapeError(f"{op.type} '{op.name}': cannot differentiate a full reduction of a "
                             f"tensor of unknown rank.")
        axes = tuple(range(op.inputs[0].shape.ndims))
    return apply_op("ExpandDimsMany", grad, axes=axes)


@register_op("ExpandDimsMany")
class ExpandDimsMany(OpDef):
    """Inserts size-1 axes at the (sorted, non-negative) positions `axes`; used by reductions."""

    inputs = ("input",)
    attrs = {"axes": ()}

    def infer(self, x, *, axes):
        if x.shape.dims is None:
            return TensorSpec(None, x.dtype)
        dims = list(x.shape.dims)
        for a in axes:
            dims.insert(a, 1)
        return TensorSpec(dims, x.dtype)

    def kernel(self, xp, x, *, axes):
        return xp.expand_dims(x, axes) if axes else x

    def gradient(self, op, grad):
        return (apply_op("SqueezeAxes", grad, axes=op.attrs["axes"]),)


@register_op("SqueezeAxes")
class SqueezeAxes(OpDef):
    """Removes the size-1 axes `axes` (the inverse of ExpandDimsMany)."""

    inputs = ("input",)
    attrs = {"axes": ()}

    def infer(self, x, *, axes):
        if x.shape.dims is None:
            return TensorSpec(None, x.dtype)
        return TensorSpec([d for i, d in enumerate(x.shape.dims) if i not in axes], x.dtype)

    def kernel(self, xp, x, *, axes):
        return xp.squeeze(x, axis=axes) if axes else x

    def gradient(self, op, grad):
        return (apply_op("ExpandDimsMany", grad, axes=op.attrs["axes"]),)


class _AddReduce(_Reduce):
    """Sum and Mean. Of a NumPy float array they call `np.add.reduce` directly: `np.sum` and
    `np.mean` are that call behind Python dispatch that costs more than the reduction of a
    small array (a (128,) mean: 7 against 2 us). The same bits: np.mean too divides the sum by
    the count as an intp (in float64, rounded back). Other inputs take `reducer`."""

    mean = False

    def bind(self, op, xp, ctx):
        general = super().bind(op, xp, ctx)
        if xp is not np:
            return general
        axis, keepdims, mean = op.attrs["axis"], op.attrs["keepdims"], self.mean
        if axis is not None and not isinstance(axis, (int, np.integer)):
            axis = tuple(int(a) for a in axis)
        reduce, true_divide, asarray = np.add.reduce, np.true_divide, np.asarray
        ndarray = np.ndarray

        def run(x):
            if type(x) is not ndarray or x.dtype.kind != "f" or x.dtype.itemsize < 4 \
                    or (mean and x.size == 0):
                return general(x)
            total = reduce(x, axis=axis, keepdims=keepdims)
            if mean:
                count = np.intp(x.size // total.size if total.ndim else x.size)
                if total.ndim:
                    return true_divide(total, count, out=total, casting="unsafe")
                total = total / count
            return asarray(total, dtype=x.dtype)
        return run


@register_op("Sum")
class Sum(_AddReduce):
    """Sum over `axis`. Gradient: grad broadcast back over the reduced axes."""

    reducer = staticmethod(np.sum)

    def gradient(self, op, grad):
        return (apply_op("BroadcastLike", _keepdims_grad(op, grad), op.inputs[0]),)


@register_op("Mean")
class Mean(_AddReduce):
    """Mean over `axis`. Gradient: grad / count, broadcast back."""

    reducer = staticmethod(np.mean)
    mean = True

    def infer(self, x, *, axis, keepdims):
        if not x.dtype.is_numeric or x.dtype.is_bool:
            raise DTypeError(f"expects a numeric input, got {x.dtype.name}.")
        return super().infer(x, axis=axis, keepdims=keepdims)

    def gradient(self, op, grad):
        x = op.inputs[0]
        count = cast(size(x), grad.dtype) / cast(size(op.outputs[0]), grad.dtype)
        return (apply_op("BroadcastLike", _keepdims_grad(op, grad) / count, x),)


@register_op("Prod")
class Prod(_Reduce):
    """Product over `axis`. Gradient: grad times the product of the group's other values,
    zeros included (as TensorFlow): with no zero in the group, product / x; with one zero,
    the product of the non-zero values at the zero and 0 elsewhere; with more, 0.

    The gradient's own gradient is exact too where a group holds at most one zero: the 0 at
    the non-zero values is written as (their product of the others) * the zero value, which
    carries its derivative. With two or more zeros in a group it is taken as 0 (TensorFlow's,
    through cumprod, is not exact there either)."""

    reducer = staticmethod(np.prod)

    def gradient(self, op, grad):
        x = op.inputs[0]
        axis, keep = op.attrs["axis"], op.attrs["keepdims"]

        def per_value(reduced):       # a reduction over the groups, broadcast back to x
            return apply_op("BroadcastLike", _keepdims_grad(op, reduced), x)

        zero = equal(x, zeros_like(x))
        nonzero_x = where_(zero, ones_like(x), x)                    # zeros replaced by 1
        product = per_value(apply_op("Prod", nonzero_x, axis=axis, keepdims=keep))
        zeros = per_value(apply_op("Sum", cast(zero, x.dtype), axis=axis, keepdims=keep))
        zero_value = per_value(apply_op("Sum", where_(zero, x, zeros_like(x)), axis=axis,
                                        keepdims=keep))            # 0, with its derivative
        others = product / nonzero_x
        one_zero = equal(zeros, ones_like(zeros))
        rest = where_(equal(zeros, zeros_like(zeros)), others,
                      where_(one_zero, where_(zero, product, others * zero_value),
                             zeros_like(x)))
        return (per_value(grad) * rest,)


class _ReduceExtreme(_Reduce):
    """Max/Min: the gradient is shared equally among the elements equal to the extreme."""

    def gradient(self, op, grad):
        x = op.inputs[0]
        y = apply_op("BroadcastLike", _keepdims_grad(op, op.outputs[0]), x)
        g = apply_op("BroadcastLike", _keepdims_grad(op, grad), x)
        mask = cast(equal(x, y), grad.dtype)
        count = apply_op("BroadcastLike", _keepdims_grad(op, apply_op(
            "Sum", mask, axis=op.attrs["axis"], keepdims=op.attrs["keepdims"])), x)
        return (g * mask / count,)


@register_op("Max")
class Max(_ReduceExtreme):
    """Maximum over `axis`; ties share the gradient equally (as TensorFlow)."""

    reducer = staticmethod(np.max)


@register_op("Min")
class Min(_ReduceExtreme):
    """Minimum over `axis`; ties share the gradient equally (as TensorFlow)."""

    reducer = staticmethod(np.min)


@register_op("Any")
class Any(_Reduce):
    """Logical or over `axis`."""

    reducer = staticmethod(np.any)
    bool_only = True
    gradient = NOT_DIFFERENTIABLE


@register_op("All")
class All(_Reduce):
    """Logical and over `axis`."""

    reducer = staticmethod(np.all)
    bool_only = True
    gradient = NOT_DIFFERENTIABLE


def _reduce(op_type, default_name):
    def fn(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None,
           keep_dims=None):
        if reduction_indices is not None:
            if axis is not None:
                raise ValueError(f"{default_name}: pass either axis or reduction_indices, not both.")
            axis = reduction_indices
        keep = bool(keepdims if keepdims is not None else (keep_dims or False))
        if isinstance(axis, np.ndarray):
            axis = axis.tolist()
        axis = tuple(axis) if isinstance(axis, list) else axis
        return apply_op(op_type, input_tensor, axis=axis, keepdims=keep, name=name or default_name)
    fn.__name__ = default_name.lower()
    fn.__doc__ = (f"`{op_type}` over `axis` (all axes when None); `keepdims` keeps them as 1.\n\n"
                  f"    Example: tenseur.reduce_mean(x, axis=-1)")
    return fn


reduce_sum = _reduce("Sum", "Sum")
reduce_mean = _reduce("Mean", "Mean")
reduce_max = _reduce("Max", "Max")
reduce_min = _reduce("Min", "Min")
reduce_prod = _reduce("Prod", "Prod")
reduce_any = _reduce("Any", "Any")
reduce_all = _reduce("All", "All")


def reduce_logsumexp(input_tensor, axis=None, keepdims=False, name="ReduceLogSumExp"):
    """log(sum(exp(x))) computed stably by subtracting the (gradient-free) max first."""
    x = convert_to_tensor(input_tensor)
    m = apply_op("StopGradient", reduce_max(x, axis=axis, keepdims=True))
    # An infinite max (a group of -inf, or one holding inf) is not subtracted: inf - inf
    # would be NaN where the answer is -inf or inf (TensorFlow does the same).
    m = where_(is_finite(m), m, zeros_like(m))
    out = log(reduce_sum(exp(x - m), axis=axis, keepdims=True)) + m
    if not keepdims:
        axes = _norm_axes(axis, x.shape.ndims, "ReduceLogSumExp")
        out = apply_op("SqueezeAxes", out, axes=axes if axes is not None
                       else tuple(range(x.shape.ndims)))
    return apply_op("Identity", out, name=name)


def count_nonzero(input_tensor, axis=None, keepdims=False, dtype=dtypes.int64, name="count_nonzero"):
    x = convert_to_tensor(input_tensor)
    nonzero = not_equal(x, zeros_like(x)) if not x.dtype.is_bool else x
    return reduce_sum(cast(nonzero, dtype), axis=axis, keepdims=keepdims, name=name)


@register_op("Size")
class Size(OpDef):
    """The number of elements of a tensor (int32 scalar)."""

    inputs = ("input",)
    gradient = NOT_DIFFERENTIABLE

    def infer(self, x):
        return TensorSpec([], dtypes.int32)

    def kernel(self, xp, x):
        return np.asarray(x.size, dtype=np.int32)


def size(input, name="Size"):
    return apply_op("Size", input, name=name)


class _ArgExtreme(OpDef):
    inputs = ("input",)
    attrs = {"axis": 0, "output_type": dtypes.int64}
    gradient = NOT_DIFFERENTIABLE
    reducer = None

    def infer(self, x, *, axis, output_type):
        axes = _norm_axes(axis, x.shape.ndims, self.type)
        return TensorSpec(_reduced_shape(x.shape, axes, False), output_type)

    def kernel(self, xp, x, *, axis, output_type):
        return xp.asarray(type(self).reducer(x, axis=axis), dtype=output_type.as_numpy_dtype)


@register_op("ArgMax")
class ArgMax(_ArgExtreme):
    """Index of the largest value along `axis` (first one on ties)."""

    reducer = staticmethod(np.argmax)


@register_op("ArgMin")
class ArgMin(_ArgExtreme):
    """Index of the smallest value along `axis` (first one on ties)."""

    reducer = staticmethod(np.argmin)


def argmax(input, axis=None, name="ArgMax", dimension=None, output_type=dtypes.int64):
    """Index of the largest value along `axis` (default 0; `dimension` is the old spelling)."""
    axis = dimension if axis is None else axis
    return apply_op("ArgMax", input, axis=0 if axis is None else int(axis),
                    output_type=dtypes.as_dtype(output_type), name=name)


def argmin(input, axis=None, name="ArgMin", dimension=None, output_type=dtypes.int64):
    axis = dimension if axis is None else axis
    return apply_op("ArgMin", input, axis=0 if axis is None else int(axis),
                    output_type=dtypes.as_dtype(output_type), name=name)


# -- matrix products -----------------------------------------------------------------------

# Inside a plan that holds BLAS to one thread (one with convolutions, see Session._execute), a
# product of this many multiply-adds or more is split by rows over tenseur's threads instead of
# running on one core: ~0.4 ms of work at one thread, well above the ~25-45 us hand-off.
_SPLIT_MACS = 1 << 24


def _matmul_by_rows(a, b):
    parts = _threads.intra_op_threads()
    rows = a.shape[0]
    if parts <= 1 or rows < 2 * parts or a.dtype != b.dtype or a.dtype.kind != "f":
        return np.matmul(a, b)
    out = np.empty((rows, b.shape[1]), a.dtype)
    _threads.parallel_map(lambda r: np.matmul(a[r[0]:r[1]], b, out=out[r[0]:r[1]]),
                          _threads.even_ranges(rows, parts), parts)
    return out


_DOT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _whole(array) -> bool:
    flags = array.flags
    return flags.c_contiguous or flags.f_contiguous


def _product(xp, transpose_a, transpose_b, a, b):
    """MatMul's kernel. The arrays' own swapaxes: np.swapaxes' dispatch wrapper costs ~0.5 us
    more a call. Float matrices of at least two rows and columns, each C- or F-ordered (as
    given or transposed), go through np.dot: the same BLAS call as np.matmul, the same bits
    (tests/ops/test_matmul_kernel.py), 0.3-0.4 us less dispatch than the gufunc. Vectors and
    sliced operands keep np.matmul: there the two may round apart."""
    if transpose_a:
        a = a.swapaxes(-1, -2)
    if transpose_b:
        b = b.swapaxes(-1, -2)
    if xp is np and a.ndim == 2 and b.ndim == 2:
        if _threads.blas_held() and a.shape[0] * a.shape[1] * b.shape[1] >= _SPLIT_MACS:
            return _matmul_by_rows(a, b)
        if (a.dtype is b.dtype and a.dtype in _DOT_DTYPES and a.shape[0] > 1
                and b.shape[1] > 1 and a.shape[1] == b.shape[0] and _whole(a) and _whole(b)):
            return np.dot(a, b)
    return xp.matmul(a, b)


def _matrix_dims(shape, transpose):
    rows, cols = shape.dims[-2], shape.dims[-1]
    return (cols, rows) if transpose else (rows, cols)


@register_op("MatMul")
class MatMul(OpDef):
    """Matrix product; rank > 2 inputs are batches of matrices (batch dims broadcast)."""

    inputs = ("a", "b")
    attrs = {"transpose_a": False, "transpose_b": False}

    def infer(self, a, b, *, transpose_a, transpose_b):
        if a.dtype != b.dtype:
            raise DTypeError(f"a and b must have the same dtype, got {a.dtype.name} and "
                             f"{b.dtype.name}.", hint=f"cast one: tenseur.cast(b, tenseur.{a.dtype.name})")
        if a.shape.dims is None or b.shape.dims is None:
            return TensorSpec(None, a.dtype)
        for name, s in (("a", a), ("b", b)):
            if len(s.shape.dims) < 2:
                raise ShapeError(f"{name} must be a matrix (rank >= 2), got shape {s.shape}.",
                                 hint="reshape vectors to (1, n) or (n, 1), or use "
                                      "tenseur.tensordot / tenseur.reduce_sum(a * b)")
        rows, inner_a = _matrix_dims(a.shape, transpose_a)
        inner_b, cols = _matrix_dims(b.shape, transpose_b)
        if inner_a is not None and inner_b is not None and inner_a != inner_b:
            hint = None
            b_other = b.shape.dims[-2] if transpose_b else b.shape.dims[-1]
            if b_other == inner_a:
                hint = (f"b looks transposed (its {'first' if transpose_b else 'last'} dimension "
                        f"is {inner_a}); pass transpose_b={not transpose_b}")
            raise ShapeError(f"inner dimensions must agree, got {inner_a} from a and {inner_b} "
                             f"from b.", hint=hint)
        batch = broadcast_shapes(self.type, TensorShape(a.shape.dims[:-2]),
                                 TensorShape(b.shape.dims[:-2]))
        return TensorSpec(list(batch.dims) + [rows, cols], a.dtype)

    def kernel(self, xp, a, b, *, transpose_a, transpose_b):
        return _product(xp, transpose_a, transpose_b, a, b)

    def bind(self, op, xp, ctx):
        # The flags bound positionally: a training step runs a dozen products, and a partial's
        # keyword merge costs ~0.5 us of the 4-10 us of the MLP's small ones.
        return functools.partial(_product, xp, op.attrs["transpose_a"], op.attrs["transpose_b"])

    def gradient(self, op, grad):
        # With lhs, rhs the operands as multiplied: dlhs = grad rhsᵀ, drhs = lhsᵀ grad.
        a, b = op.inputs
        ta, tb = op.attrs["transpose_a"], op.attrs["transpose_b"]
        if not ta:
            grad_a = matmul(grad, b, transpose_b=not tb)
        else:
            grad_a = matmul(b, grad, transpose_a=tb, transpose_b=True)
        if not tb:
            grad_b = matmul(a, grad, transpose_a=not ta)
        else:
            grad_b = matmul(grad, a, transpose_a=True, transpose_b=ta)
        return (grad_a, grad_b)

    # Batch dims may broadcast: autodiff sums each gradient back to its input's shape.
    broadcasting = True


def matmul(a, b, transpose_a=False, transpose_b=False, adjoint_a=False, adjoint_b=False,
           a_is_sparse=False, b_is_sparse=False, name="MatMul"):
    """Multiplies matrix `a` by matrix `b` (batched when rank > 2).

    Raises:
        ShapeError: the inner dimensions disagree (when the graph is built).
    Example:
        >>> logits = tenseur.matmul(x, w)   # (None, 784) @ (784, 10) -> (None, 10)
    """
    a = convert_to_tensor(a)
    b = convert_to_tensor(b, preferred_dtype=a.dtype)
    return apply_op("MatMul", a, b, transpose_a=bool(transpose_a or adjoint_a),
                    transpose_b=bool(transpose_b or adjoint_b), name=name)


def tensordot(a, b, axes, name="Tensordot"):
    """Sums the products of `a` and `b` over `axes` (an int N: last N of a with first N of b,
    or a pair of axis lists), as a reshape → matmul → reshape."""
    a = convert_to_tensor(a)
    b = convert_to_tensor(b, preferred_dtype=a.dtype)
    ra, rb = a.shape.ndims, b.shape.ndims
    if ra is None or rb is None:
        raise ShapeError(f"Tensordot '{name}': the ranks of a and b must be known.")
    if isinstance(axes, (int, np.integer)):
        axes_a, axes_b = list(range(ra - int(axes), ra)), list(range(int(axes)))
    else:
        axes_a, axes_b = axes
        axes_a = [axes_a] if isinstance(axes_a, int) else list(axes_a)
        axes_b = [axes_b] if isinstance(axes_b, int) else list(axes_b)
    axes_a = [x % ra for x in axes_a]
    axes_b = [x % rb for x in axes_b]
    free_a = [i for i in range(ra) if i not in axes_a]
    free_b = [i for i in range(rb) if i not in axes_b]
    more = array_ops
    at = more.transpose(a, free_a + axes_a) if free_a + axes_a != list(range(ra)) else a
    bt = more.transpose(b, axes_b + free_b) if axes_b + free_b != list(range(rb)) else b
    da, db = a.shape.dims, b.shape.dims
    # The contracted size: from a's or b's static dims, else computed when the graph runs.
    inner = None
    for dims, axes_of in ((da, axes_a), (db, axes_b)):
        if dims is not None and all(dims[i] is not None for i in axes_of):
            inner = int(np.prod([dims[i] for i in axes_of], dtype=np.int64))
            break
    if inner is None:
        inner = apply_op("Prod", more.gather(shape(a), axes_a), axis=None, keepdims=False)
        a2 = more.reshape(at, more.stack([-1, inner]))
        b2 = more.reshape(bt, more.stack([inner, -1]))
    else:
        a2 = more.reshape(at, [-1, inner])
        b2 = more.reshape(bt, [inner, -1])
    out = matmul(a2, b2)
    out_dims = [da[i] for i in free_a] + [db[i] for i in free_b]
    if all(d is not None for d in out_dims):
        return more.reshape(out, out_dims, name=name)
    shape_a = more.gather(shape(a), free_a)
    shape_b = more.gather(shape(b), free_b)
    return more.reshape(out, more.concat([shape_a, shape_b], 0), name=name)


def shape(x):
    return apply_op("Shape", x)


# -- Tensor operators ----------------------------------------------------------------------

def _install_operators():
    """Gives graph Tensors their Python operators (`a + b`, `a @ b`, `-a`, `a < b`...)."""

    def binary(fn, reverse=False):
        if reverse:
            return lambda self, other: fn(other, self)
        return lambda self, other: fn(self, other)

    for op_name, fn in (("add", add), ("sub", subtract), ("mul", multiply),
                        ("truediv", truediv), ("floordiv", floordiv), ("mod", mod),
                        ("pow", pow), ("matmul", matmul), ("and", logical_and),
                        ("or", logical_or), ("xor", logical_xor)):
        setattr(Tensor, f"__{op_name}__", binary(fn))
        setattr(Tensor, f"__r{op_name}__", binary(fn, reverse=True))
    Tensor.__lt__ = binary(less)
    Tensor.__le__ = binary(less_equal)
    Tensor.__gt__ = binary(greater)
    Tensor.__ge__ = binary(greater_equal)
    Tensor.__neg__ = lambda self: negative(self)
    Tensor.__abs__ = lambda self: abs(self)
    Tensor.__invert__ = lambda self: logical_not(self)
    Tensor.__pos__ = lambda self: self


_install_operators()
