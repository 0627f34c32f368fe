"""`Session`: runs parts of a graph. Holds the values of variables and random streams.

`run(fetches, feed_dict)` flattens the fetches, then looks up an execution plan cached by
(fetched elements, fed tensors, shapes of the fed arrays). A plan is built once: prune the graph
to what the fetches need (stopping at fed tensors), hand the pruned operations to the compiler
(`tenseur.compiler`: folding, CSE, fusion... on a plan-local copy, specialized to the fed
shapes), assign each value a slot and bind each remaining node to a plain callable. Running a
plan is one generated function calling those callables in order, so a training loop pays for
graph traversal once.
"""
from __future__ import annotations

import math
import threading
from collections.abc import Mapping

import numpy as np

from .. import backend, compiler
from ..backend import buffers, threads
from .errors import FailedPreconditionError, GraphMismatchError, InvalidArgumentError, OpError
from .graph import Graph, get_default_graph
from .operation import Operation
from .tensor import Tensor


class SessionState:
    """What a session owns while running kernels: variable values and random generators.

    `variables` is never rebound (kernels may keep a reference to the dict: the SGD update
    of training_ops reads and stores there directly)."""

    def __init__(self):
        self.variables: dict[str, np.ndarray] = {}
        self._rngs: dict[str, np.random.Generator] = {}

    def read_variable(self, name: str):
        try:
            return self.variables[name]
        except KeyError:
            raise FailedPreconditionError(
                f"Attempting to use uninitialized value {name}",
                node_name=name,
                hint="run tenseur.global_variables_initializer() (or the variable's "
                     "initializer) in this session first, or restore a checkpoint") from None

    def write_variable(self, name: str, value, owned: bool = False) -> np.ndarray:
        """Stores a variable's new value. `owned`: the array is fresh and nobody else holds it.

        Stored arrays are read-only: updates replace them instead of mutating, so a value
        fetched earlier never changes under the user's feet.
        """
        if not isinstance(value, np.ndarray):
            value = np.asarray(value)
        elif value.flags.writeable and not owned:
            value = value.copy()
        value.flags.writeable = False
        self.variables[name] = value
        return value

    def rng(self, key: str, seed, seed2) -> np.random.Generator:
        """The random generator of one random op in this session (replayable when seeded)."""
        gen = self._rngs.get(key)
        if gen is None:
            gen = (np.random.default_rng() if seed is None and seed2 is None
                   else np.random.default_rng([int(seed or 0), int(seed2 or 0)]))
            self._rngs[key] = gen
        return gen


class _Plan:
    """What one (fetches, feeds) pair runs: `steps[i]` = (kernel, input slots, kind, output
    slot(s)) for `ops[i]`, and `frees[i]` = the slots no later step reads (released at once,
    so a step's peak memory is its live values, not every intermediate). `ops[i]` is the
    graph's Operation, or a `_StepInfo` for a step the compiler made (constants, fusions)."""

    __slots__ = ("steps", "num_slots", "feeds", "fetch_slots", "ops", "frees", "graph",
                 "async_steps", "large", "splits", "_runner")

    def __init__(self, steps, num_slots, feeds, fetch_slots, ops, frees, graph=None,
                 async_steps=frozenset(), large=frozenset(), splits=False):
        self.steps, self.num_slots, self.feeds = steps, num_slots, feeds
        self.fetch_slots, self.ops, self.frees = fetch_slots, ops, frees
        self.graph = graph
        self.async_steps = async_steps      # steps started on the helper thread
        self.large = large                  # slots whose freed arrays go to backend.buffers
        self.splits = splits                # a kernel may split its work over threads
        self._runner = None


class _StepInfo:
    """Names a step made by the compiler, for errors and benchmarks: `name`, `type`, and the
    graph operations it stands for (`members`)."""

    __slots__ = ("name", "type", "members")

    def __init__(self, name, type, members=()):
        self.name, self.type, self.members = name, type, tuple(members)

    def __repr__(self) -> str:
        return f"<plan step '{self.name}' type={self.type}>"


