"""The ReLU passes over large outputs: bias_ops.add_bias_relu (the tail of a fused convolution +
BiasAdd + Relu) and activation_ops.relu_grad_array (the ReluGrad kernel, fused or not). Where
numba is installed, float32/64 run relu_numba's single passes; the bits are NumPy's two passes'
in every case (np.maximum's rule for NaN and -0.0, the product by the mask for NaN and
infinite gradients), in place or not, and the fused plans call them."""
import numpy as np
import pytest

pytest.importorskip("numba")
pytestmark = pytest.mark.usefixtures("default_switches")

import tenseur as tf  # noqa: E402
from tenseur.backend import jit  # noqa: E402
from tenseur.ops.activation_ops import relu_grad_array  # noqa: E402
from tenseur.ops.bias_ops import add_bias_relu  # noqa: E402
from tests.spies import record_calls  # noqa: E402

rng = np.random.default_rng(12)
SPECIAL = [np.nan, -np.nan, 0.0, -0.0, np.inf, -np.inf, 1e-40, -1e-40]


def _with_specials(a):
    flat = a.reshape(-1)
    flat[:len(SPECIAL)] = SPECIAL
    return a


def _numba_used(monkeypatch):
    """A list that records each relu_numba call."""
    return record_calls(monkeypatch, jit.kernels("tenseur.ops.relu_numba"),
                        ("bias_relu", "relu_grad"))


@pytest.mark.parametrize("shape", [(430, 26, 26, 32), (6, 5, 5, 3), (40, 1100, 2), (3, 7)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bias_relu_has_the_bits_of_bias_add_then_maximum(monkeypatch, shape, dtype):
    calls = _numba_used(monkeypatch)
    value = _with_specials(rng.normal(size=shape).astype(dtype))
    bias = rng.normal(size=shape[-1]).astype(dtype)
    bias[0] = -0.0                                    # -0.0 + -0.0 stays -0.0: kept
    value.reshape(-1, shape[-1])[1, 0] = -0.0
    want = np.maximum(np.add(value, bias), 0)
    got = add_bias_relu(value, bias)
    assert got.dtype == want.dtype and got.tobytes() == want.tobytes()
    out = value.copy()
    assert add_bias_relu(out, bias, out=out) is out and out.tobytes() == want.tobytes()
    # Large arrays with few channels take the compiled pass; small ones NumPy's.
    assert calls == (["bias_relu"] * 2 if value.size >= 16 * 1024 else [])


def test_bias_relu_keeps_numpy_for_other_dtypes_and_layouts(monkeypatch):
    calls = _numba_used(monkeypatch)
    for value, bias in ((np.arange(-20000, 20000, dtype=np.int32).reshape(-1, 4),
                        np.array([1, -2, 3, -4], np.int32)),
                       (rng.normal(size=(64, 40, 40, 8)).astype(np.float32)[:, ::2],
                        rng.normal(size=8).astype(np.float32))):
        want = np.maximum(value + bias, 0)
        assert add_bias_relu(value, bias).tobytes() == want.tobytes()
    assert calls == []


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_grad_has_the_bits_of_the_product_by_the_mask(monkeypatch, dtype):
    calls = _numba_used(monkeypatch)
    g = _with_specials(rng.normal(size=(60, 26, 26, 4)).astype(dtype))
    f = _with_specials(rng.normal(size=g.shape).astype(dtype))[::-1].copy()
    f.reshape(-1)[:len(SPECIAL)] = 0.0
    with np.errstate(invalid="ignore"):              # inf * 0: NaN, as the product gives
        want = np.multiply(g, f > 0)
        small = relu_grad_array(g[:1, :2], f[:1, :2])    # below the threshold: NumPy's
        small_want = np.multiply(g[:1, :2], f[:1, :2] > 0)
    assert small.tobytes() == small_want.tobytes()
    got = relu_grad_array(g, f)
    assert got.dtype == want.dtype and got.tobytes() == want.tobytes()
    for target in (g.copy(), f.copy()):              # in place over either input
        args = (target, f) if target.tobytes() == g.tobytes() else (g, target)
        assert relu_grad_array(*args, out=target) is target
        assert target.tobytes() == want.tobytes()
    assert calls == ["relu_grad"] * 3


def test_without_numba_numpy_runs(monkeypatch):
    monkeypatch.setenv("TENSEUR_NUMBA", "0")
    value = rng.normal(size=(64, 26, 26, 8)).astype(np.float32)
    bias = rng.normal(size=8).astype(np.float32)
    assert add_bias_relu(value, bias).tobytes() == np.maximum(value + bias, 0).tobytes()
    assert relu_grad_array(value, -value).tobytes() == (value * (-value > 0)).tobytes()


def test_a_fused_conv_bias_relu_and_its_gradient_use_them(monkeypatch):
    calls = _numba_used(monkeypatch)
    x = rng.normal(size=(40, 16, 16, 1)).astype(np.float32)
    w = rng.normal(size=(3, 3, 1, 32)).astype(np.float32)
    b = rng.normal(size=32).astype(np.float32)
    g = tf.Graph()
    with g.as_default():
        xt = tf.placeholder(tf.float32, x.shape)
        wt, bt = tf.constant(w), tf.constant(b)
        y = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(xt, wt, [1, 1, 1, 1], "VALID"), bt))
        loss = tf.reduce_sum(tf.nn.conv2d(y, tf.ones((3, 3, 32, 2)), [1, 1, 1, 1], "VALID") ** 2)
        grads = tf.gradients(loss, [wt])
    results = []
    for optimize in ("1", "0"):
        monkeypatch.setenv("TENSEUR_OPTIMIZE", optimize)
        with tf.Session(graph=g) as sess:
            results.append(sess.run([y, grads[0]], {xt: x}))
    assert "bias_relu" in calls and "relu_grad" in calls
    for fused, plain in zip(*results):
        assert fused.tobytes() == plain.tobytes()
