"""Passes that make a plan do less without changing its results: removal of identities,
constant folding (shape queries included), selection on a constant condition, exact algebraic
simplification, common-subexpression elimination, and shape specialization.

Every pass leaves stateful nodes (variables, assignments, random draws) and nodes with control
inputs where they are: only pure computations are folded, merged or bypassed.
"""
from __future__ import annotations

import numpy as np

from ..framework.shapes import TensorShape
from ..framework.tensor import TensorSpec
from .ir import Node, PlanGraph, Value

# Ops whose output is their input, unchanged (`PlaceholderWithDefault` only reaches a plan
# when it is not fed: pruning stops at fed tensors).
_PASS_THROUGH = frozenset(("Identity", "StopGradient", "PlaceholderWithDefault", "Snapshot",
                           "PreventGradient", "CheckNumericsNoOp"))
# A folded value larger than this stays computed at run time: the plan would keep it alive.
FOLD_LIMIT_BYTES = 1 << 20


def _removable(node: Node) -> bool:
    """A pure node whose disappearance nobody can observe (no control edges, not fetched)."""
    return not node.stateful and not node.control and not node.pinned


def _same_shape(a: TensorShape, b: TensorShape) -> bool:
    """Whether two static shapes are provably equal (fully known and equal)."""
    return (a.dims is not None and b.dims is not None and len(a.dims) == len(b.dims)
            and all(x is not None and x == y for x, y in zip(a.dims, b.dims)))


def remove_pass_through(graph: PlanGraph) -> None:
    """Identity-like nodes (identity, stop_gradient, a no-op cast, an unfed
    placeholder_with_default, empty expand/squeeze) are bypassed: readers read the source."""
    kept = []
    for node in graph.nodes:
        node.inputs = [graph.find(v) for v in node.inputs]
        source = _pass_through_source(node)
        if source is not None and _removable(node):
            for out, src in zip(node.outputs, source):
                graph.replace(out, src)
            graph.count("pass-through removed")
            continue
        kept.append(node)
    graph.nodes = kept
    graph.resolve()


def _pass_through_source(node: Node):
    kind = node.type
    if kind in _PASS_THROUGH and len(node.inputs) == 1:
        return node.inputs
    if kind == "IdentityN":
        return node.inputs
    if kind == "Cast" and node.inputs[0].dtype == node.outputs[0].dtype:
        return node.inputs
    if kind in ("ExpandDimsMany", "SqueezeAxes") and not node.attrs.get("axes"):
        return node.inputs
    if kind in ("SumToLike", "BroadcastLike", "Reshape") and len(node.inputs) == 2:
        x, out = node.inputs[0], node.outputs[0]
        if x.dtype == out.dtype and _same_shape(x.shape, out.shape):
            return [x]
    if kind == "BroadcastTo" and _same_shape(node.inputs[0].shape, node.outputs[0].shape):
        return node.inputs[:1]
    return None


def fold_constants(graph: PlanGraph, ctx, xp) -> None:
    """Runs, once at plan time, every pure node whose inputs are all known (and the shape
    queries of tensors whose static shape is known); selects with a constant scalar condition
    become the chosen branch; exact algebraic identities (x*1, x+0, x-0, x/1, -(-x), a and
    False...) bypass their node. One forward sweep: a folded value feeds the next fold."""
    kept = []
    for node in graph.nodes:
        node.inputs = [graph.find(v) for v in node.inputs]
        if _removable(node) and _fold(graph, node, ctx, xp):
            continue
        kept.append(node)
    graph.nodes = kept
    graph.resolve()


