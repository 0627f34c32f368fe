"""Eager mode: the context, EagerTensor, mixing with NumPy, errors across modes, random ops."""
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import tenseur as tf
import tenseur.eager as eager
from tenseur.eager import EagerTensor


def test_context_managers_switch_modes():
    assert not eager.executing_eagerly()
    with eager.eager_mode():
        assert eager.executing_eagerly()
        with eager.graph_mode() as graph:
            assert not eager.executing_eagerly()
            c = tf.constant(1.0, name="c")
            assert c.graph is graph and not isinstance(c, EagerTensor)
        with tf.Graph().as_default():
            assert not eager.executing_eagerly()
        assert eager.executing_eagerly()
    assert not eager.executing_eagerly()


def test_graph_mode_inside_eager_builds_in_the_global_default_graph():
    graph = tf.get_default_graph()
    with eager.eager_mode(), eager.graph_mode():
        x = tf.placeholder(tf.float32, [2], name="x")
    assert x.graph is graph and graph.get_operation_by_name("x") is x.op


def test_ops_return_eager_tensors_with_values(eager_ctx):
    a = tf.constant([1.0, 2.0])
    b = a * 3 + 1
    assert isinstance(b, EagerTensor)
    assert b.dtype == tf.float32 and b.shape == tf.TensorShape([2])
    assert b.numpy().tolist() == [4.0, 7.0]
    assert np.asarray(b).dtype == np.float32
    assert repr(b) == ("<tf.Tensor: shape=(2,), dtype=float32, "
                       "numpy=array([4., 7.], dtype=float32)>")
    assert str(b) == "tf.Tensor([4. 7.], shape=(2,), dtype=float32)"
    assert repr(tf.constant(2.5)) == "<tf.Tensor: shape=(), dtype=float32, numpy=2.5>"


def test_python_conversions_and_sequences(eager_ctx):
    s = tf.constant(3.5)
    assert float(s) == 3.5 and int(s) == 3 and bool(s) is True
    assert f"{s:.1f}" == "3.5"
    m = tf.constant([[1, 2], [3, 4]])
    assert len(m) == 2
    rows = list(m)
    assert [r.numpy().tolist() for r in rows] == [[1, 2], [3, 4]]
    assert int(m[1, 0]) == 3 and m[:, 1].numpy().tolist() == [2, 4]
    assert m[tf.constant(1)].numpy().tolist() == [3, 4]
    assert [1, 2, 3][tf.constant(2)] == 3
    with pytest.raises(TypeError, match="one element"):
        float(m)
    with pytest.raises(ValueError, match="ambiguous"):
        bool(m)
    with pytest.raises(TypeError, match="len"):
        len(s)


def test_numpy_arrays_and_python_numbers_mix_in(eager_ctx):
    a = tf.constant([1.0, 2.0])
    left = np.array([10.0, 20.0], np.float32) + a
    assert isinstance(left, EagerTensor) and left.numpy().tolist() == [11.0, 22.0]
    assert (2 ** a).numpy().tolist() == [2.0, 4.0]
    assert tf.matmul(np.ones((1, 2), np.float32), tf.reshape(a, [2, 1])).numpy().tolist() == [[3.0]]
    assert (a < 1.5).numpy().tolist() == [True, False]


def test_shape_errors_are_those_of_graph_mode(eager_ctx):
    with pytest.raises(tf.ShapeError, match=r"MatMul 'MatMul': inner dimensions must agree"):
        tf.matmul(tf.ones([2, 3]), tf.ones([2, 3]))
    with eager.graph_mode(), pytest.raises(
            tf.ShapeError, match=r"MatMul 'MatMul(_\d+)?': inner dimensions"):
        tf.matmul(tf.ones([2, 3]), tf.ones([2, 3]))


def test_graph_tensor_in_eager_code_says_what_happened():
    x = tf.placeholder(tf.float32, [2], name="x")
    with eager.eager_mode():
        with pytest.raises(tf.GraphMismatchError,
                           match=r"Add: y is the graph tensor 'x:0', but ops run eagerly"):
            tf.constant([1.0, 2.0]) + x
        with pytest.raises(RuntimeError, match="placeholder.*not compatible with eager"):
            tf.placeholder(tf.float32, [2])
        with pytest.raises(RuntimeError, match="GradientTape"):
            tf.gradients(tf.constant(1.0), tf.constant(2.0))


def test_eager_tensor_in_graph_code_says_what_happened():
    with eager.eager_mode():
        e = tf.constant([1.0, 2.0])
        v = tf.Variable([1.0, 2.0])
    with pytest.raises(tf.GraphMismatchError, match=r"An eager tensor \(float32 \(2,\)\) was used "
                                                    r"to build the graph"):
        tf.placeholder(tf.float32, [2]) * e
    with pytest.raises(tf.GraphMismatchError, match="eager Variable Variable:0 was used to build"):
        tf.placeholder(tf.float32, [2]) * v


def test_kernel_errors_name_the_op(eager_ctx):
    with pytest.raises(tf.InvalidArgumentError, match="GatherV2"):
        tf.gather(tf.constant([1.0, 2.0]), tf.constant([5]))


def test_random_ops_replay_with_the_seed(eager_ctx):
    tf.set_random_seed(7)
    first = [tf.random_normal([3]).numpy(), tf.random_uniform([2]).numpy()]
    tf.set_random_seed(7)
    second = [tf.random_normal([3]).numpy(), tf.random_uniform([2]).numpy()]
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    # Op seeds come from a counter: two calls differ, an explicit op seed's stream goes on.
    assert not np.array_equal(tf.random_normal([3]).numpy(), tf.random_normal([3]).numpy())
    assert not np.array_equal(tf.random_normal([3], seed=1).numpy(),
                              tf.random_normal([3], seed=1).numpy())


def test_enable_eager_execution_is_process_wide_and_graph_mode_still_works():
    # Process-wide, so it runs in a fresh interpreter.
    script = textwrap.dedent("""
        import tenseur as tf
        import tenseur.eager as eager
        eager.enable_eager_execution()
        assert eager.executing_eagerly()
        v = tf.Variable(2.0)
        with eager.GradientTape() as tape:
            y = v * v
        assert float(tape.gradient(y, v)) == 4.0
        with eager.graph_mode():
            x = tf.placeholder(tf.float32, [])
            with tf.Session() as sess:
                assert sess.run(x * 3.0, {x: 2.0}) == 6.0
        assert eager.executing_eagerly()
        tf.reset_default_graph()
        assert eager.executing_eagerly() and float(tf.constant(1.0) + 1) == 2.0
        print("ok")
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_enable_eager_execution_refuses_after_graph_ops():
    script = textwrap.dedent("""
        import tenseur as tf
        import tenseur.eager as eager
        tf.constant(1.0)
        try:
            eager.enable_eager_execution()
        except ValueError as exc:
            print(exc)
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=120, check=False)
    assert "must be called at program startup" in result.stdout, result.stderr
