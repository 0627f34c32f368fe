"""`GradientTape`: reverse-mode differentiation of eagerly executed ops.

While a tape records, the eager executor tells it of every op that has a watched input
(`record_operation`): the tape keeps a small record with the op's `.inputs`, `.outputs`
(eager tensors), `.attrs`, `.type`, `.op_def` and `.name` — the fields an op's registered
gradient reads — so `gradient()` replays the records backwards through the very gradient
functions `tenseur.gradients` uses (`op_input_gradients`, which also owns the broadcasting
rule). Those gradient functions call public ops, which run eagerly and are heard by any
outer tape: nested tapes give higher-order derivatives with no extra code.

Without an outer recording tape, nobody needs the backward ops themselves, so they run
compiled: the second time a tape of one structure is differentiated (a training loop's second
step) its whole backward pass becomes one Session plan (`_TapePlan`), and otherwise each
record's gradient runs as a small cached plan (`_CompiledGradient`).

Variables are tracked by a handle: each eager read of a variable is recorded as an
`Identity` from the variable's handle to the value read, and trainable variables are watched
as soon as they are read (`watch_accessed_variables=True`).

Tensors are known to a tape by a serial number, not by `id()`, and a record lets go of the
large tensors its op's gradient never reads (records.py), as a graph plan frees them.

Inside a `tenseur.function` being traced, ops build a graph instead; a tape used there
differentiates that graph with `tenseur.gradients`, summing over every read of a variable.
"""
from __future__ import annotations

import contextlib
import enum
import weakref

from ..backend import threads as _threads
from ..framework.graph import get_default_graph
from ..framework.nest import flatten, pack_sequence_as  # noqa: F401  (re-exported)
from ..framework.tensor import Tensor
from ..ops import array_ops
from ..ops.registry import NOT_DIFFERENTIABLE, apply_op, executing_eagerly, get_op_def
from .gradients import _aggregate, gradients, op_input_gradients
from .records import OpRecord as _OpRecord
from .records import Released as _Released
from .records import gradient_compilable as _gradient_compilable
from .records import gradient_graph as _gradient_graph
from .records import key as _key
from .records import known as _known
from .records import release_unread as _release_unread
from .records import spec as _spec

__all__ = ["GradientTape", "UnconnectedGradients", "record_operation", "record_read",
           "should_record"]

_ACTIVE: list = []     # the tapes recording now, outermost first


class UnconnectedGradients(enum.Enum):
    """What `gradient` returns for a source the target does not depend on."""

    NONE = "none"
    ZERO = "zero"


def record_operation(op_def, inputs, outputs, attrs, name) -> None:
    """Called by the eager executor after each op: every recording tape watching one of
    `inputs` keeps a record and starts watching `outputs`."""
    if not outputs or op_def.gradient == NOT_DIFFERENTIABLE:
        return
    record = None
    for tape in _ACTIVE:
        tracked = tape._tracked
        for t in inputs:
            if _known(t, tracked):
                break
        else:
            continue
        if record is None:
            record = _OpRecord(op_def, inputs, outputs, attrs, name)
        if op_def.splits_over_threads and tape._blas_hold is None:
            tape._hold_blas()
        tape._records.append(record)
        for t in outputs:
            tracked.add(_key(t))
    if record is not None and len(_ACTIVE) == 1 and _eager_value is not None:
        _release_unread(record)


def should_record(tensors, variables=()) -> bool:
    """Whether some recording tape would record an op reading `tensors` and `variables`."""
    for tape in _ACTIVE:
        if tape._watch_accessed and any(v.trainable for v in variables):
            return True
        tracked = tape._tracked
        if any(_known(t, tracked) for t in tensors) or any(
                _known(v._handle, tracked) for v in variables):
            return True
    return False


_IDENTITY = None


def record_read(variable, value) -> None:
    """A variable was read, giving `value`: watch it if trainable (on tapes that watch accessed
    variables) and record the read on tapes that watch it. In graph mode (a function being
    traced) remember the read tensor, for graph-mode `gradient`."""
    global _IDENTITY
    handle = variable._handle
    eager = not isinstance(value, Tensor) or getattr(value, "_is_eager", False)
    for tape in _ACTIVE:
        if tape._watch_accessed and variable.trainable:
            tape._watch_variable(variable)
        if not eager:
            tape._graph_reads.append((variable, value))
        elif _known(handle, tape._tracked):
            if _IDENTITY is None:
                _IDENTITY = get_op_def("Identity")
            tape._records.append(_OpRecord(_IDENTITY, (handle,), (value,), {}, "ReadVariableOp"))
            tape._tracked.add(_key(value))


