"""`tenseur.function`: trace a Python function into a graph once per input signature, then
replay the graph's execution plan.

A call is keyed by its arguments: tensors (and NumPy arrays) by shape and dtype, Python values
by value, other objects by identity. A new key traces the Python body into a `FuncGraph`
(tensor arguments become placeholders; Python control flow runs now, once); a known key replays
a `ConcreteFunction` — a Session-style plan over that graph, run with a state that shares the
eager variables' storage, so reads and assignments inside are those of the eager Variables.

Under a GradientTape, a call is recorded as one op. Its gradient is the graph's own gradient:
`tenseur.gradients` over the function graph (built once, lazily), wrapped as another
`ConcreteFunction` — whose calls are recorded in turn, so higher orders work. The values of
the forward pass's stateful ops (variable reads, random draws) are saved and fed to the
backward pass, which therefore sees exactly what the forward pass saw.
"""
from __future__ import annotations

import functools
import inspect
import weakref

import numpy as np

from ..autodiff import tape as tape_module
from ..autodiff.gradients import gradients
from ..framework.nest import flatten, pack_sequence_as
from ..framework.dtypes import as_dtype
from ..framework.errors import GraphMismatchError
from ..framework.graph import get_default_graph
from ..framework.operation import Operation
from ..framework.session import BaseSession
from ..framework.tensor import Tensor, TensorSpec
from ..ops import array_ops
from ..ops import variables as variables_module
from ..ops.math_ops import add_n
from ..ops.registry import OpDef, convert_to_tensor
from . import context
from .context import EAGER_GRAPH, STATE
from .func_graph import FuncGraph
from .tensor import EagerTensor, _wrap
from .variables import _Creation

__all__ = ["function", "Function", "ConcreteFunction"]


def function(func=None, input_signature=None, autograph=True, jit_compile=None,
             reduce_retracing=False, experimental_relax_shapes=None, name=None):
    """Makes `func` a `Function`: traced into a graph per input signature, then replayed.

    Args:
        func: the Python function (or use `@tenseur.function(...)` as a decorator factory).
        input_signature: a list of `tenseur.TensorSpec` (None dimensions allowed): one trace
            for every call, arguments checked against it.
        autograph, jit_compile, reduce_retracing: accepted for TF compatibility; Python control
            flow runs at trace time (use `tenseur.cond` / `tenseur.while_loop` for
            data-dependent control flow).
    Example:
        >>> @tenseur.function
        ... def step(x):
        ...     return tenseur.reduce_sum(x * x)
        >>> step(tenseur.constant([1.0, 2.0]))        # traces, then runs the plan
        >>> step(tenseur.constant([3.0, 4.0]))        # same signature: replays, no trace
    """
    if func is None:
        return functools.partial(function, input_signature=input_signature,
                                 autograph=autograph, jit_compile=jit_compile,
                                 reduce_retracing=reduce_retracing, name=name)
    return Function(func, input_signature=input_signature, name=name)


