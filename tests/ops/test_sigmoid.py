"""The sigmoid kernel (elementwise_ops.sigmoid_array), shared by the Sigmoid op and the fused
kernels: float32 runs numba's compiled formula where installed (tenseur.ops.exp_numba.py),
other dtypes and TENSEUR_NUMBA=0 NumPy's. Both as accurate as float32 allows, NaN in NaN out,
e^x (subnormal) far below zero, and the same bits through the op and through a fused kernel."""
import numpy as np
import pytest

import tenseur as tf
from tenseur.ops.elementwise_ops import sigmoid_array

rng = np.random.default_rng(11)
SPECIAL = np.array([np.nan, 0.0, -0.0, np.inf, -np.inf, 87.0, -87.0, -87.5, -90.0, -103.0,
                    -104.0, -150.0, 1e-30, -1e-30, 20.0, -20.0], np.float32)


def _reference(x):
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-x.astype(np.float64)))


def _values():
    return np.concatenate([SPECIAL, rng.uniform(-87, 87, 5000).astype(np.float32),
                           rng.normal(0, 3, 5000).astype(np.float32)])


@pytest.mark.parametrize("numba", ["1", "0"], ids=["numba", "numpy"])
def test_float32_is_as_accurate_as_float32_allows(monkeypatch, numba):
    monkeypatch.setenv("TENSEUR_NUMBA", numba)
    x = _values()
    got, want = sigmoid_array(x), _reference(x)
    assert got.dtype == np.float32
    assert np.isnan(got[0]) and np.array_equal(np.isnan(got), np.isnan(want))
    finite = ~np.isnan(want)
    # relative to the value, down to the smallest normal float32; below it, e^x rounded.
    scale = np.maximum(want[finite], np.finfo(np.float32).tiny)
    assert np.max(np.abs(got[finite] - want[finite]) / scale) < 3e-7
    assert got[1] == got[2] == 0.5 and got[3] == 1.0 and got[4] == 0.0
    assert 0 < got[SPECIAL.tolist().index(-103.0)] < np.finfo(np.float32).tiny   # subnormal


def test_numba_and_numpy_agree_and_float64_keeps_numpy(monkeypatch):
    pytest.importorskip("numba")
    x = _values()
    fast = sigmoid_array(x)
    monkeypatch.setenv("TENSEUR_NUMBA", "0")
    plain = sigmoid_array(x)
    both = ~np.isnan(plain)
    assert np.array_equal(np.isnan(fast), np.isnan(plain))
    assert np.max(np.abs(fast[both] - plain[both]) / np.maximum(plain[both], 1e-38)) < 4e-7
    x64 = x.astype(np.float64)
    monkeypatch.setenv("TENSEUR_NUMBA", "1")
    a = sigmoid_array(x64)
    monkeypatch.setenv("TENSEUR_NUMBA", "0")
    assert a.dtype == np.float64 and a.tobytes() == sigmoid_array(x64).tobytes()


@pytest.mark.parametrize("numba", ["1", "0"], ids=["numba", "numpy"])
def test_out_may_be_the_input_or_a_strided_array(monkeypatch, numba):
    monkeypatch.setenv("TENSEUR_NUMBA", numba)
    x = rng.normal(0, 4, (64, 9)).astype(np.float32)
    x[0, :3] = [-100.0, np.nan, 90.0]           # one value below exp's normal range
    want = sigmoid_array(x)
    for extreme in (True, False):
        source = x if extreme else x[1:]
        same = source.copy()
        assert sigmoid_array(same, out=same) is same
        assert same.tobytes() == sigmoid_array(source).tobytes()
    strided_in = np.asfortranarray(x)
    assert sigmoid_array(strided_in).tobytes() == want.tobytes()
    strided_out = np.empty((9, 64), np.float32).T
    assert sigmoid_array(x, out=strided_out) is strided_out
    assert np.ascontiguousarray(strided_out).tobytes() == want.tobytes()


def test_the_op_and_the_fused_kernel_give_the_same_bits():
    x = tf.placeholder(tf.float32, [None, 16])
    w = tf.constant(rng.normal(size=(16, 8)).astype(np.float32))
    b = tf.constant(rng.normal(size=8).astype(np.float32))
    y = tf.sigmoid(tf.nn.bias_add(tf.matmul(x, w), b))
    feed = {x: rng.normal(0, 3, (32, 16)).astype(np.float32)}
    results = []
    for optimize in (True, False):
        with tf.Session(config={"optimize": optimize}) as sess:
            results.append(sess.run(y, feed))
    assert results[0].tobytes() == results[1].tobytes()


