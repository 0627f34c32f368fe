"""A tenseur graph as a real `GraphDef` protobuf, for TensorBoard's graph dashboard.

tenseur's own `Graph.as_graph_def()` is a list of plain `NodeDef`s whose attributes are Python
values (DType, TensorShape, NumPy arrays, numbers, strings, lists). Here each becomes its
`AttrValue`: dtypes their `DT_*` enum, shapes a `TensorShapeProto`, arrays a `TensorProto`
(only dtype and shape past 1 KiB: TensorBoard drops large attributes anyway). Built from a
`Graph`, every node also gets `_output_shapes`, which TensorBoard prints on the edges. Node
names keep their `/` scopes, which TensorBoard draws as collapsible groups.
"""
from __future__ import annotations

import numpy as np

from ..framework.dtypes import DType
from ..framework.graph import Graph
from ..framework.operation import GraphDef as PlainGraphDef
from ..framework.shapes import TensorShape
from .protos import data_type, pb, shape_proto, tensor_proto

MAX_CONST_BYTES = 1024
GRAPH_DEF_PRODUCER = 27     # the GraphDef version of TF 1.x graphs of that era; informational


def attr_value(value):
    """The `AttrValue` of one tenseur attribute value (unknown kinds: their `str`)."""
    attr_value_pb2 = pb().attr_value
    if isinstance(value, DType):
        return attr_value_pb2.AttrValue(type=data_type(value))
    if isinstance(value, TensorShape):
        return attr_value_pb2.AttrValue(shape=shape_proto(value))
    if isinstance(value, np.ndarray):
        return attr_value_pb2.AttrValue(tensor=tensor_proto(value, MAX_CONST_BYTES))
    if isinstance(value, (bool, np.bool_)):
        return attr_value_pb2.AttrValue(b=bool(value))
    if isinstance(value, (int, np.integer)):
        return attr_value_pb2.AttrValue(i=int(value))
    if isinstance(value, (float, np.floating)):
        return attr_value_pb2.AttrValue(f=float(value))
    if isinstance(value, (str, bytes)):
        return attr_value_pb2.AttrValue(s=value.encode() if isinstance(value, str) else value)
    if isinstance(value, (list, tuple)):
        items = _list_value(value)
        if items is not None:
            return attr_value_pb2.AttrValue(list=items)
    return attr_value_pb2.AttrValue(s=str(value).encode())


def _list_value(values):
    """A `ListValue` when every item is of one kind (ints, floats, ...), else None."""
    list_value = pb().attr_value.AttrValue.ListValue()
    if not values:
        return list_value
    kinds = [(DType, "type", data_type), (TensorShape, "shape", shape_proto),
             ((bool, np.bool_), "b", bool), ((int, np.integer), "i", int),
             ((float, np.floating, int, np.integer), "f", float),
             ((str, bytes), "s", lambda v: v.encode() if isinstance(v, str) else v)]
    for kind, field, convert in kinds:
        if all(isinstance(v, kind) and not (field in "if" and isinstance(v, (bool, np.bool_)))
               for v in values):
            getattr(list_value, field).extend(convert(v) for v in values)
            return list_value
    return None


def node_def_proto(node, output_shapes=None):
    """A `NodeDef` proto from a tenseur `NodeDef` (and the shapes of its outputs, if known)."""
    proto = pb().node_def.NodeDef(name=node.name, op=node.op, input=list(node.input),
                                  device=node.device or "")
    for key, value in node.attr.items():
        if value is not None:
            proto.attr[key].CopyFrom(attr_value(value))
    if output_shapes is not None and "_output_shapes" not in node.attr:
        proto.attr["_output_shapes"].list.shape.extend(shape_proto(s) for s in output_shapes)
    return proto


def graph_def_proto(graph):
    """`graph` (a tenseur `Graph`, its `as_graph_def()`, or a `GraphDef` proto) as a proto.

    Raises:
        TypeError: `graph` is none of those, with a hint when it is a Session.
    """
    graph_pb2 = pb().graph
    if isinstance(graph, graph_pb2.GraphDef):
        return graph
    proto = graph_pb2.GraphDef()
    proto.versions.producer = GRAPH_DEF_PRODUCER
    if isinstance(graph, Graph):
        for op in graph.get_operations():
            node = op.node_def
            node.device = op.device or node.device
            proto.node.append(node_def_proto(node, [t.shape for t in op.outputs]))
    elif isinstance(graph, PlainGraphDef):
        proto.node.extend(node_def_proto(node) for node in graph.node)
    else:
        hint = " (pass sess.graph, not the session)" if hasattr(graph, "graph") else ""
        raise TypeError(f"Expected a tenseur Graph, its as_graph_def() or a GraphDef proto, got "
                        f"{type(graph).__name__}{hint}.")
    return proto
