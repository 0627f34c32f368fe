"""Stable cross-entropy: `log(softmax(z))` and `log(sigmoid(z))`, `log(1 - sigmoid(z))` in
their stable forms, and the gradient `tf.gradients` builds through them in its simple form.

The slides write the loss on probabilities, `-reduce_sum(y * tf.log(tf.nn.softmax(z)), -1)`.
Computed as written, log(p) is -inf as soon as a probability underflows (a logit gap of ~104
in float32), the loss is then inf or NaN (0 * -inf), and the gradient divides by that zero.
This pass rewrites, matching op types and which value feeds which input (never names):

- `Log(Softmax(z))` -> `LogSoftmax(z)` = (z - max) - log Σ exp(z - max): finite for finite z;
  the loss's `Sum(y * log p, axis)` over it becomes one step;
- the gradient of the pair, `Log_grad` h = g / p followed by `Softmax_grad`
  p * (h - Σ(h * p, axis, keepdims)), -> `g - p * Σ(g, axis, keepdims)`: two passes over the
  array instead of five, no division, finite where p underflows;
  p is the Softmax value when something else still reads it, else exp(LogSoftmax(z)) when the
  loss is computed in the same plan, else softmax(z) computed inside the new step;
- `Log(Sigmoid(z))` -> min(z, 0) - log1p(exp(-|z|)) and `Log(1 - Sigmoid(z))` ->
  min(-z, 0) - log1p(exp(-|z|)) (binary cross-entropy on probabilities);
- their gradients, `Sigmoid_grad(g1 / s - g2 / (1 - s))` as built for
  `y log s + (1 - y) log(1 - s)`, -> `g1 (1 - s) - g2 s`, and each term alone when only one
  of the two logarithms is differentiated.

Exact in real arithmetic, not bitwise: the results differ from the unfused plan by rounding
(a few ulps) where both are finite, and are finite where the unfused form gives -inf or NaN.
Switch it off with TENSEUR_DISABLE_PASSES=stable_cross_entropy for bitwise comparisons.
"""
from __future__ import annotations

import numpy as np

from ..backend import jit as _jit
from ..ops.nn_ops import max_keepdims
from .ir import Node, PlanGraph, Value


def _removable(node: Node) -> bool:
    return node.op is not None and not node.stateful and not node.control and not node.pinned


def _axis_of(axis, rank):
    """The reduction axes as a sorted tuple of non-negative ints, or None when unknown."""
    if rank is None or axis is None:
        return None
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    try:
        return tuple(sorted(int(a) % rank for a in axes))
    except (TypeError, ValueError):
        return None


def _is_const(value: Value, number: float) -> bool:
    const = value.const
    return const is not None and const.size == 1 and float(const.reshape(())) == number


class _Rewriter:
    """The readers of every value, and the node replacing another (applied by `finish`)."""

    def __init__(self, graph: PlanGraph):
        graph.resolve()
        self.graph = graph
        self.readers = graph.consumers()
        self.fetched = graph.fetched_values()
        self.replacements: dict = {}      # id(old node) -> new node (None: drop)

    def only_reader(self, value: Value, node: Node | None = None):
        """The one node reading `value` (which must be `node` if given), or None; a fetched
        value counts as one more reader."""
        readers = self.readers.get(value, ())
        if len(readers) != 1 or value in self.fetched or value.fed or value.const is not None:
            return None
        if node is not None and readers[0] is not node:
            return None
        return readers[0] if _removable(readers[0]) else None

    def readers_of(self, value: Value, kind: str):
        return [r for r in self.readers.get(value, ()) if r.type == kind and _removable(r)]

    def replace_node(self, old: Node, new: Node) -> None:
        """`new` computes `old`'s outputs (the same Values) and runs where `old` did."""
        for value in new.outputs:
            value.producer = new
        self.replacements[id(old)] = new

    def finish(self) -> None:
        if not self.replacements:
            return
        nodes = [self.replacements.get(id(n), n) for n in self.graph.nodes]
        self.graph.nodes = [n for n in nodes if n is not None]
        self.graph.eliminate_dead()


def stabilize_cross_entropy(graph: PlanGraph) -> None:
    """Rewrites softmax/sigmoid + log (and their gradients) into the stable forms above."""
    rewriter = _Rewriter(graph)
    for node in list(graph.nodes):
        if not _removable(node) or not node.outputs or not node.outputs[0].dtype.is_floating:
            continue
        if node.type == "Softmax":
            _softmax(rewriter, node)
        elif node.type == "Sigmoid":
            _sigmoid(rewriter, node)
    rewriter.finish()


# -- softmax ---------------------------------------------------------------------------------

