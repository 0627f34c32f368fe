"""Array ops that make a tensor or pass one on whole: constants, placeholders, identity,
stop_gradient, no_op and group, shape, fill, zeros and ones (and their `_like` forms).
`array_ops` re-exports them all.

Each op is one `OpDef` (infer + kernel + gradient) followed by its public function.
"""
from __future__ import annotations

import numpy as np

from ..framework import dtypes
from ..framework.errors import InvalidArgumentError, ShapeError
from ..framework.shapes import TensorShape
from ..framework.tensor import Tensor, TensorSpec
from .registry import (NOT_DIFFERENTIABLE, OpDef, apply_op, constant_op, convert_to_tensor,
                       executing_eagerly, register_op)

__all__ = ["constant", "placeholder", "placeholder_with_default", "identity", "stop_gradient",
           "no_op", "group", "zeros", "ones", "zeros_like", "ones_like", "fill", "shape"]


# -- values --------------------------------------------------------------------------------

@register_op("Const")
class Const(OpDef):
    """A constant value stored in the graph (read-only array in attr `value`)."""

    attrs = {"value": None, "dtype": None}
    gradient = NOT_DIFFERENTIABLE

    def infer(self, *, value, dtype):
        return TensorSpec(value.shape, dtype)

    def kernel(self, xp, *, value, dtype):
        return value

    def bind(self, op, xp, ctx):
        value = xp.asarray(op.attrs["value"])
        return lambda: value


def constant(value, dtype=None, shape=None, name="Const", verify_shape=False):
    """A constant tensor from a Python or NumPy value.

    Args:
        value: a number, nested list or NumPy array.
        dtype: the element type (default: float32 for floats, int32 for ints, as TensorFlow).
        shape: optional shape; a scalar value is broadcast to it.
    Example:
        >>> c = tenseur.constant([[1., 2.], [3., 4.]], name="c")
    """
    return constant_op(value, dtype=dtype, shape=shape, name=name)


@register_op("Placeholder")
class Placeholder(OpDef):
    """A value fed at run time through `feed_dict`."""

    attrs = {"dtype": None, "shape": None}
    gradient = NOT_DIFFERENTIABLE

    def infer(self, *, dtype, shape):
        return TensorSpec(shape, dtype)

    def bind(self, op, xp, ctx):
        dtype, shape = op.attrs["dtype"], op.attrs["shape"]
        shown = "<unknown>" if shape.dims is None else "[" + ",".join(
            "?" if d is None else str(d) for d in shape.dims) + "]"
        message = (f"You must feed a value for placeholder tensor '{op.name}' with dtype "
                   f"{dtype.name} and shape {shown}")

        def unfed():
            raise InvalidArgumentError(message, node_name=op.name,
                                       hint=f"pass feed_dict={{{op.name}: value}} to sess.run")
        return unfed


def placeholder(dtype, shape=None, name="Placeholder"):
    """A graph input fed at run time (`sess.run(y, feed_dict={x: value})`).

    Args:
        dtype: element type. shape: list with None for unknown dimensions, or None for any.
    Example:
        >>> x = tenseur.placeholder(tenseur.float32, shape=[None, 784], name="x")
    """
    return apply_op("Placeholder", dtype=dtypes.as_dtype(dtype), shape=TensorShape(shape),
                    name=name)


@register_op("PlaceholderWithDefault")
class PlaceholderWithDefault(OpDef):
    """`input` unless fed (e.g. a dropout keep probability that defaults to 1.0)."""

    inputs = ("input",)
    attrs = {"shape": None}

    def infer(self, x, *, shape):
        if not x.shape.is_compatible_with(shape):
            raise ShapeError(f"default value of shape {x.shape} does not match shape {shape}.")
        return TensorSpec(shape, x.dtype)

    def kernel(self, xp, x, *, shape):
        return x

    def gradient(self, op, grad):
        return (grad,)


def placeholder_with_default(input, shape, name="PlaceholderWithDefault"):
    return apply_op("PlaceholderWithDefault", input, shape=TensorShape(shape), name=name)


@register_op("Identity")
class Identity(OpDef):
    """Its input, unchanged (a named handle on a value)."""

    inputs = ("input",)

    def infer(self, x):
        return TensorSpec(x.shape, x.dtype)

    def kernel(self, xp, x):
        return x

    def gradient(self, op, grad):
        return (grad,)


def identity(input, name="Identity"):
    return apply_op("Identity", input, name=name)


@register_op("StopGradient")
class StopGradient(OpDef):
    """Its input in the forward pass; no gradient flows back through it."""

    inputs = ("input",)
    gradient = NOT_DIFFERENTIABLE

    def infer(self, x):
        return TensorSpec(x.shape, x.dtype)

    def kernel(self, xp, x):
        return x


def stop_gradient(input, name="StopGradient"):
    return apply_op("StopGradient", input, name=name)


