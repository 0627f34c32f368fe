"""GradientTape rules: watching, persistence, structures, unconnected and integer sources,
stop_recording, higher orders, Jacobians."""
import numpy as np
import pytest

import tenseur as tf
from tenseur.autodiff import tape as tape_module
from tenseur.eager import GradientTape, UnconnectedGradients


@pytest.fixture(autouse=True, params=["walk", "plan"])
def backward(request, monkeypatch):
    """Every rule holds both for the op-by-op walk of a tape and for its compiled plan (which a
    training loop's tapes use from their second step; compiled at first sight here)."""
    monkeypatch.setattr(tape_module, "compile_at_first_sight", request.param == "plan")
    monkeypatch.setattr(tape_module, "_tape_plans", {})
    monkeypatch.setattr(tape_module, "_tape_seen", set())
    return request.param


def test_constants_need_watching_variables_do_not(eager_ctx):
    x = tf.constant(3.0)
    v = tf.Variable(2.0)
    with GradientTape() as tape:
        y = x * v
    gx, gv = tape.gradient(y, [x, v])
    assert gx is None and float(gv) == 3.0
    assert tape.watched_variables() == (v,)


def test_watch_accessed_variables_false(eager_ctx):
    v, w = tf.Variable(2.0), tf.Variable(5.0)
    with GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(w)
        y = v * w
    gv, gw = tape.gradient(y, [v, w])
    assert gv is None and float(gw) == 2.0
    assert tape.watched_variables() == (w,)


def test_non_persistent_tape_answers_once(eager_ctx):
    x = tf.constant(2.0)
    with GradientTape() as tape:
        tape.watch(x)
        y = x * x
    assert float(tape.gradient(y, x)) == 4.0
    with pytest.raises(RuntimeError, match="non-persistent GradientTape"):
        tape.gradient(y, x)


def test_persistent_tape_answers_many_times(eager_ctx):
    x = tf.constant(2.0)
    with GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
        z = y * y
    assert float(tape.gradient(y, x)) == 4.0
    assert float(tape.gradient(z, x)) == 32.0
    assert float(tape.gradient(z, y)) == 8.0


def test_nested_sources_and_targets_keep_their_structure(eager_ctx):
    a, b, c = tf.Variable(1.0), tf.Variable(2.0), tf.Variable(3.0)
    with GradientTape() as tape:
        loss = [a * b, {"u": b * c}]
    grads = tape.gradient(loss, {"first": [a, b], "second": (c,)})
    assert set(grads) == {"first", "second"} and isinstance(grads["second"], tuple)
    assert [float(g) for g in grads["first"]] == [2.0, 4.0]
    assert float(grads["second"][0]) == 2.0


def test_unconnected_and_integer_sources(eager_ctx):
    x, unused = tf.constant([1.0, 2.0]), tf.constant([5.0])
    n = tf.constant(3)
    with GradientTape(persistent=True) as tape:
        tape.watch([x, unused, n])
        y = tf.reduce_sum(x * tf.cast(n, tf.float32))
    gx, gu, gn = tape.gradient(y, [x, unused, n])
    assert gx.numpy().tolist() == [3.0, 3.0] and gu is None and gn is None
    zero = tape.gradient(y, unused, unconnected_gradients=UnconnectedGradients.ZERO)
    assert zero.numpy().tolist() == [0.0]
    assert tape.gradient(y, unused, unconnected_gradients="zero").numpy().tolist() == [0.0]


def test_output_gradients_weight_the_targets(eager_ctx):
    x = tf.constant([1.0, 2.0])
    with GradientTape() as tape:
        tape.watch(x)
        y = x * x
    g = tape.gradient(y, x, output_gradients=tf.constant([10.0, 100.0]))
    assert g.numpy().tolist() == [20.0, 400.0]


def test_broadcasting_gradients_are_summed_to_the_input_shape(eager_ctx):
    x = tf.constant([[1.0], [2.0]])       # (2, 1) broadcast against (1, 3)
    y = tf.constant([[1.0, 2.0, 3.0]])
    with GradientTape() as tape:
        tape.watch([x, y])
        z = tf.reduce_sum(x * y)
    gx, gy = tape.gradient(z, [x, y])
    assert gx.numpy().tolist() == [[6.0], [6.0]] and gy.numpy().tolist() == [[3.0, 3.0, 3.0]]


def test_stop_recording(eager_ctx):
    x = tf.constant(2.0)
    with GradientTape() as tape:
        tape.watch(x)
        y = x * x
        with tape.stop_recording():
            frozen = x * 10.0
        z = y + frozen
    assert float(tape.gradient(z, x)) == 4.0
    with pytest.raises(RuntimeError, match="stop_recording"):
        with tape.stop_recording():
            pass


def test_reset_forgets_the_records(eager_ctx):
    x = tf.constant(3.0)
    with GradientTape() as tape:
        tape.watch(x)
        y = x * x
        tape.reset()
        tape.watch(x)
        z = x * 2.0
    assert tape.gradient(y, x) is None
    with GradientTape() as tape2:
        tape2.watch(x)
        z = x * 2.0
    assert float(tape2.gradient(z, x)) == 2.0


def test_third_order_with_nested_tapes(eager_ctx):
    x = tf.constant(0.7)
    with GradientTape() as t3:
        t3.watch(x)
        with GradientTape() as t2:
            t2.watch(x)
            with GradientTape() as t1:
                t1.watch(x)
                y = tf.sin(x) * x
            d1 = t1.gradient(y, x)
        d2 = t2.gradient(d1, x)
    d3 = t3.gradient(d2, x)
    xv = 0.7
    np.testing.assert_allclose([float(d1), float(d2), float(d3)],
                               [np.cos(xv) * xv + np.sin(xv),
                                2 * np.cos(xv) - xv * np.sin(xv),
                                -3 * np.sin(xv) - xv * np.cos(xv)], rtol=1e-5)