_SINGLE, _MULTI, _NONE = 0, 1, 2
# At most this many shape-specialized plans per (fetches, feeds) pair; more shapes share one
# plan built for any shape.
_MAX_SPECIALIZED = 8


class BaseSession:
    """Shared machinery of `Session` and `InteractiveSession`."""

    def __init__(self, target="", graph=None, config=None):
        self._graph = graph if graph is not None else get_default_graph()
        if not isinstance(self._graph, Graph):
            raise TypeError(f"Session: graph must be a tenseur Graph, got {self._graph!r}.")
        self._state = SessionState()
        self._plans: dict = {}
        self._families: dict = {}
        self._closed = False
        self._config = config
        self._optimize = compiler.optimization_enabled(config)
        self._inter_op = compiler.inter_op_threads(config) if self._optimize else 1
        self._default_ctx = None

    @property
    def graph(self) -> Graph:
        return self._graph

    @property
    def graph_def(self):
        return self._graph.as_graph_def()

    # -- running -------------------------------------------------------------------------

    def run(self, fetches, feed_dict=None, options=None, run_metadata=None):
        """Runs the ops `fetches` need and returns their values in the same structure.

        Args:
            fetches: a Tensor, Operation, Variable, tensor/op name, or a nested list, tuple,
                namedtuple or dict of them. Operations give None.
            feed_dict: maps tensors (or their names) to values replacing them for this run.

        Raises:
            InvalidArgumentError: a needed placeholder is not fed, or a feed has the wrong
                shape or dtype. FailedPreconditionError: an uninitialized variable is read.
        """
        if self._closed:
            raise RuntimeError("Attempted to use a closed Session.")
        leaves, rebuild = _flatten_fetches(fetches, self._graph)
        feed_items = self._normalise_feeds(feed_dict) if feed_dict else ()
        plan, arrays = self._plan_for(leaves, feed_items)
        values = [None] * plan.num_slots
        for (_, slot, _, _), array in zip(plan.feeds, arrays):
            values[slot] = array
        self._execute(plan, values)
        return rebuild([_fetched(values[s]) if s is not None else None
                        for s in plan.fetch_slots])

    def _plan_for(self, leaves, feed_items):
        """(plan, converted feed arrays): the cached plan for these fetches, fed tensors and
        fed shapes (plans are specialized to the fed arrays' shapes, up to _MAX_SPECIALIZED
        shapes per fetches/feeds pair)."""
        key = (tuple(leaves), tuple(t for t, _ in feed_items))
        family = self._families.get(key)
        if family is None:
            family = self._families[key] = (
                [(t.dtype.as_numpy_dtype, t.shape) for t, _ in feed_items], {})
        specs, plans = family
        arrays = [_convert_feed(t, value, np_dtype, static_shape)
                  for (t, value), (np_dtype, static_shape) in zip(feed_items, specs)]
        shapes = tuple([a.shape for a in arrays]) if self._optimize else None
        plan = plans.get(shapes)
        if plan is None:
            if shapes is not None and len(plans) >= _MAX_SPECIALIZED:
                shapes = None
                plan = plans.get(None)
            if plan is None:
                plan = self._build_plan(leaves, list(key[1]), fed_shapes=shapes)
                plans[shapes] = plan
                self._plans[(key, shapes)] = plan
        return plan, arrays

    def _execute(self, plan, values) -> None:
        """Runs `plan.steps` over the value slots `values` (feeds set, fetches read after).

        The steps run as one generated function of straight-line calls over local variables
        (`_compile_steps`), made again whenever `plan.steps` is replaced (benchmarks wrap
        kernels with timers that way)."""
        runner = plan._runner
        if runner is None or runner[0] is not plan.steps:
            runner = plan._runner = (plan.steps, *_compile_steps(plan))
        _, run, where = runner
        try:
            if plan.splits and threads.intra_op_threads() > 1:
                # Between the split kernels, OpenBLAS' own threads would wake for every small
                # product and then busy-wait for ~0.1 s beside the kernels' threads, on the same
                # cores (the slides' CNN step on 2 Xeon cores: 367 ms, 179 ms with the hold).
                with threads.single_threaded_blas():
                    run(values)
            else:
                run(values)
        except OpError as exc:
            op = plan.ops[where[0]]
            if exc.node_name is None or exc.node_name != op.name:
                exc.node_name = op.name
            raise
        except (ArithmeticError, ValueError, TypeError, IndexError, MemoryError) as exc:
            fn, ins = plan.steps[where[0]][:2]
            op, inputs = plan.ops[where[0]], [values[i] for i in ins]
            locate = getattr(fn, "locate", None)       # a fused step: find the member op
            found = locate(*inputs) if locate is not None else None
            error = exc
            if found is not None:
                op, error, inputs = found
            shapes = ", ".join(str(getattr(value, "shape", "?")) for value in inputs)
            raise InvalidArgumentError(
                f"{op.type} '{op.name}' failed while running: {error}\n  input shapes: ({shapes})",
                node_name=op.name) from error

    def _normalise_feeds(self, feed_dict):
        if not isinstance(feed_dict, Mapping):
            raise TypeError(f"feed_dict must be a dict mapping tensors to values, got "
                            f"{type(feed_dict).__name__}.")
        items = []
        for key, value in feed_dict.items():
            tensor = self._graph.as_graph_element(key) if isinstance(key, str) else key
            tensor = getattr(tensor, "_as_tensor", lambda t=tensor: t)()
            if not isinstance(tensor, Tensor):
                raise TypeError(f"feed_dict keys must be Tensors or tensor names, got {key!r}.")
            if tensor.graph is not self._graph:
                raise GraphMismatchError(f"Cannot feed {tensor.name}: it belongs to another graph "
                                         f"than this session's.")
            items.append((tensor, value))
        items.sort(key=lambda item: (item[0].op._id, item[0].value_index))
        return items

    def _prune(self, leaves, fed) -> list:
        """The operations the fetches need (stopping at fed tensors), in creation order."""
        fed_set = set(fed)
        needed: dict[int, Operation] = {}
        stack = [leaf.op if isinstance(leaf, Tensor) else leaf for leaf in leaves
                 if not (isinstance(leaf, Tensor) and leaf in fed_set)]
        while stack:
            op = stack.pop()
            if op._id in needed:
                continue
            needed[op._id] = op
            stack.extend(t.op for t in op.inputs if t not in fed_set)
            stack.extend(op.control_inputs)
        return [needed[i] for i in sorted(needed)]

    def _plan_graph(self, fetches, feed_dict=None, optimize=True):
        """The compiler's plan graph for `run(fetches, feed_dict)` (see compiler.describe_plan)."""
        leaves, _ = _flatten_fetches(fetches, self._graph)
        feed_items = self._normalise_feeds(feed_dict) if feed_dict else ()
        fed = [t for t, _ in feed_items]
        shapes = tuple(np.shape(v) for _, v in feed_items) if optimize else None
        return compiler.optimize(self._prune(leaves, fed), leaves, fed,
                                 backend.get_array_module(), self._state,
                                 enabled=optimize, fed_shapes=shapes)

    def _build_plan(self, leaves, fed, fed_shapes=None) -> _Plan:
        """Prunes the graph, runs the compiler passes (unless switched off), assigns value slots
        and binds each remaining node to a callable."""
        xp = backend.get_array_module()
        graph = compiler.optimize(self._prune(leaves, fed), leaves, fed, xp, self._state,
                                  enabled=self._optimize, fed_shapes=fed_shapes)
        slots: dict = {}

        def slot_of(value):
            slot = slots.get(value)
            if slot is None:
                slot = slots[value] = len(slots)
            return slot

        feeds = [(t, slot_of(v), t.dtype.as_numpy_dtype, t.shape) for t, v in zip(fed, graph.fed)]
        steps, ops = [], []
        constants = {}
        for node in graph.nodes:
            for value in node.inputs:
                if value.const is not None:
                    constants.setdefault(value, None)
        for fetch in graph.fetches:
            if isinstance(fetch, compiler.Value) and fetch.const is not None:
                constants.setdefault(fetch, None)
        async_nodes = compiler.mark_async(graph) if self._inter_op > 1 and xp is np else ()
        if constants:
            arrays = tuple(xp.asarray(v.const) for v in constants)
            if len(arrays) == 1:
                steps.append((lambda a=arrays[0]: a, (), _SINGLE, slot_of(next(iter(constants)))))
            else:
                steps.append((lambda: arrays, (), _MULTI, tuple(slot_of(v) for v in constants)))
            ops.append(_StepInfo("constants", "Const"))
        for node in graph.nodes:
            fn = node.bind(xp, self._state)
            ins = tuple(slot_of(v) for v in node.inputs)
            if len(node.outputs) == 1:
                steps.append((fn, ins, _SINGLE, slot_of(node.outputs[0])))
            elif node.outputs:
                steps.append((fn, ins, _MULTI, tuple(slot_of(v) for v in node.outputs)))
            else:
                steps.append((fn, ins, _NONE, None))
            ops.append(node.op if node.op is not None
                       else _StepInfo(node.name, node.type, node.members))
        fetch_slots = [slot_of(f) if isinstance(f, compiler.Value) else None
                       for f in graph.fetches]
        last_reader: dict[int, int] = {}
        for index, (_, ins, _, _) in enumerate(steps):
            for slot in ins:
                last_reader[slot] = index
        keep = set(fetch_slots)
        frees: list[tuple] = [() for _ in steps]
        for slot, index in last_reader.items():
            if slot not in keep:
                frees[index] += (slot,)
        offset = len(steps) - len(graph.nodes)           # the constants' step comes first
        large = frozenset(slot for value, slot in slots.items()
                          if xp is np and _is_large(value) and slot in last_reader)
        return _Plan(tuple(steps), len(slots), feeds, fetch_slots, ops, frees, graph,
                     frozenset(index + offset for index in async_nodes), large,
                     _splits_over_threads(graph))

    # -- lifetime ------------------------------------------------------------------------

    def close(self) -> None:
        self._closed = True
        self._plans.clear()
        self._families.clear()

    def as_default(self):
        return _DefaultSession(self)

    def __enter__(self):
        self._default_ctx = _DefaultSession(self)
        self._default_ctx.__enter__()
        return self

    def __exit__(self, *exc):
        self._default_ctx.__exit__(*exc)
        self._default_ctx = None
        self.close()
        return False