def _fold(graph: PlanGraph, node: Node, ctx, xp) -> bool:
    kind, ins, outs = node.type, node.inputs, node.outputs
    if kind == "Const":
        value = node.attrs["value"]
        if value.nbytes > FOLD_LIMIT_BYTES:
            return False
        outs[0].const = _frozen(value)
        graph.count("constants")
        return True
    if not ins or node.op is None:
        return False
    static = _static_result(node)
    if static is not None:
        for out, array in zip(outs, static):
            out.const = _frozen(array)
        graph.count("shape queries folded")
        return True
    if all(v.const is not None for v in ins):
        try:
            result = node.bind(xp, ctx)(*[v.const for v in ins])
        except Exception:       # noqa: BLE001 - the error is raised again when the plan runs
            return False
        results = [result] if len(outs) == 1 else list(result)
        arrays = [np.asarray(r) for r in results]
        if any(a.nbytes > FOLD_LIMIT_BYTES or a.dtype == object for a in arrays):
            return False
        for out, array in zip(outs, arrays):
            out.const = _frozen(array)
        graph.count("ops folded")
        return True
    target = _simplified(node)
    if target is not None:
        graph.replace(outs[0], target)
        graph.count("algebraic simplifications")
        return True
    return False


def _frozen(array):
    array = np.asarray(array)
    if array.flags.writeable or array.base is not None:
        array = array.copy(order="C")
        array.flags.writeable = False
    return array


def _static_result(node: Node):
    """The outputs of a shape query, of zeros_like / ones_like, or of a constant broadcast
    like a tensor of known shape, from static shapes alone."""
    kind, ins = node.type, node.inputs
    if kind == "BroadcastLike" and ins[0].const is not None and ins[1].fully_defined():
        shape = tuple(ins[1].shape.dims)
        if int(np.prod(shape, dtype=np.int64)) * ins[0].const.itemsize > FOLD_LIMIT_BYTES:
            return None
        try:
            return [np.broadcast_to(ins[0].const, shape)]
        except ValueError:
            return None
    if kind in ("Shape", "Size", "Rank", "ShapeN", "ZerosLike", "OnesLike"):
        if not all(v.fully_defined() for v in ins):
            return None
        out_dtype = node.outputs[0].dtype.as_numpy_dtype
        if kind == "Shape":
            return [np.asarray(ins[0].shape.dims, dtype=out_dtype)]
        if kind == "ShapeN":
            return [np.asarray(v.shape.dims, dtype=o.dtype.as_numpy_dtype)
                    for v, o in zip(ins, node.outputs)]
        if kind == "Size":
            return [np.asarray(int(np.prod(ins[0].shape.dims, dtype=np.int64)), dtype=out_dtype)]
        if kind == "Rank":
            return [np.asarray(len(ins[0].shape.dims), dtype=out_dtype)]
        size = int(np.prod(ins[0].shape.dims, dtype=np.int64)) * np.dtype(out_dtype).itemsize
        if size > FOLD_LIMIT_BYTES or ins[0].dtype.name == "string":
            return None
        fill = np.zeros if kind == "ZerosLike" else np.ones
        return [fill(ins[0].shape.dims, dtype=out_dtype)]
    return None


def _is_scalar_like(value: Value, other: Value) -> bool:
    """`value` is a constant of one element whose broadcast against `other` keeps `other`'s
    shape exactly (its rank is not larger)."""
    const = value.const
    return (const is not None and const.size == 1 and other.rank is not None
            and const.ndim <= other.rank)


