"""backend.buffers: large arrays freed by a plan are reused by later kernels, never while
anything else can still see them."""
import numpy as np
import pytest

import tenseur as tf
from tenseur.backend import buffers

DEFAULT_MIN_BYTES = buffers.MIN_BYTES
BIG = (256, 1024)            # 1 MiB of float32: the smallest pooled size in these tests


@pytest.fixture(autouse=True)
def _fresh_pool(monkeypatch):
    # The real threshold is 32 MiB (glibc's largest mmap threshold); 1 MiB keeps tests small.
    monkeypatch.setattr(buffers, "MIN_BYTES", 1 << 20)
    buffers.clear()
    buffers.set_limit(512)
    yield
    buffers.set_limit(None)
    buffers.clear()


def test_a_given_array_comes_back_for_the_same_shape_and_dtype():
    a = np.ones(BIG, np.float32)
    address = a.ctypes.data
    buffers.give(a)
    del a
    assert buffers.pooled_bytes() == 1 << 20
    assert buffers.empty(BIG, np.float64).ctypes.data != address     # other dtype: new
    b = buffers.empty(BIG, np.float32)
    assert b.ctypes.data == address and b.shape == BIG
    assert buffers.pooled_bytes() == 0
    assert buffers.empty(BIG, np.float32).ctypes.data != address     # taken only once


def test_zeros_are_zero_even_from_a_reused_array():
    a = np.full(BIG, 7.0, np.float32)
    buffers.give(a)
    del a
    assert not buffers.zeros(BIG, np.float32).any()


def test_arrays_that_something_else_sees_are_not_kept():
    kept = []
    a = np.ones(BIG, np.float32)
    view = a[1:]                                 # a live view: a's data is still visible
    buffers.give(a)
    held = np.ones(BIG, np.float32)
    kept.append(held)                            # another reference
    buffers.give(held)
    buffers.give(np.ones(BIG, np.float32)[:, ::2].copy()[:, :1])   # a view itself
    small = np.ones(100, np.float32)
    buffers.give(small)
    frozen = np.ones(BIG, np.float32)
    frozen.flags.writeable = False
    buffers.give(frozen)
    fortran = np.ones(BIG, np.float32, order="F")
    buffers.give(fortran)
    assert buffers.pooled_bytes() == 0
    assert view.sum() == view.size


def test_the_cap_drops_the_oldest_and_zero_turns_reuse_off():
    buffers.set_limit(2)                          # MiB
    first, second, third = (np.full(BIG, i, np.float32) for i in range(3))
    addresses = [first.ctypes.data, second.ctypes.data, third.ctypes.data]
    buffers.give(first)
    buffers.give(second)
    buffers.give(third)
    del first, second, third
    assert buffers.pooled_bytes() == 2 << 20
    got = {buffers.empty(BIG, np.float32).ctypes.data for _ in range(2)}
    assert got == set(addresses[1:])
    buffers.set_limit(0)
    a = np.ones(BIG, np.float32)
    buffers.give(a)
    assert buffers.pooled_bytes() == 0


def test_the_limit_comes_from_the_environment(monkeypatch):
    buffers.set_limit(None)
    monkeypatch.setenv("TENSEUR_BUFFER_POOL_MB", "0")
    a = np.ones(BIG, np.float32)
    buffers.give(a)
    assert buffers.pooled_bytes() == 0
    monkeypatch.setenv("TENSEUR_BUFFER_POOL_MB", "1.5")
    buffers.set_limit(None)
    buffers.give(a)
    assert buffers.pooled_bytes() == 1 << 20
    buffers.set_limit(None)
    monkeypatch.setenv("TENSEUR_BUFFER_POOL_MB", "lots")
    b = np.ones(BIG, np.float32)
    with pytest.raises(ValueError, match="TENSEUR_BUFFER_POOL_MB"):
        buffers.give(b)


def _conv_graph():
    x = tf.placeholder(tf.float32, [40, 28, 28, 1])
    w1 = tf.Variable(np.random.default_rng(0).normal(0, 0.3, (3, 3, 1, 32)).astype(np.float32))
    w2 = tf.Variable(np.random.default_rng(1).normal(0, 0.1, (3, 3, 32, 32)).astype(np.float32))
    h1 = tf.nn.relu(tf.nn.conv2d(x, w1, [1, 1, 1, 1], "SAME"))        # 40x28x28x32: 4 MB
    h2 = tf.nn.relu(tf.nn.conv2d(h1, w2, [1, 1, 1, 1], "SAME"))
    pooled = tf.nn.max_pool(h2, [1, 2, 2, 1], [1, 2, 2, 1], "VALID")
    loss = tf.reduce_sum(pooled * pooled) * 1e-4
    train = tf.train.GradientDescentOptimizer(1e-3).minimize(loss)
    return x, h1, h2, loss, train


def _batches(count):
    rng = np.random.default_rng(2)
    return [rng.uniform(0, 1, (40, 28, 28, 1)).astype(np.float32) for _ in range(count)]


def test_a_training_plan_reuses_its_large_arrays_and_trains_as_without():
    losses = {}
    for limit in (512, 0):
        buffers.clear()
        buffers.set_limit(limit)
        with tf.Graph().as_default():
            x, _, _, loss, train = _conv_graph()
            with tf.Session() as sess:
                sess.run(tf.global_variables_initializer())
                losses[limit] = [sess.run([loss, train], {x: b})[0] for b in _batches(4)]
                if limit:
                    assert buffers.pooled_bytes() >= 4 << 20   # freed activations kept
                    plan = next(p for p in sess._plans.values() if p.large)
                    assert "give(" in _plan_source(plan)
                else:
                    assert buffers.pooled_bytes() == 0
    assert losses[512] == losses[0]                 # the same bits


def _plan_source(plan):
    """The names the plan's generated step function calls."""
    from tenseur.framework.session import _compile_steps
    run, _ = _compile_steps(plan)
    return " ".join(f"{name}(" for name in run.__code__.co_names)


def test_fetched_arrays_and_views_of_them_survive_later_runs():
    with tf.Graph().as_default():
        x, h1, h2, loss, train = _conv_graph()
        flat = tf.reshape(h1, [-1])                  # a view of a large intermediate
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            batches = _batches(3)
            first_h1, first_flat = sess.run([h1, flat], {x: batches[0]})
            keep_h1, keep_flat = first_h1.copy(), first_flat.copy()
            only_flat = sess.run(flat, {x: batches[1]})
            keep_only = only_flat.copy()
            for b in batches:
                sess.run([loss, train], {x: b})
                sess.run(h2, {x: b})
            np.testing.assert_array_equal(first_h1, keep_h1)
            np.testing.assert_array_equal(first_flat, keep_flat)
            np.testing.assert_array_equal(only_flat, keep_only)


def test_arrays_under_32_mib_are_left_to_malloc_by_default(monkeypatch):
    assert DEFAULT_MIN_BYTES == 32 << 20
    monkeypatch.setattr(buffers, "MIN_BYTES", DEFAULT_MIN_BYTES)
    a = np.ones((1024, 1024, 7), np.float32)      # 28 MiB: glibc's heap reuses it
    buffers.give(a)
    assert buffers.pooled_bytes() == 0
