"""Fusion: chains of elementwise ops (with the matrix product or convolution that feeds them)
become one generated Python function that evaluates them in order, writing each result over a
temporary it owns (`out=`) instead of allocating a new array per op.

The generated function calls the same NumPy ufuncs in the same order as the separate kernels,
so its results are bit-for-bit those of the unfused plan; what it saves is the executor's
dispatch per op and the allocation (and first touch) of every intermediate array.

Members: unary and binary ufunc ops, Sigmoid, Relu, ReluGrad, Select, Cast, SquaredDifference
and NHWC BiasAdd. Heads: MatMul (always a fresh array), and convolutions, BatchMatMul,
Conv2DBackpropInput and MaxPoolGrad (their result is overwritten only after a run-time check
that the kernel returned an array of its own).

A group's heads all run first (a residual block's two convolutions, merged by their sum),
then its elementwise tail. A tail of three or more members over a large float output runs as
one numba-compiled pass where numba is installed (numba_tail.py, the same bits); a BiasAdd
read by a Relu or a Sigmoid is one call (bias_ops.add_bias_relu, add_bias_sigmoid), and so is
the gradient through a sigmoid, (g * s) * (1 - s) (elementwise_ops.sigmoid_grad_product): on
the slides' MLP 1-2 us each a layer, ~2% of its step. A group of exactly Conv2D + BiasAdd +
Relu is the convolution with the bias add and ReLU as its epilogue, applied to each block of
the output as it is written, or by Winograd F(4x4)'s output transform to each tile
(Conv2D.bind_bias_relu): the slides' CNN's three layers 45.8 -> 41.1 ms at 1 thread, 26.4 ->
24.5 at 2 (EPYC, in the plan). Otherwise, with more than one intra-op
thread, a headed group's tail over a large output runs over row chunks of axis 0 on
`parallel_map` (see "the parallel tail" below), with the same bits.

A node joins the group of a producer only when it is that producer's only reader and the
producer's value is not fetched, so a group is a tree whose root's value is the only one that
leaves it. In-place writes go only into arrays the group allocated itself, never into an input.
"""
from __future__ import annotations

import numpy as np

from ..backend import buffers as _buffers
from ..backend import threads as _threads
from ..ops.activation_ops import relu_grad_array as _relu_grad_array
from ..ops.bias_ops import add_bias_last as _add_bias_last
from ..ops.bias_ops import add_bias_relu as _add_bias_relu
from ..ops.bias_ops import add_bias_sigmoid as _add_bias_sigmoid
from ..ops.elementwise_ops import sigmoid_array as _sigmoid_array
from ..ops.elementwise_ops import sigmoid_grad_product as _sigmoid_grad_product
from . import numba_tail as _numba_tail
from .ir import Node, PlanGraph, Value

# Binary ops whose kernel is exactly `ufunc(x, y)` though they define their own kernel.
# (FloorDiv and FloorMod are left out: their kernels check integer divisors for zeros.)
_BINARY_UFUNCS = {"RealDiv": np.true_divide, "Maximum": np.maximum, "Minimum": np.minimum,
                  "Pow": np.power}
# Ops that may start a group: their result is a fresh array that nobody else holds.
_FRESH_HEADS = frozenset(("MatMul",))
# Ops that may start a group, whose result is checked at run time before being overwritten.
# The backward kernels head the ReLU gradient that follows them (written over their result).
_CHECKED_HEADS = frozenset(("Conv2D", "DepthwiseConv2dNative", "BatchMatMul",
                            "Conv2DBackpropInput", "MaxPoolGrad"))


def _elementwise_ufunc(node: Node):
    """(ufunc, arity) when the node's kernel is exactly one NumPy ufunc call, else None."""
    op_def = node.op_def
    cls = type(op_def)
    ufunc = getattr(cls, "ufunc", None)
    if ufunc is not None:
        qualname = getattr(cls.kernel, "__qualname__", "")
        if qualname == "_Unary.kernel":
            return ufunc, 1
        if qualname == "_Binary.kernel":
            return ufunc, 2
    if node.type in _BINARY_UFUNCS:
        return _BINARY_UFUNCS[node.type], 2
    return None


