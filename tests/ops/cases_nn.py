"""Op cases for the nn family: activations, bias_add, softmax, cross-entropies, normalisation,
top-k. References are written from the formulas; inputs are kept off the kinks (the kink
conventions have exact tests in test_nn_ops.py)."""
import math

import numpy as np

import tenseur.nn as nn
from tenseur.ops.nn_ops import (bias_add_grad, elu_grad, leaky_relu_grad, relu6_grad,
                                relu_grad)
from tenseur.testing import OpCase

rng = np.random.default_rng(2024)
_erf = np.vectorize(math.erf)
SELU_ALPHA, SELU_SCALE = 1.6732632423543772, 1.0507009873554805


def u(*shape, low=-2.0, high=2.0):
    return rng.uniform(low, high, size=shape)


def off_zero(*shape, low=0.2, high=2.0):
    return rng.uniform(low, high, size=shape) * rng.choice([-1.0, 1.0], size=shape)


def prob_rows(*shape):
    p = rng.uniform(0.1, 1.0, size=shape)
    return p / p.sum(axis=-1, keepdims=True)


def softmax_ref(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def log_softmax_ref(x, axis=-1):
    m = x.max(axis=axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=axis, keepdims=True))


def sigmoid_ref(x):
    return 1 / (1 + np.exp(-x))


def elu_ref(x):
    return np.where(x > 0, x, np.exp(np.minimum(x, 0)) - 1)


def gelu_tanh_ref(x):
    return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))


def sparse_xent_ref(logits, labels):
    return -np.take_along_axis(log_softmax_ref(logits), labels[..., None], axis=-1)[..., 0]


def sigmoid_xent_ref(logits, labels):
    return -(labels * np.log(sigmoid_ref(logits)) + (1 - labels) * np.log(1 - sigmoid_ref(logits)))


def dense_xent(logits, labels, **kwargs):
    return nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits, **kwargs)


def dense_xent_v2(logits, labels, **kwargs):
    return nn.softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits, **kwargs)


def sparse_xent(logits, labels):
    return nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)


def sigmoid_xent(logits, labels):
    return nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits)


def top_k_ref(x, k):
    # Descending values; among equal values the lower index first.
    order = np.lexsort((np.broadcast_to(np.arange(x.shape[-1]), x.shape), -x), axis=-1)[..., :k]
    return np.take_along_axis(x, order, axis=-1), order.astype(np.int32)


_relu6_in = rng.choice([-1.5, -0.4, 0.3, 1.7, 4.2, 5.6, 6.5, 8.0], size=(3, 4))
_elu_out = rng.choice([-0.9, -0.6, -0.3, 0.3, 1.2, 2.5], size=(3, 4))   # elu outputs, off 0
_topk_in = rng.permutation(np.linspace(-2, 2, 24)).reshape(4, 6)   # distinct: no gradient ties
_labels = rng.integers(0, 5, size=(4,))
_extreme = np.array([[1000.0, 0.0, -1000.0], [-1000.0, -1000.0, 1000.0]])
_labels3 = rng.integers(0, 4, size=(2, 3))

