"""The op registry: one `OpDef` per op type (inference + kernel + gradient) and `apply_op`.

`apply_op` is the single path by which every public function adds an op: it converts the
inputs, runs `infer` (so shape errors surface when the graph is built, with the op's name and
its input specs), then adds an `Operation` to the graph. The executor later calls
`OpDef.bind` to get a plain callable running the kernel; the autodiff calls `OpDef.gradient`.
"""
from __future__ import annotations

import functools

import numpy as np

from ..framework import dtypes
from ..framework.errors import DTypeError, GraphMismatchError, ShapeError, TenseurError
from ..framework.graph import get_default_graph
from ..framework.operation import Operation
from ..framework.tensor import Tensor, TensorSpec

NOT_DIFFERENTIABLE = "NOT_DIFFERENTIABLE"
_REGISTRY: dict[str, "OpDef"] = {}


class OpDef:
    """The definition of one op type. Subclass, set the class attributes, register.

    Class attributes:
        inputs: names of the inputs, for messages (variadic ops use ("*values",)).
        attrs: attribute names and defaults; apply_op rejects unknown ones.
        stateful: the kernel reads/writes session state or draws random numbers; such ops get
            `ctx` in `bind` and are never folded or merged by the compiler.
        broadcasting: outputs broadcast the inputs NumPy-style; autodiff then sums each input's
            gradient back to the input's shape.
        gradient: a method `gradient(self, op, *grads)` returning one entry per input, or
            NOT_DIFFERENTIABLE; left as None it means "not written yet" (asking raises).
        splits_over_threads: the kernel may split its work over tenseur's threads
            (`backend.threads.parallel_map`); a plan holding such an op keeps BLAS to one
            thread for its whole run (see `Session._execute`).
    """

    type = ""
    inputs: tuple = ()
    attrs: dict = {}
    stateful = False
    broadcasting = False
    gradient = None
    splits_over_threads = False

    def infer(self, *specs, **attrs):
        """The output's TensorSpec, or a list of them (the op's outputs; a list even of one
        for ops whose count of outputs varies, as Split's)."""
        raise NotImplementedError(f"{self.type}: infer is not implemented")

    def kernel(self, xp, *arrays, **attrs):
        """The output array, or a list of arrays where `infer` gives a list."""
        raise NotImplementedError(f"{self.type}: kernel is not implemented")

    def bind(self, op, xp, ctx):
        """A callable taking the input arrays and returning the output(s), for the executor."""
        if op.attrs:
            return functools.partial(self.kernel, xp, **op.attrs)
        return functools.partial(self.kernel, xp)


def register_op(op_type: str):
    """Class decorator registering an `OpDef` subclass under the TF 1.x op type name."""

    def wrap(cls):
        if op_type in _REGISTRY:
            raise ValueError(f"Op type {op_type!r} is already registered "
                             f"(by {type(_REGISTRY[op_type]).__qualname__}).")
        cls.type = op_type
        _REGISTRY[op_type] = cls()
        return cls

    return wrap


def get_op_def(op_type: str) -> OpDef:
    try:
        return _REGISTRY[op_type]
    except KeyError:
        raise LookupError(f"No op registered under type {op_type!r}.") from None


def registered_op_types() -> list[str]:
    return sorted(_REGISTRY)


# -- conversion ---------------------------------------------------------------------------

