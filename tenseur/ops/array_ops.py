"""Array ops: the broadcasting helpers autodiff uses, and the ops that rearrange a tensor as a
whole: reshape, transpose, concat, stack, gather.

Each op is one `OpDef` (infer + kernel + gradient) followed by its public function. Constants,
placeholders, identity, shapes and fills are in `array_ops_values` (re-exported here); slicing,
`t[...]`, padding and the other element-picking ops are in `array_ops_indexing`.
"""
from __future__ import annotations

import numpy as np

from ..framework import dtypes
from ..framework.errors import DTypeError, ShapeError
from ..framework.shapes import TensorShape
from ..framework.tensor import Tensor, TensorSpec
from .array_ops_values import (Const, Fill, Identity, NoOp, OnesLike,  # noqa: F401  (re-exported)
                               Placeholder, PlaceholderWithDefault, Shape, StopGradient, ZerosLike,
                               _cast, _static_value, constant, fill, group, identity, no_op, ones,
                               ones_like, placeholder, placeholder_with_default, shape,
                               stop_gradient, zeros, zeros_like)
from .registry import OpDef, apply_op, convert_to_tensor, register_op

__all__ = ["constant", "placeholder", "placeholder_with_default", "identity", "stop_gradient",
           "no_op", "group", "zeros", "ones", "zeros_like", "ones_like", "fill", "shape",
           "broadcast_to", "convert_to_tensor", "reshape", "transpose", "concat", "stack",
           "unstack", "gather"]


def broadcast_shapes(op_name: str, *shapes: TensorShape) -> TensorShape:
    """NumPy broadcasting of static shapes (None = unknown); ShapeError when they cannot agree."""
    if any(s.dims is None for s in shapes):
        return TensorShape(None)
    rank = max(len(s.dims) for s in shapes)
    out = []
    for axis in range(rank):
        dims = [s.dims[axis - rank + len(s.dims)] for s in shapes if axis - rank + len(s.dims) >= 0]
        known = {d for d in dims if d is not None and d != 1}
        if len(known) > 1:
            raise ShapeError(f"shapes {', '.join(str(s) for s in shapes)} cannot be broadcast "
                             f"together (dimension {axis - rank} is {sorted(known)}).")
        if known:
            out.append(known.pop())
        elif any(d is None for d in dims):
            out.append(None)
        else:
            out.append(1)
    return TensorShape(out)


# -- broadcasting helpers used by autodiff -------------------------------------------------

@register_op("SumToLike")
class SumToLike(OpDef):
    """`x` summed over the axes along which `like` was broadcast, giving `like`'s shape.

    This is how autodiff turns the gradient of a broadcast result back into the gradient of
    the smaller input, in one place for every broadcasting op.
    """

    inputs = ("x", "like")

    def infer(self, x, like):
        return TensorSpec(like.shape, x.dtype)

    def kernel(self, xp, x, like):
        return sum_to_shape(xp, x, like.shape)

    def gradient(self, op, grad):
        return (apply_op("BroadcastLike", grad, op.inputs[0]), None)


def sum_to_shape(xp, x, shape):
    """Sums array `x` down to `shape` (the inverse of NumPy broadcasting)."""
    if x.shape == shape:
        return x
    lead = x.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(i + lead for i, d in enumerate(shape)
                                      if d == 1 and x.shape[i + lead] != 1)
    out = x.sum(axis=axes, keepdims=True) if axes else x
    return out.reshape(shape) if lead or out.shape != shape else out


@register_op("BroadcastLike")
class BroadcastLike(OpDef):
    """`x` broadcast to the shape of `like` (the gradient of SumToLike)."""

    inputs = ("x", "like")

    def infer(self, x, like):
        return TensorSpec(like.shape, x.dtype)

    def kernel(self, xp, x, like):
        return x if x.shape == like.shape else xp.broadcast_to(x, like.shape)

    def gradient(self, op, grad):
        return (apply_op("SumToLike", grad, op.inputs[0]), None)


