"""Eager Variables: `tenseur.Variable(...)` in eager mode holds its value.

The value lives in the eager state (`context.STATE.variables`) under a storage name unique
in the process, so the very kernels of graph mode work on it: a read is `VariableV2`, an
update is `Assign`/`AssignAdd`/`AssignSub` or an optimizer's fused `Apply*`, each run through
its `bind` with the eager state as `ctx`. Inside a traced `tenseur.function` the same
variable becomes a `VariableV2` node of the function's graph over the same storage, so the
function reads and updates the eager variable itself.

Variables created while a function is traced are lifted out of it (TF's `init_scope`): they
are made eagerly, once, from the initial value.
"""
from __future__ import annotations

import itertools
import weakref

import numpy as np

from ..autodiff import tape as tape_module
from ..framework.errors import GraphMismatchError
from ..framework.graph import get_default_graph
from ..framework.shapes import TensorShape
from ..framework.tensor import Tensor
from ..ops import variables as variables_module
from ..ops.registry import apply_op, convert_to_tensor
from . import context
from .context import EAGER_GRAPH, STATE
from .tensor import EagerTensor

__all__ = ["EagerVariable"]

_storage_counts: dict = {}


class _Creation:
    """The variable-creation policy of the function being traced (TF: first trace only)."""

    policy = None          # None: allowed; otherwise a callable raising the error


_CREATED = itertools.count()


class _Handle(EagerTensor):
    """What a tape tracks for a variable: an eager tensor whose value is the variable's now."""

    def __init__(self, variable):
        self._variable_ref = weakref.ref(variable)
        self.dtype = variable.dtype

    @property
    def _value(self):
        return STATE.variables[self._variable_ref()._var_name]


class _VariableOp:
    """`v.op` of an eager variable: its name, for code that names things after it."""

    __slots__ = ("name", "_variable", "type")

    def __init__(self, name, variable):
        self.name, self._variable, self.type = name, variable, "VarHandleOp"