def _softmax_grad_match(rw: _Rewriter, divide: Node, p: Value, axes):
    """For `divide` = RealDiv(g, p): the last node of Softmax_grad applied to h = g / p,
    p * (h - Σ(h * p, axes, keepdims)), with the nodes between it and h, or None."""
    h = divide.outputs[0]
    for mul in rw.readers_of(h, "Mul"):
        if set(map(id, mul.inputs)) != {id(h), id(p)} or len(mul.inputs) != 2:
            continue
        total = rw.only_reader(mul.outputs[0])
        if total is None or total.type != "Sum" or not total.attrs.get("keepdims"):
            continue
        if _axis_of(total.attrs.get("axis"), p.rank) != axes:
            continue
        sub = rw.only_reader(total.outputs[0])
        if sub is None or sub.type != "Sub" or sub.inputs[0] is not h \
                or sub.inputs[1] is not total.outputs[0]:
            continue
        last = rw.only_reader(sub.outputs[0])
        if last is None or last.type != "Mul" \
                or set(map(id, last.inputs)) != {id(p), id(sub.outputs[0])}:
            continue
        return last, (mul, total, sub, last)
    return None


def _softmax(rw: _Rewriter, softmax: Node) -> None:
    z, p = softmax.inputs[0], softmax.outputs[0]
    axes = _axis_of(softmax.attrs.get("axis", -1), p.rank)
    if axes is None or len(axes) != 1:
        return
    axis = axes[0]
    logs = [n for n in rw.readers_of(p, "Log") if n.inputs[0] is p]
    grads = []
    for divide in rw.readers_of(p, "RealDiv"):
        g = divide.inputs[0]
        if divide.inputs[1] is not p or g.dtype != p.dtype or g.rank != p.rank \
                or not g.shape.is_compatible_with(p.shape):
            continue
        found = _softmax_grad_match(rw, divide, p, axes)
        if found is not None:
            grads.append((divide, *found))
    if not logs and not grads:
        return
    # Which readers of p remain once the rewritten nodes are gone.
    gone = {id(n) for n in logs}
    for divide, _, chain in grads:
        gone.update(id(n) for n in chain)
        h_readers = rw.readers.get(divide.outputs[0], ())
        if divide.outputs[0] not in rw.fetched and all(id(r) in gone for r in h_readers):
            gone.add(id(divide))
    p_needed = p in rw.fetched or any(id(r) not in gone for r in rw.readers.get(p, ()))
    log_p = None
    if logs:
        log_p = logs[0].outputs[0]
        node = Node("LogSoftmax", logs[0].name, [z], [log_p], members=[softmax.op, logs[0].op],
                    order=logs[0].order)
        node.make = lambda xp, ctx, axis=axis: _log_softmax_kernel(axis)
        rw.replace_node(logs[0], node)
        for other in logs[1:]:
            rw.graph.replace(other.outputs[0], log_p)
            rw.replacements[id(other)] = None
        rw.graph.count("log(softmax) made stable", len(logs))
        _cross_entropy_sum(rw, log_p, axes)
    if p_needed:
        source, mode = p, "probabilities"
    elif log_p is not None:
        source, mode = log_p, "log-probabilities"
    else:
        source, mode = z, "logits"
    for divide, last, chain in grads:
        g = divide.inputs[0]
        node = Node("SoftmaxLogGrad", last.name, [g, source], list(last.outputs),
                    members=[softmax.op, divide.op] + [n.op for n in chain], order=last.order)
        node.make = lambda xp, ctx, axis=axis, mode=mode: _softmax_log_grad_kernel(axis, mode)
        rw.replace_node(last, node)
        rw.graph.count("softmax-log gradients simplified")
    rw.graph.resolve()


def _summer(axis):
    """sum(a, axis, keepdims=True); over the last axis as a product with a column of ones,
    which BLAS does in one call (1.5 against 4.6 us for 128 x 10 float32)."""
    ones: dict = {}

    def total(a):
        if axis != a.ndim - 1 or a.dtype.kind != "f" or a.ndim < 2:
            return a.sum(axis=axis, keepdims=True)
        column = ones.get((a.shape[-1], a.dtype))
        if column is None:
            column = ones[(a.shape[-1], a.dtype)] = np.ones((a.shape[-1], 1), a.dtype)
        return np.matmul(a, column)
    return total


