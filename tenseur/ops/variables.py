"""`Variable`: a named value that persists across `Session.run` calls, and its initializers.

Graph form (TF 1.x): `v = Variable(init, name="w")` creates `w` (VariableV2, reads the value
in the running session), `w/initial_value` and `w/Assign` (= `v.initializer`). The value
itself lives in each Session, so two sessions on one graph share no weights.
"""
from __future__ import annotations

import numpy as np

from ..framework import dtypes
from ..framework.graph import GraphKeys, get_default_graph
from ..framework.tensor import Tensor
from .registry import apply_op, convert_to_tensor

__all__ = ["Variable", "global_variables", "trainable_variables", "local_variables",
           "global_variables_initializer", "initialize_all_variables", "variables_initializer",
           "local_variables_initializer", "model_variables", "is_variable_initialized",
           "report_uninitialized_variables", "assign", "assign_add", "assign_sub"]


_eager_variable_class = None    # set by tenseur.eager: what `Variable(...)` makes eagerly


def _set_eager_variable_class(cls) -> None:
    global _eager_variable_class
    _eager_variable_class = cls


class Variable:
    """A mutable tensor whose value persists across runs of a session.

    In eager mode (and when created while a `tenseur.function` is traced) `Variable(...)`
    makes an eager variable instead: it holds its value, needs no initializer or session, and
    `assign*` update it at once (see `tenseur.eager.variables`).

    Args:
        initial_value: a Tensor or value (or a callable returning one) giving the start value.
        trainable: add it to `trainable_variables()` (what optimizers update by default).
        name: the op name (default "Variable", made unique).
        dtype: convert the initial value to this dtype.
        collections: collection keys (default [GLOBAL_VARIABLES]).
    Example:
        >>> w = tenseur.Variable(tenseur.truncated_normal([784, 1]), name="w")
        >>> sess.run(tenseur.global_variables_initializer())
    """

    # NumPy defers `ndarray + Variable` to our reflected operators.
    __array_priority__ = 100

    def __new__(cls, *args, **kwargs):
        if cls is Variable and _eager_variable_class is not None \
                and _eager_variable_class._wanted():
            cls = _eager_variable_class
        return super().__new__(cls)

    def __init__(self, initial_value=None, trainable=True, collections=None, validate_shape=True,
                 caching_device=None, name=None, variable_def=None, dtype=None,
                 expected_shape=None, import_scope=None, constraint=None, shape=None,
                 synchronization=None, aggregation=None):
        if initial_value is None:
            raise ValueError("Variable: initial_value must be given (a value, a Tensor or a "
                             "callable returning one).")
        graph = get_default_graph()
        self.trainable = trainable
        self.constraint = constraint
        with graph.name_scope(name or "Variable") as scope:
            with graph.name_scope("Initializer"):
                value = initial_value() if callable(initial_value) else initial_value
            if isinstance(value, Tensor):
                init = value if dtype is None else convert_to_tensor(value, dtype=dtype)
            else:
                init = convert_to_tensor(value, dtype=dtype, name="initial_value")
            self._initial_value = init
            var_shape = init.shape if validate_shape else None
            if shape is not None:
                from ..framework.shapes import as_shape
                var_shape = as_shape(shape)
            self._var_name = scope[:-1]
            from ..framework.shapes import TensorShape
            self._variable = apply_op("VariableV2", shape=TensorShape(var_shape),
                                      dtype=init.dtype, var_name=self._var_name, name=scope)
            self._initializer_op = apply_op(
                "Assign", init, var_name=self._var_name, var_shape=self._variable.shape,
                var_dtype=init.dtype, validate_shape=validate_shape, name="Assign").op
            self._variable.op._variable = self
        if collections is None:
            collections = [GraphKeys.GLOBAL_VARIABLES]
        collections = list(collections)
        if trainable and GraphKeys.TRAINABLE_VARIABLES not in collections:
            collections.append(GraphKeys.TRAINABLE_VARIABLES)
        graph.add_to_collections(collections, self)

    # -- tensor-like -----------------------------------------------------------------------

    def _as_tensor(self) -> Tensor:
        return self._variable

    def _as_fetch(self) -> Tensor:
        return self._variable

    def value(self) -> Tensor:
        return self._variable

    def read_value(self) -> Tensor:
        return apply_op("Identity", self._variable, name="read")

    @property
    def name(self) -> str:
        return self._variable.name

    @property
    def op(self):
        return self._variable.op

    @property
    def graph(self):
        return self._variable.graph

    @property
    def dtype(self):
        return self._variable.dtype

    @property
    def shape(self):
        return self._variable.shape

    def get_shape(self):
        return self._variable.shape

    @property
    def device(self) -> str:
        return ""

    @property
    def initializer(self):
        """The op that sets the variable to its initial value."""
        return self._initializer_op

    @property
    def initial_value(self) -> Tensor:
        return self._initial_value

    def initialized_value(self) -> Tensor:
        return self._initial_value

    # -- assignment ------------------------------------------------------------------------

    def _assign(self, op_type, value, name, use_locking=False, read_value=True):
        value = convert_to_tensor(value, dtype=self.dtype)
        return apply_op(op_type, value, var_name=self._var_name, var_shape=self.shape,
                        var_dtype=self.dtype, name=name)

    def assign(self, value, use_locking=False, name=None, read_value=True):
        """An op setting the variable to `value`; running it returns the new value."""
        return self._assign("Assign", value, name or "Assign")

    def assign_add(self, delta, use_locking=False, name=None, read_value=True):
        return self._assign("AssignAdd", delta, name or "AssignAdd")

    def assign_sub(self, delta, use_locking=False, name=None, read_value=True):
        return self._assign("AssignSub", delta, name or "AssignSub")

    def eval(self, session=None):
        return self._variable.eval(session=session)

    def load(self, value, session=None):
        """Assigns `value` (a NumPy value) in `session` without adding ops to the graph."""
        from ..framework.session import _session_for
        import numpy as np
        session = _session_for(self.graph, session)
        session._state.write_variable(self._var_name,
                                      np.asarray(value, dtype=self.dtype.as_numpy_dtype))

    def is_initialized(self):
        return apply_op("IsVariableInitialized", var_name=self._var_name,
                        name="IsVariableInitialized")

    def __repr__(self) -> str:
        return (f"<tf.Variable '{self.name}' shape={self.shape} "
                f"dtype={self.dtype.name}_ref>")

    __hash__ = object.__hash__

    def __eq__(self, other):
        return self is other

    def __bool__(self):
        raise TypeError(f"Using a tenseur Variable ({self.name}) as a Python bool is not allowed.")

    def __iter__(self):
        raise TypeError(f"Variable {self.name} is not iterable in graph mode.")

    def _no_value(self, what):
        raise TypeError(f"{what} of graph Variable {self.name}: its value lives in a session. "
                        f"Read it with sess.run(v) or v.eval(session=sess) (Keras: "
                        f"keras.backend.get_value(v)).")

    def __int__(self):
        self._no_value("int()")

    def __float__(self):
        self._no_value("float()")

    def __array__(self, dtype=None, copy=None):
        self._no_value("A NumPy array")