class Function:
    """A Python function traced into graphs on demand (see `tenseur.function`)."""

    def __init__(self, python_function, input_signature=None, name=None):
        if not callable(python_function):
            raise TypeError(f"tenseur.function expects a callable, got {python_function!r}.")
        functools.update_wrapper(self, python_function)
        self.python_function = python_function
        self._name = name or getattr(python_function, "__name__", "function")
        self._signature = inspect.signature(python_function)
        self.input_signature = None if input_signature is None else list(input_signature)
        if self.input_signature is not None:
            for spec in flatten(self.input_signature):
                if not isinstance(spec, TensorSpec):
                    raise TypeError(f"input_signature must hold tenseur.TensorSpec objects, got "
                                    f"{spec!r}.")
        self._concrete: dict = {}
        self._by_tensors: dict = {}   # (shape, dtype) of each positional tensor -> concrete
        self._tracing_count = 0
        self._bound = weakref.WeakKeyDictionary()

    def __get__(self, instance, owner):
        if instance is None:
            return self
        bound = self._bound.get(instance)
        if bound is None:
            bound = Function(self.python_function.__get__(instance, owner),
                             input_signature=self.input_signature, name=self._name)
            self._bound[instance] = bound
        return bound

    def experimental_get_tracing_count(self) -> int:
        """How many times the Python body has been traced."""
        return self._tracing_count

    @property
    def tracing_count(self) -> int:
        return self._tracing_count

    def __call__(self, *args, **kwargs):
        if context.functions_run_eagerly() or not context.executing_eagerly():
            # Debugging, or a graph is being built (inside another function's trace or in graph
            # mode): the body's ops go where the code runs.
            return self.python_function(*args, **kwargs)
        if not kwargs and self.input_signature is None:
            # The usual call, eager tensors or NumPy arrays only: found by their shapes and
            # dtypes, without binding the signature or walking structures (a one-op call:
            # 29 -> 9-12 us). Arrays are fed as they are, as Session.run feeds them, instead
            # of being copied into constants first (a 128x784 float32 batch: ~20 us).
            key = tuple(_fast_key(a) for a in args)
            concrete = self._by_tensors.get(key)
            if concrete is not None:
                if all(type(a) is EagerTensor for a in args):
                    return concrete._call_flat(args)
                if not tape_module._ACTIVE:     # a tape would keep the caller's arrays
                    arrays = [a for a in args if type(a) is np.ndarray]
                    tensors = [a if type(a) is EagerTensor else EagerTensor(a, k[3])
                               for a, k in zip(args, key)]
                    return concrete._call_flat(tensors, fed_arrays=arrays)
            concrete, tensors = self._lookup(args, kwargs)
            if None not in key and len(tensors) == len(args) and all(
                    t is a if type(a) is EagerTensor else t.dtype == k[3]
                    for t, a, k in zip(tensors, args, key)):
                self._by_tensors[key] = concrete
            return concrete._call_flat(tensors)
        concrete, tensors = self._lookup(args, kwargs)
        return concrete._call_flat(tensors)

    def get_concrete_function(self, *args, **kwargs) -> ConcreteFunction:
        """The traced graph for these arguments (or TensorSpecs standing for tensors)."""
        return self._lookup(args, kwargs, specs_allowed=True)[0]

    def _lookup(self, args, kwargs, specs_allowed=False):
        bound = self._bind(args, kwargs)
        structure = (bound.args, bound.kwargs)
        leaves = flatten(structure)
        if self.input_signature is not None:
            # Entry i of the signature stands for positional argument i (a TensorSpec for a
            # tensor, or a structure of them); other arguments are keyed by value as usual.
            args, flat_specs = self._apply_signature(list(bound.args), specs_allowed)
            structure = (tuple(args), bound.kwargs)
            leaves = flatten(structure)
            count = len(flat_specs)
            rest = [_canonical_leaf(leaf, specs_allowed) for leaf in leaves[count:]]
            if any(isinstance(leaf, (EagerTensor, TensorSpec)) for leaf in rest):
                raise ValueError(f"{self._name}: called with tensor arguments its "
                                 f"input_signature does not describe.")
            leaves = leaves[:count] + rest
            specs = flat_specs + [None] * len(rest)
            key = ("signature", _structure_key(structure, rest))
        else:
            leaves = [_canonical_leaf(leaf, specs_allowed) for leaf in leaves]
            specs = [leaf if isinstance(leaf, (EagerTensor, TensorSpec)) else None
                     for leaf in leaves]
            key = _structure_key(structure, leaves)
        concrete = self._concrete.get(key)
        if concrete is None:
            concrete = self._trace(structure, leaves, specs)
            self._concrete[key] = concrete
        tensors = [leaf for leaf in leaves if isinstance(leaf, (EagerTensor, TensorSpec))]
        return concrete, tensors

    def _bind(self, args, kwargs):
        try:
            bound = self._signature.bind(*args, **kwargs)
        except TypeError as exc:
            raise TypeError(f"{self._name}(): {exc}") from None
        bound.apply_defaults()
        return bound

    def _apply_signature(self, args, specs_allowed):
        """The positional arguments with those the signature covers converted to tensors
        (checked against their TensorSpecs), and the flat list of those TensorSpecs."""
        signature = self.input_signature
        if len(args) < len(signature):
            raise ValueError(f"{self._name}: called with {len(args)} positional arguments, but "
                             f"its input_signature describes {len(signature)}.")
        flat_specs = []
        for i, entry in enumerate(signature):
            specs = flatten(entry)
            values = [args[i]] if isinstance(entry, TensorSpec) else flatten(args[i])
            if len(values) != len(specs):
                raise ValueError(f"{self._name}: argument {i} has {len(values)} tensors, its "
                                 f"input_signature entry {len(specs)}.")
            converted = [self._check_spec(v, spec, i, specs_allowed)
                         for v, spec in zip(values, specs)]
            args[i] = converted[0] if isinstance(entry, TensorSpec) else pack_sequence_as(
                args[i], converted)
            flat_specs.extend(specs)
        return args, flat_specs

    def _check_spec(self, value, spec, index, specs_allowed):
        if isinstance(value, TensorSpec) and specs_allowed:
            return spec
        value = _canonical_leaf(value, False)
        if not isinstance(value, EagerTensor):
            value = convert_to_tensor(value, dtype=spec.dtype)
        if value.dtype != spec.dtype or not spec.shape.is_compatible_with(value.shape):
            raise ValueError(f"{self._name}: argument {index} ({value.dtype.name} "
                             f"{value.shape}) does not match its input_signature entry "
                             f"{spec!r}.")
        return value

    def _trace(self, structure, leaves, specs) -> ConcreteFunction:
        graph = FuncGraph(self._name, outer_graph=EAGER_GRAPH)
        graph.seed = get_default_graph().seed
        placeholders = []
        traced_leaves = []
        with graph.as_default():
            for leaf, spec in zip(leaves, specs):
                if spec is None:
                    traced_leaves.append(leaf)
                    continue
                ph = array_ops.placeholder(spec.dtype, shape=spec.shape,
                                           name=f"input_{len(placeholders)}")
                placeholders.append(ph)
                traced_leaves.append(ph)
            args, kwargs = pack_sequence_as(structure, traced_leaves)
            saved_policy = _Creation.policy
            _Creation.policy = None if self._tracing_count == 0 else _no_new_variables
            try:
                outputs = self.python_function(*args, **kwargs)
            finally:
                _Creation.policy = saved_policy
            flat_outputs = [_traced_output(o, graph) for o in flatten(outputs)]
        self._tracing_count += 1
        return ConcreteFunction(graph, placeholders, outputs, flat_outputs)

    def __repr__(self) -> str:
        return f"<tenseur.function {self._name} ({self._tracing_count} traces)>"