class Session(BaseSession):
    """A TF 1.x session: `with tenseur.Session() as sess: sess.run(y, feed_dict={a: 3})`.

    Each session has its own variable values: two sessions on one graph share no weights.
    """


class InteractiveSession(BaseSession):
    """A session that installs itself as the default one, for shells and notebooks."""

    def __init__(self, target="", graph=None, config=None):
        super().__init__(target, graph, config)
        self._interactive_ctx = _DefaultSession(self)
        self._interactive_ctx.__enter__()

    def close(self) -> None:
        if self._interactive_ctx is not None:
            ctx, self._interactive_ctx = self._interactive_ctx, None
            ctx.__exit__(None, None, None)
        super().close()


def _splits_over_threads(graph) -> bool:
    """Whether a kernel of the plan may split its work over tenseur's threads (a fused step
    counts when one of the ops it stands for does)."""
    for node in graph.nodes:
        defs = [node.op_def] if node.op_def is not None else [
            getattr(op, "op_def", None) for op in node.members]
        if any(getattr(d, "splits_over_threads", False) for d in defs):
            return True
    return False


def _is_large(value) -> bool:
    """Whether a plan value's array is big enough to be offered to `backend.buffers` when
    freed: a computed (not fed, not constant) value of a shape known when the plan is built."""
    if value.fed or value.const is not None or value.producer is None:
        return False
    if not value.fully_defined():
        return False
    try:
        itemsize = np.dtype(value.dtype.as_numpy_dtype).itemsize
    except TypeError:
        return False
    return math.prod(value.shape.dims) * itemsize >= buffers.MIN_BYTES


