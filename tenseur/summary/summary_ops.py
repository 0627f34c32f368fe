"""Summary ops and the summary functions: `scalar`, `histogram`, `image`, `text`, `merge`.

Each function serves both TensorFlow styles, chosen by the value it is given:
- a graph `Tensor` (TF 1.x): adds a summary op whose output is a scalar string holding a
  serialized `Summary`, tags it with the name scope (`train/loss`), and adds it to the
  `SUMMARIES` collection; `sess.run(merge_all())` then gives bytes for
  `FileWriter.add_summary(bytes, step)`. The signature is TF 1.x's: `scalar(name, tensor,
  collections=None, family=None)`, `image(name, tensor, max_outputs=3, ...)`.
- a concrete value (number, list, NumPy array) while a writer made by `create_file_writer`
  is the default (TF2): writes at once and returns True. The signature is TF2's:
  `scalar(name, data, step=None, description=None)`, `image(name, data, step=None,
  max_outputs=3, ...)`. With a `step` (or `buckets`/`description`) but no default writer it
  writes nothing and returns False, as TF2.
In eager mode every concrete value (eager tensors included) takes the TF2 path: without a
default writer nothing is written and the call returns False. In graph mode, a concrete value
with neither a writer nor TF2 arguments is made a constant and summarised by a graph op, as
TF 1.x did.
"""
from __future__ import annotations

import numpy as np

from .. import backend
from ..framework import dtypes
from ..framework.errors import DTypeError, InvalidArgumentError, ShapeError
from ..framework.graph import GraphKeys, get_default_graph
from ..framework.tensor import Tensor, TensorSpec
from ..ops.registry import (NOT_DIFFERENTIABLE, OpDef, apply_op, convert_to_tensor,
                            executing_eagerly, register_op)
from . import values as summary_values
from . import writer as writers
from .protos import pb


def _string_scalar(data: bytes) -> np.ndarray:
    out = np.empty((), dtype=object)
    out[()] = data
    return out


def _check_real(spec: TensorSpec) -> None:
    if not (spec.dtype.is_floating or spec.dtype.is_integer):
        raise DTypeError(f"expects real numbers, got a {spec.dtype.name} tensor.",
                         hint="cast it first: tenseur.cast(x, tenseur.float32)")


# -- ops -------------------------------------------------------------------------------------

@register_op("ScalarSummary")
class ScalarSummary(OpDef):
    """A `Summary` with the scalar `values` as `simple_value` under `tag` (TF 1.x)."""

    inputs = ("values",)
    attrs = {"tag": None}
    gradient = NOT_DIFFERENTIABLE

    def infer(self, values, *, tag):
        _check_real(values)
        if values.shape.ndims not in (None, 0):
            raise ShapeError(f"the value of scalar summary {tag!r} must be a scalar, got shape "
                             f"{values.shape}.",
                             hint="summarise a reduction such as tenseur.reduce_mean(x)")
        return TensorSpec((), dtypes.string)

    def kernel(self, xp, values, *, tag):
        values = np.asarray(backend.to_numpy(values))
        if values.ndim != 0:
            raise InvalidArgumentError(f"tags and values are not the same shape: [] != "
                                       f"{list(values.shape)} (tag '{tag}')")
        return _string_scalar(summary_values.serialize([summary_values.scalar_value(tag, values)]))


@register_op("HistogramSummary")
class HistogramSummary(OpDef):
    """A `Summary` with a histogram of all elements of `values` (TF's default buckets)."""

    inputs = ("values",)
    attrs = {"tag": None}
    gradient = NOT_DIFFERENTIABLE

    def infer(self, values, *, tag):
        _check_real(values)
        return TensorSpec((), dtypes.string)

    def kernel(self, xp, values, *, tag):
        try:
            value = summary_values.histogram_value(tag, backend.to_numpy(values))
        except ValueError:
            raise InvalidArgumentError(f"Nan in summary histogram for: {tag}",
                                       hint="the summarised tensor holds NaN or Inf; check the "
                                            "loss and the learning rate") from None
        return _string_scalar(summary_values.serialize([value]))


