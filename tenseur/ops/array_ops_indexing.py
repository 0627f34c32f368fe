"""Array ops that pick, cut and rearrange elements: `t[...]` (StridedSlice), slice, split,
pad, reverse, tile, one_hot, where and boolean_mask; with expand_dims, squeeze and the small
shape queries (rank, size, shape_n) and identity_n.

Each op is one `OpDef` (infer + kernel + gradient) followed by its public function; the
reshaping, joining and gathering ops they build on are in `array_ops`.
"""
from __future__ import annotations

import numpy as np

from ..framework import dtypes
from ..framework.errors import DTypeError, ShapeError
from ..framework.graph import name_scope
from ..framework.tensor import Tensor, TensorSpec
from .array_ops import (_MASKS, _cast, _int_vector, _shape_value, _static_int, _static_ints,
                        _static_value, _strided_index, concat, gather, reshape, shape, stack)
from .registry import NOT_DIFFERENTIABLE, OpDef, apply_op, convert_to_tensor, register_op

__all__ = ["strided_slice", "slice", "expand_dims", "squeeze", "split", "tile", "pad", "reverse",
           "reverse_v2", "one_hot", "where", "boolean_mask", "rank", "size", "shape_n",
           "identity_n", "newaxis"]

newaxis = None
_PySlice = slice   # the builtin, which the public `slice` op function below shadows


# -- strided slices: `t[...]` --------------------------------------------------------------

def _indexed_dims(dims: list, index: tuple) -> list:
    """The static dims of x[index] (basic indexing) from x's dims, None for unknown ones."""
    consumed = sum(1 for item in index if item is not None and item is not Ellipsis)
    if consumed > len(dims):
        raise ShapeError(f"too many indices for a rank-{len(dims)} tensor: {consumed} given.")
    if sum(1 for item in index if item is Ellipsis) > 1:
        raise ShapeError("an index can only have a single ellipsis ('...').")
    out, axis = [], 0
    for item in index:
        if item is Ellipsis:
            out.extend(dims[axis:axis + len(dims) - consumed])
            axis += len(dims) - consumed
        elif item is None:
            out.append(1)
        elif isinstance(item, _PySlice):
            d = dims[axis]
            out.append(None if d is None else len(range(*item.indices(d))))
            axis += 1
        else:
            d = dims[axis]
            if d is not None and not -d <= item < d:
                raise ShapeError(f"index {item} is out of range for dimension {axis} of size {d} "
                                 f"(valid: {-d} to {d - 1}).")
            axis += 1
    return out + dims[axis:]


@register_op("StridedSlice")
class StridedSlice(OpDef):
    """`input[index]` for a basic Python index (ints, slices with steps, `...`, `None`),
    encoded as TensorFlow does with begin/end/strides and bit masks (see `_strided_index`).

    Gradient: grad written into zeros shaped like the input at the same index.
    """

    inputs = ("input",)
    attrs = {"begin": (), "end": (), "strides": (), **{mask: 0 for mask in _MASKS}}

    def infer(self, x, **attrs):
        if not len(attrs["begin"]) == len(attrs["end"]) == len(attrs["strides"]):
            raise ShapeError(f"begin={list(attrs['begin'])}, end={list(attrs['end'])} and "
                             f"strides={list(attrs['strides'])} must have one length.")
        if 0 in attrs["strides"]:
            raise ShapeError(f"strides={list(attrs['strides'])}: a slice step cannot be zero.")
        index = _strided_index(**attrs)
        if x.shape.dims is None:
            return TensorSpec(None, x.dtype)
        return TensorSpec(_indexed_dims(x.shape.dims, index), x.dtype)

    def kernel(self, xp, x, **attrs):
        return xp.asarray(x[_strided_index(**attrs)])

    def gradient(self, op, grad):
        return (apply_op("StridedSliceGrad", grad, op.inputs[0], **op.attrs),)


@register_op("StridedSliceGrad")
class StridedSliceGrad(OpDef):
    """Zeros shaped like `like` with `dy` written at the StridedSlice index given by the
    attributes (the gradient of StridedSlice and Slice). Gradient: the strided slice of grad."""

    inputs = ("dy", "like")
    attrs = dict(StridedSlice.attrs)

    def infer(self, dy, like, **attrs):
        return TensorSpec(like.shape, dy.dtype)

    def kernel(self, xp, dy, like, **attrs):
        out = xp.zeros(like.shape, dtype=dy.dtype)
        out[_strided_index(**attrs)] = dy
        return out

    def gradient(self, op, grad):
        return (apply_op("StridedSlice", grad, **op.attrs), None)