def _is_member(node: Node) -> bool:
    """Whether a node can be part of an elementwise group (beyond being its head)."""
    if node.op is None or node.stateful or node.control or node.pinned \
            or len(node.outputs) != 1:
        return False
    out = node.outputs[0]
    if out.rank is None or out.rank == 0 or out.dtype.name == "string":
        return False
    kind = node.type
    if kind in ("Sigmoid", "Relu", "ReluGrad", "Select", "Cast", "SquaredDifference"):
        return True
    if kind == "BiasAdd":
        return node.attrs.get("data_format") != "NCHW"
    return _elementwise_ufunc(node) is not None


def _is_head(node: Node) -> bool:
    return (node.op is not None and not node.stateful and not node.control and not node.pinned
            and len(node.outputs) == 1 and node.type in _FRESH_HEADS | _CHECKED_HEADS
            and node.outputs[0].rank not in (None, 0))


def fuse_elementwise(graph: PlanGraph) -> None:
    """Groups elementwise chains (and their matmul/conv heads) into generated kernels."""
    readers = graph.consumers()
    fetched = graph.fetched_values()
    group_of: dict = {}               # id(node) -> its group (a list of nodes)
    for node in graph.nodes:
        if _is_head(node):
            group_of[id(node)] = [node]
            continue
        if not _is_member(node):
            continue
        group = [node]
        for value in node.inputs:
            producer = value.producer
            if producer is None or value.const is not None or value.fed or value in fetched:
                continue
            if len(readers.get(value, ())) != 1 or readers[value][0] is not node:
                continue
            child = group_of.get(id(producer))
            if child is None or child is group:
                continue
            group = child + group
            for member in child:
                group_of[id(member)] = group
        for member in group:
            group_of[id(member)] = group
    groups = {}
    for group in group_of.values():
        if len(group) > 1:
            groups[id(group[-1])] = group
    if not groups:
        return
    members_of = {id(m) for g in groups.values() for m in g}
    nodes = []
    for node in graph.nodes:
        group = groups.get(id(node))
        if group is not None:
            group.sort(key=lambda n: n.order)
            nodes.append(_fused_node(group))
            graph.count("ops fused", len(group))
            graph.count("fused kernels")
        elif id(node) not in members_of:
            nodes.append(node)
    graph.nodes = nodes


def _fused_node(group):
    root = group[-1]
    inside = {v for m in group for v in m.outputs}
    externals: list[Value] = []
    for member in group:
        for value in member.inputs:
            if value not in inside and value.const is None and value not in externals:
                externals.append(value)
    types = "+".join(m.type for m in group)
    # Named after the matrix product or convolution that heads it, if any (the op a profile
    # looks for: "conv2d/Conv2D"), else after the op whose value it computes.
    name = group[0].name if _is_head(group[0]) else root.name
    node = Node(f"Fused[{types}]", name, externals, list(root.outputs),
                members=[m.op for m in group], order=root.order)
    node.make = lambda xp, ctx: _compile(group, externals, xp, ctx)
    for value in root.outputs:
        value.producer = node
    return node


# -- code generation ---------------------------------------------------------------------------

class _Emitter:
    def __init__(self, group, externals, xp, ctx):
        self.lines: list[str] = []
        self.env: dict = {"np": np}
        self.names: dict = {}         # Value -> variable name
        self.owned: dict = {}         # variable name -> True or a run-time condition
        self.xp, self.ctx = xp, ctx
        for i, value in enumerate(externals):
            self.names[value] = f"a{i}"
        self.args = [f"a{i}" for i in range(len(externals))]
        self.count = 0

    def name_of(self, value: Value) -> str:
        name = self.names.get(value)
        if name is None:
            name = f"c{len(self.env)}"
            self.env[name] = value.const
            self.names[value] = name
        return name

    def fresh(self) -> str:
        self.count += 1
        return f"t{self.count}"

    def bind(self, obj, prefix="k") -> str:
        name = f"{prefix}{len(self.env)}"
        self.env[name] = obj
        return name


