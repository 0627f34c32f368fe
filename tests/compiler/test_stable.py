"""The stable cross-entropy pass: log(softmax) and log(sigmoid) losses on probabilities, and
their gradients, stay finite where the formula as written overflows, and agree with it (and
with finite differences) where it does not."""
import numpy as np
import pytest

import tenseur as tf
from tenseur import compiler

from .conftest import op_types, plan_of, session, step_types


def _softmax_loss(dtype=tf.float32, axis=-1, shape=(4, 5)):
    """-mean(Σ y log softmax(z)) as the slides write it, z a variable (so it has a gradient)."""
    z = tf.placeholder(dtype, shape)
    y = tf.placeholder(dtype, shape)
    loss = tf.reduce_mean(-tf.reduce_sum(y * tf.log(tf.nn.softmax(z, axis=axis)), axis=axis))
    return z, y, loss, tf.gradients(loss, z)[0]


def _sigmoid_loss(dtype=tf.float32, shape=(6, 1)):
    """The binary perceptron's -y log s - (1 - y) log(1 - s), s = sigmoid(z)."""
    z = tf.placeholder(dtype, shape)
    y = tf.placeholder(dtype, shape)
    s = tf.nn.sigmoid(z)
    loss = tf.reduce_mean(-y * tf.log(s) - (1 - y) * tf.log(1 - s))
    return z, y, loss, tf.gradients(loss, z)[0]


def _one_hot(rng, shape, dtype=np.float32):
    return np.eye(shape[-1], dtype=dtype)[rng.integers(0, shape[-1], shape[0])]


def _run(optimize, fetches, feed):
    sess = session(optimize)
    return sess.run(fetches, feed), plan_of(sess, fetches, feed)


def test_softmax_log_becomes_log_softmax_and_the_gradient_its_simple_form():
    z, y, loss, grad = _softmax_loss()
    rng = np.random.default_rng(0)
    feed = {z: rng.normal(size=(4, 5)).astype(np.float32), y: _one_hot(rng, (4, 5))}
    (got, plan), (want, plain) = _run(True, [loss, grad], feed), _run(False, [loss, grad], feed)
    assert "LogSoftmax" in step_types(plan) and "SoftmaxLogGrad" in step_types(plan)
    assert "SoftmaxCrossEntropySum" in step_types(plan)     # Σ y log p in one step
    # Softmax is computed once, from the log-probabilities; no division, no separate Log.
    assert "Softmax" not in step_types(plan)
    assert not any("RealDiv" in kind for kind in step_types(plan))
    assert "Log" in step_types(plain)
    np.testing.assert_allclose(got[0], want[0], rtol=1e-6)
    np.testing.assert_allclose(got[1], want[1], rtol=1e-5, atol=1e-7)


def test_softmax_cross_entropy_stays_finite_where_the_formula_overflows():
    z, y, loss, grad = _softmax_loss()
    logits = np.zeros((4, 5), np.float32)
    logits[:, 0] = 200.0        # exp(-200) underflows: the other probabilities are exactly 0
    labels = np.eye(5, dtype=np.float32)[[1, 2, 3, 4]]
    feed = {z: logits, y: labels}
    with np.errstate(all="ignore"):
        (want_loss, want_grad), _ = _run(False, [loss, grad], feed)
    assert not np.isfinite(want_loss) and not np.all(np.isfinite(want_grad))
    (got_loss, got_grad), _ = _run(True, [loss, grad], feed)
    np.testing.assert_allclose(got_loss, 200.0, rtol=1e-6)
    # d loss / dz = (softmax(z) - y) / batch: +1/4 on the winning logit, -1/4 on the label.
    expected = (np.eye(5, dtype=np.float32)[[0, 0, 0, 0]] - labels) / 4
    np.testing.assert_allclose(got_grad, expected, atol=1e-7)


def test_the_train_only_plan_computes_softmax_inside_the_gradient_step():
    z, y, loss, grad = _softmax_loss()
    rng = np.random.default_rng(1)
    feed = {z: rng.normal(size=(4, 5)).astype(np.float32), y: _one_hot(rng, (4, 5))}
    (got, plan), (want, _) = _run(True, grad, feed), _run(False, grad, feed)
    assert step_types(plan).count("SoftmaxLogGrad") == 1
    assert "Softmax" not in step_types(plan) and "LogSoftmax" not in step_types(plan)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)


