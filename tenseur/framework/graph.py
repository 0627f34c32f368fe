"""`Graph`: owns operations, unique names, name scopes, collections and the graph seed.

Names are made unique the TensorFlow way (`dense`, `dense_1`, case-insensitively), and the
default graph is a process-wide object with a per-thread stack of `as_default()` overrides.
"""
from __future__ import annotations

import contextlib
import threading

from .errors import GraphMismatchError


class GraphKeys:
    """Standard collection names (TF 1.x `tf.GraphKeys`)."""

    GLOBAL_VARIABLES = "variables"
    TRAINABLE_VARIABLES = "trainable_variables"
    LOCAL_VARIABLES = "local_variables"
    METRIC_VARIABLES = "metric_variables"
    MODEL_VARIABLES = "model_variables"
    MOVING_AVERAGE_VARIABLES = "moving_average_variables"
    SUMMARIES = "summaries"
    UPDATE_OPS = "update_ops"
    LOSSES = "losses"
    REGULARIZATION_LOSSES = "regularization_losses"
    GLOBAL_STEP = "global_step"
    TRAIN_OP = "train_op"
    INIT_OP = "init_op"
    VARIABLES = GLOBAL_VARIABLES


class Graph:
    """A dataflow graph: operations in creation order, with names, scopes and collections.

    Example:
        >>> g = Graph()
        >>> with g.as_default():
        ...     c = tenseur.constant(1.0, name="c")
        >>> g.get_tensor_by_name("c:0") is c
        True
    """

    def __init__(self):
        self._ops: list = []
        self._ops_by_name: dict = {}
        self._names_in_use: dict[str, int] = {}
        self._name_stack = ""
        self._collections: dict[str, list] = {}
        self._control_dependencies: list[list] = []
        self._finalized = False
        self._next_id = 0
        self.seed = None
        self._seed_counter = 0
        self._var_scope_stack: list = []     # managed by ops.variable_scope
        self._var_store: dict = {}           # get_variable's variables by full name
        self._building_function = False
        self.version = 0

    # -- default graph -------------------------------------------------------------------

    @contextlib.contextmanager
    def as_default(self):
        """Makes this graph the default graph of the current thread inside the `with` block."""
        _stack().append(self)
        try:
            yield self
        finally:
            _stack().pop()

    # -- names ---------------------------------------------------------------------------

    def get_name_scope(self) -> str:
        return self._name_stack

    def unique_name(self, name: str, mark_as_used: bool = True) -> str:
        """`name` inside the current name scope, suffixed `_1`, `_2`... if already taken."""
        if self._name_stack:
            name = self._name_stack + "/" + name
        name_key = name.lower()
        i = self._names_in_use.get(name_key, 0)
        if mark_as_used:
            self._names_in_use[name_key] = i + 1
        if i > 0:
            base_key = name_key
            while name_key in self._names_in_use:
                name_key = f"{base_key}_{i}"
                i += 1
            if mark_as_used:
                self._names_in_use[name_key] = 1
            name = f"{name}_{i - 1}"
        return name

    @contextlib.contextmanager
    def name_scope(self, name):
        """Opens a name scope: `s/` then `s_1/`; a trailing slash re-enters exactly; None resets."""
        old = self._name_stack
        if not name:
            new = ""
        elif name.endswith("/"):
            new = name[:-1]
        else:
            new = self.unique_name(name)
        self._name_stack = new
        try:
            yield (new + "/") if new else ""
        finally:
            self._name_stack = old

    # -- operations ----------------------------------------------------------------------

    def _add_op(self, op) -> None:
        if self._finalized:
            raise RuntimeError("Graph is finalized and cannot be modified.")
        op._id = self._next_id
        self._next_id += 1
        self._ops.append(op)
        self._ops_by_name[op.name] = op
        self.version += 1

    def _current_control_inputs(self) -> list:
        out: list = []
        for deps in self._control_dependencies:
            for d in deps:
                if d not in out:
                    out.append(d)
        return out

    @contextlib.contextmanager
    def control_dependencies(self, control_inputs):
        """Ops created inside run only after every op (or tensor's op) in `control_inputs`."""
        if control_inputs is None:
            saved, self._control_dependencies = self._control_dependencies, []
            try:
                yield
            finally:
                self._control_dependencies = saved
            return
        ops = []
        for c in control_inputs:
            c = getattr(c, "_as_control_op", lambda c=c: c)()
            op = getattr(c, "op", c)
            if getattr(op, "graph", self) is not self:
                raise GraphMismatchError(f"Control input {op.name!r} belongs to another graph.")
            ops.append(op)
        self._control_dependencies.append(ops)
        try:
            yield
        finally:
            self._control_dependencies.pop()

    def get_operations(self) -> list:
        return list(self._ops)

    def get_operation_by_name(self, name: str):
        if not isinstance(name, str):
            raise TypeError(f"Operation names are strings, got {name!r}.")
        try:
            return self._ops_by_name[name]
        except KeyError:
            raise KeyError(f"The name {name!r} refers to an Operation not in the graph.") from None

    def get_tensor_by_name(self, name: str):
        if not isinstance(name, str) or ":" not in name:
            raise ValueError(f"The name {name!r} looks like an Operation name, not a Tensor name; "
                             f"tensor names look like 'op_name:0'.")
        op_name, _, index = name.rpartition(":")
        op = self._ops_by_name.get(op_name)
        if op is None:
            raise KeyError(f"The name {name!r} refers to a Tensor which does not exist: the "
                           f"operation {op_name!r} does not exist in the graph.")
        index = int(index)
        if index >= len(op.outputs):
            raise KeyError(f"The name {name!r} refers to a Tensor which does not exist: "
                           f"{op_name!r} has only {len(op.outputs)} outputs.")
        return op.outputs[index]

    def as_graph_element(self, obj, allow_tensor=True, allow_operation=True):
        if isinstance(obj, str):
            return self.get_tensor_by_name(obj) if ":" in obj else self.get_operation_by_name(obj)
        obj = getattr(obj, "_as_graph_element", lambda: obj)()
        if getattr(obj, "graph", None) is not self:
            raise GraphMismatchError(f"{obj!r} is not an element of this graph.")
        return obj

    def as_graph_def(self, from_version=None, add_shapes=False):
        """A `GraphDef`-like object: `.node` is the list of every op's `node_def`."""
        from .operation import GraphDef
        return GraphDef([op.node_def for op in self._ops])

    def finalize(self) -> None:
        self._finalized = True

    @property
    def finalized(self) -> bool:
        return self._finalized

    # -- collections ---------------------------------------------------------------------

    def add_to_collection(self, name, value) -> None:
        self._collections.setdefault(name, []).append(value)

    def add_to_collections(self, names, value) -> None:
        for name in ([names] if isinstance(names, str) else names):
            self.add_to_collection(name, value)

    def get_collection_ref(self, name) -> list:
        return self._collections.setdefault(name, [])

    def get_collection(self, name, scope=None) -> list:
        items = list(self._collections.get(name, []))
        if scope is None:
            return items
        import re
        pattern = re.compile(scope)
        return [i for i in items if hasattr(i, "name") and pattern.match(i.name)]

    def clear_collection(self, name) -> None:
        self._collections.pop(name, None)

    def get_all_collection_keys(self) -> list:
        return list(self._collections)

    # -- seeds ---------------------------------------------------------------------------

    def _next_op_seed(self) -> int:
        self._seed_counter += 1
        return self._seed_counter

    def __repr__(self) -> str:
        return f"<tenseur.Graph object at {id(self):#x} with {len(self._ops)} ops>"