def variable_accessed(variable) -> None:
    """A variable was used without a read being recorded (e.g. by a function call)."""
    for tape in _ACTIVE:
        if tape._watch_accessed and variable.trainable:
            tape._watch_variable(variable)


class GradientTape:
    """Records eager ops to differentiate them: `with tenseur.GradientTape() as tape:`.

    Args:
        persistent: allow several `gradient()` calls (the records are kept until the tape is
            deleted); by default the first call releases them and a second one raises.
        watch_accessed_variables: watch every trainable Variable read inside the block.
    Example:
        >>> w = tenseur.Variable([[1.0], [2.0]])
        >>> x = tenseur.constant([[3.0, 4.0]])
        >>> with tenseur.GradientTape() as tape:
        ...     y = tenseur.reduce_sum(tenseur.matmul(x, w) ** 2)
        >>> tape.gradient(y, w).numpy()          # 2 * (x @ w) * x^T
        array([[66.],
               [88.]], dtype=float32)
    """

    def __init__(self, persistent=False, watch_accessed_variables=True):
        self._persistent = bool(persistent)
        self._watch_accessed = bool(watch_accessed_variables)
        self._recording = False
        self._used = False
        self._blas_hold = None      # a finalizer ending the BLAS hold (see _hold_blas)
        self._reset_records()

    def _hold_blas(self) -> None:
        """Once a recorded op splits its work over tenseur's threads (a convolution), the
        products of the rest of the step (dense layers, their gradients) run on one BLAS
        thread, as in a graph plan: a multi-threaded one would leave OpenBLAS' workers
        busy-waiting through the next split kernel (the slides' CNN trained eagerly on 2
        threads: 396-426 ms a step, 296-359 with BLAS kept at one thread). The hold ends after
        `gradient()` (a persistent tape: when its block exits), or when the tape is freed."""
        if _threads.intra_op_threads() > 1:
            _threads.hold_blas()
            self._blas_hold = weakref.finalize(self, _threads.release_blas)

    def _release_blas(self) -> None:
        hold, self._blas_hold = self._blas_hold, None
        if hold is not None:
            hold()                  # runs release_blas once, then the finalizer is dead

    def _reset_records(self) -> None:
        self._records: list = []
        self._tracked: set = set()          # keys (_key) of the watched and recorded tensors
        self._watched_variables: dict = {}  # id -> Variable, in watch order
        self._graph_watched: list = []      # graph tensors watched while tracing a function
        self._graph_reads: list = []        # (variable, read tensor) while tracing a function
        # While tracing a function: [graph, first op id, end op id or None (still recording)]
        # for each stretch of recording, so that `gradient` follows only the ops made then.
        self._graph_windows: list = []
        if getattr(self, "_recording", False):
            self._open_window()

    # -- recording -------------------------------------------------------------------------

    def __enter__(self):
        if self._recording:
            raise ValueError("GradientTape is already recording: a tape's `with` block cannot "
                             "be re-entered while it is open.")
        self._push()
        return self

    def __exit__(self, *exc):
        if self._recording:
            self._pop()
        if self._persistent or exc[0] is not None:
            self._release_blas()
        return False

    def _push(self) -> None:
        self._recording = True
        _ACTIVE.append(self)
        self._open_window()

    def _open_window(self) -> None:
        if not executing_eagerly():
            graph = get_default_graph()
            self._graph_windows.append([graph, graph._next_id, None])

    def _pop(self) -> None:
        for window in self._graph_windows:
            if window[2] is None:
                window[2] = window[0]._next_id
        self._recording = False
        # Tapes nest, but a paused tape may be popped out of order.
        for i in range(len(_ACTIVE) - 1, -1, -1):
            if _ACTIVE[i] is self:
                del _ACTIVE[i]
                break

    @contextlib.contextmanager
    def stop_recording(self):
        """Ops run inside this block are not recorded (on this tape).

        Raises:
            RuntimeError: the tape is not recording (outside its `with` block).
        """
        if not self._recording:
            raise RuntimeError("GradientTape.stop_recording() is only valid inside the tape's "
                               "`with` block, while it records.")
        self._pop()
        try:
            yield
        finally:
            self._push()

    def reset(self) -> None:
        """Forgets everything recorded and watched so far; recording goes on."""
        self._reset_records()

    def watch(self, tensor) -> None:
        """Watches a tensor, a Variable, or a nested list/tuple/dict of them.

        Raises:
            TypeError: something else (a NumPy array, a Python number) is given.
        """
        for item in flatten(tensor):
            if hasattr(item, "_handle"):
                self._watch_variable(item)
            elif isinstance(item, Tensor):
                if getattr(item, "_is_eager", False):
                    self._tracked.add(_key(item))
                else:
                    self._graph_watched.append(item)
            else:
                raise TypeError(f"GradientTape.watch: can watch tensors and Variables only, got "
                                f"{type(item).__name__} {item!r}; convert values with "
                                f"tenseur.constant first.")

    def _watch_variable(self, variable) -> None:
        if id(variable) not in self._watched_variables:
            self._watched_variables[id(variable)] = variable
            self._tracked.add(_key(variable._handle))

    def watched_variables(self) -> tuple:
        """The Variables watched so far, explicitly or by being read, in the order they were
        created (TensorFlow's order, so the list pairs with variables made in that order)."""
        return tuple(sorted(self._watched_variables.values(),
                            key=lambda v: getattr(v, "_creation_index", 0)))

    # -- differentiating -------------------------------------------------------------------

    def gradient(self, target, sources, output_gradients=None,
                 unconnected_gradients=UnconnectedGradients.NONE):
        """d(sum of target)/d(source) for each source, in the structure of `sources`.

        Args:
            target: a tensor or a nested structure of tensors (their sum is differentiated).
            sources: a tensor or Variable, or a nested list/tuple/dict of them.
            output_gradients: the gradients of the targets (default ones), same structure.
            unconnected_gradients: `UnconnectedGradients.NONE` (None for a source the target
                does not depend on) or `.ZERO` (zeros); "none"/"zero" work too.
        Returns:
            Eager tensors (or graph tensors inside a traced function) shaped like `sources`;
            None for unconnected sources and for integer sources.
        Raises:
            RuntimeError: a non-persistent tape is asked a second time.
            LookupError: an op on the path has no gradient registered.
        """
        self._check_usable("gradient")
        if self._recording and not self._persistent:
            self._pop()           # TF: a non-persistent tape stops recording once asked
        try:
            flat = self._gradient(flatten(target), _flat_gradients(output_gradients, target),
                                  flatten(sources), _unconnected(unconnected_gradients))
        finally:
            self._release()
        return pack_sequence_as(sources, flat)

    def _check_usable(self, what: str) -> None:
        if self._used and not self._persistent:
            raise RuntimeError(f"A non-persistent GradientTape can only be used to compute one "
                               f"set of gradients; GradientTape.{what} was called again. Use "
                               f"GradientTape(persistent=True) to call it several times.")

    def _release(self) -> None:
        self._release_blas()
        if not self._persistent:
            self._used = True
            self._records = []
            self._tracked = set()

    def _gradient(self, targets, output_gradients, sources, unconnected) -> list:
        if any(isinstance(t, Tensor) and not getattr(t, "_is_eager", False) for t in targets):
            results = self._graph_gradient(targets, output_gradients, sources)
        else:
            results = self._eager_gradient(targets, output_gradients, sources)
        if unconnected == "zero":
            eager = executing_eagerly()
            results = [g if g is not None or not _is_float(s) else array_ops.zeros_like(
                _value_of(s) if eager else s) for g, s in zip(results, sources)]
        return results

    def _eager_gradient(self, targets, output_gradients, sources) -> list:
        keys = []
        for s in sources:
            key = getattr(s, "_handle", s)
            if not isinstance(key, Tensor):
                raise TypeError(f"GradientTape.gradient: sources must be tensors or Variables, "
                                f"got {type(s).__name__} {s!r}.")
            keys.append(key)
        tracked = self._tracked
        if not _ACTIVE and _eager_value is not None:
            results = _tape_plan_gradients(self._records, tracked, targets, output_gradients,
                                           keys)
            if results is not None:
                return results
        grads: dict = {}
        for t, g in zip(targets, output_gradients):
            if not isinstance(t, Tensor):
                raise TypeError(f"GradientTape.gradient: targets must be tensors, got "
                                f"{type(t).__name__} {t!r}.")
            if not _known(t, tracked) or not t.dtype.is_floating:
                continue
            g = array_ops.ones_like(t) if g is None else _as_gradient(g, t)
            grads.setdefault(_key(t), []).append(g)

        def input_gradients(record, out_grads):
            wanted = tuple(_known(inp, tracked) for inp in record.inputs)
            in_grads = _compiled_gradients(record, out_grads, wanted) if not _ACTIVE else None
            if in_grads is None:
                in_grads = op_input_gradients(record, out_grads,
                                              lambda inp: _known(inp, tracked))
            return in_grads

        steps = [(r, [_key(t) for t in r.inputs], [_key(t) for t in r.outputs])
                 for r in self._records]
        _backward(steps, grads, {_key(k) for k in keys}, input_gradients)
        return [_aggregate(grads.get(_key(k))) if k.dtype.is_floating else None for k in keys]

    def _graph_gradient(self, targets, output_gradients, sources) -> list:
        """Inside a traced function: `tenseur.gradients` over the function's graph, through the
        ops made while this tape recorded and that read a watched tensor (or a variable read
        while recording), as the eager tape follows its records; other values are constants,
        and a source nothing recorded reads gets None (TensorFlow's tape does the same in a
        `tf.function`)."""
        graph = targets[0].graph
        connected = self._graph_connected(graph)
        xs, spans = [], []
        for s in sources:
            if hasattr(s, "_handle"):
                reads = []
                for v, t in self._graph_reads:
                    if v is s and t.graph is graph and all(t is not r for r in reads):
                        reads.append(t)
            else:
                reads = [s]
            spans.append((len(xs), len(xs) + len(reads)))
            xs.extend(reads)
        grad_ys = [None if g is None else _as_gradient(g, t)
                   for g, t in zip(output_gradients, targets)]
        if any(g is None for g in grad_ys):
            grad_ys = [array_ops.ones_like(t) if g is None else g
                       for g, t in zip(grad_ys, targets)]
        stops = [t for op in graph.get_operations() for t in op.outputs
                 if t not in connected and t.dtype.is_floating]
        flat = gradients(targets, xs, grad_ys=grad_ys, stop_gradients=stops) if xs else []
        flat = [g if x in connected else None for g, x in zip(flat, xs)]
        results = []
        for start, stop in spans:
            parts = [g for g in flat[start:stop] if g is not None]
            results.append(None if not parts else parts[0] if len(parts) == 1
                           else apply_op("AddN", *parts))
        return results

    def _graph_connected(self, graph) -> set:
        """The tensors of `graph` this tape would have recorded: the watched ones, variables
        read while recording, and the outputs of ops made while recording that read one."""
        connected = {t for t in self._graph_watched if t.graph is graph}
        connected.update(t for _, t in self._graph_reads if t.graph is graph)
        windows = [(start, graph._next_id if end is None else end)
                   for g, start, end in self._graph_windows if g is graph]
        if not windows:
            return connected
        first = min(start for start, _ in windows)
        for op in graph.get_operations():
            if op._id < first or not any(start <= op._id < end for start, end in windows):
                continue
            if op.op_def.gradient != NOT_DIFFERENTIABLE and any(
                    t in connected for t in op.inputs):
                connected.update(op.outputs)
        return connected

    def jacobian(self, target, sources, unconnected_gradients=UnconnectedGradients.NONE,
                 parallel_iterations=None, experimental_use_pfor=True):
        """The Jacobian of `target` for each source: shape `target.shape + source.shape`.

        Computed one target element at a time (fine for the small cases it is meant for).
        """
        self._check_usable("jacobian")
        if self._recording and not self._persistent:
            self._pop()
        unconnected = _unconnected(unconnected_gradients)
        flat_sources = flatten(sources)
        try:
            rows = []
            size = int(target.shape.num_elements())
            for i in range(size):
                rows.append(self._gradient([target], [_one_hot(target, i)], flat_sources,
                                           unconnected))
        finally:
            self._release()
        results = []
        for j, s in enumerate(flat_sources):
            column = [row[j] for row in rows]
            value = _value_of(s)
            shape = list(target.shape) + list(value.shape)
            if size == 0 or all(g is None for g in column):
                results.append(array_ops.zeros(shape, value.dtype)
                               if unconnected == "zero" and _is_float(s) else None)
                continue
            column = [array_ops.zeros_like(value) if g is None else g for g in column]
            results.append(array_ops.reshape(array_ops.stack(column), shape))
        return pack_sequence_as(sources, results)

    def batch_jacobian(self, target, source, unconnected_gradients=UnconnectedGradients.NONE,
                       parallel_iterations=None, experimental_use_pfor=True):
        """Per-example Jacobians: `target` (batch, ...) and `source` (batch, ...) give
        (batch, target dims..., source dims...), assuming examples do not interact."""
        self._check_usable("batch_jacobian")
        if self._recording and not self._persistent:
            self._pop()
        batch = target.shape[0]
        inner = list(target.shape)[1:]
        size = 1
        for d in inner:
            size *= d
        try:
            rows = []
            for i in range(size):
                one = _one_hot_rows(target, i)
                rows.append(self._gradient([target], [one], [source],
                                           _unconnected(unconnected_gradients))[0])
        finally:
            self._release()
        value = _value_of(source)
        if all(g is None for g in rows):
            return None
        rows = [array_ops.zeros_like(value) if g is None else g for g in rows]
        stacked = array_ops.stack(rows, axis=1)
        return array_ops.reshape(stacked, [batch] + inner + list(value.shape)[1:])

    def __del__(self):
        if getattr(self, "_recording", False):
            self._pop()


