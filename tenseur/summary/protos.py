"""TensorBoard's protobuf classes, imported on first use, and NumPy values turned into them.

The classes come from the `tensorboard` package (`tensorboard.compat.proto`): same wire format
as TensorFlow's, no TensorFlow needed. They are imported only when a summary is built or
written, so `import tenseur` never pays for (or requires) TensorBoard.
"""
from __future__ import annotations

import functools
import types

import numpy as np

from ..framework import dtypes
from ..framework.shapes import TensorShape

INSTALL_HINT = 'pip install "tenseur[board]"  (or: pip install tensorboard)'

# tenseur dtype name -> TensorFlow's DataType enum value (types.proto).
_DATA_TYPES = {"float32": 1, "float64": 2, "int32": 3, "uint8": 4, "int16": 5, "int8": 6,
               "string": 7, "int64": 9, "bool": 10, "uint16": 17, "float16": 19}


@functools.lru_cache(maxsize=None)
def pb() -> types.SimpleNamespace:
    """The protobuf modules as `pb().event`, `pb().summary`, `pb().graph`, ...

    Raises:
        ImportError: the `tensorboard` package is not installed, with the command to install it.
    """
    try:
        from tensorboard.compat.proto import (attr_value_pb2, event_pb2, graph_pb2,
                                              node_def_pb2, summary_pb2, tensor_pb2,
                                              tensor_shape_pb2, types_pb2, versions_pb2)
    except ImportError as exc:
        raise ImportError(f"tenseur.summary writes TensorBoard files with the protobuf classes "
                          f"of the `tensorboard` package, which could not be imported ({exc}). "
                          f"Install it: {INSTALL_HINT}") from exc
    return types.SimpleNamespace(attr_value=attr_value_pb2, event=event_pb2, graph=graph_pb2,
                                 node_def=node_def_pb2, summary=summary_pb2, tensor=tensor_pb2,
                                 tensor_shape=tensor_shape_pb2, types=types_pb2,
                                 versions=versions_pb2)


def data_type(dtype) -> int:
    """The `DataType` enum value (DT_FLOAT = 1, ...) of a tenseur or NumPy dtype."""
    return _DATA_TYPES[dtypes.as_dtype(dtype).name]


def shape_proto(shape):
    """A `TensorShapeProto`: unknown dimensions as -1, unknown rank as `unknown_rank`."""
    shape = shape if isinstance(shape, TensorShape) else TensorShape(shape)
    proto = pb().tensor_shape.TensorShapeProto()
    if shape.dims is None:
        proto.unknown_rank = True
        return proto
    for dim in shape.dims:
        proto.dim.add(size=-1 if dim is None else dim)
    return proto


def _as_bytes(value) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, np.bytes_):
        return bytes(value)
    return str(value).encode("utf-8")


def tensor_proto(value, max_content_bytes=None):
    """A `TensorProto` holding `value` (a NumPy array, number, string or nested list).

    Numbers go to `tensor_content` (little-endian, row-major); strings to `string_val` as
    UTF-8. With `max_content_bytes`, a larger value keeps only its dtype and shape (graph
    attributes: a weight matrix would bloat the event file and TensorBoard drops it anyway).
    """
    array = value if isinstance(value, np.ndarray) else np.asarray(value)
    dtype = dtypes.as_dtype(array.dtype)
    proto = pb().tensor.TensorProto(dtype=data_type(dtype))
    proto.tensor_shape.CopyFrom(shape_proto(array.shape))
    if dtype == dtypes.string:
        values = [_as_bytes(v) for v in array.reshape(-1).tolist()]
        if max_content_bytes is None or sum(len(v) for v in values) <= max_content_bytes:
            proto.string_val.extend(values)
        return proto
    if max_content_bytes is None or array.nbytes <= max_content_bytes:
        little_endian = array.dtype.newbyteorder("<")
        proto.tensor_content = np.ascontiguousarray(array, dtype=little_endian).tobytes()
    return proto
