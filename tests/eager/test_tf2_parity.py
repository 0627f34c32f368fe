"""Eager behaviours where tenseur differed from TensorFlow 2.21 (found by
benchmarks/tf_eager_parity.py, ~220 cases), checked against TensorFlow's results."""
import numpy as np
import pytest

import tenseur as tf
from tenseur.framework.errors import InvalidArgumentError


@pytest.fixture
def eager():
    with tf.eager_mode():
        yield


def test_python_ints_beyond_int32_become_int64(eager):
    assert tf.constant(2 ** 40).dtype == tf.int64
    big = tf.constant([1, -2 ** 40])
    assert big.dtype == tf.int64
    np.testing.assert_array_equal(big.numpy(), [1, -2 ** 40])
    assert tf.constant([1, 2 ** 31 - 1]).dtype == tf.int32
    assert tf.convert_to_tensor(3, dtype_hint=tf.float32).dtype == tf.float32


def test_integer_division_by_zero_fails(eager):
    with pytest.raises(InvalidArgumentError, match="Integer division by zero"):
        tf.constant([4, 5]) // tf.constant([0, 1])
    with pytest.raises(InvalidArgumentError, match="Integer division by zero"):
        tf.constant([4, 5]) % tf.constant([0, 1])
    np.testing.assert_array_equal((tf.constant([-7, 7]) // 2).numpy(), [-4, 3])


def test_integer_division_by_zero_fails_in_graphs_too():
    with tf.Session() as sess:
        with pytest.raises(InvalidArgumentError, match="Integer division by zero"):
            sess.run(tf.floordiv(tf.placeholder_with_default([4, 5], [2]), tf.constant([0, 1])))


def test_a_function_returns_python_numbers_as_tensors(eager):
    @tf.function
    def f(x):
        return 5, {"half": 0.5, "x": x * 2, "none": None}

    five, rest = f(tf.constant(1.0))
    assert five.dtype == tf.int32 and five.numpy() == 5
    assert rest["half"].dtype == tf.float32 and rest["half"].numpy() == 0.5
    assert rest["none"] is None and rest["x"].numpy() == 2.0


def test_watched_variables_come_in_creation_order(eager):
    b = tf.Variable(1.0, name="b")
    a = tf.Variable(2.0, name="a")
    with tf.GradientTape() as tape:
        y = a * b
    assert [v.name for v in tape.watched_variables()] == ["b:0", "a:0"]
    assert [g.numpy() for g in tape.gradient(y, tape.watched_variables())] == [2.0, 1.0]


def test_a_boolean_tensor_index_is_a_mask(eager):
    x = tf.constant([[1.0, -2.0], [3.0, -4.0]])
    np.testing.assert_array_equal(x[x > 0].numpy(), [1.0, 3.0])
    np.testing.assert_array_equal(x[tf.constant([False, True])].numpy(), [[3.0, -4.0]])


def test_a_boolean_tensor_index_in_graphs_too():
    x = tf.placeholder(tf.float32, [None, 2])
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(x[x > 0], {x: [[1.0, -2.0], [3.0, -4.0]]}),
                                      [1.0, 3.0])


def test_assigning_to_a_slice_of_a_variable(eager):
    v = tf.Variable(np.arange(6.0).reshape(2, 3))
    v[1, 1:].assign([10.0, 20.0])
    v[0].assign(np.nan)                        # broadcast; a NaN value is written, not spread
    np.testing.assert_array_equal(v.numpy()[1], [3.0, 10.0, 20.0])
    assert np.isnan(v.numpy()[0]).all()


def test_assigning_to_a_slice_of_a_graph_variable_with_a_computed_index():
    v = tf.Variable([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    n = tf.placeholder(tf.int32, [])
    update = v[:, n].assign([-1.0, -2.0])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        np.testing.assert_array_equal(sess.run(update, {n: 2}), [[1, 2, -1], [4, 5, -2]])
    with pytest.raises(ValueError, match="full static shape"):
        tf.Variable(tf.placeholder_with_default([1.0], [None]), validate_shape=False)[0].assign(2.0)
