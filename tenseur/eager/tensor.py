"""`EagerTensor`, a tensor holding its value, and the eager executor `apply_op` calls.

An EagerTensor is a `Tensor`, so every public function, operator (`a + b`, `t[1:]`) and
isinstance check of the graph API accepts it. Its value is a read-only-by-convention array of
the backend; `numpy()` returns it (it may share memory, as in TensorFlow).

`execute` is the eager branch of `apply_op`: the same `OpDef.infer` as graph mode (so shape
errors read the same), then the kernel through `OpDef.bind` with the eager state as `ctx`
(stateful ops read and write eager variables and generators), then every recording
GradientTape hears of the op. Inference results and bound kernels are cached per (op type,
attributes, input shapes and dtypes), so a small op costs a few dictionary lookups.
"""
from __future__ import annotations

import numpy as np

from .. import backend
from ..autodiff import tape as tape_module
from ..framework import graph as graph_module
from ..framework.dtypes import as_dtype
from ..framework.errors import GraphMismatchError, InvalidArgumentError, OpError, TenseurError
from ..framework.shapes import TensorShape
from ..framework.tensor import Tensor, TensorSpec
from ..ops import registry
from . import context
from .context import EAGER_GRAPH, STATE

__all__ = ["EagerTensor"]


class _ValueOp:
    """What `t.op` gives for an eager tensor: a constant holding its value.

    In eager mode every value is known, so build-time helpers that read constants (a shape
    given as a tensor, an axis) work on eager tensors unchanged.
    """

    __slots__ = ("_tensor",)
    type = "Const"
    inputs = ()
    control_inputs = ()

    def __init__(self, tensor):
        self._tensor = tensor

    @property
    def attrs(self):
        return {"value": self._tensor._value, "dtype": self._tensor.dtype}

    @property
    def outputs(self):
        return [self._tensor]

    @property
    def name(self):
        return "Const"

    def __repr__(self):
        return "<eager value>"


_NO_GRAPH = ("Tensor.graph is meaningless when eager execution is enabled: an eager tensor "
             "belongs to no graph.")


