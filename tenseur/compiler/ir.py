"""The plan-local graph the compiler passes rewrite: `Value`s and `Node`s built from the pruned
operations of one execution plan.

The user's `Graph` is never touched: a pass replaces a value by another (`PlanGraph.replace`),
gives a value a plan-time constant (`Value.const`), or swaps nodes for a fused one; the session
then binds the surviving nodes to kernels, in order.
"""
from __future__ import annotations

import numpy as np

from ..framework.shapes import TensorShape


class Value:
    """One value of the plan: an operation's output, a fed tensor, or a plan-time constant.

    Attributes: `dtype`, `shape` (static, may be refined by specialization), `producer` (the
    node computing it, None when fed or constant), `const` (a read-only array known when the
    plan is built, else None), `tensor` (the graph tensor it stands for, None for a value made
    by a pass), `fed`.
    """

    __slots__ = ("dtype", "shape", "producer", "const", "tensor", "fed", "name")

    def __init__(self, dtype, shape, producer=None, tensor=None, name=""):
        self.dtype, self.shape, self.producer = dtype, shape, producer
        self.tensor, self.name = tensor, name
        self.const = None
        self.fed = False

    @property
    def rank(self):
        return self.shape.ndims

    def fully_defined(self) -> bool:
        dims = self.shape.dims
        return dims is not None and all(d is not None for d in dims)

    def __repr__(self) -> str:
        kind = "const" if self.const is not None else "fed" if self.fed else "value"
        return f"<{kind} {self.name} {self.dtype.name} {self.shape}>"


class Node:
    """One step of the plan. Made from an `Operation` (`op` set, bound by its `OpDef`), or by a
    pass (`make(xp, ctx)` returns the callable; `members` lists the operations it replaces)."""

    __slots__ = ("op", "type", "name", "op_def", "attrs", "inputs", "outputs", "control",
                 "stateful", "pinned", "make", "members", "order")

    def __init__(self, type, name, inputs, outputs, *, op=None, op_def=None, attrs=None,
                 stateful=False, make=None, members=(), order=0):
        self.op, self.type, self.name = op, type, name
        self.op_def, self.attrs = op_def, attrs if attrs is not None else {}
        self.inputs, self.outputs = list(inputs), list(outputs)
        self.control: list = []
        self.stateful, self.pinned = stateful, False
        self.make, self.members, self.order = make, tuple(members), order

    def bind(self, xp, ctx):
        """The callable the executor runs for this node."""
        if self.make is not None:
            return self.make(xp, ctx)
        kernel = self.op_def.bind(self.op, xp, ctx)
        if len(self.outputs) == 1 and self.op.listed:
            # The executor takes one array from a one-output step; this kernel returns a list
            # of one (tf.split(x, 1), tf.unstack of a dimension of 1, tf.stack([x])'s gradient).
            return lambda *arrays: kernel(*arrays)[0]
        return kernel

    def __repr__(self) -> str:
        return f"<node {self.type} '{self.name}'>"


class PlanGraph:
    """The nodes of one plan in execution order, its fed values and its fetches.

    `fetches[i]` is a Value for a fetched tensor, or a Node for a fetched operation.
    """

    def __init__(self, ops, leaves, fed):
        self.values: dict = {}           # Tensor -> Value
        self.nodes: list[Node] = []
        self._alias: dict = {}           # Value -> Value replacing it
        self.fed = [self._value_of(t) for t in fed]
        for value in self.fed:
            value.fed = True
        by_op = {}
        for op in ops:
            outputs = [self._new_output(t) for t in op.outputs]
            node = Node(op.type, op.name, [self._value_of(t) for t in op.inputs], outputs,
                        op=op, op_def=op.op_def, attrs=op.attrs,
                        stateful=op.op_def.stateful, order=op._id)
            for value in outputs:
                value.producer = node
            by_op[op] = node
            self.nodes.append(node)
        for node in self.nodes:
            node.control = [by_op[c] for c in node.op.control_inputs if c in by_op]
        self.fetches = []
        for leaf in leaves:
            if hasattr(leaf, "value_index"):
                self.fetches.append(self._value_of(leaf))
            else:
                node = by_op.get(leaf)
                if node is not None:
                    node.pinned = True
                self.fetches.append(node)
        self.stats: dict[str, int] = {}

    def _new_output(self, tensor) -> Value:
        value = self.values.get(tensor)
        if value is None:
            value = self.values[tensor] = Value(tensor.dtype, tensor.shape, tensor=tensor,
                                                name=tensor.name)
        return value

    def _value_of(self, tensor) -> Value:
        return self._new_output(tensor)

    # -- rewriting ---------------------------------------------------------------------------

    def find(self, value: Value) -> Value:
        """The value standing for `value` after the replacements made so far."""
        alias = self._alias
        while value in alias:
            value = alias[value]
        return value

    def replace(self, old: Value, new: Value) -> None:
        """Every reader of `old` reads `new` instead (the two hold equal values)."""
        new = self.find(new)
        if old is not new:
            self._alias[old] = new

    def resolve(self) -> None:
        """Applies the pending replacements to every node's inputs and to the fetches."""
        if not self._alias:
            return
        find = self.find
        for node in self.nodes:
            node.inputs = [find(v) for v in node.inputs]
        self.fetches = [find(f) if isinstance(f, Value) else f for f in self.fetches]

    def count(self, what: str, n: int = 1) -> None:
        self.stats[what] = self.stats.get(what, 0) + n

    def constant(self, array, like: Value | None = None, name: str = "") -> Value:
        """A new plan-time constant holding `array` (made read-only)."""
        array = np.asarray(array)
        if array.flags.writeable:
            array = array.copy() if array.base is not None else array
            array.flags.writeable = False
        from ..framework import dtypes
        dtype = like.dtype if like is not None else dtypes.as_dtype(array.dtype)
        value = Value(dtype, TensorShape(array.shape), name=name or (like.name if like else ""))
        value.const = array
        return value

    def consumers(self) -> dict:
        """For each value, the nodes reading it (after `resolve`)."""
        readers: dict = {}
        for node in self.nodes:
            for value in node.inputs:
                readers.setdefault(value, []).append(node)
        return readers

    def fetched_values(self) -> set:
        return {f for f in self.fetches if isinstance(f, Value)}

    def eliminate_dead(self) -> None:
        """Drops the nodes no fetch needs (through inputs and control inputs)."""
        self.resolve()
        live: set = set()
        stack = [f.producer if isinstance(f, Value) else f for f in self.fetches]
        while stack:
            node = stack.pop()
            if node is None or id(node) in live:
                continue
            live.add(id(node))
            stack.extend(v.producer for v in node.inputs if v.const is None and not v.fed)
            stack.extend(node.control)
        before = len(self.nodes)
        self.nodes = [n for n in self.nodes if id(n) in live]
        if before != len(self.nodes):
            self.count("dead nodes removed", before - len(self.nodes))
        kept = {id(n) for n in self.nodes}
        for node in self.nodes:
            node.control = [c for c in node.control if id(c) in kept]