# -- compiled gradients ---------------------------------------------------------------------

_eager_value = None     # set by tenseur.eager: (array, dtype) -> an eager tensor
_compiled: dict = {}    # signature -> _CompiledGradient, or None when not compilable
_MAX_COMPILED = 2048


class _CompiledGradient:
    """An op's registered gradient built once as a small graph over placeholders of the
    op's input, output and output-gradient shapes, and run as a Session plan.

    When no other tape records (so nobody needs the backward ops themselves), the tape uses
    this instead of running the gradient op by op: the plan costs a fraction of eager
    dispatch, and it is pruned to the inputs whose gradients are wanted (e.g. a MatMul's
    gradient for its data input, which nothing needs, is never computed).
    """

    def __init__(self, record, out_grads, wanted):
        session, holders, grads, in_grads, self.reads = _gradient_graph(
            record, [None if g is None else (g.dtype, g.shape) for g in out_grads], wanted)
        self.present = [g is not None for g in in_grads]
        self.dtypes = [g.dtype for g in in_grads if g is not None]
        self._session = session
        # Feed only the op's tensors the gradient reads (a record may have released others).
        fed = [h for h, read in zip(holders, self.reads) if read]
        self._plan = session._build_plan([g for g in in_grads if g is not None],
                                         fed + [g for g in grads if g is not None])

    def __call__(self, record, out_grads) -> list:
        arrays = [t._value for t, read in zip((*record.inputs, *record.outputs), self.reads)
                  if read]
        arrays += [g._value for g in out_grads if g is not None]
        return _run_plan(self._session, self._plan, arrays, self.dtypes, self.present)


