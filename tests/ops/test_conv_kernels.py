"""Tests of the NumPy convolution and pooling kernels against slow references written from
the definitions (explicit loops over output pixels), finite differences and adjoint
identities, in float64."""

import math

import numpy as np
import pytest

from tenseur.ops import conv_kernels as ck
from tenseur.ops import pool_kernels as pk

RNG_SEED = 20240611


# ----------------------------------------------------------------------------------------
# References: TensorFlow's size table and loops over output pixels, written from the math.


def ref_size(in_size, k, stride, dilation, padding):
    k_eff = (k - 1) * dilation + 1
    if padding == "SAME":
        out = math.ceil(in_size / stride)
        total = max((out - 1) * stride + k_eff - in_size, 0)
        return out, total // 2, total - total // 2
    if padding == "VALID":
        return math.ceil((in_size - k_eff + 1) / stride), 0, 0
    before, after = padding
    return (in_size + before + after - k_eff) // stride + 1, before, after


def split_padding(padding):
    return (padding, padding) if isinstance(padding, str) else padding


def ref_conv2d(x, w, strides, padding, dilations=(1, 1)):
    n, height, width, _ = x.shape
    kh, kw, _, cout = w.shape
    pad_h, pad_w = split_padding(padding)
    oh, pt, _ = ref_size(height, kh, strides[0], dilations[0], pad_h)
    ow, pl, _ = ref_size(width, kw, strides[1], dilations[1], pad_w)
    y = np.zeros((n, oh, ow, cout))
    for r in range(oh):
        for c in range(ow):
            for i in range(kh):
                for j in range(kw):
                    h = r * strides[0] - pt + i * dilations[0]
                    v = c * strides[1] - pl + j * dilations[1]
                    if 0 <= h < height and 0 <= v < width:
                        y[:, r, c, :] += x[:, h, v, :] @ w[i, j]
    return y


def ref_depthwise(x, w, strides, padding, dilations=(1, 1)):
    n, height, width, channels = x.shape
    kh, kw, _, mult = w.shape
    pad_h, pad_w = split_padding(padding)
    oh, pt, _ = ref_size(height, kh, strides[0], dilations[0], pad_h)
    ow, pl, _ = ref_size(width, kw, strides[1], dilations[1], pad_w)
    y = np.zeros((n, oh, ow, channels, mult))
    for r in range(oh):
        for c in range(ow):
            for i in range(kh):
                for j in range(kw):
                    h = r * strides[0] - pt + i * dilations[0]
                    v = c * strides[1] - pl + j * dilations[1]
                    if 0 <= h < height and 0 <= v < width:
                        y[:, r, c] += x[:, h, v, :, None] * w[i, j]
    return y.reshape(n, oh, ow, channels * mult)


def ref_windows(x_shape, ksize, strides, padding):
    """Yield (r, c, row slice, column slice) of each pooling window's real cells."""
    pad_h, pad_w = split_padding(padding)
    oh, pt, _ = ref_size(x_shape[1], ksize[0], strides[0], 1, pad_h)
    ow, pl, _ = ref_size(x_shape[2], ksize[1], strides[1], 1, pad_w)
    for r in range(oh):
        for c in range(ow):
            h0, v0 = r * strides[0] - pt, c * strides[1] - pl
            rows = slice(max(h0, 0), min(h0 + ksize[0], x_shape[1]))
            cols = slice(max(v0, 0), min(v0 + ksize[1], x_shape[2]))
            yield r, c, rows, cols


def ref_pool(x, ksize, strides, padding, kind):
    out = {}
    for r, c, rows, cols in ref_windows(x.shape, ksize, strides, padding):
        window = x[:, rows, cols, :]
        out[r, c] = window.max(axis=(1, 2)) if kind == "max" else window.mean(axis=(1, 2))
    oh, ow = max(k[0] for k in out) + 1, max(k[1] for k in out) + 1
    y = np.zeros((x.shape[0], oh, ow, x.shape[3]), x.dtype)
    for (r, c), value in out.items():
        y[:, r, c] = value
    return y


