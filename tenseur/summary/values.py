"""`Summary.Value`s from NumPy values: the one place that knows TensorBoard's formats.

Two families, as in TensorFlow:
- TF 1.x graph ops (`ScalarSummary`, `HistogramSummary`, `ImageSummary`) write the legacy
  fields `simple_value`, `histo` (TensorFlow's default exponential buckets) and `image`;
- the TF2 eager API writes tensors tagged with the plugin that reads them (`scalars`,
  `histograms`, `images`, `text`), as `tensorboard.plugins.*.summary_v2` does.
Text has only the tensor form. Layouts: `../shared/reference/tensorboard-events.md`.
"""
from __future__ import annotations

import functools
import re
import sys

import numpy as np

from .png import encode_png
from .protos import pb, tensor_proto

_INVALID_TAG_CHARACTERS = re.compile(r"[^-/\w.]")

# SummaryMetadata.DataClass (summary.proto)
_SCALAR, _TENSOR, _BLOB_SEQUENCE = 1, 2, 3


def clean_tag(name: str) -> str:
    """TF 1.x `clean_tag`: characters outside `[-/\\w.]` become `_`, leading slashes go."""
    return _INVALID_TAG_CHARACTERS.sub("_", name).lstrip("/")


def serialize(values) -> bytes:
    """The serialized `Summary` holding `values`."""
    return pb().summary.Summary(value=values).SerializeToString()


def _metadata(plugin_name: str, data_class: int):
    summary_pb2 = pb().summary
    return summary_pb2.SummaryMetadata(
        plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name=plugin_name),
        data_class=data_class)


# -- scalars ---------------------------------------------------------------------------------

def scalar_value(tag: str, value):
    """Legacy scalar: `simple_value` (a float32 on the wire), as TF 1.x `ScalarSummary`."""
    return pb().summary.Summary.Value(tag=tag, simple_value=float(value))


def scalar_tensor_value(tag: str, value):
    """TF2 scalar: a rank-0 float32 tensor for the `scalars` plugin.

    float32 because TensorBoard's fast (Rust) loader drops any other scalar tensor dtype.
    """
    return pb().summary.Summary.Value(tag=tag, metadata=_metadata("scalars", _SCALAR),
                                      tensor=tensor_proto(np.float32(value)))


# -- histograms ------------------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def default_bucket_limits() -> np.ndarray:
    """TensorFlow's default histogram bucket limits (`histogram.cc`, InitDefaultBuckets).

    Right edges growing by 10% from 1e-12 to 1e20 on each side of 0, then +-DBL_MAX; computed
    with the same repeated `v *= 1.1` so the edges are bit-identical to TensorFlow's.
    """
    positive = []
    v = 1.0e-12
    while v < 1.0e20:
        positive.append(v)
        v *= 1.1
    positive.append(sys.float_info.max)
    negative = [-x for x in reversed(positive)]
    return np.array(negative + [0.0] + positive, dtype=np.float64)


def histogram_proto(values):
    """A `HistogramProto` of `values` over TF's default buckets (TF 1.x `HistogramSummary`).

    Bucket i counts limit[i-1] <= v < limit[i]; runs of empty buckets are collapsed into one
    (TF's EncodeToProto), so the proto stays small. An empty input gives min=DBL_MAX,
    max=-DBL_MAX and one empty bucket, as TensorFlow.

    Raises:
        ValueError: `values` holds NaN or infinity (TensorFlow refuses them too).
    """
    values = np.asarray(values, dtype=np.float64).ravel()
    if not np.isfinite(values).all():
        raise ValueError("NaN or Inf in the values of a histogram summary")
    limits = default_bucket_limits()
    counts = np.bincount(np.searchsorted(limits, values, side="right"),
                         minlength=len(limits)).astype(np.float64)
    nonzero = counts > 0
    # keep non-empty buckets and the last bucket of each run of empty ones
    keep = nonzero | np.append(nonzero[1:], True)
    histogram = pb().summary.HistogramProto(
        min=float(values.min()) if values.size else sys.float_info.max,
        max=float(values.max()) if values.size else -sys.float_info.max,
        num=float(values.size), sum=float(values.sum()),
        sum_squares=float(np.dot(values, values)))
    histogram.bucket_limit.extend(limits[keep].tolist())
    histogram.bucket.extend(counts[keep].tolist())
    return histogram


def histogram_value(tag: str, values):
    return pb().summary.Summary.Value(tag=tag, histo=histogram_proto(values))


def histogram_buckets(values, bucket_count: int = 30) -> np.ndarray:
    """TF2 histogram: (bucket_count, 3) rows (left, right, count), equal-width over [min, max].

    As `tensorboard.plugins.histogram.summary_v2`: all equal values go in the first of
    `bucket_count` zero-width buckets; no values give zero rows of zeros.
    """
    values = np.asarray(values, dtype=np.float64).ravel()
    if bucket_count == 0 or values.size == 0:
        return np.zeros((bucket_count, 3))
    low, high = values.min(), values.max()
    if low == high:
        counts = np.zeros(bucket_count)
        counts[0] = values.size
        return np.stack([np.full(bucket_count, low), np.full(bucket_count, low), counts], axis=1)
    width = (high - low) / bucket_count
    indices = np.minimum(np.floor((values - low) / width).astype(np.int64), bucket_count - 1)
    counts = np.bincount(indices, minlength=bucket_count).astype(np.float64)
    edges = np.linspace(low, high, bucket_count + 1)
    edges[-1] = high
    return np.stack([edges[:-1], edges[1:], counts], axis=1)


