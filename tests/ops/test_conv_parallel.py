"""The convolution kernels split over threads (`backend.threads.parallel_map`) give the serial
results: forward and input gradients bit for bit (the blocks, hence every BLAS call, do not
depend on the thread count), filter gradients up to the rounding of the final sum of the
per-thread partial sums, and the same bits on every run.

The suite runs with OPENBLAS_NUM_THREADS=1 (tests/conftest.py), so kernels are serial unless a
test asks for threads; the serial results here are computed with one thread asked for.
"""

import numpy as np
import pytest

import tenseur as tf
from tenseur.backend import threads as backend_threads
from tenseur.ops import conv_kernels as ck

RNG_SEED = 20251125


@pytest.fixture(autouse=True)
def _restore_threads():
    yield
    backend_threads.set_intra_op_threads(0)


@pytest.fixture
def splits(monkeypatch, parallel_calls):
    """Every kernel goes parallel however small, its blocks made as on a 2-core machine; the
    list records the shares of each call."""
    monkeypatch.setattr(ck, "_PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(ck, "_CPUS", 2)
    return parallel_calls


def run_with(count, fn):
    backend_threads.set_intra_op_threads(count)
    try:
        return fn()
    finally:
        backend_threads.set_intra_op_threads(0)


def conv_calls(x, w, strides, padding, dilations=(1, 1), seed=0):
    """{name: thunk} for the three convolution kernels on x, w and a random dy."""
    y = ck.conv2d(x, w, strides, padding, dilations)
    dy = np.random.default_rng(seed).standard_normal(y.shape).astype(x.dtype)
    return {
        "forward": lambda: ck.conv2d(x, w, strides, padding, dilations),
        "input": lambda: ck.conv2d_backprop_input(dy, w, x.shape, strides, padding, dilations),
        "filter": lambda: ck.conv2d_backprop_filter(x, dy, w.shape, strides, padding,
                                                    dilations),
    }


def depthwise_calls(x, w, strides, padding, dilations=(1, 1), seed=0):
    y = ck.depthwise_conv2d(x, w, strides, padding, dilations)
    dy = np.random.default_rng(seed).standard_normal(y.shape).astype(x.dtype)
    return {
        "forward": lambda: ck.depthwise_conv2d(x, w, strides, padding, dilations),
        "input": lambda: ck.depthwise_conv2d_backprop_input(dy, w, x.shape, strides, padding,
                                                            dilations),
        "filter": lambda: ck.depthwise_conv2d_backprop_filter(x, dy, w.shape, strides, padding,
                                                              dilations),
    }


def assert_matches_serial(calls, count, dtype):
    for name, call in calls.items():
        serial = run_with(1, call)
        parallel = run_with(count, call)
        again = run_with(count, call)
        np.testing.assert_array_equal(parallel, again, err_msg=f"{name}: differs run to run")
        if name == "filter":  # per-thread partial sums: only their final sum rounds apart
            rtol = 1e-5 if dtype == np.float32 else 1e-13
            np.testing.assert_allclose(parallel, serial, rtol=rtol,
                                       atol=rtol * np.abs(serial).max(), err_msg=name)
        else:
            np.testing.assert_array_equal(parallel, serial, err_msg=f"{name}: not bit-identical")


CONV_CONFIGS = [  # x shape, (kh, kw, out), strides, padding, dilations
    ((1, 9, 9, 4), (3, 3, 5), (1, 1), "SAME", (1, 1)),           # batch 1
    ((2, 8, 7, 3), (3, 3, 4), (1, 1), "VALID", (1, 1)),          # one image per thread
    ((3, 11, 10, 8), (3, 3, 6), (1, 1), "VALID", (1, 1)),        # odd split
    ((7, 10, 10, 1), (3, 3, 8), (1, 1), "VALID", (1, 1)),        # gray: col2im input gradient
    ((5, 13, 11, 6), (3, 3, 4), (2, 2), "SAME", (1, 1)),         # strided: col2im
    ((4, 12, 12, 3), (3, 2, 5), (2, 1), ((1, 2), (2, 0)), (2, 1)),  # explicit pads, dilation
    ((5, 7, 6, 16), (1, 1, 8), (1, 1), "VALID", (1, 1)),         # 1x1: rows are the patches
    ((3, 9, 9, 8), (1, 1, 4), (2, 2), "SAME", (1, 1)),           # strided 1x1: im2col
]


@pytest.mark.parametrize("count", [2, 3])
@pytest.mark.parametrize("config", CONV_CONFIGS)
def test_conv_kernels_on_threads_match_serial(splits, config, count):
    x_shape, (kh, kw, cout), strides, padding, dilations = config
    rng = np.random.default_rng(RNG_SEED)
    x = rng.standard_normal(x_shape).astype(np.float32)
    w = rng.standard_normal((kh, kw, x_shape[3], cout)).astype(np.float32)
    assert_matches_serial(conv_calls(x, w, strides, padding, dilations), count, np.float32)
    if x_shape[0] >= 2:
        assert any(len(items) >= 2 for items in splits), "the work was never split"


@pytest.mark.parametrize("batch", [1, 2, 3])
def test_row_bands_of_large_images_split_over_threads(monkeypatch, splits, batch):
    """Images larger than a block are cut into row bands; forward and filter gradient share
    the bands out even within one image, col2im keeps an image's bands on one thread."""
    monkeypatch.setattr(ck, "_BLOCK_BYTES", 2000)
    rng = np.random.default_rng(RNG_SEED + 1)
    x = rng.standard_normal((batch, 17, 15, 5))
    w = rng.standard_normal((3, 3, 5, 4))
    assert_matches_serial(conv_calls(x, w, (2, 1), "SAME"), 2, np.float64)  # col2im input
    assert_matches_serial(conv_calls(x, w, (1, 1), "SAME"), 2, np.float64)
    assert_matches_serial(conv_calls(x, w[1:2, 1:2], (1, 1), "VALID"), 2, np.float64)  # 1x1
    assert min(len(items) for items in splits) >= (2 if batch >= 2 else 1)
    assert max(len(items) for items in splits) == 2


def test_the_slides_layers_on_two_threads_match_serial(splits):
    rng = np.random.default_rng(RNG_SEED + 2)
    for (height, cin), cout in (((28, 1), 32), ((26, 32), 32), ((12, 32), 16)):
        x = rng.standard_normal((24, height, height, cin)).astype(np.float32)
        w = rng.standard_normal((3, 3, cin, cout)).astype(np.float32)
        assert_matches_serial(conv_calls(x, w, (1, 1), "VALID"), 2, np.float32)


class _MatmulSpy:
    """numpy, with `matmul` recording the size of each product's output."""

    def __init__(self, sizes):
        self._sizes = sizes

    def __getattr__(self, name):
        return getattr(np, name)

    def matmul(self, *args, **kwargs):
        out = np.matmul(*args, **kwargs)
        self._sizes.append(out.size)
        return out


def test_split_kernels_make_no_product_that_keeps_the_gil(monkeypatch, splits):
    # np.matmul releases the GIL only for outputs of more than 500 values (np.dot always): a
    # smaller one in a split kernel (the first layer's 9 x 32 filter gradient per block) made
    # its threads take turns. The kernels use np.dot for such products.
    sizes = []
    monkeypatch.setattr(ck, "np", _MatmulSpy(sizes))
    rng = np.random.default_rng(RNG_SEED + 3)
    for (height, cin), cout in (((28, 1), 32), ((26, 32), 32), ((12, 32), 16), ((9, 3), 8)):
        x = rng.standard_normal((6, height, height, cin)).astype(np.float32)
        w = rng.standard_normal((3, 3, cin, cout)).astype(np.float32)
        for fn in conv_calls(x, w, (1, 1), "VALID").values():
            run_with(2, fn)
    assert sizes and min(sizes) > 500, sorted(sizes)[:5]


@pytest.mark.parametrize("count", [2, 3])
@pytest.mark.parametrize("x_shape, multiplier, strides, padding", [
    ((1, 9, 8, 3), 2, (1, 1), "SAME"),
    ((3, 10, 9, 4), 1, (2, 2), "SAME"),
    ((5, 8, 8, 2), 3, (1, 1), "VALID"),
])
def test_depthwise_kernels_on_threads_match_serial(splits, x_shape, multiplier, strides,
                                                   padding, count):
    rng = np.random.default_rng(RNG_SEED + 3)
    x = rng.standard_normal(x_shape)
    w = rng.standard_normal((3, 3, x_shape[3], multiplier))
    assert_matches_serial(depthwise_calls(x, w, strides, padding), count, np.float64)


def test_one_thread_never_enters_the_pool(splits):
    rng = np.random.default_rng(RNG_SEED + 4)
    x = rng.standard_normal((6, 10, 10, 4)).astype(np.float32)
    w = rng.standard_normal((3, 3, 4, 4)).astype(np.float32)
    calls = conv_calls(x, w, (1, 1), "SAME")    # builds dy with the default thread count
    splits.clear()
    for call in calls.values():
        run_with(1, call)
    assert splits == []


def test_small_kernels_stay_serial(monkeypatch):
    calls = []

    def spy(fn, items, threads=None):
        calls.append(items)
        return [fn(item) for item in items]

    monkeypatch.setattr(ck._threads, "parallel_map", spy)
    x = np.ones((2, 5, 5, 2), np.float32)
    w = np.ones((3, 3, 2, 2), np.float32)
    y = run_with(2, lambda: ck.conv2d(x, w, (1, 1), "SAME"))
    assert calls == []
    assert y[0, 2, 2, 0] == 18.0


def test_a_small_input_feeding_a_large_product_splits(monkeypatch, parallel_calls):
    # ResNet50's 1x1 512 -> 2048 layers on 7x7 images: under a MiB of input, but ~0.4 G
    # multiply-adds, which one core would do alone.
    monkeypatch.setattr(ck, "_CPUS", 2)
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 7, 7, 64)).astype(np.float32)
    w = rng.standard_normal((1, 1, 64, 4096)).astype(np.float32)
    assert x.nbytes < ck._PARALLEL_MIN_BYTES and 2 * 49 * 64 * 4096 >= ck._PARALLEL_MIN_MACS
    serial = run_with(1, lambda: ck.conv2d(x, w, (1, 1), "VALID"))
    assert parallel_calls == []
    parallel = run_with(2, lambda: ck.conv2d(x, w, (1, 1), "VALID"))
    assert len(parallel_calls) == 1 and len(parallel_calls[0]) == 2
    assert parallel.tobytes() == serial.tobytes()