def _install_operators() -> None:
    """Gives Variables the operators of Tensors (called once the ops are imported)."""
    names = ["add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "and", "or",
             "xor"]
    dunders = [f"__{n}__" for n in names] + [f"__r{n}__" for n in names]
    dunders += ["__lt__", "__le__", "__gt__", "__ge__", "__neg__", "__abs__", "__invert__",
                "__pos__"]
    for dunder in dunders:
        method = getattr(Tensor, dunder, None)
        if method is None:
            continue

        def make(method):
            def delegate(self, *args):
                return method(self._variable, *args)
            return delegate
        setattr(Variable, dunder, make(method))

    def getitem(self, key):
        # v[...] reads a slice; its `.assign(value)` writes the slice (TF's sliced assign).
        out = Tensor.__getitem__(self._variable, key)
        try:
            out.assign = lambda value, name=None, _key=key: _assign_slice(self, _key, value, name)
        except AttributeError:
            pass
        return out
    Variable.__getitem__ = getitem


def _assign_slice(variable, key, value, name=None):
    """`variable[key] = value` as one assignment of the whole variable: the slice's positions
    found by slicing a tensor of flat positions the same way, the new values scattered there,
    the other values kept. Returns what `variable.assign` returns."""
    from .array_ops import broadcast_to, ones_like, reshape, shape as shape_of
    from .elementwise_ops import cast, greater, where_
    from .nd_indexing_ops import scatter_nd
    from .sequence_ops import range as range_
    dims = variable.shape.as_list() if variable.shape.dims is not None else None
    if dims is None or None in dims:
        raise ValueError(f"Assigning to a slice of variable {variable.name} needs its full "
                         f"static shape, got {variable.shape}.")
    current = variable._variable
    size = int(np.prod(dims, dtype=np.int64))
    positions = reshape(range_(size), dims)[key]
    value = convert_to_tensor(value, dtype=current.dtype)
    value = broadcast_to(value, shape_of(positions))
    flat_positions = reshape(positions, [-1, 1])
    new_values = scatter_nd(flat_positions, reshape(value, [-1]), [size])
    hit = greater(scatter_nd(flat_positions, reshape(cast(ones_like(value), dtypes.int32), [-1]),
                             [size]), 0)
    updated = reshape(where_(hit, new_values, reshape(current, [-1])), dims)
    return variable.assign(updated, name=name)


# -- collections and initializers -----------------------------------------------------------

def global_variables(scope=None) -> list:
    """Every variable of the default graph (optimizer slots included)."""
    return get_default_graph().get_collection(GraphKeys.GLOBAL_VARIABLES, scope)


def trainable_variables(scope=None) -> list:
    """The variables optimizers update by default."""
    return get_default_graph().get_collection(GraphKeys.TRAINABLE_VARIABLES, scope)


def local_variables(scope=None) -> list:
    return get_default_graph().get_collection(GraphKeys.LOCAL_VARIABLES, scope)


def model_variables(scope=None) -> list:
    return get_default_graph().get_collection(GraphKeys.MODEL_VARIABLES, scope)


def variables_initializer(var_list, name="init"):
    """An op running the initializers of `var_list` (a NoOp when the list is empty)."""
    graph = get_default_graph()
    with graph.control_dependencies([v.initializer for v in var_list]):
        return apply_op("NoOp", name=name)


def global_variables_initializer():
    """The `init` op: initializes every global variable of the default graph."""
    return variables_initializer(global_variables(), name="init")


def local_variables_initializer():
    return variables_initializer(local_variables(), name="init_1")


def initialize_all_variables():
    """Pre-0.12 spelling of `global_variables_initializer`."""
    return global_variables_initializer()


def is_variable_initialized(variable):
    return variable.is_initialized()


def report_uninitialized_variables(var_list=None, name="report_uninitialized_variables"):
    """A string vector naming the variables (of `var_list`) not yet initialized."""
    import numpy as np
    var_list = global_variables() if var_list is None else var_list
    return apply_op("ReportUninitialized", var_names=tuple(v._var_name for v in var_list),
                    name=name)


def assign(ref, value, validate_shape=None, use_locking=None, name=None):
    return ref.assign(value, name=name)


def assign_add(ref, value, use_locking=None, name=None):
    return ref.assign_add(value, name=name)


def assign_sub(ref, value, use_locking=None, name=None):
    return ref.assign_sub(value, name=name)