def strided_slice(input_, begin, end, strides=None, begin_mask=0, end_mask=0, ellipsis_mask=0,
                  new_axis_mask=0, shrink_axis_mask=0, var=None, name="strided_slice"):
    """TensorFlow's strided slice; `t[1:, ::-1, tf.newaxis]` is the readable way to build it."""
    begin = _static_ints(begin, "begin", "strided_slice")
    end = _static_ints(end, "end", "strided_slice")
    strides = (1,) * len(begin) if strides is None else _static_ints(strides, "strides",
                                                                        "strided_slice")
    return apply_op("StridedSlice", input_, begin=begin, end=end, strides=strides,
                    begin_mask=int(begin_mask), end_mask=int(end_mask),
                    ellipsis_mask=int(ellipsis_mask), new_axis_mask=int(new_axis_mask),
                    shrink_axis_mask=int(shrink_axis_mask), name=name)


def _index_int(value, key) -> int:
    """An index or slice bound of `t[key]` as a Python int; TypeError for anything else."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        return int(value)
    if isinstance(value, Tensor) or hasattr(value, "_as_tensor"):
        raise TypeError(f"t[...] takes ints or scalar int tensors as indices and slice "
                        f"bounds, and Python ints as steps; got the tensor {value.name} in "
                        f"{key!r}.")
    raise TypeError(f"Only integers, slices (`:`), ellipsis (`...`) and tenseur.newaxis (`None`) "
                    f"are valid indices, got {value!r}; use tenseur.gather for a list of "
                    f"indices and tenseur.boolean_mask for a mask.")


def _getitem(tensor, key):
    """`t[key]` as a StridedSlice: ints (dimension dropped), slices with steps (negative
    too), `...` and `None` (a new size-1 dimension), as NumPy basic indexing.

    Example:
        >>> x[:, -1]          # the last column
        >>> x[..., ::-1]      # the last dimension reversed
    """
    if _is_tensor(key) and convert_to_tensor(key).dtype == dtypes.bool_:
        return boolean_mask(tensor, key)            # t[t > 0], as TensorFlow 2
    items = key if isinstance(key, tuple) else (key,)
    begin, end, strides = [], [], []
    masks = dict.fromkeys(_MASKS, 0)
    tensors = []             # (entry, "begin" | "end" | "index", tensor) computed by the graph
    for i, item in enumerate(items):
        bit = 1 << i
        b, e, s = 0, 0, 1
        if item is Ellipsis:
            masks["ellipsis_mask"] |= bit
        elif item is None:
            masks["new_axis_mask"] |= bit
        elif isinstance(item, _PySlice):
            s = 1 if item.step is None else _index_int(item.step, key)
            if s == 0:
                raise ValueError(f"slice step cannot be zero (in {key!r}).")
            if item.start is None:
                masks["begin_mask"] |= bit
            elif _is_tensor(item.start):
                tensors.append((i, "begin", item.start))
            else:
                b = _index_int(item.start, key)
            if item.stop is None:
                masks["end_mask"] |= bit
            elif _is_tensor(item.stop):
                tensors.append((i, "end", item.stop))
            else:
                e = _index_int(item.stop, key)
        else:
            if _is_tensor(item):
                tensors.append((i, "index", item))
            else:
                b = _index_int(item, key)
                e = b + 1
            masks["shrink_axis_mask"] |= bit
        begin.append(b)
        end.append(e)
        strides.append(s)
    if tensors:
        from .dynamic_slice_ops import dynamic_getitem
        return dynamic_getitem(tensor, key, begin, end, strides, masks, tensors)
    return strided_slice(tensor, begin, end, strides, **masks)


def _is_tensor(value) -> bool:
    return isinstance(value, Tensor) or hasattr(value, "_as_tensor")


# `t[...]` on graph Tensors; Variables copy it when tenseur is imported.
Tensor.__getitem__ = _getitem


# -- slices and splits ---------------------------------------------------------------------

@register_op("Slice")
class Slice(OpDef):
    """The block of `input` starting at `begin` with `size` elements per dimension (-1: all
    the rest). Gradient: grad written into zeros shaped like the input (StridedSliceGrad)."""

    inputs = ("input",)
    attrs = {"begin": (), "size": ()}

    def infer(self, x, *, begin, size):
        if len(begin) != len(size):
            raise ShapeError(f"begin={list(begin)} and size={list(size)} must have one length.")
        if x.shape.dims is None:
            return TensorSpec([None] * len(begin), x.dtype)
        if len(begin) != x.shape.ndims:
            raise ShapeError(f"begin={list(begin)} and size={list(size)} need one entry per "
                             f"dimension of the rank-{x.shape.ndims} input.")
        out = []
        for axis, (b, s, d) in enumerate(zip(begin, size, x.shape.dims)):
            if b < 0 or s < -1 or d is not None and (b > d or s != -1 and b + s > d):
                raise ShapeError(f"begin={b}, size={s} is out of range for dimension {axis} "
                                 f"of size {d} (needs 0 <= begin <= begin + size <= {d}; "
                                 f"size -1 takes the rest).")
            out.append(s if s != -1 else None if d is None else d - b)
        return TensorSpec(out, x.dtype)

    def kernel(self, xp, x, *, begin, size):
        if len(begin) != x.ndim:
            raise ValueError(f"begin={list(begin)} and size={list(size)} need one entry per "
                             f"dimension of the rank-{x.ndim} input.")
        for axis, (b, s, d) in enumerate(zip(begin, size, x.shape)):
            if b > d or s != -1 and b + s > d:      # checked here when d was unknown
                raise ValueError(f"begin={b}, size={s} is out of range for dimension {axis} "
                                 f"of size {d} (needs begin + size <= {d}).")
        return x[tuple(_PySlice(b, None if s == -1 else b + s) for b, s in zip(begin, size))]

    def gradient(self, op, grad):
        begin, size = op.attrs["begin"], op.attrs["size"]
        open_end = sum(1 << i for i, s in enumerate(size) if s == -1)
        return (apply_op("StridedSliceGrad", grad, op.inputs[0], begin=begin,
                         end=tuple(b + max(s, 0) for b, s in zip(begin, size)),
                         strides=(1,) * len(begin), end_mask=open_end),)


def slice(input_, begin, size, name="Slice"):
    """The block of `input_` at `begin` (ints) of `size` elements per dimension (-1: the rest).

    Raises:
        ShapeError: the block does not fit in a dimension known while building.
    Example:
        >>> tenseur.slice(x, [0, 1], [-1, 2])     # x[:, 1:3]
    """
    return apply_op("Slice", input_, begin=_static_ints(begin, "begin", "slice"),
                    size=_static_ints(size, "size", "slice"), name=name)


def _split_axis(x, axis):
    """`axis` made non-negative for a tensor of known rank; ShapeError when out of range."""
    rank = x.shape.ndims
    if not -rank <= axis < rank:
        raise ShapeError(f"axis={axis} is out of range for a rank-{rank} input.")
    return axis % rank


@register_op("Split")
class Split(OpDef):
    """`value` cut into `num_split` equal pieces along `axis`. Gradient: concat of the grads."""

    inputs = ("value",)
    attrs = {"axis": 0, "num_split": 1}

    def infer(self, x, *, axis, num_split):
        if num_split < 1:
            raise ShapeError(f"num_split={num_split} must be at least 1.")
        if x.shape.dims is None:
            return [TensorSpec(None, x.dtype)] * num_split
        dims = x.shape.dims
        axis = _split_axis(x, axis)
        if dims[axis] is not None:
            if dims[axis] % num_split:
                raise ShapeError(f"dimension {axis} of size {dims[axis]} cannot be split evenly "
                                 f"into num_split={num_split} pieces.",
                                 hint="pass a list of sizes to split it unevenly")
            dims[axis] //= num_split
        return [TensorSpec(dims, x.dtype)] * num_split

    def kernel(self, xp, x, *, axis, num_split):
        return xp.split(x, num_split, axis=axis)

    def gradient(self, op, *grads):
        return (concat(list(grads), op.attrs["axis"]),)


@register_op("SplitV")
class SplitV(OpDef):
    """`value` cut along `axis` into pieces of the given sizes (one may be -1: the rest).
    Gradient: concat of the grads."""

    inputs = ("value",)
    attrs = {"axis": 0, "size_splits": ()}

    def infer(self, x, *, axis, size_splits):
        sizes = list(size_splits)
        if not sizes or sizes.count(-1) > 1 or any(s < -1 for s in sizes):
            raise ShapeError(f"size_splits={sizes} must be sizes >= 0, with at most one -1.")
        if x.shape.dims is None:
            return [TensorSpec(None, x.dtype) for _ in sizes]
        dims = x.shape.dims
        axis = _split_axis(x, axis)
        total, known = dims[axis], sum(s for s in sizes if s != -1)
        if total is not None and (known > total or -1 not in sizes and known != total):
            raise ShapeError(f"size_splits={sizes} add up to {known}, but dimension {axis} has "
                             f"size {total}.")
        if -1 in sizes:
            sizes[sizes.index(-1)] = None if total is None else total - known
        return [TensorSpec(dims[:axis] + [s] + dims[axis + 1:], x.dtype) for s in sizes]

    def kernel(self, xp, x, *, axis, size_splits):
        sizes = list(size_splits)
        total, known = x.shape[axis], sum(s for s in sizes if s != -1)
        if known > total or -1 not in sizes and known != total:
            raise ValueError(f"size_splits={list(size_splits)} add up to {known}, but "
                             f"dimension {axis} has size {total}.")
        if -1 in sizes:
            sizes[sizes.index(-1)] = total - known
        return xp.split(x, np.cumsum(sizes[:-1], dtype=np.int64).tolist(), axis=axis)

    def gradient(self, op, *grads):
        return (concat(list(grads), op.attrs["axis"]),)


def split(value, num_or_size_splits, axis=0, num=None, name="split"):
    """Splits `value` along `axis` into a list of tensors: `num_or_size_splits` equal pieces
    (an int) or pieces of the listed sizes (one size may be -1).

    Raises:
        ShapeError: an int that does not divide the dimension, or sizes that do not add up.
    Example:
        >>> a, b = tenseur.split(x, 2, axis=1)           # (4, 6) -> two (4, 3)
        >>> a, b = tenseur.split(x, [1, -1], axis=1)     # (4, 6) -> (4, 1) and (4, 5)
    """
    axis = _static_int(axis, "axis", "split")
    if isinstance(num_or_size_splits, (int, np.integer)):
        return apply_op("Split", value, axis=axis, num_split=int(num_or_size_splits), name=name)
    sizes = _static_ints(num_or_size_splits, "num_or_size_splits", "split")
    return apply_op("SplitV", value, axis=axis, size_splits=sizes, name=name)


# -- adding and removing size-1 dimensions -------------------------------------------------

@register_op("ExpandDims")
class ExpandDims(OpDef):
    """Inserts a dimension of size 1 at `axis` (-1: last). Gradient: grad reshaped back."""

    inputs = ("input",)
    attrs = {"axis": 0}

    def infer(self, x, *, axis):
        if x.shape.dims is None:
            return TensorSpec(None, x.dtype)
        dims = x.shape.dims
        if not -len(dims) - 1 <= axis <= len(dims):
            raise ShapeError(f"axis={axis} is out of range for expanding a rank-{len(dims)} "
                             f"tensor (valid: {-len(dims) - 1} to {len(dims)}).")
        dims.insert(axis % (len(dims) + 1), 1)
        return TensorSpec(dims, x.dtype)

    def kernel(self, xp, x, *, axis):
        return xp.expand_dims(x, axis)

    def gradient(self, op, grad):
        return (reshape(grad, shape(op.inputs[0])),)


def expand_dims(input, axis=None, name="ExpandDims", dim=None):
    """`input` with a size-1 dimension inserted at `axis` (`dim` is the old spelling).

    Example:
        >>> tenseur.expand_dims(x, -1)     # (2, 3) -> (2, 3, 1)
    """
    axis = dim if axis is None else axis
    if axis is None:
        raise ValueError("expand_dims: pass axis= (the position of the new dimension).")
    return apply_op("ExpandDims", input, axis=_static_int(axis, "axis", "expand_dims"), name=name)


@register_op("Squeeze")
class Squeeze(OpDef):
    """Removes the size-1 dimensions `squeeze_dims` (every size-1 dimension when empty).
    Gradient: grad reshaped back."""

    inputs = ("input",)
    attrs = {"squeeze_dims": ()}

    def infer(self, x, *, squeeze_dims):
        dims = x.shape.dims
        if dims is None or not squeeze_dims and None in dims:
            return TensorSpec(None, x.dtype)   # which dimensions go is known only at run time
        if not squeeze_dims:
            return TensorSpec([d for d in dims if d != 1], x.dtype)
        axes = set()
        for a in squeeze_dims:
            if not -len(dims) <= a < len(dims):
                raise ShapeError(f"axis={a} is out of range for a rank-{len(dims)} tensor.")
            if dims[a] not in (1, None):
                raise ShapeError(f"cannot squeeze dimension {a % len(dims)} of size {dims[a]}: "
                                 f"only size-1 dimensions can be removed.")
            axes.add(a % len(dims))
        return TensorSpec([d for i, d in enumerate(dims) if i not in axes], x.dtype)

    def kernel(self, xp, x, *, squeeze_dims):
        return xp.squeeze(x, axis=tuple(squeeze_dims) if squeeze_dims else None)

    def gradient(self, op, grad):
        return (reshape(grad, shape(op.inputs[0])),)


def squeeze(input, axis=None, name="Squeeze", squeeze_dims=None):
    """`input` without its size-1 dimensions (only those in `axis` when given).

    Raises:
        ShapeError: a dimension in `axis` is known not to be 1.
    Example:
        >>> tenseur.squeeze(x, axis=[1])     # (3, 1, 2) -> (3, 2)
    """
    axis = squeeze_dims if axis is None else axis
    axes = () if axis is None else _static_ints(axis, "axis", "squeeze")
    return apply_op("Squeeze", input, squeeze_dims=axes, name=name)


# -- tiling, padding, reversing ------------------------------------------------------------

@register_op("Tile")
class Tile(OpDef):
    """`input` repeated `multiples[i]` times along each dimension i.

    `static_multiples` is what is known of `multiples` while building (see `Reshape`).
    Gradient: grad viewed as (m0, d0, m1, d1, ...) summed over the copies (the m axes).
    """

    inputs = ("input", "multiples")
    attrs = {"static_multiples": None}

    def infer(self, x, multiples, *, static_multiples):
        if not multiples.dtype.is_integer or multiples.shape.ndims not in (None, 1):
            raise DTypeError(f"multiples must be an int32 or int64 vector, got "
                             f"{multiples.describe()}.")
        rank = x.shape.ndims
        if rank is None:
            rank = multiples.shape[0]       # None when the length of multiples is unknown too
        if rank is None:
            return TensorSpec(None, x.dtype)
        known = list(static_multiples) if static_multiples is not None else [None] * rank
        if len(known) != rank or multiples.shape[0] not in (None, rank):
            raise ShapeError(f"multiples={_entries(known)} needs one entry per dimension of the "
                             f"rank-{rank} input.")
        dims = x.shape.dims or [None] * rank
        return TensorSpec([0 if d == 0 or m == 0 else None if d is None or m is None else d * m
                           for d, m in zip(dims, known)], x.dtype)

    def kernel(self, xp, x, multiples, *, static_multiples):
        return xp.tile(x, tuple(int(m) for m in multiples))

    def gradient(self, op, grad):
        x, multiples = op.inputs
        rank = x.shape.ndims
        if rank is None:
            raise ShapeError(f"Tile '{op.name}': cannot differentiate a tile of a tensor of "
                             f"unknown rank.")
        sizes = shape(x, out_type=multiples.dtype)
        copies_and_sizes = stack([v for i in range(rank) for v in (multiples[i], sizes[i])])
        summed = apply_op("Sum", reshape(grad, copies_and_sizes),
                          axis=tuple(range(0, 2 * rank, 2)), keepdims=False)
        return (summed, None)


def _entries(known) -> str:
    return "[" + ", ".join("?" if k is None else str(k) for k in known) + "]"


def tile(input, multiples, name="Tile"):
    """`input` repeated `multiples[i]` times along dimension i (a list or int vector tensor).

    Example:
        >>> tenseur.tile([[1, 2]], [2, 3])     # (1, 2) -> (2, 6)
    """
    multiples = _int_vector(multiples)
    static = _shape_value(multiples)
    return apply_op("Tile", input, multiples, static_multiples=None if static is None
                    else tuple(static), name=name)


_PAD_MODES = ("CONSTANT", "REFLECT", "SYMMETRIC")


@register_op("Pad")
class Pad(OpDef):
    """`input` with paddings[i] = (before, after) elements added around dimension i: the
    value `constant_values`, or the input mirrored without (REFLECT) or with (SYMMETRIC) the
    edge element. Gradient: the middle of grad; mirrored parts are added back (MirrorPadGrad).
    """

    inputs = ("input",)
    attrs = {"paddings": (), "mode": "CONSTANT", "constant_values": 0}

    def infer(self, x, *, paddings, mode, constant_values):
        if x.shape.dims is None:
            return TensorSpec([None] * len(paddings), x.dtype)
        if len(paddings) != x.shape.ndims:
            raise ShapeError(f"paddings={[list(p) for p in paddings]} needs one (before, after) "
                             f"pair per dimension of the rank-{x.shape.ndims} input.")
        limit = {"CONSTANT": None, "REFLECT": 0, "SYMMETRIC": 1}[mode]
        out = []
        for axis, ((before, after), d) in enumerate(zip(paddings, x.shape.dims)):
            if before < 0 or after < 0:
                raise ShapeError(f"paddings must be >= 0, got {(before, after)} for "
                                 f"dimension {axis}.")
            if limit is not None and d is not None and max(before, after) > d - 1 + limit:
                raise ShapeError(f"{mode} padding of {max(before, after)} is too large for "
                                 f"dimension {axis} of size {d} (at most {d - 1 + limit}).")
            out.append(None if d is None else d + before + after)
        return TensorSpec(out, x.dtype)

    def kernel(self, xp, x, *, paddings, mode, constant_values):
        if mode == "CONSTANT":
            return xp.pad(x, paddings, mode="constant", constant_values=constant_values)
        limit = 0 if mode == "REFLECT" else 1
        for axis, ((before, after), d) in enumerate(zip(paddings, x.shape)):
            if max(before, after) > d - 1 + limit:   # NumPy would repeat the reflection
                raise ValueError(f"{mode} padding of {max(before, after)} is too large for "
                                 f"dimension {axis} of size {d} (at most {d - 1 + limit}).")
        return xp.pad(x, paddings, mode=mode.lower())

    def gradient(self, op, grad):
        paddings, mode = op.attrs["paddings"], op.attrs["mode"]
        if mode != "CONSTANT":
            return (apply_op("MirrorPadGrad", grad, paddings=paddings, mode=mode),)
        end = tuple(-after for _, after in paddings)
        open_end = sum(1 << i for i, (_, after) in enumerate(paddings) if after == 0)
        return (apply_op("StridedSlice", grad, begin=tuple(b for b, _ in paddings), end=end,
                         strides=(1,) * len(paddings), end_mask=open_end),)


@register_op("MirrorPadGrad")
class MirrorPadGrad(OpDef):
    """The gradient of a REFLECT/SYMMETRIC Pad: the middle of `grad` plus each padded element
    added to the input element it mirrors. Gradient: the same Pad of grad."""

    inputs = ("grad",)
    attrs = {"paddings": (), "mode": "REFLECT"}

    def infer(self, grad, *, paddings, mode):
        if grad.shape.dims is None:
            return TensorSpec([None] * len(paddings), grad.dtype)
        return TensorSpec([None if d is None else d - b - a
                           for d, (b, a) in zip(grad.shape.dims, paddings)], grad.dtype)

    def kernel(self, xp, grad, *, paddings, mode):
        # REFLECT skips the edge element: padded[before - 1 - i] mirrors x[i + 1] rather than x[i].
        skip = 1 if mode == "REFLECT" else 0
        out = grad
        for axis, (before, after) in enumerate(paddings):
            n = out.shape[axis] - before - after
            middle = xp.take(out, xp.arange(before, before + n), axis=axis)    # a copy
            padded, folded = xp.moveaxis(out, axis, 0), xp.moveaxis(middle, axis, 0)
            xp.add.at(folded, before - 1 - xp.arange(before) + skip, padded[:before])
            xp.add.at(folded, n - 1 - skip - xp.arange(after), padded[before + n:])
            out = middle
        return out

    def gradient(self, op, grad):
        return (apply_op("Pad", grad, paddings=op.attrs["paddings"], mode=op.attrs["mode"]),)


def pad(tensor, paddings, mode="CONSTANT", name="Pad", constant_values=0):
    """Pads `tensor` with paddings[i] = [before, after] elements around dimension i.

    Args:
        mode: "CONSTANT" (with `constant_values`), "REFLECT" (mirror without the edge
            element) or "SYMMETRIC" (mirror with it), case-insensitive as TensorFlow.
    Example:
        >>> tenseur.pad(images, [[0, 0], [2, 2], [2, 2], [0, 0]])    # 28x28 -> 32x32
    """
    mode = str(mode).upper()
    if mode not in _PAD_MODES:
        raise ValueError(f"pad: mode={mode!r} is not one of {list(_PAD_MODES)}.")
    flat = _static_ints(paddings, "paddings", "pad")
    if len(flat) % 2:
        raise ValueError(f"pad: paddings must be (before, after) pairs, got {paddings!r}.")
    pairs = tuple(zip(flat[0::2], flat[1::2]))
    value = _static_value(constant_values) if isinstance(constant_values, Tensor) \
        else constant_values
    return apply_op("Pad", tensor, paddings=pairs, mode=mode,
                    constant_values=np.asarray(value).item(), name=name)


@register_op("ReverseV2")
class ReverseV2(OpDef):
    """`tensor` with the order of its elements reversed along each of `axis`.
    Gradient: grad reversed the same way."""

    inputs = ("tensor",)
    attrs = {"axis": ()}

    def infer(self, x, *, axis):
        rank = x.shape.ndims
        if rank is not None:
            normalized = [a % rank for a in axis if -rank <= a < rank]
            if len(normalized) != len(axis) or len(set(normalized)) != len(axis):
                raise ShapeError(f"axis={list(axis)} must be distinct axes of a rank-{rank} "
                                 f"tensor (valid: {-rank} to {rank - 1}).")
        return TensorSpec(x.shape, x.dtype)

    def kernel(self, xp, x, *, axis):
        return xp.flip(x, axis=axis) if axis else x

    def gradient(self, op, grad):
        return (apply_op("ReverseV2", grad, axis=op.attrs["axis"]),)


def reverse(tensor, axis, name="ReverseV2"):
    """`tensor` reversed along the dimensions in `axis` (a list of ints).

    Example:
        >>> tenseur.reverse(x, [-1])     # x[..., ::-1]
    """
    return apply_op("ReverseV2", tensor, axis=_static_ints(axis, "axis", "reverse"), name=name)


reverse_v2 = reverse


# -- selecting -----------------------------------------------------------------------------

@register_op("OneHot")
class OneHot(OpDef):
    """`on_value` where the new dimension's position equals the index, else `off_value`;
    indices outside [0, depth) give a row of `off_value` (as TensorFlow). Not differentiable."""

    inputs = ("indices",)
    attrs = {"depth": None, "on_value": 1, "off_value": 0, "axis": -1, "dtype": dtypes.float32}
    gradient = NOT_DIFFERENTIABLE

    def infer(self, indices, *, depth, on_value, off_value, axis, dtype):
        if not indices.dtype.is_integer:
            raise DTypeError(f"indices must be integers, got {indices.dtype.name}.",
                             hint="cast them: tenseur.cast(indices, tenseur.int32)")
        if depth < 0:
            raise ShapeError(f"depth={depth} must be >= 0.")
        if indices.shape.dims is None:
            return TensorSpec(None, dtype)
        dims = indices.shape.dims
        if not -1 <= axis <= len(dims):
            raise ShapeError(f"axis={axis} must be -1 or between 0 and {len(dims)} for rank-"
                             f"{len(dims)} indices.")
        dims.insert(len(dims) if axis == -1 else axis, depth)
        return TensorSpec(dims, dtype)

    def kernel(self, xp, indices, *, depth, on_value, off_value, axis, dtype):
        hot = indices[..., None] == xp.arange(depth)
        out = xp.where(hot, on_value, off_value).astype(dtype.as_numpy_dtype)
        return out if axis == -1 else xp.moveaxis(out, -1, axis)


def one_hot(indices, depth, on_value=None, off_value=None, axis=None, dtype=None,
            name="one_hot"):
    """A one-hot encoding of integer `indices` along a new dimension of size `depth`.

    The dtype is `dtype`, else that of `on_value`/`off_value` when given, else float32.
    Example:
        >>> tenseur.one_hot([0, 2], 3)     # [[1., 0., 0.], [0., 0., 1.]]
    """
    values = [_static_value(v) if isinstance(v, Tensor) else v for v in (on_value, off_value)]
    if dtype is None:
        given = next((v for v in values if v is not None), None)
        dtype = dtypes.float32 if given is None else dtypes.dtype_of_value(given)
    on, off = (1 if values[0] is None else values[0]), (0 if values[1] is None else values[1])
    return apply_op("OneHot", _int_vector(indices), depth=_static_int(depth, "depth", "one_hot"),
                    on_value=np.asarray(on).item(), off_value=np.asarray(off).item(),
                    axis=-1 if axis is None else int(axis), dtype=dtypes.as_dtype(dtype),
                    name=name)


@register_op("Where")
class Where(OpDef):
    """The coordinates of the true (non-zero) elements of `input`, as an int64 matrix of shape
    (number of true elements, rank), in row-major order. Not differentiable."""

    inputs = ("input",)
    gradient = NOT_DIFFERENTIABLE

    def infer(self, x):
        return TensorSpec([None, x.shape.ndims], dtypes.int64)

    def kernel(self, xp, x):
        return xp.argwhere(x).astype(np.int64)


def where(condition, x=None, y=None, name=None):
    """With `condition` only: the int64 coordinates of its true elements (`Where`).
    With `x` and `y`: elements of `x` where `condition` is true, else of `y` (`Select`); a
    vector `condition` picks whole rows of higher-rank `x` and `y` (as TF 1.x).

    Example:
        >>> tenseur.where(x > 0, x, tenseur.zeros_like(x))     # relu
    """
    if x is None and y is None:
        return apply_op("Where", condition, name=name or "Where")
    if x is None or y is None:
        raise ValueError("where: pass both x and y, or neither.")
    condition = convert_to_tensor(condition)
    x = convert_to_tensor(x) if isinstance(x, Tensor) or hasattr(x, "_as_tensor") else x
    y = convert_to_tensor(y, preferred_dtype=getattr(x, "dtype", None))
    x = convert_to_tensor(x, preferred_dtype=y.dtype)
    rank = x.shape.ndims
    if condition.shape.ndims == 1 and rank is not None and rank > 1:
        condition = reshape(condition, [-1] + [1] * (rank - 1))
    return apply_op("Select", condition, x, y, name=name or "Select")


def boolean_mask(tensor, mask, name="boolean_mask", axis=None):
    """The elements (or slices) of `tensor` where the bool `mask` is true, flattened into
    one dimension: mask's k dimensions, starting at `axis` (default 0), become one.

    Raises:
        ShapeError: the mask's shape does not match the dimensions it covers.
    Example:
        >>> tenseur.boolean_mask([[1, 2], [3, 4]], [True, False])    # [[1, 2]]
    """
    with name_scope(name):
        tensor = convert_to_tensor(tensor)
        mask = convert_to_tensor(mask)
        k, axis = mask.shape.ndims, 0 if axis is None else int(axis)
        if k is None or k == 0 or tensor.shape.ndims is None:
            raise ShapeError("boolean_mask: the ranks of tensor and mask must be known and the "
                             "mask must not be a scalar.")
        covered = tensor.shape[axis:axis + k]
        if not covered.is_compatible_with(mask.shape):
            raise ShapeError(f"boolean_mask: mask of shape {mask.shape} does not match "
                             f"dimensions {axis} to {axis + k - 1} of tensor shape "
                             f"{tensor.shape}.")
        sizes = shape(tensor)
        flat = reshape(tensor, concat([sizes[:axis], [-1], sizes[axis + k:]], 0))
        picked = squeeze(apply_op("Where", reshape(mask, [-1])), axis=[1])
        return gather(flat, picked, axis=axis)


# -- shape queries -------------------------------------------------------------------------

@register_op("Rank")
class Rank(OpDef):
    """The number of dimensions of a tensor (int32 scalar), a host value like `Shape`'s."""

    inputs = ("input",)
    gradient = NOT_DIFFERENTIABLE

    def infer(self, x):
        return TensorSpec([], dtypes.int32)

    def kernel(self, xp, x):
        return np.asarray(x.ndim, dtype=np.int32)


