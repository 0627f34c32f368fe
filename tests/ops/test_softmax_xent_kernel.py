"""SoftmaxCrossEntropyWithLogits' float32 kernel: with numba installed, rows of few classes run
exp_numba.softmax_xent (the op's formula compiled, its row sums in float64), else NumPy's
passes. Both as accurate as float32 allows against a float64 reference; NaN and infinite
logits give the rows NumPy's formula gives; wide rows, float64 and TENSEUR_NUMBA=0 keep the
NumPy passes."""
import numpy as np
import pytest

from tenseur.ops.nn_ops import SoftmaxCrossEntropyWithLogits

OP = SoftmaxCrossEntropyWithLogits()
rng = np.random.default_rng(21)


def _kernel(x, y):
    return OP.kernel(np, x, y, axis=-1)


def _reference(x, y):
    x, y = x.astype(np.float64), y.astype(np.float64)
    z = x - x.max(axis=-1, keepdims=True)
    log_softmax = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    return -(y * log_softmax).sum(axis=-1), np.exp(log_softmax) - y


@pytest.mark.parametrize("numba", ["1", "0"], ids=["numba", "numpy"])
@pytest.mark.parametrize("shape", [(128, 10), (430, 10), (7, 1), (3, 64)])
def test_as_accurate_as_float32_allows(monkeypatch, numba, shape):
    monkeypatch.setenv("TENSEUR_NUMBA", numba)
    x = (rng.standard_normal(shape) * 6).astype(np.float32)
    y = rng.dirichlet(np.ones(shape[1]), shape[0]).astype(np.float32)
    loss, backprop = _kernel(x, y)
    want_loss, want_backprop = _reference(x, y)
    assert loss.dtype == backprop.dtype == np.float32 and loss.shape == (shape[0],)
    np.testing.assert_allclose(loss, want_loss, rtol=3e-7, atol=1e-6)
    np.testing.assert_allclose(backprop, want_backprop, rtol=0, atol=3e-7)


def test_the_compiled_kernel_runs_and_agrees_with_numpys_passes(monkeypatch):
    pytest.importorskip("numba")
    from tenseur.backend import jit
    monkeypatch.setenv("TENSEUR_NUMBA", "1")          # whatever the suite runs with
    x = (rng.standard_normal((64, 10)) * 3).astype(np.float32)
    y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, 64)]
    fast = _kernel(x, y)
    assert jit._modules.get("tenseur.ops.exp_numba") is not None
    monkeypatch.setenv("TENSEUR_NUMBA", "0")
    plain = _kernel(x, y)
    for a, b in zip(fast, plain):
        np.testing.assert_allclose(a, b, rtol=4e-7, atol=4e-7)
        assert not np.array_equal(a, b) or a.size < 2      # really two kernels


@pytest.mark.parametrize("numba", ["1", "0"], ids=["numba", "numpy"])
def test_nan_and_infinite_logits(monkeypatch, numba):
    monkeypatch.setenv("TENSEUR_NUMBA", numba)
    x = np.array([[np.nan, 1, 2], [np.inf, 1, 2], [-np.inf, 1, 2], [-200, 0, 1]], np.float32)
    y = np.array([[0, 1, 0]] * 4, np.float32)
    with np.errstate(invalid="ignore"):
        loss, backprop = _kernel(x, y)
    assert np.isnan(loss[:3]).all() and np.isnan(backprop[:2]).all()   # 0 * -inf is NaN
    np.testing.assert_allclose(loss[3], _reference(x[3:], y[3:])[0][0], rtol=1e-6)
    np.testing.assert_allclose(backprop[2:], _reference(x[3:], y[3:])[1].repeat(2, 0),
                               atol=1e-7)


def test_wide_rows_float64_and_views_take_numpys_passes(monkeypatch):
    cases = [rng.standard_normal((5, 1000)).astype(np.float32),
             rng.standard_normal((6, 10)),
             rng.standard_normal((12, 10)).astype(np.float32)[::2]]
    for x in cases:
        y = np.full(x.shape, 1.0 / x.shape[1], x.dtype)
        monkeypatch.setenv("TENSEUR_NUMBA", "1")
        fast = _kernel(x, y)
        monkeypatch.setenv("TENSEUR_NUMBA", "0")
        plain = _kernel(x, y)
        for a, b in zip(fast, plain):
            assert a.tobytes() == b.tobytes()
