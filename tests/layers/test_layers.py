"""tf.layers: variable names and shapes as TF 1.x names them, values against NumPy, the
training switch of dropout, and that a small network built from them learns."""
import numpy as np
import pytest

import tenseur as tf
from tests.ops.cases_conv import ref_avg_pool, ref_conv2d, ref_max_pool

rng = np.random.default_rng(11)


def run(fetches, feed=None):
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        return sess.run(fetches, feed)


def variables(collection=tf.GraphKeys.GLOBAL_VARIABLES):
    return {v.name: v.shape.as_list() for v in tf.get_collection(collection)}


# -- names and shapes -------------------------------------------------------------------------

def test_variable_names_follow_tf():
    x = tf.placeholder(tf.float32, [None, 28, 28, 1])
    h = tf.layers.conv2d(x, 32, 3, activation=tf.nn.relu)
    h = tf.layers.conv2d(h, 16, (3, 2), use_bias=False)
    h = tf.layers.max_pooling2d(h, 2, 2)
    h = tf.layers.dense(tf.layers.flatten(h), 10, name="logits")
    h = tf.layers.dense(h, 4)
    tf.layers.dense(h, 2)
    assert variables() == {
        "conv2d/kernel:0": [3, 3, 1, 32], "conv2d/bias:0": [32],
        "conv2d_1/kernel:0": [3, 2, 32, 16],
        "logits/kernel:0": [12 * 12 * 16, 10], "logits/bias:0": [10],
        "dense/kernel:0": [10, 4], "dense/bias:0": [4],
        "dense_1/kernel:0": [4, 2], "dense_1/bias:0": [2],
    }
    ops = {op.name for op in tf.get_default_graph().get_operations()}
    assert {"conv2d/Conv2D", "conv2d/BiasAdd", "conv2d/Relu", "max_pooling2d/MaxPool",
            "logits/MatMul", "dense/BiasAdd"} <= ops


def test_reuse_shares_variables_and_its_absence_is_an_error():
    x = tf.placeholder(tf.float32, [None, 3])
    a = tf.layers.dense(x, 2, name="shared")
    b = tf.layers.dense(x * 2.0, 2, name="shared", reuse=True)
    assert len(tf.trainable_variables()) == 2
    with pytest.raises(ValueError, match=r"shared/kernel already exists"):
        tf.layers.dense(x, 2, name="shared")
    _, bias = tf.trainable_variables()
    ya, yb, c = run([a, b, bias], {x: np.ones((1, 3))})
    np.testing.assert_allclose(yb - c, 2 * (ya - c), rtol=1e-6)   # the same kernel and bias
    assert {op.name for op in tf.get_default_graph().get_operations()} >= {"shared/MatMul",
                                                                          "shared_1/MatMul"}


def test_trainable_false_and_regularizers():
    x = tf.placeholder(tf.float32, [None, 3])
    tf.layers.dense(x, 2, trainable=False)
    tf.layers.dense(x, 2, kernel_regularizer=lambda w: tf.reduce_sum(w * w),
                    activity_regularizer=lambda y: tf.reduce_sum(tf.abs(y)))
    assert [v.name for v in tf.trainable_variables()] == ["dense_1/kernel:0", "dense_1/bias:0"]
    assert len(tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)) == 2


@pytest.mark.parametrize("call,message", [
    (lambda x: tf.layers.dense(x, 0), r"units must be a positive integer"),
    (lambda x: tf.layers.conv2d(x, 4, 3), r"conv2d: inputs must have rank 4"),
    (lambda x: tf.layers.conv2d(tf.reshape(x, [-1, 1, 1, 3]), 4, 3, padding="full"),
     r"padding must be 'valid' or 'same'"),
    (lambda x: tf.layers.max_pooling2d(tf.reshape(x, [-1, 1, 1, 3]), (2, 0), 1),
     r"pool_size must be a positive int"),
])
def test_bad_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call(tf.placeholder(tf.float32, [None, 3]))


# -- values -----------------------------------------------------------------------------------