@register_op("BroadcastTo")
class BroadcastTo(OpDef):
    """`input` broadcast to `shape` (an int32 vector)."""

    inputs = ("input", "shape")
    broadcasting = True

    def infer(self, x, shape):
        return TensorSpec(None if shape.shape.ndims != 1 or shape.shape[0] is None
                          else [None] * shape.shape[0], x.dtype)

    def kernel(self, xp, x, shape):
        return xp.broadcast_to(x, tuple(int(d) for d in shape))

    def gradient(self, op, grad):
        return (grad, None)


def broadcast_to(input, shape, name="BroadcastTo"):
    shape_t = convert_to_tensor(shape, dtype=dtypes.int32)
    out = apply_op("BroadcastTo", input, shape_t, name=name)
    static = _static_value(shape_t)
    if static is not None:
        out.set_shape([int(d) for d in static])
    return out


@register_op("Pack")
class Pack(OpDef):
    """Stacks N tensors of one shape along a new `axis` (`tenseur.stack`)."""

    inputs = ("*values",)
    attrs = {"axis": 0}

    def infer(self, *values, axis):
        if not values:
            raise ShapeError("stack needs at least one tensor.")
        shape = values[0].shape
        for v in values[1:]:
            if v.dtype != values[0].dtype:
                raise TypeError(f"all values must have one dtype, got {values[0].dtype.name} "
                                f"and {v.dtype.name}.")
            if not shape.is_compatible_with(v.shape):
                raise ShapeError(f"all values must have one shape, got {shape} and {v.shape}.")
            shape = shape.merge_with(v.shape)
        if shape.dims is None:
            return TensorSpec(None, values[0].dtype)
        rank = len(shape.dims) + 1
        if not -rank <= axis < rank:
            raise ShapeError(f"axis={axis} is out of range for stacking rank-{rank - 1} tensors.")
        dims = list(shape.dims)
        dims.insert(axis % rank, len(values))
        return TensorSpec(dims, values[0].dtype)

    def kernel(self, xp, *values, axis):
        return xp.stack(values, axis=axis)

    def gradient(self, op, grad):
        return tuple(apply_op("Unpack", grad, num=len(op.inputs), axis=op.attrs["axis"]))


@register_op("Unpack")
class Unpack(OpDef):
    """Splits a tensor into `num` tensors along `axis` (`tenseur.unstack`)."""

    inputs = ("value",)
    attrs = {"num": None, "axis": 0}

    def infer(self, x, *, num, axis):
        if x.shape.dims is None:
            return [TensorSpec(None, x.dtype)] * num
        dims = list(x.shape.dims)
        rank = len(dims)
        if not -rank <= axis < rank:
            raise ShapeError(f"axis={axis} is out of range for a rank-{rank} tensor.")
        if dims[axis] is not None and dims[axis] != num:
            raise ShapeError(f"cannot unstack dimension {dims[axis]} into num={num} tensors.")
        del dims[axis]
        return [TensorSpec(dims, x.dtype) for _ in range(num)]

    def kernel(self, xp, x, *, num, axis):
        return [xp.take(x, i, axis=axis) for i in range(num)]

    def gradient(self, op, *grads):
        grads = [g if g is not None else zeros_like(out) for g, out in zip(grads, op.outputs)]
        return (apply_op("Pack", *grads, axis=op.attrs["axis"]),)


# -- build-time values of int arguments ----------------------------------------------------

def _static_ints(value, what: str, fn_name: str) -> tuple:
    """A tuple of Python ints from a list, NumPy array or constant tensor (`axis`, `perm`...).

    These arguments are attributes of their ops, so they must be known when the graph is built.
    """
    if hasattr(value, "_as_tensor"):
        value = value._as_tensor()
    if isinstance(value, Tensor):
        static = _static_value(value)
        if static is None:
            raise TypeError(f"{fn_name}: {what} must be known when the graph is built (a Python "
                            f"list or a constant), got the computed tensor {value.name}.")
        value = static
    array = np.asarray(value)
    if array.dtype.kind not in "iu" and array.size:   # [] is float64 to NumPy: no ints, fine
        raise TypeError(f"{fn_name}: {what} must be integers, got {what}={value!r}.")
    return tuple(int(v) for v in array.reshape(-1))


def _static_int(value, what: str, fn_name: str) -> int:
    ints = _static_ints(value, what, fn_name)
    if len(ints) != 1:
        raise TypeError(f"{fn_name}: {what} must be a single integer, got {what}={value!r}.")
    return ints[0]


