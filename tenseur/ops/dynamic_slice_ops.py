"""`t[...]` with tensors among the indices or slice bounds (`x[:, :n]`, `x[i]` with `n`, `i`
computed by the graph), as TensorFlow allows: StridedSliceDyn takes begin and end as int
tensors, the steps and masks as attributes. An index made only of Python ints is the static
StridedSlice of array_ops_indexing, which `_getitem` there still builds.

Primitives (one `OpDef` each): StridedSliceDyn and its gradient StridedSliceDynGrad.
"""
from __future__ import annotations

import numpy as np

from ..framework import dtypes
from ..framework.errors import ShapeError
from ..framework.tensor import TensorSpec
from .array_ops import _MASKS, _strided_index, stack
from .elementwise_ops import cast
from .registry import OpDef, apply_op, convert_to_tensor, register_op

__all__: list = []          # reached through t[...] (array_ops_indexing._getitem)
_PySlice = slice


def _dims(dims, begin, end, strides, dynamic, masks):
    """Static dims of the slice: those of the static StridedSlice, None where an entry's
    bound is only known when the graph runs (`dynamic`: entry positions)."""
    from .array_ops_indexing import _indexed_dims
    index = list(_strided_index(begin, end, strides, **masks))
    for i in dynamic:
        if isinstance(index[i], _PySlice):
            index[i] = _PySlice(None, None, index[i].step)     # size unknown: set below
        else:
            index[i] = 0                                       # an index: the dim goes
    out = _indexed_dims(list(dims), tuple(index))
    # Map each dynamic slice entry to its output position.
    consumed = sum(1 for item in index if item is not None and item is not Ellipsis)
    position = 0
    for i, item in enumerate(index):
        if item is Ellipsis:
            position += len(dims) - consumed
        elif item is None or isinstance(item, _PySlice):
            if isinstance(item, _PySlice) and i in dynamic:
                out[position] = None
            position += 1
    return out


@register_op("StridedSliceDyn")
class StridedSliceDyn(OpDef):
    """`input[index]` where `begin` and `end` (int32 vectors, one entry per index entry) are
    computed by the graph; `strides` and the masks as in StridedSlice. Gradient: the
    gradient written into zeros shaped like the input (StridedSliceDynGrad)."""

    inputs = ("input", "begin", "end")
    attrs = {"strides": (), "dynamic": (), "static_begin": (), "static_end": (),
             **{mask: 0 for mask in _MASKS}}

    def infer(self, x, begin, end, *, strides, dynamic, static_begin, static_end, **masks):
        if 0 in strides:
            raise ShapeError(f"strides={list(strides)}: a slice step cannot be zero.")
        if x.shape.dims is None:
            return TensorSpec(None, x.dtype)
        return TensorSpec(_dims(x.shape.dims, static_begin, static_end, strides, set(dynamic),
                                masks), x.dtype)

    def kernel(self, xp, x, begin, end, *, strides, dynamic, static_begin, static_end,
               **masks):
        index = _strided_index(tuple(int(b) for b in begin), tuple(int(e) for e in end),
                               strides, **masks)
        for item, (i, size) in zip(index, enumerate(x.shape)):
            if isinstance(item, (int, np.integer)) and not -size <= item < size:
                raise ValueError(f"index {int(item)} is out of range for dimension {i} of "
                                 f"size {size}.")
        return xp.asarray(x[index])

    def gradient(self, op, grad):
        x, begin, end = op.inputs
        return (apply_op("StridedSliceDynGrad", grad, x, begin, end, **op.attrs), None, None)


@register_op("StridedSliceDynGrad")
class StridedSliceDynGrad(OpDef):
    """Zeros shaped like `like` with `dy` written at the StridedSliceDyn index. Gradient: the
    same dynamic slice of the gradient."""

    inputs = ("dy", "like", "begin", "end")
    attrs = dict(StridedSliceDyn.attrs)

    def infer(self, dy, like, begin, end, **attrs):
        return TensorSpec(like.shape, dy.dtype)

    def kernel(self, xp, dy, like, begin, end, *, strides, dynamic, static_begin, static_end,
               **masks):
        out = xp.zeros(like.shape, dtype=dy.dtype)
        out[_strided_index(tuple(int(b) for b in begin), tuple(int(e) for e in end), strides,
                           **masks)] = dy
        return out

    def gradient(self, op, grad):
        _, _, begin, end = op.inputs
        return (apply_op("StridedSliceDyn", grad, begin, end, **op.attrs), None, None, None)


def _scalar_int(value, key):
    """A 0-d int32 tensor for a tensor index or bound; TypeError for anything else."""
    t = convert_to_tensor(value)
    if t.dtype.is_bool:
        raise TypeError(f"t[...] got the bool tensor {t.name} in {key!r}; use "
                        f"tenseur.boolean_mask(t, mask) to pick by a mask.")
    if not t.dtype.is_integer:
        raise TypeError(f"t[...] takes integer tensors as indices and slice bounds, got "
                        f"{t.dtype.name} tensor {t.name} in {key!r}.")
    if t.shape.ndims not in (None, 0):
        raise TypeError(f"t[...] takes scalar tensors as indices and slice bounds, got the "
                        f"tensor {t.name} of shape {t.shape} in {key!r}; use "
                        f"tenseur.gather(t, indices, axis=...) to pick by computed indices.")
    return t if t.dtype == dtypes.int32 else cast(t, dtypes.int32)


def dynamic_getitem(tensor, key, begin, end, strides, masks, tensors):
    """The StridedSliceDyn of `tensor` for a key where the entries in `tensors` (entry
    position -> ('begin' | 'end' | 'index', tensor)) are tensors."""
    begin_parts = [convert_to_tensor(np.int32(b)) for b in begin]
    end_parts = [convert_to_tensor(np.int32(e)) for e in end]
    dynamic = set()
    for i, kind, value in tensors:
        t = _scalar_int(value, key)
        dynamic.add(i)
        if kind in ("begin", "index"):
            begin_parts[i] = t
        if kind == "end":
            end_parts[i] = t
        if kind == "index":
            end_parts[i] = t + 1
    return apply_op("StridedSliceDyn", tensor, stack(begin_parts), stack(end_parts),
                    strides=tuple(strides), dynamic=tuple(sorted(dynamic)),
                    static_begin=tuple(begin), static_end=tuple(end), **masks)

