"""Graph building: names, scopes, collections, lookups, static shapes, graph mixing."""
import math
from collections import namedtuple

import numpy as np
import pytest

import tenseur as tf


def test_seed_program_sqrt_sin_prints_two():
    a = tf.placeholder(tf.float32, shape=(), name="a")
    b = tf.placeholder(tf.float32, shape=(), name="b")
    y = tf.sqrt(a + tf.sin(b))
    with tf.Session() as sess:
        res, = sess.run([y], feed_dict={a: 3, b: math.pi / 2.0})
    assert res == pytest.approx(2.0)
    assert isinstance(res, np.float32)


def test_unique_names_follow_tensorflow():
    c1 = tf.constant(1.0, name="c")
    c2 = tf.constant(1.0, name="c")
    c3 = tf.constant(1.0, name="C")   # case-insensitive, as TF
    d = tf.add(c1, c2)
    e = c1 + c2
    assert [c1.name, c2.name, c3.name] == ["c:0", "c_1:0", "C_2:0"]
    assert d.op.name == "add" and e.op.name == "add_1"


def test_name_scopes_reopen_with_suffix_and_reenter_with_slash():
    with tf.name_scope("layer"):
        x = tf.constant(1.0, name="x")
    with tf.name_scope("layer"):
        y = tf.constant(1.0, name="x")
    with tf.name_scope("layer/"):
        z = tf.constant(1.0, name="z")
    with tf.name_scope("outer"):
        with tf.name_scope(None):
            root = tf.constant(1.0, name="root")
    assert (x.op.name, y.op.name, z.op.name, root.op.name) == (
        "layer/x", "layer_1/x", "layer/z", "root")


def test_graph_lookups_and_graph_def():
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    y = tf.identity(x * 2.0, name="y")
    g = tf.get_default_graph()
    assert g.get_tensor_by_name("x:0") is x
    assert g.get_operation_by_name("y") is y.op
    assert [op.name for op in g.get_operations()] == ["x", "mul/y", "mul", "y"]
    node = y.op.node_def
    assert node.name == "y" and node.op == "Identity" and node.input == ["mul"]
    assert [n.name for n in g.as_graph_def().node][-1] == "y"
    with pytest.raises(KeyError, match="nope"):
        g.get_tensor_by_name("nope:0")
    with pytest.raises(ValueError, match="tensor names look like"):
        g.get_tensor_by_name("x")


def test_static_shapes_are_inferred_with_unknown_dims():
    x = tf.placeholder(tf.float32, [None, 784])
    w = tf.Variable(tf.zeros([784, 10]))
    logits = tf.matmul(x, w) + tf.zeros([10])
    assert logits.shape.as_list() == [None, 10]
    assert tf.reduce_mean(logits, axis=1).shape.as_list() == [None]
    assert tf.reduce_sum(logits).shape.as_list() == []


def test_matmul_shape_error_names_op_and_both_shapes():
    x = tf.placeholder(tf.float32, [None, 784], name="x")
    w = tf.Variable(tf.zeros([10, 1]), name="w")
    with pytest.raises(tf.ShapeError, match=r"MatMul 'MatMul'.*784.*10") as info:
        tf.matmul(x, w)
    assert "(None, 784)" in str(info.value) and "(10, 1)" in str(info.value)
    assert isinstance(info.value, ValueError)


def test_matmul_hint_for_transposed_operand():
    x = tf.placeholder(tf.float32, [None, 784])
    w = tf.placeholder(tf.float32, [10, 784])
    with pytest.raises(tf.ShapeError, match="transpose_b=True"):
        tf.matmul(x, w)


def test_dtype_mismatch_suggests_cast():
    a = tf.constant([1.0, 2.0])
    b = tf.constant([1, 2])
    with pytest.raises(tf.DTypeError, match=r"Add.*float32.*int32(.|\n)*tenseur.cast"):
        tf.add(a, b)


def test_python_numbers_take_the_tensor_dtype():
    x = tf.placeholder(tf.float32, [2])
    assert (x + 1).dtype == tf.float32
    assert (1 - x).dtype == tf.float32
    i = tf.placeholder(tf.int32, [2])
    assert (i * 2).dtype == tf.int32
    with pytest.raises(tf.DTypeError):
        i * 1.5


def test_tensors_from_another_graph_are_refused():
    old = tf.constant(1.0, name="old")
    tf.reset_default_graph()
    new = tf.constant(2.0, name="new")
    with pytest.raises(tf.GraphMismatchError, match="different graphs"):
        tf.add(old, new)
    with tf.Session() as sess:
        with pytest.raises(tf.GraphMismatchError, match="not an element of this session's graph"):
            sess.run(old)


def test_reset_default_graph_inside_as_default_fails():
    g = tf.Graph()
    with g.as_default():
        with pytest.raises(AssertionError, match="nested graphs"):
            tf.reset_default_graph()


def test_collections_and_control_dependencies():
    v = tf.Variable(1.0, name="v")
    frozen = tf.Variable(2.0, trainable=False, name="frozen")
    assert tf.global_variables() == [v, frozen]
    assert tf.trainable_variables() == [v]
    tf.add_to_collection("mine", 3)
    assert tf.get_collection("mine") == [3]
    with tf.control_dependencies([v.initializer]):
        c = tf.constant(0.0)
    assert c.op.control_inputs == [v.initializer]
    assert "^v/Assign" in c.op.node_def.input


def test_bool_and_iteration_of_graph_tensors_are_refused():
    t = tf.constant([1.0, 2.0])
    with pytest.raises(TypeError, match="Python bool"):
        bool(t)
    with pytest.raises(TypeError, match="unstack"):
        iter(t)


def test_session_run_nested_fetches():
    a = tf.constant(1.0)
    b = tf.constant(2.0)
    Pair = namedtuple("Pair", "first second")
    with tf.Session() as sess:
        out = sess.run({"a": a, "pair": Pair(a, b), "list": [b, (a,)], "op": tf.no_op()})
    assert out["a"] == 1.0
    assert out["pair"] == Pair(1.0, 2.0)
    assert out["list"] == [2.0, (1.0,)]
    assert out["op"] is None


def test_constant_copies_the_callers_array():
    value = np.array([1.0, 2.0], dtype=np.float32)
    c = tf.constant(value)
    value[0] = 5.0                      # still writable, and the constant is unaffected
    with tf.Session() as sess:
        assert sess.run(c).tolist() == [1.0, 2.0]
