"""A fused Conv2D + BiasAdd + Relu runs as the convolution with the bias add and ReLU applied
to each block of its output as the block is written (conv_kernels.conv2d's `epilogue`,
Conv2D.bind_bias_relu): every output value once, the bits of the unfused ops, at 1 and 2
threads, on the im2col, 1x1 and Winograd paths."""
import numpy as np
import pytest

import tenseur as tf
from tenseur.backend import threads
from tenseur.ops import conv_kernels as ck

from .conftest import plan_of

# (input shape, filter shape, strides, padding): im2col (3x3 stride 2, one channel: the
# slides' first layer's kind), 1x1, Winograd F(4x4) and F(2x2) (3x3 stride 1, enough
# channels), and SAME padding.
GEOMETRIES = [
    ((5, 13, 11, 1), (3, 3, 1, 8), (2, 2), "VALID"),
    ((4, 7, 7, 6), (1, 1, 6, 5), (1, 1), "VALID"),
    ((3, 18, 18, 32), (3, 3, 32, 32), (1, 1), "VALID"),
    ((3, 12, 12, 32), (3, 3, 32, 16), (1, 1), "VALID"),
    ((2, 9, 10, 3), (3, 3, 3, 4), (1, 1), "SAME"),
]


@pytest.fixture(autouse=True)
def _threads_back():
    yield
    threads.set_intra_op_threads(0)


@pytest.fixture
def small_blocks(monkeypatch):
    """Many blocks, split over threads however small the kernel; Winograd for the 3x3
    stride-1 geometries however few their tiles (where numba is installed). Returns the
    number of Winograd convolutions run."""
    monkeypatch.setattr(ck, "_BLOCK_BYTES", 3000)
    monkeypatch.setattr(ck, "_PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(ck, "_CPUS", 2)
    from tenseur.ops import winograd
    monkeypatch.setattr(winograd, "MIN_TILES", 1)
    monkeypatch.setattr(winograd, "_BLOCK_BYTES", 1)
    calls = []
    conv = winograd.conv

    def counted(*args):
        calls.append(args[2])
        return conv(*args)
    monkeypatch.setattr(winograd, "conv", counted)
    return calls


def _winograd_expected(geometry):
    x_shape, w_shape, strides, _ = geometry
    return (w_shape[:2] == (3, 3) and strides == (1, 1) and w_shape[2] >= 32
            and pytest.importorskip("numba") is not None)


@pytest.mark.parametrize("geometry", GEOMETRIES)
@pytest.mark.parametrize("count", [1, 2])
def test_the_epilogue_sees_every_output_value_once(small_blocks, geometry, count):
    x_shape, w_shape, strides, padding = geometry
    rng = np.random.default_rng(0)
    x = rng.standard_normal(x_shape).astype(np.float32)
    w = rng.standard_normal(w_shape).astype(np.float32)
    plain = ck.conv2d(x, w, strides, padding)

    def add_one(block):
        assert block.flags.c_contiguous and block.ndim == 4
        block += 1
    threads.set_intra_op_threads(count)
    got = ck.conv2d(x, w, strides, padding, epilogue=add_one)
    np.testing.assert_array_equal(got, plain + 1)
    assert bool(small_blocks) == _winograd_expected(geometry)


def _conv_bias_relu(dtype, geometry, constant_bias):
    x_shape, w_shape, strides, padding = geometry
    rng = np.random.default_rng(1)
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(dtype, [None, *x_shape[1:]])
        w = tf.Variable(rng.standard_normal(w_shape).astype(dtype))
        bias_value = rng.standard_normal(w_shape[3]).astype(dtype)
        b = tf.constant(bias_value) if constant_bias else tf.Variable(bias_value)
        y = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(x, w, [1, *strides, 1], padding), b))
        init = tf.global_variables_initializer()
    return g, x, y, init, rng.standard_normal(x_shape).astype(dtype)


@pytest.mark.parametrize("geometry", GEOMETRIES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("count", [1, 2])
def test_fused_conv_bias_relu_gives_the_unfused_bits(small_blocks, geometry, dtype, count):
    results = []
    for optimize in (True, False):
        g, x, y, init, xv = _conv_bias_relu(dtype, geometry, constant_bias=count == 2)
        threads.set_intra_op_threads(count)
        with tf.Session(graph=g, config={"optimize": optimize}) as sess:
            sess.run(init)
            results.append(sess.run(y, {x: xv}))
            if optimize:
                (step,) = [s[0] for s in plan_of(sess, y, {x: xv}).steps
                           if hasattr(s[0], "source")]
                assert "epilogue" in step.source
    fused, plain = results
    assert bool(small_blocks) == _winograd_expected(geometry)
    assert (plain > 0).any() and (plain == 0).any()
    assert fused.tobytes() == plain.tobytes()


def test_errors_still_name_the_op():
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [None, None, None, 1])
        w = tf.constant(np.ones((3, 3, 1, 4), np.float32))
        y = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(x, w, [1, 1, 1, 1], "VALID"),
                                      tf.constant(np.ones(4, np.float32))))
        with tf.Session() as sess:
            assert sess.run(y, {x: np.ones((1, 4, 4, 1), np.float32)}).shape == (1, 2, 2, 4)
            with pytest.raises(tf.errors.InvalidArgumentError, match="Conv2D") as info:
                sess.run(y, {x: np.ones((2, 2, 2, 1), np.float32)})   # smaller than the filter
    assert "input shapes" in str(info.value)