def _compiled_gradients(record, out_grads, wanted):
    """The input gradients through the op's compiled gradient, or None (not compilable)."""
    op_def = record.op_def
    if _eager_value is None or not _gradient_compilable(op_def):
        return None
    try:
        key = (op_def, tuple(record.attrs.values()), wanted,
               tuple(_spec(t) for t in record.inputs),
               tuple(_spec(t) for t in record.outputs),
               tuple(None if g is None else (g._value.shape, g.dtype) for g in out_grads))
        compiled = _compiled.get(key, False)
    except TypeError:                # unhashable attributes
        return None
    if compiled is False:
        if len(_compiled) >= _MAX_COMPILED:
            _compiled.clear()
        compiled = _compiled[key] = _CompiledGradient(record, out_grads, wanted)
    return compiled(record, out_grads)


# -- the whole tape as one plan -----------------------------------------------------------
#
# A training loop records the same ops on the same shapes every step. The second time a tape
# of one structure is differentiated, its whole backward pass is built once as a graph over
# placeholders standing for the recorded tensors (the walk of `_eager_gradient`, with graph
# tensors) and compiled into one Session plan: the compiler's passes then see the whole
# backward (fusions, dead gradients pruned) and each step is one plan run instead of one per
# recorded op (the slides' MLP trained eagerly: ~25 runs a step).