def _compile(group, externals, xp, ctx):
    if _is_conv_bias_relu(group, xp):
        return _conv_bias_relu(group, externals, xp, ctx)
    em = _Emitter(group, externals, xp, ctx)
    # Every head first (a head reads only values from outside the group: a residual block's
    # two convolutions), then the elementwise members, which see the heads' results as
    # operands: the tail paths below (compiled, row-parallel) then never recompute a head.
    _emit(em, group[0])
    head_owned = em.owned.get(em.names[group[0].outputs[0]], False)
    tail_group = [group[0]]
    for member in group[1:]:
        if _is_head(member):
            _emit(em, member)
        else:
            tail_group.append(member)
    head_lines = len(em.lines)
    _emit_members(em, tail_group[1:])
    result = em.names[group[-1].outputs[0]]
    checks = _numba_tail_check(tail_group, em, head_owned, xp)
    lines = em.lines[:head_lines] + checks + em.lines[head_lines:]
    source = (f"def fused({', '.join(em.args)}):\n    "
              + "\n    ".join(lines) + f"\n    return {result}\n")
    exec(compile(source, f"<fused {group[-1].name}>", "exec"), em.env)   # noqa: S102
    fn = em.env["fused"]
    fn.source = source
    fn.locate = lambda *args: _locate(group, externals, args, xp, ctx)
    if _parallel_candidate(tail_group, xp):
        fn = _with_parallel_tail(tail_group, em, head_lines, head_owned, result, fn, checks)
        fn.locate = lambda *args: _locate(group, externals, args, xp, ctx)
    return fn


def _is_conv_bias_relu(group, xp) -> bool:
    """Whether a group is exactly Conv2D -> BiasAdd (NHWC, members take no other) -> Relu."""
    if xp is not np or [n.type for n in group] != ["Conv2D", "BiasAdd", "Relu"]:
        return False
    conv, bias_add, relu = group
    return (bias_add.inputs[0] is conv.outputs[0] and bias_add.inputs[1] is not conv.outputs[0]
            and relu.inputs[0] is bias_add.outputs[0]
            and hasattr(conv.op_def, "bind_bias_relu"))


def _conv_bias_relu(group, externals, xp, ctx):
    """A Conv2D + BiasAdd + Relu group as the convolution with the bias and ReLU applied to
    each block of its output as it is written (Conv2D.bind_bias_relu): no second pass over
    the output, and that pass split over the threads with the convolution's own blocks."""
    conv, bias_add, _ = group
    kernel = conv.op_def.bind_bias_relu(conv.op)
    # Where each operand comes from: the fused step's inputs, or a plan-time constant.
    picks = tuple((externals.index(v), None) if v in externals else (None, v.const)
                  for v in (conv.inputs[0], conv.inputs[1], bias_add.inputs[1]))

    def fused(*args):
        return kernel(*[args[i] if i is not None else const for i, const in picks])
    fused.source = f"conv2d with the bias add and ReLU of {bias_add.name} as its epilogue"
    fused.locate = lambda *args: _locate(group, externals, args, xp, ctx)
    return fused


def _numba_tail_check(group, em: _Emitter, head_owned, xp) -> list:
    """Lines that run the group's elementwise tail as one compiled pass (numba_tail.py) right
    after its head, returning its result, when every member can take part; [] otherwise."""
    if xp is not np or len(group) <= _numba_tail.MIN_MEMBERS or not _is_head(group[0]):
        return []
    dtype = group[0].outputs[0].dtype
    if dtype.name not in ("float32", "float64"):
        return []
    head_value = group[0].outputs[0]
    refs = {head_value: "a0"}
    operands = [em.names[head_value]]
    members = []
    for i, member in enumerate(group[1:]):
        formula = _numba_tail.expression(member, _elementwise_ufunc)
        if formula is None or member.outputs[0].dtype != dtype:
            return []
        inputs = []
        for value in member.inputs:
            if value not in refs:
                refs[value] = f"a{len(operands)}"
                operands.append(em.name_of(value))
            inputs.append(refs[value])
        refs[member.outputs[0]] = f"t{i}"
        members.append((formula, inputs, f"t{i}"))
    tail = _numba_tail.Tail(members, len(operands), refs[group[-1].outputs[0]],
                            dtype.as_numpy_dtype)
    owned = "True" if head_owned is True else (head_owned or "False")
    name = em.bind(tail, "n")
    return [f"n = {name}({owned}, {', '.join(operands)})", "if n is not None:",
            "    return n"]


def _locate(group, externals, args, xp, ctx):
    """(operation, exception, input arrays) of the first member whose own kernel fails on
    these inputs, or None: errors name the op of the graph, as without fusion."""
    env = dict(zip(externals, args))
    for member in group:
        inputs = [env.get(v, v.const) for v in member.inputs]
        try:
            env[member.outputs[0]] = member.bind(xp, ctx)(*inputs)
        except Exception as exc:    # noqa: BLE001 - reported by the session
            return member.op, exc, inputs
    return None