def _int_vector(value) -> Tensor:
    """`value` as an integer tensor: a tensor as it is (int32 or int64), a list as int32."""
    if isinstance(value, Tensor) or hasattr(value, "_as_tensor"):
        return convert_to_tensor(value)
    return convert_to_tensor(value, dtype=dtypes.int32)


def _convert_all(values) -> list:
    """Converts a list of tensors and Python values; the values take the tensors' dtype."""
    first = next((v for v in values if isinstance(v, Tensor) or hasattr(v, "_as_tensor")), None)
    dtype = convert_to_tensor(first).dtype if first is not None else None
    return [convert_to_tensor(v, preferred_dtype=dtype) for v in values]


def _shape_value(t: Tensor):
    """What is known while building of the value of the int vector `t`, as TF's
    `constant_value_as_shape`: a list of int (known) or None (unknown) entries, or None when
    even its length is unknown. Understands constants, `shape(x)`, and stacks, concats,
    slices and gathers of those, so `reshape(x, [tf.shape(x)[0], -1])` keeps its static shape.
    """
    op = t.op
    if op.type == "Const" and op.attrs["value"].ndim == 1:
        return [int(v) for v in op.attrs["value"]]
    if op.type == "Shape":
        return op.inputs[0].shape.dims
    if op.type == "Pack" and op.attrs["axis"] == 0:
        return [_scalar_value(x) for x in op.inputs]
    if op.type == "ConcatV2" and op.attrs["axis"] in (0, -1):
        parts = [_shape_value(x) for x in op.inputs]
        if all(p is not None for p in parts):
            return [d for p in parts for d in p]
    if op.type in ("StridedSlice", "GatherV2"):
        picked = _picked_entries(t)
        if isinstance(picked, list):
            return picked
    return [None] * t.shape[0] if t.shape.ndims == 1 and t.shape[0] is not None else None


def _scalar_value(t: Tensor):
    """The build-time value of an int scalar tensor, or None (see `_shape_value`)."""
    if t.op.type == "Const" and t.op.attrs["value"].ndim == 0:
        return int(t.op.attrs["value"])
    if t.op.type in ("StridedSlice", "GatherV2"):
        picked = _picked_entries(t)
        return picked if not isinstance(picked, list) else None
    return None


def _picked_entries(t: Tensor):
    """The known entries that a StridedSlice or GatherV2 picks from a known int vector: a
    list, a single entry (int or None), or None when nothing is known."""
    op = t.op
    base = _shape_value(op.inputs[0])
    if not base:
        return None
    entries = np.empty(len(base), dtype=object)
    entries[:] = base
    if op.type == "StridedSlice":
        index = _strided_index(**op.attrs)
    else:
        index = _static_value(op.inputs[1])
        if index is None or op.attrs["axis"] != 0 or ((index < 0) | (index >= len(base))).any():
            return None
    try:
        picked = entries[index]
    except IndexError:          # the op's own inference reports it
        return None
    if isinstance(picked, np.ndarray):
        return picked.tolist() if picked.ndim == 1 else None
    return picked


_MASKS = ("begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask", "shrink_axis_mask")


def _strided_index(begin, end, strides, begin_mask, end_mask, ellipsis_mask, new_axis_mask,
                   shrink_axis_mask) -> tuple:
    """The Python index (ints, slices, None, Ellipsis) that a StridedSlice's attributes encode.

    Bit i of a mask concerns entry i: ellipsis `...`, new axis `None`, shrink (index
    `begin[i]`, dropping the dimension), or for a slice, begin/end left open.
    """
    index = []
    for i, (b, e, s) in enumerate(zip(begin, end, strides)):
        bit = 1 << i
        if ellipsis_mask & bit:
            index.append(Ellipsis)
        elif new_axis_mask & bit:
            index.append(None)
        elif shrink_axis_mask & bit:
            index.append(b)
        else:
            index.append(slice(None if begin_mask & bit else b, None if end_mask & bit else e, s))
    return tuple(index)


# -- reshaping and transposing -------------------------------------------------------------