def test_float32_loads_the_compiled_kernel():
    pytest.importorskip("numba")
    from tenseur.backend import jit
    sigmoid_array(np.zeros(4, np.float32))
    assert jit._modules.get("tenseur.ops.exp_numba") is not None


# -- the fused forms: bias + sigmoid, and the gradient (g s)(1 - s) ----------------------------

from tenseur.ops.bias_ops import add_bias_last, add_bias_sigmoid  # noqa: E402
from tenseur.ops.elementwise_ops import sigmoid_grad_product  # noqa: E402


@pytest.mark.parametrize("numba", ["1", "0"], ids=["numba", "numpy"])
def test_bias_and_sigmoid_in_one_call_give_the_two_kernels_bits(monkeypatch, numba):
    monkeypatch.setenv("TENSEUR_NUMBA", numba)
    x = rng.normal(0, 4, (64, 16)).astype(np.float32)
    x[0, :len(SPECIAL)] = SPECIAL[:16]
    bias = rng.normal(0, 1, 16).astype(np.float32)
    for source in (x, x[1:], np.asfortranarray(x), x.astype(np.float64)):
        b = bias.astype(source.dtype)
        want = sigmoid_array(add_bias_last(source, b))
        assert add_bias_sigmoid(source, b).tobytes() == want.tobytes()
        same = np.array(source)                     # out = value, in place
        assert add_bias_sigmoid(same, b, out=same) is same
        assert same.tobytes() == want.tobytes()
    # no value below exp's range: the compiled pass itself (with one: NumPy's formula)
    calm = x[1:]
    assert add_bias_sigmoid(calm, bias).tobytes() == sigmoid_array(calm + bias).tobytes()


@pytest.mark.parametrize("numba", ["1", "0"], ids=["numba", "numpy"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_sigmoid_gradient_product_gives_mul_sub_muls_bits(monkeypatch, numba, dtype):
    monkeypatch.setenv("TENSEUR_NUMBA", numba)
    g = rng.normal(0, 2, (32, 24)).astype(dtype)
    s = rng.uniform(0, 1, (32, 24)).astype(dtype)
    g[0, :4] = [np.nan, np.inf, -np.inf, 1e30]
    s[1, :3] = [np.nan, 0.0, 1.0]
    one = np.array(1, dtype)
    want = np.multiply(np.multiply(g, s), np.subtract(one, s))
    got = sigmoid_grad_product(g, s, one)
    assert got.dtype == dtype and got.tobytes() == want.tobytes()
    same = g.copy()
    assert sigmoid_grad_product(same, s, one, out=same) is same
    assert same.tobytes() == want.tobytes()
    same = s.copy()                                   # out = s, read twice
    assert sigmoid_grad_product(g, same, one, out=same) is same
    assert same.tobytes() == want.tobytes()
    # broadcast and strided operands: NumPy's calls
    row = s[:1]
    assert sigmoid_grad_product(g, row, one).tobytes() == ((g * row) * (one - row)).tobytes()
    assert sigmoid_grad_product(g.T, s.T, one).tobytes() == want.T.tobytes()


def test_the_slides_mlp_plan_fuses_both_forms(monkeypatch):
    from tenseur.compiler import fusion
    # the SGD updates as the op computes them (the product_updates pass rounds its own way)
    monkeypatch.setenv("TENSEUR_DISABLE_PASSES", "product_updates")
    x = tf.placeholder(tf.float32, [None, 16])
    y = tf.placeholder(tf.float32, [None, 4])
    w1 = tf.Variable(rng.normal(size=(16, 8)).astype(np.float32))
    b1 = tf.Variable(np.zeros(8, np.float32))
    w2 = tf.Variable(rng.normal(size=(8, 4)).astype(np.float32))
    hidden = tf.sigmoid(tf.nn.bias_add(tf.matmul(x, w1), b1))
    loss = tf.reduce_mean(tf.square(tf.matmul(hidden, w2) - y))
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    feed = {x: rng.normal(0, 3, (32, 16)).astype(np.float32),
            y: rng.normal(size=(32, 4)).astype(np.float32)}
    results = []
    for optimize in (True, False):
        with tf.Session(config={"optimize": optimize}) as sess:
            sess.run(tf.global_variables_initializer())
            for _ in range(3):
                sess.run(train, feed)
            results.append(sess.run([loss, w1, b1, w2], feed))
            if optimize:
                plan = next(p for p in sess._plans.values() if len(p.steps) > 10)
                bound = [v for fn, *_ in plan.steps for v in getattr(fn, "__globals__", {}).values()]
    for a, b in zip(*results):
        assert np.asarray(a).tobytes() == np.asarray(b).tobytes()
    assert any(v is fusion._add_bias_sigmoid for v in bound)
    assert any(v is fusion._sigmoid_grad_product for v in bound)