def _inplace_target(em: _Emitter, node: Node):
    """(variable, condition) of an owned operand the result may overwrite, or None: same dtype,
    and every other operand broadcasts into its shape (proved statically, or checked)."""
    out = node.outputs[0]
    for value in node.inputs:
        name = em.names.get(value)
        ownership = em.owned.get(name)
        if ownership is None or value.dtype != out.dtype or value.rank != out.rank:
            continue
        conditions = [] if ownership is True else [ownership]
        possible = True
        for other in node.inputs:
            if other is value:
                continue
            check = _broadcasts_into(other, value)
            if check is False:
                possible = False
                break
            if check is not True:
                conditions.append(f"{em.name_of(other)}.shape == {name}.shape")
        if possible:
            return name, " and ".join(conditions)
    return None


def _broadcasts_into(other: Value, target: Value):
    """True when `other` provably broadcasts into `target`'s shape, False when it provably
    does not (or cannot be told), "check" when equal shapes must be checked at run time."""
    if other.rank is None or target.rank is None or other.rank > target.rank:
        return False
    if other.const is not None and other.const.size == 1:
        return True
    tdims = target.shape.dims[target.rank - other.rank:]
    proved = True
    for d_other, d_target in zip(other.shape.dims, tdims):
        if d_other == 1 or d_other is not None and d_other == d_target:
            continue
        if other.rank != target.rank:
            return False
        proved = False
    return True if proved else "check"


def _call(em: _Emitter, node: Node, func: str, args: list[str]) -> None:
    """Emits `result = func(*args)`, in place into an owned operand when that is safe."""
    out = node.outputs[0]
    target = _inplace_target(em, node)
    result = em.fresh()
    call = f"{func}({', '.join(args)}"
    if target is None:
        em.lines.append(f"{result} = {call})")
        em.owned[result] = True
    else:
        name, condition = target
        if condition:
            em.lines.append(f"{result} = {call}, out={name}) if {condition} else {call})")
        else:
            em.lines.append(f"{result} = {call}, out={name})")
        em.owned[result] = True
        em.owned.pop(name, None)
    em.names[out] = result


def _emit_members(em: _Emitter, members) -> None:
    """Emits the members in order; a BiasAdd read by a Relu or a Sigmoid becomes one call
    computing both (bias_ops.add_bias_relu, add_bias_sigmoid: one pass where numba is
    installed), and the sigmoid's gradient (g * s) * (1 - s) one call too
    (elementwise_ops.sigmoid_grad_product); the same bits as the separate kernels."""
    activation_of = {m.inputs[0]: m for m in members if m.type in ("Relu", "Sigmoid")}
    sigmoid_gradients = _sigmoid_gradients(members)
    paired = {id(n) for found in sigmoid_gradients.values() for n in found[1:3]}
    for member in members:
        if id(member) in paired:
            continue
        found = sigmoid_gradients.get(id(member))
        if found is not None:
            _, _, last, g, s, one = found
            _call(em, member, em.bind(_sigmoid_grad_product, "g"),
                  [em.name_of(g), em.name_of(s), em.name_of(one)])
            em.names[last.outputs[0]] = em.names[member.outputs[0]]
            continue
        activation = activation_of.get(member.outputs[0]) if member.type == "BiasAdd" else None
        if activation is not None and activation.outputs[0].dtype == member.outputs[0].dtype:
            fused = _add_bias_relu if activation.type == "Relu" else _add_bias_sigmoid
            _call(em, member, em.bind(fused, "b"), [em.name_of(v) for v in member.inputs])
            em.names[activation.outputs[0]] = em.names[member.outputs[0]]
            paired.add(id(activation))
        else:
            _emit(em, member)


def _sigmoid_gradients(members) -> dict:
    """{id(first Mul): (first, sub, last, g, s, one)} for each (g * s) * (one - s) among the
    members, the graph's form of the gradient through a sigmoid of output s (first = Mul(g, s),
    sub = Sub(one, s), last = Mul(first, sub), in either operand order), `one` a constant 1,
    every value of one dtype."""
    made = {m.outputs[0]: m for m in members}
    found = {}
    for last in members:
        if last.type != "Mul" or len(last.inputs) != 2:
            continue
        first, sub = (made.get(v) for v in last.inputs)
        if first is not None and first.type == "Sub":
            first, sub = sub, first
        if (first is None or sub is None or first.type != "Mul" or sub.type != "Sub"
                or first is sub):
            continue
        one, s = sub.inputs
        if (one.const is None or one.const.size != 1 or one.const.reshape(-1)[0] != 1
                or s not in first.inputs):
            continue
        g = first.inputs[1] if first.inputs[0] is s else first.inputs[0]
        dtype = s.dtype
        if any(v.dtype != dtype for v in (g, one, first.outputs[0], sub.outputs[0],
                                          last.outputs[0])):
            continue
        found[id(first)] = (first, sub, last, g, s, one)
    return found


