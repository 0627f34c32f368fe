"""Data-dependent control flow: `cond` and `while_loop`, usable in both modes.

Eagerly they are plain Python (`if`, `while`) over eager tensors, so tapes record what ran.
While a graph is built they are ops whose kernels run sub-plans of the same graph:

- `If`: each branch function runs once at build time, adding its ops to the graph (they are
  remembered as a *branch*: the op ids created meanwhile). The If op's inputs are the
  predicate and the outside tensors the branches read; its kernel feeds those to the taken
  branch's plan. The outer plan never runs branch ops itself (nothing outside consumes them).
- `While`: cond and body are branches over placeholders standing for the loop variables; the
  kernel feeds the current values round after round.

Gradients are themselves graph ops, written with the branches' own registered gradients: the
gradient of an If is an If whose branches are the vector-Jacobian products of the forward
branches (recomputing them from the inputs), so it can be differentiated again; the gradient
of a While is `WhileGrad`, which replays the loop to record each round's values and runs the
body's vector-Jacobian product backwards through them (first order only).
"""
from __future__ import annotations

import numpy as np

from ..autodiff.gradients import gradients
from ..framework.nest import flatten, pack_sequence_as
from ..framework.errors import DTypeError, ShapeError
from ..framework.graph import get_default_graph
from ..framework.session import BaseSession
from ..framework.tensor import Tensor, TensorSpec
from ..ops import array_ops
from ..ops.array_ops import _static_value
from ..ops.registry import OpDef, apply_op, convert_to_tensor, executing_eagerly, register_op

__all__ = ["cond", "while_loop"]


# -- branches -------------------------------------------------------------------------------

class _Branch:
    """Ops of the enclosing graph that a control-flow op runs on demand.

    `ranges` are the op-id intervals the branch's ops were created in; `outputs` its result
    tensors; `effects` its stateful ops (run even when no output needs them); `captured` the
    outside tensors they read, fed by the kernel.
    """

    def __init__(self, graph, ranges, outputs, exclude=()):
        self.graph = graph
        self.ranges = list(ranges)
        self.outputs = list(outputs)
        nested = _branch_ops(graph)
        self.hoisted = set()
        own = [op for op in graph.get_operations()
               if self.contains(op._id) and op._id not in nested]
        # A variable read not preceded by a write of that variable in the branch is hoisted
        # out of it: it becomes an input, so gradients reach the variable through the op.
        written = set()
        for op in own:
            if op.type == "VariableV2":
                if op.attrs["var_name"] not in written:
                    self.hoisted.add(op._id)
            elif op.op_def.stateful:
                written.update((op.attrs.get("var_name"), *op.attrs.get("slot_names", ())))
        own = [op for op in own if op._id not in self.hoisted]
        self.effects = [op for op in own if op.op_def.stateful and op.type != "VariableV2"]
        nested.update(op._id for op in own)
        excluded = set(exclude)
        self.captured = [t for t in _external_inputs(self) if t not in excluded]

    def contains(self, op_id) -> bool:
        return op_id not in self.hoisted and any(
            start <= op_id < stop for start, stop in self.ranges)

    def __repr__(self) -> str:
        return f"<branch of {len(self.outputs)} outputs reading {len(self.captured)} tensors>"


def _branch_ops(graph) -> set:
    """The ids of the ops of `graph` that live inside branches (never run by outer plans)."""
    return graph.__dict__.setdefault("_branch_op_ids", set())


def _external_inputs(branch) -> list:
    """The tensors from outside the branch that its outputs and effects depend on, in order."""
    seen_ops, found, stack = set(), {}, []
    for t in branch.outputs:
        if branch.contains(t.op._id):
            stack.append(t.op)
        else:
            found.setdefault(t, None)
    stack.extend(branch.effects)
    while stack:
        op = stack.pop()
        if op._id in seen_ops:
            continue
        seen_ops.add(op._id)
        for t in op.inputs:
            if branch.contains(t.op._id):
                stack.append(t.op)
            else:
                found.setdefault(t, None)
    return sorted(found, key=lambda t: (t.op._id, t.value_index))


