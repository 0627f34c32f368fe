"""Training does not leak: 200 steps of a small model leave the resident memory flat.

The plan frees each intermediate after its last reader and keeps only the variables between
steps, so after a warm-up (plan built, allocator pools filled) the resident set size must not
grow with the number of steps. Read from /proc/self/statm (Linux); skipped elsewhere.
"""
import gc
import os

import numpy as np
import pytest

import tenseur as tf

_STATM = "/proc/self/statm"


def _rss_bytes() -> int:
    with open(_STATM) as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


pytestmark = pytest.mark.skipif(not os.path.exists(_STATM),
                                reason="/proc/self/statm is not available on this system")


def _train_steps(sess, fetches, feeds, count):
    for i in range(count):
        sess.run(fetches, feeds[i % len(feeds)])


@pytest.mark.parametrize("optimize", [True, False])
def test_rss_stays_flat_over_200_training_steps(optimize):
    tf.set_random_seed(0)
    x = tf.placeholder(tf.float32, [None, 784])
    y = tf.placeholder(tf.float32, [None, 10])
    hidden = tf.layers.dense(x, 64, activation=tf.nn.sigmoid)
    hidden = tf.layers.dropout(hidden, rate=0.2, training=True)
    logits = tf.layers.dense(hidden, 10)
    loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=logits))
    train_op = tf.train.MomentumOptimizer(0.05, 0.9).minimize(loss)
    rng = np.random.default_rng(0)
    feeds = [{x: rng.uniform(0, 1, (batch, 784)).astype(np.float32),
              y: np.eye(10, dtype=np.float32)[rng.integers(0, 10, batch)]}
             for batch in (64, 64, 64, 17)]       # a smaller last batch: a second plan
    with tf.Session(config={"optimize": optimize}) as sess:
        sess.run(tf.global_variables_initializer())
        _train_steps(sess, [loss, train_op], feeds, 40)       # warm-up
        gc.collect()
        before = _rss_bytes()
        _train_steps(sess, [loss, train_op], feeds, 200)
        gc.collect()
        after = _rss_bytes()
        train_plans = [key for key in sess._plans if key[0][1]]     # those with feeds
    # One step's arrays are ~0.5 MB; a leak of one of them per step would add ~100 MB.
    assert after - before < 8 * 2 ** 20, (
        f"RSS grew by {(after - before) / 2 ** 20:.1f} MiB over 200 steps")
    assert len(train_plans) == (2 if optimize else 1)   # one per fed shape when specialized


def test_rss_stays_flat_over_200_eager_training_steps():
    """Eager training (GradientTape, whose backward pass runs as one compiled plan from the
    second step, and apply_gradients) keeps nothing from one step to the next either."""
    from tenseur import eager
    from tenseur.autodiff import tape as tape_module
    rng = np.random.default_rng(0)
    with eager.eager_mode():
        w1 = tf.Variable(rng.standard_normal((784, 64)).astype(np.float32) * 0.05)
        w2 = tf.Variable(rng.standard_normal((64, 10)).astype(np.float32) * 0.05)
        b2 = tf.Variable(np.zeros(10, np.float32))
        opt = tf.train.MomentumOptimizer(0.05, 0.9)
        batches = [(tf.constant(rng.uniform(0, 1, (n, 784)).astype(np.float32)),
                    tf.constant(np.eye(10, dtype=np.float32)[rng.integers(0, 10, n)]))
                   for n in (64, 64, 64, 17)]

        def steps(count):
            for i in range(count):
                x, y = batches[i % len(batches)]
                with eager.GradientTape() as tape:
                    h = tf.nn.dropout(tf.nn.sigmoid(tf.matmul(x, w1)), rate=0.2)
                    logits = tf.matmul(h, w2) + b2
                    loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(
                        labels=y, logits=logits))
                grads = tape.gradient(loss, [w1, w2, b2])
                opt.apply_gradients(zip(grads, [w1, w2, b2]))

        steps(40)                                       # warm-up: the plans are built
        gc.collect()
        before = _rss_bytes()
        steps(200)
        gc.collect()
        after = _rss_bytes()
    assert after - before < 8 * 2 ** 20, (
        f"RSS grew by {(after - before) / 2 ** 20:.1f} MiB over 200 eager steps")
    assert any(plan is not None for plan in tape_module._tape_plans.values())
