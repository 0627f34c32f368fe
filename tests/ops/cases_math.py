"""Op cases for the math family: elementwise, comparisons, reductions, matmul, cast."""
import numpy as np

import tenseur as tf
from tenseur.ops.math_ops import where_
from tenseur.testing import OpCase

rng = np.random.default_rng(1234)


def u(*shape, low=-2.0, high=2.0):
    return rng.uniform(low, high, size=shape)


def pos(*shape):
    return rng.uniform(0.5, 2.0, size=shape)


def away_from_zero(*shape):
    x = rng.uniform(0.3, 2.0, size=shape)
    return x * rng.choice([-1.0, 1.0], size=shape)


def sigmoid_ref(x):
    return 1 / (1 + np.exp(-x))


UNARY = [
    ("Neg", tf.negative, np.negative, u(3, 4)),
    ("Abs", tf.abs, np.abs, away_from_zero(3, 4)),
    ("Exp", tf.exp, np.exp, u(3, 4)),
    ("Expm1", tf.expm1, np.expm1, u(5)),
    ("Log", tf.log, np.log, pos(3, 4)),
    ("Log1p", tf.log1p, np.log1p, pos(4)),
    ("Sqrt", tf.sqrt, np.sqrt, pos(3, 4)),
    ("Rsqrt", tf.rsqrt, lambda x: 1 / np.sqrt(x), pos(3, 4)),
    ("Square", tf.square, np.square, u(3, 4)),
    ("Reciprocal", tf.reciprocal, np.reciprocal, away_from_zero(4)),
    ("Sin", tf.sin, np.sin, u(3, 4)),
    ("Cos", tf.cos, np.cos, u(3, 4)),
    ("Tan", tf.tan, np.tan, u(3, 4, low=-1.2, high=1.2)),
    ("Tanh", tf.tanh, np.tanh, u(3, 4)),
    ("Sigmoid", tf.sigmoid, sigmoid_ref, u(3, 4, low=-6, high=6)),
    ("Softplus", tf.softplus, lambda x: np.log1p(np.exp(x)), u(3, 4)),
    ("Erf", tf.erf, lambda x: np.vectorize(__import__("math").erf)(x), u(6)),
]

CASES = [OpCase(f"{name}", lambda x, f=fn: f(x), [x], ref, second_order=name in ("Exp", "Sin", "Tanh", "Sigmoid", "Log"))
         for name, fn, ref, x in UNARY]

CASES += [
    OpCase("Sign", tf.sign, [away_from_zero(3, 4)], np.sign, grad=False),
    OpCase("Floor", tf.floor, [u(3, 4)], np.floor, grad=False),
    OpCase("Ceil", tf.ceil, [u(3, 4)], np.ceil, grad=False),
    OpCase("Round/half-to-even", tf.round, [np.array([0.5, 1.5, 2.5, -0.5, 1.2, -1.7])],
           lambda x: np.array([0.0, 2.0, 2.0, -0.0, 1.0, -2.0], dtype=x.dtype), grad=False),
    OpCase("Sigmoid/extreme", tf.sigmoid, [np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0])],
           lambda x: np.array([0.0, sigmoid_ref(-50.0), 0.5, sigmoid_ref(50.0), 1.0], dtype=x.dtype),
           grad=False),
    OpCase("Softplus/extreme", tf.softplus, [np.array([-1000.0, 0.0, 1000.0])],
           lambda x: np.array([0.0, np.log(2.0), 1000.0], dtype=x.dtype), grad=False),
]

BINARY = [
    ("Add", tf.add, np.add, u(3, 4), u(3, 4)),
    ("Add/broadcast", tf.add, np.add, u(3, 1), u(1, 4)),
    ("Add/scalar", lambda x, y: x + y, np.add, u(3, 4), u()),
    ("Sub/broadcast", tf.subtract, np.subtract, u(2, 3, 4), u(4)),
    ("Mul/broadcast", tf.multiply, np.multiply, u(3, 1), u(3, 4)),
    ("RealDiv/broadcast", tf.divide, np.divide, u(3, 4), away_from_zero(4)),
    ("Pow", tf.pow, np.power, pos(3, 4), u(3, 4)),
    ("Maximum", tf.maximum, np.maximum, u(3, 4), u(3, 4)),
    ("Minimum/broadcast", tf.minimum, np.minimum, u(3, 4), u(1, 4)),
    ("SquaredDifference", tf.squared_difference, lambda x, y: (x - y) ** 2, u(3, 4), u(4)),
    ("FloorMod", tf.mod, np.mod, u(3, 4, low=0.1, high=5), pos(3, 4)),
]
CASES += [OpCase(name, lambda x, y, f=fn: f(x, y), [x, y], ref,
                 wrt=[0] if name == "FloorMod" else None,
                 second_order=name in ("Mul/broadcast", "RealDiv/broadcast"))
          for name, fn, ref, x, y in BINARY]

