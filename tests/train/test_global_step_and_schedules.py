"""The global step helpers and the learning-rate schedules, against their formulas."""
import math

import numpy as np
import pytest

import tenseur as tf
import tenseur.train as train


# -- global step ---------------------------------------------------------------------------

def test_create_global_step():
    with tf.name_scope("somewhere"):
        step = train.create_global_step()
    assert step.name == "global_step:0"
    assert step.dtype == tf.int64 and step.shape.as_list() == []
    assert tf.get_collection(tf.GraphKeys.GLOBAL_STEP) == [step]
    assert step in tf.global_variables() and step not in tf.trainable_variables()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert train.global_step(sess, step) == 0
    with pytest.raises(ValueError, match='"global_step" already exists'):
        train.create_global_step()


def test_get_or_create_global_step_returns_one_variable():
    assert train.get_global_step() is None
    step = train.get_or_create_global_step()
    assert train.get_or_create_global_step() is step
    assert train.get_global_step() is step
    other = tf.Graph()
    assert train.get_global_step(other) is None
    assert train.get_or_create_global_step(other).graph is other


def test_get_global_step_finds_a_hand_made_variable():
    step = tf.Variable(0, name="global_step", trainable=False)
    assert train.get_global_step() is step


def test_a_float_global_step_is_rejected():
    tf.Variable(0.0, name="global_step", trainable=False)
    with pytest.raises(TypeError, match='"global_step" does not have integer type'):
        train.get_global_step()


# -- schedules -----------------------------------------------------------------------------

def schedule_values(make, steps):
    """The schedule built by `make(global_step)` evaluated at each of `steps`."""
    step = train.get_or_create_global_step()
    lr = make(step)
    with tf.Session() as sess:
        values = []
        for s in steps:
            step.load(s, sess)
            values.append(sess.run(lr))
    return np.array(values)


STEPS = [0, 1, 50, 99, 100, 150, 250, 1000]


@pytest.mark.parametrize("staircase", [False, True])
def test_exponential_decay(staircase):
    got = schedule_values(lambda gs: train.exponential_decay(0.1, gs, 100, 0.96,
                                                             staircase=staircase), STEPS)
    exponent = [s // 100 if staircase else s / 100 for s in STEPS]
    np.testing.assert_allclose(got, [0.1 * 0.96 ** p for p in exponent], rtol=1e-6)
    assert got.dtype == np.float32


def test_exponential_decay_name_and_missing_step():
    lr = train.exponential_decay(0.1, train.get_or_create_global_step(), 10, 0.5)
    assert lr.op.name == "ExponentialDecay"
    with pytest.raises(ValueError, match="global_step is required for exponential_decay"):
        train.exponential_decay(0.1, None, 10, 0.5)


@pytest.mark.parametrize("staircase", [False, True])
def test_inverse_time_decay(staircase):
    got = schedule_values(lambda gs: train.inverse_time_decay(0.5, gs, 100, 2.0,
                                                              staircase=staircase), STEPS)
    progress = [s // 100 if staircase else s / 100 for s in STEPS]
    np.testing.assert_allclose(got, [0.5 / (1 + 2.0 * p) for p in progress], rtol=1e-6)


def test_natural_exp_decay():
    got = schedule_values(lambda gs: train.natural_exp_decay(0.5, gs, 100, 0.3), STEPS)
    np.testing.assert_allclose(got, [0.5 * math.exp(-0.3 * s / 100) for s in STEPS], rtol=1e-6)


def test_polynomial_decay():
    got = schedule_values(lambda gs: train.polynomial_decay(0.1, gs, 200, 0.01, power=2.0),
                          STEPS)
    want = [(0.1 - 0.01) * (1 - min(s, 200) / 200) ** 2 + 0.01 for s in STEPS]
    np.testing.assert_allclose(got, want, rtol=1e-6)


def test_polynomial_decay_with_cycles():
    got = schedule_values(lambda gs: train.polynomial_decay(0.1, gs, 100, 0.0, cycle=True),
                          STEPS)
    want = []
    for s in STEPS:
        decay_steps = 100 * (math.ceil(s / 100) if s > 0 else 1)
        want.append(0.1 * (1 - s / decay_steps))
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)


def test_cosine_decay():
    got = schedule_values(lambda gs: train.cosine_decay(0.2, gs, 250, alpha=0.1), STEPS)
    want = [0.2 * (0.9 * 0.5 * (1 + math.cos(math.pi * min(s, 250) / 250)) + 0.1)
            for s in STEPS]
    np.testing.assert_allclose(got, want, rtol=1e-6)


def test_piecewise_constant():
    got = schedule_values(lambda gs: train.piecewise_constant(gs, [100, 200], [1.0, 0.5, 0.1]),
                          [0, 100, 101, 200, 201, 1000])
    np.testing.assert_allclose(got, [1.0, 1.0, 0.5, 0.5, 0.1, 0.1])


def test_piecewise_constant_checks_lengths():
    with pytest.raises(ValueError, match="1 less than the length of values"):
        train.piecewise_constant(train.get_or_create_global_step(), [10, 20], [1.0, 0.5])


def test_decayed_rate_drives_the_optimizer_one_step_at_a_time():
    # loss = sum(w) has gradient 1: each step subtracts the rate at the step's global step.
    w = tf.Variable(np.zeros(2), name="w")
    step = train.get_or_create_global_step()
    lr = train.exponential_decay(1.0, step, 1, 0.5)
    train_op = train.GradientDescentOptimizer(lr).minimize(tf.reduce_sum(w), global_step=step)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(3):
            sess.run(train_op)
        np.testing.assert_allclose(sess.run(w), -(1.0 + 0.5 + 0.25))
        assert train.global_step(sess, step) == 3
