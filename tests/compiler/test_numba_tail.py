"""A fused group's elementwise tail as one compiled pass (compiler/numba_tail.py): the bits of
the ufunc calls it replaces (NaN, infinities and signed zeros included), on one or two threads,
in float32 and float64; operands it cannot serve (other broadcasts, dtypes) and short tails
keep the ufunc path."""
import numpy as np
import pytest

pytest.importorskip("numba")

import tenseur as tf  # noqa: E402
from tenseur.backend import threads  # noqa: E402
from tenseur.compiler import numba_tail  # noqa: E402

rng = np.random.default_rng(31)


@pytest.fixture
def served(monkeypatch):
    """Small outputs count as large; the list records each compiled tail's answer."""
    monkeypatch.setattr(numba_tail, "MIN_VALUES", 1)
    answers = []
    original = numba_tail.Tail.__call__

    def spy(self, owned, *operands):
        result = original(self, owned, *operands)
        answers.append(result is not None)
        return result
    monkeypatch.setattr(numba_tail.Tail, "__call__", spy)
    return answers


def _specials(a):
    flat = a.reshape(-1)
    specials = [np.nan, -np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-39, -1e-39]
    n = min(len(flat), len(specials))
    flat[:n] = specials[:n]
    return a


def _block(dtype, residual_shape=None, minimum=False):
    """conv + bias + batch norm's affine (mul, sub, mul, add) + residual + ReLU, as Keras'
    ResNet builds it in inference, and the feeds that exercise it."""
    g = tf.Graph()
    c = 8
    with g.as_default():
        x = tf.placeholder(dtype, [None, 6, 6, 3])
        residual = tf.placeholder(dtype, residual_shape or [None, 6, 6, c])
        w = tf.constant(rng.normal(size=(3, 3, 3, c)).astype(dtype))
        bias, mean, scale, beta = (tf.constant(rng.normal(size=c).astype(dtype))
                                   for _ in range(4))
        h = tf.nn.bias_add(tf.nn.conv2d(x, w, [1, 1, 1, 1], "SAME"), bias)
        h = h * scale - mean * scale + beta
        h = tf.minimum(h + residual, 2.5) if minimum else tf.nn.relu(h + residual)
        y = tf.maximum(h, residual * 0.5) if minimum else h
    feeds = {x: _specials(rng.normal(size=(5, 6, 6, 3)).astype(dtype)),
             residual: _specials(rng.normal(size=[5 if d is None else d for d in
                                                  (residual_shape or [None, 6, 6, c])])
                                 .astype(dtype))}
    return g, y, feeds


def _run(monkeypatch, g, y, feeds, optimize, count=1):
    monkeypatch.setenv("TENSEUR_OPTIMIZE", optimize)
    threads.set_intra_op_threads(count)
    try:
        with tf.Session(graph=g) as sess:
            return sess.run(y, feeds)
    finally:
        threads.set_intra_op_threads(0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("count", [1, 2], ids=["1 thread", "2 threads"])
@pytest.mark.parametrize("minimum", [False, True], ids=["relu", "min-max"])
def test_same_bits_as_the_ufunc_calls(monkeypatch, served, dtype, count, minimum):
    g, y, feeds = _block(dtype, minimum=minimum)
    with np.errstate(invalid="ignore", over="ignore"):
        want = _run(monkeypatch, g, y, feeds, "0")
        got = _run(monkeypatch, g, y, feeds, "1", count)
    assert True in served                                 # the compiled pass ran
    assert got.dtype == want.dtype and got.tobytes() == want.tobytes()


@pytest.mark.parametrize("count", [1, 2], ids=["1 thread", "2 threads"])
def test_a_group_with_two_convolutions_computes_each_once(monkeypatch, served, count):
    # ResNet's projection block: conv + BN on both branches, added, ReLU: one fused group whose
    # second convolution runs with the first, before the compiled tail (or the ufunc calls).
    from tenseur.ops import conv_kernels
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None, 6, 6, 3])
        branches = []
        for _ in range(2):
            w = tf.constant(rng.normal(size=(1, 1, 3, 8)).astype(np.float32))
            scale, shift = (tf.constant(rng.normal(size=8).astype(np.float32)) for _ in range(2))
            branches.append(tf.nn.conv2d(x, w, [1, 1, 1, 1], "SAME") * scale + shift)
        y = tf.nn.relu(branches[0] + branches[1])
    feeds = {x: _specials(rng.normal(size=(4, 6, 6, 3)).astype(np.float32))}
    calls = []
    original = conv_kernels.conv2d

    def counting(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)
    monkeypatch.setattr(conv_kernels, "conv2d", counting)
    with np.errstate(invalid="ignore", over="ignore"):
        want = _run(monkeypatch, g, y, feeds, "0")
        del calls[:]
        got = _run(monkeypatch, g, y, feeds, "1", count)
    assert len(calls) == 2 and True in served
    assert got.tobytes() == want.tobytes()


def test_operands_it_cannot_serve_take_the_ufunc_path(monkeypatch, served):
    # A per-image residual (N, 1, 1, 1) broadcasts in a way the compiled pass does not read.
    g, y, feeds = _block(np.float32, residual_shape=[None, 1, 1, 1])
    with np.errstate(invalid="ignore", over="ignore"):
        want = _run(monkeypatch, g, y, feeds, "0")
        got = _run(monkeypatch, g, y, feeds, "1")
    assert served and not any(served)
    assert got.tobytes() == want.tobytes()


def test_short_tails_and_small_outputs_keep_their_kernels(monkeypatch, served):
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None, 6, 6, 3])
        w = tf.constant(rng.normal(size=(3, 3, 3, 4)).astype(np.float32))
        y = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(x, w, [1, 1, 1, 1], "SAME"),
                                      tf.ones([4])))
    _run(monkeypatch, g, y, {x: np.ones((2, 6, 6, 3), np.float32)}, "1")
    assert served == []                 # bias + ReLU: add_bias_relu's pass, no compile
    monkeypatch.setattr(numba_tail, "MIN_VALUES", 1 << 18)
    g, y, feeds = _block(np.float32)
    _run(monkeypatch, g, y, feeds, "1")
    assert served == [False]            # 1,440 values: the ufuncs, no compile


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_each_formula_matches_its_ufunc_on_special_values(monkeypatch, dtype):
    monkeypatch.setattr(numba_tail, "MIN_VALUES", 1)
    specials = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0, 1e-39], dtype)
    a, b = (np.repeat(specials, 8), np.tile(specials, 8))       # every pair
    a = np.concatenate([a, rng.normal(size=1000).astype(dtype)]).reshape(-1, 4)
    b = np.concatenate([b, rng.normal(size=1000).astype(dtype)]).reshape(-1, 4)
    cases = [(numba_tail._BINARY[f], f, 2) for f in numba_tail._BINARY] + [
        (numba_tail._UNARY[f], f, 1) for f in numba_tail._UNARY] + [
        (numba_tail._KINDS["Relu"], lambda x: np.maximum(x, 0), 1),
        (numba_tail._KINDS["ReluGrad"], lambda g, f: np.multiply(g, f > 0), 2)]
    with np.errstate(all="ignore"):
        for formula, ufunc, arity in cases:
            tail = numba_tail.Tail([(formula, ["a0", "a1"][:arity], "t0")], 2, "t0", dtype)
            want = ufunc(a, b) if arity == 2 else ufunc(a)
            got = tail(False, a, b)
            assert got.tobytes() == want.tobytes(), formula
