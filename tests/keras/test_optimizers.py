"""Keras optimizers: two steps of each against Keras 3's update rules written in NumPy, the
learning rate kept in a variable, schedules, clipping, weight decay, constraints, lookup by
name and the Keras 2 spellings."""
import math
import warnings

import numpy as np
import pytest

import tenseur as tf
from tenseur import keras
from tenseur.keras import optimizers
from tenseur.keras.optimizers import schedules

W0 = np.array([1.0, -2.0, 3.0, -0.5], np.float32)
C = np.array([1.0, 2.0, 3.0, 0.5], np.float32)       # loss = sum(C * w^2): grad = 2 C w


def run_steps(optimizer, steps=2, w0=W0, between=None, constraint=None):
    """Values of w after each of `steps` steps of `optimizer` on loss = sum(C * w^2)."""
    w = tf.Variable(w0, name="w", constraint=constraint)
    keras.backend.track_variable(w)
    loss = tf.reduce_sum(w * w * C)
    step = optimizer.minimize(loss, [w])
    session = keras.backend.get_session()
    values = []
    for index in range(steps):
        session.run(step)
        values.append(session.run(w))
        if between is not None:
            between(index)
    return values


def grad(w):
    return 2.0 * C.astype(np.float64) * w


# -- NumPy references of Keras 3's rules (keras/src/optimizers/*.py) -------------------------

def ref_sgd(lr, momentum=0.0, nesterov=False, steps=2, lrs=None):
    w, v, out = W0.astype(np.float64), 0.0, []
    for t in range(steps):
        rate = lrs[t] if lrs else lr
        g = grad(w)
        if momentum:
            v = momentum * v - rate * g
            w = w + (momentum * v - rate * g if nesterov else v)
        else:
            w = w - rate * g
        out.append(w)
    return out


def ref_adam(lr, b1=0.9, b2=0.999, eps=1e-7, amsgrad=False, weight_decay=None, steps=2):
    w, m, v, v_hat, out = W0.astype(np.float64), 0.0, 0.0, 0.0, []
    for t in range(1, steps + 1):
        g = grad(w)
        if weight_decay:
            w = w - w * weight_decay * lr
        m = m + (g - m) * (1 - b1)
        v = v + (g * g - v) * (1 - b2)
        alpha = lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        if amsgrad:
            v_hat = np.maximum(v_hat, v)
            w = w - m * alpha / (np.sqrt(v_hat) + eps)
        else:
            w = w - m * alpha / (np.sqrt(v) + eps)
        out.append(w)
    return out


def ref_rmsprop(lr, rho=0.9, momentum=0.0, eps=1e-7, centered=False, steps=2):
    w, v, mg, mom, out = W0.astype(np.float64), 0.0, 0.0, 0.0, []
    for _ in range(steps):
        g = grad(w)
        v = rho * v + (1 - rho) * g * g
        if centered:
            mg = rho * mg + (1 - rho) * g
            increment = lr * g / np.sqrt(v - mg * mg + eps)
        else:
            increment = lr * g / np.sqrt(v + eps)
        if momentum:
            mom = momentum * mom + increment
            w = w - mom
        else:
            w = w - increment
        out.append(w)
    return out


def ref_adagrad(lr, initial=0.1, eps=1e-7, steps=2):
    w, acc, out = W0.astype(np.float64), initial, []
    for _ in range(steps):
        g = grad(w)
        acc = acc + g * g
        w = w - lr * g / np.sqrt(acc + eps)
        out.append(w)
    return out


def ref_adadelta(lr, rho=0.95, eps=1e-7, steps=2):
    w, acc, acc_delta, out = W0.astype(np.float64), 0.0, 0.0, []
    for _ in range(steps):
        g = grad(w)
        acc = rho * acc + (1 - rho) * g * g
        delta = -np.sqrt(acc_delta + eps) * g / np.sqrt(acc + eps)
        acc_delta = rho * acc_delta + (1 - rho) * delta * delta
        w = w + lr * delta
        out.append(w)
    return out


def ref_adamax(lr, b1=0.9, b2=0.999, eps=1e-7, steps=2):
    w, m, u, out = W0.astype(np.float64), 0.0, 0.0, []
    for t in range(1, steps + 1):
        g = grad(w)
        m = m + (g - m) * (1 - b1)
        u = np.maximum(b2 * u, np.abs(g))
        w = w - lr * m / ((1 - b1 ** t) * (u + eps))
        out.append(w)
    return out