_tape_plans: dict = {}      # signature -> _TapePlan, or None when not compilable
_tape_seen: set = set()     # signatures differentiated once (compiled when seen again)
_MAX_TAPE_PLANS = 64
# A structure is compiled the second time it is differentiated, so that one-off tapes (a
# Jacobian's rows, a notebook cell) never pay for building a plan; tests set this to compile
# at first sight.
compile_at_first_sight = False


def _tape_signature(records, tracked, targets, output_gradients, keys):
    """(signature, tensors) of a differentiation: the records' ops, attributes and wiring, the
    tensors' shapes and dtypes, which are watched, the targets, output gradients and sources;
    `tensors` lists the tape's tensors by the position the signature gives them. None when
    some record cannot take part (an uncompilable gradient, an output recorded twice)."""
    position: dict = {}
    tensors: list = []
    parts: list = []
    for record in records:
        op_def = record.op_def
        if not _gradient_compilable(op_def):
            return None
        ins = []
        for t in record.inputs:
            key = _key(t)
            i = position.get(key)
            if i is None:               # a tensor from outside the tape: watched or constant
                position[key] = len(tensors)
                tensors.append(t)
                ins.append(_spec(t) + (key in tracked,))
            else:
                if type(tensors[i]) is _Released:   # released by its maker's record only
                    tensors[i] = t
                ins.append(i)
        outs = []
        for t in record.outputs:
            key = _key(t)
            if key in position:
                return None
            position[key] = len(tensors)
            tensors.append(t)
            outs.append(_spec(t))
        parts.append((op_def, tuple(record.attrs.values()), tuple(ins), tuple(outs)))
    ends = []
    for t, g in zip(targets, output_gradients):
        i = position.get(_key(t))
        if i is None or not _known(t, tracked) or not t.dtype.is_floating:
            return None                 # rare (a target off the tape): the general walk
        ends.append((i, None if g is None else (g._value.shape, g._value.dtype)))
    starts = tuple(position.get(_key(k)) for k in keys)
    return (tuple(parts), tuple(ends), starts), tensors