@register_op("Reshape")
class Reshape(OpDef):
    """`tensor`'s elements, in order, with the shape given by the int vector `shape`.

    One entry of `shape` may be -1: that dimension is whatever makes the element counts agree.
    `static_shape` is what is known of `shape` while building (entries int, -1, or None when
    not known yet), filled in by `reshape`; the kernel reads the `shape` input.
    Gradient: grad reshaped to the input's (dynamic) shape.
    """

    inputs = ("tensor", "shape")
    attrs = {"static_shape": None}

    def infer(self, x, shape, *, static_shape):
        if not shape.dtype.is_integer:
            raise DTypeError(f"shape must be int32 or int64, got {shape.dtype.name}.")
        if shape.shape.ndims not in (None, 1):
            raise ShapeError(f"shape must be a vector, got a tensor of shape {shape.shape}.")
        if static_shape is None:
            length = shape.shape[0] if shape.shape.ndims == 1 else None
            return TensorSpec(None if length is None else [None] * length, x.dtype)
        dims = list(static_shape)
        if dims.count(-1) > 1 or any(d is not None and d < -1 for d in dims):
            raise ShapeError(f"shape={_shown(dims)} may hold one -1 (the inferred dimension) "
                             f"and otherwise sizes >= 0.")
        total = x.shape.num_elements()
        known = int(np.prod([d for d in dims if d is not None and d != -1]))
        if -1 in dims:
            inferred = None
            if total is not None and None not in dims:
                if known == 0 or total % known:
                    raise ShapeError(f"cannot reshape a tensor of {total} elements into shape "
                                     f"{_shown(dims)}: {total} is not a multiple of {known}.")
                inferred = total // known
            dims[dims.index(-1)] = inferred
        elif total is not None and None not in dims and known != total:
            raise ShapeError(f"cannot reshape a tensor of {total} elements into shape "
                             f"{_shown(dims)}, which has {known} elements.")
        return TensorSpec(dims, x.dtype)

    def kernel(self, xp, x, shape, *, static_shape):
        new_shape = tuple(int(d) for d in shape)
        try:
            return xp.reshape(x, new_shape)
        except ValueError:
            raise ValueError(f"Input to reshape is a tensor with {x.size} values, but the "
                             f"requested shape is {new_shape}.") from None

    def gradient(self, op, grad):
        return (reshape(grad, shape(op.inputs[0])), None)


def _shown(dims) -> str:
    """Dims as a Python tuple, the form shapes take in messages."""
    return str(tuple(dims))


def reshape(tensor, shape, name="Reshape"):
    """`tensor` with a new shape (one dimension may be -1, inferred from the element count).

    Args:
        tensor: any tensor. shape: a list of ints, or an int32/int64 vector tensor.
    Raises:
        ShapeError: the element counts cannot agree (when the graph is built, if known then).
    Example:
        >>> flat = tenseur.reshape(images, [-1, 784])      # (None, 28, 28) -> (None, 784)
    """
    shape_t = _int_vector(shape)
    static = _shape_value(shape_t)
    return apply_op("Reshape", tensor, shape_t, static_shape=None if static is None
                    else tuple(static), name=name)


@register_op("Transpose")
class Transpose(OpDef):
    """Permutes the dimensions: output dimension i is input dimension perm[i] (reversed when
    perm is None). Gradient: grad transposed by the inverse permutation."""

    inputs = ("x",)
    attrs = {"perm": None}

    def infer(self, x, *, perm):
        dims = x.shape.dims
        if dims is None:
            return TensorSpec(None if perm is None else [None] * len(perm), x.dtype)
        if perm is None:
            return TensorSpec(dims[::-1], x.dtype)
        if sorted(perm) != list(range(len(dims))):
            raise ShapeError(f"perm={list(perm)} is not a permutation of the axes "
                             f"{list(range(len(dims)))} of a rank-{len(dims)} tensor.")
        return TensorSpec([dims[p] for p in perm], x.dtype)

    def kernel(self, xp, x, *, perm):
        return xp.transpose(x, perm)

    def gradient(self, op, grad):
        perm = op.attrs["perm"]
        return (transpose(grad, None if perm is None else tuple(int(p) for p in np.argsort(perm))),)


