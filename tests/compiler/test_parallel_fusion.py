"""The parallel tail of fused groups: the same bits as the serial path, whatever the chunking."""
import re

import numpy as np
import pytest

import tenseur as tf
from tenseur.backend import threads
from tenseur.compiler import fusion


@pytest.fixture
def two_threads(monkeypatch):
    """Kernels compiled and run inside the test see 2 threads and a tiny size threshold."""
    monkeypatch.setattr(fusion, "PARALLEL_MIN_VALUES", 1)
    threads.set_intra_op_threads(2)
    yield
    threads.set_intra_op_threads(0)


@pytest.fixture
def chunks(monkeypatch):
    """The (lo, hi) row chunks every parallel tail ran with, one list per call."""
    seen = []
    original = threads.parallel_map

    def spy(fn, items, threads=None):
        items = list(items)
        if items and all(isinstance(i, tuple) and len(i) == 2 for i in items):
            seen.append(items)
        return original(fn, items, threads)

    monkeypatch.setattr(threads, "parallel_map", spy)
    return seen


def _fused_functions(sess):
    return [step[0] for plan in sess._plans.values() for step in plan.steps
            if hasattr(step[0], "source")]


def _run(graph, fetch, feed, count):
    threads.set_intra_op_threads(count)
    with graph.as_default():
        sess = tf.Session()
        value = sess.run(fetch, feed)
    return value, sess


def _same_bits(a, b):
    assert a.dtype == b.dtype and a.shape == b.shape
    assert a.tobytes() == b.tobytes()


def _conv_graph(dtype, batch_shape):
    rng = np.random.RandomState(0)
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(dtype, batch_shape)
        w = tf.constant(rng.randn(3, 3, 3, 4).astype(dtype))
        b = tf.constant(rng.randn(4).astype(dtype))
        # conv + b (an Add, not a BiasAdd): Conv2D + BiasAdd + Relu runs as the convolution
        # with an epilogue instead (test_conv_epilogue.py), without a tail of its own.
        y = tf.nn.relu(tf.nn.conv2d(x, w, [1, 1, 1, 1], "SAME") + b)
    return g, x, y


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("rows,count", [(5, 2), (3, 8), (2, 2), (1, 2), (7, 3)])
def test_conv_bias_relu_tail_matches_serial(two_threads, chunks, dtype, rows, count):
    g, x, y = _conv_graph(dtype, [None, 6, 6, 3])
    xv = np.random.RandomState(rows).randn(rows, 6, 6, 3).astype(dtype)
    serial, _ = _run(g, y, {x: xv}, 1)
    assert not chunks
    parallel, sess = _run(g, y, {x: xv}, count)
    _same_bits(serial, parallel)
    (fn,) = _fused_functions(sess)
    assert "def tail(lo, hi" in fn.tail_source
    if rows >= 2:
        (bounds,) = chunks
        assert len(bounds) == min(count, rows)
        assert bounds[0][0] == 0 and bounds[-1][1] == rows
    else:
        assert not chunks               # one row: nothing to split


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_broadcasting_operands_select_and_cast(two_threads, chunks, dtype):
    rng = np.random.RandomState(1)
    g = tf.Graph()
    with g.as_default():
        a = tf.placeholder(dtype, [None, 4])
        w = tf.constant(rng.randn(4, 6).astype(dtype))
        full = tf.placeholder(dtype, [None, 6])        # sliced by rows
        row = tf.placeholder(dtype, [1, 6])            # leading dim 1: passed whole
        vec = tf.placeholder(dtype, [6])               # lower rank: passed whole
        mask = tf.placeholder(tf.bool, [None, 6])
        h = tf.matmul(a, w) + full
        h = h * row - vec
        h = tf.where(mask, h, row * 0.25)
        y = tf.cast(tf.sigmoid(h), tf.float64 if dtype == np.float32 else tf.float32)
    n = 9
    feed = {a: rng.randn(n, 4).astype(dtype), full: rng.randn(n, 6).astype(dtype),
            row: rng.randn(1, 6).astype(dtype), vec: rng.randn(6).astype(dtype),
            mask: rng.rand(n, 6) > 0.5}
    serial, _ = _run(g, y, feed, 1)
    parallel, sess = _run(g, y, feed, 2)
    _same_bits(serial, parallel)
    assert chunks == [[(0, 4), (4, 9)]]
    (fn,) = _fused_functions(sess)
    assert "np.where" in fn.tail_source and ".astype(" in fn.tail_source


def test_relu_gradient_after_backward_heads(two_threads, chunks):
    rng = np.random.RandomState(2)
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None, 8, 8, 2])
        w1 = tf.constant(rng.randn(3, 3, 2, 4).astype(np.float32))
        w2 = tf.constant(rng.randn(3, 3, 4, 3).astype(np.float32))
        h = tf.nn.relu(tf.nn.conv2d(x, w1, [1, 1, 1, 1], "SAME"))
        h = tf.nn.max_pool(h, [1, 2, 2, 1], [1, 2, 2, 1], "VALID")
        h = tf.nn.relu(tf.nn.conv2d(h, w2, [1, 1, 1, 1], "SAME"))
        loss = tf.reduce_sum(h * h)
        (grad,) = tf.gradients(loss, [x])
    feed = {x: rng.randn(5, 8, 8, 2).astype(np.float32)}
    serial, _ = _run(g, grad, feed, 1)
    parallel, sess = _run(g, grad, feed, 2)
    _same_bits(serial, parallel)
    tails = [fn for fn in _fused_functions(sess) if hasattr(fn, "tail_source")]
    # The ReluGrad kernel's function, bound as r<N> (fusion's _emit), runs in a tail.
    assert any(re.search(r"\br\d+\(", fn.tail_source) for fn in tails)
    assert len(chunks) == len(tails)
    types = [step.type for plan in sess._plans.values() for step in plan.ops]
    assert any("ReluGrad" in t and "Fused[" in t for t in types)


