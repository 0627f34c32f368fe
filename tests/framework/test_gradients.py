"""tf.gradients: paths summed, unconnected None, stop_gradient, grad_ys, second order."""
import numpy as np
import pytest

import tenseur as tf
from tenseur.ops.registry import OpDef, apply_op, register_op
from tenseur.testing import check_gradients, check_second_order


def test_contributions_of_every_path_are_summed():
    x = tf.placeholder(tf.float32, [])
    y = x * x + 3.0 * x + tf.sin(x)
    g, = tf.gradients(y, x)
    with tf.Session() as sess:
        assert sess.run(g, {x: 0.5}) == pytest.approx(2 * 0.5 + 3 + np.cos(0.5), rel=1e-6)


def test_unconnected_gives_none_or_zeros():
    x = tf.placeholder(tf.float32, [2])
    z = tf.placeholder(tf.float32, [2])
    y = tf.reduce_sum(x * 2.0)
    assert tf.gradients(y, [x, z])[1] is None
    gz = tf.gradients(y, z, unconnected_gradients="zero")[0]
    with tf.Session() as sess:
        assert sess.run(gz, {z: [1.0, 1.0]}).tolist() == [0.0, 0.0]


def test_stop_gradient_and_stop_gradients_argument():
    x = tf.placeholder(tf.float32, [])
    a = x * 2.0
    y = tf.stop_gradient(a) * x + a
    g, = tf.gradients(y, x)
    g2, = tf.gradients(y, x, stop_gradients=[a])
    with tf.Session() as sess:
        assert sess.run(g, {x: 3.0}) == pytest.approx(6.0 + 2.0)
        assert sess.run(g2, {x: 3.0}) == pytest.approx(6.0)


def test_grad_ys_and_integer_paths():
    x = tf.placeholder(tf.float32, [3])
    y = x * 2.0
    g, = tf.gradients(y, x, grad_ys=tf.constant([1.0, 2.0, 3.0]))
    idx = tf.cast(x, tf.int32)
    assert tf.gradients(tf.cast(idx, tf.float32), x) == [None]
    with tf.Session() as sess:
        assert sess.run(g, {x: [0, 0, 0]}).tolist() == [2.0, 4.0, 6.0]


def test_gradient_names_live_under_gradients_scope():
    x = tf.placeholder(tf.float32, [2], name="x")
    g, = tf.gradients(tf.reduce_sum(tf.exp(x)), x)
    assert g.op.name.startswith("gradients/")


def test_broadcast_gradients_are_summed_back():
    x = tf.placeholder(tf.float32, [None, 3])
    b = tf.Variable(tf.zeros([3]))
    y = tf.reduce_sum(x + b)
    g, = tf.gradients(y, b)
    with tf.Session() as sess:
        sess.run(b.initializer)
        assert sess.run(g, {x: np.ones((5, 3))}).tolist() == [5.0, 5.0, 5.0]


def test_second_order_elementwise_and_matmul():
    rng = np.random.default_rng(0)
    check_second_order(lambda x: tf.sin(x) * tf.exp(x), [rng.uniform(-1, 1, (3, 2))])
    check_second_order(lambda a, b: tf.tanh(tf.matmul(a, b)),
                       [rng.uniform(-1, 1, (2, 3)), rng.uniform(-1, 1, (3, 2))])
    x = tf.placeholder(tf.float64, [])
    d2, = tf.gradients(tf.gradients(x ** 3.0, x)[0], x)
    with tf.Session() as sess:
        assert sess.run(d2, {x: 2.0}) == pytest.approx(12.0)


def test_missing_gradient_raises_lookup_error_naming_op():
    @register_op("TestOnlyNoGrad")
    class NoGrad(OpDef):
        inputs = ("x",)

        def infer(self, x):
            return x

        def kernel(self, xp, x):
            return x

    from tenseur.ops import registry
    try:
        x = tf.placeholder(tf.float32, [2])
        y = apply_op("TestOnlyNoGrad", x, name="mystery")
        with pytest.raises(LookupError, match="no gradient registered for op type "
                                              "'TestOnlyNoGrad' \\(node 'mystery'\\)"):
            tf.gradients(y, x)
    finally:
        registry._REGISTRY.pop("TestOnlyNoGrad")


def test_mlp_gradient_matches_finite_differences():
    rng = np.random.default_rng(1)

    def mlp(x, w1, w2):
        h = tf.sigmoid(tf.matmul(x, w1))
        return tf.reduce_mean(tf.square(tf.matmul(h, w2)))

    check_gradients(mlp, [rng.normal(size=(4, 5)), rng.normal(size=(5, 3)), rng.normal(size=(3, 2))])