def _build_branch(graph, fn, args=(), exclude=()):
    """Runs `fn(*args)` adding its ops to `graph`; returns (branch, output structure)."""
    _forget_variable_reads(graph)
    start = graph._next_id
    structure = fn(*args)
    flat = [_as_output(x) for x in flatten(structure)]
    _forget_variable_reads(graph)
    return _Branch(graph, [(start, graph._next_id)], flat, exclude), structure


def _forget_variable_reads(graph) -> None:
    """In a traced function, eager variables are read once until written (FuncGraph): around
    branches, reads start afresh, so none made inside a branch is used outside it and reads
    after the control-flow op (which may have written) come after it."""
    cache = getattr(graph, "read_cache", None)
    if cache:
        cache.clear()


def _as_output(value):
    if value is None:
        raise TypeError("A branch or loop body returned None; control-flow functions must "
                        "return tensors (or Python numbers).")
    return convert_to_tensor(value)


def _merged_spec(a: TensorSpec, b: TensorSpec, what: str) -> TensorSpec:
    if a.dtype != b.dtype:
        raise DTypeError(f"{what}: the branches return {a.dtype.name} and {b.dtype.name}; "
                         f"both must give the same dtype.")
    if a.shape.ndims is None or b.shape.ndims is None or a.shape.ndims != b.shape.ndims:
        return TensorSpec(None, a.dtype)
    dims = [x if x == y else None for x, y in zip(a.shape.dims, b.shape.dims)]
    return TensorSpec(dims, a.dtype)


class _SubPlan:
    """A plan over part of a graph, run with the calling session's state."""

    def __init__(self, graph, fetches, feeds, ctx):
        self._session = BaseSession(graph=graph)
        self._session._state = ctx
        self._plan = self._session._build_plan(list(fetches), list(feeds))

    def __call__(self, values) -> list:
        plan = self._plan
        slots = [None] * plan.num_slots
        for (_, slot, _, _), value in zip(plan.feeds, values):
            slots[slot] = value
        self._session._execute(plan, slots)
        return [None if s is None else slots[s] for s in plan.fetch_slots]


def _runner(branch, feeds, ctx):
    """A lazily built sub-plan running `branch` (outputs, then its effects)."""
    holder = []

    def run(values):
        if not holder:
            holder.append(_SubPlan(branch.graph, branch.outputs + branch.effects, feeds, ctx))
        return holder[0](values)[:len(branch.outputs)]
    return run


def _single_or_list(outputs):
    return outputs[0] if len(outputs) == 1 else outputs


# -- cond -----------------------------------------------------------------------------------

@register_op("If")
class If(OpDef):
    """Runs one of two branches of the graph on the predicate's value (TF 2's functional If).

    Inputs: the boolean scalar `pred`, then the outside tensors either branch reads.
    Gradient: an If over the branches' vector-Jacobian products.
    """

    inputs = ("pred", "*captured")
    attrs = {"branches": None, "output_specs": ()}
    stateful = True          # its kernel runs plans with the session's state

    def infer(self, pred, *captured, branches, output_specs):
        if not pred.dtype.is_bool or pred.shape.ndims not in (None, 0):
            raise ShapeError(f"pred must be a bool scalar, got {pred.describe()}.")
        return list(output_specs)

    def bind(self, op, xp, ctx):
        feeds = list(op.inputs[1:])
        runners = [_runner(b, feeds, ctx) for b in op.attrs["branches"]]

        def run(pred, *values):         # a list, even of one (compiler.ir.Node.bind unwraps it)
            return runners[0 if pred else 1](values)
        return run

    def gradient(self, op, *grads):
        graph = op.graph
        pred, captured = op.inputs[0], list(op.inputs[1:])
        wanted = [t for t in captured if t.dtype.is_floating]
        vjps = []
        for branch in op.attrs["branches"]:
            # Each vector-Jacobian product is a branch made of the forward branch (recomputed
            # from the captured inputs) and its own gradient ops, zeros filling the gaps.
            start = graph._next_id
            pairs = [(y, g) for y, g in zip(branch.outputs, grads)
                     if y.dtype.is_floating and g is not None]
            found = gradients([y for y, _ in pairs], wanted, grad_ys=[g for _, g in pairs],
                              stop_gradients=captured) if pairs and wanted else [None] * len(wanted)
            filled = [g if g is not None else array_ops.zeros_like(x)
                      for g, x in zip(found, wanted)]
            vjps.append((branch.ranges + [(start, graph._next_id)], found, filled))
        both = [i for i in range(len(wanted)) if any(v[1][i] is not None for v in vjps)]
        if not both:
            return [None] * len(op.inputs)
        new_branches = [_Branch(graph, ranges, [filled[i] for i in both])
                        for ranges, _, filled in vjps]
        specs = tuple(_merged_spec(TensorSpec(a.shape, a.dtype), TensorSpec(b.shape, b.dtype),
                                   "If gradient")
                      for a, b in zip(new_branches[0].outputs, new_branches[1].outputs))
        results = _if_op(pred, new_branches, specs, "If")
        results = [results] if isinstance(results, Tensor) else list(results)
        by_tensor = {wanted[i]: r for i, r in zip(both, results)}
        return [None] + [by_tensor.get(t) for t in captured]