def _emit(em: _Emitter, node: Node) -> None:
    kind = node.type
    args = [em.name_of(v) for v in node.inputs]
    out = node.outputs[0]
    if kind in _FRESH_HEADS or kind in _CHECKED_HEADS:
        kernel = em.bind(node.bind(em.xp, em.ctx))
        result = em.fresh()
        em.lines.append(f"{result} = {kernel}({', '.join(args)})")
        if kind in _FRESH_HEADS:
            em.owned[result] = True
        else:
            inputs = " and ".join(f"{result} is not {a}" for a in args)
            em.owned[result] = f"({result}.base is None and {result}.flags.writeable and {inputs})"
        em.names[out] = result
        return
    if kind == "Relu":
        _call(em, node, "np.maximum", args + ["0"])
        return
    if kind == "BiasAdd":           # NHWC only (_is_member): the bias on the last axis
        _call(em, node, em.bind(_add_bias_last, "b"), args)
        return
    if kind == "ReluGrad":
        _call(em, node, em.bind(_relu_grad_array, "r"), args)     # the ReluGrad kernel's
        return
    if kind == "Cast":
        result = em.fresh()
        dtype = em.bind(np.dtype(out.dtype.as_numpy_dtype), "d")
        em.lines.append(f"{result} = {args[0]}.astype({dtype})")
        em.owned[result] = True
        em.names[out] = result
        return
    if kind == "Select":
        result = em.fresh()
        em.lines.append(f"{result} = np.where({', '.join(args)})")
        em.owned[result] = True
        em.names[out] = result
        return
    if kind == "SquaredDifference":
        _call(em, node, "np.subtract", args)
        name = em.names[out]
        em.lines.append(f"np.multiply({name}, {name}, out={name})")
        return
    if kind == "Sigmoid":
        _emit_sigmoid(em, node, args[0])
        return
    ufunc, _ = _elementwise_ufunc(node)
    _call(em, node, em.bind(ufunc, "u"), args)


def _emit_sigmoid(em: _Emitter, node: Node, x: str) -> None:
    """The Sigmoid kernel's own function (elementwise_ops.sigmoid_array: the same bits),
    written over an owned operand when that is safe."""
    _call(em, node, em.bind(_sigmoid_array, "s"), [x])


# -- the parallel tail -------------------------------------------------------------------------
#
# A group headed by a matrix product or convolution may run its elementwise tail over row
# chunks of axis 0 on `parallel_map`'s threads: `tail(lo, hi, out, ...)` evaluates the same
# ufunc calls on `operand[lo:hi]` of every operand whose rank and leading dim are the output's
# (lower-rank and size-1-leading operands go whole, as broadcasting reads them), and writes the
# rows into the head's result when it owns it, else into a preallocated output. The ops are per
# element, so the bits are the serial path's. Anything not proved compatible at run time takes
# the serial path, whose lines are unchanged; with one thread (or a small static output) the
# generated function is exactly the serial one.

# Outputs with fewer values run serially. Measured (bias add + max, float32, 2 threads):
# handing chunks to the pool costs ~70 us of wall time, and the tail's serial pass takes
# ~1 ms per 1M values, so below ~200k values splitting cannot pay even on idle cores; 1M
# leaves room for a loaded machine, where the second thread may wait for its core.
PARALLEL_MIN_VALUES = 1 << 20
_REDO = object()


def _parallel_candidate(group, xp) -> bool:
    if xp is not np or len(group) < 2 or not _is_head(group[0]):
        return False
    if _threads.intra_op_threads() <= 1:
        return False
    out = group[-1].outputs[0]
    dims = out.shape.dims if out.rank is not None else None
    if dims is not None and all(d is not None for d in dims) \
            and int(np.prod(dims)) < PARALLEL_MIN_VALUES:
        return False
    return True