def _compile_steps(plan):
    """(run, where): `run(values)` executes the plan's steps as straight-line Python over local
    variables (no per-step tuple unpacking, list indexing or loop bookkeeping), releasing each
    value after its last reader; on an exception `where[0]` is the index of the failing step
    and the slots its inputs came from hold their values again, for the error message."""
    written = set()
    for _, _, kind, out in plan.steps:
        if kind == _SINGLE:
            written.add(out)
        elif kind == _MULTI:
            written.update(out)
    read = {slot for _, ins, _, _ in plan.steps for slot in ins}
    env = {}
    lines = ["def run(v):", "    i = 0", "    try:"]
    fetched = sorted({s for s in plan.fetch_slots if s is not None})
    body = [f"s{slot} = v[{slot}]" for slot in sorted((read | set(fetched)) - written)]
    live_inputs = []
    pending: dict = {}           # slot of a value being computed on the helper thread -> step
    async_steps = getattr(plan, "async_steps", ()) or ()
    large = getattr(plan, "large", ()) or ()

    def join(slots):
        for slot in slots:
            index = pending.pop(slot, None)
            if index is not None:
                body.extend([f"i = {index}", f"s{slot} = s{slot}.result()"])

    for index, ((fn, ins, kind, out), frees) in enumerate(zip(plan.steps, plan.frees)):
        env[f"f{index}"] = fn
        join(ins)
        args = ", ".join(f"s{slot}" for slot in ins)
        call = f"f{index}({args})"
        body.append(f"i = {index}")
        if kind == _SINGLE and index in async_steps:
            body.append(f"s{out} = submit(f{index}{', ' if ins else ''}{args})")
            pending[out] = index
        elif kind == _SINGLE:
            body.append(f"s{out} = {call}")
        elif kind == _MULTI:
            body.append(f"r = {call}")
            body += [f"s{slot} = r[{k}]" for k, slot in enumerate(out)]
        else:
            body.append(call)
        live_inputs.append(ins)
        for slot in frees:
            if slot in large:
                body.append(f"give(s{slot})")       # reused by a later kernel (buffers.py)
            body.append(f"s{slot} = None")
    join(list(pending))
    body += [f"v[{slot}] = s{slot}" for slot in fetched]
    lines += ["        " + line for line in body] or ["        pass"]
    # On failure, put the failing step's inputs back into `v` so the message can show them.
    lines += ["    except BaseException:", "        where[0] = i", "        here = locals()",
              "        for slot in live[i]:", "            v[slot] = here.get(f's{slot}')",
              "        raise"]
    where = [0]
    env.update(where=where, live=live_inputs, give=buffers.give,
               submit=_helper_thread().submit if async_steps else None)
    source = "\n".join(lines) + "\n"
    exec(compile(source, "<tenseur plan>", "exec"), env)   # noqa: S102
    return env["run"], where