def _simplified(node: Node):
    """The value a node provably equals without computing (exact identities only), or None."""
    kind, ins = node.type, node.inputs
    out = node.outputs[0]
    if kind == "Select" and ins[0].const is not None and ins[0].const.size == 1 \
            and ins[0].const.ndim == 0:
        chosen, other = (ins[1], ins[2]) if bool(ins[0].const) else (ins[2], ins[1])
        # Branches of one shape (as dropout's and the identity's in Keras' learning phase):
        # a None dimension at the same place is taken to be the same batch dimension.
        if chosen.dtype == out.dtype and chosen.shape == other.shape == out.shape \
                or _same_shape(chosen.shape, out.shape):
            return chosen
        return None
    if len(ins) != 2 or out.dtype.name == "string":
        return None
    x, y = ins
    if kind in ("Mul",):
        for a, b in ((x, y), (y, x)):
            if _is_scalar_like(b, a) and b.const.reshape(()) == 1 and a.dtype == out.dtype:
                return a
    if kind in ("Add", "AddV2"):
        for a, b in ((x, y), (y, x)):
            if _is_scalar_like(b, a) and _is_zero(b.const) and a.dtype == out.dtype:
                return a
    if kind == "Sub" and _is_scalar_like(y, x) and _is_zero(y.const):
        return x
    if kind == "RealDiv" and _is_scalar_like(y, x) and y.const.reshape(()) == 1:
        return x
    if kind in ("LogicalAnd", "LogicalOr"):
        neutral = kind == "LogicalAnd"
        for a, b in ((x, y), (y, x)):
            if _is_scalar_like(b, a) and bool(b.const.reshape(())) == neutral:
                return a
    return None


def _is_zero(array) -> bool:
    # x + (-0.0) is x for every x; x + 0.0 turns -0.0 into 0.0, a difference nobody sees
    # through arithmetic, so both count as zero (as TensorFlow's arithmetic optimizer).
    return array.reshape(()) == 0


def fold_absorbing(graph: PlanGraph) -> None:
    """`a and False` / `a or True` with a scalar constant: the constant, broadcast to the
    shape of `a` when that shape is known (Keras' learning phase and trainable flags)."""
    kept = []
    for node in graph.nodes:
        node.inputs = [graph.find(v) for v in node.inputs]
        if node.type in ("LogicalAnd", "LogicalOr") and _removable(node):
            absorbing = node.type == "LogicalOr"
            out = node.outputs[0]
            for a, b in ((node.inputs[0], node.inputs[1]), (node.inputs[1], node.inputs[0])):
                if _is_scalar_like(b, a) and bool(b.const.reshape(())) == absorbing \
                        and a.fully_defined():
                    out.const = _frozen(np.full(a.shape.dims, absorbing, dtype=bool))
                    graph.count("algebraic simplifications")
                    break
            if out.const is not None:
                continue
        kept.append(node)
    graph.nodes = kept
    graph.resolve()


def relu_gradients_before_max_pool_gradients(graph: PlanGraph) -> None:
    """ReluGrad(MaxPoolGrad(x, y, dy), x) becomes MaxPoolGrad(x, y, ReluGrad(dy, y)): the ReLU
    gradient of a max-pooled ReLU runs on the pooled gradient, a quarter of the values for 2x2
    windows (the slides' CNN: one pass over 7.9M values becomes one over 2M).

    Exact, bit for bit, for windows that do not overlap (strides >= ksize, as in the slides'
    CNN): MaxPoolGrad routes dy[w] only to a cell x[i] equal to y[w], where (x[i] > 0) is
    (y[w] > 0); every other cell gets dy[w] * 0 either way (the same zero, the same sign; a NaN
    or infinite dy gives the same NaNs, as both kernels multiply). Overlapping windows are
    left alone: there a cell sums several windows' gradients, and a sum that is -0 * 0 in one
    order is +0 in the other."""
    readers = graph.consumers()
    fetched = graph.fetched_values()
    moved = {}                   # id(MaxPoolGrad node) -> the ReluGrad node to run before it
    dropped = set()
    for node in graph.nodes:
        if node.type != "ReluGrad" or len(node.inputs) != 2 or not _removable(node):
            continue
        grad, features = node.inputs
        pool = grad.producer
        if (pool is None or pool.type != "MaxPoolGrad" or not _removable(pool)
                or id(pool) in moved or pool.inputs[0] is not features or grad in fetched
                or readers.get(grad) != [node] or not _disjoint_windows(pool.attrs)):
            continue
        x, y, dy = pool.inputs
        masked = Value(dy.dtype, dy.shape, name=f"{node.name}/pooled")
        relu = Node("ReluGrad", node.name, [dy, y], [masked], op=node.op, op_def=node.op_def,
                    attrs=node.attrs, order=pool.order - 0.5)
        masked.producer = relu
        pool.inputs = [x, y, masked]
        graph.replace(node.outputs[0], grad)
        moved[id(pool)] = relu
        dropped.add(id(node))
        graph.count("ReLU gradients moved before max-pool gradients")
    if not moved:
        return
    nodes = []
    for node in graph.nodes:
        if id(node) in moved:
            nodes.append(moved[id(node)])
        if id(node) not in dropped:
            nodes.append(node)
    graph.nodes = nodes
    graph.resolve()