def _if_op(pred, branches, specs, name):
    captured = list(dict.fromkeys(t for b in branches for t in b.captured))
    return apply_op("If", pred, *captured, branches=tuple(branches), output_specs=specs,
                    name=name)


def cond(pred, true_fn=None, false_fn=None, strict=False, name=None, fn1=None, fn2=None):
    """`true_fn()` if `pred` else `false_fn()`, in both modes.

    Eagerly, the chosen function runs (a Python `if`). In a graph (and inside a traced
    `tenseur.function`), both functions are traced into branches of an `If` op that runs only
    the taken one; they must return the same structure of tensors with the same dtypes.

    Args:
        pred: a boolean scalar (tensor or Python bool).
        true_fn, false_fn: functions of no arguments returning tensors (nested structures ok).
    Example:
        >>> y = tenseur.cond(x > 0, lambda: x * 2.0, lambda: -x)
    """
    true_fn = true_fn if true_fn is not None else fn1
    false_fn = false_fn if false_fn is not None else fn2
    if not callable(true_fn) or not callable(false_fn):
        raise TypeError("cond: true_fn and false_fn must be callables (functions of no "
                        "arguments returning tensors).")
    if isinstance(pred, (bool, np.bool_)):
        return true_fn() if pred else false_fn()
    if executing_eagerly():
        return true_fn() if bool(convert_to_tensor(pred)) else false_fn()
    pred = convert_to_tensor(pred)
    static = _static_value(pred)
    if static is not None:
        return true_fn() if bool(static) else false_fn()
    graph = get_default_graph()
    with graph.name_scope(name or "cond"):
        then_branch, then_structure = _build_branch(graph, true_fn)
        else_branch, _ = _build_branch(graph, false_fn)
        if len(then_branch.outputs) != len(else_branch.outputs):
            raise ValueError(f"cond: true_fn returns {len(then_branch.outputs)} tensors and "
                             f"false_fn {len(else_branch.outputs)}; both must return the same "
                             f"structure.")
        specs = tuple(_merged_spec(a.spec(), b.spec(), "cond")
                      for a, b in zip(then_branch.outputs, else_branch.outputs))
        outputs = _if_op(pred, [then_branch, else_branch], specs, "If")
        _forget_variable_reads(graph)
    if not specs:
        return outputs
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    return pack_sequence_as(then_structure, outputs)


# -- while_loop -----------------------------------------------------------------------------