def _no_new_variables():
    raise ValueError("tf.function-decorated function tried to create variables on non-first "
                     "call: create variables outside the function, or only on its first call "
                     "(e.g. `if self.w is None: self.w = tenseur.Variable(...)`).")


def _fast_key(arg):
    """A positional argument's key on the fast path: (shape, dtype) of an eager tensor,
    ("array", shape, NumPy dtype, tenseur dtype) of a C-contiguous numeric NumPy array, None
    for anything else (which the general lookup handles)."""
    if type(arg) is EagerTensor:
        return (arg._value.shape, arg.dtype)
    if type(arg) is np.ndarray and arg.dtype.kind in "biufc" and arg.flags.c_contiguous:
        return ("array", arg.shape, arg.dtype, as_dtype(arg.dtype))
    return None


def _canonical_leaf(leaf, specs_allowed):
    """Tensors and NumPy arrays as eager tensors; other leaves as they are."""
    if isinstance(leaf, EagerTensor):
        return leaf
    if isinstance(leaf, TensorSpec):
        if not specs_allowed:
            raise TypeError("A TensorSpec stands for a tensor only in get_concrete_function.")
        return leaf
    if isinstance(leaf, Tensor):
        raise GraphMismatchError(
            f"The graph tensor {leaf.name} was passed to a tenseur.function called eagerly; "
            f"its value exists only inside Session.run.",
            hint="pass eager tensors or NumPy arrays")
    if isinstance(leaf, np.ndarray):
        return convert_to_tensor(leaf)
    return leaf


