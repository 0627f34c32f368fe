"""tf.py_func / tf.numpy_function: Python functions of NumPy arrays as ops, in graph mode,
eager mode and tf.function."""
import gc

import numpy as np
import pytest

import tenseur as tf
from tenseur.ops import script_ops


def test_outputs_as_tout_says_a_tensor_a_list_or_the_op():
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [3])
        one = tf.py_func(lambda a: np.sort(a) * 2, [x], tf.float32)
        listed = tf.py_func(lambda a: [a[::-1]], [x], [tf.float32])
        two = tf.py_func(lambda a: (a.sum(), a.size), [x], [tf.float64, tf.int32])
        seen = []
        op = tf.py_func(lambda a: seen.append(a.copy()), [x], [])
        assert isinstance(one, tf.Tensor) and one.dtype == tf.float32
        assert isinstance(listed, list) and len(listed) == 1
        assert [t.dtype for t in two] == [tf.float64, tf.int32]
        assert isinstance(op, tf.Operation)
        with tf.Session() as sess:
            got = sess.run([one, listed, two], {x: [3, 1, 2]})
            np.testing.assert_array_equal(got[0], [2, 4, 6])
            np.testing.assert_array_equal(got[1][0], [2, 1, 3])
            assert got[2][0] == 6.0 and got[2][0].dtype == np.float64
            assert got[2][1] == 3 and got[2][1].dtype == np.int32
            sess.run(op, {x: [1, 1, 1]})
            sess.run(op, {x: [2, 2, 2]})            # stateful: runs on every Session.run
    assert [a.tolist() for a in seen] == [[1, 1, 1], [2, 2, 2]]


def test_results_are_cast_to_tout_and_a_wrong_count_is_reported():
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [2])
        cast = tf.py_func(lambda a: a.astype(np.float64) + 0.5, [x], tf.int32)
        wrong = tf.py_func(lambda a: (a, a), [x], tf.float32, name="twice")
        with tf.Session() as sess:
            got = sess.run(cast, {x: [1, 2]})
            assert got.dtype == np.int32 and got.tolist() == [1, 2]
            with pytest.raises(tf.InvalidArgumentError, match=r"'twice'.*returned 2 value"):
                sess.run(wrong, {x: [1, 2]})


def test_not_differentiable_and_kept_while_its_graph_lives():
    graph = tf.Graph()
    with graph.as_default():
        x = tf.placeholder(tf.float32, [2])
        y = tf.py_func(lambda a: a * a, [x], tf.float32)
        assert tf.gradients(y, x) == [None]
        token = y.op.attrs["token"]
    assert token in script_ops._FUNCTIONS
    del graph, x, y
    gc.collect()
    assert token not in script_ops._FUNCTIONS


def test_eager_mode_runs_at_once_and_keeps_nothing():
    before = len(script_ops._FUNCTIONS)
    with tf.eager_mode():
        y = tf.py_func(lambda a: a + 1, [np.float32(2)], tf.float32)
        assert float(y) == 3.0
        assert tf.numpy_function(lambda a: None, [np.float32(2)], []) is None
        with tf.GradientTape() as tape:
            v = tf.constant(3.0)
            tape.watch(v)
            w = tf.py_func(lambda q: q * q, [v], tf.float32) * v
        assert float(tape.gradient(w, v)) == 9.0       # the py_func is a constant to the tape
    assert len(script_ops._FUNCTIONS) == before


def test_a_tf_function_runs_it_on_every_call():
    seen = []
    with tf.eager_mode():
        @tf.function
        def step(a):
            tf.py_func(lambda v: seen.append(float(v)), [a], [])
            return tf.py_func(lambda v: v * 3, [a], tf.float32)

        assert float(step(np.float32(2))) == 6.0
        assert float(step(np.float32(5))) == 15.0
    assert seen == [2.0, 5.0]


def test_func_must_be_callable():
    with pytest.raises(TypeError, match="func must be callable"):
        tf.py_func(3, [], tf.float32)


def test_a_stateless_function_is_its_own_op_type():
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [2])
        y = tf.py_func(lambda a: a + 1, [x], tf.float32, stateful=False)
        assert y.op.type == "PyFuncStateless"
        with tf.Session() as sess:
            assert sess.run(y, {x: [1, 2]}).tolist() == [2, 3]