def convert_to_tensor(value, dtype=None, name=None, preferred_dtype=None,
                      dtype_hint=None) -> Tensor:
    """A Tensor from a Tensor, a Variable, a NumPy array or a Python value. `preferred_dtype`
    (TF 1.x) or `dtype_hint` (TF 2) is used when the value converts to it.

    Raises:
        DTypeError: `value` is a Tensor whose dtype is not `dtype`.
    """
    if dtype_hint is not None and preferred_dtype is None:
        preferred_dtype = dtype_hint
    if isinstance(value, Tensor):
        if _eager_capture is not None and getattr(value, "_is_eager", False):
            value = _eager_capture(value)
        if dtype is not None and value.dtype != dtypes.as_dtype(dtype):
            raise DTypeError(f"Tensor {value.name} has dtype {value.dtype.name}, but "
                             f"{dtypes.as_dtype(dtype).name} is required here.",
                             hint=f"convert it with tenseur.cast(x, tenseur.{dtypes.as_dtype(dtype).name})")
        return value
    as_tensor = getattr(value, "_as_tensor", None)
    if as_tensor is not None:
        return convert_to_tensor(as_tensor(), dtype=dtype, name=name)
    if isinstance(value, (list, tuple)) and any(_contains_tensor(v) for v in value):
        return apply_op("Pack", *[convert_to_tensor(v, dtype=dtype) for v in value], axis=0,
                        name=name or "packed")
    scalar_key = None
    if type(value) in _SCALAR_TYPES and _executing_eagerly is not None and _executing_eagerly():
        # Eager `x * 2.0` converts the same Python number again and again: its value is
        # reused (keyed by type too, as 1 == 1.0 == True), in a new tensor each time so that
        # a tape watching one conversion never sees another.
        scalar_key = (type(value), value, dtype, preferred_dtype)
        cached = _eager_scalars.get(scalar_key)
        if cached is not None:
            return cached._fresh()
    if dtype is None:
        dtype = preferred_dtype if preferred_dtype is not None else dtypes.dtype_of_value(value)
        if preferred_dtype is not None and not _fits(value, dtypes.as_dtype(preferred_dtype)):
            dtype = dtypes.dtype_of_value(value)
    tensor = constant_op(value, dtype=dtype, name=name)
    if scalar_key is not None:
        if len(_eager_scalars) >= 1024:
            _eager_scalars.clear()
        _eager_scalars[scalar_key] = tensor
    return tensor


_SCALAR_TYPES = frozenset((float, int, bool))
_eager_scalars: dict = {}


def _contains_tensor(value) -> bool:
    if isinstance(value, Tensor) or hasattr(value, "_as_tensor"):
        return True
    if isinstance(value, (list, tuple)):
        return any(_contains_tensor(v) for v in value)
    return False


def _fits(value, dtype) -> bool:
    """Whether a Python/NumPy value converts to `dtype` without losing its kind (1.5 → int)."""
    kind = np.asarray(value).dtype.kind
    if dtype.is_floating:
        return kind in "fiub"
    if dtype.is_integer:
        return kind in "iub"
    if dtype.is_bool:
        return kind == "b"
    return True


def constant_op(value, dtype=None, shape=None, name=None) -> Tensor:
    """The `Const` op holding `value` converted to `dtype` (and broadcast to `shape`)."""
    dtype = dtypes.as_dtype(dtype) if dtype is not None else dtypes.dtype_of_value(value)
    if isinstance(value, Tensor):
        raise TypeError(f"tenseur.constant expects a Python or NumPy value, got Tensor {value.name}.")
    try:
        array = np.asarray(value, dtype=dtype.as_numpy_dtype)
    except (TypeError, ValueError) as exc:
        raise DTypeError(f"Cannot convert {value!r} to a {dtype.name} constant: {exc}") from None
    if not _fits(value, dtype) and np.asarray(value).size:
        raise DTypeError(f"Cannot convert {value!r} to a {dtype.name} constant without losing "
                         f"its fractional part.", hint="pass dtype=tenseur.float32 or round it first")
    if shape is not None:
        shape = tuple(shape)
        if array.size == 1 or array.ndim == 0:
            array = np.broadcast_to(array.reshape(()), shape).copy()
        elif array.size == int(np.prod(shape)):
            array = array.reshape(shape)
        else:
            raise ShapeError(f"constant: value has {array.size} elements, which cannot make "
                             f"shape {shape}.")
    if isinstance(value, np.ndarray) and np.shares_memory(array, value):
        array = array.copy()        # the graph keeps its own read-only copy, not the caller's
    array.flags.writeable = False
    return apply_op("Const", value=array, dtype=dtype, name=name or "Const")


# -- applying ops -------------------------------------------------------------------------

_eager_hook = None       # runs an op at once, or returns NotImplemented while building a graph
_eager_capture = None    # an eager tensor met by graph code -> a graph tensor (or an error)
_executing_eagerly = None