def ref_nadam(lr, b1=0.9, b2=0.999, eps=1e-7, steps=2):
    w, m, v, product, out = W0.astype(np.float64), 0.0, 0.0, 1.0, []
    for t in range(1, steps + 1):
        g = grad(w)
        u_t = b1 * (1 - 0.5 * 0.96 ** t)
        u_next = b1 * (1 - 0.5 * 0.96 ** (t + 1))
        product = product * u_t
        m = m + (g - m) * (1 - b1)
        v = v + (g * g - v) * (1 - b2)
        m_hat = u_next * m / (1 - product * u_next) + (1 - u_t) * g / (1 - product)
        v_hat = v / (1 - b2 ** t)
        w = w - m_hat * lr / (np.sqrt(v_hat) + eps)
        out.append(w)
    return out


def ref_ftrl(lr, power=-0.5, initial=0.1, l1=0.0, l2=0.0, shrinkage=0.0, beta=0.0, steps=2):
    w, n, z, out = W0.astype(np.float64), np.full(4, initial), np.zeros(4), []
    l2 = l2 + beta / (2 * lr)
    for _ in range(steps):
        g = grad(w)
        new_n = n + g * g
        z = z + (g + 2 * shrinkage * w) - (new_n ** -power - n ** -power) / lr * w
        quadratic = new_n ** -power / lr + 2 * l2
        w = (np.clip(z, -l1, l1) - z) / quadratic
        n = new_n
        out.append(w)
    return out


CASES = [
    ("sgd", lambda: optimizers.SGD(0.1), lambda: ref_sgd(0.1)),
    ("sgd-momentum", lambda: optimizers.SGD(0.1, momentum=0.9), lambda: ref_sgd(0.1, 0.9)),
    ("sgd-nesterov", lambda: optimizers.SGD(0.05, momentum=0.8, nesterov=True),
     lambda: ref_sgd(0.05, 0.8, True)),
    ("adam", lambda: optimizers.Adam(0.1), lambda: ref_adam(0.1)),
    ("adam-eps", lambda: optimizers.Adam(0.1, beta_1=0.5, beta_2=0.9, epsilon=0.5),
     lambda: ref_adam(0.1, 0.5, 0.9, 0.5)),
    ("amsgrad", lambda: optimizers.Adam(0.1, beta_2=0.5, amsgrad=True),
     lambda: ref_adam(0.1, b2=0.5, amsgrad=True)),
    ("adamw", lambda: optimizers.AdamW(0.1, weight_decay=0.5),
     lambda: ref_adam(0.1, weight_decay=0.5)),
    ("rmsprop", lambda: optimizers.RMSprop(0.1), lambda: ref_rmsprop(0.1)),
    ("rmsprop-momentum-centered",
     lambda: optimizers.RMSprop(0.1, rho=0.8, momentum=0.5, epsilon=0.01, centered=True),
     lambda: ref_rmsprop(0.1, 0.8, 0.5, 0.01, True)),
    ("adagrad", lambda: optimizers.Adagrad(0.1), lambda: ref_adagrad(0.1)),
    ("adadelta", lambda: optimizers.Adadelta(1.0, epsilon=1e-3),
     lambda: ref_adadelta(1.0, eps=1e-3)),
    ("adamax", lambda: optimizers.Adamax(0.1), lambda: ref_adamax(0.1)),
    ("nadam", lambda: optimizers.Nadam(0.1), lambda: ref_nadam(0.1)),
    ("ftrl", lambda: optimizers.Ftrl(0.1, l1_regularization_strength=0.01,
                                     l2_regularization_strength=0.1),
     lambda: ref_ftrl(0.1, l1=0.01, l2=0.1)),
    ("ftrl-shrinkage-beta", lambda: optimizers.Ftrl(0.2, learning_rate_power=-0.7,
                                                    l2_shrinkage_regularization_strength=0.3,
                                                    beta=0.5),
     lambda: ref_ftrl(0.2, power=-0.7, shrinkage=0.3, beta=0.5)),
]