@register_op("While")
class While(OpDef):
    """Runs `body` while `cond` holds, on loop variables fed to placeholders each round.

    Inputs: the initial loop variables, then the outside tensors cond and body read.
    Gradient: `WhileGrad` (first order).
    """

    inputs = ("*inputs",)
    attrs = {"cond": None, "body": None, "loop_vars": (), "maximum_iterations": None}
    stateful = True

    def infer(self, *inputs, cond, body, loop_vars, maximum_iterations):
        return [ph.spec() for ph in loop_vars]

    def bind(self, op, xp, ctx):
        attrs = op.attrs
        loop = _Loop(attrs, list(op.inputs[len(attrs["loop_vars"]):]), ctx)

        def run(*values):
            return loop.run(list(values))[-1]
        return run

    def gradient(self, op, *grads):
        attrs = op.attrs
        n = len(attrs["loop_vars"])
        phs = list(attrs["loop_vars"])
        captured = list(op.inputs[n:])
        graph = op.graph
        float_vars = [i for i, ph in enumerate(phs) if ph.dtype.is_floating]
        float_captured = [t for t in captured if t.dtype.is_floating]
        body = attrs["body"]
        with graph.name_scope("while_grad"):
            grad_phs = [array_ops.placeholder(phs[i].dtype, shape=phs[i].shape,
                                              name=f"grad_{i}") for i in float_vars]
            start = graph._next_id
            ys = [body.outputs[i] for i in float_vars]
            xs = [phs[i] for i in float_vars] + float_captured
            found = gradients(ys, xs, grad_ys=grad_phs, stop_gradients=phs + captured) \
                if ys else [None] * len(xs)
            outputs = [g if g is not None else array_ops.zeros_like(x)
                       for g, x in zip(found, xs)]
            vjp = _Branch(graph, body.ranges + [(start, graph._next_id)], outputs,
                          exclude=phs + grad_phs + captured)
            out_grads = [grads[i] if grads[i] is not None else array_ops.zeros_like(op.outputs[i])
                         for i in float_vars]
            results = apply_op("WhileGrad", *op.inputs, *out_grads, *vjp.captured,
                               forward=attrs, vjp=vjp, grad_phs=tuple(grad_phs),
                               float_vars=tuple(float_vars), num_captured=len(captured),
                               name="WhileGrad")
        results = [results] if isinstance(results, Tensor) else list(results)
        var_grads = dict(zip(float_vars, results[:len(float_vars)]))
        cap_grads = dict(zip(float_captured, results[len(float_vars):]))
        return [var_grads.get(i) for i in range(n)] + [cap_grads.get(t) for t in captured]


class _Loop:
    """Runs a While's rounds: cond and body sub-plans fed loop variables and captures."""

    def __init__(self, attrs, captured, ctx):
        self.phs = list(attrs["loop_vars"])
        self.maximum = attrs["maximum_iterations"]
        feeds = self.phs + captured
        self.cond = _runner(attrs["cond"], feeds, ctx)
        self.body = _runner(attrs["body"], feeds, ctx)
        self.num_vars = len(self.phs)

    def run(self, values) -> list:
        """Every round's loop variables, the initial ones first."""
        state, captured = values[:self.num_vars], values[self.num_vars:]
        history = [state]
        while self.maximum is None or len(history) <= self.maximum:
            if not self.cond(state + captured)[0]:
                break
            state = self.body(state + captured)
            history.append(state)
        return history


@register_op("WhileGrad")
class WhileGrad(OpDef):
    """Gradients of a While's inputs: replays the loop, then applies the body's
    vector-Jacobian product from the last round back to the first."""

    inputs = ("*inputs",)
    attrs = {"forward": None, "vjp": None, "grad_phs": (), "float_vars": (), "num_captured": 0}
    stateful = True

    def infer(self, *inputs, forward, vjp, grad_phs, float_vars, num_captured):
        n = len(forward["loop_vars"])
        captured = inputs[n:n + num_captured]
        return ([forward["loop_vars"][i].spec() for i in float_vars]
                + [s for s in captured if s.dtype.is_floating])

    def bind(self, op, xp, ctx):
        attrs = op.attrs
        forward, vjp = attrs["forward"], attrs["vjp"]
        n, k = len(forward["loop_vars"]), attrs["num_captured"]
        m = len(attrs["float_vars"])
        captured = list(op.inputs[n:n + k])
        loop = _Loop(forward, captured, ctx)
        vjp_run = _runner(vjp, list(forward["loop_vars"]) + captured + list(attrs["grad_phs"])
                          + list(op.inputs[n + k + m:]), ctx)
        float_captured = [i for i, t in enumerate(captured) if t.dtype.is_floating]

        def run(*values):
            initial, cap = list(values[:n]), list(values[n:n + k])
            grads = list(values[n + k:n + k + m])
            extra = list(values[n + k + m:])
            history = loop.run(initial + cap)
            cap_grads = [xp.zeros_like(cap[i]) for i in float_captured]
            for state in reversed(history[:-1]):
                out = vjp_run(state + cap + grads + extra)
                grads = out[:m]
                cap_grads = [a + b for a, b in zip(cap_grads, out[m:])]
            return grads + cap_grads
        return run