@register_op("ImageSummary")
class ImageSummary(OpDef):
    """A `Summary` with up to `max_images` PNG images of a (batch, height, width, c) tensor.

    uint8 pixels are taken as they are; floating ones are scaled to [0, 255] as TF 1.x does
    (see `values._normalize_tf1`).
    """

    inputs = ("tensor",)
    attrs = {"tag": None, "max_images": 3, "bad_color": None}
    gradient = NOT_DIFFERENTIABLE

    def infer(self, tensor, *, tag, max_images, bad_color):
        problem = summary_values.check_images(tensor.shape.dims, tensor.dtype.name)
        if problem:
            error = DTypeError if "uint8 or floating" in problem else ShapeError
            raise error(f"{problem}.")
        if not isinstance(max_images, int) or max_images < 1:
            raise ValueError(f"max_images must be a positive integer, got {max_images!r}.")
        return TensorSpec((), dtypes.string)

    def kernel(self, xp, tensor, *, tag, max_images, bad_color):
        try:
            images = summary_values.image_values(tag, backend.to_numpy(tensor), max_images,
                                                 bad_color)
        except ValueError as exc:
            raise InvalidArgumentError(f"{exc} (tag '{tag}')") from None
        return _string_scalar(summary_values.serialize(images))


@register_op("TensorSummaryV2")
class TensorSummaryV2(OpDef):
    """A `Summary` holding `tensor` itself, for the TensorBoard plugin `plugin_name` (text)."""

    inputs = ("tensor",)
    attrs = {"tag": None, "plugin_name": ""}
    gradient = NOT_DIFFERENTIABLE

    def infer(self, tensor, *, tag, plugin_name):
        return TensorSpec((), dtypes.string)

    def kernel(self, xp, tensor, *, tag, plugin_name):
        value = summary_values.tensor_value(tag, backend.to_numpy(tensor), plugin_name)
        return _string_scalar(summary_values.serialize([value]))


@register_op("MergeSummary")
class MergeSummary(OpDef):
    """One `Summary` with the values of every input summary (each input: serialized bytes)."""

    inputs = ("*inputs",)
    gradient = NOT_DIFFERENTIABLE

    def infer(self, *inputs):
        if not inputs:
            raise ValueError("needs at least one summary to merge.")
        for i, spec in enumerate(inputs):
            if spec.dtype != dtypes.string:
                raise DTypeError(f"input {i} is a {spec.dtype.name} tensor; merge takes the "
                                 f"string outputs of summary ops.")
        return TensorSpec((), dtypes.string)

    def kernel(self, xp, *inputs):
        return _string_scalar(merge_serialized(
            [item for array in inputs for item in np.asarray(array, dtype=object).ravel()]))


def merge_serialized(summaries) -> bytes:
    """The serialized `Summary` holding the values of every serialized `Summary` given.

    Raises:
        InvalidArgumentError: two values share a tag (TensorFlow's MergeSummary rule).
    """
    summary_pb2 = pb().summary
    merged = summary_pb2.Summary()
    tags = set()
    for data in summaries:
        part = summary_pb2.Summary.FromString(bytes(data))
        for value in part.value:
            if value.tag and value.tag in tags:
                raise InvalidArgumentError(f"Duplicate tag {value.tag} found in summary inputs")
            tags.add(value.tag)
        merged.value.extend(part.value)
    return merged.SerializeToString()


# -- choosing the style ----------------------------------------------------------------------

def _is_graph_tensor(value) -> bool:
    if isinstance(value, Tensor):
        return not getattr(value, "_is_eager", False)
    return hasattr(value, "_as_tensor") and not hasattr(value, "numpy")     # a graph Variable


def _concrete(value):
    """A NumPy value from a Python/NumPy value or an eager tensor (anything with `.numpy()`)."""
    numpy_value = getattr(value, "numpy", None)
    return np.asarray(numpy_value() if callable(numpy_value) else value)


def _dispatch(name, args, kwargs, data_names, graph_fn, eager_fn, eager_only=()):
    """Calls `graph_fn` (TF 1.x signature) or `eager_fn` (TF2 signature): see the module doc."""
    data = args[0] if args else next((kwargs[k] for k in data_names if k in kwargs), None)
    if data is None:
        raise TypeError(f"summary {name!r}: no value to summarise was given.")
    pb()    # without tensorboard, fail here with the install hint, not when the op runs
    if _is_graph_tensor(data):
        if any(k in kwargs for k in eager_only):
            _reject_step(name)
        eager = False
    else:
        eager = (executing_eagerly() or writers.default_writer() is not None
                 or any(k in kwargs for k in eager_only))
    wanted = data_names[-1] if eager else data_names[0]
    for key in data_names:
        if key in kwargs and key != wanted:
            kwargs[wanted] = kwargs.pop(key)
    if not eager:
        return graph_fn(name, *args, **kwargs)
    return eager_fn(name, *args, **kwargs)