class EagerTensor(Tensor):
    """A tensor with a value, made by every op in eager mode.

    Example:
        >>> with tenseur.eager_mode():
        ...     t = tenseur.constant([1.0, 2.0]) * 3
        >>> t
        <tf.Tensor: shape=(2,), dtype=float32, numpy=array([3., 6.], dtype=float32)>
        >>> float(t[1]), t.numpy().sum()
        (6.0, 9.0)
    """

    _is_eager = True
    _consumers = ()
    value_index = 0

    def __init__(self, value, dtype=None):
        self._value = value
        self.dtype = dtype if dtype is not None else as_dtype(value.dtype)

    # -- what a graph tensor has ---------------------------------------------------------

    @property
    def shape(self) -> TensorShape:
        return TensorShape(self._value.shape)

    def get_shape(self) -> TensorShape:
        return TensorShape(self._value.shape)

    def set_shape(self, shape) -> None:
        if not self.shape.is_compatible_with(shape):
            raise ValueError(f"Tensor's shape {self.shape} is not compatible with supplied "
                             f"shape {TensorShape(shape)}.")

    @property
    def ndim(self) -> int:
        return self._value.ndim

    @property
    def op(self):
        return _ValueOp(self)

    @property
    def graph(self):
        raise AttributeError(_NO_GRAPH)

    @property
    def name(self) -> str:
        # TF raises here; a description keeps the error messages that quote names readable.
        return f"<eager {self.dtype.name} {self.shape}>"

    @property
    def device(self) -> str:
        return "/job:localhost/replica:0/task:0/device:CPU:0"

    def consumers(self) -> list:
        return []

    def spec(self) -> TensorSpec:
        return TensorSpec(self._value.shape, self.dtype)

    def eval(self, feed_dict=None, session=None):
        return self.numpy()

    # -- values --------------------------------------------------------------------------

    def numpy(self):
        """The value as a NumPy array (a NumPy scalar for 0-d tensors); may share memory."""
        value = backend.to_numpy(self._value)
        return value[()] if value.ndim == 0 else value

    def __array__(self, dtype=None, copy=None):
        value = backend.to_numpy(self._value)
        if dtype is not None and value.dtype != dtype:
            return value.astype(dtype)
        return value.copy() if copy else value

    def _scalar(self, kind: str):
        if self._value.size != 1:
            raise TypeError(f"only a tensor with one element converts to a Python {kind}; "
                            f"this one has shape {tuple(self._value.shape)}.")
        return self._value.reshape(()).item()

    def __bool__(self):
        if self._value.size != 1:
            raise ValueError(f"The truth value of a tensor of shape {tuple(self._value.shape)} "
                             f"is ambiguous; use tenseur.reduce_any or tenseur.reduce_all.")
        return bool(self._scalar("bool"))

    def __float__(self):
        return float(self._scalar("float"))

    def __int__(self):
        return int(self._scalar("int"))

    def __index__(self):
        if not self.dtype.is_integer or self._value.ndim != 0:
            raise TypeError(f"only an integer scalar tensor can be used as an index, got "
                            f"{self.dtype.name} of shape {tuple(self._value.shape)}.")
        return int(self._value)

    def __complex__(self):
        return complex(self._scalar("complex"))

    def __len__(self):
        if self._value.ndim == 0:
            raise TypeError("Scalar tensor has no `len()`.")
        return self._value.shape[0]

    def __iter__(self):
        if self._value.ndim == 0:
            raise TypeError("Cannot iterate over a scalar tensor.")
        for i in range(self._value.shape[0]):
            yield self[i]

    def __getitem__(self, key):
        # Integer eager tensors are valid indices in eager mode: turn them into Python ints,
        # then index as graph tensors do (a StridedSlice, so tapes see it).
        items = key if isinstance(key, tuple) else (key,)
        if isinstance(key, EagerTensor) and key.dtype.is_bool:
            return Tensor.__getitem__(self, key)        # a boolean mask: boolean_mask
        if any(isinstance(k, EagerTensor) for k in items):
            items = tuple(k.__index__() if isinstance(k, EagerTensor) else k for k in items)
            key = items if isinstance(key, tuple) else items[0]
        return Tensor.__getitem__(self, key)

    def __format__(self, spec):
        return format(self.numpy(), spec) if spec else str(self)

    def __repr__(self) -> str:
        value = np.asarray(self.numpy())
        numpy = repr(value.item()) if value.ndim == 0 and value.dtype.kind in "fiub" \
            else np.array_repr(value)
        return f"<tf.Tensor: shape={self.shape}, dtype={self.dtype.name}, numpy={numpy}>"

    def __str__(self) -> str:
        return f"tf.Tensor({np.asarray(self.numpy())}, shape={self.shape}, dtype={self.dtype.name})"

    def _fresh(self) -> EagerTensor:
        """Another tensor with this value (values are immutable, so it is shared)."""
        return EagerTensor(self._value, self.dtype)

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self

    def __reduce__(self):
        return (_rebuild, (np.asarray(self.numpy()), self.dtype.name))


def _install_fast_operators() -> None:
    """`a + b`, `a - b`, `a * b`, `a @ b` between two eager tensors go straight to the eager
    executor (the very `apply_op` path minus the argument conversions, which have nothing to
    do): these operators dominate eager loops. Anything else, and graph mode (an eager tensor
    captured while a function is traced), takes the operators of Tensor."""
    table = {"__add__": ("Add", "add"), "__sub__": ("Sub", "sub"), "__mul__": ("Mul", "mul"),
             "__matmul__": ("MatMul", "MatMul")}
    for dunder, (op_type, name) in table.items():
        op_def = registry.get_op_def(op_type)
        attrs = dict(op_def.attrs)
        general = getattr(Tensor, dunder)

        def operator(self, other, op_def=op_def, attrs=attrs, name=name, general=general):
            if type(other) is EagerTensor:
                result = execute(op_def, (self, other), attrs, name)
                if result is not NotImplemented:
                    return result
            return general(self, other)
        operator.__name__ = dunder
        setattr(EagerTensor, dunder, operator)


