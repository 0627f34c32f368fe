"""max_pool_grad against a slow reference: TensorFlow's tie rule (the first maximum in
row-major window order takes the gradient; a window whose maximum is NaN passes none), on the
row-wise path for tiling windows and the tap-by-tap path for the rest, in pieces and threads;
every test twice, with the numba kernels of 2x2 windows (pool_numba.py, when numba is
installed) and without them.

(The pooling tests of tests/ops/test_conv_kernels.py predate pool_kernels.py and stay there.)
"""
import numpy as np
import pytest

import tenseur as tf
from tenseur.backend import jit, threads
from tenseur.ops import pool_kernels as pk

from .cases_conv import ref_max_pool


@pytest.fixture(autouse=True, params=["numpy", "numba"])
def engine(request, monkeypatch):
    """Each test with TENSEUR_NUMBA=0 (NumPy's kernels) and with numba's, where installed."""
    if request.param == "numba":
        pytest.importorskip("numba")
    monkeypatch.setenv("TENSEUR_NUMBA", "1" if request.param == "numba" else "0")
    return request.param


def _out_and_pad(size, k, stride, padding):
    """(out, before) of one spatial dimension, from TF's rules."""
    if padding == "SAME":
        out = -(-size // stride)
        return out, max((out - 1) * stride + k - size, 0) // 2
    return (size - k) // stride + 1, 0


def ref_max_pool_grad(x, y, dy, ksize, strides, padding):
    """Loops over windows and channels: dy goes to the first real cell equal to y."""
    n, h, w, c = x.shape
    oh, top = _out_and_pad(h, ksize[0], strides[0], padding)
    ow, left = _out_and_pad(w, ksize[1], strides[1], padding)
    dx = np.zeros_like(x)
    for b in range(n):
        for r in range(oh):
            for col in range(ow):
                for ch in range(c):
                    for i in range(ksize[0]):
                        row = r * strides[0] - top + i
                        cells = [(row, r0) for r0 in range(col * strides[1] - left,
                                                            col * strides[1] - left + ksize[1])]
                        hit = next(((a, d) for a, d in cells if 0 <= a < h and 0 <= d < w
                                    and x[b, a, d, ch] == y[b, r, col, ch]), None)
                        if hit is not None:
                            dx[b, hit[0], hit[1], ch] += dy[b, r, col, ch]
                            break
    return dx


def _tied(rng, shape, dtype=np.float64):
    """Values from {0, 1, 2}: most windows hold ties."""
    return rng.integers(0, 3, size=shape).astype(dtype)


def _check(x, ksize, strides, padding):
    """max_pool_grad equals the reference: exactly where windows are disjoint; where they
    overlap a cell's gradients may be added in another order."""
    y = pk.max_pool(x, ksize, strides, padding)
    dy = np.random.default_rng(1).standard_normal(y.shape).astype(x.dtype)
    got = pk.max_pool_grad(x, y, dy, ksize, strides, padding)
    assert got.dtype == x.dtype and got.shape == x.shape
    expected = ref_max_pool_grad(x, y, dy, ksize, strides, padding)
    if all(s >= k for s, k in zip(strides, ksize)):
        np.testing.assert_array_equal(got, expected)
    else:
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    return got


@pytest.mark.parametrize("x_shape, ksize", [
    ((3, 4, 6, 5), (2, 2)),
    ((2, 5, 7, 3), (2, 2)),      # odd sizes: the last row and column are in no window
    ((2, 6, 6, 8), (3, 3)),
    ((2, 6, 6, 2), (3, 2)),      # not square
    ((2, 4, 6, 3), (1, 3)),      # one row per window
    ((2, 6, 4, 3), (2, 1)),      # one column per window
    ((1, 3, 3, 32), (3, 3)),     # a single window per channel
])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_tiling_windows_route_ties_to_the_first_max(x_shape, ksize, dtype):
    x = _tied(np.random.default_rng(sum(x_shape)), x_shape, dtype)
    _check(x, ksize, ksize, "VALID")


def test_tie_across_window_rows_goes_to_the_upper_row_even_if_further_right():
    # Row-major order: (0, 1) comes before (1, 0).
    x = np.array([[0.0, 4.0], [4.0, 4.0]]).reshape(1, 2, 2, 1)
    dx = pk.max_pool_grad(x, np.full((1, 1, 1, 1), 4.0), np.full((1, 1, 1, 1), 3.0),
                          (2, 2), (2, 2), "VALID")
    np.testing.assert_array_equal(dx.reshape(2, 2), [[0, 3], [0, 0]])


def test_relu_like_zeros_pass_one_gradient_per_window():
    x = np.maximum(np.random.default_rng(3).standard_normal((4, 8, 8, 6)), 0)
    dx = _check(x, (2, 2), (2, 2), "VALID")
    assert np.count_nonzero(dx) == 4 * 4 * 4 * 6


@pytest.mark.parametrize("ksize, strides, padding", [
    ((2, 2), (2, 2), "VALID"),
    ((2, 2), (2, 2), "SAME"),
    ((3, 3), (1, 1), "SAME"),
])
def test_a_nan_window_passes_no_gradient(ksize, strides, padding):
    x = _tied(np.random.default_rng(4), (2, 5, 6, 3))
    x[0, 1, 1, 0] = x[1, 4, 5, 2] = np.nan
    dx = _check(x, ksize, strides, padding)
    y = pk.max_pool(x, ksize, strides, padding)
    assert np.isnan(y).any() and not np.isnan(dx).any()


@pytest.mark.parametrize("x_shape, ksize, strides, padding", [
    ((2, 5, 5, 3), (2, 2), (2, 2), "SAME"),     # padded bottom/right
    ((2, 7, 6, 3), (3, 3), (2, 2), "SAME"),     # overlapping windows
    ((2, 6, 7, 2), (3, 2), (1, 1), "VALID"),    # overlapping windows
    ((1, 9, 9, 2), (2, 2), (3, 3), "VALID"),    # stride > window: gaps
])
def test_padded_and_overlapping_windows_route_ties_to_the_first_max(x_shape, ksize, strides,
                                                                     padding):
    _check(_tied(np.random.default_rng(5), x_shape), ksize, strides, padding)


@pytest.mark.parametrize("piece_values", [1, 50, 1 << 30])
def test_pieces_of_the_batch_give_the_same_result(monkeypatch, piece_values):
    # 1: one image a piece; 50: pieces of a few images and a short last one; 2^30: one piece.
    monkeypatch.setattr(pk, "_PIECE_VALUES", piece_values)
    _check(_tied(np.random.default_rng(6), (7, 4, 4, 3)), (2, 2), (2, 2), "VALID")


def test_two_threads_give_the_serial_bits(monkeypatch, engine):
    monkeypatch.setattr(pk, "_PIECE_VALUES", 64)
    monkeypatch.setattr(pk, "_PARALLEL_MIN_BYTES", 0)
    shares = []
    parallel_map = threads.parallel_map

    def recording_map(fn, items, threads=None):
        items = list(items)
        shares.append([len(share) for share in items])
        return parallel_map(fn, items, threads=threads)

    rng = np.random.default_rng(7)
    x = np.maximum(rng.standard_normal((16, 6, 6, 4)), 0).astype(np.float32)
    y = pk.max_pool(x, (2, 2), (2, 2), "VALID")
    dy = rng.standard_normal(y.shape).astype(np.float32)
    monkeypatch.setattr(pk.threads, "parallel_map", recording_map)
    threads.set_intra_op_threads(1)
    try:
        serial = pk.max_pool_grad(x, y, dy, (2, 2), (2, 2), "VALID")
        threads.set_intra_op_threads(2)
        parallel = pk.max_pool_grad(x, y, dy, (2, 2), (2, 2), "VALID")
    finally:
        threads.set_intra_op_threads(0)
    if engine == "numpy":       # one piece an image; one share, then one a thread
        assert shares == [[16], [8, 8]]
    else:                       # numba: one run of images a thread
        assert shares == [[2, 2]] and jit.kernels("tenseur.ops.pool_numba") is not None
    np.testing.assert_array_equal(parallel, serial)
    np.testing.assert_array_equal(serial, ref_max_pool_grad(x, y, dy, (2, 2), (2, 2), "VALID"))


@pytest.mark.parametrize("padding", ["SAME", "VALID"])
def test_overlapping_windows_split_over_threads_give_the_serial_bits(monkeypatch, padding):
    # ResNet's 3x3 stride-2 pooling: the tap-by-tap path, one run of images a thread.
    monkeypatch.setattr(pk, "_PARALLEL_MIN_BYTES", 0)
    calls = []
    parallel_map = threads.parallel_map

    def recording_map(fn, items, threads=None):
        items = list(items)
        calls.append(items)
        return parallel_map(fn, items, threads=threads)
    monkeypatch.setattr(pk.threads, "parallel_map", recording_map)
    x = _tied(np.random.default_rng(9), (5, 9, 9, 3))
    threads.set_intra_op_threads(1)
    try:
        serial = pk.max_pool(x, (3, 3), (2, 2), padding)
        threads.set_intra_op_threads(2)
        parallel = pk.max_pool(x, (3, 3), (2, 2), padding)
    finally:
        threads.set_intra_op_threads(0)
    assert calls == [[(0, 2), (2, 5)]]
    assert parallel.tobytes() == serial.tobytes()
    np.testing.assert_array_equal(serial, ref_max_pool(x, (3, 3), (2, 2), padding))


def test_inputs_are_read_not_written_and_dx_is_fresh():
    rng = np.random.default_rng(8)
    x = _tied(rng, (2, 4, 4, 3))
    y = pk.max_pool(x, (2, 2), (2, 2), "VALID")
    dy = rng.standard_normal(y.shape)
    copies = [a.copy() for a in (x, y, dy)]
    dx = pk.max_pool_grad(x, y, dy, (2, 2), (2, 2), "VALID")
    for before, after in zip(copies, (x, y, dy)):
        np.testing.assert_array_equal(before, after)
    assert dx.base is None and dx.flags.writeable


def test_non_contiguous_inputs():
    rng = np.random.default_rng(9)
    x = _tied(rng, (2, 3, 4, 6)).transpose(0, 3, 2, 1)       # (2, 6, 4, 3), a strided view
    y = pk.max_pool(x, (2, 2), (2, 2), "VALID")
    dy = rng.standard_normal(y.shape[:3] + (2 * y.shape[3],))[..., ::2]   # every other channel
    assert not (x.flags.c_contiguous or dy.flags.c_contiguous)
    np.testing.assert_array_equal(pk.max_pool_grad(x, y, dy, (2, 2), (2, 2), "VALID"),
                                  ref_max_pool_grad(x, y, dy, (2, 2), (2, 2), "VALID"))


def test_integer_inputs_keep_their_dtype():
    x = _tied(np.random.default_rng(10), (2, 4, 4, 2), np.int32)
    _check(x, (2, 2), (2, 2), "VALID")


def test_empty_batch():
    x = np.zeros((0, 4, 4, 3), np.float32)
    dx = pk.max_pool_grad(x, np.zeros((0, 2, 2, 3), np.float32),
                          np.zeros((0, 2, 2, 3), np.float32), (2, 2), (2, 2), "VALID")
    assert dx.shape == x.shape and dx.dtype == np.float32


@pytest.mark.parametrize("ksize", [(2, 2), (3, 3), (1, 2), (2, 1), (1, 1)])
def test_pooling_forward_split_over_threads_gives_the_serial_bits(monkeypatch, ksize):
    monkeypatch.setattr(pk, "_PARALLEL_MIN_BYTES", 0)
    x = np.random.default_rng(8).standard_normal((9, 7, 6, 3)).astype(np.float32)
    results = {}
    try:
        for count in (1, 2, 3):
            threads.set_intra_op_threads(count)
            results[count] = (pk.max_pool(x, ksize, ksize, "VALID"),
                              pk.avg_pool(x, ksize, ksize, "VALID"))
    finally:
        threads.set_intra_op_threads(0)
    for count in (2, 3):
        for got, serial in zip(results[count], results[1]):
            np.testing.assert_array_equal(got, serial)
    kh, kw = ksize
    oh, ow = x.shape[1] // kh, x.shape[2] // kw
    windows = x[:, :oh * kh, :ow * kw].reshape(9, oh, kh, ow, kw, 3)
    np.testing.assert_array_equal(results[1][0], windows.max(axis=(2, 4)))
    np.testing.assert_allclose(results[1][1], windows.mean(axis=(2, 4)), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_numba_and_numpy_give_the_same_bits_with_ties_nans_and_odd_sizes(monkeypatch, engine,
                                                                      dtype):
    rng = np.random.default_rng(11)
    x = _tied(rng, (5, 9, 7, 6)).astype(dtype)          # odd sizes: a row and a column left out
    x[0, 0, 0, 0] = np.nan
    x[1, 2, 2, :] = -0.0
    results = []
    for switch in ("0", "1"):
        monkeypatch.setenv("TENSEUR_NUMBA", switch)
        y = pk.max_pool(x, (2, 2), (2, 2), "VALID")
        dy = np.linspace(-3, 3, y.size).reshape(y.shape).astype(dtype)
        results.append((y, pk.max_pool_grad(x, y, dy, (2, 2), (2, 2), "VALID")))
    (y0, dx0), (y1, dx1) = results
    assert y0.tobytes() == y1.tobytes() and dx0.tobytes() == dx1.tobytes()
    assert np.isnan(y0[0, 0, 0, 0]) and (dx0[:, 8] == 0).all() and (dx0[:, :, 6] == 0).all()


@pytest.mark.parametrize("ksize, strides, padding", [
    ((3, 3), (2, 2), "VALID"), ((3, 3), (2, 2), "SAME"), ((3, 3), (1, 1), "SAME"),
    ((2, 3), (1, 2), "VALID"), ((3, 3), (1, 1), ((2, 2), (2, 2)))])   # last: no tap covers all
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_overlapping_windows_numba_and_numpy_give_the_same_bits(monkeypatch, engine, ksize,
                                                                strides, padding, dtype):
    rng = np.random.default_rng(12)
    x = _tied(rng, (3, 9, 8, 5)).astype(dtype)
    x[0, 0, 0, 0] = np.nan
    x[1, 2:4, 2:4, :] = -0.0                 # signed zeros: the order of the maxima shows
    x[1, 3, 3, :] = 0.0
    x[2, :, :, 1] = -np.inf
    results = []
    for switch in ("0", "1"):
        monkeypatch.setenv("TENSEUR_NUMBA", switch)
        results.append(pk.max_pool(x, ksize, strides, padding))
    assert results[0].tobytes() == results[1].tobytes()
    np.testing.assert_array_equal(results[0], ref_max_pool(x, ksize, strides, padding))


@pytest.mark.parametrize("size", [1, 2])
def test_max_pool_grad_of_a_one_channel_transposed_view(size):
    """NumPy reports any stride for an axis of size 1: a transposed NCHW image of one channel
    has strides[3] = a whole image row, and the tiled gradient took it for the step between
    values (dx wrong for tf.nn.max_pool(..., data_format="NCHW") on one channel; found by
    benchmarks/tf_fuzz_parity.py)."""
    rng = np.random.RandomState(0)
    nchw = rng.randn(2, 1, 4, 6).astype(np.float32)
    view = nchw.transpose(0, 2, 3, 1)                   # (2, 4, 6, 1), strides[3] == 96
    assert view.strides[3] != view.itemsize
    copy = np.array(view, order="C")
    y = pk.max_pool(copy, (size, size), (size, size), "VALID")
    dy = rng.randn(*y.shape).astype(np.float32)
    want = pk.max_pool_grad(copy, y, dy, (size, size), (size, size), "VALID")
    got = pk.max_pool_grad(view, y, dy, (size, size), (size, size), "VALID")
    np.testing.assert_array_equal(got, want)
    x = tf.placeholder(tf.float32, nchw.shape)
    pooled = tf.nn.max_pool(x, [1, 1, size, size], [1, 1, size, size], "VALID",
                            data_format="NCHW")
    grad = tf.gradients(pooled, x, grad_ys=dy.transpose(0, 3, 1, 2))[0]
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(grad, {x: nchw}), want.transpose(0, 3, 1, 2))
