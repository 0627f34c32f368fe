"""`gradients(ys, xs)`: reverse-mode differentiation over a graph, built from ops.

Ops are visited in reverse creation order (creation order is topological: an op's inputs
exist before it). Each op's registered gradient turns the summed gradients of its outputs
into gradients of its inputs; the result is ordinary graph nodes under `gradients/`, so a
gradient can itself be differentiated. This is the one place where a gradient shaped like a
broadcast result is summed back to the input's shape.
"""
from __future__ import annotations

from ..framework.errors import TenseurError
from ..framework.graph import get_default_graph
from ..framework.tensor import Tensor
from ..ops.registry import NOT_DIFFERENTIABLE, apply_op, convert_to_tensor, executing_eagerly


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _to_tensor(x, what):
    t = x._as_tensor() if hasattr(x, "_as_tensor") else x
    if not isinstance(t, Tensor):
        raise TypeError(f"gradients: {what} must be Tensors or Variables, got {x!r}.")
    return t


def gradients(ys, xs, grad_ys=None, name="gradients", stop_gradients=None,
              colocate_gradients_with_ops=False, gate_gradients=False, aggregation_method=None,
              unconnected_gradients="none"):
    """Symbolic derivatives of `sum(ys)` with respect to each of `xs`.

    Args:
        ys: a tensor or list of tensors to differentiate.
        xs: a tensor/Variable or a list of them.
        grad_ys: optional list of gradients for each y (default: ones).
        stop_gradients: tensors treated as constants.
        unconnected_gradients: "none" (None for an x that ys do not depend on) or "zero".
    Returns:
        A list aligned with `xs`: the gradient tensor, or None when not connected.
    Raises:
        LookupError: an op on the path has no registered gradient.
    Example:
        >>> dw, db = tenseur.gradients(loss, [w, b])
    """
    if executing_eagerly():
        raise RuntimeError("tenseur.gradients is not supported when eager execution is enabled: "
                           "there is no graph to differentiate. Use tenseur.GradientTape.")
    ys = [_to_tensor(y, "ys") for y in _as_list(ys)]
    xs = [_to_tensor(x, "xs") for x in _as_list(xs)]
    grad_ys = _as_list(grad_ys) if grad_ys is not None else [None] * len(ys)
    if len(grad_ys) != len(ys):
        raise ValueError(f"gradients: got {len(grad_ys)} grad_ys for {len(ys)} ys.")
    stops = {_to_tensor(s, "stop_gradients") for s in _as_list(stop_gradients)} \
        if stop_gradients is not None else set()
    graph = ys[0].graph
    for t in ys + xs:
        if t.graph is not graph:
            raise TenseurError(f"gradients: {t.name} belongs to another graph than {ys[0].name}.")

    # Ops that depend on some x (forward from xs) and that some y depends on (backward).
    x_set = set(xs)
    forward: set[int] = set()
    stack = [op for x in xs for op in x._consumers]
    while stack:
        op = stack.pop()
        if op._id in forward:
            continue
        forward.add(op._id)
        for out in op.outputs:
            stack.extend(out._consumers)
    between: dict[int, object] = {}
    stack = [y.op for y in ys]
    while stack:
        op = stack.pop()
        if op._id in between or op._id not in forward:
            continue
        between[op._id] = op
        stack.extend(t.op for t in op.inputs if t not in x_set)

    grads: dict[Tensor, list] = {}
    with graph.as_default(), graph.name_scope(name):
        for y, gy in zip(ys, grad_ys):
            g = apply_op("OnesLike", y) if gy is None else convert_to_tensor(gy, dtype=y.dtype)
            grads.setdefault(y, []).append(g)
        for op_id in sorted(between, reverse=True):
            op = between[op_id]
            out_grads = [_aggregate(grads.get(t)) for t in op.outputs]
            if all(g is None for g in out_grads):
                continue
            if any(t in stops for t in op.outputs):
                continue
            if op.op_def.gradient == NOT_DIFFERENTIABLE:
                continue
            with graph.name_scope(op.name + "_grad"):
                in_grads = op_input_gradients(
                    op, out_grads, lambda inp: inp.op._id in forward or inp in x_set)
                for inp, g in zip(op.inputs, in_grads):
                    if g is not None:
                        grads.setdefault(inp, []).append(g)
        results = []
        for x in xs:
            g = _aggregate(grads.get(x))
            mode = getattr(unconnected_gradients, "value", unconnected_gradients)
            if g is None and str(mode).lower() == "zero":
                g = apply_op("ZerosLike", x)
            results.append(g)
    return results


def op_input_gradients(op, out_grads, wanted) -> list:
    """The gradients of `op`'s inputs from those of its outputs (None: no gradient flows).

    The one place both `gradients` (graph ops) and `GradientTape` (eager op records with the
    same `.inputs`, `.outputs`, `.attrs`, `.op_def`) apply an op's registered gradient: a
    missing output gradient of a several-output op becomes zeros, and for ops with
    `broadcasting=True` a gradient shaped like the broadcast result is summed back to the
    input's shape. `wanted(input)` says which inputs need a gradient at all; the others, and
    inputs that are not floating-point, get None.

    Raises:
        LookupError: the op type has no gradient written yet.
    """
    op_def = op.op_def
    if op_def.gradient == NOT_DIFFERENTIABLE:
        return [None] * len(op.inputs)
    if op_def.gradient is None:
        raise LookupError(f"no gradient registered for op type '{op.type}' (node "
                          f"'{op.name}').")
    if len(out_grads) > 1:
        out_grads = [g if g is not None else apply_op("ZerosLike", t)
                     for g, t in zip(out_grads, op.outputs)]
    in_grads = op_def.gradient(op, *out_grads)
    in_grads = list(in_grads) if isinstance(in_grads, (list, tuple)) else [in_grads]
    if len(in_grads) != len(op.inputs):
        raise TenseurError(f"the gradient of {op.type} returned {len(in_grads)} "
                           f"values for {len(op.inputs)} inputs (node '{op.name}').")
    results = []
    for inp, g in zip(op.inputs, in_grads):
        if g is None or not inp.dtype.is_floating or not wanted(inp):
            results.append(None)
            continue
        g = convert_to_tensor(g)
        if op_def.broadcasting and not _same_static_shape(g, inp):
            g = apply_op("SumToLike", g, inp)
        results.append(g)
    return results


def _same_static_shape(a: Tensor, b: Tensor) -> bool:
    return a.shape.is_fully_defined() and a.shape == b.shape


def _aggregate(gs):
    """The sum of the gradients `gs` reaching one tensor (None when none does); the tape's
    walk sums them the same way."""
    if not gs:
        return None
    if len(gs) == 1:
        return gs[0]
    return apply_op("AddN", *gs)