def set_eager_hook(hook, capture=None, executing_eagerly=None) -> None:
    """Installs tenseur.eager: `hook(op_def, inputs, attrs, name)` runs ops eagerly,
    `capture(eager_tensor)` turns an eager value into a tensor of the graph being built (a
    function's constant) or raises, `executing_eagerly()` says which mode is current."""
    global _eager_hook, _eager_capture, _executing_eagerly
    _eager_hook, _eager_capture, _executing_eagerly = hook, capture, executing_eagerly


def executing_eagerly() -> bool:
    """Whether ops run at once (eager mode) rather than adding nodes to a graph."""
    return _executing_eagerly is not None and _executing_eagerly()


def apply_op(op_type: str, *inputs, name=None, **attrs):
    """Adds an op of `op_type` to the graph (or runs it eagerly) and returns its output(s).

    Returns a Tensor for one output, a list for several, the Operation for none.
    """
    op_def = _REGISTRY.get(op_type)
    if op_def is None:
        raise LookupError(f"No op registered under type {op_type!r}.")
    for key in attrs:
        if key not in op_def.attrs:
            raise TypeError(f"{op_type}: unknown attribute {key}={attrs[key]!r}; known "
                            f"attributes are {sorted(op_def.attrs)}.")
    full_attrs = {**op_def.attrs, **attrs}
    if _eager_hook is not None:
        result = _eager_hook(op_def, inputs, full_attrs, name)
        if result is not NotImplemented:
            return result
    graph = _graph_of(op_type, inputs)
    if graph is get_default_graph():
        tensors = [convert_to_tensor(t) for t in inputs]
    else:
        with graph.as_default():
            tensors = [convert_to_tensor(t) for t in inputs]
    name = _valid_name(name or op_type)
    # A name ending in "/" is a scope already made unique (TF 1.x): use it as is.
    node_name = name[:-1] if name.endswith("/") else graph.unique_name(name)
    specs = [TensorSpec(t.shape, t.dtype) for t in tensors]
    try:
        out = op_def.infer(*specs, **full_attrs)
    except (TenseurError, ValueError, TypeError) as exc:
        raise _located(exc, op_type, node_name, op_def, specs) from None
    output_specs = [out] if isinstance(out, TensorSpec) else list(out)
    op = Operation(graph, op_def, node_name, tensors, full_attrs, output_specs,
                   graph._current_control_inputs(), listed=not isinstance(out, TensorSpec))
    graph._add_op(op)
    if not op.outputs:
        return op
    return op.outputs[0] if isinstance(out, TensorSpec) else op.outputs


def _valid_name(name: str) -> str:
    if not isinstance(name, str) or not name:
        raise ValueError(f"Op names must be non-empty strings, got {name!r}.")
    return name


def _graph_of(op_type, inputs):
    """The graph of the Tensor inputs (the default graph if none); all must agree."""
    graphs = {}
    for t in inputs:
        t = t._as_tensor() if hasattr(t, "_as_tensor") else t
        if isinstance(t, Tensor) and not getattr(t, "_is_eager", False):
            graphs.setdefault(id(t.graph), (t.graph, t))
    if not graphs:
        return get_default_graph()
    if len(graphs) > 1:
        names = ", ".join(t.name for _, t in graphs.values())
        raise GraphMismatchError(
            f"{op_type}: tensors {names} come from different graphs; all inputs of an op must "
            f"be in the same graph.",
            hint="tensors made before tenseur.reset_default_graph() (or inside another "
                 "`with graph.as_default():` block) cannot be mixed with new ones; rebuild them")
    return next(iter(graphs.values()))[0]


def _located(exc, op_type, node_name, op_def, specs):
    """Re-raises `exc` prefixed with the op type, node name and input specs (STYLE.md §4)."""
    message = getattr(exc, "message", None) or str(exc)
    hint = getattr(exc, "hint", None)
    names = list(op_def.inputs)
    if len(names) == 1 and names[0].startswith("*"):
        names = [f"{names[0][1:]}[{i}]" for i in range(len(specs))]
    described = ", ".join(f"{n}: {s.describe()}" for n, s in zip(names + [f"in{i}" for i in range(len(names), len(specs))], specs))
    full = f"{op_type} '{node_name}': {message}"
    if specs:
        full += f"\n  inputs: {described}"
    if isinstance(exc, TenseurError):
        cls = type(exc)
    else:
        cls = DTypeError if isinstance(exc, TypeError) else ShapeError
    return cls(full, hint=hint)