class _TapePlan:
    """The backward pass of one tape structure as a Session plan (see above)."""

    def __init__(self, records, signature):
        from ..framework.graph import Graph
        from ..framework.session import BaseSession
        parts, ends, starts = signature
        graph = Graph()
        with graph.as_default():
            holders: list = []        # position -> the placeholder standing for that tensor
            wanted: set = set()       # ids of the placeholders whose gradient is wanted
            wiring: list = []         # per record: (input positions, output positions)
            for record, (_, _, ins, outs) in zip(records, parts):
                in_positions = []
                for t, spec in zip(record.inputs, ins):
                    if isinstance(spec, tuple):          # first seen here: from outside
                        holders.append(array_ops.placeholder(t.dtype, spec[0]))
                        if spec[2]:
                            wanted.add(id(holders[-1]))
                        spec = len(holders) - 1
                    in_positions.append(spec)
                out_positions = []
                for t, (shape, _) in zip(record.outputs, outs):
                    out_positions.append(len(holders))
                    holders.append(array_ops.placeholder(t.dtype, shape))
                    wanted.add(id(holders[-1]))
                wiring.append((in_positions, out_positions))
            grads: dict = {}
            fed_grads = []
            for i, g in ends:
                if g is None:
                    grad = array_ops.ones_like(holders[i])
                else:
                    grad = array_ops.placeholder(holders[i].dtype, g[0])
                    fed_grads.append(grad)
                grads.setdefault(i, []).append(grad)
            # `_eager_gradient`'s walk, over the placeholders.
            steps = [(_OpRecord(r.op_def, [holders[i] for i in ins], [holders[i] for i in outs],
                                r.attrs, r.name), ins, outs)
                     for r, (ins, outs) in zip(records, wiring)]
            _backward(steps, grads, {i for i in starts if i is not None},
                      lambda view, out_grads: op_input_gradients(
                          view, out_grads, lambda t: id(t) in wanted))
            results = [None if i is None or not holders[i].dtype.is_floating
                       else _aggregate(grads.get(i)) for i in starts]
        self.present = [g is not None for g in results]
        self.dtypes = [g.dtype for g in results if g is not None]
        fetches = [g for g in results if g is not None]
        self._session = BaseSession(graph=graph)
        # Feed only the recorded tensors the backward pass reads.
        needed = {op._id for op in self._session._prune(fetches, [])}
        self.fed_positions = [i for i, h in enumerate(holders) if h.op._id in needed]
        self._plan = self._session._build_plan(
            fetches, [holders[i] for i in self.fed_positions] + fed_grads)

    def __call__(self, tensors, output_gradients) -> list:
        arrays = [tensors[i]._value for i in self.fed_positions]
        arrays += [g._value for g in output_gradients if g is not None]
        return _run_plan(self._session, self._plan, arrays, self.dtypes, self.present)