def _structure_key(structure, leaves):
    """The trace key: containers' shapes, tensors by (shape, dtype), values by value."""
    items = []
    for leaf in leaves:
        if isinstance(leaf, (EagerTensor, TensorSpec)):
            items.append(("T", tuple(leaf.shape.as_list()) if leaf.shape.ndims is not None
                          else None, leaf.dtype.name))
        elif isinstance(leaf, variables_module.Variable):
            items.append(("V", id(leaf)))
        else:
            try:
                hash(leaf)
                items.append(("P", type(leaf).__name__, leaf))
            except TypeError:
                items.append(("O", id(leaf)))
    return (_container_key(structure), tuple(items))


def _container_key(s):
    if isinstance(s, dict):
        return ("dict", tuple((k, _container_key(s[k])) for k in sorted(s)))
    if isinstance(s, (list, tuple)):
        return (type(s).__name__, tuple(_container_key(x) for x in s))
    return "."


def _traced_output(value, graph):
    """A leaf of what the traced body returned: a tensor of `graph` (numbers and NumPy values
    become constant tensors, as TensorFlow returns them), an Operation, or another Python
    value (None...) returned as it is."""
    if hasattr(value, "_handle"):                  # an eager Variable: its value now
        return value._as_tensor()
    if isinstance(value, Operation):
        return value
    if isinstance(value, Tensor):
        value = convert_to_tensor(value)
        if value.graph is not graph:
            raise GraphMismatchError(f"The traced function returned {value.name}, a tensor of "
                                     f"another graph.")
        return value
    if isinstance(value, (bool, int, float, np.number, np.bool_, np.ndarray)):
        return convert_to_tensor(value)
    return value


# -- concrete functions ---------------------------------------------------------------------

_STATELESS_READS = {"VariableV2"}


class _CallOpDef(OpDef):
    """The op a tape records for one call of a ConcreteFunction."""

    type = "PartitionedCall"
    _compilable_gradient = False      # its gradient runs a ConcreteFunction itself

    def gradient(self, op, *grads):
        return op.attrs["function"]._gradient(op, grads)


_CALL = _CallOpDef()