def rank(input, name="Rank"):
    """The rank of `input` as an int32 scalar tensor."""
    return apply_op("Rank", input, name=name)


def size(input, name="Size", out_type=dtypes.int32):
    """The number of elements of `input` (`Size`, int32 unless `out_type` says otherwise)."""
    return _cast(apply_op("Size", input, name=name), out_type)


@register_op("ShapeN")
class ShapeN(OpDef):
    """The shapes of several tensors at once (one int vector each). Not differentiable."""

    inputs = ("*input",)
    attrs = {"out_type": dtypes.int32}
    gradient = NOT_DIFFERENTIABLE

    def infer(self, *xs, out_type):
        return [TensorSpec([x.shape.ndims], out_type) for x in xs]

    def kernel(self, xp, *xs, out_type):
        return [np.asarray(x.shape, dtype=out_type.as_numpy_dtype) for x in xs]


def shape_n(input, out_type=dtypes.int32, name="ShapeN"):
    """A list with the shape of each tensor of `input`."""
    return apply_op("ShapeN", *input, out_type=dtypes.as_dtype(out_type), name=name)


@register_op("IdentityN")
class IdentityN(OpDef):
    """Its inputs, unchanged (one node for several values). Gradient: the grads unchanged."""

    inputs = ("*input",)

    def infer(self, *xs):
        return [TensorSpec(x.shape, x.dtype) for x in xs]

    def kernel(self, xp, *xs):
        return list(xs)

    def gradient(self, op, *grads):
        return grads


def identity_n(input, name="IdentityN"):
    """A list of tensors equal to those of `input`."""
    return apply_op("IdentityN", *input, name=name)