class EagerVariable(variables_module.Variable):
    """A Variable holding its value, made by `tenseur.Variable(...)` in eager mode.

    Args: as `tenseur.Variable` (initial_value, trainable, name, dtype, shape, constraint).
    Example:
        >>> with tenseur.eager_mode():
        ...     v = tenseur.Variable([1.0, 2.0], name="v")
        ...     v.assign_add([1.0, 1.0])
        ...     print(v.numpy())
        [2. 3.]
    """

    def __init__(self, initial_value=None, trainable=True, collections=None, validate_shape=True,
                 caching_device=None, name=None, variable_def=None, dtype=None,
                 expected_shape=None, import_scope=None, constraint=None, shape=None,
                 synchronization=None, aggregation=None):
        if initial_value is None:
            raise ValueError("Variable: initial_value must be given (a value, a Tensor or a "
                             "callable returning one).")
        if _Creation.policy is not None:
            _Creation.policy()
        tracing = get_default_graph()
        with context.init_scope():
            graph = get_default_graph()
            with graph.name_scope(name or "Variable") as scope:
                value = initial_value() if callable(initial_value) else initial_value
                value = _initial_eager_value(value, dtype)
        self.trainable = bool(trainable)
        self.constraint = constraint
        self._op_name = scope[:-1]
        self._var_name = _storage_name(self._op_name)
        self._dtype = value.dtype
        self._shape = TensorShape(shape) if shape is not None else (
            value.shape if validate_shape else TensorShape(None))
        self._validate_shape = validate_shape
        STATE.write_variable(self._var_name, value._value)
        self._handle = _Handle(self)
        self._creation_index = next(_CREATED)      # orders GradientTape.watched_variables()
        weakref.finalize(self, STATE.variables.pop, self._var_name, None)
        if getattr(tracing, "_building_function", False):
            tracing.variables_created.append(self)

    @staticmethod
    def _wanted() -> bool:
        """Whether `Variable(...)` should make an eager variable now."""
        if context.executing_eagerly():
            return True
        return getattr(get_default_graph(), "_building_function", False)

    # -- reading ---------------------------------------------------------------------------

    def _as_tensor(self) -> Tensor:
        """The current value: an eager tensor, or a read node inside a traced function."""
        if context.executing_eagerly():
            value = EagerTensor(STATE.read_variable(self._var_name), self._dtype)
            if tape_module._ACTIVE:
                tape_module.record_read(self, value)
            return value
        graph = get_default_graph()
        if not getattr(graph, "_building_function", False):
            raise GraphMismatchError(
                f"The eager Variable {self.name} was used to build the graph {graph!r}; it "
                f"holds its value in the eager context, not in a graph's sessions.",
                hint="create the variable inside the graph (in graph mode), or use it from "
                     "eager code or a tenseur.function")
        read = graph.read_cache.get(self._var_name)
        if read is None:
            # One read per function graph until the next write there, so tenseur.gradients
            # over the function sees the tensor every use shares; a write (FuncGraph._add_op)
            # starts a new read, placed after it (plans run ops in creation order).
            with graph.name_scope(None):
                read = apply_op("VariableV2", shape=self._shape, dtype=self._dtype,
                                var_name=self._var_name, name=self._op_name + "/Read")
            graph.read_cache[self._var_name] = read
            graph.variable_reads.append((self, read))
        if tape_module._ACTIVE:
            tape_module.record_read(self, read)
        return read

    @property
    def _variable(self):
        # Variable's operators (`v + 1`, `v @ w`, `v[0]`) delegate to `self._variable`.
        return self._as_tensor()

    def value(self) -> Tensor:
        return self._as_tensor()

    def read_value(self) -> Tensor:
        return self._as_tensor()

    def numpy(self):
        """A copy of the current value as a NumPy array (a NumPy scalar for 0-d)."""
        value = np.array(STATE.variables[self._var_name])
        return value[()] if value.ndim == 0 else value

    def __array__(self, dtype=None, copy=None):
        value = STATE.variables[self._var_name]
        return np.array(value, dtype=dtype) if copy or dtype is not None else value

    # -- assignment ------------------------------------------------------------------------

    def _assign(self, op_type, value, name, use_locking=False, read_value=True):
        graph = None if context.executing_eagerly() else get_default_graph()
        if graph is not None and not getattr(graph, "_building_function", False):
            raise GraphMismatchError(
                f"The eager Variable {self.name} cannot be assigned in the graph {graph!r}.",
                hint="assign it from eager code or a tenseur.function")
        value = convert_to_tensor(value, dtype=self._dtype)
        out = apply_op(op_type, value, var_name=self._var_name, var_shape=self._shape,
                       var_dtype=self._dtype, validate_shape=self._validate_shape,
                       name=name or op_type)
        if graph is None:
            return self
        graph.note_write(self)
        return out

    def assign(self, value, use_locking=False, name=None, read_value=True):
        """Sets the value (eagerly: now, returning the variable itself)."""
        return self._assign("Assign", value, name)

    def assign_add(self, delta, use_locking=False, name=None, read_value=True):
        return self._assign("AssignAdd", delta, name)

    def assign_sub(self, delta, use_locking=False, name=None, read_value=True):
        return self._assign("AssignSub", delta, name)

    def load(self, value, session=None):
        self.assign(np.asarray(value, dtype=self._dtype.as_numpy_dtype))

    def eval(self, session=None):
        return self.numpy()

    def is_initialized(self):
        return EagerTensor(np.asarray(True))

    # -- description -----------------------------------------------------------------------

    @property
    def name(self) -> str:
        return self._op_name + ":0"

    @property
    def op(self):
        return _VariableOp(self._op_name, self)

    @property
    def graph(self):
        return EAGER_GRAPH

    @property
    def dtype(self):
        return self._dtype

    @property
    def shape(self):
        return self._shape

    def get_shape(self):
        return self._shape

    @property
    def initializer(self):
        return None

    @property
    def initial_value(self):
        raise RuntimeError(f"Variable {self.name}: initial_value is not kept in eager mode; "
                           f"read the value with v.numpy() or v.read_value().")

    def initialized_value(self):
        return self._as_tensor()

    def __repr__(self) -> str:
        value = np.asarray(STATE.variables[self._var_name])
        value = repr(value.item()) if value.ndim == 0 and value.dtype.kind in "fiub" \
            else np.array_repr(value)
        return (f"<tf.Variable '{self.name}' shape={self._shape} dtype={self._dtype.name}, "
                f"numpy={value}>")

    def __bool__(self):
        return bool(self._as_tensor())

    def __float__(self):
        return float(self._as_tensor())

    def __int__(self):
        return int(self._as_tensor())

    def __index__(self):
        return self._as_tensor().__index__()

    def __len__(self):
        return len(STATE.variables[self._var_name])

    def __iter__(self):
        return iter(self._as_tensor())

    def __format__(self, spec):
        return format(self.numpy(), spec) if spec else repr(self)


def _initial_eager_value(value, dtype) -> EagerTensor:
    """The initial value as an eager tensor; a traced graph's tensor is computed once."""
    if isinstance(value, variables_module.Variable):
        value = value.read_value()
    if isinstance(value, Tensor) and not getattr(value, "_is_eager", False):
        value = _evaluate_lifted(value)
    return convert_to_tensor(value, dtype=dtype)


def _evaluate_lifted(tensor) -> EagerTensor:
    """The value of a tensor made while tracing a function (e.g. `Variable(tf.zeros([3]))`
    inside it): computed once, as long as it does not depend on the function's inputs."""
    from ..framework.errors import InvalidArgumentError
    from ..framework.session import BaseSession
    graph = tensor.graph
    if not getattr(graph, "_building_function", False):
        raise GraphMismatchError(
            f"The graph tensor {tensor.name} cannot initialize an eager Variable: it has no "
            f"value outside Session.run.",
            hint="give the initial value as a NumPy array, a Python value or an eager tensor")
    session = BaseSession(graph=graph)
    session._state = context.FunctionState(STATE)
    try:
        value = session.run(tensor)
    except InvalidArgumentError as exc:
        raise ValueError(f"A Variable created inside tenseur.function must be initialized "
                         f"with a value that does not depend on the function's arguments; "
                         f"{tensor.name} does ({exc.message.splitlines()[0]}).") from None
    return EagerTensor(np.asarray(value), tensor.dtype)


def _storage_name(op_name: str) -> str:
    """A name unused in the eager state: eager variables may share a display name."""
    count = _storage_counts.get(op_name, 0)
    name = op_name if count == 0 else f"{op_name}_{count}"
    while name in STATE.variables:
        count += 1
        name = f"{op_name}_{count}"
    _storage_counts[op_name] = count + 1
    return name


variables_module._set_eager_variable_class(EagerVariable)