CASES = [
    # -- activations
    OpCase("Relu", nn.relu, [off_zero(3, 4)], lambda x: np.maximum(x, 0)),
    OpCase("Relu/second-order", nn.relu, [off_zero(3, 4)], lambda x: np.maximum(x, 0),
           second_order=True),
    OpCase("ReluGrad", relu_grad, [u(3, 4), off_zero(3, 4)], lambda g, f: g * (f > 0),
           second_order=True),
    OpCase("ReluGrad/rank4", relu_grad, [u(2, 3, 3, 4), off_zero(2, 3, 3, 4)],
           lambda g, f: np.where(f > 0, g, 0)),
    OpCase("Relu6Grad", relu6_grad, [u(3, 4), _relu6_in],
           lambda g, f: g * ((f > 0) & (f < 6)), second_order=True),
    OpCase("EluGrad", elu_grad, [u(3, 4), _elu_out],
           lambda g, y: np.where(y < 0, g * (y + 1), g), second_order=True),
    OpCase("LeakyReluGrad", leaky_relu_grad, [u(3, 4), off_zero(3, 4)],
           lambda g, f: np.where(f > 0, g, 0.2 * g), second_order=True),
    OpCase("LeakyReluGrad/alpha>1", lambda g, f: leaky_relu_grad(g, f, alpha=1.5),
           [u(3, 4), off_zero(3, 4)], lambda g, f: np.where(f > 0, g, 1.5 * g)),
    OpCase("Relu6", nn.relu6, [_relu6_in], lambda x: np.clip(x, 0, 6), second_order=True),
    OpCase("Elu", nn.elu, [off_zero(3, 4)], elu_ref, second_order=True),
    OpCase("Selu", nn.selu, [off_zero(3, 4)],
           lambda x: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * (np.exp(np.minimum(x, 0)) - 1)),
           second_order=True),
    OpCase("Softsign", nn.softsign, [off_zero(3, 4)], lambda x: x / (1 + np.abs(x)),
           second_order=True),
    OpCase("LeakyRelu", nn.leaky_relu, [off_zero(3, 4)], lambda x: np.where(x > 0, x, 0.2 * x),
           second_order=True),
    OpCase("LeakyRelu/alpha", lambda x: nn.leaky_relu(x, alpha=0.01), [off_zero(3, 4)],
           lambda x: np.where(x > 0, x, 0.01 * x)),
    OpCase("softplus", nn.softplus, [u(3, 4)], lambda x: np.log1p(np.exp(x))),
    OpCase("swish", nn.swish, [u(3, 4)], lambda x: x * sigmoid_ref(x), second_order=True),
    OpCase("swish/beta", lambda x: nn.swish(x, beta=2.0), [u(3, 4)],
           lambda x: x * sigmoid_ref(2 * x)),
    OpCase("gelu", nn.gelu, [u(3, 4)], lambda x: 0.5 * x * (1 + _erf(x / np.sqrt(2))),
           second_order=True),
    OpCase("gelu/approximate", lambda x: nn.gelu(x, approximate=True), [u(3, 4)], gelu_tanh_ref),

    # -- bias_add
    OpCase("BiasAdd", nn.bias_add, [u(3, 4), u(4)], lambda v, b: v + b, second_order=True),
    OpCase("BiasAdd/NHWC", nn.bias_add, [u(2, 2, 3, 4), u(4)], lambda v, b: v + b),
    OpCase("BiasAdd/NCHW", lambda v, b: nn.bias_add(v, b, data_format="NCHW"),
           [u(2, 3, 2, 2), u(3)], lambda v, b: v + b[:, None, None], second_order=True),
    OpCase("BiasAddGrad", bias_add_grad, [u(2, 3, 4)], lambda g: g.sum(axis=(0, 1))),
    OpCase("BiasAddGrad/NCHW", lambda g: bias_add_grad(g, data_format="NCHW"), [u(2, 3, 2, 2)],
           lambda g: g.sum(axis=(0, 2, 3))),
    OpCase("xw_plus_b", nn.xw_plus_b, [u(2, 3), u(3, 4), u(4)], lambda x, w, b: x @ w + b),

    # -- softmax
    OpCase("Softmax", nn.softmax, [u(3, 5)], softmax_ref, second_order=True),
    OpCase("Softmax/axis0", lambda x: nn.softmax(x, axis=0), [u(3, 4)],
           lambda x: softmax_ref(x, axis=0)),
    OpCase("Softmax/rank3-dim", lambda x: nn.softmax(x, dim=1), [u(2, 3, 2)],
           lambda x: softmax_ref(x, axis=1)),
    OpCase("Softmax/extreme", nn.softmax, [_extreme],
           lambda x: np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]], dtype=x.dtype), grad=False),
    OpCase("LogSoftmax", nn.log_softmax, [u(3, 5)], log_softmax_ref, second_order=True),
    OpCase("LogSoftmax/axis0", lambda x: nn.log_softmax(x, axis=0), [u(4, 3)],
           lambda x: log_softmax_ref(x, axis=0)),
    OpCase("LogSoftmax/extreme", nn.log_softmax, [_extreme],
           lambda x: np.array([[0.0, -1000.0, -2000.0], [-2000.0, -2000.0, 0.0]], dtype=x.dtype),
           grad=False),

    # -- cross-entropies
    OpCase("SoftmaxCrossEntropyWithLogits/v1", dense_xent,
           [u(4, 5), prob_rows(4, 5)], lambda x, z: -(z * log_softmax_ref(x)).sum(-1), wrt=[0]),
    OpCase("SoftmaxCrossEntropyWithLogits/v2", dense_xent_v2,
           [u(3, 4), prob_rows(3, 4)], lambda x, z: -(z * log_softmax_ref(x)).sum(-1),
           second_order=True),
    OpCase("SoftmaxCrossEntropyWithLogits/dim0",
           lambda logits, labels: dense_xent_v2(logits, labels, dim=0),
           [u(4, 3), prob_rows(3, 4).T], lambda x, z: -(z * log_softmax_ref(x, 0)).sum(0)),
    OpCase("SoftmaxCrossEntropyWithLogits/extreme", dense_xent,
           [_extreme, np.array([[0.0, 1.0, 0.0], [0.5, 0.5, 0.0]])],
           lambda x, z: np.array([1000.0, 2000.0], dtype=x.dtype), grad=False),
    OpCase("SparseSoftmaxCrossEntropyWithLogits", sparse_xent,
           [u(4, 5), _labels], sparse_xent_ref, second_order=True),
    OpCase("SparseSoftmaxCrossEntropyWithLogits/rank3-int64", sparse_xent,
           [u(2, 3, 4), _labels3.astype(np.int64)], sparse_xent_ref),
    OpCase("SparseSoftmaxCrossEntropyWithLogits/extreme", sparse_xent,
           [_extreme, np.array([1, 0], dtype=np.int32)],
           lambda x, z: np.array([1000.0, 2000.0], dtype=x.dtype), grad=False),
    OpCase("sigmoid_cross_entropy_with_logits", sigmoid_xent,
           [off_zero(3, 4), rng.uniform(0, 1, size=(3, 4))], sigmoid_xent_ref, second_order=True),
    OpCase("sigmoid_cross_entropy_with_logits/extreme", sigmoid_xent,
           [np.array([1000.0, -1000.0, 0.0, 1000.0]), np.array([0.0, 1.0, 0.5, 1.0])],
           lambda x, z: np.array([1000.0, 1000.0, np.log(2.0), 0.0], dtype=x.dtype), grad=False),
    OpCase("weighted_cross_entropy_with_logits",
           lambda logits, labels: nn.weighted_cross_entropy_with_logits(
               labels=labels, logits=logits, pos_weight=3.0),
           [off_zero(3, 4), rng.uniform(0, 1, size=(3, 4))],
           lambda x, z: -(3.0 * z * np.log(sigmoid_ref(x))
                          + (1 - z) * np.log(1 - sigmoid_ref(x)))),
    OpCase("L2Loss", nn.l2_loss, [u(3, 4)], lambda t: np.asarray((t ** 2).sum() / 2),
           second_order=True),

    # -- normalisation
    OpCase("l2_normalize", lambda x: nn.l2_normalize(x, axis=1), [off_zero(3, 4)],
           lambda x: x / np.sqrt((x ** 2).sum(axis=1, keepdims=True))),
    OpCase("l2_normalize/all", nn.l2_normalize, [off_zero(2, 3)],
           lambda x: x / np.sqrt((x ** 2).sum())),
    OpCase("moments", lambda x: nn.moments(x, axes=[0]), [u(5, 3)],
           lambda x: (x.mean(axis=0), x.var(axis=0))),
    OpCase("moments/keep_dims", lambda x: nn.moments(x, axes=[0, 2], keep_dims=True),
           [u(3, 2, 4)], lambda x: (x.mean(axis=(0, 2), keepdims=True),
                                    x.var(axis=(0, 2), keepdims=True))),
    OpCase("batch_normalization",
           lambda x, m, v, o, s: nn.batch_normalization(x, m, v, o, s, 1e-3),
           [u(4, 3), u(3), rng.uniform(0.5, 2, size=3), u(3), u(3)],
           lambda x, m, v, o, s: s * (x - m) / np.sqrt(v + 1e-3) + o),
    OpCase("batch_normalization/no-offset-scale",
           lambda x, m, v: nn.batch_normalization(x, m, v, None, None, 1e-3),
           [u(4, 3), u(3), rng.uniform(0.5, 2, size=3)],
           lambda x, m, v: (x - m) / np.sqrt(v + 1e-3)),

    # -- top-k
    OpCase("TopKV2", lambda x: nn.top_k(x, k=3), [_topk_in], lambda x: top_k_ref(x, 3)),
    OpCase("TopKV2/ties", lambda x: nn.top_k(x, k=2),
           [np.array([[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, 2.0, 2.0]])], lambda x: top_k_ref(x, 2),
           grad=False),
    OpCase("InTopK", lambda p, t: nn.in_top_k(p, t, 2),
           [np.array([[0.1, 0.5, 0.2, 0.2], [0.3, 0.3, 0.3, 0.1], [0.9, 0.0, 0.1, 0.0],
                      [0.2, np.nan, 0.1, 0.3], [0.1, 0.2, 0.3, 0.4]]),
            np.array([3, 2, 1, 1, 7], dtype=np.int32)],
           # Row 0: 0.2 ties for 2nd place (in); row 1: three-way tie for 1st (in); row 2:
           # 0.0 ranks 3rd (out); row 3: NaN target (out); row 4: target out of range (out).
           lambda p, t: np.array([True, True, False, False, False]), grad=False),
]