def _disjoint_windows(attrs) -> bool:
    """Whether a pooling op's windows never overlap: each stride at least its window size."""
    ksize, strides = attrs.get("ksize"), attrs.get("strides")
    try:
        return len(ksize) == len(strides) and all(int(s) >= int(k)
                                                  for k, s in zip(ksize, strides))
    except TypeError:
        return False


def eliminate_common_subexpressions(graph: PlanGraph) -> None:
    """Merges pure nodes of one type, with the same inputs and equal attributes, and equal small
    constants: the later node's outputs are replaced by the earlier's."""
    seen: dict = {}
    constants: dict = {}
    kept = []
    for node in graph.nodes:
        node.inputs = [_canonical_const(graph, constants, graph.find(v)) for v in node.inputs]
        if _removable(node) and node.op is not None and node.inputs:
            key = _node_key(node)
            if key is not None:
                first = seen.get(key)
                if first is not None:
                    for a, b in zip(node.outputs, first.outputs):
                        graph.replace(a, b)
                    graph.count("common subexpressions merged")
                    continue
                seen[key] = node
        kept.append(node)
    graph.nodes = kept
    graph.fetches = [_canonical_const(graph, constants, graph.find(f))
                     if isinstance(f, Value) else f for f in graph.fetches]
    graph.resolve()


def _canonical_const(graph, constants, value):
    const = value.const
    if const is None or const.nbytes > 4096:
        return value
    key = (value.dtype, const.shape, const.tobytes())
    first = constants.setdefault(key, value)
    if first is not value:
        graph.replace(value, first)
    return first


def _node_key(node: Node):
    try:
        attrs = tuple(sorted((k, _hashable(v)) for k, v in node.attrs.items()))
        key = (node.type, tuple(id(v) for v in node.inputs), attrs)
        hash(key)
        return key
    except TypeError:
        return None


def _hashable(value):
    if isinstance(value, np.ndarray):
        return ("ndarray", value.dtype.str, value.shape, value.tobytes())
    if isinstance(value, (list, tuple)):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    hash(value)
    return (type(value).__name__, value)


def specialize_shapes(graph: PlanGraph, fed_shapes) -> None:
    """Gives the fed values their actual shapes and infers every node's output shapes again
    from them (the `infer` of each op), so shape queries fold and shape-preserving broadcasts
    disappear. A plan built this way is only run with feeds of those shapes."""
    for value, shape in zip(graph.fed, fed_shapes):
        value.shape = TensorShape(shape)
    for node in graph.nodes:
        if node.op is None or not node.inputs:
            continue
        specs = [TensorSpec(v.shape, v.dtype) for v in node.inputs]
        try:
            out = node.op_def.infer(*specs, **node.attrs)
        except Exception:       # noqa: BLE001 - keep the graph's static shapes
            continue
        out = [out] if isinstance(out, TensorSpec) else list(out)
        if len(out) != len(node.outputs):
            continue
        for value, spec in zip(node.outputs, out):
            if spec.dtype != value.dtype or not spec.shape.is_compatible_with(value.shape):
                continue
            value.shape = spec.shape.merge_with(value.shape)
