"""Eager Variables: values without sessions, assignment, operators, names."""
import numpy as np
import pytest

import tenseur as tf
import tenseur.eager as eager


def test_variable_holds_its_value_and_assigns(eager_ctx):
    v = tf.Variable([1.0, 2.0], name="v")
    assert isinstance(v, tf.Variable) and isinstance(v, eager.EagerVariable)
    assert v.name == "v:0" and v.dtype == tf.float32 and v.shape == tf.TensorShape([2])
    assert v.assign([3.0, 4.0]) is v
    v.assign_add([1.0, 1.0])
    v.assign_sub([0.5, 0.5])
    assert v.numpy().tolist() == [3.5, 4.5]
    assert isinstance(v.read_value(), eager.EagerTensor)
    assert (v * 2).numpy().tolist() == [7.0, 9.0]
    assert (np.ones(2, np.float32) + v).numpy().tolist() == [4.5, 5.5]
    assert v[1].numpy() == 4.5
    assert repr(v) == ("<tf.Variable 'v:0' shape=(2,) dtype=float32, "
                       "numpy=array([3.5, 4.5], dtype=float32)>")


def test_values_read_earlier_do_not_change(eager_ctx):
    v = tf.Variable([1.0])
    before = v.read_value()
    snapshot = v.numpy()
    v.assign([5.0])
    assert before.numpy().tolist() == [1.0] and snapshot.tolist() == [1.0]
    snapshot[0] = 9.0                       # numpy() is a copy
    assert v.numpy().tolist() == [5.0]


def test_assign_checks_shape_and_dtype_like_graph_mode(eager_ctx):
    v = tf.Variable([1.0, 2.0], name="w")
    with pytest.raises(tf.ShapeError, match="cannot assign a value of shape"):
        v.assign([1.0, 2.0, 3.0])
    with pytest.raises(tf.DTypeError):
        v.assign(tf.constant([1, 2]))


def test_names_follow_name_scopes_without_being_made_unique(eager_ctx):
    with tf.name_scope("layer"):
        a = tf.Variable(1.0, name="w")
        b = tf.Variable(2.0, name="w")
    assert a.name == b.name == "layer/w:0"
    assert float(a) == 1.0 and float(b) == 2.0


def test_initializers_and_callables(eager_ctx):
    v = tf.Variable(lambda: tf.zeros([2, 3]), name="z")
    assert v.numpy().shape == (2, 3)
    w = tf.Variable(tf.truncated_normal([4, 4], stddev=0.1, seed=3), dtype=tf.float32)
    assert np.abs(w.numpy()).max() <= 0.2
    d = tf.Variable(1, dtype=tf.float64)
    assert d.dtype == tf.float64
    assert tf.global_variables_initializer() is None


def test_variable_storage_is_released(eager_ctx):
    from tenseur.eager.context import STATE
    v = tf.Variable([1.0], name="temporary")
    key = v._var_name
    assert key in STATE.variables
    del v
    import gc
    gc.collect()
    assert key not in STATE.variables
