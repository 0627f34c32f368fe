"""The one gradient checker: symbolic gradients against float64 central differences.

`check_gradients(fn, inputs)` builds `fn` on float64 placeholders in a fresh graph, reduces
its output(s) to a scalar `L = Σ y·r` with a fixed random `r`, and compares `tf.gradients(L)`
with (L(x + εd) − L(x − εd)) / 2ε along random directions d — and element by element for
tiny inputs (a full Jacobian row of L). Inputs should be kept off kinks by the caller.
"""
from __future__ import annotations

import numpy as np

from ..framework.graph import Graph
from ..framework.session import Session


def _build(fn, inputs, seed):
    from .. import ops  # noqa: F401  (registers every op)
    from ..autodiff.gradients import gradients
    from ..ops.array_ops import placeholder
    from ..ops.math_ops import add_n, multiply, reduce_sum

    graph = Graph()
    rng = np.random.default_rng(seed)
    with graph.as_default():
        phs = [placeholder(np.asarray(x).dtype if np.asarray(x).dtype.kind != "f" else np.float64,
                           shape=np.shape(x), name=f"x{i}") for i, x in enumerate(inputs)]
        outs = fn(*phs)
        outs = list(outs) if isinstance(outs, (list, tuple)) else [outs]
        weights = []
        terms = []
        for out in outs:
            if out is None or not out.dtype.is_floating:
                continue
            shape = out.shape.as_list()
            if any(d is None for d in shape):
                raise ValueError(f"check_gradients: output {out.name} has an unknown static "
                                 f"shape {out.shape}; give fn inputs of known shape.")
            r = rng.standard_normal(shape)
            weights.append(r)
            terms.append(reduce_sum(multiply(out, r.astype(out.dtype.as_numpy_dtype))))
        if not terms:
            raise ValueError("check_gradients: fn produced no floating-point output.")
        loss = add_n(terms)
        grads = gradients(loss, phs)
    return graph, phs, loss, grads


def numeric_gradient(fn, inputs, index, direction=None, eps=1e-6, seed=0):
    """Central-difference derivative of L along `direction` (or the full gradient if None)."""
    graph, phs, loss, _ = _build(fn, inputs, seed)
    base = [np.asarray(x, dtype=np.float64) if np.asarray(x).dtype.kind == "f" else np.asarray(x)
            for x in inputs]
    with Session(graph=graph) as sess:
        def value(x):
            feed = {p: v for p, v in zip(phs, base)}
            feed[phs[index]] = x
            return float(sess.run(loss, feed))

        x0 = base[index]
        if direction is not None:
            return (value(x0 + eps * direction) - value(x0 - eps * direction)) / (2 * eps)
        out = np.zeros_like(x0)
        for i in np.ndindex(x0.shape):
            e = np.zeros_like(x0)
            e[i] = eps
            out[i] = (value(x0 + e) - value(x0 - e)) / (2 * eps)
        return out


def check_gradients(fn, inputs, wrt=None, eps=1e-6, rtol=1e-5, atol=1e-7, directions=3,
                    full_jacobian_max=24, seed=0, none_is_zero=False):
    """Asserts that tenseur's gradients of `fn` match finite differences in float64.

    Args:
        fn: builds the computation from placeholders: `fn(*tensors) -> tensor(s)`.
        inputs: NumPy arrays (floating ones are checked, as float64).
        wrt: indices of the inputs to check (default: every floating input).
        full_jacobian_max: inputs with at most this many elements are checked element-wise.
        none_is_zero: accept a None gradient as zeros (checked numerically to be zero).
    Raises:
        AssertionError: naming the input, the symbolic and numeric values and the error.
    Returns:
        The largest relative error seen.
    """
    inputs = [np.asarray(x, dtype=np.float64) if np.asarray(x).dtype.kind == "f" else np.asarray(x)
              for x in inputs]
    if wrt is None:
        wrt = [i for i, x in enumerate(inputs) if x.dtype.kind == "f"]
    graph, phs, loss, grads = _build(fn, inputs, seed)
    rng = np.random.default_rng(seed + 1)
    worst = 0.0
    with Session(graph=graph) as sess:
        feed = {p: v for p, v in zip(phs, inputs)}
        for i in wrt:
            if grads[i] is None and not none_is_zero:
                raise AssertionError(f"check_gradients: no gradient for input {i} (shape "
                                     f"{inputs[i].shape}); the output does not depend on it.")
        fetch = [grads[i] for i in wrt if grads[i] is not None]
        values = iter(sess.run(fetch, feed))
        symbolic = [next(values) if grads[i] is not None else np.zeros_like(inputs[i])
                    for i in wrt]

        def value(index, x):
            local = dict(feed)
            local[phs[index]] = x
            return float(sess.run(loss, local))

        for i, g in zip(wrt, symbolic):
            g = np.asarray(g, dtype=np.float64)
            x0 = inputs[i]
            if g.shape != x0.shape:
                raise AssertionError(f"check_gradients: gradient of input {i} has shape "
                                     f"{g.shape}, expected {x0.shape}.")
            checks = []
            for _ in range(directions):
                d = rng.standard_normal(x0.shape)
                num = (value(i, x0 + eps * d) - value(i, x0 - eps * d)) / (2 * eps)
                checks.append((float(np.sum(g * d)), num, "direction"))
            if x0.size <= full_jacobian_max:
                for idx in np.ndindex(x0.shape):
                    e = np.zeros_like(x0)
                    e[idx] = eps
                    num = (value(i, x0 + e) - value(i, x0 - e)) / (2 * eps)
                    checks.append((float(g[idx]), num, f"element {idx}"))
            for sym, num, where in checks:
                err = abs(sym - num)
                scale = max(abs(sym), abs(num), 1e-12)
                if err > atol + rtol * scale * 10 and err > 1e-4 * scale:
                    raise AssertionError(
                        f"check_gradients: input {i} (shape {x0.shape}), {where}: symbolic "
                        f"{sym:.10g} vs numeric {num:.10g} (abs error {err:.3g}).")
                worst = max(worst, err / scale)
    return worst


def check_second_order(fn, inputs, wrt=0, seed=0, **kwargs):
    """Checks the gradient of the gradient: d/dx of Σ r·∂L/∂x, against finite differences."""
    from ..autodiff.gradients import gradients
    from ..ops.math_ops import multiply, reduce_sum

    rng = np.random.default_rng(seed + 7)

    def first_order(*xs):
        outs = fn(*xs)
        outs = list(outs) if isinstance(outs, (list, tuple)) else [outs]
        loss = None
        for out in outs:
            r = rng.standard_normal(out.shape.as_list())
            term = reduce_sum(multiply(out, r))
            loss = term if loss is None else loss + term
        return gradients(loss, xs[wrt])[0]

    return check_gradients(first_order, inputs, seed=seed, none_is_zero=True, **kwargs)