_helper = []


def _helper_thread():
    """The one worker thread running the plans' asynchronous steps (made on first use)."""
    if not _helper:
        from concurrent.futures import ThreadPoolExecutor
        _helper.append(ThreadPoolExecutor(max_workers=1, thread_name_prefix="tenseur-inter-op"))
    return _helper[0]


# -- default session -----------------------------------------------------------------------

_local = threading.local()


def _session_stack() -> list:
    if not hasattr(_local, "stack"):
        _local.stack = []
    return _local.stack


class _DefaultSession:
    def __init__(self, session):
        self.session = session

    def __enter__(self):
        _session_stack().append(self.session)
        return self.session

    def __exit__(self, *exc):
        stack = _session_stack()
        if self.session in stack:
            stack.reverse()
            stack.remove(self.session)
            stack.reverse()
        return False


def get_default_session():
    """The innermost session made default (`with sess:` or InteractiveSession), or None."""
    stack = _session_stack()
    return stack[-1] if stack else None


def _session_for(graph, session):
    session = session or get_default_session()
    if session is None:
        raise ValueError("Cannot evaluate tensor using `eval()`: No default session is "
                         "registered. Use `with sess.as_default():` or pass an explicit session "
                         "to `eval(session=sess)`.")
    if session.graph is not graph:
        raise GraphMismatchError("Cannot use the given session to evaluate tensor: the tensor's "
                                 "graph is different from the session's graph.")
    return session