@pytest.mark.parametrize("name,make,reference", CASES, ids=[c[0] for c in CASES])
def test_two_steps_follow_keras_update_rule(name, make, reference):
    got = run_steps(make())
    for step, (value, expected) in enumerate(zip(got, reference())):
        np.testing.assert_allclose(value, expected, rtol=2e-5, atol=1e-6,
                                   err_msg=f"{name}, step {step + 1}")


def test_keras_3_defaults_and_names():
    adam = optimizers.Adam()
    assert (adam.learning_rate, adam.beta_1, adam.beta_2, adam.epsilon) == \
        pytest.approx((0.001, 0.9, 0.999, 1e-7))
    rmsprop = optimizers.get("rmsprop")
    assert isinstance(rmsprop, optimizers.RMSprop)
    assert (rmsprop.rho, rmsprop.momentum, rmsprop.epsilon) == pytest.approx((0.9, 0.0, 1e-7))
    assert optimizers.SGD().learning_rate == pytest.approx(0.01)
    assert optimizers.AdamW().weight_decay == pytest.approx(0.004)
    for name in ["sgd", "adam", "adamw", "rmsprop", "adagrad", "adadelta", "adamax", "nadam",
                 "ftrl", "Adam", "SGD"]:
        assert isinstance(optimizers.get(name), optimizers.Optimizer)
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier: 'adamm'"):
        optimizers.get("adamm")


def test_legacy_lr_argument_and_lowercase_factories_warn_and_work():
    with pytest.warns(DeprecationWarning, match=r"SGD\(learning_rate=0.05\)"):
        legacy = optimizers.sgd(lr=5e-2)
    assert isinstance(legacy, optimizers.SGD) and legacy.learning_rate == pytest.approx(0.05)
    with pytest.warns(DeprecationWarning, match="`lr` argument is deprecated"):
        adam = optimizers.Adam(lr=0.02)
    assert adam.learning_rate == pytest.approx(0.02)
    with pytest.warns(DeprecationWarning):
        assert optimizers.adam().learning_rate == pytest.approx(0.001)
    with pytest.warns(DeprecationWarning):
        assert optimizers.adadelta().learning_rate == pytest.approx(1.0)   # Keras 2 default
    np.testing.assert_allclose(run_steps(legacy)[1], ref_sgd(0.05)[1], rtol=1e-5)


def test_legacy_decay_is_keras_2_time_based_decay():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        optimizer = optimizers.SGD(lr=0.1, decay=0.5)
    got = run_steps(optimizer)
    np.testing.assert_allclose(got[1], ref_sgd(None, lrs=[0.1, 0.1 / 1.5])[1], rtol=1e-5)


def test_learning_rate_is_a_variable_set_between_steps_without_new_ops():
    optimizer = optimizers.SGD(0.1, momentum=0.9)
    graph = tf.get_default_graph()
    counts = []

    def change(index):
        counts.append(len(graph.get_operations()))
        optimizer.learning_rate = 0.02

    got = run_steps(optimizer, steps=3, between=change)
    assert optimizer.learning_rate == pytest.approx(0.02)
    assert counts[0] == counts[-1], "setting the learning rate added ops to the graph"
    # Keras keeps the rate inside the velocity (TF 1.x's MomentumOptimizer would not).
    np.testing.assert_allclose(got[2], ref_sgd(None, 0.9, lrs=[0.1, 0.02, 0.02],
                                               steps=3)[2], rtol=1e-5)
    assert keras.backend.get_value(optimizer.iterations) == 3