def _rebuild(value, dtype_name):
    return EagerTensor(np.asarray(value), as_dtype(dtype_name))


# -- the executor ---------------------------------------------------------------------------

class _OpView:
    """The `op` an `OpDef.bind` sees in eager mode: the attributes (names are not kept: eager
    kernels are shared by every call with the same attributes, as TF's kernel cache)."""

    __slots__ = ("type", "name", "attrs", "op_def", "inputs", "outputs")

    def __init__(self, op_def, attrs):
        self.type = self.name = op_def.type
        self.op_def = op_def
        self.attrs = attrs
        self.inputs = self.outputs = ()


_CONST = registry.get_op_def("Const")
_PLACEHOLDER = registry.get_op_def("Placeholder")
_MAX_CACHE = 20000
_infer_cache: dict = {}
_kernel_cache: dict = {}
_graph_local = graph_module._local


def _is_eager() -> bool:
    stack = getattr(_graph_local, "stack", None)
    if stack:
        return stack[-1] is EAGER_GRAPH
    return context._process_eager


def execute(op_def, inputs, attrs, name):
    """Runs one op at once; `NotImplemented` when a graph is being built instead."""
    stack = getattr(_graph_local, "stack", None)
    if not (stack[-1] is EAGER_GRAPH if stack else context._process_eager):
        return NotImplemented
    if op_def is _CONST:
        return EagerTensor(attrs["value"], attrs["dtype"])
    # Inference depends on the input shapes and dtypes and the attributes only: cache it,
    # and the bound kernel, per (op, attributes[, inputs]). NumPy dtypes stand for the
    # tenseur ones (one to one) and hash fast. One and two inputs are spelled out: they are
    # most ops, and the generic comprehensions cost as much as the kernel of a small op.
    count = len(inputs)
    if count == 2:
        x, y = inputs
        if type(x) is not EagerTensor:
            x = _to_eager(x, op_def, 0)
        if type(y) is not EagerTensor:
            y = _to_eager(y, op_def, 1)
        tensors = (x, y)
        a, b = arrays = (x._value, y._value)
        signature = (a.shape, a.dtype, b.shape, b.dtype)
    elif count == 1:
        x = inputs[0]
        if type(x) is not EagerTensor:
            x = _to_eager(x, op_def, 0)
        tensors = (x,)
        a = x._value
        arrays = (a,)
        signature = (a.shape, a.dtype)
    else:
        tensors = [x if type(x) is EagerTensor else _to_eager(x, op_def, i)
                   for i, x in enumerate(inputs)]
        arrays = [t._value for t in tensors]
        signature = tuple((a.shape, a.dtype) for a in arrays)
    try:
        attr_key = tuple(attrs.values()) if attrs else ()
        key = (op_def, attr_key, signature)
        info = _infer_cache.get(key)
    except TypeError:                 # an unhashable attribute: no caching for this op
        key = attr_key = info = None
    if info is None:
        info = _infer(op_def, tensors, attrs, name)
        fn = _kernel_cache.get((op_def, attr_key)) if attr_key is not None else None
        if fn is None:
            fn = op_def.bind(_OpView(op_def, attrs), backend.get_array_module(), STATE)
            if attr_key is not None:
                if len(_kernel_cache) >= _MAX_CACHE:
                    _kernel_cache.clear()
                _kernel_cache[(op_def, attr_key)] = fn
        info = (*info, fn)
        if key is not None:
            if len(_infer_cache) >= _MAX_CACHE:
                _infer_cache.clear()
            _infer_cache[key] = info
    single, out_dtypes, fn = info
    try:
        result = fn(*arrays)
    except OpError as exc:
        if exc.node_name is None:
            exc.node_name = name or op_def.type
        raise
    except (ArithmeticError, ValueError, TypeError, IndexError, MemoryError) as exc:
        shapes = ", ".join(str(tuple(a.shape)) for a in arrays)
        raise InvalidArgumentError(
            f"{op_def.type} '{name or op_def.type}' failed while running eagerly: {exc}\n"
            f"  input shapes: ({shapes})", node_name=name or op_def.type) from exc
    if single:
        dtype = out_dtypes[0]
        if type(result) is not np.ndarray or result.dtype is not dtype._np:
            result = _as_array(result, dtype)
        out = EagerTensor(result, dtype)
        if tape_module._ACTIVE:
            tape_module.record_operation(op_def, tensors, (out,), attrs, name)
        return out
    outputs = [EagerTensor(_as_array(r, d), d) for r, d in zip(result, out_dtypes)] \
        if out_dtypes else []
    if tape_module._ACTIVE:
        tape_module.record_operation(op_def, tensors, outputs, attrs, name)
    return outputs if outputs else None