def ref_max_pool_grad(x, dy, ksize, strides, padding):
    """Route each dy to the FIRST max of its window in row-major order (np.argmax)."""
    n, _, _, channels = x.shape
    dx = np.zeros_like(x)
    for r, c, rows, cols in ref_windows(x.shape, ksize, strides, padding):
        window = x[:, rows, cols, :].reshape(n, -1, channels)
        first = window.argmax(axis=1)  # (n, channels)
        width = cols.stop - cols.start
        for b in range(n):
            for ch in range(channels):
                dx[b, rows.start + first[b, ch] // width,
                   cols.start + first[b, ch] % width, ch] += dy[b, r, c, ch]
    return dx


# ----------------------------------------------------------------------------------------
# Random configurations


def random_padding(rng):
    choice = rng.integers(3)
    if choice == 0:
        return "SAME"
    if choice == 1:
        return "VALID"
    return tuple(tuple(int(p) for p in rng.integers(0, 3, size=2)) for _ in range(2))


def random_conv_config(rng, max_size=9):
    """(x_shape, k_hw, strides, padding, dilations) with a non-empty output."""
    while True:
        x_shape = (int(rng.integers(1, 4)), int(rng.integers(1, max_size + 1)),
                   int(rng.integers(1, max_size + 1)), int(rng.integers(1, 5)))
        k_hw = tuple(int(k) for k in rng.integers(1, 5, size=2))
        strides = tuple(int(s) for s in rng.integers(1, 4, size=2))
        dilations = tuple(int(d) for d in rng.integers(1, 3, size=2)) if rng.random() < 0.4 \
            else (1, 1)
        padding = random_padding(rng)
        pad_h, pad_w = split_padding(padding)
        sizes = [ref_size(x_shape[1], k_hw[0], strides[0], dilations[0], pad_h),
                 ref_size(x_shape[2], k_hw[1], strides[1], dilations[1], pad_w)]
        if min(s[0] for s in sizes) > 0:
            return x_shape, k_hw, strides, padding, dilations


def conv_configs(count, seed):
    rng = np.random.default_rng(seed)
    return [random_conv_config(rng) for _ in range(count)]


CONV_CASES = conv_configs(40, RNG_SEED)
HAND_CASES = [  # the slides' layers (small batch), strides > kernel, 1 channel, 1x1
    ((2, 28, 28, 1), (3, 3), (1, 1), "VALID", (1, 1)),
    ((2, 12, 12, 5), (3, 3), (1, 1), "VALID", (1, 1)),
    ((2, 7, 7, 3), (3, 3), (2, 2), "SAME", (1, 1)),
    ((1, 6, 6, 2), (3, 3), (2, 2), "SAME", (1, 1)),
    ((1, 9, 8, 2), (2, 2), (3, 3), "VALID", (1, 1)),
    ((2, 5, 5, 3), (1, 1), (1, 1), "VALID", (1, 1)),
    ((2, 9, 9, 2), (3, 3), (1, 1), "SAME", (2, 2)),
    ((1, 8, 7, 1), (3, 2), (2, 1), ((2, 0), (1, 3)), (1, 2)),
]


def make_conv(rng, config, cout=3):
    x_shape, k_hw, strides, padding, dilations = config
    x = rng.standard_normal(x_shape)
    w = rng.standard_normal(k_hw + (x_shape[3], cout))
    return x, w, strides, padding, dilations


# ----------------------------------------------------------------------------------------
# Output sizes


