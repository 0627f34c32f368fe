"""MatMul's kernel (math_ops._product) takes np.dot for 2-D float matrices of two rows and
columns or more, each C- or F-ordered, to save the gufunc's dispatch: the same BLAS call as
np.matmul, checked here bit for bit on random shapes, dtypes and layouts (transposed, sliced);
vectors and sliced operands, where the two may round apart, and other dtypes keep
np.matmul."""
import numpy as np
import pytest

from tenseur.ops.math_ops import _product


@pytest.mark.parametrize("seed", range(4))
def test_the_kernel_gives_matmuls_bits(seed):
    rng = np.random.default_rng(seed)
    for trial in range(300):
        m, k, n = (int(v) for v in rng.integers(1, 70, 3))
        dtype = (np.float32, np.float64)[trial % 2]
        ta, tb = bool(rng.random() < 0.5), bool(rng.random() < 0.5)
        a = rng.standard_normal((k, m) if ta else (m, k)).astype(dtype)
        b = rng.standard_normal((n, k) if tb else (k, n)).astype(dtype)
        if rng.random() < 0.3:
            a = np.asfortranarray(a)
        if rng.random() < 0.2:
            b = np.repeat(b, 2, axis=0)[::2]
        want = np.matmul(a.T if ta else a, b.T if tb else b)
        got = _product(np, ta, tb, a, b)
        assert got.dtype == want.dtype and got.tobytes() == want.tobytes(), (m, k, n, dtype)


def test_other_inputs_keep_matmul():
    a = np.arange(6, dtype=np.int64).reshape(2, 3)
    np.testing.assert_array_equal(_product(np, False, False, a, a.T), a @ a.T)
    batch = np.ones((2, 3, 4), np.float32)
    assert _product(np, False, True, batch, batch).shape == (2, 3, 3)
    mixed = _product(np, False, False, np.ones((2, 3), np.float32), np.ones((3, 2)))
    assert mixed.dtype == np.float64
