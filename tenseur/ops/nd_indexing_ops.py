"""Indexing by index tuples: `gather_nd` picks `params[i, j, ...]` for each index tuple, and
`scatter_nd` adds updates into a zero tensor at index tuples (its adjoint).

Primitives (one `OpDef` each): GatherNd, ScatterNd.
"""
from __future__ import annotations

import numpy as np

from ..framework.errors import DTypeError, ShapeError
from ..framework.tensor import TensorSpec
from .array_ops import _int_vector, _static_value
from .array_ops_values import shape
from .registry import OpDef, apply_op, convert_to_tensor, register_op

__all__ = ["gather_nd", "scatter_nd"]


def _check_indices(indices, op_type):
    if not indices.dtype.is_integer:
        raise DTypeError(f"{op_type}: indices must be int32 or int64, got "
                         f"{indices.dtype.name}.", hint="cast them: tenseur.cast(indices, "
                                                        "tenseur.int32)")
    if indices.shape.ndims == 0:
        raise ShapeError(f"{op_type}: indices must have rank >= 1 (its last dimension holds "
                         f"the index tuples), got a scalar.")


def _as_tuple(indices, target_shape, op_type):
    """The last axis of `indices` as a tuple of index arrays into `target_shape`, checked."""
    depth = indices.shape[-1]
    if depth > len(target_shape):
        raise ValueError(f"{op_type}: index tuples of length {depth} for a tensor of rank "
                         f"{len(target_shape)}.")
    columns = tuple(np.moveaxis(indices, -1, 0))
    for axis, column in enumerate(columns):
        if column.size and (column.min() < 0 or column.max() >= target_shape[axis]):
            bad = column[(column < 0) | (column >= target_shape[axis])][0]
            raise ValueError(f"{op_type}: index {int(bad)} is out of range for dimension "
                             f"{axis} of size {target_shape[axis]}.")
    return columns


@register_op("GatherNd")
class GatherNd(OpDef):
    """`params[tuple(index)]` for each index tuple on the last axis of `indices`: output shape
    indices.shape[:-1] + params.shape[K:] (K = the tuples' length). Gradient: ScatterNd of
    the gradient into params' shape (repeated tuples add up)."""

    inputs = ("params", "indices")

    def infer(self, params, indices):
        _check_indices(indices, self.type)
        if params.shape.dims is None or indices.shape.dims is None:
            return TensorSpec(None, params.dtype)
        depth = indices.shape.dims[-1]
        if depth is None:
            return TensorSpec(None, params.dtype)
        if depth > len(params.shape.dims):
            raise ShapeError(f"index tuples of length {depth} for params of rank "
                             f"{len(params.shape.dims)}.")
        return TensorSpec(indices.shape.dims[:-1] + params.shape.dims[depth:], params.dtype)

    def kernel(self, xp, params, indices):
        return xp.ascontiguousarray(params[_as_tuple(indices, params.shape, self.type)])

    def gradient(self, op, grad):
        params, indices = op.inputs
        dims = params.shape.dims
        known = tuple(dims) if dims is not None and None not in dims else None
        return (apply_op("ScatterNd", indices, grad, shape(params, out_type=indices.dtype),
                         static_shape=known), None)


@register_op("ScatterNd")
class ScatterNd(OpDef):
    """A zero tensor of `shape` with `updates` added at the index tuples of `indices`
    (repeated tuples add up). Gradient: GatherNd of the gradient for the updates."""

    inputs = ("indices", "updates", "shape")
    attrs = {"static_shape": None}     # the shape when known while building (static inference)

    def infer(self, indices, updates, shape_spec, *, static_shape):
        _check_indices(indices, self.type)
        if not shape_spec.dtype.is_integer or shape_spec.shape.ndims not in (None, 1):
            raise DTypeError(f"shape must be a vector of ints, got {shape_spec.dtype.name} of "
                             f"shape {shape_spec.shape}.")
        if static_shape is None:
            length = shape_spec.shape.dims[0] if shape_spec.shape.dims else None
            return TensorSpec(None if length is None else [None] * length, updates.dtype)
        return TensorSpec(list(static_shape), updates.dtype)

    def kernel(self, xp, indices, updates, shape_array, *, static_shape):
        target = tuple(int(d) for d in shape_array)
        columns = _as_tuple(indices, target, self.type)
        depth = indices.shape[-1]
        expected = indices.shape[:-1] + target[depth:]
        if updates.shape != expected:
            raise ValueError(f"ScatterNd: updates of shape {updates.shape} for indices of shape "
                             f"{indices.shape} into shape {target} (expected {expected}).")
        out = xp.zeros(target, dtype=updates.dtype)
        xp.add.at(out, columns, updates)
        return out

    def gradient(self, op, grad):
        indices = op.inputs[0]
        return (None, apply_op("GatherNd", grad, indices), None)


def gather_nd(params, indices, name="GatherNd", batch_dims=0):
    """The slices of `params` at the index tuples on the last axis of `indices`.

    Example:
        >>> tenseur.gather_nd([[1, 2], [3, 4]], [[0, 1], [1, 0]])    # [2, 3]
    """
    if batch_dims:
        raise NotImplementedError("gather_nd: batch_dims > 0 is not supported; add the batch "
                                  "index to each tuple instead.")
    return apply_op("GatherNd", convert_to_tensor(params), _int_vector(indices), name=name)


def scatter_nd(indices, updates, shape, name="ScatterNd"):
    """A zero tensor of `shape` with `updates` added at the index tuples of `indices`.

    Example:
        >>> tenseur.scatter_nd([[1], [3]], [9.0, 10.0], [5])    # [0, 9, 0, 10, 0]
    """
    indices = _int_vector(indices)
    shape_t = _int_vector(shape)
    if shape_t.dtype != indices.dtype:
        from .elementwise_ops import cast
        shape_t = cast(shape_t, indices.dtype)
    static = _static_value(shape_t)
    static = None if static is None else tuple(int(d) for d in np.asarray(static).reshape(-1))
    return apply_op("ScatterNd", indices, convert_to_tensor(updates), shape_t,
                    static_shape=static, name=name)
