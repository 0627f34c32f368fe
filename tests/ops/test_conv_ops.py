"""Convolution and pooling beyond the op-case table: TF's output sizes, where SAME puts the odd
padding pixel, error messages, NCHW against NHWC, conv2d_transpose as conv2d's adjoint, the
max-pool tie rule, dynamic batch sizes and fused batch normalisation's statistics."""
import numpy as np
import pytest

import tenseur as tf
from tenseur.ops import pooling_ops

rng = np.random.default_rng(7)


def run(fetches, feed=None):
    with tf.Session() as sess:
        return sess.run(fetches, feed)


# -- static output sizes (TF: SAME ceil(in / s); VALID ceil((in - k + 1) / s)) --------------

# (input size, kernel, stride, dilation, padding, TF's output size)
_SIZES = [
    (7, 3, 2, 1, "SAME", 4), (7, 3, 2, 1, "VALID", 3), (6, 3, 2, 1, "SAME", 3),
    (6, 3, 2, 1, "VALID", 2), (5, 2, 2, 1, "SAME", 3), (5, 2, 2, 1, "VALID", 2),
    (1, 3, 1, 1, "SAME", 1), (4, 4, 1, 1, "VALID", 1), (9, 3, 3, 1, "SAME", 3),
    (10, 3, 3, 1, "SAME", 4), (10, 3, 3, 1, "VALID", 3), (8, 3, 1, 2, "VALID", 4),
    (8, 3, 1, 2, "SAME", 8), (11, 5, 4, 1, "VALID", 2), (28, 3, 1, 1, "VALID", 26),
]


@pytest.mark.parametrize("size,k,stride,dilation,padding,expected", _SIZES)
def test_conv2d_static_shape_follows_tf(size, k, stride, dilation, padding, expected):
    x = tf.placeholder(tf.float32, [None, size, size + 1, 2])
    w = tf.zeros([k, 1, 2, 5])
    y = tf.nn.conv2d(x, w, [1, stride, 1, 1], padding, dilations=[1, dilation, 1, 1])
    assert y.shape.as_list() == [None, expected, size + 1, 5]   # 1-wide, stride 1: kept


@pytest.mark.parametrize("size,k,stride,dilation,padding,expected",
                         [s for s in _SIZES if s[3] == 1 and s[1] <= s[0]])
def test_pool_static_shape_follows_tf(size, k, stride, dilation, padding, expected):
    x = tf.placeholder(tf.float32, [3, size, 4, 1])
    for pool in (tf.nn.max_pool, tf.nn.avg_pool):
        y = pool(x, [1, k, 1, 1], [1, stride, 1, 1], padding)
        assert y.shape.as_list() == [3, expected, 4, 1]


def test_slides_cnn_shapes():
    x = tf.placeholder(tf.float32, [None, 28, 28, 1])
    h = tf.nn.conv2d(x, tf.zeros([3, 3, 1, 32]), [1, 1, 1, 1], "VALID")
    h = tf.nn.conv2d(h, tf.zeros([3, 3, 32, 32]), [1, 1, 1, 1], "VALID")
    h = tf.nn.max_pool(h, [1, 2, 2, 1], [1, 2, 2, 1], "VALID")
    assert h.shape.as_list() == [None, 12, 12, 32]
    h = tf.nn.conv2d(h, tf.zeros([3, 3, 32, 16]), [1, 1, 1, 1], "VALID")
    h = tf.nn.max_pool(h, [1, 2, 2, 1], [1, 2, 2, 1], "VALID")
    assert h.shape.as_list() == [None, 5, 5, 16]


def test_same_padding_puts_the_odd_pixel_bottom_right():
    # 4 inputs, window 2, stride 1: one pixel of padding, after the image (TF's rule).
    x = np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1)
    y = run(tf.nn.conv2d(x, np.ones((2, 2, 1, 1), np.float32), 1, "SAME"))
    assert y[0, 0, 0, 0] == 0 + 1 + 4 + 5          # the top-left window is all real
    assert y[0, 3, 3, 0] == 15                      # the bottom-right one holds one real cell
    pooled = run(tf.nn.max_pool(-x, 2, 2, "SAME"))  # even sizes: no padding at all
    assert pooled.shape == (1, 2, 2, 1)


def test_avg_pool_same_divides_by_real_cells():
    y = run(tf.nn.avg_pool(np.ones((1, 5, 5, 1), np.float32), 3, 2, "SAME"))
    np.testing.assert_array_equal(y, np.ones((1, 3, 3, 1), np.float32))