def test_second_order_of_a_variable_through_a_network(eager_ctx):
    w = tf.Variable([[0.5, -0.3], [0.2, 0.1]], dtype=tf.float64)
    x = tf.constant([[1.0, 2.0]], dtype=tf.float64)
    with GradientTape() as outer:
        with GradientTape() as inner:
            loss = tf.reduce_sum(tf.tanh(tf.matmul(x, w)) ** 2)
        g = inner.gradient(loss, w)
        penalty = tf.reduce_sum(g * g)
    h = outer.gradient(penalty, w)

    def penalty_of(wv):
        a = x.numpy() @ wv
        t = np.tanh(a)
        gw = x.numpy().T @ (2 * t * (1 - t ** 2))
        return np.sum(gw ** 2)

    numeric = np.zeros((2, 2))
    for i in np.ndindex(2, 2):
        e = np.zeros((2, 2))
        e[i] = 1e-6
        numeric[i] = (penalty_of(w.numpy() + e) - penalty_of(w.numpy() - e)) / 2e-6
    np.testing.assert_allclose(h.numpy(), numeric, rtol=1e-6)


def test_jacobian_and_batch_jacobian(eager_ctx):
    x = tf.constant([1.0, 2.0, 3.0])
    with GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
        z = tf.stack([tf.reduce_sum(x), x[0] * x[1]])
    np.testing.assert_allclose(tape.jacobian(y, x).numpy(), np.diag([2.0, 4.0, 6.0]))
    np.testing.assert_allclose(tape.jacobian(z, x).numpy(), [[1, 1, 1], [2, 1, 0]])
    b = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    with GradientTape() as tape:
        tape.watch(b)
        out = tf.stack([b[:, 0] * b[:, 1], b[:, 0] ** 2], axis=1)
    jac = tape.batch_jacobian(out, b).numpy()
    assert jac.shape == (2, 2, 2)
    np.testing.assert_allclose(jac[1], [[4.0, 3.0], [6.0, 0.0]])


def test_missing_gradient_raises_lookup_error(eager_ctx):
    from tenseur.framework.tensor import TensorSpec
    from tenseur.ops.registry import _REGISTRY, OpDef, apply_op, register_op

    @register_op("TestNoGradYet")
    class NoGradYet(OpDef):
        inputs = ("x",)

        def infer(self, x):
            return TensorSpec(x.shape, x.dtype)

        def kernel(self, xp, x):
            return x * 2

    try:
        x = tf.constant(1.0)
        with GradientTape() as tape:
            tape.watch(x)
            y = apply_op("TestNoGradYet", x)
        with pytest.raises(LookupError, match="no gradient registered for op type "
                                              "'TestNoGradYet'"):
            tape.gradient(y, x)
    finally:
        del _REGISTRY["TestNoGradYet"]


def test_watch_rejects_values(eager_ctx):
    with GradientTape() as tape:
        with pytest.raises(TypeError, match="tensors and Variables only"):
            tape.watch(np.ones(2))


def test_watching_a_converted_number_does_not_alias_other_conversions(eager_ctx):
    # Conversions of the same Python number share their value, never their identity.
    x = tf.convert_to_tensor(3.0, preferred_dtype=tf.float32)
    with GradientTape() as tape:
        tape.watch(x)
        y = x * x + 3.0
    assert float(tape.gradient(y, x)) == 6.0


# -- a tape inside a traced function follows what it recorded, as eagerly -----------------

def _both_ways(fn, *args):
    """fn's results run eagerly and inside tenseur.function, as NumPy (None kept)."""
    def numpy(values):
        return [None if v is None else np.asarray(v) for v in values]
    return numpy(fn(*args)), numpy(tf.function(fn)(*args))


def test_traced_tape_ignores_ops_made_after_its_block(eager_ctx):
    """Found by benchmarks/tf_fuzz_parity.py --function: the graph-mode tape differentiated
    through every op of the function, so a loss summed after the `with` block had gradients
    inside tf.function and None eagerly (TensorFlow: None both ways)."""
    def fn(x):
        with GradientTape() as tape:
            tape.watch(x)
            a, b = tf.split(x, 2)
            parts = [tf.reduce_sum(a), tf.reduce_sum(b * 2.0)]
        inside = tf.add_n(parts)            # made after the block: not recorded
        return [tape.gradient(inside, x)]
    eager, traced = _both_ways(fn, tf.constant([1.0, 2.0, 3.0, 4.0]))
    assert eager == [None] and traced == [None]


def test_traced_tape_needs_watching_and_honours_stop_recording(eager_ctx):
    v = tf.Variable([1.0, 2.0])

    def fn(x, y):
        with GradientTape(persistent=True) as tape:
            tape.watch(x)
            with tape.stop_recording():
                hidden = x * 3.0             # not recorded: a constant for the tape
            total = tf.reduce_sum(x * x + hidden * y + v * y)
        return [tape.gradient(total, x), tape.gradient(total, y), tape.gradient(total, v)]
    x, y = tf.constant([1.0, -1.0]), tf.constant([0.5, 2.0])
    eager, traced = _both_ways(fn, x, y)
    for got in (eager, traced):
        np.testing.assert_allclose(got[0], [2.0, -2.0])     # d(x*x); hidden is constant
        assert got[1] is None                              # y was never watched
        np.testing.assert_allclose(got[2], [0.5, 2.0])     # variables read while recording
