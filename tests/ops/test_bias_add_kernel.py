"""add_bias_last (BiasAdd's kernel and the fused kernels' bias add): NumPy's additions, bit for
bit, whether it takes long rows with the bias repeated or NumPy's broadcasting."""
import numpy as np
import pytest

from tenseur.ops import bias_ops
from tenseur.ops.bias_ops import add_bias_last

rng = np.random.default_rng(4)


@pytest.mark.parametrize("shape", [(430, 26, 26, 32), (64, 9, 7, 3), (2, 3000), (5, 8),
                                   (40, 1100, 2), (3, 1, 1, 2048)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32])
def test_same_bits_as_numpy(shape, dtype):
    value = (rng.normal(size=shape) * 100).astype(dtype)
    bias = (rng.normal(size=shape[-1]) * 100).astype(dtype)
    want = np.add(value, bias)
    got = add_bias_last(value, bias)
    assert got.dtype == want.dtype and got.tobytes() == want.tobytes()
    out = value.copy()
    assert add_bias_last(out, bias, out=out) is out and out.tobytes() == want.tobytes()


def test_long_rows_are_used_for_large_arrays_with_few_channels(monkeypatch):
    widths = []
    original = np.tile

    def spy(bias, reps):
        widths.append(bias.size * reps)
        return original(bias, reps)
    monkeypatch.setattr(bias_ops.np, "tile", spy)
    add_bias_last(np.ones((430, 26, 26, 32), np.float32), np.ones(32, np.float32))
    assert widths == [26 * 26 * 32]            # whole images: 21,632 values a row
    widths.clear()
    add_bias_last(np.ones((4, 26, 26, 32), np.float32)[:, ::2], np.ones(32, np.float32))
    add_bias_last(np.ones((8, 4), np.float32), np.ones(4, np.float32))          # small
    assert widths == []                        # not C-ordered / small: NumPy's broadcasting