def transpose(a, perm=None, name="transpose", conjugate=False):
    """Permutes the dimensions of `a` (default: reverses them, a matrix transpose for rank 2).

    Example:
        >>> tenseur.transpose(x, [0, 2, 1])     # (batch, n, m) -> (batch, m, n)
    """
    perm = None if perm is None else _static_ints(perm, "perm", "transpose")
    return apply_op("Transpose", a, perm=perm, name=name)


# -- joining and gathering -----------------------------------------------------------------

@register_op("ConcatV2")
class ConcatV2(OpDef):
    """Joins tensors of one rank along the existing dimension `axis`.

    Gradient: the pieces of grad shaped like each input, cut at the inputs' dynamic sizes.
    """

    inputs = ("*values",)
    attrs = {"axis": 0}

    def infer(self, *values, axis):
        if not values:
            raise ShapeError("concat needs at least one tensor.")
        dtype = values[0].dtype
        for v in values[1:]:
            if v.dtype != dtype:
                raise TypeError(f"all values must have one dtype, got {dtype.name} and "
                                f"{v.dtype.name}.")
        shapes = [v.shape.dims for v in values if v.shape.dims is not None]
        if not shapes:
            return TensorSpec(None, dtype)
        shown = ", ".join(str(v.shape) for v in values)
        rank = len(shapes[0])
        if any(len(s) != rank for s in shapes):
            raise ShapeError(f"all values must have the same rank, got shapes {shown}.")
        if rank == 0:
            raise ShapeError("cannot concatenate scalars.", hint="use tenseur.stack(values)")
        if not -rank <= axis < rank:
            raise ShapeError(f"axis={axis} is out of range for rank-{rank} values "
                             f"(valid: {-rank} to {rank - 1}).")
        out = []
        for i in range(rank):
            column = [s[i] for s in shapes]
            if i == axis % rank:
                complete = len(shapes) == len(values) and None not in column
                out.append(sum(column) if complete else None)
                continue
            known = {d for d in column if d is not None}
            if len(known) > 1:
                raise ShapeError(f"dimension {i} must agree in all values (only the "
                                 f"concatenation axis {axis} may differ), got shapes {shown}.")
            out.append(known.pop() if known else None)
        return TensorSpec(out, dtype)

    def kernel(self, xp, *values, axis):
        return xp.concatenate(values, axis=axis)

    def gradient(self, op, grad):
        return tuple(apply_op("ConcatGrad", grad, *op.inputs, axis=op.attrs["axis"]))


@register_op("ConcatGrad")
class ConcatGrad(OpDef):
    """`grad` cut along `axis` into pieces shaped like each of the `like` tensors (ConcatV2's
    gradient; the sizes are read at run time, so unknown dimensions work). Gradient: concat."""

    inputs = ("grad",)
    attrs = {"axis": 0}

    def infer(self, grad, *like, axis):
        return [TensorSpec(t.shape, grad.dtype) for t in like]

    def kernel(self, xp, grad, *like, axis):
        cuts = np.cumsum([t.shape[axis] for t in like[:-1]], dtype=np.int64)
        return xp.split(grad, cuts.tolist(), axis=axis)

    def gradient(self, op, *grads):
        return (concat(list(grads), op.attrs["axis"]),) + (None,) * (len(op.inputs) - 1)


def concat(values, axis, name="concat"):
    """Joins a list of tensors along dimension `axis` (all other dimensions must agree).

    Raises:
        ShapeError: ranks differ, or a dimension other than `axis` differs.
    Example:
        >>> tenseur.concat([a, b], axis=1)     # (2, 3) and (2, 5) -> (2, 8)
    """
    if isinstance(axis, (list, tuple)) and isinstance(values, (int, np.integer)):
        # The signature before TensorFlow 1.0, tf.concat(concat_dim, values), still met in
        # old course material: unambiguous, so accepted.
        values, axis = axis, values
    values = _convert_all(list(values) if isinstance(values, (list, tuple)) else [values])
    axis = _static_int(axis, "axis", "concat")
    if len(values) == 1:
        return identity(values[0], name=name)
    return apply_op("ConcatV2", *values, axis=axis, name=name)


def stack(values, axis=0, name="stack"):
    """Stacks tensors of one shape along a new dimension `axis` (`Pack`).

    Example:
        >>> tenseur.stack([x, y, z], axis=1)   # three (2,) tensors -> (2, 3)
    """
    return apply_op("Pack", *_convert_all(list(values)), axis=_static_int(axis, "axis", "stack"),
                    name=name)


