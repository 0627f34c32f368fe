"""Clipping by norm (TF 1.x `clip_ops`): `clip_by_norm`, `global_norm`, `clip_by_global_norm`,
the usual guard against exploding gradients. Composites of public ops (their gradients are
those of the ops). `clip_by_value` is in elementwise_ops.

Example:
    >>> grads, _ = tf.clip_by_global_norm(tf.gradients(loss, params), 5.0)
"""
from __future__ import annotations

from ..framework.errors import ShapeError
from ..framework.graph import name_scope
from ..framework.tensor import Tensor
from .array_ops import ones_like
from .elementwise_ops import cast, greater, maximum, minimum, sqrt, where_
from .math_ops import add_n, reduce_sum
from .registry import convert_to_tensor

__all__ = ["clip_by_norm", "global_norm", "clip_by_global_norm"]


def clip_by_norm(t, clip_norm, axes=None, name=None):
    """`t` scaled down so that its L2 norm (over `axes`, all by default) is at most
    `clip_norm`: t * clip_norm / max(norm(t), clip_norm). A zero tensor stays zero."""
    with name_scope(name or "clip_by_norm"):
        t = convert_to_tensor(t)
        clip_norm = cast(convert_to_tensor(clip_norm, dtype=t.dtype), t.dtype)
        l2sum = reduce_sum(t * t, axis=axes, keepdims=True)
        positive = greater(l2sum, l2sum * 0)
        l2norm = where_(positive, sqrt(where_(positive, l2sum, ones_like(l2sum))), l2sum)
        return (t * clip_norm) / maximum(l2norm, clip_norm)


def _tensors(t_list, fn):
    if isinstance(t_list, Tensor) or not hasattr(t_list, "__iter__"):
        raise TypeError(f"{fn}: t_list must be a list of tensors (None allowed), got "
                        f"{type(t_list).__name__}.")
    return [None if t is None else convert_to_tensor(t) for t in t_list]


def global_norm(t_list, name=None):
    """sqrt(sum of the squares of every value of every tensor); None entries are skipped."""
    tensors = [t for t in _tensors(t_list, "global_norm") if t is not None]
    with name_scope(name or "global_norm"):
        if not tensors:
            raise ShapeError("global_norm: t_list holds no tensor (only None).")
        dtype = tensors[0].dtype
        squares = [cast(reduce_sum(t * t), dtype) for t in tensors]
        return sqrt(add_n(squares) if len(squares) > 1 else squares[0])


def clip_by_global_norm(t_list, clip_norm, use_norm=None, name=None):
    """Every tensor of `t_list` scaled by clip_norm / max(global_norm, clip_norm), so that
    their global norm is at most `clip_norm`; returns (clipped list, the global norm).
    None entries stay None. An infinite or NaN global norm gives NaN values, as TF."""
    tensors = _tensors(t_list, "clip_by_global_norm")
    with name_scope(name or "clip_by_global_norm"):
        norm = global_norm(tensors) if use_norm is None else convert_to_tensor(use_norm)
        clip_norm = cast(convert_to_tensor(clip_norm, dtype=norm.dtype), norm.dtype)
        scale = clip_norm * minimum(1.0 / norm, 1.0 / clip_norm)
        clipped = [None if t is None else t * cast(scale, t.dtype) for t in tensors]
        return clipped, norm