_global_default = Graph()
_local = threading.local()


def _stack() -> list:
    if not hasattr(_local, "stack"):
        _local.stack = []
    return _local.stack


def get_default_graph() -> Graph:
    """The graph new operations go to: the innermost `as_default()` one, else the global one."""
    stack = _stack()
    return stack[-1] if stack else _global_default


def reset_default_graph() -> None:
    """Replaces the global default graph with a new, empty one (TF 1.x semantics)."""
    global _global_default
    if _stack():
        raise AssertionError("Do not use tf.reset_default_graph() to clear nested graphs. If you "
                             "need a cleared graph, exit the nesting and create a new graph.")
    _global_default = Graph()


def name_scope(name, default_name=None, values=None):
    """`with tenseur.name_scope("layer1"):` prefixes the names of ops created inside."""
    if name is None and default_name is not None:
        name = default_name
    graph = get_default_graph()
    if values:
        graphs = {getattr(v, "graph", None) for v in values} - {None}
        if len(graphs) == 1:
            graph = graphs.pop()
    return graph.name_scope(name)


def control_dependencies(control_inputs):
    return get_default_graph().control_dependencies(control_inputs)


def add_to_collection(name, value) -> None:
    get_default_graph().add_to_collection(name, value)


def add_to_collections(names, value) -> None:
    get_default_graph().add_to_collections(names, value)


def get_collection(key, scope=None) -> list:
    return get_default_graph().get_collection(key, scope)


def get_collection_ref(key) -> list:
    return get_default_graph().get_collection_ref(key)