# -- fetches and feeds ---------------------------------------------------------------------

def _flatten_fetches(fetches, graph):
    """(leaves, rebuild): the graph elements to compute and how to put results back in shape."""
    if isinstance(fetches, (Tensor, Operation)):
        return [_element(fetches, graph)], lambda values: values[0]
    if isinstance(fetches, list) and all(isinstance(f, Tensor) for f in fetches):
        return [_element(f, graph) for f in fetches], lambda values: values
    leaves: list = []

    def walk(f):
        if isinstance(f, Mapping):
            keys = list(f.keys())
            builders = [walk(f[k]) for k in keys]
            kind = type(f)

            def rebuild_map(values):
                out = {k: b(values) for k, b in zip(keys, builders)}
                try:
                    return kind(out)
                except TypeError:
                    return out
            return rebuild_map
        if isinstance(f, (list, tuple)):
            builders = [walk(x) for x in f]
            if isinstance(f, tuple) and hasattr(f, "_fields"):
                return lambda values: type(f)(*[b(values) for b in builders])
            kind = type(f) if isinstance(f, tuple) else list
            return lambda values: kind([b(values) for b in builders])
        index = len(leaves)
        leaves.append(_element(f, graph))
        return lambda values: values[index]

    return leaves, walk(fetches)


def _element(f, graph):
    if f is None:
        raise TypeError("Fetch argument None has invalid type <class 'NoneType'>: fetch a "
                        "Tensor, an Operation or a name.")
    if isinstance(f, str):
        return graph.as_graph_element(f)
    f = getattr(f, "_as_fetch", lambda: f)()
    if not isinstance(f, (Tensor, Operation)):
        raise TypeError(f"Fetch argument {f!r} has invalid type {type(f).__name__}: fetch a "
                        f"Tensor, an Operation, a Variable or a name.")
    if f.graph is not graph:
        raise GraphMismatchError(f"Fetch argument {f.name!r} cannot be interpreted as a Tensor: "
                                 f"it is not an element of this session's graph.",
                                 hint="build the session on the graph that holds it: "
                                      "tenseur.Session(graph=t.graph)")
    return f


def _fetched(value):
    """What `run` hands back: a 0-d array as a NumPy scalar; read-only storage as a copy."""
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            return value[()]
        if not value.flags.writeable:
            return value.copy()
        return value
    return backend.to_numpy(value)


def _convert_feed(tensor, value, np_dtype, static_shape):
    if isinstance(value, Tensor):
        raise TypeError(f"The value of a feed cannot be a Tensor ({value.name}) for "
                        f"{tensor.name}: feed NumPy arrays or Python values (fetch it first with "
                        f"sess.run).")
    array = value if isinstance(value, np.ndarray) else np.asarray(value)
    if array.dtype != np_dtype:
        src, dst = array.dtype, np.dtype(np_dtype)
        lossy_kind = (src.kind == "f" and dst.kind in "iub") or (src.kind in "iu" and dst.kind == "b")
        if lossy_kind or src.kind in "OSU" and dst.kind != "O":
            raise InvalidArgumentError(
                f"Cannot feed a value of dtype {src} for Tensor '{tensor.name}', which has dtype "
                f"{tensor.dtype.name}.", node_name=tensor.op.name,
                hint=f"convert it first, e.g. value.astype(np.{dst})")
        array = array.astype(np_dtype)
    dims = static_shape.dims
    if dims is not None and (array.ndim != len(dims) or any(
            d is not None and d != s for d, s in zip(dims, array.shape))):
        shown = "(" + ", ".join("?" if d is None else str(d) for d in dims) + (",)" if len(dims) == 1 else ")")
        raise InvalidArgumentError(
            f"Cannot feed value of shape {array.shape} for Tensor '{tensor.name}', which has "
            f"shape '{shown}'.", node_name=tensor.op.name)
    return array
