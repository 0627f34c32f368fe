"""Behaviours where tenseur differed from TensorFlow (found by benchmarks/tf_op_parity.py,
which compares both on ~500 cases), each checked against TensorFlow 2.21's own result."""
import numpy as np
import pytest

import tenseur as tf
from tenseur.framework.errors import InvalidArgumentError


def run(fetches, feed=None):
    with tf.Session() as sess:
        return sess.run(fetches, feed)


def test_truediv_of_integers_gives_float64_from_32_bits_up_and_float32_below():
    out32 = run(tf.truediv(tf.constant([1, 2]), tf.constant([3, 3])))
    assert out32.dtype == np.float64
    np.testing.assert_array_equal(out32, [1 / 3, 2 / 3])
    assert run(tf.constant([1, 2]) / tf.constant([3, 3])).dtype == np.float64
    assert run(tf.truediv(tf.constant([1], tf.int16), tf.constant([3], tf.int16))).dtype \
        == np.float32
    assert run(tf.truediv(tf.constant([1], tf.int64), tf.constant([3], tf.int64))).dtype \
        == np.float64


def test_div_is_python2_division():
    out = run(tf.div(tf.constant([-7, 7]), tf.constant([2, 2])))
    assert out.dtype == np.int32
    np.testing.assert_array_equal(out, [-4, 3])                      # floor, like TF 1.x
    np.testing.assert_allclose(run(tf.div(tf.constant([-7.0, 7.0]), 2.0)), [-3.5, 3.5])


def test_reduce_prod_gradient_with_zeros():
    x = tf.placeholder(tf.float64, [3])
    grad = tf.gradients(tf.reduce_prod(x), x)[0]
    np.testing.assert_array_equal(run(grad, {x: [0.0, 2.0, 3.0]}), [6.0, 0.0, 0.0])
    np.testing.assert_array_equal(run(grad, {x: [0.0, 0.0, 3.0]}), [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(run(grad, {x: [1.0, 2.0, 3.0]}), [6.0, 3.0, 2.0])
    # The gradient's gradient where a group has one zero: d/dx of sum(w * grad).
    w = np.array([1.0, 2.0, 3.0])
    second = tf.gradients(tf.reduce_sum(grad * w), x)[0]
    # sum(w * grad) = x1 x2 + 2 x0 x2 + 3 x0 x1
    np.testing.assert_allclose(run(second, {x: [0.0, 2.0, 3.0]}), [12.0, 3.0, 2.0])
    np.testing.assert_allclose(run(second, {x: [2.0, 0.0, 3.0]}), [6.0, 9.0, 4.0])


def test_reduce_logsumexp_of_infinite_groups():
    x = tf.constant([[-np.inf, -np.inf], [np.inf, 0.0], [np.inf, np.inf]])
    with np.errstate(divide="ignore"):
        out = run(tf.reduce_logsumexp(x, axis=1))
    np.testing.assert_array_equal(out, [-np.inf, np.inf, np.inf])


def test_empty_integer_lists_are_empty_axes():
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(run(tf.reverse(x, [])), [[1.0, 2.0], [3.0, 4.0]])
    assert run(tf.transpose(tf.constant(3.0), [])) == 3.0
    assert run(tf.squeeze(tf.constant([[[1.0], [2.0]]]), [])).shape == (2,)
    np.testing.assert_array_equal(run(tf.reduce_sum(x, [])), [[1.0, 2.0], [3.0, 4.0]])


def test_tensordot_with_unknown_contracted_sizes():
    a = tf.placeholder(tf.float64, [None, None])
    b = tf.placeholder(tf.float64, [None, None])
    a3 = tf.placeholder(tf.float64, [2, None, None])
    b3 = tf.placeholder(tf.float64, [None, None, 4])
    rng = np.random.default_rng(0)
    A, B = rng.normal(size=(2, 3)), rng.normal(size=(3, 4))
    A3, B3 = rng.normal(size=(2, 3, 5)), rng.normal(size=(3, 5, 4))
    out, out3, grad = run([tf.tensordot(a, b, 1), tf.tensordot(a3, b3, 2),
                           tf.gradients(tf.reduce_sum(tf.tensordot(a, b, 1)), a)[0]],
                          {a: A, b: B, a3: A3, b3: B3})
    np.testing.assert_allclose(out, A @ B)
    np.testing.assert_allclose(out3, np.tensordot(A3, B3, 2))
    np.testing.assert_allclose(grad, np.ones((2, 4)) @ B.T)


@pytest.mark.parametrize("build, value, match", [
    (lambda x: tf.split(x, [2, 2]), np.arange(6.0), "add up to 4"),
    (lambda x: tf.slice(x, [1], [3]), np.arange(3.0), "out of range"),
    (lambda x: tf.pad(x, [[3, 0]], "REFLECT"), np.arange(3.0), "too large"),
    (lambda x: tf.pad(x, [[4, 0]], "SYMMETRIC"), np.arange(3.0), "too large"),
    (lambda x: tf.nn.top_k(x, 5)[0], np.arange(3.0), "at least k=5"),
])
def test_sizes_known_only_when_running_are_checked(build, value, match):
    """With fixed shapes these fail when the graph is built; with unknown ones, when it runs
    (TensorFlow's InvalidArgumentError), instead of returning a wrong result."""
    x = tf.placeholder(tf.float64, [None])
    out = build(x)
    with pytest.raises(InvalidArgumentError, match=match):
        run(out, {x: value})


def test_top_k_gradient_with_an_unknown_last_dimension():
    x = tf.placeholder(tf.float64, [None, None])
    values, _ = tf.nn.top_k(x, 2)
    grad = tf.gradients(tf.reduce_sum(values * [[1.0, 10.0]]), x)[0]
    np.testing.assert_array_equal(run(grad, {x: [[3.0, 1.0, 2.0]]}), [[1.0, 0.0, 10.0]])
