"""Winograd F(2x2, 3x3) and F(4x4, 3x3) convolutions (tenseur/ops/winograd.py): the same
values as the direct definition and as im2col, the same gradients as finite differences, and
used only where they apply (3x3, stride 1, enough channels, numba installed, TENSEUR_WINOGRAD
not 0; F(4x4, 3x3) where its products are fewer enough, TENSEUR_WINOGRAD4 not 0)."""
import numpy as np
import pytest

pytest.importorskip("numba")
pytestmark = pytest.mark.usefixtures("default_switches")

import tenseur as tf  # noqa: E402
from tenseur.backend import threads  # noqa: E402
from tenseur.ops import conv_kernels, winograd  # noqa: E402
from tenseur.testing import check_gradients  # noqa: E402
from tests.spies import record_calls  # noqa: E402

from .cases_conv import ref_conv2d  # noqa: E402

rng = np.random.default_rng(5)


def _im2col(monkeypatch, fn, *args):
    """fn(*args) with Winograd switched off (conv_kernels' im2col products)."""
    with monkeypatch.context() as m:
        m.setenv("TENSEUR_WINOGRAD", "0")
        return fn(*args)


@pytest.fixture
def calls(monkeypatch):
    """The winograd entry points called during the test, by name (the tests' small images
    count as enough tiles)."""
    monkeypatch.setattr(winograd, "MIN_TILES", 1)
    return record_calls(monkeypatch, winograd, ("conv", "filter_grad"))


@pytest.fixture(params=["F2", "F4"])
def variant(request, monkeypatch):
    """Every Winograd convolution of the test runs as this variant; yields the list of the
    variants that ran."""
    monkeypatch.setattr(winograd, "F4_SHARE", 0.0 if request.param == "F2" else 100.0)
    chosen = []
    choose = winograd.variant

    def spy(g):
        chosen.append(choose(g))
        return chosen[-1]

    monkeypatch.setattr(winograd, "variant", spy)
    want = getattr(winograd, request.param)
    yield want, chosen
    assert chosen and all(v is want for v in chosen)


@pytest.fixture(params=[1, 2], ids=["1 thread", "2 threads"])
def small_blocks(request, monkeypatch):
    """Blocks of one or two images (so every call has several), on 1 or 2 threads."""
    monkeypatch.setattr(winograd, "_BLOCK_BYTES", 1)
    monkeypatch.setattr(conv_kernels, "_PARALLEL_MIN_BYTES", 1)
    threads.set_intra_op_threads(request.param)
    yield request.param
    threads.set_intra_op_threads(0)


# (input height, width), padding: even and odd output sizes, SAME, VALID, explicit pads.
GEOMETRIES = [((8, 8), "VALID"), ((7, 9), "SAME"), ((5, 6), ((2, 0), (1, 3))), ((3, 3), "VALID")]


@pytest.mark.parametrize("hw, padding", GEOMETRIES)
def test_forward_and_gradients_match_the_definition_and_im2col(monkeypatch, calls, small_blocks,
                                                               variant, hw, padding):
    x = rng.normal(size=(3,) + hw + (24,))
    w = rng.normal(size=(3, 3, 24, 20)) / 10
    y = conv_kernels.conv2d(x, w, (1, 1), padding)
    np.testing.assert_allclose(y, ref_conv2d(x, w, padding=padding), rtol=1e-12, atol=1e-12)
    dy = rng.normal(size=y.shape)
    dx = conv_kernels.conv2d_backprop_input(dy, w, x.shape, (1, 1), padding)
    dw = conv_kernels.conv2d_backprop_filter(x, dy, w.shape, (1, 1), padding)
    assert calls == ["conv", "conv", "filter_grad"]      # the input gradient is a forward one
    for got, fn, args in ((dx, conv_kernels.conv2d_backprop_input, (dy, w, x.shape)),
                          (dw, conv_kernels.conv2d_backprop_filter, (x, dy, w.shape))):
        want = _im2col(monkeypatch, fn, *args, (1, 1), padding)
        np.testing.assert_allclose(got, want, rtol=1e-11, atol=1e-11)
    # float32: rounding differs from im2col's, by float32 rounding.
    x32, w32, dy32 = x.astype(np.float32), w.astype(np.float32), dy.astype(np.float32)
    for fn, args, want in (
            (conv_kernels.conv2d, (x32, w32), y),
            (conv_kernels.conv2d_backprop_input, (dy32, w32, x.shape), dx),
            (conv_kernels.conv2d_backprop_filter, (x32, dy32, w.shape), dw)):
        got = fn(*args, (1, 1), padding)
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4 * np.abs(want).max())