def _eager_write(name, step, make_value) -> bool:
    writer = writers.default_writer()
    if writer is None:
        return False
    if step is None:
        step = writers.get_step()
        if step is None:
            raise ValueError(f"summary {name!r}: no step set. Pass step=..., or call "
                             f"tenseur.summary.experimental.set_step(step) first, or use "
                             f"writer.as_default(step=...).")
    scope = get_default_graph().get_name_scope()
    tag = summary_values.clean_tag(f"{scope}/{name}" if scope else name)
    writer.write_summary(make_value(tag), step)
    return True


def _summary_op(op_type, name, family, collections, tensor, **attrs):
    """Adds a summary op TF 1.x-style: scope `name` (made unique), tag = the scope's name."""
    name = summary_values.clean_tag(name)
    family = summary_values.clean_tag(family) if family else None
    graph = tensor.graph if isinstance(tensor, Tensor) else get_default_graph()
    with graph.as_default(), graph.name_scope(f"{family}/{name}" if family else name) as scope:
        tag = scope.rstrip("/")
        if family:
            tag = f"{family}/{tag}"
        summary = apply_op(op_type, tensor, tag=tag, name=scope, **attrs)
    graph.add_to_collections([GraphKeys.SUMMARIES] if collections is None else collections,
                             summary)
    return summary


def _split_step(name, tensor, collections):
    """TF2's third positional argument is `step`; TF 1.x's is `collections` (a list).

    Returns (collections, step); a step is only valid for a concrete value.
    """
    if collections is None or isinstance(collections, (list, tuple, set)):
        return collections, None
    if _is_graph_tensor(tensor):
        _reject_step(name)
    return None, collections


def _reject_step(name):
    raise TypeError(f"summary {name!r}: `step` (and `buckets`, `description`) are for writing "
                    f"a concrete value to the default writer (TF2 style). A graph tensor's "
                    f"summary op is written with FileWriter.add_summary(sess.run(op), step).")


# -- public functions ------------------------------------------------------------------------

def scalar(name, *args, **kwargs):
    """A scalar summary (loss, accuracy, learning rate...) in the Scalars dashboard.

    TF 1.x: `scalar(name, tensor, collections=None, family=None)` on a graph tensor returns
    the summary op's string tensor (in `GraphKeys.SUMMARIES`).
    TF2: `scalar(name, data, step=None, description=None)` on a value writes it to the default
    writer and returns True (False when there is none). In eager mode, always TF2.

    Example:
        >>> loss_summary = tenseur.summary.scalar("loss", loss)        # graph mode
        >>> with tenseur.summary.create_file_writer("logs").as_default():
        ...     tenseur.summary.scalar("loss", 0.25, step=3)           # eager
    """
    return _dispatch(name, args, kwargs, ("tensor", "data"), _scalar_graph, _scalar_eager,
                     eager_only=("step", "description"))


def _scalar_graph(name, tensor, collections=None, family=None):
    collections, step = _split_step(name, tensor, collections)
    if step is not None:
        return _scalar_eager(name, tensor, step)
    return _summary_op("ScalarSummary", name, family, collections, convert_to_tensor(tensor))


def _scalar_eager(name, data, step=None, description=None):
    value = _concrete(data)
    if value.size != 1 or value.dtype.kind not in "biuf":
        raise ValueError(f"summary {name!r}: a scalar summary takes one real number, got "
                         f"{value.dtype} of shape {value.shape}.")
    return _eager_write(name, step, lambda tag: summary_values.scalar_tensor_value(tag, value))


def histogram(name, *args, **kwargs):
    """A histogram of all the elements of a tensor, in the Histograms/Distributions dashboards.

    TF 1.x: `histogram(name, values, collections=None, family=None)`, TensorFlow's default
    exponential buckets; a NaN or Inf element fails the run with InvalidArgumentError.
    TF2: `histogram(name, data, step=None, buckets=None, description=None)`, `buckets`
    equal-width buckets (30 by default).
    """
    return _dispatch(name, args, kwargs, ("values", "data"), _histogram_graph, _histogram_eager,
                     eager_only=("step", "buckets", "description"))