CASES += [
    OpCase("FloorDiv", tf.floordiv, [u(3, 4, low=0, high=9), pos(3, 4)], np.floor_divide, grad=False),
    OpCase("operators", lambda x, y: [x + y, x - y, x * y, x / y, -x, x ** 2, 2 - x, 1 / y],
           [u(3, 4), away_from_zero(3, 4)],
           lambda x, y: [x + y, x - y, x * y, x / y, -x, x ** 2, 2 - x, 1 / y]),
]

COMPARE = [("Equal", tf.equal, np.equal), ("NotEqual", tf.not_equal, np.not_equal),
           ("Less", tf.less, np.less), ("LessEqual", tf.less_equal, np.less_equal),
           ("Greater", tf.greater, np.greater), ("GreaterEqual", tf.greater_equal, np.greater_equal)]
_a = np.round(u(4, 5))
_b = np.round(u(5))
CASES += [OpCase(name, lambda x, y, f=fn: f(x, y), [_a, _b], ref, grad=False)
          for name, fn, ref in COMPARE]

_p = rng.uniform(size=(3, 4)) > 0.5
_q = rng.uniform(size=(3, 4)) > 0.5
CASES += [
    OpCase("LogicalAnd", tf.logical_and, [_p, _q], np.logical_and, grad=False),
    OpCase("LogicalOr", tf.logical_or, [_p, _q], np.logical_or, grad=False),
    OpCase("LogicalNot", tf.logical_not, [_p], np.logical_not, grad=False),
    OpCase("Select", lambda c, x, y: where_(c, x, y),
           [_p, u(3, 4), u(3, 4)], np.where, wrt=[1, 2]),
    OpCase("Cast/float-int", lambda x: tf.cast(x, tf.int32), [u(3, 4, low=-5, high=5)],
           lambda x: np.trunc(x).astype(np.int32), grad=False),
    OpCase("Cast/float64", lambda x: tf.cast(x, tf.float64), [u(3, 4)],
           lambda x: x.astype(np.float64)),
    OpCase("AddN", lambda x, y, z: tf.add_n([x, y, z]), [u(3, 4), u(3, 4), u(3, 4)],
           lambda x, y, z: x + y + z),
    OpCase("clip_by_value", lambda x: tf.clip_by_value(x, -1.0, 1.0),
           [np.array([-1.7, -0.3, 0.2, 0.9, 1.4, 2.2])], lambda x: np.clip(x, -1, 1)),
]

_r = u(3, 4, 5)
REDUCE = [
    ("Sum", tf.reduce_sum, np.sum), ("Mean", tf.reduce_mean, np.mean),
    ("Prod", tf.reduce_prod, np.prod), ("Max", tf.reduce_max, np.max),
    ("Min", tf.reduce_min, np.min),
]
for name, fn, ref in REDUCE:
    x = _r if name != "Prod" else pos(3, 4, 5)
    CASES += [
        OpCase(f"{name}/all", lambda t, f=fn: f(t), [x], lambda a, r=ref: np.asarray(r(a))),
        OpCase(f"{name}/axis1", lambda t, f=fn: f(t, axis=1), [x], lambda a, r=ref: r(a, axis=1),
               second_order=name in ("Sum", "Mean")),
        OpCase(f"{name}/axes-keepdims", lambda t, f=fn: f(t, axis=[0, -1], keepdims=True), [x],
               lambda a, r=ref: r(a, axis=(0, 2), keepdims=True)),
    ]