_BT = {2: np.array([[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]], np.float64),
       4: np.array([[4, 0, -5, 0, 1, 0], [0, -4, -4, 1, 1, 0], [0, 4, -4, -1, 1, 0],
                    [0, -2, -1, 2, 1, 0], [0, 2, -1, -2, 1, 0], [0, 4, 0, -5, 0, 1]],
                   np.float64)}


@pytest.mark.parametrize("m", [2, 4], ids=["F2", "F4"])
@pytest.mark.parametrize("shape, top, left, th, tw", [
    ((2, 6, 6, 8), 0, 0, 2, 2),          # no padding (F2); F4's tiles pass the image's end
    ((2, 5, 7, 8), 1, 1, 3, 4),          # SAME-like: zeros on every side
    ((1, 4, 4, 3), 2, 2, 3, 3),          # an input gradient's full padding
    ((2, 9, 9, 5), -1, 2, 3, 2),         # rows cut at the top, columns padded
    ((1, 8, 10, 4), 0, -3, 3, 2),        # columns cut on both sides
    ((1, 2, 2, 4), 3, 3, 2, 2),          # tiles with no input at all
    ((1, 10, 10, 4), 0, 0, 2, 2),        # F4 without padding
])
def test_the_input_transform_pads_as_a_zero_padded_copy_would(m, shape, top, left, th, tw):
    # The transform reads x in place; the same bits as on the explicitly padded input.
    v = winograd.F2 if m == 2 else winograd.F4
    kernels = winograd._compiled(v)
    if kernels is None:
        pytest.skip("numba kernels switched off")
    x = rng.normal(size=shape).astype(np.float32)
    hp, wp = m * th + 2, m * tw + 2
    padded = np.zeros((shape[0], hp, wp, shape[3]), np.float32)
    for r in range(hp):
        for c in range(wp):
            if 0 <= r - top < shape[1] and 0 <= c - left < shape[2]:
                padded[:, r, c] = x[:, r - top, c - left]
    got = np.full((v.positions, shape[0] * th * tw, shape[3]), np.nan, np.float32)
    want = got.copy()
    kernels[0](x, top, left, th, tw, got)
    kernels[0](padded, 0, 0, th, tw, want)
    assert got.tobytes() == want.tobytes()
    bt = _BT[m]
    d = padded[:, :m + 2, :m + 2]                    # the first tile, by the definition
    first = np.einsum("pi,nijc,qj->npqc", bt, d, bt)[0].reshape(v.positions, shape[3])
    np.testing.assert_allclose(got[:, 0], first, rtol=1e-6, atol=1e-5)


def test_f4_runs_where_its_products_are_fewer_enough(monkeypatch):
    # The slides' 32 -> 32 layer (24x24 output): 36 x 6 x 6 products against 16 x 12 x 12,
    # 0.56 of them: F4. The 32 -> 16 layer (10x10): 36 x 3 x 3 against 16 x 5 x 5, 0.81: F2.
    def geometry(side):
        return conv_kernels._geometry("conv2d", (side + 2, side + 2), (3, 3), (1, 1),
                                      "VALID", (1, 1))

    assert winograd.variant(geometry(24)) is winograd.F4
    assert winograd.variant(geometry(10)) is winograd.F2
    monkeypatch.setenv("TENSEUR_WINOGRAD4", "0")
    assert winograd.variant(geometry(24)) is winograd.F2


def test_gradients_through_the_ops_match_finite_differences(calls, variant):
    # check_gradients runs in float64; 16 -> 32 channels take the Winograd path both ways.
    x = rng.normal(size=(2, 5, 6, 16))
    w = rng.normal(size=(3, 3, 16, 32)) / 10
    check_gradients(lambda a, b: tf.nn.conv2d(a, b, [1, 1, 1, 1], "SAME"), [x, w])
    assert {"conv", "filter_grad"} <= set(calls)


def test_the_forward_bits_do_not_depend_on_the_threads(monkeypatch, calls, variant):
    x = rng.normal(size=(9, 10, 10, 32)).astype(np.float32)
    w = rng.normal(size=(3, 3, 32, 32)).astype(np.float32)
    monkeypatch.setattr(winograd, "_BLOCK_BYTES", 1)
    monkeypatch.setattr(conv_kernels, "_PARALLEL_MIN_BYTES", 1)
    results = []
    for count in (1, 2, 3):
        threads.set_intra_op_threads(count)
        try:
            results.append(conv_kernels.conv2d(x, w, (1, 1), "SAME"))
        finally:
            threads.set_intra_op_threads(0)
    assert all(r.tobytes() == results[0].tobytes() for r in results)
    assert calls == ["conv"] * 3