def _histogram_graph(name, values, collections=None, family=None):
    collections, step = _split_step(name, values, collections)
    if step is not None:
        return _histogram_eager(name, values, step)
    return _summary_op("HistogramSummary", name, family, collections, convert_to_tensor(values))


def _histogram_eager(name, data, step=None, buckets=None, description=None):
    value = _concrete(data)
    if value.dtype.kind not in "biuf":
        raise ValueError(f"summary {name!r}: a histogram takes real numbers, got {value.dtype}.")
    return _eager_write(name, step,
                        lambda tag: summary_values.histogram_tensor_value(tag, value, buckets))


def image(name, *args, **kwargs):
    """Images of a (batch, height, width, channels) tensor, PNG-encoded, in the Images dashboard.

    TF 1.x: `image(name, tensor, max_outputs=3, collections=None, family=None)`; 1, 3 or 4
    channels; uint8 as is, floats scaled to [0, 255] (largest value to 255, or 0 to 128 when
    negative values exist); tags `name/image/0`, ... (`name/image` for max_outputs=1).
    TF2: `image(name, data, step=None, max_outputs=3, description=None)`; 1 to 4 channels;
    floats must be in [0, 1].
    """
    return _dispatch(name, args, kwargs, ("tensor", "data"), _image_graph, _image_eager,
                     eager_only=("step", "description"))


def _image_graph(name, tensor, max_outputs=3, collections=None, family=None):
    return _summary_op("ImageSummary", name, family, collections, convert_to_tensor(tensor),
                       max_images=max_outputs)


def _image_eager(name, data, step=None, max_outputs=3, description=None):
    value = _concrete(data)
    return _eager_write(name, step,
                        lambda tag: summary_values.image_tensor_value(tag, value, max_outputs))


def text(name, *args, **kwargs):
    """Markdown text in the Text dashboard: a string (one block) or a 1-D/2-D string table.

    TF 1.x: `text(name, tensor, collections=None)` on a string tensor.
    TF2: `text(name, data, step=None, description=None)` on a str or array of str.
    """
    return _dispatch(name, args, kwargs, ("tensor", "data"), _text_graph, _text_eager,
                     eager_only=("step", "description"))


def _text_graph(name, tensor, collections=None):
    collections, step = _split_step(name, tensor, collections)
    if step is not None:
        return _text_eager(name, tensor, step)
    if not isinstance(tensor, Tensor):
        tensor = convert_to_tensor(summary_values.text_array(tensor), dtype=dtypes.string)
    if tensor.dtype != dtypes.string:
        raise DTypeError(f"text summary {name!r}: expected tensor {tensor.name} to have dtype "
                         f"string, got {tensor.dtype.name}.",
                         hint="format numbers into strings before summarising them as text")
    return _summary_op("TensorSummaryV2", name, None, collections, tensor, plugin_name="text")


def _text_eager(name, data, step=None, description=None):
    value = summary_values.text_array(_concrete(data) if hasattr(data, "numpy") else data)
    return _eager_write(name, step,
                        lambda tag: summary_values.tensor_value(tag, value, "text"))


def merge(inputs, collections=None, name=None):
    """Merges summaries into one: a string tensor (graph mode) or bytes (for bytes inputs).

    Raises:
        InvalidArgumentError (when run): two inputs share a tag.
    """
    inputs = list(inputs)
    if inputs and all(isinstance(s, (bytes, bytearray)) for s in inputs):
        return merge_serialized(inputs)
    if not inputs:
        raise ValueError("merge needs at least one summary tensor.")
    graph = next((s.graph for s in inputs if isinstance(s, Tensor)), get_default_graph())
    with graph.as_default(), graph.name_scope(name or "Merge"):
        merged = apply_op("MergeSummary", *inputs, name=name or "MergeSummary")
    if collections:
        graph.add_to_collections(collections, merged)
    return merged


def merge_all(key=GraphKeys.SUMMARIES, scope=None, name=None):
    """All summaries of collection `key` (default: every summary op) merged into one tensor,
    or None when there are none (TF 1.x)."""
    if executing_eagerly():
        raise RuntimeError("Merging tf.summary.* ops is not compatible with eager execution: "
                           "there are no summary ops to merge. Write summaries as they are "
                           "computed, inside tenseur.summary.create_file_writer(logdir)"
                           ".as_default().")
    summaries = get_default_graph().get_collection(key, scope=scope)
    if not summaries:
        return None
    return merge(summaries, name=name)