def histogram_tensor_value(tag: str, values, buckets=None):
    array = histogram_buckets(values, 30 if buckets is None else int(buckets))
    return pb().summary.Summary.Value(tag=tag, metadata=_metadata("histograms", _TENSOR),
                                      tensor=tensor_proto(array))


# -- images ----------------------------------------------------------------------------------

_RED = np.array([255, 0, 0, 255], dtype=np.uint8)


def check_images(shape, dtype_name: str, channels=(1, 3, 4)) -> str | None:
    """What is wrong with an image batch of this static shape and dtype, or None."""
    if dtype_name not in ("uint8", "float16", "float32", "float64"):
        return f"images must be uint8 or floating point, got {dtype_name}"
    if shape is not None and len(shape) != 4:
        return f"images must be 4-D (batch, height, width, channels), got shape {tuple(shape)}"
    if shape is not None and shape[3] is not None and shape[3] not in channels:
        return (f"images must have {', '.join(map(str, channels))} channels "
                f"(the last dimension), got {shape[3]}")
    return None


def _normalize_tf1(image: np.ndarray, bad_color: np.ndarray) -> np.ndarray:
    """TF 1.x `ImageSummary` scaling of one float image to uint8 (summary_image_op.cc).

    All finite values >= 0: scaled so the largest is 255. Any negative value: scaled by the
    largest magnitude so 0 lands on 128 (127 either side). Pixels with a non-finite channel
    take `bad_color`.
    """
    kind = image.dtype.type
    finite = np.isfinite(image).all(axis=-1)
    pixels = image[finite]
    low = pixels.min() if pixels.size else np.inf
    high = pixels.max() if pixels.size else -np.inf
    if low < 0:
        magnitude = max(abs(low), abs(high))
        scale, offset = kind(0.0 if magnitude < 1e-6 else 127.0 / magnitude), kind(128.0)
    else:
        scale, offset = kind(0.0 if high < 1e-6 else 255.0 / high), kind(0.0)
    with np.errstate(invalid="ignore", over="ignore"):
        out = np.where(finite[..., None], image * scale + offset, 0).astype(np.uint8)
    out[~finite] = bad_color[:image.shape[-1]]
    return out


def image_values(tag: str, images, max_images: int = 3, bad_color=None) -> list:
    """TF 1.x `ImageSummary`: one PNG `Summary.Image` per image, for the first `max_images`.

    Tags are `tag/image` when `max_images` is 1, else `tag/image/0`, `tag/image/1`, ...
    """
    images = np.asarray(images)
    problem = check_images(images.shape, images.dtype.name)
    if problem:
        raise ValueError(problem)
    bad_color = _RED if bad_color is None else np.asarray(bad_color, dtype=np.uint8)
    summary_pb2 = pb().summary
    out = []
    for i, image in enumerate(images[:max_images]):
        if image.dtype != np.uint8:
            image = _normalize_tf1(image, bad_color)
        height, width, channels = image.shape
        encoded = summary_pb2.Summary.Image(height=height, width=width, colorspace=channels,
                                            encoded_image_string=encode_png(image))
        name = f"{tag}/image" if max_images == 1 else f"{tag}/image/{i}"
        out.append(summary_pb2.Summary.Value(tag=name, image=encoded))
    return out


def to_uint8_tf2(images: np.ndarray) -> np.ndarray:
    """TF2 `convert_image_dtype(saturate=True)`: floats in [0, 1] times 255.5, clipped and
    truncated; uint8 as is."""
    if images.dtype == np.uint8:
        return images
    return np.clip(images.astype(np.float64) * 255.5, 0, 255).astype(np.uint8)


def image_tensor_value(tag: str, images, max_outputs: int = 3):
    """TF2 image: a string tensor `[width, height, png_0, ...]` for the `images` plugin."""
    images = np.asarray(images)
    problem = check_images(images.shape, images.dtype.name, channels=(1, 2, 3, 4))
    if problem:
        raise ValueError(problem)
    pngs = [encode_png(image) for image in to_uint8_tf2(images[:max_outputs])]
    height, width = images.shape[1], images.shape[2]
    array = np.array([str(width).encode(), str(height).encode()] + pngs, dtype=object)
    return pb().summary.Summary.Value(tag=tag, metadata=_metadata("images", _BLOB_SEQUENCE),
                                      tensor=tensor_proto(array))


# -- text and other tensors ------------------------------------------------------------------

def tensor_value(tag: str, value, plugin_name: str, data_class: int = _TENSOR):
    """A tensor for `plugin_name` (`text`: strings; rank 0 one markdown block, else a table)."""
    return pb().summary.Summary.Value(tag=tag, metadata=_metadata(plugin_name, data_class),
                                      tensor=tensor_proto(value))


def text_array(value) -> np.ndarray:
    """`value` (str, bytes, nested lists or an array of them) as an object array of strings."""
    array = np.asarray(value, dtype=object)
    bad = [v for v in array.reshape(-1).tolist() if not isinstance(v, (str, bytes))]
    if bad:
        raise TypeError(f"text summaries take strings, got {type(bad[0]).__name__} {bad[0]!r}.")
    return array