def _cross_entropy_sum(rw: _Rewriter, log_p: Value, axes) -> None:
    """Σ(y * log p, axis) over the class axis (the slides' loss before its minus sign) as one
    step: the product, then the sum as a product with ones (`_summer`)."""
    for mul in rw.readers_of(log_p, "Mul"):
        if len(mul.inputs) != 2 or log_p not in mul.inputs:
            continue
        labels = mul.inputs[1] if mul.inputs[0] is log_p else mul.inputs[0]
        product = mul.outputs[0]
        total = rw.only_reader(product)
        if total is None or total.type != "Sum" or labels.dtype != log_p.dtype \
                or product.rank != log_p.rank or _axis_of(total.attrs.get("axis"),
                                                          product.rank) != axes:
            continue
        node = Node("SoftmaxCrossEntropySum", total.name, [labels, log_p], list(total.outputs),
                    members=[mul.op, total.op], order=total.order)
        node.make = lambda xp, ctx, axis=axes[0], keep=bool(total.attrs.get("keepdims")): \
            _cross_entropy_sum_kernel(axis, keep)
        rw.replace_node(total, node)
        rw.graph.count("cross-entropy sums fused")


def _cross_entropy_sum_kernel(axis, keepdims):
    total = _summer(axis)

    def cross_entropy_sum(labels, log_p):
        summed = total(labels * log_p)
        return summed if keepdims else summed.squeeze(axis)
    return cross_entropy_sum


def _log_softmax_kernel(axis):
    total = _summer(axis)

    def log_softmax(z):
        if z.size == 0:
            return z.copy()
        shifted = z - max_keepdims(np, z, axis)
        np.subtract(shifted, np.log(total(np.exp(shifted))), out=shifted)
        return shifted
    return log_softmax


def _softmax_log_grad_kernel(axis, mode):
    """g - p Σ(g, axis, keepdims), with p given, as log p, or as the logits (then, for 2-D
    float32 over the last axis with numba installed, exp_numba's one compiled pass: the
    slides' 128 x 10 logits 11 us against 20-34)."""
    total = _summer(axis)

    def softmax_log_grad(g, source):
        if mode == "logits" and _fast_rows(g, source, axis):
            fast = _jit.kernels("tenseur.ops.exp_numba")
            if fast is not None:
                out = np.empty_like(source)
                fast.softmax_log_grad(g, source, out)
                return out
        if mode == "probabilities":
            p = source * total(g)
        else:
            if mode == "logits":
                p = source - max_keepdims(np, source, axis) if source.size else source.copy()
                np.exp(p, out=p)
                np.true_divide(p, total(p), out=p)
            else:
                p = np.exp(source)
            np.multiply(p, total(g), out=p)
        if g.shape != p.shape:
            g = np.broadcast_to(g, p.shape)
        return np.subtract(g, p, out=p)
    return softmax_log_grad


def _fast_rows(g, source, axis) -> bool:
    """Whether exp_numba's softmax gradient takes these: C-ordered 2-D float32 of one shape,
    over the last axis, with classes."""
    return (type(g) is np.ndarray and type(source) is np.ndarray and source.ndim == 2
            and axis in (-1, 1) and source.dtype == np.float32 and g.dtype == np.float32
            and g.shape == source.shape and source.shape[1] > 0
            and g.flags.c_contiguous and source.flags.c_contiguous)


# -- sigmoid ---------------------------------------------------------------------------------

def _sigmoid(rw: _Rewriter, sigmoid: Node) -> None:
    """log s and log(1 - s) of s = sigmoid(z) in stable forms; the gradient through them."""
    z, s = sigmoid.inputs[0], sigmoid.outputs[0]
    # (log node, sign): log s = -softplus(-z) (sign +1), log(1 - s) = -softplus(z) (sign -1).
    logs = [(n, 1) for n in rw.readers_of(s, "Log") if n.inputs[0] is s]
    complements = []
    for sub in rw.readers_of(s, "Sub"):
        if sub.inputs[1] is s and _is_const(sub.inputs[0], 1.0) \
                and sub.inputs[0].const.ndim <= (s.rank or 0):
            complements.append(sub)
            logs += [(n, -1) for n in rw.readers_of(sub.outputs[0], "Log")
                     if n.inputs[0] is sub.outputs[0]]
    for log, sign in logs:
        node = Node("LogSigmoid" if sign > 0 else "LogSigmoidComplement", log.name, [z],
                    list(log.outputs), members=[sigmoid.op, log.op], order=log.order)
        node.make = lambda xp, ctx, sign=sign: _log_sigmoid_kernel(sign)
        rw.replace_node(log, node)
        rw.graph.count("log(sigmoid) made stable")
    _sigmoid_grad(rw, sigmoid, complements)
    rw.graph.resolve()


