"""`FuncGraph`: the graph a `tenseur.function` is traced into.

It differs from a user's Graph in what it accepts from the eager world around it: an eager
tensor used while tracing becomes a constant of the graph (`capture_eager`), and an eager
Variable becomes a `VariableV2` read of the shared eager state (its reads are remembered, so
the function knows which variables it touches and a tape can differentiate through them).
"""
from __future__ import annotations

from ..framework.graph import Graph
from ..ops.registry import constant_op

__all__ = ["FuncGraph"]


class FuncGraph(Graph):
    """A graph being (or having been) traced from a Python function."""

    def __init__(self, name: str, outer_graph=None):
        super().__init__()
        self.name = name
        self.outer_graph = outer_graph
        self._building_function = True
        self._captures: dict = {}          # id(eager tensor) -> (eager tensor, graph constant)
        self.variable_reads: list = []     # (eager Variable, its VariableV2 tensor), in order
        self.variables_created: list = []  # eager Variables made while tracing
        self.read_cache: dict = {}         # storage name -> the read in use (see _add_op)

    def _add_op(self, op) -> None:
        super()._add_op(op)
        if op.op_def.stateful and op.type != "VariableV2":
            # An op writing variables (Assign*, an optimizer's Apply*): later uses read anew,
            # after it, since plans run ops in creation order.
            attrs = op.attrs
            for name in (attrs.get("var_name"), *attrs.get("slot_names", ())):
                self.read_cache.pop(name, None)

    def capture_eager(self, tensor):
        """The constant standing for eager tensor `tensor` in this graph (made once)."""
        entry = self._captures.get(id(tensor))
        if entry is None:
            with self.as_default():
                const = constant_op(tensor.numpy() if tensor.shape.ndims else tensor._value,
                                    dtype=tensor.dtype, name="captured")
            entry = self._captures[id(tensor)] = (tensor, const)
        return entry[1]

    def variables(self) -> list:
        """The eager Variables this graph reads or writes, in first-use order."""
        seen: dict = {}
        for var, _ in self.variable_reads:
            seen.setdefault(id(var), var)
        for var in self._written:
            seen.setdefault(id(var), var)
        return list(seen.values())

    @property
    def _written(self) -> list:
        return self.__dict__.setdefault("_written_variables", [])

    def note_write(self, variable) -> None:
        if all(v is not variable for v in self._written):
            self._written.append(variable)

    def __repr__(self) -> str:
        return f"<tenseur FuncGraph {self.name!r} with {len(self._ops)} ops>"