def test_max_pool_same_padding_never_wins():
    x = -np.ones((1, 3, 3, 1), np.float32) - rng.uniform(0, 1, (1, 3, 3, 1)).astype(np.float32)
    y = run(tf.nn.max_pool(x, 2, 2, "SAME"))
    assert (y < -1).all()


def test_max_pool_gradient_goes_to_the_first_maximum_on_ties():
    # TF's CPU kernel scans each window in row-major order and keeps the first maximum.
    x = tf.constant(np.array([[1.0, 3.0], [3.0, 3.0]]).reshape(1, 2, 2, 1))
    grad = tf.gradients(tf.nn.max_pool(x, 2, 2, "VALID"), x)[0]
    np.testing.assert_array_equal(run(grad)[0, :, :, 0], [[0.0, 1.0], [0.0, 0.0]])


def test_overlapping_max_pool_gradients_add_up():
    x = tf.constant(np.array([[0.0, 1.0, 0.0], [0.0, 9.0, 0.0], [0.0, 0.0, 0.0]])
                    .reshape(1, 3, 3, 1))
    grad = tf.gradients(tf.nn.max_pool(x, 2, 1, "VALID"), x)[0]
    assert run(grad)[0, 1, 1, 0] == 4.0             # the 9 is the max of all four windows


# -- errors -----------------------------------------------------------------------------------

def test_channel_mismatch_names_both_counts():
    x = tf.placeholder(tf.float32, [None, 28, 28, 3])
    w = tf.zeros([5, 5, 1, 32])
    with pytest.raises(tf.ShapeError, match=r"Conv2D 'Conv2D'.*3 channels.*expects 1 input "
                                            r"channels(.|\n)*input: float32 \(None, 28, 28, 3\), "
                                            r"filter: float32 \(5, 5, 1, 32\)"):
        tf.nn.conv2d(x, w, [1, 1, 1, 1], "SAME")


def test_window_larger_than_input_with_valid_padding():
    x = tf.placeholder(tf.float32, [None, 4, 6, 1])
    with pytest.raises(tf.ShapeError, match=r"Conv2D.*5x5 filter window is larger than the "
                                            r"4x6 input.*'VALID'"):
        tf.nn.conv2d(x, tf.zeros([5, 5, 1, 2]), 1, "VALID")
    with pytest.raises(tf.ShapeError, match=r"dilated to 5x5"):
        tf.nn.conv2d(x, tf.zeros([3, 3, 1, 2]), 1, "VALID", dilations=2)
    with pytest.raises(tf.ShapeError, match=r"MaxPool.*pooling window"):
        tf.nn.max_pool(x, [1, 5, 2, 1], [1, 1, 1, 1], "VALID")
    assert tf.nn.conv2d(x, tf.zeros([5, 5, 1, 2]), 1, "SAME").shape.as_list() == [None, 4, 6, 2]


@pytest.mark.parametrize("kwargs,message", [
    ({"strides": [2, 1, 1, 1], "padding": "SAME"}, r"strides=\[2, 1, 1, 1\] must be 1 in the "
                                                    r"batch and channel"),
    ({"strides": [1, 0, 1, 1], "padding": "SAME"}, r"strides must be a positive int"),
    ({"strides": 1, "padding": "FULL"}, r"padding must be 'SAME', 'VALID' or explicit"),
    ({"strides": 1, "padding": [[1, 1], [0, 0], [0, 0], [0, 0]]}, r"must be \[0, 0\] in the "
                                                                   r"batch and channel"),
    ({"strides": None, "padding": "SAME"}, r"strides is required"),
])
def test_bad_arguments_are_rejected_when_building(kwargs, message):
    x = tf.placeholder(tf.float32, [1, 5, 5, 1])
    with pytest.raises(ValueError, match=message):
        tf.nn.conv2d(x, tf.zeros([3, 3, 1, 1]), **kwargs)


def test_dtype_and_rank_errors():
    with pytest.raises(tf.DTypeError, match=r"Conv2D.*input and filter must have the same "
                                            r"dtype, got float32 and float64"):
        tf.nn.conv2d(tf.zeros([1, 3, 3, 1]), tf.zeros([1, 1, 1, 1], tf.float64), 1, "SAME")
    with pytest.raises(tf.ShapeError, match=r"Conv2D.*input must have rank 4"):
        tf.nn.conv2d(tf.zeros([3, 3, 1]), tf.zeros([1, 1, 1, 1]), 1, "SAME")
    with pytest.raises(tf.DTypeError, match=r"AvgPool.*floating-point"):
        tf.nn.avg_pool(tf.zeros([1, 2, 2, 1], tf.int32), 2, 2, "VALID")


