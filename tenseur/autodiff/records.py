"""What a GradientTape keeps of each recorded op (tape.py): the record (`OpRecord`), the serial
number it knows each tensor by (`key`), and the stand-ins (`Released`) that replace the large
tensors an op's gradient never reads, so that they are freed during the forward pass.

Tensors are known by a serial number, not by `id()`, so that a record may let go of a large
tensor its gradient never reads (`release_unread`: a convolution's output before its bias add,
the bias add's result before a ReLU, whose gradient reads the ReLU's output): the record keeps
a `Released` stand-in with the tensor's key, shape and dtype, and the array is freed as soon as
nothing else holds it, as a graph plan frees it after its last reader. Which tensors an op's
gradient reads is found by building that gradient once over placeholders and pruning it
(cached per op, attributes and shapes).
"""
from __future__ import annotations

import itertools

from ..ops import array_ops
from ..ops.registry import NOT_DIFFERENTIABLE
from .gradients import op_input_gradients

_serials = itertools.count(1)


def key(t) -> int:
    """The serial number a tape knows a tensor by, given on first use (never reused, unlike
    id(): a record may outlive the tensors it has released)."""
    serial = getattr(t, "_tape_key", 0)
    if not serial:
        serial = t._tape_key = next(_serials)
    return serial


def known(t, tracked) -> bool:
    """Whether `tracked` (a tape's set of keys) holds t, without giving t a key."""
    return getattr(t, "_tape_key", 0) in tracked


class OpRecord:
    """One recorded op, shaped like an `Operation` for its gradient function."""

    __slots__ = ("op_def", "type", "inputs", "outputs", "attrs", "name")

    def __init__(self, op_def, inputs, outputs, attrs, name):
        self.op_def = op_def
        self.type = op_def.type
        self.inputs = tuple(inputs)
        self.outputs = list(outputs)
        self.attrs = attrs
        self.name = name or op_def.type

    def get_attr(self, name):
        return self.attrs[name]

    def __repr__(self) -> str:
        return f"<recorded op {self.name} ({self.type})>"


def gradient_compilable(op_def) -> bool:
    """Whether an op's registered gradient can be built into a plan over placeholders (not a
    function call's, which runs a ConcreteFunction itself)."""
    return (op_def.gradient != NOT_DIFFERENTIABLE and op_def.gradient is not None
            and getattr(op_def, "_compilable_gradient", True))


# Records holding less than this (inputs and outputs together) keep everything: the analysis
# would cost more than the memory it frees (the MLP's records are tens of kB).
_RELEASE_MIN_BYTES = 1 << 20
_reads_cache: dict = {}     # (op, attributes, specs) -> (input flags, output flags) or None
_MAX_READS = 1024
_EagerTensor = None


def spec(t) -> tuple:
    """(shape, NumPy dtype) of a recorded tensor or of its stand-in."""
    if type(t) is Released:
        return t._spec
    value = t._value
    return value.shape, value.dtype


def release_unread(record) -> None:
    """Replaces, in a record of the only recording tape, the large eager tensors the op's
    gradient never reads by `Released` stand-ins (outputs only for single-output ops, whose
    missing gradients never become zeros shaped like them)."""
    global _EagerTensor
    if _EagerTensor is None:
        from ..eager.tensor import EagerTensor as _EagerTensor
    size = 0
    for t in (*record.inputs, *record.outputs):
        if type(t) is not _EagerTensor:
            return                      # a variable's handle, a stand-in: keep everything
        size += t._value.nbytes
    if size < _RELEASE_MIN_BYTES or not gradient_compilable(record.op_def):
        return
    try:
        signature = (record.op_def, tuple(record.attrs.values()),
                     tuple(spec(t) for t in record.inputs),
                     tuple(spec(t) for t in record.outputs))
        reads = _reads_cache.get(signature, False)
    except TypeError:                   # unhashable attributes
        return
    if reads is False:
        if len(_reads_cache) >= _MAX_READS:
            _reads_cache.clear()
        reads = _reads_cache[signature] = _gradient_reads(record)
    if reads is None:
        return
    read_inputs, read_outputs = reads
    record.inputs = tuple(t if read else Released(t)
                          for t, read in zip(record.inputs, read_inputs))
    if len(record.outputs) == 1:
        record.outputs = [t if read else Released(t)
                          for t, read in zip(record.outputs, read_outputs)]


def _gradient_reads(record):
    """(input flags, output flags): which of the op's tensors its registered gradient reads,
    every input's gradient wanted (a tensor watched later may want one) and every output's
    given. None when it cannot be built here (the record then keeps everything)."""
    try:
        reads = gradient_graph(record, [(t.dtype, t.shape) if t.dtype.is_floating else None
                                        for t in record.outputs],
                               [True] * len(record.inputs))[4]
    except Exception:       # noqa: BLE001 - whatever fails here, keeping everything is safe
        return None
    count = len(record.inputs)
    return reads[:count], reads[count:]


def gradient_graph(record, grad_specs, wanted):
    """The op's registered gradient built in a graph of its own over placeholders:
    (session, holders, grad holders, input gradients, reads). `holders` stand for the
    record's inputs then outputs, `grad_specs` gives each output gradient's (dtype, shape) or
    None, `wanted` flags the inputs whose gradient is asked for; `reads` flags the holders
    the gradients read (the graph pruned from them). The tape's compiled gradients run it;
    release_unread asks it what a record may let go of."""
    from ..framework.graph import Graph
    from ..framework.session import BaseSession
    graph = Graph()
    with graph.as_default():
        holders = [array_ops.placeholder(t.dtype, t.shape)
                   for t in (*record.inputs, *record.outputs)]
        inputs, outputs = holders[:len(record.inputs)], holders[len(record.inputs):]
        grads = [None if spec is None else array_ops.placeholder(*spec) for spec in grad_specs]
        view = OpRecord(record.op_def, inputs, outputs, record.attrs, record.name)
        wanted_ids = {id(t) for t, w in zip(inputs, wanted) if w}
        in_grads = op_input_gradients(view, grads, lambda t: id(t) in wanted_ids)
    session = BaseSession(graph=graph)
    needed = {op._id for op in session._prune([g for g in in_grads if g is not None], [])}
    return session, holders, grads, in_grads, [h.op._id in needed for h in holders]


class Released:
    """A record's stand-in for a tensor its gradient never reads: the tensor's tape key,
    static shape and dtype, no value."""

    __slots__ = ("_tape_key", "_spec", "dtype")
    _is_eager = True

    def __init__(self, tensor):
        self._tape_key = key(tensor)
        self._spec = (tensor._value.shape, tensor._value.dtype)
        self.dtype = tensor.dtype

    @property
    def shape(self):
        from ..framework.shapes import TensorShape
        return TensorShape(self._spec[0])

    def get_shape(self):
        return self.shape

    @property
    def _value(self):
        raise RuntimeError("GradientTape: the value of a tensor released by the tape was read; "
                           "its op's gradient was found not to read it (a bug in tenseur: "
                           "please report the op).")

    def __repr__(self) -> str:
        return f"<released tensor shape={self._spec[0]} dtype={self.dtype.name}>"
