"""tf.contrib.layers' convolutional pieces (conv2d, pooling, dropout, batch_norm): TF contrib's
scopes, variable names and defaults (ReLU, SAME padding, decay 0.999, no gamma)."""
import numpy as np

import tenseur as tf

rng = np.random.default_rng(3)


def test_conv2d_names_defaults_and_values():
    x = rng.standard_normal((2, 5, 5, 3)).astype(np.float32)
    y = tf.contrib.layers.conv2d(x, 4, [3, 3])
    tf.contrib.layers.conv2d(y, 2, 1, activation_fn=None)
    assert {v.name: v.shape.as_list() for v in tf.trainable_variables()} == {
        "Conv/weights:0": [3, 3, 3, 4], "Conv/biases:0": [4],
        "Conv_1/weights:0": [1, 1, 4, 2], "Conv_1/biases:0": [2]}
    weights = tf.trainable_variables()[0]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        out, w = sess.run([y, weights])
        expected = sess.run(tf.nn.relu(tf.nn.conv2d(x, w, 1, "SAME")))
    assert out.shape == (2, 5, 5, 4)          # SAME padding by default
    np.testing.assert_allclose(out, expected, rtol=1e-6)


def test_pools_and_dropout():
    x = rng.standard_normal((1, 4, 6, 2)).astype(np.float32)
    mx = tf.contrib.layers.max_pool2d(x, 2)
    avg = tf.contrib.layers.avg_pool2d(x, [2, 3], stride=[2, 3])
    kept = tf.contrib.layers.dropout(x, keep_prob=0.5, is_training=False)
    assert mx.op.name == "MaxPool2D/MaxPool"
    with tf.Session() as sess:
        a, b, c = sess.run([mx, avg, kept])
    np.testing.assert_array_equal(a, x.reshape(1, 2, 2, 3, 2, 2).max(axis=(2, 4)))
    np.testing.assert_allclose(b, x.reshape(1, 2, 2, 2, 3, 2).mean(axis=(2, 4)), rtol=1e-6)
    np.testing.assert_array_equal(c, x)


def test_batch_norm_contrib_defaults_and_in_place_updates():
    x = rng.standard_normal((8, 2, 2, 3)).astype(np.float32) + 2
    y = tf.contrib.layers.batch_norm(x, updates_collections=None)
    assert [v.name for v in tf.global_variables()] == [
        "BatchNorm/beta:0", "BatchNorm/moving_mean:0", "BatchNorm/moving_variance:0"]
    assert tf.get_collection(tf.GraphKeys.UPDATE_OPS) == []
    moving_mean = tf.global_variables()[1]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        out = sess.run(y)      # updates run with the output (updates_collections=None)
        np.testing.assert_allclose(sess.run(moving_mean), 0.001 * x.reshape(-1, 3).mean(0),
                                   rtol=1e-4)
    np.testing.assert_allclose(out.reshape(-1, 3).mean(0), 0, atol=1e-5)
