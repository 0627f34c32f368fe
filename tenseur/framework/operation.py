"""`Operation`: a node of a `Graph`, with its `OpDef`, inputs, attributes and outputs."""
from __future__ import annotations

import numpy as np

from .dtypes import DType
from .shapes import TensorShape
from .tensor import Tensor


class NodeDef:
    """The node description TensorFlow's `op.node_def` gives: name, op, input, device, attr."""

    __slots__ = ("name", "op", "input", "device", "attr")

    def __init__(self, name, op, inputs, attr, device=""):
        self.name, self.op, self.input, self.attr, self.device = name, op, inputs, attr, device

    def __repr__(self) -> str:
        lines = [f'name: "{self.name}"', f'op: "{self.op}"']
        lines += [f'input: "{i}"' for i in self.input]
        for key in sorted(self.attr):
            lines.append(f"attr {{\n  key: \"{key}\"\n  value {{ {_attr_text(self.attr[key])} }}\n}}")
        return "\n".join(lines) + "\n"

    __str__ = __repr__


def _attr_text(value) -> str:
    if isinstance(value, DType):
        return f"type: DT_{value.name.upper()}"
    if isinstance(value, TensorShape):
        if value.dims is None:
            return "shape { unknown_rank: true }"
        return "shape { " + " ".join(f"dim {{ size: {-1 if d is None else d} }}"
                                     for d in value.dims) + " }"
    if isinstance(value, np.ndarray):
        return f"tensor {{ dtype: {value.dtype} shape: {list(value.shape)} }}"
    if isinstance(value, bool):
        return f"b: {str(value).lower()}"
    if isinstance(value, int):
        return f"i: {value}"
    if isinstance(value, float):
        return f"f: {value}"
    if isinstance(value, (bytes, str)):
        return f's: "{value}"'
    return f"list: {value!r}"


class GraphDef:
    """A serialisable view of a graph: `node` is the list of `NodeDef`s in creation order."""

    def __init__(self, nodes):
        self.node = nodes

    def __repr__(self) -> str:
        return "".join(f"node {{\n{n}}}\n" for n in self.node)


class Operation:
    """A node of the graph. Build ops through public functions (`tenseur.matmul`), not directly.

    Attributes: `name`, `type`, `inputs`, `outputs`, `control_inputs`, `graph`, `op_def`,
    `attrs` (the op's attributes as Python values). `listed`: its kernel returns a list of
    arrays even when it has one output (Split, Unpack, IdentityN... with a single piece).
    """

    def __init__(self, graph, op_def, name: str, inputs, attrs: dict, output_specs,
                 control_inputs=(), listed=False):
        self.graph = graph
        self.listed = listed
        self.op_def = op_def
        self.name = name
        self.type = op_def.type
        self.attrs = attrs
        self._inputs = tuple(inputs)
        self.control_inputs = list(control_inputs)
        self._id = -1
        self.outputs = [Tensor(self, i, spec.dtype, spec.shape) for i, spec in enumerate(output_specs)]
        for t in self._inputs:
            t._consumers.append(self)

    @property
    def inputs(self) -> tuple:
        return self._inputs

    @property
    def device(self) -> str:
        return ""

    def get_attr(self, name: str):
        try:
            return self.attrs[name]
        except KeyError:
            raise ValueError(f"Operation {self.name!r} ({self.type}) has no attr named {name!r}; "
                             f"it has {sorted(self.attrs)}.") from None

    @property
    def node_def(self) -> NodeDef:
        inputs = [t.op.name if t.value_index == 0 else t.name for t in self._inputs]
        inputs += ["^" + c.name for c in self.control_inputs]
        attr = {k: v for k, v in self.attrs.items() if v is not None}
        if self.outputs:
            attr.setdefault("T", self.outputs[0].dtype)
        return NodeDef(self.name, self.type, inputs, attr)

    def values(self) -> tuple:
        return tuple(self.outputs)

    def run(self, feed_dict=None, session=None) -> None:
        """Runs this operation in `session` (default: the default session)."""
        from .session import _session_for
        _session_for(self.graph, session).run(self, feed_dict)

    def __repr__(self) -> str:
        return f"<tf.Operation '{self.name}' type={self.type}>"