@pytest.mark.parametrize("strides, dilations, k, cin, cout, dtype", [
    ((2, 2), (1, 1), 3, 32, 32, np.float32),        # stride 2
    ((1, 1), (2, 2), 3, 32, 32, np.float32),        # dilation
    ((1, 1), (1, 1), 5, 32, 32, np.float32),        # 5x5
    ((1, 1), (1, 1), 3, 1, 32, np.float32),         # the slides' first layer: too few channels
    ((1, 1), (1, 1), 3, 16, 16, np.float32),        # no gain measured at 16 -> 16
    ((1, 1), (1, 1), 3, 32, 32, np.float16),
])
def test_other_convolutions_keep_im2col(calls, strides, dilations, k, cin, cout, dtype):
    x = rng.normal(size=(2, 9, 9, cin)).astype(dtype)
    w = rng.normal(size=(k, k, cin, cout)).astype(dtype)
    y = conv_kernels.conv2d(x, w, strides, "SAME", dilations)
    conv_kernels.conv2d_backprop_filter(x, y, w.shape, strides, "SAME", dilations)
    assert calls == []


def test_few_tiles_keep_im2col(monkeypatch, calls):
    # 2 images of 7x7: 2 * 4 * 4 = 32 tiles; the batch of 16 has 256.
    monkeypatch.setattr(winograd, "MIN_TILES", 256)
    w = rng.normal(size=(3, 3, 32, 32)).astype(np.float32)
    conv_kernels.conv2d(rng.normal(size=(2, 7, 7, 32)).astype(np.float32), w, (1, 1), "SAME")
    assert calls == []
    conv_kernels.conv2d(rng.normal(size=(16, 7, 7, 32)).astype(np.float32), w, (1, 1), "SAME")
    assert calls == ["conv"]


def test_large_images_keep_im2col(calls):
    # 16 * 28 * 28 tiles * 64 channels * 4 bytes = 3.2 MB of V per 56x56 image: Winograd; a
    # 224x224 image would need 51 MB: im2col, which cuts it into bands of rows.
    w = rng.normal(size=(3, 3, 64, 64)).astype(np.float32)
    conv_kernels.conv2d(rng.normal(size=(1, 56, 56, 64)).astype(np.float32), w, (1, 1), "SAME")
    assert calls == ["conv"]
    conv_kernels.conv2d(np.ones((1, 224, 224, 64), np.float32), w, (1, 1), "SAME")
    assert calls == ["conv"]


def test_switched_off_by_the_environment(monkeypatch, calls):
    x = rng.normal(size=(2, 6, 6, 32)).astype(np.float32)
    w = rng.normal(size=(3, 3, 32, 32)).astype(np.float32)
    monkeypatch.setenv("TENSEUR_WINOGRAD", "0")
    conv_kernels.conv2d(x, w, (1, 1), "SAME")
    assert calls == []
    monkeypatch.setenv("TENSEUR_WINOGRAD", "1")
    conv_kernels.conv2d(x, w, (1, 1), "SAME")
    assert calls == ["conv"]


def test_without_numba_im2col_runs(monkeypatch, calls):
    from tenseur.backend import jit
    monkeypatch.setitem(jit._modules, "tenseur.ops.winograd_kernels", None)  # import failed
    x = rng.normal(size=(2, 6, 6, 32)).astype(np.float32)
    w = rng.normal(size=(3, 3, 32, 32)).astype(np.float32)
    np.testing.assert_allclose(conv_kernels.conv2d(x, w, (1, 1), "VALID"),
                               ref_conv2d(x.astype(np.float64), w.astype(np.float64)),
                               rtol=1e-4, atol=1e-4)
    assert calls == []