def test_a_fetched_softmax_is_kept_and_read_by_the_gradient():
    z, y, loss, grad = _softmax_loss()
    probabilities = z.graph.get_operation_by_name("Softmax").outputs[0]
    rng = np.random.default_rng(2)
    feed = {z: rng.normal(size=(4, 5)).astype(np.float32), y: _one_hot(rng, (4, 5))}
    fetches = [probabilities, loss, grad]
    (got, plan), (want, _) = _run(True, fetches, feed), _run(False, fetches, feed)
    assert "Softmax" in step_types(plan) and "SoftmaxLogGrad" in step_types(plan)
    np.testing.assert_array_equal(got[0], want[0])      # the user's softmax, bit for bit
    for a, b in zip(got[1:], want[1:]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


def test_softmax_over_another_axis():
    z, y, loss, grad = _softmax_loss(axis=0, shape=(5, 3))
    rng = np.random.default_rng(3)
    labels = np.eye(5, dtype=np.float32)[:, rng.integers(0, 5, 3)]
    feed = {z: rng.normal(size=(5, 3)).astype(np.float32), y: labels}
    (got, plan), (want, _) = _run(True, [loss, grad], feed), _run(False, [loss, grad], feed)
    assert "SoftmaxLogGrad" in step_types(plan)
    np.testing.assert_allclose(got[0], want[0], rtol=1e-6)
    np.testing.assert_allclose(got[1], want[1], rtol=1e-5, atol=1e-7)


def _finite_differences(sess, loss, z, feed, eps=1e-6):
    base = feed[z]
    grad = np.zeros_like(base)
    for index in np.ndindex(base.shape):
        values = []
        for step in (eps, -eps):
            moved = base.copy()
            moved[index] += step
            values.append(sess.run(loss, {**feed, z: moved}))
        grad[index] = (values[0] - values[1]) / (2 * eps)
    return grad


@pytest.mark.parametrize("make, labels", [
    (_softmax_loss, lambda rng: _one_hot(rng, (4, 5), np.float64) * 0.7 + 0.06),
    (_sigmoid_loss, lambda rng: rng.uniform(0, 1, (6, 1))),
])
def test_gradients_match_finite_differences_in_float64(make, labels):
    z, y, loss, grad = make(tf.float64)
    rng = np.random.default_rng(4)
    feed = {z: rng.normal(size=z.shape.as_list()) * 3, y: labels(rng)}
    sess = session(True)
    got = sess.run(grad, feed)
    assert {"SoftmaxLogGrad", "SigmoidLogGrad"} & set(step_types(plan_of(sess, grad, feed)))
    np.testing.assert_allclose(got, _finite_differences(sess, loss, z, feed), rtol=1e-6,
                               atol=1e-9)


def test_sigmoid_cross_entropy_matches_and_stays_finite():
    z, y, loss, grad = _sigmoid_loss()
    rng = np.random.default_rng(5)
    feed = {z: rng.normal(size=(6, 1)).astype(np.float32) * 3,
            y: rng.integers(0, 2, (6, 1)).astype(np.float32)}
    (got, plan), (want, _) = _run(True, [loss, grad], feed), _run(False, [loss, grad], feed)
    assert step_types(plan).count("SigmoidLogGrad") == 1
    assert {"LogSigmoid", "LogSigmoidComplement"} <= set(step_types(plan))
    np.testing.assert_allclose(got[0], want[0], rtol=1e-6)
    np.testing.assert_allclose(got[1], want[1], rtol=1e-5, atol=1e-7)
    # sigmoid(±200) is exactly 1 or 0 in float32: log(1 - s) or log(s) is -inf.
    feed = {z: np.array([[200.0], [-200.0], [0.0], [1.0], [-1.0], [30.0]], np.float32),
            y: np.array([[0.0], [1.0], [1.0], [0.0], [1.0], [0.0]], np.float32)}
    with np.errstate(all="ignore"):
        (want_loss, want_grad), _ = _run(False, [loss, grad], feed)
    assert not np.isfinite(want_loss)
    (got_loss, got_grad), _ = _run(True, [loss, grad], feed)
    logits, labels = feed[z].astype(np.float64), feed[y]
    softplus = np.logaddexp(0, logits)
    expected = np.mean(softplus - labels * logits)
    np.testing.assert_allclose(got_loss, expected, rtol=1e-6)
    expected_grad = (1 / (1 + np.exp(-logits)) - labels) / 6
    np.testing.assert_allclose(got_grad, expected_grad, rtol=1e-5, atol=1e-7)


def test_only_one_log_term_is_rewritten_too():
    z = tf.placeholder(tf.float32, (3, 2))
    loss = tf.reduce_sum(tf.log(1 - tf.nn.sigmoid(z)))
    grad = tf.gradients(loss, z)[0]
    feed = {z: np.array([[0.5, -2.0], [3.0, 0.0], [-1.0, 1.0]], np.float32)}
    (got, plan), (want, _) = _run(True, [loss, grad], feed), _run(False, [loss, grad], feed)
    assert "LogSigmoidComplement" in step_types(plan) and "SigmoidLogGrad" in step_types(plan)
    np.testing.assert_allclose(got[0], want[0], rtol=1e-6)
    np.testing.assert_allclose(got[1], want[1], rtol=1e-6)


def test_the_pass_can_be_switched_off_alone(monkeypatch):
    z, y, loss, grad = _softmax_loss()
    rng = np.random.default_rng(6)
    feed = {z: rng.normal(size=(4, 5)).astype(np.float32), y: _one_hot(rng, (4, 5))}
    monkeypatch.setenv("TENSEUR_DISABLE_PASSES", "stable_cross_entropy")
    (got, plan), (want, _) = _run(True, [loss, grad], feed), _run(False, [loss, grad], feed)
    assert "SoftmaxLogGrad" not in step_types(plan) and "Log" in op_types(plan)
    assert any(t.startswith("Fused[") for t in step_types(plan))   # the other passes still run
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])
    monkeypatch.setenv("TENSEUR_DISABLE_PASSES", "stable_cross_entropy,no_such_pass")
    with pytest.raises(ValueError, match="no_such_pass.*stable_cross_entropy"):
        compiler.disabled_passes()