def test_incompatible_shapes_take_the_serial_path(two_threads, chunks):
    g = tf.Graph()
    with g.as_default():
        a = tf.placeholder(tf.float32, [None, 3])
        other = tf.placeholder(tf.float32, [None, 3])
        y = tf.matmul(a, tf.ones([3, 3])) + other
    with pytest.raises(Exception) as parallel:
        _run(g, y, {a: np.ones((4, 3), np.float32), other: np.ones((2, 3), np.float32)}, 2)
    with pytest.raises(Exception) as serial:
        _run(g, y, {a: np.ones((4, 3), np.float32), other: np.ones((2, 3), np.float32)}, 1)
    assert type(parallel.value) is type(serial.value)
    assert not chunks


def test_serial_source_is_unchanged_with_one_thread_or_a_small_static_output(two_threads):
    g, x, y = _conv_graph(np.float32, [2, 6, 6, 3])
    xv = np.ones((2, 6, 6, 3), np.float32)
    _, serial_sess = _run(g, y, {x: xv}, 1)
    (serial_fn,) = _fused_functions(serial_sess)
    assert not hasattr(serial_fn, "tail_source") and "_parallel" not in serial_fn.source
    fusion.PARALLEL_MIN_VALUES = 1 << 20          # restored by monkeypatch
    _, small_sess = _run(g, y, {x: xv}, 2)
    (small_fn,) = _fused_functions(small_sess)
    assert small_fn.source == serial_fn.source
    fusion.PARALLEL_MIN_VALUES = 1
    _, big_sess = _run(g, y, {x: xv}, 2)
    (big_fn,) = _fused_functions(big_sess)
    assert big_fn.serial.source == serial_fn.source
    # The serial lines follow the head (and the compiled tail's attempt, numba_tail.py)
    # unchanged in the parallel-capable function.
    serial_lines = serial_fn.source.splitlines()
    after = serial_lines.index("        return n") + 1 if "        return n" in serial_lines else 2
    tail_lines = serial_lines[after:]
    assert big_fn.source.splitlines()[-len(tail_lines):] == tail_lines


def test_small_run_time_outputs_stay_serial(two_threads, chunks, monkeypatch):
    monkeypatch.setattr(fusion, "PARALLEL_MIN_VALUES", 1000)
    g, x, y = _conv_graph(np.float32, [None, 6, 6, 3])
    _run(g, y, {x: np.ones((2, 6, 6, 3), np.float32)}, 2)     # 288 values
    assert not chunks
    _run(g, y, {x: np.ones((8, 6, 6, 3), np.float32)}, 2)     # 1152 values
    assert len(chunks) == 1


def test_a_chunk_whose_result_does_not_fit_asks_for_the_serial_function(two_threads):
    """A chunk reports False when its result's dtype or shape is not the output's: the caller
    then runs the serial function again from the start (its inputs were never written)."""
    head = np.ones((4, 3), np.float32)
    assert fusion._run_parallel(lambda *args: False, np.dtype(np.float32), (), True,
                                head) is fusion._REDO
    out = fusion._run_parallel(lambda lo, hi, out, sliced, own, h: True,
                               np.dtype(np.float32), (), True, head)
    assert out is head                   # owned, right shape and dtype: written in place
    out = fusion._run_parallel(lambda lo, hi, out, sliced, own, h: True,
                               np.dtype(np.float64), (), True, head)
    assert out is not head and out.shape == (4, 3) and out.dtype == np.float64
    assert fusion._run_parallel(lambda *args: True, np.dtype(np.float32),
                                (np.ones((2, 3), np.float32),), True, head) is None


@pytest.mark.parametrize("extra", [1, 2, 3])
def test_parallel_tail_with_bound_kernels_and_several_operands(two_threads, extra):
    """The tail's row slices were named s0, s1...: with the sigmoid's kernel bound as "s1" or
    "s2" and as many operands, a slice shadowed it ("'numpy.ndarray' object is not callable";
    found by tests/compiler/test_random_graphs.py)."""
    rng = np.random.RandomState(0)
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float64, [6, 4])
        others = [tf.placeholder(tf.float64, [6, 3]) for _ in range(extra)]
        h = tf.sigmoid(tf.matmul(x, tf.constant(rng.randn(4, 3))))
        for other in others:
            h = tf.squared_difference(h, other)
        feed = {x: rng.randn(6, 4), **{o: rng.randn(6, 3) for o in others}}
    got, sess = _run(g, h, feed, 2)
    assert _fused_functions(sess), "the group was not fused"
    want, _ = _run(g, h, feed, 1)
    _same_bits(got, want)
