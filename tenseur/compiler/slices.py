"""Gradients of many slices of one tensor, summed in one array.

The gradient of `x[index]` is a StridedSliceGrad: zeros shaped like x with the slice's
gradient written in. When a program slices the same tensor many times (`x[:, t]` for every
time step of a hand-written RNN, the gates `z[:, :u]`, `z[:, u:2u]`...), autodiff sums those
zero-padded copies with an AddN: n full-size arrays allocated and added for n slices, which
grows as the square of the steps. This pass makes such an AddN one kernel that writes (adds)
each slice's gradient into a single zero array: the same additions in the same order at
every element (0 + g1 + g2 ...), so the same bits.
"""
from __future__ import annotations

from ..ops.array_ops import _strided_index
from .ir import Node, PlanGraph

_ATTRS = ("begin", "end", "strides", "begin_mask", "end_mask", "ellipsis_mask",
          "new_axis_mask", "shrink_axis_mask")


def merge_slice_gradients(graph: PlanGraph) -> None:
    """AddN nodes whose inputs include two or more StridedSliceGrads of one shape and dtype,
    each read by nothing else, become one SliceGradSum node."""
    readers = graph.consumers()
    fetched = graph.fetched_values()
    replaced = {}
    for node in graph.nodes:
        if node.type != "AddN" or node.stateful or node.control or node.pinned:
            continue
        out = node.outputs[0]
        if not out.fully_defined():
            continue
        grads, inputs, indices = [], [], []      # indices: a slice, or None (a whole array)
        for value in node.inputs:
            producer = value.producer
            if (producer is not None and producer.type == "StridedSliceGrad"
                    and producer.op is not None and value not in fetched
                    and len(readers.get(value, ())) == 1 and not producer.control
                    and not producer.pinned and value.dtype == out.dtype
                    and producer.inputs[1].shape.dims == out.shape.dims):
                grads.append(producer)
                inputs.append(producer.inputs[0])
                indices.append(_strided_index(**{k: producer.attrs[k] for k in _ATTRS}))
            else:
                inputs.append(value)
                indices.append(None)
        if len(grads) < 2:
            continue
        shape = tuple(out.shape.dims)
        dtype = out.dtype.as_numpy_dtype
        merged = Node("SliceGradSum", node.name, inputs, [out],
                      members=[g.op for g in grads] + [node.op], order=node.order)
        merged.make = (lambda xp, ctx, indices=tuple(indices), shape=shape, dtype=dtype:
                       _kernel(xp, indices, shape, dtype))
        out.producer = merged
        replaced[id(node)] = merged
        for g in grads:
            replaced[id(g)] = None
        graph.count("slice gradients summed in place", len(grads))
    if not replaced:
        return
    nodes = []
    for node in graph.nodes:
        new = replaced.get(id(node), node)
        if new is not None:
            nodes.append(new)
    graph.nodes = nodes


def _kernel(xp, indices, shape, dtype):
    """The sum, in the AddN's input order: slice gradients added into their slice, other
    terms over the whole array."""
    def slice_grad_sum(*arrays):
        out = xp.zeros(shape, dtype=dtype)
        for index, term in zip(indices, arrays):
            if index is None:
                out += term
            else:
                out[index] += term
        return out
    return slice_grad_sum