def while_loop(cond, body, loop_vars, shape_invariants=None, parallel_iterations=10,
               back_prop=True, swap_memory=False, maximum_iterations=None, name=None,
               return_same_structure=False):
    """Repeats `loop_vars = body(*loop_vars)` while `cond(*loop_vars)`, in both modes.

    Eagerly it is a Python loop. In a graph it is a `While` op (cond and body traced once
    over placeholders); differentiable (first order) through `WhileGrad`.

    Args:
        cond: loop variables -> boolean scalar.
        body: loop variables -> new loop variables (same structure and dtypes).
        loop_vars: a tensor, or a list/tuple (nested ok) of tensors.
        shape_invariants: shapes the loop variables keep (None dimensions may change).
        maximum_iterations: stop after this many rounds at most.
    Returns:
        The final loop variables, in the structure of `loop_vars` (a single tensor for one).
    Example:
        >>> i, total = tenseur.while_loop(lambda i, s: i < 10, lambda i, s: (i + 1, s + i),
        ...                               [0, 0])
    """
    single = not isinstance(loop_vars, (list, tuple))
    structure = [loop_vars] if single else loop_vars
    flat = [convert_to_tensor(v) for v in flatten(structure)]
    limit = _limit(maximum_iterations)

    def call(fn, values):
        args = pack_sequence_as(structure, values)
        return fn(*args)

    if executing_eagerly():
        rounds = 0
        while (limit is None or rounds < limit) and bool(call(cond, flat)):
            new = [convert_to_tensor(v) for v in flatten(call(body, flat))]
            _check_body(new, flat)
            flat = new
            rounds += 1
        out = pack_sequence_as(structure, flat)
        return out[0] if single and not return_same_structure else out
    graph = get_default_graph()
    invariants = None if shape_invariants is None else flatten(
        [shape_invariants] if single else shape_invariants)
    with graph.name_scope(name or "while"):
        phs = [array_ops.placeholder(v.dtype, shape=invariants[i] if invariants else v.shape,
                                     name=f"loop_var_{i}") for i, v in enumerate(flat)]
        cond_branch, _ = _build_branch(graph, lambda: call(cond, phs), exclude=phs)
        if len(cond_branch.outputs) != 1 or not cond_branch.outputs[0].dtype.is_bool:
            raise TypeError("while_loop: cond must return one boolean scalar.")
        body_branch, _ = _build_branch(graph, lambda: call(body, phs), exclude=phs)
        _check_body(body_branch.outputs, phs)
        captured = list(dict.fromkeys(cond_branch.captured + body_branch.captured))
        outputs = apply_op("While", *flat, *captured, cond=cond_branch, body=body_branch,
                           loop_vars=tuple(phs), maximum_iterations=limit, name="While")
        _forget_variable_reads(graph)
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    out = pack_sequence_as(structure, outputs)
    return out[0] if single and not return_same_structure else out


def _limit(maximum_iterations):
    if maximum_iterations is None:
        return None
    if isinstance(maximum_iterations, Tensor):
        static = _static_value(maximum_iterations)
        if static is None:
            raise TypeError("while_loop: maximum_iterations must be known when the graph is "
                            "built (a Python int or a constant).")
        maximum_iterations = static
    return int(maximum_iterations)


def _check_body(new, old) -> None:
    if len(new) != len(old):
        raise ValueError(f"while_loop: body returned {len(new)} loop variables, expected "
                         f"{len(old)}.")
    for i, (a, b) in enumerate(zip(new, old)):
        if a.dtype != b.dtype:
            raise DTypeError(f"while_loop: loop variable {i} enters as {b.dtype.name} but body "
                             f"returns {a.dtype.name}.")
        if not b.shape.is_compatible_with(a.shape):
            raise ShapeError(f"while_loop: loop variable {i} has shape {b.shape} but body "
                             f"returns shape {a.shape}; pass shape_invariants with None for "
                             f"the dimensions that change.")