class ConcreteFunction:
    """One traced graph of a `Function` and the plans that run it.

    Attributes: `graph` (a FuncGraph), `inputs` (its placeholders), `outputs` (its output
    tensors), `variables` (the eager Variables it reads or writes).
    """

    def __init__(self, graph, inputs, structured_outputs, flat_outputs, variables=None,
                 state_tensors=None, fed_state=None):
        self.graph = graph
        self.inputs = list(inputs)
        self._structured_outputs = structured_outputs
        self._flat_outputs = flat_outputs
        self.outputs = [t for t in flat_outputs if isinstance(t, Tensor)]
        self.variables = graph.variables() if variables is None else variables
        branch_ops = getattr(graph, "_branch_op_ids", set())
        ops = [op for op in graph.get_operations() if op._id not in branch_ops]
        if state_tensors is None:
            # Side effects (assignments, optimizer updates) run on every call; the values of
            # stateful ops are what a backward pass must see again.
            self._side_effects = [op for op in ops if op.op_def.stateful
                                  and op.type not in _STATELESS_READS]
            state_tensors = [t for op in ops if op.op_def.stateful for t in op.outputs]
        else:
            self._side_effects = []
        self._state_tensors = state_tensors
        self._fed_state = fed_state or []   # a backward function feeds the forward's state
        self._session = BaseSession(graph=graph)
        self._session._state = context.FunctionState(STATE)
        self._plans: dict = {}
        self._backward_function = None
        self._variable_reads = {id(v): [t for w, t in graph.variable_reads if w is v]
                                for v in self.variables}

    def __call__(self, *args):
        tensors = [convert_to_tensor(a, dtype=ph.dtype) for a, ph in zip(args, self.inputs)]
        if len(tensors) != len(self.inputs):
            raise TypeError(f"ConcreteFunction takes {len(self.inputs)} tensors, got "
                            f"{len(args)}.")
        return self._call_flat(tensors)

    def _plan(self, recording: bool):
        plan = self._plans.get(recording)
        if plan is None:
            leaves = self.outputs + self._side_effects
            if recording and not self._fed_state:
                leaves = leaves + self._state_tensors
            plan = self._session._build_plan(leaves, self.inputs + self._fed_state)
            self._plans[recording] = plan
        return plan

    def _call_flat(self, tensors, saved_state=None, fed_arrays=()):
        """Runs the graph on eager `tensors` (one per input); records the call on tapes.
        `fed_arrays`: the caller's NumPy arrays some tensors wrap uncopied; an output sharing
        memory with one is copied, so that the caller changing its array never changes it."""
        recording = False
        if tape_module._ACTIVE:
            for v in self.variables:
                tape_module.variable_accessed(v)
            recording = tape_module.should_record(tensors, self.variables)
        plan = self._plan(recording)
        values = [None] * plan.num_slots
        feeds = plan.feeds
        for i, t in enumerate(tensors):
            values[feeds[i][1]] = t._value
        if self._fed_state:
            for i, value in enumerate(saved_state, start=len(tensors)):
                values[feeds[i][1]] = value
        self._session._execute(plan, values)
        fetched = [None if s is None else values[s] for s in plan.fetch_slots]
        n = len(self.outputs)
        if fed_arrays:
            fetched[:n] = [v.copy() if isinstance(v, np.ndarray) and any(
                np.may_share_memory(v, a) for a in fed_arrays) else v for v in fetched[:n]]
        outputs = [_wrap(v, t.dtype) for v, t in zip(fetched[:n], self.outputs)]
        if recording:
            if saved_state is None:
                saved_state = fetched[n + len(self._side_effects):]
            tape_module.record_operation(
                _CALL, list(tensors) + [v._handle for v in self.variables], outputs,
                {"function": self, "saved": saved_state}, self.graph.name)
        return self._structure(outputs)

    def _structure(self, outputs):
        it = iter(outputs)
        flat = [next(it) if isinstance(o, Tensor) else None if isinstance(o, Operation) else o
                for o in self._flat_outputs]
        return pack_sequence_as(self._structured_outputs, flat)

    # -- gradients ---------------------------------------------------------------------------

    def _backward(self):
        """(backward ConcreteFunction, for each input and variable the index of its gradient
        among the backward outputs or None), built once in this function's graph."""
        if self._backward_function is None:
            graph = self.graph
            with graph.as_default(), graph.name_scope("backward"):
                ys = [t for t in self.outputs if t.dtype.is_floating]
                grad_ys = [array_ops.placeholder(t.dtype, shape=t.shape, name=f"grad_{i}")
                           for i, t in enumerate(ys)]
                xs = list(self.inputs)
                spans = []
                for v in self.variables:
                    reads = self._variable_reads[id(v)]
                    spans.append((len(xs), len(xs) + len(reads)))
                    xs.extend(reads)
                flat = gradients(ys, xs, grad_ys=grad_ys) if ys and xs else [None] * len(xs)
                grads = list(flat[:len(self.inputs)])
                for start, stop in spans:
                    parts = [g for g in flat[start:stop] if g is not None]
                    grads.append(None if not parts else parts[0] if len(parts) == 1
                                 else add_n(parts))
            outputs = [g for g in grads if g is not None]
            positions, k = [], 0
            for g in grads:
                positions.append(None if g is None else k)
                k += g is not None
            backward = ConcreteFunction(
                graph, self.inputs + grad_ys, outputs, outputs, variables=self.variables,
                state_tensors=self._state_tensors,
                fed_state=self._fed_state or self._state_tensors)
            backward._forward_float_outputs = [t.dtype.is_floating for t in self.outputs]
            self._backward_function = (backward, positions)
        return self._backward_function

    def _gradient(self, op, grads):
        backward, positions = self._backward()
        n = len(self.inputs)
        float_grads = [g if g is not None else array_ops.zeros_like(t)
                       for g, t in zip(grads, op.outputs) if t.dtype.is_floating]
        results = backward._call_flat(list(op.inputs[:n]) + float_grads,
                                      saved_state=op.attrs["saved"])
        return [None if p is None else results[p] for p in positions]

    def __repr__(self) -> str:
        ins = ", ".join(f"{t.dtype.name} {t.shape}" for t in self.inputs)
        return f"<ConcreteFunction {self.graph.name}({ins})>"