@register_op("NoOp")
class NoOp(OpDef):
    """Does nothing; with control inputs it groups them (`tenseur.group`)."""

    gradient = NOT_DIFFERENTIABLE

    def infer(self):
        return ()

    def kernel(self, xp):
        return None


def no_op(name="NoOp"):
    return apply_op("NoOp", name=name)


def group(*inputs, name="group_deps"):
    """An op that runs after all of `inputs` (ops or tensors) have run; None when executing
    eagerly, where they have all run already (as TF 2's tf.group)."""
    if executing_eagerly():
        return None
    from ..framework.graph import get_default_graph
    flat = []
    for item in inputs:
        flat.extend(item if isinstance(item, (list, tuple)) else [item])
    graph = get_default_graph()
    with graph.control_dependencies([i for i in flat if i is not None]):
        return no_op(name=name)


# -- shapes and fills ----------------------------------------------------------------------

@register_op("Shape")
class Shape(OpDef):
    """The dynamic shape of a tensor, as an int32 vector."""

    inputs = ("input",)
    attrs = {"out_type": dtypes.int32}
    gradient = NOT_DIFFERENTIABLE

    def infer(self, x, *, out_type):
        return TensorSpec([x.shape.ndims], out_type)

    def kernel(self, xp, x, *, out_type):
        return np.asarray(x.shape, dtype=out_type.as_numpy_dtype)


def shape(input, name="Shape", out_type=dtypes.int32):
    return apply_op("Shape", input, out_type=dtypes.as_dtype(out_type), name=name)


@register_op("Fill")
class Fill(OpDef):
    """A tensor of shape `dims` filled with the scalar `value`. Gradient: the sum of grad."""

    inputs = ("dims", "value")

    def infer(self, dims, value):
        if value.shape.ndims not in (None, 0):
            raise ShapeError(f"value must be a scalar, got shape {value.shape}.")
        length = dims.shape[0] if dims.shape.ndims == 1 else None
        return TensorSpec(None if length is None else [None] * length, value.dtype)

    def kernel(self, xp, dims, value):
        return xp.full(tuple(int(d) for d in dims), value, dtype=value.dtype)

    def gradient(self, op, grad):
        return (None, apply_op("Sum", grad, axis=None, keepdims=False))


def fill(dims, value, name="Fill"):
    """A tensor of shape `dims` filled with `value`."""
    dims_t = convert_to_tensor(dims, dtype=dtypes.int32)
    out = apply_op("Fill", dims_t, value, name=name)
    static = _static_value(dims_t)
    if static is not None:
        out.set_shape([int(d) for d in static])
    return out


def _static_value(t):
    """The value of `t` if it is a constant known while building, else None."""
    if isinstance(t, Tensor) and t.op.type == "Const":
        return t.op.attrs["value"]
    return None


def zeros(shape, dtype=dtypes.float32, name="zeros"):
    """A constant tensor of zeros (shape a list of ints or an int32 tensor)."""
    dtype = dtypes.as_dtype(dtype)
    if isinstance(shape, Tensor):
        return fill(shape, constant(0, dtype=dtype), name=name)
    return constant_op(np.zeros(tuple(shape) if not isinstance(shape, int) else (shape,),
                                dtype.as_numpy_dtype), dtype=dtype, name=name)


def ones(shape, dtype=dtypes.float32, name="ones"):
    """A constant tensor of ones."""
    dtype = dtypes.as_dtype(dtype)
    if isinstance(shape, Tensor):
        return fill(shape, constant(1, dtype=dtype), name=name)
    return constant_op(np.ones(tuple(shape) if not isinstance(shape, int) else (shape,),
                               dtype.as_numpy_dtype), dtype=dtype, name=name)


@register_op("ZerosLike")
class ZerosLike(OpDef):
    """Zeros with the shape and dtype of its input."""

    inputs = ("x",)
    gradient = NOT_DIFFERENTIABLE

    def infer(self, x):
        return TensorSpec(x.shape, x.dtype)

    def kernel(self, xp, x):
        return xp.zeros_like(x)


@register_op("OnesLike")
class OnesLike(OpDef):
    """Ones with the shape and dtype of its input."""

    inputs = ("x",)
    gradient = NOT_DIFFERENTIABLE

    def infer(self, x):
        return TensorSpec(x.shape, x.dtype)

    def kernel(self, xp, x):
        return xp.ones_like(x)


def zeros_like(tensor, dtype=None, name="zeros_like"):
    out = apply_op("ZerosLike", tensor, name=name)
    return out if dtype is None else _cast(out, dtype)


def ones_like(tensor, dtype=None, name="ones_like"):
    out = apply_op("OnesLike", tensor, name=name)
    return out if dtype is None else _cast(out, dtype)


def _cast(x, dtype):
    dtype = dtypes.as_dtype(dtype)
    return x if x.dtype == dtype else apply_op("Cast", x, DstT=dtype, name="Cast")