def _sigmoid_grad(rw: _Rewriter, sigmoid: Node, complements) -> None:
    """Sigmoid_grad's `h * s * (1 - s)` where h = g1 / s, h = -(g2 / (1 - s)) or their sum
    becomes `g1 (1 - s)`, `-g2 s` or `g1 (1 - s) - g2 s`."""
    s = sigmoid.outputs[0]
    for first in rw.readers_of(s, "Mul"):
        # Sigmoid's gradient: Mul(Mul(h, s), Sub(1, s)).
        if len(first.inputs) != 2 or first.inputs[1] is not s:
            continue
        h = first.inputs[0]
        last = rw.only_reader(first.outputs[0])
        if last is None or last.type != "Mul" or last.inputs[0] is not first.outputs[0]:
            continue
        if last.inputs[1].producer not in complements:
            continue
        terms = _reciprocal_terms(rw, h, s, complements, first)
        if terms is None or last.outputs[0].dtype != s.dtype:
            continue
        g1, g2 = terms
        inputs = [v for v in (g1, g2) if v is not None] + [s]
        node = Node("SigmoidLogGrad", last.name, inputs, list(last.outputs),
                    members=[sigmoid.op, first.op, last.op], order=last.order)
        node.make = lambda xp, ctx, g1=g1 is not None, g2=g2 is not None: \
            _sigmoid_log_grad_kernel(g1, g2)
        rw.replace_node(last, node)
        rw.graph.count("sigmoid-log gradients simplified")


def _reciprocal_terms(rw: _Rewriter, h: Value, s: Value, complements, reader: Node):
    """(g1, g2) when h = g1 / s, h = -(g2 / (1 - s)) or h = g1 / s + -(g2 / (1 - s)) (either
    may be None), each intermediate read only on the way to `reader`; else None."""
    if rw.only_reader(h, reader) is None or h.producer is None:
        return None

    def over_s(value, consumer):
        node = value.producer
        if node is None or node.type != "RealDiv" or node.inputs[1] is not s \
                or rw.only_reader(value, consumer) is None:
            return None
        g = node.inputs[0]
        return g if g.dtype == s.dtype and _same_or_broadcast(g, s) else None

    def minus_over_complement(value, consumer):
        neg = value.producer
        if neg is None or neg.type != "Neg" or rw.only_reader(value, consumer) is None:
            return None
        divide = neg.inputs[0].producer
        if divide is None or divide.type != "RealDiv" \
                or divide.inputs[1].producer not in complements \
                or rw.only_reader(neg.inputs[0], neg) is None:
            return None
        g = divide.inputs[0]
        return g if g.dtype == s.dtype and _same_or_broadcast(g, s) else None

    node = h.producer
    if node.type in ("Add", "AddV2", "AddN") and len(node.inputs) == 2 and _removable(node):
        a, b = node.inputs
        for first, second in ((a, b), (b, a)):
            g1, g2 = over_s(first, node), minus_over_complement(second, node)
            if g1 is not None and g2 is not None:
                return g1, g2
        return None
    g1 = over_s(h, reader)
    if g1 is not None:
        return g1, None
    g2 = minus_over_complement(h, reader)
    return (None, g2) if g2 is not None else None


def _same_or_broadcast(g: Value, s: Value) -> bool:
    """g has s's rank and shape (statically compatible): the simple form keeps h's shape."""
    return g.rank is not None and g.rank == s.rank and g.shape.is_compatible_with(s.shape)


def _log_sigmoid_kernel(sign):
    """log sigmoid(sign * z) = min(sign * z, 0) - log1p(exp(-|z|)): no overflow, no -inf."""
    def log_sigmoid(z):
        tail = np.abs(z)
        np.negative(tail, out=tail)
        np.exp(tail, out=tail)
        np.log1p(tail, out=tail)
        head = np.minimum(z, 0) if sign > 0 else np.minimum(np.negative(z), 0)
        return np.subtract(head, tail, out=head)
    return log_sigmoid


def _sigmoid_log_grad_kernel(has_g1, has_g2):
    """g1 (1 - s) - g2 s, or one of its terms, written over its own temporaries."""
    def both(g1, g2, s):
        out = _times(g1, np.subtract(1, s))
        return np.subtract(out, _times(g2, s), out=out if out.shape == s.shape else None)

    def first(g1, s):
        return _times(g1, np.subtract(1, s))

    def second(g2, s):
        out = np.multiply(g2, s)
        return np.negative(out, out=out)
    return both if has_g1 and has_g2 else first if has_g1 else second


def _times(g, fresh):
    """g * fresh, into `fresh` (a temporary) when g broadcasts into its shape."""
    return np.multiply(g, fresh, out=fresh if np.broadcast_shapes(g.shape, fresh.shape)
                       == fresh.shape else None)