_bools = rng.uniform(size=(3, 4)) > 0.3
CASES += [
    OpCase("Any", lambda t: tf.reduce_any(t, axis=1), [_bools], lambda a: a.any(axis=1), grad=False),
    OpCase("All", lambda t: tf.reduce_all(t), [_bools], lambda a: np.asarray(a.all()), grad=False),
    OpCase("Max/ties-share", lambda t: tf.reduce_max(t, axis=1),
           [np.array([[1.0, 3.0, 3.0], [2.0, 0.0, -1.0]])], lambda a: a.max(axis=1), grad=False),
    OpCase("ArgMax", lambda t: tf.argmax(t, axis=1), [u(4, 6)], lambda a: a.argmax(axis=1), grad=False),
    OpCase("ArgMin", lambda t: tf.argmin(t, 0), [u(4, 6)], lambda a: a.argmin(axis=0), grad=False),
    OpCase("Size", lambda t: tf.size(t), [u(3, 4)], lambda a: np.asarray(a.size, np.int32), grad=False),
    OpCase("reduce_logsumexp", lambda t: tf.reduce_logsumexp(t, axis=1), [u(3, 5) * 50],
           lambda a: np.log(np.sum(np.exp(a - a.max(1, keepdims=True)), axis=1)) + a.max(1),
           rtol=1e-5),
]

CASES += [
    OpCase("MatMul", tf.matmul, [u(3, 4), u(4, 5)], np.matmul, second_order=True),
    OpCase("MatMul/transpose_a", lambda a, b: tf.matmul(a, b, transpose_a=True), [u(4, 3), u(4, 5)],
           lambda a, b: a.T @ b),
    OpCase("MatMul/transpose_b", lambda a, b: tf.matmul(a, b, transpose_b=True), [u(3, 4), u(5, 4)],
           lambda a, b: a @ b.T),
    OpCase("MatMul/transpose_both", lambda a, b: tf.matmul(a, b, transpose_a=True, transpose_b=True),
           [u(4, 3), u(5, 4)], lambda a, b: a.T @ b.T, second_order=True),
    OpCase("MatMul/batched-broadcast", tf.matmul, [u(2, 3, 4), u(4, 5)], np.matmul),
    OpCase("MatMul/operator", lambda a, b: a @ b, [u(2, 3), u(3, 2)], np.matmul),
    OpCase("tensordot", lambda a, b: tf.tensordot(a, b, axes=[[1, 2], [0, 1]]),
           [u(2, 3, 4), u(3, 4, 5)], lambda a, b: np.tensordot(a, b, axes=[[1, 2], [0, 1]])),
]

CASES += [
    OpCase("AddV2", lambda x, y: tf.apply_op("AddV2", x, y), [u(3, 4), u(4)], np.add),
    OpCase("ExpandDimsMany", lambda x: tf.apply_op("ExpandDimsMany", x, axes=(0, 2)), [u(3, 4)],
           lambda a: a[None, :, None, :], second_order=True),
]

