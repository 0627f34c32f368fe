"""tf.layers.batch_normalization: variables, training against inference, the moving averages
updated through UPDATE_OPS, a run-time training flag, and learning through it."""
import numpy as np
import pytest

import tenseur as tf

rng = np.random.default_rng(5)
EPS = 1e-3


def test_variables_and_collections():
    x = tf.placeholder(tf.float32, [None, 4, 4, 3])
    tf.layers.batch_normalization(x, training=True)
    tf.layers.batch_normalization(x, center=False, name="bn")
    names = [v.name for v in tf.global_variables()]
    assert names == ["batch_normalization/gamma:0", "batch_normalization/beta:0",
                     "batch_normalization/moving_mean:0", "batch_normalization/moving_variance:0",
                     "bn/gamma:0", "bn/moving_mean:0", "bn/moving_variance:0"]
    assert [v.name for v in tf.trainable_variables()] == [
        "batch_normalization/gamma:0", "batch_normalization/beta:0", "bn/gamma:0"]
    # Only the training call adds update ops (one per moving statistic).
    assert [t.name for t in tf.get_collection(tf.GraphKeys.UPDATE_OPS)] == [
        "batch_normalization/AssignMovingAvg:0", "batch_normalization/AssignMovingAvg_1:0"]


@pytest.mark.parametrize("shape,axis", [((8, 3, 3, 4), -1), ((8, 4, 3, 3), 1), ((16, 5), -1),
                                        ((6, 2, 5), 1)])
def test_training_normalises_with_batch_statistics_and_updates_moving_averages(shape, axis):
    x = rng.standard_normal(shape).astype(np.float32) * 2 + 3
    y = tf.layers.batch_normalization(x, axis=axis, momentum=0.9, training=True)
    moving_mean, moving_variance = tf.global_variables()[2:]
    updates = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
    features = np.moveaxis(x, axis, -1).reshape(-1, shape[axis])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        out = sess.run(y)
        assert np.allclose(sess.run(moving_mean), 0)   # nothing updates unless asked
        sess.run(updates)
        mean, variance = sess.run([moving_mean, moving_variance])
    normalised = np.moveaxis(out, axis, -1).reshape(-1, shape[axis])
    np.testing.assert_allclose(normalised.mean(axis=0), 0, atol=1e-5)
    expected = (features - features.mean(0)) / np.sqrt(features.var(0) + EPS)
    np.testing.assert_allclose(normalised, expected, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(mean, 0.1 * features.mean(axis=0), rtol=1e-5)
    # The fused path (4-D) averages the Bessel-corrected variance, the composed one does not,
    # as TF's two paths do.
    ddof = 1 if len(shape) == 4 else 0
    np.testing.assert_allclose(variance, 0.9 + 0.1 * features.var(axis=0, ddof=ddof),
                               rtol=1e-5)


def test_inference_uses_the_moving_statistics():
    x = rng.standard_normal((4, 3, 3, 2)).astype(np.float32)
    y = tf.layers.batch_normalization(x, moving_mean_initializer=tf.constant_initializer(0.5),
                                      moving_variance_initializer=tf.constant_initializer(4.0),
                                      gamma_initializer=tf.constant_initializer(2.0))
    assert tf.get_collection(tf.GraphKeys.UPDATE_OPS) == []
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        np.testing.assert_allclose(sess.run(y), 2 * (x - 0.5) / np.sqrt(4 + EPS), rtol=1e-5)


@pytest.mark.parametrize("fused", [True, False])
def test_training_flag_as_a_tensor(fused):
    x = rng.standard_normal((6, 2, 2, 3)).astype(np.float32) + 1
    training = tf.placeholder(tf.bool, [])
    y = tf.layers.batch_normalization(x, training=training, momentum=0.5, fused=fused)
    moving_mean = tf.global_variables()[2]
    updates = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        inference, _ = sess.run([y, updates], {training: False})
        np.testing.assert_allclose(inference, x / np.sqrt(1 + EPS), rtol=1e-5)
        np.testing.assert_allclose(sess.run(moving_mean), 0)        # decay 1: unchanged
        train, _ = sess.run([y, updates], {training: True})
        np.testing.assert_allclose(train.reshape(-1, 3).mean(0), 0, atol=1e-5)
        np.testing.assert_allclose(sess.run(moving_mean), 0.5 * x.reshape(-1, 3).mean(0),
                                   rtol=1e-5)


def test_train_op_with_update_ops_learns_and_tracks_statistics():
    tf.set_random_seed(1)
    images = (rng.standard_normal((32, 4, 4, 2)) * 3 + 2).astype(np.float32)
    targets = rng.standard_normal((32, 1)).astype(np.float32)
    x = tf.placeholder(tf.float32, [None, 4, 4, 2])
    h = tf.layers.conv2d(x, 4, 3, use_bias=False)
    h = tf.nn.relu(tf.layers.batch_normalization(h, training=True, momentum=0.5))
    loss = tf.reduce_mean(tf.square(tf.layers.dense(tf.layers.flatten(h), 1) - targets))
    with tf.control_dependencies(tf.get_collection(tf.GraphKeys.UPDATE_OPS)):
        train = tf.train.GradientDescentOptimizer(0.05).minimize(loss)
    moving_mean = [v for v in tf.global_variables() if "moving_mean" in v.name][0]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        before = sess.run(loss, {x: images})
        for _ in range(20):
            sess.run(train, {x: images})
        assert sess.run(loss, {x: images}) < 0.8 * before
        assert np.abs(sess.run(moving_mean)).sum() > 0   # updated by the train op


def test_unsupported_options_and_bad_axes():
    x = tf.placeholder(tf.float32, [None, 3])
    with pytest.raises(NotImplementedError, match="renorm"):
        tf.layers.batch_normalization(x, renorm=True)
    with pytest.raises(ValueError, match=r"axis=2 is not an axis of a rank-2"):
        tf.layers.batch_normalization(x, axis=2)
    with pytest.raises(ValueError, match=r"fused=True needs 4-D inputs"):
        tf.layers.batch_normalization(x, fused=True)
