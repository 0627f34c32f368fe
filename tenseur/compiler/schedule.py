"""Inter-op parallelism: which steps of a plan may run on a helper thread.

A heavy pure step (a matrix product or convolution of known shapes) whose value is first read
several steps later is started on a helper thread, and the executor waits for it just before
that first reader; meanwhile the caller's thread runs the steps in between. NumPy releases the
interpreter lock inside BLAS and large ufunc loops, so with one BLAS thread each, two cores
work at once: the filter gradient of a convolution layer is computed while the input gradient
flows on to the layer below.

Values are immutable arrays and stateful ops stay on the caller's thread in their order, so
the results are those of the sequential plan, bit for bit. Off by default, switched on by
`config={"inter_op_threads": 2}` or TENSEUR_INTER_OP_THREADS=2: measured on the slides' CNN
(2 cores shared with other work, one BLAS thread), overlapping the convolution gradients made
a step slower (579 against 484 ms median), the convolution kernels' Python loops contending
for the interpreter lock and both streams for memory bandwidth.
"""
from __future__ import annotations

import os
from collections.abc import Mapping

import numpy as np

from .ir import Node, PlanGraph

# Below this many floating-point operations a step is not worth a thread hand-off (~50 us).
MIN_FLOPS = 4e6
_CONV_FORWARD = ("Conv2D", "DepthwiseConv2dNative")
_CONV_INPUT = ("Conv2DBackpropInput", "DepthwiseConv2dNativeBackpropInput")
_CONV_FILTER = ("Conv2DBackpropFilter", "DepthwiseConv2dNativeBackpropFilter")


def inter_op_threads(config=None) -> int:
    """Threads running plan steps at once for a session made with `config` (1 or 2)."""
    if isinstance(config, Mapping) and "inter_op_threads" in config:
        return max(1, int(config["inter_op_threads"]))
    value = os.environ.get("TENSEUR_INTER_OP_THREADS", "").strip()
    return max(1, int(value)) if value else 1


def _size(value) -> int | None:
    dims = value.shape.dims
    if dims is None or any(d is None for d in dims):
        return None
    return int(np.prod(dims, dtype=np.int64))


def flops(node: Node) -> float:
    """A static estimate of a node's floating-point operations (0 when unknown or cheap)."""
    kind = node.members[0].type if node.members else node.type
    ins, out = node.inputs, node.outputs[0] if node.outputs else None
    if out is None or node.stateful:
        return 0.0
    try:
        if kind == "MatMul":
            a = ins[0]
            inner = a.shape.dims[-1] if not node_attr(node, "transpose_a") else a.shape.dims[-2]
            return 2.0 * _size(out) * inner
        if kind in _CONV_FORWARD:
            w = ins[1].shape.dims
            return 2.0 * _size(out) * w[0] * w[1] * w[2]
        if kind in _CONV_INPUT:
            w, dy = ins[1].shape.dims, ins[2]
            return 2.0 * _size(dy) * w[0] * w[1] * w[2]
        if kind in _CONV_FILTER:
            f, dy = out.shape.dims, ins[2]
            return 2.0 * _size(dy) * f[0] * f[1] * f[2]
    except (TypeError, IndexError):
        return 0.0
    return 0.0


def node_attr(node: Node, name: str):
    op = node.members[0] if node.members else node.op
    return op.attrs.get(name) if op is not None else None


def mark_async(graph: PlanGraph) -> set:
    """The indices (in `graph.nodes`) of the nodes to start on the helper thread.

    One at a time: a heavy pure single-output node is started when no other is in flight and
    the caller's thread has heavy work of its own before the node's first reader (so the two
    overlap instead of queueing on the one helper)."""
    nodes = graph.nodes
    first_reader: dict = {}
    for index, node in enumerate(nodes):
        for value in node.inputs:
            first_reader.setdefault(value, index)
    cost = [flops(node) for node in nodes]
    chosen, busy_until = set(), -1
    for index, node in enumerate(nodes):
        if index < busy_until or cost[index] < MIN_FLOPS or len(node.outputs) != 1 \
                or node.pinned:
            continue
        reader = first_reader.get(node.outputs[0], len(nodes))
        if sum(cost[index + 1:reader]) >= MIN_FLOPS:
            chosen.add(index)
            busy_until = reader
    return chosen