def unstack(value, num=None, axis=0, name="unstack"):
    """The list of tensors obtained by slicing `value` along `axis` (`Unpack`).

    Raises:
        ValueError: `num` is None and the dimension `axis` is not known while building.
    """
    value = convert_to_tensor(value)
    axis = _static_int(axis, "axis", "unstack")
    if num is None:
        dims = value.shape.dims
        if dims is None or not -len(dims) <= axis < len(dims) or dims[axis] is None:
            raise ValueError(f"unstack: cannot infer num from shape {value.shape} along "
                             f"axis={axis}; pass num=.")
        num = dims[axis]
    if num == 0:
        return []
    return apply_op("Unpack", value, num=int(num), axis=axis, name=name)


@register_op("GatherV2")
class GatherV2(OpDef):
    """Slices of `params` along `axis` picked by integer `indices`:
    out[a..., i..., b...] = params[a..., indices[i...], b...].

    Gradient: grad scattered (added) into zeros shaped like params (GatherGrad).
    Out-of-range indices are an error at run time, as TensorFlow on CPU.
    """

    inputs = ("params", "indices")
    attrs = {"axis": 0}

    def infer(self, params, indices, *, axis):
        if not indices.dtype.is_integer:
            raise DTypeError(f"indices must be int32 or int64, got {indices.dtype.name}.",
                             hint="cast them: tenseur.cast(indices, tenseur.int32)")
        if params.shape.dims is None or indices.shape.dims is None:
            return TensorSpec(None, params.dtype)
        dims = params.shape.dims
        if not -len(dims) <= axis < len(dims):
            raise ShapeError(f"axis={axis} is out of range for params of rank {len(dims)}.")
        axis %= len(dims)
        return TensorSpec(dims[:axis] + indices.shape.dims + dims[axis + 1:], params.dtype)

    def kernel(self, xp, params, indices, *, axis):
        size = params.shape[axis]
        bad = (indices < 0) | (indices >= size)
        if bad.any():
            where = tuple(int(i) for i in xp.argwhere(bad)[0])
            raise IndexError(f"indices{list(where)} = {int(indices[where])} is not in "
                             f"[0, {size}).")
        return xp.take(params, indices, axis=axis)

    def gradient(self, op, grad):
        params, indices = op.inputs
        return (apply_op("GatherGrad", grad, indices, params, axis=op.attrs["axis"]), None)


@register_op("GatherGrad")
class GatherGrad(OpDef):
    """Zeros shaped like `params` with each slice of `grad` added at its index along `axis`
    (GatherV2's gradient; repeated indices accumulate). Gradient: gather of grad."""

    inputs = ("grad", "indices", "params")
    attrs = {"axis": 0}

    def infer(self, grad, indices, params, *, axis):
        return TensorSpec(params.shape, grad.dtype)

    def kernel(self, xp, grad, indices, params, *, axis):
        axis %= params.ndim
        out = xp.zeros(params.shape, dtype=grad.dtype)
        # grad is params.shape[:axis] + indices.shape + params.shape[axis + 1:]: flatten the
        # index dimensions, then put them and `out`'s axis first to scatter-add row by row.
        rows = grad.reshape(params.shape[:axis] + (indices.size,) + params.shape[axis + 1:])
        xp.add.at(xp.moveaxis(out, axis, 0), indices.reshape(-1), xp.moveaxis(rows, axis, 0))
        return out

    def gradient(self, op, grad):
        return (gather(grad, op.inputs[1], axis=op.attrs["axis"]), None, None)


def gather(params, indices, validate_indices=None, name="GatherV2", axis=0):
    """Picks slices of `params` along `axis` at `indices` (an int tensor of any shape).

    The result has shape params.shape[:axis] + indices.shape + params.shape[axis + 1:].
    Example:
        >>> tenseur.gather(embeddings, word_ids)   # (vocab, dim), (batch, n) -> (batch, n, dim)
    """
    params = convert_to_tensor(params)
    indices = _int_vector(indices)
    return apply_op("GatherV2", params, indices, axis=_static_int(axis, "axis", "gather"),
                    name=name)