def test_dense_values_and_rank3_inputs():
    kernel = rng.standard_normal((3, 4)).astype(np.float32)
    x = rng.standard_normal((2, 5, 3)).astype(np.float32)
    y = tf.layers.dense(x, 4, activation=tf.nn.relu,
                        kernel_initializer=tf.constant_initializer(kernel),
                        bias_initializer=tf.constant_initializer(0.5))
    assert y.shape.as_list() == [2, 5, 4]
    np.testing.assert_allclose(run(y), np.maximum(x @ kernel + 0.5, 0), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("padding,strides,dilation", [("valid", 1, 1), ("same", 2, 1),
                                                      ("same", 1, 2)])
def test_conv2d_values_in_both_layouts(padding, strides, dilation):
    x = rng.standard_normal((2, 7, 6, 3)).astype(np.float32)
    kernel = rng.standard_normal((3, 3, 3, 4)).astype(np.float32)
    init = tf.constant_initializer(kernel)
    last = tf.layers.conv2d(x, 4, 3, strides, padding, dilation_rate=dilation,
                            kernel_initializer=init, bias_initializer=tf.constant_initializer(1.0))
    first = tf.layers.conv2d(np.transpose(x, (0, 3, 1, 2)), 4, 3, strides, padding,
                             data_format="channels_first", dilation_rate=dilation,
                             kernel_initializer=init, bias_initializer=tf.constant_initializer(1.0))
    a, b = run([last, first])
    expected = ref_conv2d(x, kernel, (strides,) * 2, padding.upper(), (dilation,) * 2) + 1.0
    np.testing.assert_allclose(a, expected, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(b, np.transpose(expected, (0, 3, 1, 2)), rtol=1e-4, atol=1e-5)


def test_pooling_layers():
    x = rng.standard_normal((2, 5, 7, 3)).astype(np.float32)
    mx = tf.layers.max_pooling2d(x, 2, 2)
    avg = tf.layers.average_pooling2d(x, 3, (2, 1), padding="same")
    mx1 = tf.layers.max_pooling1d(x[:, 0], 3, 2)
    a, b, c = run([mx, avg, mx1])
    np.testing.assert_array_equal(a, ref_max_pool(x, (2, 2), (2, 2), "VALID"))
    np.testing.assert_allclose(b, ref_avg_pool(x, (3, 3), (2, 1), "SAME"), rtol=1e-6)
    np.testing.assert_array_equal(c, ref_max_pool(x[:, :1], (1, 3), (1, 2), "VALID")[:, 0])


def test_flatten_and_transposed_and_1d_convolutions():
    x = tf.placeholder(tf.float32, [None, 4, 5, 3])
    assert tf.layers.flatten(x).shape.as_list() == [None, 60]
    value = rng.standard_normal((2, 4, 5, 3)).astype(np.float32)
    first = tf.layers.flatten(np.transpose(value, (0, 3, 1, 2)), data_format="channels_first")
    np.testing.assert_array_equal(run(first), value.reshape(2, -1))
    up = tf.layers.conv2d_transpose(x, 8, 3, strides=2, padding="valid")
    assert up.shape.as_list() == [None, 9, 11, 8]
    assert run(up, {x: value}).shape == (2, 9, 11, 8)
    seq = tf.layers.conv1d(tf.placeholder(tf.float32, [None, 10, 2]), 6, 3, padding="same")
    assert seq.shape.as_list() == [None, 10, 6]


# -- dropout ----------------------------------------------------------------------------------

def test_dropout_is_the_identity_unless_training():
    x = rng.uniform(1, 2, (200, 50)).astype(np.float32)
    np.testing.assert_array_equal(run(tf.layers.dropout(x, 0.3)), x)
    dropped = run(tf.layers.dropout(x, 0.3, training=True, seed=1))
    kept = dropped != 0
    assert abs(kept.mean() - 0.7) < 0.02
    np.testing.assert_allclose(dropped[kept], x[kept] / 0.7, rtol=1e-6)


def test_dropout_training_flag_as_a_placeholder():
    x = rng.uniform(1, 2, (100, 40)).astype(np.float32)
    training = tf.placeholder_with_default(False, [])
    y = tf.layers.dropout(x, rate=0.5, training=training, seed=3)
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(y), x)
        train = sess.run(y, {training: True})
    assert abs((train == 0).mean() - 0.5) < 0.03
    np.testing.assert_allclose(train[train != 0], x[train != 0] * 2, rtol=1e-6)


def test_dropout_rejects_a_float_training_flag():
    with pytest.raises(TypeError, match=r"training must be a Python bool or a bool tensor"):
        tf.layers.dropout(tf.ones([2, 2]), training=tf.constant(1.0))


# -- learning ---------------------------------------------------------------------------------

def test_a_small_cnn_of_layers_learns_a_fixed_batch():
    tf.set_random_seed(0)
    images = rng.standard_normal((16, 8, 8, 1)).astype(np.float32)
    labels = rng.integers(0, 3, 16)
    x = tf.placeholder(tf.float32, [None, 8, 8, 1])
    y = tf.placeholder(tf.int64, [None])
    h = tf.layers.conv2d(x, 4, 3, activation=tf.nn.relu)
    h = tf.layers.max_pooling2d(h, 2, 2)
    logits = tf.layers.dense(tf.layers.flatten(h), 3)
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y,
                                                                         logits=logits))
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    feed = {x: images, y: labels}
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        before = sess.run(loss, feed)
        for _ in range(30):
            sess.run(train, feed)
        after = sess.run(loss, feed)
    assert after < 0.7 * before