def _as_array(array, dtype):
    """A kernel's result as an array of the inferred dtype (NumPy returns scalars for 0-d)."""
    if type(array) is not np.ndarray:
        array = backend.get_array_module().asarray(array)
    if array.dtype != dtype._np:
        array = array.astype(dtype._np)
    return array


def _wrap(array, dtype):
    return EagerTensor(_as_array(array, dtype), dtype)


def _infer(op_def, tensors, attrs, name):
    """(single output?, output dtypes) from `OpDef.infer`; errors located as in graph mode."""
    if op_def is _PLACEHOLDER:
        raise RuntimeError("tenseur.placeholder() is not compatible with eager execution: ops "
                           "run at once, so pass values (NumPy arrays, eager tensors) directly, "
                           "or build the graph inside `with tenseur.graph_mode():`.")
    specs = [TensorSpec(t._value.shape, t.dtype) for t in tensors]
    try:
        out = op_def.infer(*specs, **attrs)
    except (TenseurError, ValueError, TypeError) as exc:
        raise registry._located(exc, op_def.type, name or op_def.type, op_def, specs) from None
    if isinstance(out, TensorSpec):
        return True, (out.dtype,)
    return False, tuple(s.dtype for s in out)


def _to_eager(value, op_def, index):
    """An input of an eager op as an EagerTensor; a graph tensor here is a mistake."""
    if isinstance(value, Tensor):
        if getattr(value, "_is_eager", False):
            return value
        raise _graph_tensor_error(value, op_def, index)
    tensor = registry.convert_to_tensor(value)
    if not isinstance(tensor, EagerTensor):
        raise _graph_tensor_error(tensor, op_def, index)
    return tensor


def _graph_tensor_error(tensor, op_def, index):
    names = list(op_def.inputs) or ["input"]
    arg = names[index] if index < len(names) and not names[0].startswith("*") else f"input {index}"
    return GraphMismatchError(
        f"{op_def.type}: {arg} is the graph tensor '{tensor.name}', but ops run eagerly here; "
        f"a graph tensor has a value only inside Session.run.",
        hint="build graph code inside `with tenseur.graph_mode():` (or a Graph's "
             "as_default()), or give eager ops values: NumPy arrays or eager tensors")


def capture(tensor):
    """An eager tensor met while a graph is built: kept in eager mode, a constant of a function
    being traced (eager values are immutable, so capturing by value is exact), else an error."""
    if _is_eager():
        return tensor
    graph = graph_module.get_default_graph()
    capture_eager = getattr(graph, "capture_eager", None)
    if capture_eager is not None:
        return capture_eager(tensor)
    raise GraphMismatchError(
        f"An eager tensor ({tensor.dtype.name} {tensor.shape}) was used to build the graph "
        f"{graph!r}; eager tensors are values, not graph nodes.",
        hint="use tenseur.constant(t.numpy()) to put its value in the graph, or run this code "
             "eagerly (outside `graph_mode()` / `Graph.as_default()`)")


registry.set_eager_hook(execute, capture, _is_eager)
_install_fast_operators()
tape_module._eager_value = _wrap
