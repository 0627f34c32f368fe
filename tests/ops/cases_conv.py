"""Op cases for convolution, pooling and fused batch normalisation (NHWC, NCHW via transposes).

The references are slow and obvious: loops over every output position and window tap, with
padding computed from TF's rules written out here (SAME: out = ceil(in / s), total padding
max((out - 1) s + k_eff - in, 0), the odd pixel at the bottom/right). Sizes stay tiny so the
finite-difference gradient checks are quick; inputs are continuous random values, so pooling
windows have no ties (tie handling has its own exact test in test_conv_ops.py).
"""
import numpy as np

import tenseur.nn as nn
from tenseur.ops import pooling_ops
from tenseur.testing import OpCase

rng = np.random.default_rng(33)


def u(*shape):
    return rng.uniform(-1.0, 1.0, size=shape)


# -- slow references -------------------------------------------------------------------------

def _pads(size, k, stride, dilation, padding):
    """(out, before, after) of one spatial dimension, from TF's rules."""
    k_eff = (k - 1) * dilation + 1
    if padding == "SAME":
        out = -(-size // stride)
        total = max((out - 1) * stride + k_eff - size, 0)
        return out, total // 2, total - total // 2
    if padding == "VALID":
        return -(-(size - k_eff + 1) // stride), 0, 0
    before, after = padding
    return (size + before + after - k_eff) // stride + 1, before, after


def _geometry(x_shape, k_hw, strides, padding, dilations):
    pad_h, pad_w = (padding, padding) if isinstance(padding, str) else padding
    oh, top, bottom = _pads(x_shape[1], k_hw[0], strides[0], dilations[0], pad_h)
    ow, left, right = _pads(x_shape[2], k_hw[1], strides[1], dilations[1], pad_w)
    return oh, ow, ((0, 0), (top, bottom), (left, right), (0, 0))


def _taps(k_hw, strides, dilations, i, j):
    """(tap, row, column) in the padded input of output (i, j), row-major over the window."""
    for a in range(k_hw[0]):
        for b in range(k_hw[1]):
            yield a, b, i * strides[0] + a * dilations[0], j * strides[1] + b * dilations[1]


def ref_conv2d(x, w, strides=(1, 1), padding="VALID", dilations=(1, 1)):
    oh, ow, pads = _geometry(x.shape, w.shape[:2], strides, padding, dilations)
    xp = np.pad(x, pads)
    y = np.zeros((x.shape[0], oh, ow, w.shape[3]), x.dtype)
    for i in range(oh):
        for j in range(ow):
            for a, b, r, c in _taps(w.shape[:2], strides, dilations, i, j):
                y[:, i, j, :] += xp[:, r, c, :] @ w[a, b]
    return y


def ref_conv2d_backprop_input(dy, w, x_shape, strides=(1, 1), padding="VALID",
                              dilations=(1, 1)):
    oh, ow, pads = _geometry(x_shape, w.shape[:2], strides, padding, dilations)
    dxp = np.zeros(np.add(x_shape, [sum(p) for p in pads]), dy.dtype)
    for i in range(oh):
        for j in range(ow):
            for a, b, r, c in _taps(w.shape[:2], strides, dilations, i, j):
                dxp[:, r, c, :] += dy[:, i, j, :] @ w[a, b].T
    return dxp[:, pads[1][0]:pads[1][0] + x_shape[1], pads[2][0]:pads[2][0] + x_shape[2]]


def ref_conv2d_backprop_filter(x, dy, w_shape, strides=(1, 1), padding="VALID",
                               dilations=(1, 1)):
    oh, ow, pads = _geometry(x.shape, w_shape[:2], strides, padding, dilations)
    xp = np.pad(x, pads)
    dw = np.zeros(w_shape, x.dtype)
    for i in range(oh):
        for j in range(ow):
            for a, b, r, c in _taps(w_shape[:2], strides, dilations, i, j):
                dw[a, b] += xp[:, r, c, :].T @ dy[:, i, j, :]
    return dw


def ref_depthwise(x, w, strides=(1, 1), padding="VALID", dilations=(1, 1)):
    channels, multiplier = w.shape[2:]
    oh, ow, pads = _geometry(x.shape, w.shape[:2], strides, padding, dilations)
    xp = np.pad(x, pads)
    y = np.zeros((x.shape[0], oh, ow, channels * multiplier), x.dtype)
    for i in range(oh):
        for j in range(ow):
            for a, b, r, c in _taps(w.shape[:2], strides, dilations, i, j):
                y[:, i, j, :] += (xp[:, r, c, :, None] * w[a, b]).reshape(x.shape[0], -1)
    return y


def ref_depthwise_backprop_input(dy, w, x_shape, strides=(1, 1), padding="VALID",
                                 dilations=(1, 1)):
    channels, multiplier = w.shape[2:]
    oh, ow, pads = _geometry(x_shape, w.shape[:2], strides, padding, dilations)
    dxp = np.zeros(np.add(x_shape, [sum(p) for p in pads]), dy.dtype)
    for i in range(oh):
        for j in range(ow):
            for a, b, r, c in _taps(w.shape[:2], strides, dilations, i, j):
                g = dy[:, i, j, :].reshape(-1, channels, multiplier)
                dxp[:, r, c, :] += (g * w[a, b]).sum(axis=-1)
    return dxp[:, pads[1][0]:pads[1][0] + x_shape[1], pads[2][0]:pads[2][0] + x_shape[2]]


def ref_depthwise_backprop_filter(x, dy, w_shape, strides=(1, 1), padding="VALID",
                                  dilations=(1, 1)):
    channels, multiplier = w_shape[2:]
    oh, ow, pads = _geometry(x.shape, w_shape[:2], strides, padding, dilations)
    xp = np.pad(x, pads)
    dw = np.zeros(w_shape, x.dtype)
    for i in range(oh):
        for j in range(ow):
            for a, b, r, c in _taps(w_shape[:2], strides, dilations, i, j):
                g = dy[:, i, j, :].reshape(-1, channels, multiplier)
                dw[a, b] += (xp[:, r, c, :, None] * g).sum(axis=0)
    return dw


def _windows(x_shape, ksize, strides, padding):
    """For each output (i, j): the real input cells (rows, cols) of its window, row-major."""
    oh, ow, pads = _geometry(x_shape, ksize, strides, padding, (1, 1))
    top, left = pads[1][0], pads[2][0]
    for i in range(oh):
        for j in range(ow):
            cells = [(r - top, c - left) for _, _, r, c in _taps(ksize, strides, (1, 1), i, j)
                     if 0 <= r - top < x_shape[1] and 0 <= c - left < x_shape[2]]
            yield i, j, cells, (oh, ow)


def ref_max_pool(x, ksize, strides, padding):
    out = None
    for i, j, cells, (oh, ow) in _windows(x.shape, ksize, strides, padding):
        if out is None:
            out = np.empty((x.shape[0], oh, ow, x.shape[3]), x.dtype)
        out[:, i, j] = np.max([x[:, r, c] for r, c in cells], axis=0)
    return out


def ref_avg_pool(x, ksize, strides, padding):
    out = None
    for i, j, cells, (oh, ow) in _windows(x.shape, ksize, strides, padding):
        if out is None:
            out = np.empty((x.shape[0], oh, ow, x.shape[3]), x.dtype)
        out[:, i, j] = np.mean([x[:, r, c] for r, c in cells], axis=0)
    return out


def _first_max(x, cells, n, ch):
    values = np.array([x[n, r, c, ch] for r, c in cells])
    return cells[int(np.argmax(values))]   # argmax: the first maximum in window order


def ref_max_pool_grad(x, dy, ksize, strides, padding):
    dx = np.zeros_like(x)
    for i, j, cells, _ in _windows(x.shape, ksize, strides, padding):
        for n in range(x.shape[0]):
            for ch in range(x.shape[3]):
                r, c = _first_max(x, cells, n, ch)
                dx[n, r, c, ch] += dy[n, i, j, ch]
    return dx


def ref_max_pool_grad_grad(x, g, ksize, strides, padding):
    out = None
    for i, j, cells, (oh, ow) in _windows(x.shape, ksize, strides, padding):
        if out is None:
            out = np.zeros((x.shape[0], oh, ow, x.shape[3]), x.dtype)
        for n in range(x.shape[0]):
            for ch in range(x.shape[3]):
                r, c = _first_max(x, cells, n, ch)
                out[n, i, j, ch] = g[n, r, c, ch]
    return out


def ref_avg_pool_grad(x_shape, dy, ksize, strides, padding):
    dx = np.zeros(x_shape, dy.dtype)
    for i, j, cells, _ in _windows(x_shape, ksize, strides, padding):
        for r, c in cells:
            dx[:, r, c] += dy[:, i, j] / len(cells)
    return dx


def ref_batch_norm_train(x, scale, offset, epsilon=1e-3):
    n = x.size // x.shape[-1]
    mean = x.reshape(-1, x.shape[-1]).mean(axis=0)
    var = ((x - mean) ** 2).reshape(-1, x.shape[-1]).mean(axis=0)
    y = scale * (x - mean) / np.sqrt(var + epsilon) + offset
    return y, mean, var * n / (n - 1)


def _nchw(x):
    return np.transpose(x, (0, 3, 1, 2))


def _nhwc(x):
    return np.transpose(x, (0, 2, 3, 1))


# -- cases ------------------------------------------------------------------------------------

_pool_x = u(2, 5, 7, 2)
_odd_x = u(1, 6, 7, 1)
_explicit = [[0, 0], [1, 2], [0, 1], [0, 0]]

CASES = [
    # -- Conv2D: padding kinds, strides, dilations, odd sizes, one channel, NCHW
    OpCase("Conv2D/SAME", lambda x, w: nn.conv2d(x, w, [1, 1, 1, 1], "SAME"),
           [u(2, 5, 5, 2), u(3, 3, 2, 3)], lambda x, w: ref_conv2d(x, w, padding="SAME"),
           second_order=True),
    OpCase("Conv2D/VALID-stride2-odd", lambda x, w: nn.conv2d(x, w, [1, 2, 2, 1], "VALID"),
           [u(1, 7, 6, 2), u(3, 2, 2, 2)],
           lambda x, w: ref_conv2d(x, w, (2, 2), "VALID")),
    OpCase("Conv2D/SAME-stride2-one-channel", lambda x, w: nn.conv2d(x, w, 2, "SAME"),
           [_odd_x, u(3, 3, 1, 2)], lambda x, w: ref_conv2d(x, w, (2, 2), "SAME")),
    OpCase("Conv2D/SAME-stride3-even-kernel", lambda x, w: nn.conv2d(x, w, (3, 2), "SAME"),
           [u(1, 7, 5, 2), u(2, 4, 2, 1)], lambda x, w: ref_conv2d(x, w, (3, 2), "SAME")),
    OpCase("Conv2D/explicit", lambda x, w: nn.conv2d(x, w, [1, 2, 1, 1], _explicit),
           [u(1, 5, 4, 2), u(3, 3, 2, 2)],
           lambda x, w: ref_conv2d(x, w, (2, 1), ((1, 2), (0, 1)))),
    OpCase("Conv2D/dilated-SAME",
           lambda x, w: nn.conv2d(x, w, [1, 1, 1, 1], "SAME", dilations=[1, 2, 2, 1]),
           [u(1, 6, 7, 2), u(2, 3, 2, 2)],
           lambda x, w: ref_conv2d(x, w, (1, 1), "SAME", (2, 2))),
    OpCase("Conv2D/dilated-VALID-stride2",
           lambda x, w: nn.conv2d(x, w, [1, 2, 2, 1], "VALID", dilations=[1, 2, 1, 1]),
           [u(1, 8, 7, 1), u(3, 2, 1, 2)],
           lambda x, w: ref_conv2d(x, w, (2, 2), "VALID", (2, 1))),
    OpCase("Conv2D/1x1", lambda x, w: nn.conv2d(x, w, 1, "VALID"),
           [u(2, 3, 3, 3), u(1, 1, 3, 2)], lambda x, w: ref_conv2d(x, w)),
    OpCase("Conv2D/NCHW",
           lambda x, w: nn.conv2d(x, w, [1, 1, 2, 2], "SAME", data_format="NCHW"),
           [_nchw(u(1, 5, 6, 2)), u(3, 3, 2, 2)],
           lambda x, w: _nchw(ref_conv2d(_nhwc(x), w, (2, 2), "SAME"))),
    OpCase("Conv2DBackpropInput/SAME-stride2",
           lambda w, dy: nn.conv2d_backprop_input([2, 5, 6, 2], w, dy, [1, 2, 2, 1], "SAME"),
           [u(3, 3, 2, 3), u(2, 3, 3, 3)],
           lambda w, dy: ref_conv2d_backprop_input(dy, w, (2, 5, 6, 2), (2, 2), "SAME"),
           second_order=True),
    OpCase("Conv2DBackpropInput/explicit-dilated",
           lambda w, dy: nn.conv2d_backprop_input([1, 5, 4, 1], w, dy, 1, _explicit,
                                                  dilations=2),
           [u(2, 2, 1, 2), u(1, 6, 3, 2)],
           lambda w, dy: ref_conv2d_backprop_input(dy, w, (1, 5, 4, 1), (1, 1),
                                                   ((1, 2), (0, 1)), (2, 2))),
    OpCase("Conv2DBackpropFilter/VALID-stride2",
           lambda x, dy: nn.conv2d_backprop_filter(x, [3, 2, 2, 3], dy, [1, 2, 2, 1], "VALID"),
           [u(2, 7, 6, 2), u(2, 3, 3, 3)],
           lambda x, dy: ref_conv2d_backprop_filter(x, dy, (3, 2, 2, 3), (2, 2), "VALID"),
           second_order=True),
    OpCase("Conv2DBackpropFilter/SAME-dilated",
           lambda x, dy: nn.conv2d_backprop_filter(x, [2, 2, 1, 2], dy, 1, "SAME",
                                                   dilations=[1, 2, 2, 1]),
           [u(1, 4, 5, 1), u(1, 4, 5, 2)],
           lambda x, dy: ref_conv2d_backprop_filter(x, dy, (2, 2, 1, 2), (1, 1), "SAME",
                                                    (2, 2))),
    OpCase("conv2d_transpose",
           lambda v, w: nn.conv2d_transpose(v, w, [2, 6, 5, 2], [1, 2, 2, 1], "SAME"),
           [u(2, 3, 3, 3), u(3, 3, 2, 3)],
           lambda v, w: ref_conv2d_backprop_input(v, w, (2, 6, 5, 2), (2, 2), "SAME")),
    OpCase("conv2d_transpose/NCHW",
           lambda v, w: nn.conv2d_transpose(v, w, [1, 2, 5, 5], [1, 1, 2, 2], "VALID",
                                            data_format="NCHW"),
           [_nchw(u(1, 2, 2, 3)), u(3, 3, 2, 3)],
           lambda v, w: _nchw(ref_conv2d_backprop_input(_nhwc(v), w, (1, 5, 5, 2), (2, 2),
                                                        "VALID"))),
    OpCase("atrous_conv2d", lambda x, w: nn.atrous_conv2d(x, w, 2, "VALID"),
           [u(1, 6, 7, 2), u(2, 2, 2, 3)], lambda x, w: ref_conv2d(x, w, dilations=(2, 2))),
    OpCase("convolution/2-D", lambda x, w: nn.convolution(x, w, "SAME", strides=[2, 1]),
           [u(1, 5, 4, 2), u(3, 3, 2, 2)], lambda x, w: ref_conv2d(x, w, (2, 1), "SAME")),
    OpCase("convolution/1-D-dilated",
           lambda x, w: nn.convolution(x, w, "VALID", dilation_rate=[2]),
           [u(2, 7, 2), u(2, 2, 3)],
           lambda x, w: ref_conv2d(x[:, None], w[None], dilations=(1, 2))[:, 0]),
    OpCase("conv1d/SAME-stride2", lambda x, w: nn.conv1d(x, w, 2, "SAME"),
           [u(2, 7, 2), u(3, 2, 3)],
           lambda x, w: ref_conv2d(x[:, None], w[None], (1, 2), "SAME")[:, 0]),
    OpCase("conv1d/NCW-VALID", lambda x, w: nn.conv1d(x, w, 1, "VALID", data_format="NCW"),
           [u(1, 2, 6), u(2, 2, 2)],
           lambda x, w: ref_conv2d(x.transpose(0, 2, 1)[:, None], w[None])[:, 0]
           .transpose(0, 2, 1)),

    # -- depthwise and separable
    OpCase("DepthwiseConv2dNative/SAME-multiplier2",
           lambda x, w: nn.depthwise_conv2d(x, w, [1, 1, 1, 1], "SAME"),
           [u(2, 4, 5, 2), u(3, 3, 2, 2)], lambda x, w: ref_depthwise(x, w, padding="SAME"),
           second_order=True),
    OpCase("DepthwiseConv2dNative/VALID-stride2-rate",
           lambda x, w: nn.depthwise_conv2d(x, w, [1, 2, 2, 1], "VALID", rate=(2, 1)),
           [u(1, 7, 6, 3), u(2, 3, 3, 1)],
           lambda x, w: ref_depthwise(x, w, (2, 2), "VALID", (2, 1))),
    OpCase("DepthwiseConv2dNative/NCHW",
           lambda x, w: nn.depthwise_conv2d(x, w, [1, 1, 2, 2], "SAME", data_format="NCHW"),
           [_nchw(u(1, 5, 5, 2)), u(2, 2, 2, 2)],
           lambda x, w: _nchw(ref_depthwise(_nhwc(x), w, (2, 2), "SAME"))),
    OpCase("DepthwiseConv2dNativeBackpropInput",
           lambda w, dy: nn.depthwise_conv2d_native_backprop_input(
               [1, 5, 6, 2], w, dy, [1, 2, 2, 1], "SAME"),
           [u(3, 3, 2, 2), u(1, 3, 3, 4)],
           lambda w, dy: ref_depthwise_backprop_input(dy, w, (1, 5, 6, 2), (2, 2), "SAME"),
           second_order=True),
    OpCase("DepthwiseConv2dNativeBackpropFilter",
           lambda x, dy: nn.depthwise_conv2d_native_backprop_filter(
               x, [2, 3, 2, 2], dy, [1, 1, 1, 1], "VALID"),
           [u(2, 4, 5, 2), u(2, 3, 3, 4)],
           lambda x, dy: ref_depthwise_backprop_filter(x, dy, (2, 3, 2, 2)),
           second_order=True),
    OpCase("separable_conv2d",
           lambda x, dw, pw: nn.separable_conv2d(x, dw, pw, [1, 1, 1, 1], "SAME"),
           [u(1, 4, 4, 2), u(3, 3, 2, 2), u(1, 1, 4, 3)],
           lambda x, dw, pw: ref_conv2d(ref_depthwise(x, dw, padding="SAME"), pw)),

    # -- pooling
    OpCase("MaxPool/VALID-2x2", lambda x: nn.max_pool(x, [1, 2, 2, 1], [1, 2, 2, 1], "VALID"),
           [_pool_x], lambda x: ref_max_pool(x, (2, 2), (2, 2), "VALID")),
    OpCase("MaxPool/SAME-3x3-stride2", lambda x: nn.max_pool(x, 3, 2, "SAME"),
           [_pool_x], lambda x: ref_max_pool(x, (3, 3), (2, 2), "SAME")),
    OpCase("MaxPool/SAME-overlapping", lambda x: nn.max_pool2d(x, (2, 3), 1, "SAME"),
           [u(1, 4, 5, 1)], lambda x: ref_max_pool(x, (2, 3), (1, 1), "SAME")),
    OpCase("MaxPool/NCHW",
           lambda x: nn.max_pool(x, [1, 1, 2, 2], [1, 1, 2, 2], "SAME", data_format="NCHW"),
           [_nchw(_pool_x)], lambda x: _nchw(ref_max_pool(_nhwc(x), (2, 2), (2, 2), "SAME"))),
    OpCase("MaxPoolGrad/SAME",
           lambda x, dy: pooling_ops.max_pool_grad(x, nn.max_pool(x, 3, 2, "SAME"), dy, 3, 2,
                                                   "SAME"),
           [_pool_x, u(2, 3, 4, 2)],
           lambda x, dy: ref_max_pool_grad(x, dy, (3, 3), (2, 2), "SAME"), wrt=[1]),
    OpCase("MaxPoolGradGrad/VALID",
           lambda x, g: pooling_ops.max_pool_grad_grad(x, nn.max_pool(x, 2, (1, 2), "VALID"),
                                                       g, 2, (1, 2), "VALID"),
           [_pool_x, u(2, 5, 7, 2)],
           lambda x, g: ref_max_pool_grad_grad(x, g, (2, 2), (1, 2), "VALID"), wrt=[1]),
    OpCase("AvgPool/SAME-3x3-stride2", lambda x: nn.avg_pool(x, 3, 2, "SAME"),
           [_pool_x], lambda x: ref_avg_pool(x, (3, 3), (2, 2), "SAME"), second_order=True),
    OpCase("AvgPool/VALID-2x2", lambda x: nn.avg_pool2d(x, 2, 2, "VALID"),
           [_pool_x], lambda x: ref_avg_pool(x, (2, 2), (2, 2), "VALID")),
    OpCase("AvgPool/SAME-2x3-stride1x2", lambda x: nn.avg_pool(x, (2, 3), (1, 2), "SAME"),
           [u(1, 3, 5, 1)], lambda x: ref_avg_pool(x, (2, 3), (1, 2), "SAME")),
    OpCase("AvgPool/NCHW",
           lambda x: nn.avg_pool(x, [1, 1, 3, 3], [1, 1, 2, 2], "SAME", data_format="NCHW"),
           [_nchw(_pool_x)], lambda x: _nchw(ref_avg_pool(_nhwc(x), (3, 3), (2, 2), "SAME"))),
    OpCase("AvgPoolGrad/SAME",
           lambda dy: pooling_ops.avg_pool_grad([2, 5, 7, 2], dy, 3, 2, "SAME"),
           [u(2, 3, 4, 2)], lambda dy: ref_avg_pool_grad((2, 5, 7, 2), dy, (3, 3), (2, 2), "SAME"),
           second_order=True),
    OpCase("pool/1-D-MAX", lambda x: nn.pool(x, [3], "MAX", "SAME", strides=[2]),
           [u(2, 7, 2)], lambda x: ref_max_pool(x[:, None], (1, 3), (1, 2), "SAME")[:, 0]),

    # -- fused batch normalisation
    OpCase("FusedBatchNorm/training",
           lambda x, s, o: nn.fused_batch_norm(x, s, o, epsilon=1e-3),
           [u(2, 3, 2, 3), rng.uniform(0.5, 1.5, 3), u(3)],
           ref_batch_norm_train, second_order=True),
    OpCase("FusedBatchNorm/inference",
           lambda x, s, o, m, v: nn.fused_batch_norm(x, s, o, m, v, epsilon=1e-3,
                                                     is_training=False),
           [u(2, 2, 3, 3), rng.uniform(0.5, 1.5, 3), u(3), u(3), rng.uniform(0.5, 2, 3)],
           lambda x, s, o, m, v: (s * (x - m) / np.sqrt(v + 1e-3) + o, m, v),
           second_order=True),
    OpCase("FusedBatchNorm/NCHW-training",
           lambda x, s, o: nn.fused_batch_norm(x, s, o, data_format="NCHW")[0],
           [_nchw(u(2, 2, 3, 2)), rng.uniform(0.5, 1.5, 2), u(2)],
           lambda x, s, o: _nchw(ref_batch_norm_train(_nhwc(x), s, o)[0])),
]
