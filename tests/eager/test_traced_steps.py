"""An optimizer's eager step runs as one traced function from its second call on
(eager/traced_steps.py): the variables end where the op-by-op step takes them, for every
optimizer of both families, and steps whose settings are read anew each time are not traced."""
import numpy as np
import pytest

import tenseur as tf
from tenseur import eager, keras
from tenseur.keras import optimizers
from tenseur.keras.optimizers import schedules
from tests.keras.test_optimizers import CASES as KERAS_CASES

W0 = [np.array([1.0, -2.0, 3.0, -0.5], np.float32), np.array([[0.5, -1.5], [2.0, 0.25]],
                                                               np.float32)]
C = [np.array([1.0, 2.0, 3.0, 0.5], np.float32), np.array([[1.0, 0.5], [2.0, 3.0]], np.float32)]

TRAIN_CASES = [
    ("gd", lambda: tf.train.GradientDescentOptimizer(0.1)),
    ("momentum-nesterov", lambda: tf.train.MomentumOptimizer(0.05, 0.9, use_nesterov=True)),
    ("adam", lambda: tf.train.AdamOptimizer(0.1)),
    ("rmsprop-centered", lambda: tf.train.RMSPropOptimizer(0.05, momentum=0.5, centered=True)),
    ("adagrad", lambda: tf.train.AdagradOptimizer(0.1)),
    ("adadelta", lambda: tf.train.AdadeltaOptimizer(1.0)),
    ("ftrl", lambda: tf.train.FtrlOptimizer(0.1, l1_regularization_strength=0.01)),
]


def _steps(optimizer, count=5, between=None, traced=True):
    """w after each of `count` eager steps on loss = sum(C w^2) over two variables; the
    op-by-op path when `traced` is False (functions run eagerly never trace a step)."""
    eager.run_functions_eagerly(not traced)
    try:
        with eager.eager_mode():
            ws = [tf.Variable(w.copy()) for w in W0]
            out = []
            for index in range(count):
                with tf.GradientTape() as tape:
                    loss = tf.add_n([tf.reduce_sum(w * w * c) for w, c in zip(ws, C)])
                grads = tape.gradient(loss, ws)
                optimizer.apply_gradients(zip(grads, ws))
                out.append([w.numpy() for w in ws])
                if between is not None:
                    between(optimizer, index)
            return out
    finally:
        eager.run_functions_eagerly(False)


def _traced(optimizer) -> int:
    steps = getattr(optimizer, "_traced_steps", None)
    return 0 if steps is None else sum(callable(f) for f in steps.functions.values())


def _assert_same(got, want, name):
    for step, (g, w) in enumerate(zip(got, want)):
        for a, b in zip(g, w):
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7, err_msg=f"{name}, step {step}")


@pytest.mark.parametrize("name,make", [(c[0], c[1]) for c in KERAS_CASES] + TRAIN_CASES,
                         ids=[c[0] for c in KERAS_CASES] + [c[0] for c in TRAIN_CASES])
def test_traced_steps_take_the_variables_where_op_by_op_steps_do(name, make):
    traced = make()
    got = _steps(traced)
    assert _traced(traced) == 1, f"{name}: the steps did not run traced"
    want_optimizer = make()
    want = _steps(want_optimizer, traced=False)
    assert _traced(want_optimizer) == 0
    _assert_same(got, want, name)
    if isinstance(traced, optimizers.Optimizer):
        assert int(traced.iterations.numpy()) == 5 == int(want_optimizer.iterations.numpy())


def test_settings_changed_between_steps_are_seen():
    def change(optimizer, index):
        optimizer.learning_rate = 0.1 / (index + 2)        # the learning-rate variable
        optimizer.clipnorm = 1.0 + index                    # a plain setting: traced anew

    got = _steps(optimizers.SGD(0.1, momentum=0.5), 6, change)
    want = _steps(optimizers.SGD(0.1, momentum=0.5), 6, change, traced=False)
    _assert_same(got, want, "sgd")


def test_a_schedule_is_traced_and_a_python_callable_is_not():
    scheduled = optimizers.SGD(schedules.ExponentialDecay(0.1, decay_steps=1, decay_rate=0.5))
    _assert_same(_steps(scheduled), _steps(optimizers.SGD(schedules.ExponentialDecay(
        0.1, decay_steps=1, decay_rate=0.5)), traced=False), "schedule")
    assert _traced(scheduled) == 1
    rates = iter([0.1, 0.05, 0.02, 0.01, 0.005])
    current = [0.1]

    def rate():
        return current[0]

    def advance(optimizer, index):
        current[0] = next(rates)

    for make in (lambda: optimizers.SGD(rate), lambda: tf.train.GradientDescentOptimizer(rate)):
        rates, current[0] = iter([0.05, 0.02, 0.01, 0.005, 0.001]), 0.1
        optimizer = make()
        got = _steps(optimizer, between=advance)
        assert _traced(optimizer) == 0
        rates, current[0] = iter([0.05, 0.02, 0.01, 0.005, 0.001]), 0.1
        _assert_same(got, _steps(make(), between=advance, traced=False), "callable rate")


def test_global_step_counts_every_traced_step():
    with eager.eager_mode():
        step = tf.Variable(0, dtype=tf.int64, trainable=False)
        w = tf.Variable(np.ones(3, np.float32))
        optimizer = tf.train.GradientDescentOptimizer(0.1)
        for _ in range(5):
            optimizer.apply_gradients([(tf.constant(np.ones(3, np.float32)), w)],
                                      global_step=step)
        assert int(step.numpy()) == 5 and _traced(optimizer) == 1
        np.testing.assert_allclose(w.numpy(), 0.5, rtol=1e-6)


def test_a_recording_tape_sees_op_by_op_steps():
    with eager.eager_mode():
        w = tf.Variable(np.ones(3, np.float32))
        optimizer = keras.optimizers.SGD(0.1)
        for _ in range(4):
            with tf.GradientTape():
                optimizer.apply_gradients([(tf.constant(np.ones(3, np.float32)), w)])
        assert _traced(optimizer) == 0
        np.testing.assert_allclose(w.numpy(), 0.6, rtol=1e-6)