@pytest.mark.parametrize("in_size, k, stride, dilation, padding, expected", [
    (7, 3, 2, 1, "SAME", (4, 1, 1)),
    (6, 3, 2, 1, "SAME", (3, 0, 1)),  # odd padding pixel goes after
    (5, 2, 2, 1, "SAME", (3, 0, 1)),
    (28, 3, 1, 1, "SAME", (28, 1, 1)),
    (4, 1, 5, 1, "SAME", (1, 0, 0)),
    (1, 3, 1, 1, "SAME", (1, 1, 1)),
    (5, 3, 1, 2, "SAME", (5, 2, 2)),  # dilated kernel spans 5
    (7, 3, 2, 1, "VALID", (3, 0, 0)),
    (6, 3, 2, 1, "VALID", (2, 0, 0)),
    (10, 3, 3, 1, "VALID", (3, 0, 0)),
    (28, 3, 1, 1, "VALID", (26, 0, 0)),
    (9, 3, 1, 3, "VALID", (3, 0, 0)),
    (7, 3, 2, 1, (1, 2), (4, 1, 2)),
    (5, 4, 1, 1, (0, 0), (2, 0, 0)),
])
def test_conv_output_size_matches_tensorflow_table(in_size, k, stride, dilation, padding,
                                                   expected):
    assert ck.conv_output_size(in_size, k, stride, dilation, padding) == expected
    assert ref_size(in_size, k, stride, dilation, padding) == expected


def test_conv_output_size_empty_output_names_the_sizes():
    with pytest.raises(ValueError, match=r"input size 2.*kernel 3.*stride 1.*VALID"):
        ck.conv_output_size(2, 3, 1, 1, "VALID")
    with pytest.raises(ValueError, match=r"input size 3.*dilated to 5"):
        ck.conv_output_size(3, 3, 1, 2, "VALID")
    with pytest.raises(ValueError, match=r"input size 1"):
        ck.conv_output_size(1, 4, 1, 1, (1, 1))


@pytest.mark.parametrize("padding", ["same", "FULL", (1,), (1, -1), None])
def test_conv_output_size_rejects_bad_padding(padding):
    with pytest.raises(ValueError, match="padding"):
        ck.conv_output_size(5, 3, 1, 1, padding)


def test_conv_output_size_rejects_bad_stride():
    with pytest.raises(ValueError, match="stride=0"):
        ck.conv_output_size(5, 3, 0, 1, "SAME")


# ----------------------------------------------------------------------------------------
# Convolution


