"""Session.run: feeds, pruning, plan caching, errors, default sessions."""
import numpy as np
import pytest

import tenseur as tf


def test_only_needed_ops_run_and_fed_tensors_cut_producers():
    x = tf.placeholder(tf.float32, [None], name="x")
    y = x * 2.0
    unrelated = tf.placeholder(tf.float32, name="unrelated") + 1.0  # never fed
    z = y + 1.0
    with tf.Session() as sess:
        assert sess.run(z, {x: [1.0, 2.0]}).tolist() == [3.0, 5.0]
        # Feeding an intermediate tensor replaces it: x need not be fed.
        assert sess.run(z, {y: [10.0]}).tolist() == [11.0]
        assert sess.run(y, {y: [7.0]}).tolist() == [7.0]
    del unrelated


def test_feeds_by_name_and_plans_are_cached():
    x = tf.placeholder(tf.float32, [2], name="x")
    y = x + 1.0
    with tf.Session() as sess:
        assert sess.run("add:0", {"x:0": [1, 2]}).tolist() == [2.0, 3.0]
        sess.run(y, {x: [0, 0]})
        sess.run(y, {x: [1, 1]})
        assert len(sess._plans) == 1


def test_unfed_placeholder_names_it():
    x = tf.placeholder(tf.float32, [None, 784], name="x")
    y = x * 2.0
    with tf.Session() as sess:
        with pytest.raises(tf.InvalidArgumentError,
                           match=r"You must feed a value for placeholder tensor 'x' with dtype "
                                 r"float32 and shape \[\?,784\]"):
            sess.run(y)


def test_wrong_feed_shape_and_dtype_name_the_placeholder():
    x = tf.placeholder(tf.float32, [None, 2], name="x")
    i = tf.placeholder(tf.int32, [2], name="i")
    with tf.Session() as sess:
        with pytest.raises(tf.InvalidArgumentError,
                           match=r"Cannot feed value of shape \(3,\) for Tensor 'x:0', which has "
                                 r"shape '\(\?, 2\)'"):
            sess.run(x, {x: [1.0, 2.0, 3.0]})
        with pytest.raises(tf.InvalidArgumentError, match=r"dtype float64.*'i:0'.*int32"):
            sess.run(i, {i: np.array([1.5, 2.5])})
        # float64 data into float32 placeholders is converted (MNIST one-hot labels are float64).
        assert sess.run(x, {x: np.ones((1, 2))}).dtype == np.float32


def test_uninitialized_variable_names_it_and_says_to_initialize():
    w = tf.Variable(tf.zeros([2]), name="W")
    with tf.Session() as sess:
        with pytest.raises(tf.FailedPreconditionError,
                           match=r"Attempting to use uninitialized value W(.|\n)*initializer"):
            sess.run(w)


def test_sessions_do_not_share_variable_values():
    v = tf.Variable(1.0, name="v")
    inc = v.assign_add(1.0)
    s1, s2 = tf.Session(), tf.Session()
    s1.run(tf.global_variables_initializer())
    s2.run(v.initializer)
    s1.run(inc)
    s1.run(inc)
    assert s1.run(v) == 3.0 and s2.run(v) == 1.0


def test_fetched_variable_value_is_a_copy():
    v = tf.Variable([1.0, 2.0], name="v")
    with tf.Session() as sess:
        sess.run(v.initializer)
        value = sess.run(v)
        value[0] = 100.0
        assert sess.run(v).tolist() == [1.0, 2.0]


def test_interactive_session_eval_and_run():
    sess = tf.InteractiveSession()
    try:
        v = tf.Variable(3.0)
        v.initializer.run()
        assert (v * 2.0).eval() == 6.0
        assert v.eval() == 3.0
    finally:
        sess.close()
    with pytest.raises(ValueError, match="No default session"):
        tf.constant(1.0).eval()


def test_closed_session_and_none_fetch():
    sess = tf.Session()
    with pytest.raises(TypeError, match="None"):
        sess.run(None)
    sess.close()
    with pytest.raises(RuntimeError, match="closed Session"):
        sess.run(tf.constant(1.0))


def test_kernel_failure_names_the_node():
    x = tf.placeholder(tf.float32, [None], name="x")
    y = tf.placeholder(tf.float32, [None], name="y")
    z = tf.add(x, y, name="sum_xy")
    with tf.Session() as sess:
        with pytest.raises(tf.InvalidArgumentError, match="Add 'sum_xy'"):
            sess.run(z, {x: [1.0, 2.0], y: [1.0, 2.0, 3.0]})
