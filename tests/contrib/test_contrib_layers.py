"""tf.contrib.layers.flatten / fully_connected: shapes, names, defaults, values."""
import numpy as np
import pytest

import tenseur as tf


def test_flatten_keeps_batch_and_multiplies_the_rest():
    x = tf.placeholder(tf.float32, [None, 28, 28])
    flat = tf.contrib.layers.flatten(x)
    assert flat.shape.as_list() == [None, 784]
    value = np.arange(2 * 28 * 28, dtype=np.float32).reshape(2, 28, 28)
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(flat, {x: value}), value.reshape(2, -1))
    with pytest.raises(ValueError, match="rank >= 2"):
        tf.contrib.layers.flatten(tf.placeholder(tf.float32, [None]))


def test_fully_connected_defaults_relu_and_names_scopes():
    x = tf.placeholder(tf.float32, [None, 4])
    y1 = tf.contrib.layers.fully_connected(x, 3)
    y2 = tf.contrib.layers.fully_connected(y1, 2, activation_fn=None)
    names = [v.name for v in tf.trainable_variables()]
    assert names == ["fully_connected/weights:0", "fully_connected/biases:0",
                     "fully_connected_1/weights:0", "fully_connected_1/biases:0"]
    w1, b1, w2, b2 = tf.trainable_variables()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        xv = np.random.default_rng(0).normal(size=(5, 4)).astype(np.float32)
        out1, out2, w1v, b1v, w2v, b2v = sess.run([y1, y2, w1, b1, w2, b2], {x: xv})
    np.testing.assert_allclose(out1, np.maximum(xv @ w1v + b1v, 0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out2, out1 @ w2v + b2v, rtol=1e-5, atol=1e-6)
    limit = np.sqrt(6 / (4 + 3))
    assert np.abs(w1v).max() <= limit and np.all(b1v == 0)


def test_fully_connected_flattens_rank_3_and_applies_regularizer():
    x = tf.placeholder(tf.float32, [None, 2, 3])
    y = tf.contrib.layers.fully_connected(x, 4, weights_regularizer=tf.contrib.layers.l2_regularizer(0.1))
    assert y.shape.as_list() == [None, 4]
    losses = tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)
    assert len(losses) == 1
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        w = sess.run(tf.trainable_variables()[0])
        assert sess.run(losses[0]) == pytest.approx(0.1 * np.sum(w ** 2) / 2, rel=1e-5)
