"""cond and while_loop: graph ops (If, While, WhileGrad) checked like every op, and the same
functions in eager mode and inside a traced function."""
import numpy as np
import pytest

import tenseur as tf
import tenseur.eager as eager
from tenseur.eager import function
from tenseur.eager.control_flow import cond, while_loop
from tenseur.testing import run_forward_case, run_gradient_case

from .cases_control import CASES


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_control_flow_case_forward(case):
    run_forward_case(case)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_control_flow_case_gradient_by_finite_differences(case):
    run_gradient_case(case)


def test_if_runs_only_the_taken_branch():
    x = tf.placeholder(tf.float32, [2])
    v = tf.Variable(0.0)
    # The untaken branch would assign; only the taken branch's effects happen.
    y = cond(tf.reduce_sum(x) > 0, lambda: x * 2.0, lambda: v.assign_add(1.0) + x)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        np.testing.assert_allclose(sess.run(y, {x: [1.0, 2.0]}), [2.0, 4.0])
        assert sess.run(v) == 0.0
        np.testing.assert_allclose(sess.run(y, {x: [-1.0, -2.0]}), [0.0, -1.0])
        assert sess.run(v) == 1.0


def test_cond_rejects_mismatched_branches():
    x = tf.placeholder(tf.float32, [2])
    with pytest.raises(TypeError, match="float32 and int32"):
        cond(tf.reduce_sum(x) > 0, lambda: x, lambda: tf.constant([1, 2]))
    with pytest.raises(ValueError, match="same structure"):
        cond(tf.reduce_sum(x) > 0, lambda: (x, x), lambda: x)


def test_while_loop_counts_in_graph_and_eager():
    def run(limit):
        return while_loop(lambda i, s: i < limit, lambda i, s: (i + 1, s + tf.cast(i, tf.float32)),
                          [tf.constant(0), tf.constant(0.0)])

    i, s = run(10)
    with tf.Session() as sess:
        assert sess.run([i, s]) == [10, 45.0]
    with eager.eager_mode():
        i, s = run(10)
        assert int(i) == 10 and float(s) == 45.0


def test_while_loop_shape_invariants():
    x = tf.placeholder(tf.float32, [None])
    out = while_loop(lambda v: tf.shape(v)[0] < 8, lambda v: tf.concat([v, v], 0), x,
                     shape_invariants=tf.TensorShape([None]))
    with tf.Session() as sess:
        assert sess.run(out, {x: [1.0, 2.0]}).tolist() == [1.0, 2.0] * 4
    with pytest.raises(ValueError, match="shape_invariants"):
        while_loop(lambda v: tf.shape(v)[0] < 8, lambda v: tf.concat([v, v], 0),
                   tf.placeholder(tf.float32, [2]))


def test_while_gradient_with_captured_tensor_and_maximum_iterations():
    x = tf.placeholder(tf.float64, [])
    w = tf.placeholder(tf.float64, [])
    # v <- v * w + x, four times from v = x: d/dw and d/dx by hand below.
    out = while_loop(lambda v: v < 1e9, lambda v: v * w + x, x, maximum_iterations=4)
    gx, gw = tf.gradients(out, [x, w])
    with tf.Session() as sess:
        got = sess.run([out, gx, gw], {x: 0.5, w: 1.5})
    xv, wv = 0.5, 1.5
    value = xv * (wv ** 4 + wv ** 3 + wv ** 2 + wv + 1)
    d_x = wv ** 4 + wv ** 3 + wv ** 2 + wv + 1
    d_w = xv * (4 * wv ** 3 + 3 * wv ** 2 + 2 * wv + 1)
    np.testing.assert_allclose(got, [value, d_x, d_w])


def test_cond_and_while_inside_a_function_with_tape(eager_ctx):
    @function
    def f(x):
        y = cond(tf.reduce_sum(x) > 0, lambda: tf.exp(x), lambda: tf.sin(x))
        return y + while_loop(lambda i, s: i < 2, lambda i, s: (i + 1, s * x),
                              [tf.constant(0), tf.ones_like(x)])[1]

    for values in ([0.5, 1.0], [-0.5, -1.0]):
        x = tf.constant(values)
        with eager.GradientTape() as tape:
            tape.watch(x)
            y = f(x)
        v = np.array(values, np.float32)
        first = np.exp(v) if v.sum() > 0 else np.sin(v)
        d_first = np.exp(v) if v.sum() > 0 else np.cos(v)
        np.testing.assert_allclose(y.numpy(), first + v ** 2, rtol=1e-6)
        np.testing.assert_allclose(tape.gradient(y, x).numpy(), d_first + 2 * v, rtol=1e-6)
    assert f.experimental_get_tracing_count() == 1


def test_eager_cond_is_python_control_flow(eager_ctx):
    x = tf.constant(3.0)
    with eager.GradientTape() as tape:
        tape.watch(x)
        y = cond(x > 0, lambda: x * x, lambda: -x)
    assert float(y) == 9.0
    assert float(tape.gradient(y, x)) == 6.0


def test_variable_assigned_in_a_branch_of_a_traced_function(eager_ctx):
    v = tf.Variable(1.0)

    @function
    def f(x):
        before = v.read_value()
        y = cond(x > 0, lambda: v.assign_add(x), lambda: v.read_value() * 0.0)
        return before, y, v + 0.0          # `v + 0.0` reads after the If

    before, y, after = f(tf.constant(2.0))
    assert [float(before), float(y), float(after), float(v)] == [1.0, 3.0, 3.0, 3.0]
    before, y, after = f(tf.constant(-1.0))
    assert [float(before), float(y), float(after), float(v)] == [3.0, 0.0, 3.0, 3.0]


def test_gradient_reaches_variables_read_inside_branches(eager_ctx):
    v = tf.Variable(2.0)

    @function
    def f(x):
        y = cond(x > 0, lambda: x * v * v, lambda: x + v)
        return while_loop(lambda i, s: i < 2, lambda i, s: (i + 1, s * v), [0, y])[1]

    for xv in (3.0, -1.0):
        with eager.GradientTape() as tape:
            out = f(tf.constant(xv))
        # x > 0: out = x v^4, d/dv = 4 x v^3; else out = (x + v) v^2, d/dv = 2 x v + 3 v^2.
        value, grad = (xv * 16, 4 * xv * 8) if xv > 0 else ((xv + 2) * 4, xv * 4 + 12)
        assert float(out) == value
        assert float(tape.gradient(out, v)) == grad
