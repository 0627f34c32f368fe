"""Every op case of tests/ops runs eagerly and agrees with graph mode.

For each case of the tables in `tests/ops/cases_*.py` (and the control-flow cases here), the
eager outputs equal what `Session.run` computes, and GradientTape gradients (second order where
the case asks) equal `tenseur.gradients`. New ops get this check by getting op cases.
"""
import importlib
import pkgutil
from pathlib import Path

import numpy as np
import pytest

import tenseur as tf
import tenseur.eager as eager
from tenseur.autodiff import tape as tape_module
from tenseur.testing.op_cases import _cast_inputs

from . import cases_control

_OPS_DIR = Path(__file__).resolve().parents[1] / "ops"
ALL_CASES = []
for info in pkgutil.iter_modules([str(_OPS_DIR)]):
    if info.name.startswith("cases_"):
        ALL_CASES.extend(importlib.import_module(f"tests.ops.{info.name}").CASES)
ALL_CASES.extend(cases_control.CASES)


def _as_list(outs):
    return list(outs) if isinstance(outs, (list, tuple)) else [outs]


def _graph_forward(case, inputs):
    graph = tf.Graph()
    with graph.as_default():
        phs = [tf.placeholder(x.dtype, shape=x.shape) for x in inputs]
        outs = _as_list(case.fn(*phs))
    with tf.Session(graph=graph) as sess:
        return sess.run(outs, dict(zip(phs, inputs)))


def _weights(outs, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(tuple(out.shape.as_list())) if out.dtype.is_floating else None
            for out in outs]


def _loss(outs, weights):
    terms = [tf.reduce_sum(out * w.astype(out.dtype.as_numpy_dtype))
             for out, w in zip(outs, weights) if w is not None]
    return tf.add_n(terms)


def _graph_gradients(case, inputs, wrt, second_order):
    graph = tf.Graph()
    with graph.as_default():
        phs = [tf.placeholder(x.dtype, shape=x.shape) for x in inputs]
        outs = _as_list(case.fn(*phs))
        grads = tf.gradients(_loss(outs, _weights(outs)), [phs[i] for i in wrt])
        fetch = list(grads)
        if second_order and grads[0] is not None:
            fetch += tf.gradients(_loss([grads[0]], _weights([grads[0]], seed=1)), [phs[wrt[0]]])
    present = [g for g in fetch if g is not None]
    with tf.Session(graph=graph) as sess:
        values = iter(sess.run(present, dict(zip(phs, inputs))))
    return [None if g is None else next(values) for g in fetch]


def _eager_gradients(case, inputs, wrt, second_order, nested):
    """Tape gradients; `nested`: under an outer tape, so the gradient ops run one by one (and
    are recorded); otherwise through the compiled per-op gradient plans."""
    with eager.eager_mode():
        xs = [tf.constant(x) for x in inputs]
        sources = [xs[i] for i in wrt]
        outer = eager.GradientTape()
        if nested:
            outer.__enter__()
            outer.watch(sources[0])
        with eager.GradientTape() as tape:
            tape.watch(sources)
            outs = _as_list(case.fn(*xs))
            loss = _loss(outs, _weights(outs))
        grads = tape.gradient(loss, sources)
        result = list(grads)
        if nested:
            if second_order and grads[0] is not None:
                second = _loss([grads[0]], _weights([grads[0]], seed=1))
            outer.__exit__(None, None, None)
            if second_order and grads[0] is not None:
                result.append(outer.gradient(second, sources[0]))
        return [None if g is None else g.numpy() for g in result]


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda c: c.name)
def test_eager_forward_equals_graph(case):
    for dtype in case.dtypes:
        inputs = _cast_inputs(case.inputs, dtype)
        expected = _graph_forward(case, inputs)
        with eager.eager_mode():
            outs = _as_list(case.fn(*[tf.constant(x) for x in inputs]))
            assert all(isinstance(o, eager.EagerTensor) for o in outs), case.name
            got = [o.numpy() for o in outs]
        assert len(got) == len(expected)
        for k, (g, e) in enumerate(zip(got, expected)):
            g, e = np.asarray(g), np.asarray(e)
            assert g.dtype == e.dtype and g.shape == e.shape, f"{case.name} [{dtype}] output {k}"
            np.testing.assert_allclose(g, e, rtol=1e-6 if dtype == "float32" else 1e-12,
                                       atol=1e-7 if dtype == "float32" else 1e-14,
                                       err_msg=f"{case.name} [{dtype}] output {k}")


@pytest.mark.parametrize("nested", [False, True], ids=["compiled", "op-by-op"])
@pytest.mark.parametrize("case", [c for c in ALL_CASES if c.grad], ids=lambda c: c.name)
def test_tape_gradients_equal_graph_gradients(case, nested):
    inputs = _cast_inputs(case.inputs, "float64")
    wrt = case.wrt if case.wrt is not None else [
        i for i, x in enumerate(inputs) if x.dtype.kind == "f"]
    second_order = case.second_order and nested
    expected = _graph_gradients(case, inputs, wrt, second_order)
    got = _eager_gradients(case, inputs, wrt, second_order, nested)
    assert len(got) == len(expected), case.name
    for k, (g, e) in enumerate(zip(got, expected)):
        assert (g is None) == (e is None), f"{case.name}: gradient {k} is {g} vs graph {e}"
        if g is not None:
            np.testing.assert_allclose(g, e, rtol=1e-10, atol=1e-12,
                                       err_msg=f"{case.name}: gradient {k}")


@pytest.mark.parametrize("case", [c for c in ALL_CASES if c.grad], ids=lambda c: c.name)
def test_tape_plan_gradients_equal_graph_gradients(case):
    """The second tape of one structure runs its whole backward pass as one compiled plan
    (tape._TapePlan): its gradients are the graph's too."""
    inputs = _cast_inputs(case.inputs, "float64")
    wrt = case.wrt if case.wrt is not None else [
        i for i, x in enumerate(inputs) if x.dtype.kind == "f"]
    expected = _graph_gradients(case, inputs, wrt, False)
    tape_module._tape_plans.clear()
    tape_module._tape_seen.clear()
    _eager_gradients(case, inputs, wrt, False, False)
    assert not tape_module._tape_plans, "compiled at first sight"
    got = _eager_gradients(case, inputs, wrt, False, False)
    assert [p is not None for p in tape_module._tape_plans.values()] == [True], case.name
    for k, (g, e) in enumerate(zip(got, expected)):
        assert (g is None) == (e is None), f"{case.name}: gradient {k} is {g} vs graph {e}"
        if g is not None:
            np.testing.assert_allclose(g, e, rtol=1e-10, atol=1e-12,
                                       err_msg=f"{case.name}: gradient {k}")
