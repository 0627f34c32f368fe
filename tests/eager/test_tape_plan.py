"""A tape's whole backward pass as one compiled plan (tape._TapePlan): a training loop's tapes
compile once, their gradients are the op-by-op walk's, and the plan cache holds no values."""
import gc
import weakref

import numpy as np
import pytest

import tenseur as tf
from tenseur.autodiff import tape as tape_module
from tenseur.eager import GradientTape


@pytest.fixture(autouse=True)
def fresh_cache(monkeypatch):
    monkeypatch.setattr(tape_module, "_tape_plans", {})
    monkeypatch.setattr(tape_module, "_tape_seen", set())


def _mlp(seed=0):
    rng = np.random.default_rng(seed)
    shapes = [(12, 8), (8,), (8, 5), (5,)]
    return [tf.Variable(rng.standard_normal(s).astype(np.float32) * 0.3) for s in shapes]


def _step_gradients(params, x, y):
    with GradientTape() as tape:
        h = tf.nn.sigmoid(tf.nn.bias_add(tf.matmul(x, params[0]), params[1]))
        logits = tf.nn.bias_add(tf.matmul(h, params[2]), params[3])
        loss = tf.reduce_mean(-tf.reduce_sum(y * tf.log(tf.nn.softmax(logits)), axis=-1))
    return [g.numpy() for g in tape.gradient(loss, params)]


def _batch(n, seed):
    rng = np.random.default_rng(seed)
    x = tf.constant(rng.uniform(0, 1, (n, 12)).astype(np.float32))
    y = tf.constant(np.eye(5, dtype=np.float32)[rng.integers(0, 5, n)])
    return x, y


def test_a_training_loop_compiles_its_tape_once_and_agrees_with_the_walk(eager_ctx):
    params = _mlp()
    batches = [_batch(16, seed) for seed in range(4)]
    walked = [_step_gradients(params, *b) for b in batches[:1]]
    assert not tape_module._tape_plans          # first sight: the op-by-op walk
    planned = [_step_gradients(params, *b) for b in batches]
    assert [p is not None for p in tape_module._tape_plans.values()] == [True]
    for got, want in zip(planned[0], walked[0]):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)
    # The plan reads each step's own values: other batches, other gradients.
    assert not np.allclose(planned[1][0], planned[2][0])
    # ... the same as the walk gives for them.
    tape_module._tape_plans.clear()
    tape_module._tape_seen.clear()
    for b, got in zip(batches[1:], planned[1:]):
        for g, want in zip(got, _step_gradients(params, *b)):
            np.testing.assert_allclose(g, want, rtol=1e-6, atol=1e-7)


def test_trained_variables_follow_the_plan(eager_ctx):
    """Training with the plan moves the weights exactly as training with the walk."""
    results = []
    for compiled in (False, True):
        tape_module._tape_plans.clear()
        tape_module._tape_seen.clear()
        params = _mlp()
        opt = tf.train.GradientDescentOptimizer(0.5)
        for step in range(6):
            x, y = _batch(16, step)
            with GradientTape() as tape:
                h = tf.nn.sigmoid(tf.matmul(x, params[0]) + params[1])
                loss = tf.reduce_mean(tf.square(tf.matmul(h, params[2]) + params[3] - y))
            grads = tape.gradient(loss, params)
            opt.apply_gradients(zip(grads, params))
            if not compiled:
                tape_module._tape_seen.clear()       # never seen twice: always the walk
        assert bool(tape_module._tape_plans) == compiled
        results.append([p.numpy() for p in params])
    for walked, planned in zip(*results):
        np.testing.assert_allclose(planned, walked, rtol=1e-6, atol=1e-7)


def test_each_batch_shape_gets_its_own_plan(eager_ctx):
    params = _mlp()
    for n in (16, 16, 7, 7, 16):
        _step_gradients(params, *_batch(n, n))
    assert len(tape_module._tape_plans) == 2


def test_one_off_tapes_are_not_compiled(eager_ctx):
    params = _mlp()
    _step_gradients(params, *_batch(16, 0))
    _step_gradients(params, *_batch(9, 0))
    assert not tape_module._tape_plans and len(tape_module._tape_seen) == 2


def test_under_an_outer_tape_the_walk_records_the_backward_ops(eager_ctx):
    x = tf.constant(1.5)
    for _ in range(3):
        with GradientTape() as outer:
            outer.watch(x)
            with GradientTape() as inner:
                inner.watch(x)
                y = x * x * x
            dy = inner.gradient(y, x)
        assert float(outer.gradient(dy, x)) == pytest.approx(9.0)   # d2(x^3) = 6x
    # The inner tape (two Mul records) ran under the outer one every time, so it was never
    # even looked up; only the outer tape's structure (with the inner's backward ops) was.
    looked_up = set(tape_module._tape_plans) | tape_module._tape_seen
    assert looked_up and all(len(records) > 2 for records, _, _ in looked_up)


def test_the_plan_cache_keeps_no_tensor_alive(eager_ctx):
    params = _mlp()
    refs = []
    for seed in range(3):
        x, y = _batch(16, seed)
        refs.append(weakref.ref(x))
        _step_gradients(params, x, y)
        del x, y
    gc.collect()
    assert tape_module._tape_plans and all(r() is None for r in refs)


def test_the_plan_cache_is_bounded(eager_ctx, monkeypatch):
    monkeypatch.setattr(tape_module, "_MAX_TAPE_PLANS", 2)
    params = _mlp()
    for n in (3, 3, 4, 4, 5, 5, 6, 6):
        _step_gradients(params, *_batch(n, n))
    assert 1 <= len(tape_module._tape_plans) <= 2