def test_two_logs_of_one_softmax_share_one_log_softmax(monkeypatch):
    monkeypatch.setenv("TENSEUR_DISABLE_PASSES", "cse")      # keep the two Log nodes apart
    z = tf.placeholder(tf.float32, (2, 3))
    p = tf.nn.softmax(z)
    a, b = tf.log(p), tf.log(p)
    feed = {z: np.array([[0.0, 1.0, 2.0], [200.0, 0.0, -1.0]], np.float32)}
    got, plan = _run(True, [a, b], feed)
    assert step_types(plan).count("LogSoftmax") == 1 and "Log" not in step_types(plan)
    expected = feed[z] - np.log(np.exp(feed[z] - feed[z].max(1, keepdims=True)).sum(
        1, keepdims=True)) - feed[z].max(1, keepdims=True)
    np.testing.assert_allclose(got[0], expected, rtol=1e-6)
    np.testing.assert_array_equal(got[0], got[1])


@pytest.mark.parametrize("shape", [(128, 10), (3, 1), (5, 40)])
def test_the_compiled_softmax_gradient_agrees_with_numpys(monkeypatch, shape):
    # float32 2-D logits take exp_numba's kernel where numba is installed; TENSEUR_NUMBA=0
    # the NumPy formula: the same values up to float32 rounding, NaN rows alike.
    pytest.importorskip("numba")
    from tenseur.backend import jit
    from tenseur.compiler.stable import _softmax_log_grad_kernel
    rng = np.random.default_rng(7)
    z = rng.normal(0, 4, shape).astype(np.float32)
    g = rng.normal(0, 1, shape).astype(np.float32)
    z[0, 0] = -300.0                              # exp below float32's normal range
    if shape[0] > 2:
        z[1, 0] = np.nan
        z[2, -1] = np.inf
    kernel = _softmax_log_grad_kernel(-1, "logits")
    fast = kernel(g, z)
    assert jit._modules.get("tenseur.ops.exp_numba") is not None
    monkeypatch.setenv("TENSEUR_NUMBA", "0")
    with np.errstate(invalid="ignore"):
        plain = kernel(g, z)
    assert fast.dtype == np.float32 and fast.shape == shape
    assert np.array_equal(np.isnan(fast), np.isnan(plain))
    ok = ~np.isnan(plain)
    np.testing.assert_allclose(fast[ok], plain[ok], rtol=2e-6, atol=2e-7)


def test_softmax_gradients_the_compiled_kernel_does_not_take_keep_numpy():
    # float64, three dimensions, another axis, a broadcast gradient: NumPy's formula.
    from tenseur.compiler.stable import _fast_rows
    z = np.zeros((4, 3), np.float32)
    assert _fast_rows(z, z, -1)
    assert not _fast_rows(z.astype(np.float64), z.astype(np.float64), -1)
    assert not _fast_rows(z[None], z[None], -1)
    assert not _fast_rows(z, z, 0)
    assert not _fast_rows(z[:, :1], z, -1)
    assert not _fast_rows(z, np.asfortranarray(np.zeros((4, 3), np.float32)), -1)