def _with_parallel_tail(group, em: _Emitter, head_lines: int, head_owned, result: str,
                        serial, checks=()):
    """The fused function with a parallel tail tried after the head (see above)."""
    head_value = group[0].outputs[0]
    inside = {v for m in group[1:] for v in m.outputs}
    operands: list[Value] = [head_value]
    consts = []
    for member in group[1:]:
        for value in member.inputs:
            if value in inside or value in operands:
                continue
            if value.const is not None:
                consts.append(np.asarray(value.const))
            else:
                operands.append(value)
    # The tail: the same members emitted over row slices.
    tail = _Emitter(group[1:], [], em.xp, em.ctx)
    lines = []
    # The slices are named _c0, _c1...: `bind` names the kernels it binds with one letter and
    # a number (the sigmoid's "s2"), which a slice named "s2" would shadow.
    for i, value in enumerate(operands):
        tail.names[value] = f"_c{i}"
        lines.append(f"_c{i} = a{i}[lo:hi] if sliced[{i}] else a{i}")
    tail.owned["_c0"] = "own"
    lines.append("o = _c0 if out is a0 else out[lo:hi]")
    _emit_members(tail, group[1:])
    lines += tail.lines
    r = tail.names[group[-1].outputs[0]]
    lines.append(f"if {r} is not o:")
    lines.append(f"    if {r}.dtype != o.dtype or {r}.shape != o.shape:")
    lines.append("        return False")
    lines.append(f"    o[...] = {r}")
    lines.append("return True")
    args = ", ".join(f"a{i}" for i in range(len(operands)))
    tail_source = (f"def tail(lo, hi, out, sliced, own, {args}):\n    "
                   + "\n    ".join(lines) + "\n")
    exec(compile(tail_source, f"<fused tail {group[-1].name}>", "exec"), tail.env)  # noqa: S102
    tail_fn = tail.env["tail"]

    owned = head_owned             # the first head's result (one line: `_emit` of a head)
    own_expr = "True" if owned is True else (owned or "False")
    dtype = np.dtype(group[-1].outputs[0].dtype.as_numpy_dtype)
    env = dict(em.env)
    env.update(_parallel=_run_parallel, _tail=tail_fn, _serial=serial, _redo=_REDO,
               _consts=tuple(consts), _dtype=dtype)
    names = [em.names[v] for v in operands]
    check = (f"p = _parallel(_tail, _dtype, _consts, {own_expr}, {', '.join(names)})\n    "
             f"if p is not None:\n        "
             f"return _serial({', '.join(em.args)}) if p is _redo else p")
    body = em.lines[:head_lines] + list(checks) + [check] + em.lines[head_lines:]
    source = (f"def fused({', '.join(em.args)}):\n    "
              + "\n    ".join(body) + f"\n    return {result}\n")
    exec(compile(source, f"<fused {group[-1].name}>", "exec"), env)   # noqa: S102
    fn = env["fused"]
    fn.source, fn.tail_source, fn.serial = source, tail_source, serial
    return fn


def _run_parallel(tail, dtype, consts, owned, *operands):
    """The output of the tail run over row chunks, None when the serial path must run
    instead (nothing written yet), _REDO when the whole serial function must run again."""
    count = _threads.intra_op_threads()
    if count <= 1:
        return None
    for x in operands:
        if type(x) is not np.ndarray:
            return None
    try:
        shape = np.broadcast_shapes(*(x.shape for x in operands), *(c.shape for c in consts))
    except ValueError:
        return None                      # the serial path raises the kernel's error
    if not shape or shape[0] < 2 or int(np.prod(shape)) < PARALLEL_MIN_VALUES:
        return None
    rows, rank = shape[0], len(shape)
    for c in consts:
        if c.ndim == rank and c.shape[0] != 1:
            return None
    sliced = tuple(x.ndim == rank and x.shape[0] == rows for x in operands)
    for x, s in zip(operands, sliced):
        if not s and x.ndim == rank and x.shape[0] != 1:
            return None
    head = operands[0]
    own = bool(owned) and sliced[0]
    if own and head.shape == shape and head.dtype == dtype:
        out = head
    else:
        out = _buffers.empty(shape, dtype)
    chunks = min(count, rows)
    bounds = _threads.even_ranges(rows, chunks)
    done = _threads.parallel_map(lambda b: tail(b[0], b[1], out, sliced, own, *operands),
                                 bounds, count)
    return out if all(done) else _REDO