def test_numba_is_imported_only_by_a_convolution_that_uses_it():
    import os
    import subprocess
    import sys
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    code = ("import sys, numpy as np, tenseur as tf\n"
            "from tenseur.ops import conv_kernels as ck, winograd\n"
            "winograd.MIN_TILES = 1\n"
            "x = np.ones((1, 6, 6, 32), np.float32)\n"
            "ck.conv2d(x, np.ones((5, 5, 32, 32), np.float32), (1, 1), 'SAME')\n"
            "ck.conv2d(x, np.ones((3, 3, 32, 32), np.float32), (2, 2), 'SAME')\n"
            "assert 'numba' not in sys.modules\n"
            "ck.conv2d(x, np.ones((3, 3, 32, 32), np.float32), (1, 1), 'SAME')\n"
            "assert 'numba' in sys.modules\n")
    env = {**os.environ, "PYTHONPATH": root + os.pathsep + os.environ.get("PYTHONPATH", "")}
    done = subprocess.run([sys.executable, "-c", code], env=env, timeout=120,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def _f4_rows(d, f2, f4, f5):
    """B^T d along axis 0 of d (6 rows), in the kernels' order of operations."""
    d0, d1, d2, d3, d4, d5 = d
    return np.stack([f4 * d0 - f5 * d2 + d4, d3 + d4 - f4 * (d1 + d2), d4 - d3 + f4 * (d1 - d2),
                     d4 - d2 + f2 * (d3 - d1), d4 - d2 + f2 * (d1 - d3), f4 * d1 - f5 * d3 + d5])


def _f4_a_transpose(e, f2, f4, f8):
    e0, e1, e2, e3, e4, e5 = e
    return np.stack([e0 + e1 + e2 + e3 + e4, e1 - e2 + f2 * (e3 - e4),
                     e1 + e2 + f4 * (e3 + e4), e1 - e2 + f8 * (e3 - e4) + e5])


def _f4_a(g, f2, f4, f8):
    g0, g1, g2, g3 = g
    return np.stack([g0, g0 + g1 + g2 + g3, g0 - g1 + g2 - g3, g0 + f2 * g1 + f4 * g2 + f8 * g3,
                     g0 - f2 * g1 + f4 * g2 - f8 * g3, g3])


def test_f4_transforms_compute_in_float32():
    # The same bits as NumPy's float32 arithmetic in the same order: a constant written as a
    # Python int would make numba compute in float64 (other bits, and transforms twice as
    # slow: benchmarks/README.md).
    kernels = winograd._compiled(winograd.F4)
    if kernels is None:
        pytest.skip("numba kernels switched off")
    input_transform, output_transform, grad_transform = kernels
    f2, f4, f5, f8 = (np.float32(c) for c in (2, 4, 5, 8))
    x = rng.normal(size=(2, 10, 10, 3)).astype(np.float32)         # 2 x 2 tiles, no padding
    got = np.empty((36, 8, 3), np.float32)
    input_transform(x, 0, 0, 2, 2, got)
    m = rng.normal(size=(36, 8, 3)).astype(np.float32)
    y = np.empty((2, 8, 8, 3), np.float32)
    output_transform(m, 2, 2, y, np.zeros(0, np.float32), False)
    dy = rng.normal(size=(2, 8, 8, 3)).astype(np.float32)
    z = np.empty((36, 8, 3), np.float32)
    grad_transform(dy, 2, 2, z)
    t = 0
    for b in range(2):
        for i in range(2):
            for j in range(2):
                d = x[b, 4 * i:4 * i + 6, 4 * j:4 * j + 6]            # (6, 6, C)
                v = _f4_rows(_f4_rows(d, f2, f4, f5).transpose(1, 0, 2), f2, f4, f5)
                assert v.transpose(1, 0, 2).reshape(36, 3).tobytes() == got[:, t].tobytes()
                tile = m[:, t].reshape(6, 6, 3)
                rows = _f4_a_transpose(tile, f2, f4, f8)              # (4, 6, C)
                out = _f4_a_transpose(rows.transpose(1, 0, 2), f2, f4, f8).transpose(1, 0, 2)
                assert out.tobytes() == y[b, 4 * i:4 * i + 4, 4 * j:4 * j + 4].tobytes()
                g = dy[b, 4 * i:4 * i + 4, 4 * j:4 * j + 4]
                zz = _f4_a(_f4_a(g, f2, f4, f8).transpose(1, 0, 2), f2, f4, f8)
                assert zz.transpose(1, 0, 2).reshape(36, 3).tobytes() == z[:, t].tobytes()
                t += 1


def test_f4_output_transform_bias_relu_gives_the_separate_passes_bits():
    # The fused Conv2D + BiasAdd + Relu's per-tile epilogue: max(y + bias, 0) as the separate
    # bias add and ReLU compute it, edge tiles (10 x 9 outputs from 3 x 3 tiles) included.
    kernels = winograd._compiled(winograd.F4)
    if kernels is None:
        pytest.skip("numba kernels switched off")
    _, output_transform, _ = kernels
    for dtype in (np.float32, np.float64):
        m = rng.normal(size=(36, 18, 5)).astype(dtype)
        bias = rng.normal(size=5).astype(dtype)
        plain = np.empty((2, 10, 9, 5), dtype)
        output_transform(m, 3, 3, plain, np.zeros(0, dtype), False)
        fused = np.empty_like(plain)
        output_transform(m, 3, 3, fused, bias, True)
        expected = np.maximum(plain + bias, 0)
        assert (expected == 0).any() and (expected > 0).any()
        assert fused.tobytes() == expected.tobytes()