def _backward(steps, grads, keep, input_gradients) -> None:
    """Reverse-mode accumulation over `steps`, [(record, input keys, output keys)] in recording
    order: each record's output gradients (summed; dropped from `grads` once used unless their
    key is in `keep`) give its input gradients, `input_gradients(record, out_grads)`, added to
    `grads` (key -> list of gradients; the targets' seeded by the caller)."""
    for record, in_keys, out_keys in reversed(steps):
        out_grads = [_aggregate(grads.get(k) if k in keep else grads.pop(k, None))
                     for k in out_keys]
        if all(g is None for g in out_grads):
            continue
        for k, g in zip(in_keys, input_gradients(record, out_grads)):
            if g is not None:
                grads.setdefault(k, []).append(g)


def _tape_plan_gradients(records, tracked, targets, output_gradients, keys):
    """The sources' gradients through the tape's compiled backward plan; None when the tape
    takes the op-by-op walk instead (first sight of its structure, or not compilable)."""
    if not records or not all(isinstance(t, Tensor) for t in targets):
        return None
    output_gradients = [None if g is None else _as_gradient(g, t)
                        for g, t in zip(output_gradients, targets)]
    try:
        found = _tape_signature(records, tracked, targets, output_gradients, keys)
        if found is None:
            return None
        signature, tensors = found
        plan = _tape_plans.get(signature, False)
    except TypeError:                   # an unhashable attribute
        return None
    if plan is False:
        if not compile_at_first_sight and signature not in _tape_seen:
            if len(_tape_seen) >= 4 * _MAX_TAPE_PLANS:
                _tape_seen.clear()
            _tape_seen.add(signature)
            return None
        if len(_tape_plans) >= _MAX_TAPE_PLANS:
            _tape_plans.clear()
        try:
            plan = _TapePlan(records, signature)
        except Exception:       # noqa: BLE001 - the op-by-op walk raises what there is to raise
            plan = None
        _tape_plans[signature] = plan
    return None if plan is None else plan(tensors, output_gradients)


def _run_plan(session, plan, arrays, dtypes, present) -> list:
    """Runs a compiled gradient plan on the arrays fed, in the plan's feed order; the fetched
    gradients as eager tensors, None where `present` says no gradient flows."""
    values = [None] * plan.num_slots
    for (_, slot, _, _), array in zip(plan.feeds, arrays):
        values[slot] = array
    session._execute(plan, values)
    results = iter(_eager_value(values[s], d) for s, d in zip(plan.fetch_slots, dtypes))
    return [next(results) if p else None for p in present]


# -- helpers --------------------------------------------------------------------------------

def _unconnected(value) -> str:
    value = getattr(value, "value", value)
    if value not in ("none", "zero"):
        raise ValueError(f"unconnected_gradients must be UnconnectedGradients.NONE or .ZERO, got "
                         f"{value!r}.")
    return value


def _flat_gradients(output_gradients, target) -> list:
    n = len(flatten(target))
    if output_gradients is None:
        return [None] * n
    flat = flatten(output_gradients)
    if len(flat) != n:
        raise ValueError(f"GradientTape.gradient: got {len(flat)} output_gradients for {n} "
                         f"targets.")
    return flat


def _as_gradient(g, like):
    from ..ops.registry import convert_to_tensor
    return convert_to_tensor(g, dtype=like.dtype)


def _value_of(source):
    return source._handle if hasattr(source, "_handle") else source


def _is_float(source) -> bool:
    return _value_of(source).dtype.is_floating


def _one_hot(target, index):
    import numpy as np
    value = np.zeros(int(target.shape.num_elements()), target.dtype.as_numpy_dtype)
    value[index] = 1
    return array_ops.constant(value.reshape(target.shape.as_list()), dtype=target.dtype)


def _one_hot_rows(target, index):
    import numpy as np
    shape = target.shape.as_list()
    value = np.zeros([shape[0], int(np.prod(shape[1:], dtype=int))], target.dtype.as_numpy_dtype)
    value[:, index] = 1
    return array_ops.constant(value.reshape(shape), dtype=target.dtype)