# Reductions and scans where TensorFlow's values were checked (benchmarks/tf_op_parity.py).
_with_zero = np.array([[0.0, 2.0, 3.0], [1.5, -2.0, 0.5]])
CASES += [
    OpCase("Prod/one-zero", lambda t: tf.reduce_prod(t, axis=1), [_with_zero],
           lambda a: np.prod(a, axis=1), second_order=True),
    OpCase("reduce_logsumexp/infinite-max",
           lambda t: tf.reduce_logsumexp(t, axis=1),
           [np.array([[-np.inf, -np.inf], [np.inf, 0.0], [1.0, 2.0]])],
           lambda a: np.array([-np.inf, np.inf, np.log(np.exp(1.0) + np.exp(2.0))],
                              dtype=a.dtype), grad=False),
    OpCase("IsFinite", tf.is_finite, [np.array([1.0, np.inf, -np.inf, np.nan])], np.isfinite,
           grad=False),
    OpCase("IsInf", tf.is_inf, [np.array([1.0, np.inf, -np.inf, np.nan])], np.isinf, grad=False),
    OpCase("IsNan", tf.is_nan, [np.array([1.0, np.inf, -np.inf, np.nan])], np.isnan, grad=False),
    OpCase("range", lambda: tf.range(3, 18, 3), [], lambda: np.arange(3, 18, 3, dtype=np.int32),
           grad=False),
    OpCase("Range/computed-limit", lambda t: tf.range(tf.size(t)), [u(2, 3)],
           lambda a: np.arange(6, dtype=np.int32), grad=False, ops=("Range",)),
    OpCase("Cumsum", lambda t: tf.cumsum(t, axis=1), [u(3, 4)], lambda a: np.cumsum(a, axis=1),
           second_order=True),
    OpCase("Cumsum/exclusive-reverse", lambda t: tf.cumsum(t, axis=0, exclusive=True, reverse=True),
           [u(3, 4)], lambda a: np.cumsum(a[::-1], axis=0)[::-1] - a),
    OpCase("Cumprod", lambda t: tf.cumprod(t, axis=-1), [away_from_zero(2, 4)],
           lambda a: np.cumprod(a, axis=-1), second_order=True),
    OpCase("Cumprod/exclusive", lambda t: tf.cumprod(t, axis=1, exclusive=True),
           [away_from_zero(2, 4)],
           lambda a: np.concatenate([np.ones((2, 1), a.dtype), np.cumprod(a, 1)[:, :-1]], 1)),
    OpCase("Cumprod/reverse", lambda t: tf.cumprod(t, axis=1, reverse=True),
           [away_from_zero(2, 4)], lambda a: np.cumprod(a[:, ::-1], axis=1)[:, ::-1]),
]

# Inverse and hyperbolic trigonometry (values and gradients also compared with TensorFlow 2.21).
CASES += [
    OpCase("Asin", tf.asin, [u(3, 4, low=-0.9, high=0.9)], np.arcsin, second_order=True),
    OpCase("Acos", tf.acos, [u(3, 4, low=-0.9, high=0.9)], np.arccos),
    OpCase("Atan", tf.atan, [u(3, 4, low=-3, high=3)], np.arctan, second_order=True),
    OpCase("Sinh", tf.sinh, [u(3, 4)], np.sinh, second_order=True),
    OpCase("Cosh", tf.cosh, [u(3, 4)], np.cosh),
    OpCase("Asinh", tf.asinh, [u(3, 4, low=-3, high=3)], np.arcsinh, second_order=True),
    OpCase("Acosh", tf.acosh, [u(3, 4, low=1.2, high=3)], np.arccosh),
    OpCase("Atanh", tf.atanh, [u(3, 4, low=-0.9, high=0.9)], np.arctanh, second_order=True),
    OpCase("Rint/half-to-even", tf.rint, [np.array([0.5, 1.5, 2.5, -0.5, 1.2, -1.7])],
           np.rint, grad=False),
    OpCase("Atan2", tf.atan2, [away_from_zero(3, 4), away_from_zero(3, 4)], np.arctan2),
    OpCase("Atan2/broadcast-quadrants", tf.atan2, [np.array([1.0, 1.0, -1.0, -1.0]),
                                                   np.array([[1.0], [-2.0]])], np.arctan2),
    OpCase("clip_by_norm", lambda t: tf.clip_by_norm(t, 1.5), [u(3, 4)],
           lambda a: a * 1.5 / max(np.sqrt((a * a).sum()), 1.5)),
    OpCase("clip_by_norm/axes", lambda t: tf.clip_by_norm(t, 1.0, axes=[1]), [u(3, 4)],
           lambda a: a / np.maximum(np.sqrt((a * a).sum(1, keepdims=True)), 1.0)),
    OpCase("clip_by_global_norm", lambda a, b: tf.clip_by_global_norm([a, None, b], 2.0)[0][2],
           [u(3, 4), u(5)],
           lambda a, b: b * 2.0 / max(np.sqrt((a * a).sum() + (b * b).sum()), 2.0)),
]

CASES += [
    OpCase("div_no_nan/zeros", tf.div_no_nan,
           [np.array([1.0, -2.0, 3.0, 0.0]), np.array([2.0, 0.0, -4.0, 0.0])],
           lambda x, y: np.array([0.5, 0.0, -0.75, 0.0], dtype=x.dtype), grad=False),
    OpCase("div_no_nan", tf.div_no_nan, [u(3, 4), away_from_zero(3, 4)], np.divide),
]
