"""Spellings of TensorFlow before 1.0, still met in old course material (see
shared/reference/tf1-graph-api.md): `tf.pack`/`tf.unpack`, `tf.concat(concat_dim, values)`
(handled by `concat` itself), and the summary functions `tf.scalar_summary`,
`tf.histogram_summary`, `tf.image_summary`, `tf.merge_summary`, `tf.merge_all_summaries`
(`tf.train.SummaryWriter` is in tenseur.train). Each is the current function under its old
name and signature; the summary ones import tenseur.summary when first called.
"""
from __future__ import annotations

from ..framework.graph import GraphKeys
from .array_ops import stack, unstack

__all__ = ["pack", "unpack", "scalar_summary", "histogram_summary", "image_summary",
           "merge_summary", "merge_all_summaries"]


def pack(values, axis=0, name="pack"):
    """`tf.stack` (its name before TensorFlow 1.0)."""
    return stack(values, axis=axis, name=name)


def unpack(value, num=None, axis=0, name="unpack"):
    """`tf.unstack` (its name before TensorFlow 1.0)."""
    return unstack(value, num=num, axis=axis, name=name)


def scalar_summary(tags, values, collections=None, name=None):
    """`tf.summary.scalar(tags, values)` (before 0.12)."""
    from .. import summary
    return summary.scalar(tags, values, collections=collections)


def histogram_summary(tag, values, collections=None, name=None):
    """`tf.summary.histogram(tag, values)` (before 0.12)."""
    from .. import summary
    return summary.histogram(tag, values, collections=collections)


def image_summary(tag, tensor, max_images=3, collections=None, name=None):
    """`tf.summary.image(tag, tensor, max_outputs=max_images)` (before 0.12)."""
    from .. import summary
    return summary.image(tag, tensor, max_outputs=max_images, collections=collections)


def merge_summary(inputs, collections=None, name=None):
    """`tf.summary.merge(inputs)` (before 0.12)."""
    from .. import summary
    return summary.merge(inputs, collections=collections, name=name)


def merge_all_summaries(key=GraphKeys.SUMMARIES):
    """`tf.summary.merge_all()` (before 0.12)."""
    from .. import summary
    return summary.merge_all(key=key)
