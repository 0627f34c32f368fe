"""Python functions as ops: `tf.py_func` (TF 1.x) and `tf.numpy_function` (TF 2).

`func` is called with the inputs' NumPy arrays when the op runs (each `Session.run` that needs
it, each call of a `tenseur.function`; at once in eager mode), and its results are converted
to `Tout`'s dtypes. The op's outputs have unknown shapes (`set_shape` them when known). A
stateful op (the default) is never folded, merged or pruned from a function's side effects, so
it runs on every call; `stateful=False` lets the compiler merge two identical calls.

Not differentiable: gradients through it are None, as through TF 2's `numpy_function`.

The function itself is kept beside the graph that holds the op (it is not an attribute: graphs
stay serialisable), under a token the op names; it goes when that graph goes.

Example:
    >>> y = tf.py_func(lambda x: np.sort(x), [x], tf.float32)
"""
from __future__ import annotations

import itertools
import weakref

import numpy as np

from ..framework import dtypes
from ..framework.errors import InvalidArgumentError
from ..framework.operation import Operation
from ..framework.tensor import TensorSpec
from .registry import NOT_DIFFERENTIABLE, OpDef, apply_op, executing_eagerly, register_op

__all__ = ["py_func", "numpy_function"]

_FUNCTIONS: dict = {}              # token -> the Python callable
_TOKENS = itertools.count()


class _PyFunc(OpDef):
    inputs = ("*inp",)
    attrs = {"token": "", "Tout": ()}
    gradient = NOT_DIFFERENTIABLE

    def infer(self, *inputs, token, Tout):
        if len(Tout) == 1:          # one output: a Tensor, and the kernel returns one array
            return TensorSpec(None, Tout[0])
        return [TensorSpec(None, dtype) for dtype in Tout]

    def bind(self, op, xp, ctx):
        token, types, name = op.attrs["token"], op.attrs["Tout"], op.name

        def run(*arrays):
            func = _FUNCTIONS.get(token)
            if func is None:
                raise InvalidArgumentError(
                    f"{op.type} '{name}': its Python function is gone (the graph that held it "
                    f"was deleted); build the op again.", node_name=name)
            values = _outputs(func(*arrays), types, name)
            return values[0] if len(values) == 1 else values
        return run


@register_op("PyFunc")
class PyFunc(_PyFunc):
    """`func` run on the input arrays, every time the op runs."""

    stateful = True


@register_op("PyFuncStateless")
class PyFuncStateless(_PyFunc):
    """`func` run on the input arrays; two calls with the same inputs may be merged."""


def _outputs(result, types, name):
    """`func`'s result as a list of arrays of the dtypes `types` (TF's conversion: the values
    are cast, as `np.asarray(value, dtype)` does)."""
    if not types:
        return []
    values = list(result) if isinstance(result, (list, tuple)) else [result]
    if len(values) != len(types):
        raise InvalidArgumentError(
            f"py_func '{name}': its function returned {len(values)} value(s) but Tout names "
            f"{len(types)} ({', '.join(t.name for t in types)}); return one value per dtype in "
            f"Tout.", node_name=name)
    return [np.asarray(v, dtype=t.as_numpy_dtype, order="C") for v, t in zip(values, types)]


def py_func(func, inp, Tout, stateful=True, name=None):
    """An op that calls `func` on the NumPy values of `inp` (TensorFlow 1.x's `tf.py_func`).

    Args:
        func: a Python function of as many arrays as `inp` has tensors, returning one value
            per dtype of `Tout` (a list of them when `Tout` is a list).
        inp: a list of tensors (or values converted to tensors).
        Tout: a dtype (one output, returned as a Tensor) or a list of dtypes (a list of
            Tensors; an empty list: no output, the Operation is returned to be run).
        stateful: False lets the compiler merge identical calls (the function must then be
            pure).
        name: the op's name.

    Returns:
        A Tensor, a list of Tensors, or the Operation (`Tout=[]`); None in eager mode when
        there is no output.
    """
    if not callable(func):
        raise TypeError(f"py_func: func must be callable, got {func!r}.")
    single = not isinstance(Tout, (list, tuple))
    types = (dtypes.as_dtype(Tout),) if single else tuple(dtypes.as_dtype(t) for t in Tout)
    token = f"pyfunc_{next(_TOKENS)}"
    _FUNCTIONS[token] = func
    eager = executing_eagerly()
    try:
        out = apply_op("PyFunc" if stateful else "PyFuncStateless", *list(inp), token=token,
                       Tout=types, name=name or "PyFunc")
    except BaseException:
        _FUNCTIONS.pop(token, None)
        raise
    if eager:                        # it has run: nothing will call it again
        _FUNCTIONS.pop(token, None)
    else:                            # kept as long as the graph holding the op
        op = out if isinstance(out, Operation) else (out[0] if isinstance(out, list)
                                                    else out).op
        weakref.finalize(op.graph, _FUNCTIONS.pop, token, None)
    if not single and len(types) == 1 and out is not None:
        return [out]                # a list of dtypes gives a list, even of one Tensor
    return out


def numpy_function(func, inp, Tout, stateful=True, name=None):
    """TensorFlow 2's name for `py_func`: `func` gets and returns NumPy arrays."""
    return py_func(func, inp, Tout, stateful=stateful, name=name or "PyFunc")
