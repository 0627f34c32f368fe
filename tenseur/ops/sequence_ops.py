"""Sequences of numbers: `range` and the running sums and products `cumsum`, `cumprod`.

Primitives (one `OpDef` each): Range, Cumsum, Cumprod.
"""
from __future__ import annotations

import builtins

import numpy as np

from ..framework import dtypes
from ..framework.errors import DTypeError
from ..framework.tensor import Tensor, TensorSpec
from .array_ops import _static_value
from .registry import NOT_DIFFERENTIABLE, OpDef, apply_op, convert_to_tensor, register_op

__all__ = ["range", "cumsum", "cumprod"]


# -- range ---------------------------------------------------------------------------------

@register_op("Range")
class Range(OpDef):
    """start, start + delta, ... up to (not including) limit, as a 1-D tensor of the inputs'
    dtype. Its length is known when the graph runs (the public `range` gives a constant when
    its arguments are Python numbers). No gradient."""

    inputs = ("start", "limit", "delta")
    gradient = NOT_DIFFERENTIABLE

    def infer(self, start, limit, delta):
        for name, spec in (("start", start), ("limit", limit), ("delta", delta)):
            if spec.shape.ndims not in (None, 0):
                raise ValueError(f"{name} must be a scalar, got shape {spec.shape}.")
            if spec.dtype != start.dtype:
                raise DTypeError(f"start, limit and delta must have one dtype, got "
                                 f"{start.dtype.name}, {limit.dtype.name}, {delta.dtype.name}.")
        if not start.dtype.is_numeric or start.dtype.is_bool:
            raise DTypeError(f"expects numbers, got {start.dtype.name}.")
        return TensorSpec([None], start.dtype)

    def kernel(self, xp, start, limit, delta):
        _check_range(start.item(), limit.item(), delta.item())
        return xp.arange(start, limit, delta, dtype=start.dtype)


def _check_range(start, limit, delta):
    if delta == 0:
        raise ValueError(f"Requires delta != 0: {delta}")
    if delta > 0 and start > limit:
        raise ValueError(f"Requires start <= limit when delta > 0: {start}/{limit}")
    if delta < 0 and start < limit:
        raise ValueError(f"Requires start >= limit when delta < 0: {start}/{limit}")


def range(start, limit=None, delta=1, dtype=None, name="range"):  # noqa: A001 (TF's name)
    """The numbers from `start` up to (not including) `limit` in steps of `delta`, like
    Python's range (`range(n)` counts from 0). The dtype is that of the arguments (int32 for
    Python ints, float32 when one is a float) unless given.

    Example:
        >>> tenseur.range(3, 18, 3)        # [3, 6, 9, 12, 15]
    """
    if limit is None:
        start, limit = 0, start
    args = [start, limit, delta]
    if dtype is None:
        kinds = [a.dtype for a in args if isinstance(a, Tensor) or hasattr(a, "_as_tensor")]
        if kinds:
            dtype = kinds[0]
        elif any(isinstance(a, float) or np.asarray(a).dtype.kind == "f" for a in args):
            dtype = dtypes.float32
        else:
            dtype = dtypes.int32
    dtype = dtypes.as_dtype(dtype)
    values = [a if not isinstance(a, (Tensor,)) and not hasattr(a, "_as_tensor")
              else _static_value(a._as_tensor() if hasattr(a, "_as_tensor") else a)
              for a in args]
    if all(v is not None for v in values):
        numbers = [np.asarray(v, dtype.as_numpy_dtype).item() for v in values]
        _check_range(*numbers)
        return convert_to_tensor(np.arange(*numbers, dtype=dtype.as_numpy_dtype), dtype=dtype,
                                 name=name)
    start, limit, delta = (convert_to_tensor(a, dtype=dtype) for a in args)
    return apply_op("Range", start, limit, delta, name=name)


# -- cumulative sums and products ------------------------------------------------------------

class _Scan(OpDef):
    inputs = ("x",)
    attrs = {"axis": 0, "exclusive": False, "reverse": False}
    accumulate = None      # np.cumsum or np.cumprod
    identity = 0

    def infer(self, x, *, axis, exclusive, reverse):
        if not x.dtype.is_numeric or x.dtype.is_bool:
            raise DTypeError(f"expects a numeric input, got {x.dtype.name}.")
        rank = x.shape.ndims
        if rank is not None and not -rank <= axis < builtins.max(rank, 1):
            raise ValueError(f"axis {axis} is out of range for an input of rank {rank}.")
        return TensorSpec(x.shape, x.dtype)

    def kernel(self, xp, x, *, axis, exclusive, reverse):
        if x.ndim == 0:
            raise ValueError("expects an input of rank >= 1, got a scalar.")
        axis %= x.ndim
        if reverse:
            x = xp.flip(x, axis)
        out = type(self).accumulate(x, axis=axis, dtype=x.dtype)
        if exclusive:       # shifted by one: the identity first, the last total dropped
            first = xp.full(x.shape[:axis] + (1,) + x.shape[axis + 1:], self.identity, x.dtype)
            out = xp.concatenate([first, xp.delete(out, -1, axis=axis)], axis=axis)
        return xp.flip(out, axis) if reverse else xp.ascontiguousarray(out)


@register_op("Cumsum")
class Cumsum(_Scan):
    """Running sums along `axis` (`exclusive`: each excluding its own value; `reverse`: from
    the end). Gradient: the running sum of grad in the other direction."""

    accumulate = staticmethod(np.cumsum)
    identity = 0

    def gradient(self, op, grad):
        a = op.attrs
        return (apply_op("Cumsum", grad, axis=a["axis"], exclusive=a["exclusive"],
                         reverse=not a["reverse"]),)


@register_op("Cumprod")
class Cumprod(_Scan):
    """Running products along `axis`. Gradient (TensorFlow's): the reverse running sum of
    grad * output, divided by x; where x is 0 that division gives 0 (TensorFlow's
    div_no_nan), which is exact only when no other term needed that x."""

    accumulate = staticmethod(np.cumprod)
    identity = 1

    def gradient(self, op, grad):
        from .elementwise_ops import div_no_nan
        a = op.attrs
        x, out = op.inputs[0], op.outputs[0]
        summed = apply_op("Cumsum", grad * out, axis=a["axis"], exclusive=a["exclusive"],
                          reverse=not a["reverse"])
        return (div_no_nan(summed, x),)


def _scan(op_type, x, axis, exclusive, reverse, name):
    x = convert_to_tensor(x)
    return apply_op(op_type, x, axis=int(axis), exclusive=bool(exclusive),
                    reverse=bool(reverse), name=name)


def cumsum(x, axis=0, exclusive=False, reverse=False, name="Cumsum"):
    """Running sums along `axis`: cumsum([a, b, c]) = [a, a + b, a + b + c];
    exclusive=True gives [0, a, a + b], reverse=True [a + b + c, b + c, c]."""
    return _scan("Cumsum", x, axis, exclusive, reverse, name)


def cumprod(x, axis=0, exclusive=False, reverse=False, name="Cumprod"):
    """Running products along `axis`: cumprod([a, b, c]) = [a, a b, a b c]; exclusive and
    reverse as in `cumsum`."""
    return _scan("Cumprod", x, axis, exclusive, reverse, name)