def test_conv2d_transpose_checks_the_filter_order():
    value = tf.zeros([1, 3, 3, 8])
    with pytest.raises(tf.ShapeError, match=r"conv2d_transpose.*8 channels.*expects 4"):
        tf.nn.conv2d_transpose(value, tf.zeros([3, 3, 8, 4]), [1, 6, 6, 8], 2, "SAME")
    with pytest.raises(tf.ShapeError, match=r"Conv2DBackpropInput.*out_backprop has shape "
                                            r"\(1, 3, 3, 8\).*gives \(1, 5, 5, 8\)"):
        tf.nn.conv2d_transpose(value, tf.zeros([3, 3, 4, 8]), [1, 10, 10, 4], 2, "SAME")


def test_depthwise_channel_mismatch():
    with pytest.raises(tf.ShapeError, match=r"DepthwiseConv2dNative.*2 channels.*expects 3"):
        tf.nn.depthwise_conv2d(tf.zeros([1, 4, 4, 2]), tf.zeros([3, 3, 3, 1]), 1, "SAME")


# -- layouts, adjoints, dynamic shapes --------------------------------------------------------

def _nchw(a):
    return np.transpose(a, (0, 3, 1, 2))


@pytest.mark.parametrize("padding", ["SAME", "VALID", "explicit"])
def test_nchw_equals_nhwc_transposed(padding):
    x = rng.standard_normal((2, 7, 6, 3)).astype(np.float32)
    w = rng.standard_normal((3, 2, 3, 4)).astype(np.float32)
    pads = {"nhwc": [[0, 0], [1, 0], [2, 1], [0, 0]], "nchw": [[0, 0], [0, 0], [1, 0], [2, 1]]}
    nhwc_pad = pads["nhwc"] if padding == "explicit" else padding
    nchw_pad = pads["nchw"] if padding == "explicit" else padding
    nhwc = tf.nn.conv2d(x, w, [1, 2, 1, 1], nhwc_pad, dilations=[1, 1, 2, 1])
    nchw = tf.nn.conv2d(_nchw(x), w, [1, 1, 2, 1], nchw_pad, data_format="NCHW",
                        dilations=[1, 1, 1, 2])
    pool_kind = "SAME" if padding == "explicit" else padding
    pooled = tf.nn.max_pool(x, [1, 3, 2, 1], [1, 2, 2, 1], pool_kind)
    pooled_nchw = tf.nn.max_pool(_nchw(x), [1, 1, 3, 2], [1, 1, 2, 2], pool_kind,
                                 data_format="NCHW")
    a, b, c, d = run([nhwc, nchw, pooled, pooled_nchw])
    assert nchw.shape.as_list() == list(_nchw(a).shape)
    np.testing.assert_allclose(b, _nchw(a), rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(d, _nchw(c))


@pytest.mark.parametrize("strides,padding", [(1, "SAME"), (2, "SAME"), (2, "VALID"),
                                             ((3, 2), "SAME"),
                                             (1, [[0, 0], [2, 0], [1, 3], [0, 0]])])
def test_conv2d_transpose_is_the_adjoint_of_conv2d(strides, padding):
    # <conv2d(x, w), y> = <x, conv2d_transpose(y, w)> for every x, y.
    x = rng.standard_normal((2, 7, 8, 3))
    w = rng.standard_normal((3, 3, 3, 4))
    y_shape = tf.nn.conv2d(x, w, strides, padding).shape.as_list()
    y = rng.standard_normal(y_shape)
    forward = tf.reduce_sum(tf.nn.conv2d(x, w, strides, padding) * y)
    adjoint = tf.reduce_sum(x * tf.nn.conv2d_transpose(y, w, x.shape, strides, padding))
    a, b = run([forward, adjoint])
    assert a == pytest.approx(b, rel=1e-10)


def test_gradients_with_an_unknown_batch_size():
    x = tf.placeholder(tf.float32, [None, 6, 6, 2])
    w = tf.constant(rng.standard_normal((3, 3, 2, 4)).astype(np.float32))
    h = tf.nn.avg_pool(tf.nn.conv2d(x, w, 2, "SAME"), 2, 1, "SAME")
    dx, dw = tf.gradients(tf.reduce_sum(tf.nn.max_pool(h, 2, 2, "VALID")), [x, w])
    assert dx.shape.as_list() == [None, 6, 6, 2] and dw.shape.as_list() == [3, 3, 2, 4]
    for batch in (1, 5):
        gx, gw = run([dx, dw], {x: rng.standard_normal((batch, 6, 6, 2))})
        assert gx.shape == (batch, 6, 6, 2) and gw.shape == (3, 3, 2, 4)


def test_conv2d_backprop_input_with_a_dynamic_shape_tensor():
    dy = tf.placeholder(tf.float32, [None, 3, 3, 2])
    sizes = tf.stack([tf.shape(dy)[0], 6, 5, 1])
    dx = tf.nn.conv2d_transpose(dy, tf.ones([3, 3, 1, 2]), sizes, [1, 2, 2, 1], "SAME")
    assert dx.shape.as_list() == [None, 6, 5, 1]
    assert run(dx, {dy: np.ones((4, 3, 3, 2))}).shape == (4, 6, 5, 1)


def test_max_pool_grad_grad_picks_the_gradient_at_each_maximum():
    x = np.array([[1.0, 5.0, 2.0, 0.0], [4.0, 3.0, 7.0, 6.0]]).reshape(1, 2, 4, 1)
    g = np.arange(8.0).reshape(1, 2, 4, 1)
    y = tf.nn.max_pool(x, 2, 2, "VALID")
    out = run(pooling_ops.max_pool_grad_grad(x, y, g, 2, 2, "VALID"))
    np.testing.assert_array_equal(out[0, :, :, 0], [[1.0, 6.0]])


# -- fused batch normalisation ----------------------------------------------------------------

def test_fused_batch_norm_training_statistics():
    x = rng.standard_normal((4, 3, 3, 2)).astype(np.float32) * 3 + 1
    y, mean, variance = tf.nn.fused_batch_norm(x, tf.ones([2]), tf.zeros([2]), epsilon=1e-5)
    y, mean, variance = run([y, mean, variance])
    flat = x.reshape(-1, 2)
    np.testing.assert_allclose(mean, flat.mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(variance, flat.var(axis=0, ddof=1), rtol=1e-5)   # Bessel
    np.testing.assert_allclose(y.reshape(-1, 2).mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(y.reshape(-1, 2).std(axis=0), 1, rtol=1e-3)


def test_fused_batch_norm_inference_needs_statistics():
    with pytest.raises(ValueError, match=r"inference.*mean= and variance="):
        tf.nn.fused_batch_norm(tf.zeros([1, 2, 2, 3]), tf.ones([3]), tf.zeros([3]),
                               is_training=False)
    with pytest.raises(tf.ShapeError, match=r"FusedBatchNorm.*scale has 4 entries but x has "
                                            r"3 channels"):
        tf.nn.fused_batch_norm(tf.zeros([1, 2, 2, 3]), tf.ones([4]), tf.zeros([3]))


def test_fused_batch_norm_matches_the_composed_form():
    x = rng.standard_normal((3, 4, 2, 5))
    scale, offset = rng.uniform(0.5, 2, 5), rng.standard_normal(5)
    fused, _, _ = tf.nn.fused_batch_norm(x, scale, offset, epsilon=1e-3)
    mean, variance = tf.nn.moments(x, [0, 1, 2])
    composed = tf.nn.batch_normalization(x, mean, variance, offset, scale, 1e-3)
    a, b = run([fused, composed])
    np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


# -- eager mode -------------------------------------------------------------------------------

def test_conv_and_pool_run_eagerly_with_a_tape():
    import tenseur.eager as eager
    x_value = rng.standard_normal((2, 5, 5, 1)).astype(np.float32)
    w_value = rng.standard_normal((3, 3, 1, 2)).astype(np.float32)
    w_graph = tf.constant(w_value)
    graph_y = tf.nn.max_pool(tf.nn.conv2d(x_value, w_graph, 1, "SAME"), 2, 2, "SAME")
    expected_y, expected_dw = run([graph_y, tf.gradients(tf.reduce_sum(graph_y), w_graph)[0]])
    with eager.eager_mode():
        w = tf.constant(w_value)
        with eager.GradientTape() as tape:
            tape.watch(w)
            y = tf.nn.max_pool(tf.nn.conv2d(tf.constant(x_value), w, 1, "SAME"), 2, 2, "SAME")
            loss = tf.reduce_sum(y)
        dw = tape.gradient(loss, w)
        np.testing.assert_allclose(y.numpy(), expected_y, rtol=1e-6)
        np.testing.assert_allclose(dw.numpy(), expected_dw, rtol=1e-5)