@pytest.mark.parametrize("config", HAND_CASES + CONV_CASES)
def test_conv2d_matches_reference(config):
    rng = np.random.default_rng(RNG_SEED)
    x, w, strides, padding, dilations = make_conv(rng, config)
    got = ck.conv2d(x, w, strides, padding, dilations)
    np.testing.assert_allclose(got, ref_conv2d(x, w, strides, padding, dilations),
                               rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("config", HAND_CASES + CONV_CASES)
def test_conv2d_backprops_satisfy_adjoint_identity(config):
    """<conv(x), dy> = <x, backprop_input(dy)> = <w, backprop_filter(x, dy)>."""
    rng = np.random.default_rng(RNG_SEED + 1)
    x, w, strides, padding, dilations = make_conv(rng, config)
    y = ck.conv2d(x, w, strides, padding, dilations)
    dy = rng.standard_normal(y.shape)
    dx = ck.conv2d_backprop_input(dy, w, x.shape, strides, padding, dilations)
    dw = ck.conv2d_backprop_filter(x, dy, w.shape, strides, padding, dilations)
    assert dx.shape == x.shape and dw.shape == w.shape
    inner = np.vdot(y, dy)
    np.testing.assert_allclose(np.vdot(x, dx), inner, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(np.vdot(w, dw), inner, rtol=1e-10, atol=1e-10)


def central_difference_gradient(f, a, eps=1e-6):
    grad = np.zeros_like(a)
    flat, out = a.reshape(-1), grad.reshape(-1)
    for k in range(flat.size):
        keep = flat[k]
        flat[k] = keep + eps
        plus = f()
        flat[k] = keep - eps
        minus = f()
        flat[k] = keep
        out[k] = (plus - minus) / (2 * eps)
    return grad


@pytest.mark.parametrize("config", [
    ((2, 5, 6, 2), (3, 3), (1, 1), "SAME", (1, 1)),
    ((1, 7, 7, 2), (3, 2), (2, 2), "SAME", (1, 1)),
    ((2, 6, 5, 1), (2, 3), (2, 1), ((1, 2), (0, 1)), (2, 1)),
    ((1, 6, 6, 3), (3, 3), (3, 3), "VALID", (1, 1)),
])
def test_conv2d_backprops_match_finite_differences(config):
    rng = np.random.default_rng(RNG_SEED + 2)
    x, w, strides, padding, dilations = make_conv(rng, config, cout=2)
    r = rng.standard_normal(ck.conv2d(x, w, strides, padding, dilations).shape)

    def loss():
        return float(np.sum(ck.conv2d(x, w, strides, padding, dilations) * r))

    dx = ck.conv2d_backprop_input(r, w, x.shape, strides, padding, dilations)
    dw = ck.conv2d_backprop_filter(x, r, w.shape, strides, padding, dilations)
    np.testing.assert_allclose(dx, central_difference_gradient(loss, x), atol=1e-7)
    np.testing.assert_allclose(dw, central_difference_gradient(loss, w), atol=1e-7)


@pytest.mark.parametrize("config", [
    ((3, 13, 11, 2), (3, 3), (1, 1), "SAME", (1, 1)),
    ((3, 13, 11, 1), (3, 3), (2, 2), "SAME", (1, 1)),
    ((2, 12, 12, 3), (3, 2), (2, 1), ((1, 2), (2, 0)), (2, 1)),
    ((2, 3, 4, 2), (2, 2), (1, 2), ((5, 4), (0, 3)), (1, 1)),  # bands of padding only
])
def test_blocked_paths_match_reference(monkeypatch, config):
    """Tiny blocks force several image blocks and row bands inside one image."""
    rng = np.random.default_rng(RNG_SEED + 3)
    x, w, strides, padding, dilations = make_conv(rng, config)
    y_ref = ref_conv2d(x, w, strides, padding, dilations)
    dy = rng.standard_normal(y_ref.shape)
    whole = (ck.conv2d_backprop_input(dy, w, x.shape, strides, padding, dilations),
             ck.conv2d_backprop_filter(x, dy, w.shape, strides, padding, dilations))
    monkeypatch.setattr(ck, "_BLOCK_BYTES", 600)
    np.testing.assert_allclose(ck.conv2d(x, w, strides, padding, dilations), y_ref,
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(
        ck.conv2d_backprop_input(dy, w, x.shape, strides, padding, dilations), whole[0],
        rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(
        ck.conv2d_backprop_filter(x, dy, w.shape, strides, padding, dilations), whole[1],
        rtol=1e-12, atol=1e-12)
    wd = rng.standard_normal(w.shape[:3] + (2,))
    np.testing.assert_allclose(ck.depthwise_conv2d(x, wd, strides, padding, dilations),
                               ref_depthwise(x, wd, strides, padding, dilations),
                               rtol=1e-12, atol=1e-12)


def test_conv2d_accepts_non_contiguous_input():
    rng = np.random.default_rng(RNG_SEED + 4)
    x_nchw = rng.standard_normal((2, 3, 8, 7))
    x = x_nchw.transpose(0, 2, 3, 1)  # NHWC view of NCHW memory
    w = rng.standard_normal((3, 3, 3, 4))
    np.testing.assert_allclose(ck.conv2d(x, w, (2, 1), "SAME"),
                               ref_conv2d(x, w, (2, 1), "SAME"), rtol=1e-12, atol=1e-12)


def test_conv2d_results_are_fresh_arrays_not_scratch():
    rng = np.random.default_rng(RNG_SEED + 5)
    x1, x2 = rng.standard_normal((2, 2, 9, 9, 3))
    w = rng.standard_normal((3, 3, 3, 4))
    y1 = ck.conv2d(x1, w, (1, 1), "SAME")
    kept = y1.copy()
    ck.conv2d(x2, w, (1, 1), "SAME")
    np.testing.assert_array_equal(y1, kept)


def test_scratch_cache_stays_bounded():
    rng = np.random.default_rng(RNG_SEED + 6)
    for size in range(5, 25):
        x = rng.standard_normal((1, size, size, 2)).astype(np.float32)
        w = rng.standard_normal((3, 3, 2, 2)).astype(np.float32)
        ck.conv2d(x, w, (1, 1), "SAME")
    assert len(ck._local.cache) <= ck._MAX_SCRATCH


def test_scratch_cache_does_not_keep_large_buffers(monkeypatch):
    monkeypatch.setattr(ck, "_MAX_SCRATCH_BYTES", 4096)
    monkeypatch.setattr(ck._local, "cache", {}, raising=False)
    rng = np.random.default_rng(RNG_SEED + 6)
    x = rng.standard_normal((4, 16, 16, 3))
    w = rng.standard_normal((3, 3, 3, 2))
    np.testing.assert_allclose(ck.conv2d(x, w, (1, 1), "SAME"), ref_conv2d(x, w, (1, 1), "SAME"),
                               rtol=1e-12, atol=1e-12)
    assert all(buf.nbytes <= 4096 for buf in ck._local.cache.values())


# ----------------------------------------------------------------------------------------
# Depthwise convolution


@pytest.mark.parametrize("config", HAND_CASES[2:] + CONV_CASES[:20])
@pytest.mark.parametrize("multiplier", [1, 3])
def test_depthwise_matches_reference_and_adjoints(config, multiplier):
    rng = np.random.default_rng(RNG_SEED + 7)
    x_shape, k_hw, strides, padding, dilations = config
    x = rng.standard_normal(x_shape)
    w = rng.standard_normal(k_hw + (x_shape[3], multiplier))
    y = ck.depthwise_conv2d(x, w, strides, padding, dilations)
    np.testing.assert_allclose(y, ref_depthwise(x, w, strides, padding, dilations),
                               rtol=1e-12, atol=1e-12)
    dy = rng.standard_normal(y.shape)
    dx = ck.depthwise_conv2d_backprop_input(dy, w, x.shape, strides, padding, dilations)
    dw = ck.depthwise_conv2d_backprop_filter(x, dy, w.shape, strides, padding, dilations)
    np.testing.assert_allclose(np.vdot(x, dx), np.vdot(y, dy), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(np.vdot(w, dw), np.vdot(y, dy), rtol=1e-10, atol=1e-10)


def test_depthwise_channel_order_is_channel_major():
    """Output channel c * multiplier + m is input channel c filtered by w[..., c, m]."""
    x = np.zeros((1, 1, 1, 2))
    x[..., 1] = 1.0
    w = np.arange(2 * 3, dtype=float).reshape(1, 1, 2, 3)
    y = ck.depthwise_conv2d(x, w, (1, 1), "VALID")
    np.testing.assert_array_equal(y.reshape(-1), [0, 0, 0, 3, 4, 5])


def test_depthwise_backprops_match_finite_differences():
    rng = np.random.default_rng(RNG_SEED + 8)
    x = rng.standard_normal((2, 6, 5, 2))
    w = rng.standard_normal((3, 2, 2, 2))
    args = ((2, 1), "SAME", (1, 2))
    r = rng.standard_normal(ck.depthwise_conv2d(x, w, *args).shape)

    def loss():
        return float(np.sum(ck.depthwise_conv2d(x, w, *args) * r))

    np.testing.assert_allclose(ck.depthwise_conv2d_backprop_input(r, w, x.shape, *args),
                               central_difference_gradient(loss, x), atol=1e-7)
    np.testing.assert_allclose(ck.depthwise_conv2d_backprop_filter(x, r, w.shape, *args),
                               central_difference_gradient(loss, w), atol=1e-7)


# ----------------------------------------------------------------------------------------
# Pooling


POOL_CASES = [
    ((2, 24, 24, 3), (2, 2), (2, 2), "VALID"),  # the slides' pools
    ((2, 10, 10, 2), (2, 2), (2, 2), "VALID"),
    ((1, 5, 5, 2), (2, 2), (2, 2), "VALID"),  # odd size: last row/column dropped
    ((1, 5, 5, 2), (2, 2), (2, 2), "SAME"),  # odd size: padded bottom/right
    ((2, 7, 6, 3), (3, 3), (2, 2), "SAME"),  # overlapping windows
    ((1, 7, 7, 1), (3, 3), (1, 1), "SAME"),
    ((1, 8, 9, 2), (2, 3), (3, 2), "VALID"),
    ((1, 9, 9, 2), (2, 2), (3, 3), "SAME"),  # stride > window: gaps
    ((2, 6, 7, 2), (3, 2), (2, 1), ((1, 1), (0, 1))),
    ((1, 1, 1, 4), (3, 3), (2, 2), "SAME"),
    ((1, 9, 8, 2), (3, 2), (3, 2), "VALID"),  # tiling windows, not square
    ((1, 4, 7, 2), (1, 3), (1, 3), "VALID"),
]


@pytest.mark.parametrize("x_shape, ksize, strides, padding", POOL_CASES)
def test_pools_match_reference(x_shape, ksize, strides, padding):
    x = np.random.default_rng(RNG_SEED + 9).standard_normal(x_shape)
    np.testing.assert_allclose(pk.max_pool(x, ksize, strides, padding),
                               ref_pool(x, ksize, strides, padding, "max"), rtol=0, atol=0)
    np.testing.assert_allclose(pk.avg_pool(x, ksize, strides, padding),
                               ref_pool(x, ksize, strides, padding, "avg"), rtol=1e-12,
                               atol=1e-12)


@pytest.mark.parametrize("x_shape, ksize, strides, padding", POOL_CASES)
def test_pool_grads_match_reference_and_adjoint(x_shape, ksize, strides, padding):
    rng = np.random.default_rng(RNG_SEED + 10)
    x = rng.standard_normal(x_shape)
    y = pk.max_pool(x, ksize, strides, padding)
    dy = rng.standard_normal(y.shape)
    np.testing.assert_allclose(pk.max_pool_grad(x, y, dy, ksize, strides, padding),
                               ref_max_pool_grad(x, dy, ksize, strides, padding), atol=1e-12)
    a = pk.avg_pool(x, ksize, strides, padding)
    da = pk.avg_pool_grad(x.shape, dy, ksize, strides, padding)
    np.testing.assert_allclose(np.vdot(x, da), np.vdot(a, dy), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("x_shape, ksize, strides, padding", [
    ((1, 5, 5, 2), (2, 2), (2, 2), "SAME"),
    ((2, 5, 4, 1), (3, 3), (2, 1), "SAME"),
])
def test_pool_grads_match_finite_differences(x_shape, ksize, strides, padding):
    rng = np.random.default_rng(RNG_SEED + 11)
    x = rng.permutation(np.prod(x_shape)).reshape(x_shape) * 0.01  # distinct: no ties
    r = rng.standard_normal(pk.max_pool(x, ksize, strides, padding).shape)
    y = pk.max_pool(x, ksize, strides, padding)
    for kind, pool in (("max", pk.max_pool), ("avg", pk.avg_pool)):
        numeric = central_difference_gradient(
            lambda pool=pool: float(np.sum(pool(x, ksize, strides, padding) * r)), x)
        if kind == "max":
            got = pk.max_pool_grad(x, y, r, ksize, strides, padding)
        else:
            got = pk.avg_pool_grad(x.shape, r, ksize, strides, padding)
        np.testing.assert_allclose(got, numeric, atol=1e-7)


def test_max_pool_grad_ties_go_to_first_max_in_row_major_order():
    """TensorFlow CPU: the first maximum in row-major window order gets the gradient."""
    x = np.array([[1.0, 5.0, 2.0, 2.0],
                  [5.0, 5.0, 2.0, 2.0]]).reshape(1, 2, 4, 1)
    y = pk.max_pool(x, (2, 2), (2, 2), "VALID")
    dx = pk.max_pool_grad(x, y, np.array([3.0, 7.0]).reshape(1, 1, 2, 1), (2, 2), (2, 2),
                          "VALID")
    np.testing.assert_array_equal(dx.reshape(2, 4), [[0, 3, 7, 0], [0, 0, 0, 0]])


def test_max_pool_grad_ties_with_overlapping_windows():
    rng = np.random.default_rng(RNG_SEED + 12)
    x = rng.integers(0, 3, size=(2, 7, 7, 3)).astype(np.float64)  # many ties
    for ksize, strides, padding in [((3, 3), (1, 1), "SAME"), ((3, 2), (2, 1), "VALID"),
                                    ((2, 2), (2, 2), "SAME")]:
        y = pk.max_pool(x, ksize, strides, padding)
        dy = rng.standard_normal(y.shape)
        np.testing.assert_allclose(pk.max_pool_grad(x, y, dy, ksize, strides, padding),
                                   ref_max_pool_grad(x, dy, ksize, strides, padding),
                                   atol=1e-12)


def test_max_pool_padding_never_wins():
    x = -np.ones((1, 3, 3, 1))  # every real cell is below the zero a padded cell would hold
    assert np.all(pk.max_pool(x, (2, 2), (2, 2), "SAME") == -1)
    dx = pk.max_pool_grad(x, pk.max_pool(x, (2, 2), (2, 2), "SAME"), np.ones((1, 2, 2, 1)),
                          (2, 2), (2, 2), "SAME")
    assert dx.sum() == 4


def test_avg_pool_same_divides_by_real_cells():
    x = np.ones((1, 3, 3, 1))
    np.testing.assert_array_equal(pk.avg_pool(x, (3, 3), (1, 1), "SAME"), np.ones((1, 3, 3, 1)))
    x = np.arange(9.0).reshape(1, 3, 3, 1)
    y = pk.avg_pool(x, (2, 2), (2, 2), "SAME")  # windows {0,1,3,4}, {2,5}, {6,7}, {8}
    np.testing.assert_allclose(y.reshape(-1), [2.0, 3.5, 6.5, 8.0])
    dx = pk.avg_pool_grad(x.shape, np.ones((1, 2, 2, 1)), (2, 2), (2, 2), "SAME")
    np.testing.assert_allclose(dx.reshape(3, 3), [[.25, .25, .5], [.25, .25, .5], [.5, .5, 1]])


# ----------------------------------------------------------------------------------------
# Dtypes and errors


def test_float32_in_float32_out():
    rng = np.random.default_rng(RNG_SEED + 13)
    x = rng.standard_normal((2, 8, 8, 3)).astype(np.float32)
    w = rng.standard_normal((3, 3, 3, 4)).astype(np.float32)
    wd = rng.standard_normal((3, 3, 3, 2)).astype(np.float32)
    y = ck.conv2d(x, w, (1, 1), "SAME")
    yd = ck.depthwise_conv2d(x, wd, (2, 2), "SAME")
    p = pk.max_pool(x, (2, 2), (2, 2), "VALID")
    results = [
        y, ck.conv2d(x, w, (2, 2), "VALID"),
        ck.conv2d_backprop_input(y, w, x.shape, (1, 1), "SAME"),
        ck.conv2d_backprop_input(ck.conv2d(x, w, (2, 2), "SAME"), w, x.shape, (2, 2), "SAME"),
        ck.conv2d_backprop_filter(x, y, w.shape, (1, 1), "SAME"),
        yd, ck.depthwise_conv2d_backprop_input(yd, wd, x.shape, (2, 2), "SAME"),
        ck.depthwise_conv2d_backprop_filter(x, yd, wd.shape, (2, 2), "SAME"),
        p, pk.max_pool_grad(x, p, p, (2, 2), (2, 2), "VALID"),
        pk.avg_pool(x, (3, 3), (2, 2), "SAME"),
        pk.avg_pool_grad(x.shape, pk.avg_pool(x, (3, 3), (2, 2), "SAME"), (3, 3), (2, 2),
                         "SAME"),
    ]
    assert [r.dtype for r in results] == [np.float32] * len(results)
    np.testing.assert_allclose(y, ref_conv2d(x.astype(np.float64), w.astype(np.float64),
                                             (1, 1), "SAME"), rtol=1e-4, atol=1e-4)


def test_mixed_dtypes_are_rejected():
    x = np.zeros((1, 4, 4, 2), np.float32)
    with pytest.raises(TypeError, match=r"conv2d.*x: float32.*w: float64"):
        ck.conv2d(x, np.zeros((3, 3, 2, 1)), (1, 1), "SAME")


def test_channel_mismatch_is_explained():
    with pytest.raises(ValueError, match=r"conv2d: the input has 3 channels but the filter "
                                         r"expects 2"):
        ck.conv2d(np.zeros((1, 5, 5, 3)), np.zeros((3, 3, 2, 4)), (1, 1), "SAME")


def test_empty_output_is_explained():
    with pytest.raises(ValueError, match=r"conv2d: .*input size 2, kernel 3"):
        ck.conv2d(np.zeros((1, 2, 5, 1)), np.zeros((3, 3, 1, 1)), (1, 1), "VALID")


@pytest.mark.parametrize("call, match", [
    (lambda: ck.conv2d(np.zeros((5, 5, 3)), np.zeros((3, 3, 3, 4)), (1, 1), "SAME"),
     r"x must have rank 4"),
    (lambda: ck.conv2d(np.zeros((1, 5, 5, 3)), np.zeros((3, 3, 3, 4)), (0, 1), "SAME"),
     r"strides"),
    (lambda: ck.conv2d(np.zeros((1, 5, 5, 3)), np.zeros((3, 3, 3, 4)), (1, 1), "same"),
     r"padding"),
    (lambda: ck.conv2d_backprop_input(np.zeros((1, 4, 4, 4)), np.zeros((3, 3, 3, 4)),
                                      (1, 5, 5, 3), (1, 1), "SAME"),
     r"dy must have the output's shape \(1, 5, 5, 4\)"),
    (lambda: pk.max_pool(np.zeros((1, 5, 5, 1)), (2, 2), (2, 2), ((2, 0), (0, 0))),
     r"padding must be smaller than the window"),
])
def test_argument_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_avg_pool_rejects_integers():
    with pytest.raises(TypeError, match="floating-point"):
        pk.avg_pool(np.zeros((1, 4, 4, 1), np.int32), (2, 2), (2, 2), "VALID")


def test_1x1_convolution_in_row_bands_is_the_pixelwise_product(monkeypatch):
    """1x1 kernels skip the patch matrix: the pixels of each block (here row bands of one
    image, the block size made tiny) are multiplied by the filter directly."""
    monkeypatch.setattr(ck, "_BLOCK_BYTES", 256)
    rng = np.random.default_rng(RNG_SEED)
    x = rng.standard_normal((3, 7, 5, 4))
    w = rng.standard_normal((1, 1, 4, 6))
    dy = rng.standard_normal((3, 7, 5, 6))
    np.testing.assert_allclose(ck.conv2d(x, w, (1, 1), "VALID"),
                               np.einsum("nhwc,cd->nhwd", x, w[0, 0]), rtol=1e-12)
    np.testing.assert_allclose(ck.conv2d_backprop_input(dy, w, x.shape, (1, 1), "SAME"),
                               np.einsum("nhwd,cd->nhwc", dy, w[0, 0]), rtol=1e-12)
    np.testing.assert_allclose(ck.conv2d_backprop_filter(x, dy, w.shape, (1, 1), "VALID"),
                               np.einsum("nhwc,nhwd->cd", x, dy)[None, None], rtol=1e-12)