def test_blocks_are_even_and_a_multiple_of_the_cpus(monkeypatch):
    monkeypatch.setattr(ck, "_CPUS", 2)
    blocks = list(ck._blocks(430, 26, 26 * 9 * 4))   # the slides' first layer: 4 equal blocks
    assert [b1 - b0 for b0, b1, _, _ in blocks] == [108, 108, 108, 106]
    shares = ck._shares(blocks, 2, whole_images=False)
    assert [[b0 for b0, *_ in share] for share in shares] == [[0, 108], [216, 324]]


def test_shares_are_contiguous_and_keep_an_images_bands_together():
    bands = [(b, b + 1, r0, min(r0 + 4, 10)) for b in range(3) for r0 in range(0, 10, 4)]
    for whole_images in (False, True):
        shares = ck._shares(bands, 2, whole_images)
        assert [block for share in shares for block in share] == bands
        assert len(shares) == 2
    images = [{b0 for b0, *_ in share} for share in ck._shares(bands, 2, whole_images=True)]
    assert not images[0] & images[1]
    one_image = [(0, 1, r0, r0 + 2) for r0 in range(0, 8, 2)]
    assert len(ck._shares(one_image, 2, whole_images=True)) == 1
    assert [len(share) for share in ck._shares(one_image, 2, whole_images=False)] == [2, 2]


def test_tf_config_thread_setting_reaches_the_kernels(splits):
    rng = np.random.default_rng(RNG_SEED + 5)
    x = rng.standard_normal((4, 10, 10, 6)).astype(np.float32)
    w = rng.standard_normal((3, 3, 6, 8)).astype(np.float32)
    serial = run_with(1, lambda: ck.conv2d(x, w, (1, 1), "SAME"))
    y_op = tf.nn.conv2d(tf.placeholder(tf.float32, x.shape), w, strides=[1, 1, 1, 1],
                        padding="SAME")
    tf.config.threading.set_intra_op_parallelism_threads(2)
    try:
        with tf.Session() as sess:
            y = sess.run(y_op, {y_op.op.inputs[0]: x})
    finally:
        tf.config.threading.set_intra_op_parallelism_threads(0)
    assert [len(items) for items in splits] == [2]
    np.testing.assert_array_equal(y, serial)