def test_schedules_values_in_python_and_in_the_graph():
    decay = schedules.ExponentialDecay(0.1, decay_steps=2, decay_rate=0.5)
    assert decay(0) == pytest.approx(0.1) and decay(3) == pytest.approx(0.1 * 0.5 ** 1.5)
    stair = schedules.ExponentialDecay(0.1, decay_steps=2, decay_rate=0.5, staircase=True)
    assert [stair(s) for s in range(5)] == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.025])
    piecewise = schedules.PiecewiseConstantDecay([1, 3], [1.0, 0.5, 0.1])
    assert [piecewise(s) for s in range(5)] == pytest.approx([1.0, 1.0, 0.5, 0.5, 0.1])
    cosine = schedules.CosineDecay(1.0, decay_steps=4, alpha=0.1)
    expected = [0.9 * 0.5 * (1 + math.cos(math.pi * min(s, 4) / 4)) + 0.1 for s in range(6)]
    assert [cosine(s) for s in range(6)] == pytest.approx(expected)
    warm = schedules.CosineDecay(0.0, decay_steps=2, warmup_target=1.0, warmup_steps=2)
    assert [warm(s) for s in range(5)] == pytest.approx([0.0, 0.5, 1.0, 0.5, 0.0])
    # In the graph, the rate of step t is schedule(t) with t = iterations before the step.
    optimizer = optimizers.SGD(learning_rate=schedules.PiecewiseConstantDecay([0], [0.1, 0.01]))
    got = run_steps(optimizer)
    np.testing.assert_allclose(got[1], ref_sgd(None, lrs=[0.1, 0.01])[1], rtol=1e-5)
    assert optimizer.learning_rate == pytest.approx(0.01)
    with pytest.raises(TypeError, match="not settable"):
        optimizer.learning_rate = 0.5
    config = optimizer.get_config()
    assert config["learning_rate"]["class_name"] == "PiecewiseConstantDecay"
    rebuilt = optimizers.SGD.from_config(config)
    assert rebuilt.learning_rate == pytest.approx(0.1)


def test_gradient_clipping():
    g = grad(W0.astype(np.float64))
    norm = np.linalg.norm(g)
    got = run_steps(optimizers.SGD(0.1, clipnorm=1.0), steps=1)[0]
    np.testing.assert_allclose(got, W0 - 0.1 * g / norm, rtol=1e-5)
    tf.reset_default_graph()
    got = run_steps(optimizers.SGD(0.1, clipvalue=2.5), steps=1)[0]
    np.testing.assert_allclose(got, W0 - 0.1 * np.clip(g, -2.5, 2.5), rtol=1e-5)
    tf.reset_default_graph()
    got = run_steps(optimizers.SGD(0.1, global_clipnorm=2.0), steps=1)[0]
    np.testing.assert_allclose(got, W0 - 0.1 * g * 2.0 / norm, rtol=1e-5)
    with pytest.raises(ValueError, match="Only one of"):
        optimizers.SGD(clipnorm=1.0, clipvalue=1.0)


def test_weight_decay_excluded_variables_and_constraints():
    optimizer = optimizers.SGD(0.1, weight_decay=0.5)
    optimizer.exclude_from_weight_decay(var_names=["w"])
    got = run_steps(optimizer, steps=1)[0]
    np.testing.assert_allclose(got, ref_sgd(0.1, steps=1)[0], rtol=1e-5)
    tf.reset_default_graph()
    got = run_steps(optimizers.SGD(0.1, weight_decay=0.5), steps=1)[0]
    np.testing.assert_allclose(got, W0 * (1 - 0.05) - 0.1 * grad(W0), rtol=1e-5)
    tf.reset_default_graph()
    # A constraint projects the new value after the step (here with the fused Adam op).
    got = run_steps(optimizers.Adam(0.1), steps=2, constraint=keras.constraints.NonNeg())
    step_one = np.maximum(ref_adam(0.1, steps=1)[0], 0)
    assert np.all(got[0] >= 0)
    np.testing.assert_allclose(got[0], step_one, rtol=1e-5, atol=1e-7)


def test_variables_are_complete_once_built_and_config_round_trips():
    optimizer = optimizers.Adam(0.01, amsgrad=False)
    w = tf.Variable(W0, name="w")
    optimizer.build([w])
    names = [v.name for v in optimizer.variables]
    assert names[:2] == ["adam/iterations:0", "adam/learning_rate:0"]
    assert len(optimizer.variables) == 2 + 2 + 2     # + m, v slots and the two beta powers
    config = optimizer.get_config()
    assert config["learning_rate"] == pytest.approx(0.01) and config["beta_1"] == 0.9
    clone = optimizers.deserialize(optimizers.serialize(optimizer))
    assert isinstance(clone, optimizers.Adam) and clone.learning_rate == pytest.approx(0.01)


def test_tf1_optimizer_is_accepted_by_get():
    wrapped = optimizers.get(tf.train.GradientDescentOptimizer(0.1))
    got = run_steps(wrapped, steps=1)[0]
    np.testing.assert_allclose(got, ref_sgd(0.1, steps=1)[0], rtol=1e-5)
