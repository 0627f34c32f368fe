"""Random cases against real TensorFlow: tenseur ops on shapes, axes and options drawn at random.

`tf_op_parity.py` checks ~500 cases written by hand; this script draws its cases: broadcast
shapes for the binary ops, axis lists (negative, empty, None) and keepdims for reductions,
permutations, reshapes, slices with negative steps and new axes, paddings, gathers, splits,
convolution and pooling geometries (strides, dilations, SAME/VALID), the cross-entropies,
batch normalization, integer and boolean arithmetic and casts, the NCHW data format, cond
and while_loop... Each case runs through tf_op_parity's checker: forward values, dtypes and
static shapes, and `tf.gradients` with a random upstream gradient, with full static shapes
and again with placeholders of unknown shape.

    PYTHONPATH=. .venv-bench/bin/python benchmarks/tf_fuzz_parity.py [--seed S] [--cases N]
        [--family NAME ...] [--only I ...] [-v] [--no-dynamic] [--eager | --function]

`--optimizers` instead trains two variables with a tf.train optimizer of random settings
(momentum/Nesterov, Adam's betas and epsilon, centered RMSProp, Adagrad, Adadelta, Ftrl's
regularization; gradients clipped by global norm or not) for 4 steps and compares them after
each step with TF's. `--eager` runs the same cases eagerly (tenseur.eager_mode against TF
2's eager mode, through tf_eager_parity's checker): constants in, outputs and GradientTape
gradients out; `--function` the same inside a `tf.function` (traced once, then run).

Case I of seed S is drawn from its own generator, so `--seed S --only I` runs it again alone.
Prints one line per case that is not ok (`-v`: every case) and a summary; exits 1 when any
case is not ok. `make parity` runs seeds 0 and 1, 400 cases each, in graph mode, eagerly and
inside tf.function.
"""
import argparse
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

import tf_op_parity as P  # noqa: E402

F64, F32, I32 = np.float64, np.float32, np.int32


def attr(module, dotted):
    """module.a.b.c for "a.b.c" (TF 1.x names, looked up in tenseur and tf.compat.v1 alike)."""
    for part in dotted.split("."):
        module = getattr(module, part)
    return module


class Draw:
    """The random choices of one case."""

    def __init__(self, seed):
        self.r = random.Random(seed)
        self.np = np.random.default_rng(seed)

    def int(self, lo, hi):
        return self.r.randint(lo, hi)

    def chance(self, p):
        return self.r.random() < p

    def pick(self, options):
        return self.r.choice(list(options))

    def shape(self, rank=None, lo=1, hi=4):
        rank = self.int(0, 4) if rank is None else rank
        return [self.int(lo, hi) for _ in range(rank)]

    def broadcast_of(self, shape):
        """A shape that broadcasts to `shape`: leading dims dropped, some dims 1."""
        dims = list(shape)[self.int(0, len(shape)) if self.chance(0.3) else 0:]
        return [1 if self.chance(0.3) else d for d in dims]

    def array(self, shape, dtype=F64, positive=False):
        a = self.np.uniform(-2, 2, size=shape)
        if positive:
            a = np.abs(a) + 0.5
        return a.astype(dtype)

    def ints(self, shape, lo, hi, dtype=I32):
        return self.np.integers(lo, hi, size=shape).astype(dtype)

    def float_dtype(self):
        return F64 if self.chance(0.7) else F32

    def axis(self, rank):
        return self.int(-rank, rank - 1)


FAMILIES = {}


def family(weight=1):
    def register(fn):
        FAMILIES[fn.__name__[4:]] = (fn, weight)
        return fn
    return register


BINARY = ["add", "subtract", "multiply", "truediv", "div", "maximum", "minimum",
          "squared_difference", "pow", "atan2", "floordiv", "floormod", "mod", "realdiv",
          "less", "less_equal", "greater", "greater_equal", "equal", "not_equal", "div_no_nan"]
COMPARISONS = {"less", "less_equal", "greater", "greater_equal", "equal", "not_equal"}
DIVISIONS = {"truediv", "div", "realdiv", "atan2", "floordiv", "floormod", "mod", "div_no_nan"}


@family(weight=4)
def gen_binary(d):
    op = d.pick(BINARY)
    out = d.shape()
    a, b = d.broadcast_of(out), d.broadcast_of(out)
    if d.chance(0.5):
        a, b = b, a
    if op not in ("pow", "atan2", "truediv", "realdiv", "squared_difference") and d.chance(0.2):
        x, y = d.ints(a, -6, 7), d.ints(b, -6, 7)              # integer arithmetic
        if op in DIVISIONS:
            y = np.where(y == 0, 3, y).astype(I32)
        return f"binary {op} int32 {a} {b}", lambda tf, x, y, op=op: attr(tf, op)(x, y), \
            [x, y], dict(grad=False)
    dtype = d.float_dtype()
    x, y = d.array(a, dtype, positive=op == "pow"), d.array(b, dtype)
    if op in DIVISIONS:
        y = np.where(np.abs(y) < 0.3, 0.7, y).astype(dtype)
        if op == "div_no_nan" and y.size and d.chance(0.5):
            y.flat[0] = 0
    grad = op not in COMPARISONS and op not in ("floordiv", "floormod", "mod")
    return f"binary {op} {np.dtype(dtype).name} {a} {b}", \
        lambda tf, x, y, op=op: attr(tf, op)(x, y), [x, y], dict(grad=grad)


UNARY = ["exp", "tanh", "sigmoid", "nn.softplus", "nn.relu", "nn.elu", "nn.selu", "square",
         "abs", "sin", "cos", "erf", "nn.relu6", "nn.softsign", "log1p|pos", "log|pos",
         "sqrt|pos", "rsqrt|pos", "reciprocal|pos", "expm1", "sign", "floor", "round", "ceil",
         "negative", "asinh", "atan", "nn.leaky_relu", "cosh", "sinh", "acos|unit", "asin|unit",
         "atanh|unit", "tan|unit", "nn.swish", "math.log_softmax", "rint", "acosh|above1"]
STEPS = {"sign", "floor", "round", "ceil", "rint"}


@family(weight=2)
def gen_unary(d):
    ops = [d.pick(UNARY) for _ in range(d.int(1, 2))]
    shape = d.shape()
    if "math.log_softmax" in ops and not shape:
        shape = [3]

    def fn(tf, x, ops=ops):
        for spec in ops:
            name, _, domain = spec.partition("|")
            if domain == "pos":
                x = tf.abs(x) + 0.5
            elif domain == "unit":
                x = tf.tanh(x) * 0.9
            elif domain == "above1":
                x = tf.abs(x) + 1.1
            x = attr(tf, name)(x)
        return x
    return f"unary {ops} {shape}", fn, [d.array(shape, d.float_dtype())], \
        dict(grad=not STEPS.intersection(ops))


REDUCTIONS = ["reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod",
              "reduce_logsumexp", "reduce_any", "reduce_all", "count_nonzero"]


@family(weight=3)
def gen_reduce(d):
    op = d.pick(REDUCTIONS)
    shape = d.shape(d.int(1, 4))
    rank = len(shape)
    roll = d.r.random()
    if roll < 0.15:
        axis = None
    elif roll < 0.5:
        axis = d.axis(rank)
    else:                                   # a list: distinct axes, maybe negative, maybe none
        axis = d.r.sample(range(rank), d.int(0, rank))
        axis = [a - rank if d.chance(0.3) else a for a in axis]
    keep = d.chance(0.5)
    x = d.array(shape, d.float_dtype())
    if op in ("reduce_any", "reduce_all", "count_nonzero"):
        return f"{op} {shape} axis={axis} keepdims={keep}", \
            lambda tf, x, op=op, axis=axis, keep=keep: attr(tf, op)(
                x > 0 if op != "count_nonzero" else tf.floor(x), axis=axis, keepdims=keep), \
            [x], dict(grad=False)
    return f"{op} {shape} axis={axis} keepdims={keep}", \
        lambda tf, x, op=op, axis=axis, keep=keep: attr(tf, op)(x, axis=axis, keepdims=keep), \
        [x], {}


@family(weight=3)
def gen_shape(d):
    kind = d.pick(["transpose", "reshape", "tile", "expand_dims", "squeeze", "reverse", "pad"])
    dtype = d.float_dtype()
    if kind == "transpose":
        shape = d.shape()
        perm = list(range(len(shape)))
        d.r.shuffle(perm)
        return f"transpose {shape} {perm}", lambda tf, x, p=perm: tf.transpose(x, p) * 1.0, \
            [d.array(shape, dtype)], {}
    if kind == "reshape":
        shape = d.shape()
        left, new = int(np.prod(shape)), []
        while left > 1:
            factor = d.pick([k for k in range(1, left + 1) if left % k == 0])
            new.append(factor)
            left //= factor
        if new and d.chance(0.5):
            new[d.int(0, len(new) - 1)] = -1
        return f"reshape {shape} -> {new}", lambda tf, x, s=new: tf.reshape(x, s) * 2.0, \
            [d.array(shape, dtype)], {}
    if kind == "tile":
        shape = d.shape(d.int(1, 3))
        multiples = [d.int(1, 3) for _ in shape]
        return f"tile {shape} {multiples}", lambda tf, x, m=multiples: tf.tile(x, m), \
            [d.array(shape, dtype)], {}
    if kind == "expand_dims":
        shape = d.shape()
        axis = d.int(-len(shape) - 1, len(shape))
        return f"expand_dims {shape} {axis}", \
            lambda tf, x, a=axis: tf.expand_dims(x, a) * 1.0, [d.array(shape, dtype)], {}
    if kind == "squeeze":
        shape = [d.pick([1, 1, 2, 3]) for _ in range(d.int(1, 4))]
        ones = [i for i, n in enumerate(shape) if n == 1]
        axes = d.r.sample(ones, d.int(0, len(ones))) if ones and d.chance(0.6) else None
        if axes is not None and d.chance(0.5):
            axes = [a - len(shape) for a in axes]
        return f"squeeze {shape} {axes}", lambda tf, x, a=axes: tf.squeeze(x, a) * 1.0, \
            [d.array(shape, dtype)], {}
    if kind == "reverse":
        shape = d.shape(d.int(1, 4))
        axes = d.r.sample(range(len(shape)), d.int(1, min(2, len(shape))))
        axes = [a - len(shape) if d.chance(0.3) else a for a in axes]
        return f"reverse {shape} {axes}", lambda tf, x, a=axes: tf.reverse(x, a) * 1.0, \
            [d.array(shape, dtype)], {}
    shape = d.shape(d.int(1, 3))
    mode = d.pick(["CONSTANT", "REFLECT", "SYMMETRIC"])
    pads = []
    for n in shape:
        most = 2 if mode == "CONSTANT" else (n - 1 if mode == "REFLECT" else n)
        pads.append([d.int(0, min(2, most)), d.int(0, min(2, most))])
    value = d.pick([0.0, 1.5]) if mode == "CONSTANT" else 0.0
    return f"pad {shape} {pads} {mode} {value}", \
        lambda tf, x, p=pads, m=mode, v=value: tf.pad(x, p, mode=m, constant_values=v), \
        [d.array(shape, dtype)], {}


@family(weight=2)
def gen_join(d):
    kind = d.pick(["concat", "stack", "unstack", "split", "split_sizes"])
    shape = d.shape(d.int(1, 3))
    rank, dtype = len(shape), d.float_dtype()
    if kind == "concat":
        axis, arrays = d.axis(rank), []
        for _ in range(d.int(1, 3)):
            piece = list(shape)
            piece[axis] = d.int(0 if d.chance(0.1) else 1, 3)
            arrays.append(d.array(piece, dtype))
        return f"concat {[list(a.shape) for a in arrays]} axis={axis}", \
            lambda tf, *xs, a=axis: tf.concat(list(xs), a), arrays, {}
    if kind == "stack":
        axis, count = d.int(-rank - 1, rank), d.int(1, 3)
        return f"stack {shape} x{count} axis={axis}", \
            lambda tf, *xs, a=axis: tf.stack(list(xs), a), \
            [d.array(shape, dtype) for _ in range(count)], {}
    axis = d.axis(rank)
    if kind == "unstack":
        return f"unstack {shape} axis={axis}", lambda tf, x, a=axis: tf.unstack(x, axis=a), \
            [d.array(shape, dtype)], {}
    size = shape[axis]
    if kind == "split":
        num = d.pick([k for k in range(1, size + 1) if size % k == 0])
        return f"split {shape} {num} axis={axis}", \
            lambda tf, x, n=num, a=axis: tf.split(x, n, axis=a), [d.array(shape, dtype)], {}
    cuts = sorted(d.r.sample(range(size + 1), min(2, size + 1)))
    sizes = [cuts[0], cuts[-1] - cuts[0], size - cuts[-1]]
    if d.chance(0.4):
        sizes[d.int(0, 2)] = -1
    return f"split {shape} {sizes} axis={axis}", \
        lambda tf, x, s=sizes, a=axis: tf.split(x, s, axis=a), [d.array(shape, dtype)], {}


@family(weight=2)
def gen_index(d):
    kind = d.pick(["slice", "slice", "gather", "gather_nd", "boolean_mask", "one_hot",
                   "scatter_nd", "where", "top_k", "arg"])
    dtype = d.float_dtype()
    if kind == "slice":
        shape = d.shape(d.int(1, 3), 1, 6)
        key = []
        for n in shape:
            if d.chance(0.2):
                key.append(d.int(-n, n - 1))
            else:
                key.append(slice(d.pick([None, d.int(-n - 1, n + 1)]),
                                 d.pick([None, d.int(-n - 1, n + 1)]),
                                 d.pick([1, 1, 2, -1, -2, 3])))
        if d.chance(0.2):
            key.insert(d.int(0, len(key)), None)
        if d.chance(0.2) and len(key) > 1:
            key[d.int(0, len(key) - 1)] = Ellipsis
        key = tuple(key)
        return f"getitem {shape} {key}", lambda tf, x, k=key: x[k] * 1.0, \
            [d.array(shape, dtype)], {}
    if kind == "gather":
        shape = d.shape(d.int(1, 3))
        axis = d.axis(len(shape))
        indices = d.ints(d.shape(d.int(0, 2)), 0, shape[axis])
        return f"gather {shape} axis={axis} indices{list(indices.shape)}", \
            lambda tf, x, i=indices, a=axis: tf.gather(x, i, axis=a), [d.array(shape, dtype)], {}
    if kind == "gather_nd":
        shape = d.shape(d.int(1, 3))
        depth = d.int(1, len(shape))
        # (Indices of rank 1 make TF's own gradient fail: ScatterNd wants them deeper.)
        lead = d.shape(d.int(1, 2))
        indices = np.stack([d.ints(lead, 0, shape[k]) for k in range(depth)], axis=-1)
        return f"gather_nd {shape} indices{list(indices.shape)}", \
            lambda tf, x, i=indices: tf.gather_nd(x, i), [d.array(shape, dtype)], {}
    if kind == "boolean_mask":
        shape = d.shape(d.int(1, 3))
        k = d.int(1, len(shape))
        mask = d.np.random(shape[:k]) > 0.5
        return f"boolean_mask {shape} mask{list(mask.shape)}", \
            lambda tf, x, m=mask: tf.boolean_mask(x, m), [d.array(shape, dtype)], {}
    if kind == "one_hot":
        shape = d.shape(d.int(0, 2))
        depth = d.int(1, 4)
        axis = d.pick([-1, 0]) if shape else -1
        indices = d.ints(shape, -1, depth + 1)
        return f"one_hot {shape} depth={depth} axis={axis}", \
            lambda tf, i, n=depth, a=axis: tf.one_hot(i, n, on_value=2.0, off_value=-1.0,
                                                      axis=a, dtype=tf.float64), \
            [indices], dict(grad=False)
    if kind == "scatter_nd":
        rows, updates = d.int(2, 5), d.int(1, 4)
        tail = d.shape(d.int(0, 2))
        indices = d.ints([updates, 1], 0, rows)
        return f"scatter_nd rows={rows} updates={updates} tail={tail}", \
            lambda tf, u, i=indices, n=rows, t=tail: tf.scatter_nd(i, u, [n] + t), \
            [d.array([updates] + tail, dtype)], {}
    if kind == "where":
        shape = d.shape()
        cond = d.np.random(shape) > 0.5
        return f"where {shape}", lambda tf, x, y, c=cond: tf.where(c, x, y), \
            [d.array(shape, dtype), d.array(shape, dtype)], {}
    if kind == "top_k":
        shape = d.shape(d.int(1, 3))
        k = d.int(1, shape[-1])
        return f"top_k {shape} k={k}", lambda tf, x, k=k: tf.nn.top_k(x, k=k), \
            [d.array(shape, dtype)], {}
    shape = d.shape(d.int(1, 3))
    op, axis = d.pick(["argmax", "argmin"]), d.axis(len(shape))
    return f"{op} {shape} axis={axis}", lambda tf, x, o=op, a=axis: attr(tf, o)(x, axis=a), \
        [d.array(shape, dtype)], dict(grad=False)


@family(weight=2)
def gen_math(d):
    kind = d.pick(["matmul", "batch_matmul", "tensordot", "softmax", "cumsum", "clip",
                   "moments", "l2_normalize", "add_n", "clip_by_norm", "global_norm"])
    dtype = d.float_dtype()
    if kind in ("matmul", "batch_matmul"):
        m, k, n = d.int(1, 4), d.int(1, 4), d.int(1, 4)
        ta, tb = d.chance(0.5), d.chance(0.5)
        batch = d.shape(d.int(1, 2)) if kind == "batch_matmul" else []
        a = d.array(batch + ([k, m] if ta else [m, k]), dtype)
        b = d.array(batch + ([n, k] if tb else [k, n]), dtype)
        return f"matmul {list(a.shape)} {list(b.shape)} ta={ta} tb={tb}", \
            lambda tf, a, b, ta=ta, tb=tb: tf.matmul(a, b, transpose_a=ta, transpose_b=tb), \
            [a, b], {}
    if kind == "tensordot":
        a_shape = d.shape(d.int(1, 3))
        count = d.int(0, len(a_shape))
        shared = a_shape[len(a_shape) - count:]
        b_shape = shared + d.shape(d.int(0, 2))
        axes = count if d.chance(0.5) else [list(range(len(a_shape) - count, len(a_shape))),
                                             list(range(count))]
        return f"tensordot {a_shape} {b_shape} axes={axes}", \
            lambda tf, a, b, x=axes: tf.tensordot(a, b, x), \
            [d.array(a_shape, dtype), d.array(b_shape, dtype)], {}
    shape = d.shape(d.int(1, 3))
    x = d.array(shape, dtype)
    axis = d.axis(len(shape))
    if kind == "softmax":
        op = d.pick(["nn.softmax", "nn.log_softmax"])
        return f"{op} {shape} axis={axis}", lambda tf, x, o=op, a=axis: attr(tf, o)(x, axis=a), \
            [x], {}
    if kind == "cumsum":
        op, exclusive, reverse = d.pick(["cumsum", "cumprod"]), d.chance(0.5), d.chance(0.5)
        return f"{op} {shape} axis={axis} exclusive={exclusive} reverse={reverse}", \
            lambda tf, x, o=op, a=axis, e=exclusive, r=reverse: attr(tf, o)(
                x, axis=a, exclusive=e, reverse=r), [x], {}
    if kind == "clip":
        low, high = sorted([round(d.r.uniform(-1, 1), 2), round(d.r.uniform(-1, 1), 2)])
        return f"clip_by_value {shape} {low} {high}", \
            lambda tf, x, lo=low, hi=high: tf.clip_by_value(x, lo, hi), [x], {}
    if kind == "moments":
        axes = sorted(d.r.sample(range(len(shape)), d.int(1, len(shape))))
        keep = d.chance(0.5)
        return f"moments {shape} axes={axes} keep_dims={keep}", \
            lambda tf, x, a=axes, k=keep: tf.nn.moments(x, a, keep_dims=k), [x], {}
    if kind == "l2_normalize":
        return f"l2_normalize {shape} axis={axis}", \
            lambda tf, x, a=axis: tf.nn.l2_normalize(x, axis=a), [x], {}
    if kind == "add_n":
        count = d.int(1, 4)
        return f"add_n {shape} x{count}", lambda tf, *xs: tf.add_n(list(xs)), \
            [d.array(shape, dtype) for _ in range(count)], {}
    if kind == "clip_by_norm":
        axes = d.pick([None, [axis]])
        norm = d.pick([0.5, 1.0, 100.0])
        return f"clip_by_norm {shape} {norm} axes={axes}", \
            lambda tf, x, n=norm, a=axes: tf.clip_by_norm(x, n, axes=a), [x], {}
    count = d.int(1, 3)
    return f"clip_by_global_norm {shape} x{count}", \
        lambda tf, *xs: tf.clip_by_global_norm(list(xs), 1.0)[0], \
        [d.array(d.shape(d.int(0, 2)), dtype) for _ in range(count)], {}


@family(weight=3)
def gen_conv(d):
    kind = d.pick(["conv2d", "conv2d", "depthwise", "transpose", "max_pool", "avg_pool",
                   "bias_add"])
    dtype = d.float_dtype()
    batch, height, width = d.int(1, 2), d.int(3, 7), d.int(3, 7)
    cin = d.int(1, 3)
    padding = d.pick(["SAME", "VALID"])
    kh, kw = d.int(1, 3), d.int(1, 3)
    stride = d.pick([1, 1, 2, 3])
    dilation = d.pick([1, 1, 2]) if stride == 1 else 1
    x = d.array([batch, height, width, cin], dtype)
    if kind == "bias_add":
        fmt = d.pick(["NHWC", "NCHW"])
        bias = d.array([cin if fmt == "NHWC" else height], dtype)
        return f"bias_add {list(x.shape)} {fmt}", \
            lambda tf, x, b, f=fmt: tf.nn.bias_add(x, b, data_format=f), [x, bias], {}
    if kind in ("max_pool", "avg_pool"):
        window = [1, kh, kw, 1]
        strides = [1, stride, d.pick([1, 2]), 1]
        return f"{kind} {list(x.shape)} ksize={window} strides={strides} {padding}", \
            lambda tf, x, k=window, s=strides, p=padding, o=kind: attr(tf.nn, o)(x, k, s, p), \
            [x], {}
    if kind == "depthwise":
        multiplier = d.int(1, 2)
        w = d.array([kh, kw, cin, multiplier], dtype)
        rate = [dilation, dilation]
        too_small = padding == "VALID" and (dilation * (kh - 1) >= height
                                            or dilation * (kw - 1) >= width)
        return (f"depthwise_conv2d {list(x.shape)} {list(w.shape)} stride={stride} "
                f"rate={rate} {padding}"), \
            lambda tf, x, w, s=stride, p=padding, r=rate: tf.nn.depthwise_conv2d(
                x, w, [1, s, s, 1], p, rate=r), [x, w], \
            dict(error=True, grad=False) if too_small else {}
    cout = d.int(1, 3)
    if kind == "transpose":
        w = d.array([kh, kw, cout, cin], dtype)
        if padding == "SAME":
            oh, ow = height * stride, width * stride
        else:
            oh, ow = (height - 1) * stride + kh, (width - 1) * stride + kw
        shape = [batch, oh, ow, cout]
        return f"conv2d_transpose {list(x.shape)} {list(w.shape)} -> {shape} stride={stride} " \
            f"{padding}", lambda tf, x, w, o=shape, s=stride, p=padding: tf.nn.conv2d_transpose(
                x, w, o, [1, s, s, 1], p), [x, w], {}
    w = d.array([kh, kw, cin, cout], dtype)
    strides = [1, stride, d.pick([1, stride]), 1]
    dilations = [1, dilation, dilation, 1]
    too_small = padding == "VALID" and (dilation * (kh - 1) >= height
                                        or dilation * (kw - 1) >= width)
    # TF's CPU kernels have no dilated filter gradient: tenseur's is checked by its own tests
    # against finite differences. A VALID window larger than the image must raise in both.
    options = dict(grad=dilation == 1) if not too_small else dict(error=True, grad=False)
    return f"conv2d {list(x.shape)} {list(w.shape)} strides={strides} dilations={dilations} " \
        f"{padding}", lambda tf, x, w, s=strides, p=padding, dl=dilations: tf.nn.conv2d(
            x, w, s, p, dilations=dl), [x, w], options


@family(weight=2)
def gen_dtypes(d):
    """Integer and boolean arithmetic, casts, reductions and comparisons (no gradients)."""
    kind = d.pick(["reduce", "cast", "compare", "arith", "argmax", "where", "cumsum", "int64"])
    shape = d.shape(d.int(1, 3))
    x = d.ints(shape, -5, 6)
    if kind == "reduce":
        op = d.pick(["reduce_sum", "reduce_prod", "reduce_max", "reduce_min", "reduce_mean"])
        axis = d.pick([None, d.axis(len(shape))])
        return f"{op} int32 {shape} axis={axis}", \
            lambda tf, x, o=op, a=axis: attr(tf, o)(x, axis=a), [x], {}
    if kind == "cast":
        chain = [d.pick(["float32", "float64", "int32", "int64", "bool", "uint8", "int8",
                         "float16"]) for _ in range(d.int(1, 3))]
        f = np.abs(d.array(shape, F64)) * 3    # in every dtype's range (a negative float cast
        # to uint8 is undefined: TF gives 0, NumPy wraps)

        def cast(tf, x, chain=chain):
            for dtype in chain:
                x = tf.cast(x, getattr(tf, dtype))
            return x
        return f"cast {shape} {chain}", cast, [f], dict(grad=False)
    if kind == "compare":
        y = d.ints(d.broadcast_of(shape), -5, 6)
        op = d.pick(["equal", "not_equal", "less", "greater_equal", "maximum", "minimum"])
        return f"{op} int32 {shape} {list(y.shape)}", \
            lambda tf, x, y, o=op: attr(tf, o)(x, y), [x, y], {}
    if kind == "arith":
        y = d.ints(d.broadcast_of(shape), 1, 6) * d.pick([1, -1])
        op = d.pick(["floordiv", "floormod", "mod", "multiply", "subtract",
                     "add", "pow", "squared_difference", "abs", "negative", "sign", "square"])
        if op in ("abs", "negative", "sign", "square"):
            return f"{op} int32 {shape}", lambda tf, x, o=op: attr(tf, o)(x), [x], {}
        if op == "pow":
            y = np.abs(y) % 3
        return f"{op} int32 {shape} {list(y.shape)}", \
            lambda tf, x, y, o=op: attr(tf, o)(x, y), [x, y], {}
    if kind == "argmax":
        op, axis = d.pick(["argmax", "argmin"]), d.axis(len(shape))
        out = d.pick(["int32", "int64"])
        return f"{op} int32 {shape} axis={axis} {out}", \
            lambda tf, x, o=op, a=axis, t=out: attr(tf, o)(x, axis=a, output_type=getattr(
                tf, t)), [x], {}
    if kind == "where":
        return f"where int32 {shape}", lambda tf, x: tf.where(x > 0, x, -x * 2), [x], {}
    if kind == "cumsum":
        axis = d.axis(len(shape))
        return f"cumsum int32 {shape} axis={axis}", \
            lambda tf, x, a=axis: tf.cumsum(x, axis=a, exclusive=True), [x], {}
    return f"int64 {shape}", lambda tf, x: tf.reduce_sum(tf.cast(x, tf.int64) * 3, axis=-1), \
        [x], {}


@family(weight=2)
def gen_nchw(d):
    """The channels-first data format of convolutions, pooling and bias_add. TF's CPU kernels
    have no NCHW convolution or pooling, so its side computes channels-last between two
    transposes (the same numbers)."""
    batch, channels, height, width = d.int(1, 2), d.int(1, 3), d.int(3, 6), d.int(3, 6)
    x = d.array([batch, channels, height, width], F32)
    padding = d.pick(["SAME", "VALID"])
    kind = d.pick(["conv2d", "max_pool", "avg_pool", "bias_add"])

    def nhwc(op):
        def run(tf, x, *rest):
            y = op(tf, tf.transpose(x, [0, 2, 3, 1]), *rest, "NHWC")
            return tf.transpose(y, [0, 3, 1, 2])
        return run

    def both(op):
        return (lambda tf, *args: op(tf, *args, "NCHW")), dict(tf_fn=nhwc(op))
    if kind == "conv2d":
        k, stride = d.int(1, 3), d.pick([1, 2])
        w = d.array([k, k, channels, d.int(1, 3)], F32)

        def conv(tf, x, w, fmt, s=stride, p=padding):
            strides = [1, 1, s, s] if fmt == "NCHW" else [1, s, s, 1]
            return tf.nn.conv2d(x, w, strides, p, data_format=fmt)
        fn, options = both(conv)
        return f"conv2d NCHW {list(x.shape)} {list(w.shape)} stride={stride} {padding}", fn, \
            [x, w], options
    if kind == "bias_add":
        return f"bias_add NCHW {list(x.shape)}", lambda tf, x, b: tf.nn.bias_add(
            x, b, data_format="NCHW"), [x, d.array([channels], F32)], {}
    size = d.int(1, 2)

    def pool(tf, x, fmt, o=kind, k=size, p=padding):
        window = [1, 1, k, k] if fmt == "NCHW" else [1, k, k, 1]
        return attr(tf.nn, o)(x, window, window, p, data_format=fmt)
    fn, options = both(pool)
    return f"{kind} NCHW {list(x.shape)} {size} {padding}", fn, [x], options


@family(weight=2)
def gen_loss(d):
    kind = d.pick(["softmax_xent", "softmax_xent_v2", "sparse_xent", "sigmoid_xent",
                   "weighted_xent", "l2_loss", "losses"])
    dtype = d.float_dtype()
    batch, classes = d.int(1, 4), d.int(2, 5)
    logits = d.array([batch, classes], dtype) * 2
    if kind in ("softmax_xent", "softmax_xent_v2"):
        labels = d.np.dirichlet(np.ones(classes), size=batch).astype(dtype)
        op = "softmax_cross_entropy_with_logits" + ("_v2" if kind.endswith("v2") else "")
        return f"{op} {batch}x{classes}", \
            lambda tf, y, z, o=op: attr(tf.nn, o)(labels=y, logits=z), [labels, logits], {}
    if kind == "sparse_xent":
        labels = d.ints([batch], 0, classes)
        return f"sparse_softmax_cross_entropy_with_logits {batch}x{classes}", \
            lambda tf, z, y=labels: tf.nn.sparse_softmax_cross_entropy_with_logits(
                labels=y, logits=z), [logits], {}
    targets = d.np.random([batch, classes]).astype(dtype)
    if kind == "sigmoid_xent":
        return f"sigmoid_cross_entropy_with_logits {batch}x{classes}", \
            lambda tf, y, z: tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=z), \
            [targets, logits], {}
    if kind == "weighted_xent":
        weight = d.pick([0.5, 2.0])
        return f"weighted_cross_entropy_with_logits {batch}x{classes} {weight}", \
            lambda tf, y, z, w=weight: tf.nn.weighted_cross_entropy_with_logits(
                y, z, w), [targets, logits], {}
    if kind == "l2_loss":
        return f"l2_loss {batch}x{classes}", lambda tf, z: tf.nn.l2_loss(z), [logits], {}
    # TF 1.x casts these losses' inputs to float32 (a float64 loss comes back float32);
    # tenseur keeps float64: drawn in float32 only.
    dtype = F32
    targets, logits = targets.astype(F32), logits.astype(F32)
    loss = d.pick(["mean_squared_error", "absolute_difference", "huber_loss", "log_loss",
                   "hinge_loss", "sigmoid_cross_entropy", "softmax_cross_entropy"])
    weights = d.pick([1.0, 0.5, "per-sample", "per-element"])
    reduction = d.pick(["weighted_sum_by_nonzero_weights", "weighted_mean", "weighted_sum",
                        "none", "weighted_sum_over_batch_size"])
    if weights == "per-sample":
        weights = d.np.random([batch, 1]).round(1)
    elif weights == "per-element":
        weights = d.np.random([batch, classes]).round(1)
    if loss in ("log_loss",):
        predictions = d.np.uniform(0.05, 0.95, [batch, classes]).astype(dtype)
    else:
        predictions = logits
    if loss == "softmax_cross_entropy":            # one loss per sample: weights (batch,)
        if not np.isscalar(weights):
            weights = d.np.random([batch]).round(1)
        targets = d.np.dirichlet(np.ones(classes), size=batch).astype(dtype)
    if loss == "hinge_loss":
        targets = (targets > 0.5).astype(dtype)

    def fn(tf, y, p, loss=loss, weights=weights, reduction=reduction):
        w = weights if np.isscalar(weights) else tf.constant(np.asarray(weights, y.dtype.name))
        if loss in ("sigmoid_cross_entropy", "softmax_cross_entropy"):
            return attr(tf.losses, loss)(y, p, weights=w, reduction=reduction)
        if loss == "hinge_loss":
            return tf.losses.hinge_loss(y, p, weights=w, reduction=reduction)
        return attr(tf.losses, loss)(y, p, weights=w, reduction=reduction)
    shown = weights if np.isscalar(weights) else list(np.shape(weights))
    return f"tf.losses.{loss} {batch}x{classes} weights={shown} {reduction}", fn, \
        [targets, predictions], {}


@family(weight=1)
def gen_norm(d):
    kind = d.pick(["batch_normalization", "fused_batch_norm", "fused_batch_norm_inference"])
    shape = [d.int(1, 3), d.int(1, 3), d.int(1, 3), d.int(1, 4)]
    channels = shape[-1]
    x = d.array(shape, F32)
    scale = d.array([channels], F32, positive=True)
    offset = d.array([channels], F32)
    if kind == "batch_normalization":
        mean, var = d.array([channels], F64), d.array([channels], F64, positive=True)
        return f"batch_normalization {shape}", \
            lambda tf, x, m, v, o, s: tf.nn.batch_normalization(x, m, v, o, s, 1e-3), \
            [x.astype(F64), mean, var, offset.astype(F64), scale.astype(F64)], {}
    if kind == "fused_batch_norm":
        if int(np.prod(shape[:3])) < 2:
            shape[0] = 2
            x = d.array(shape, F32)
        return f"fused_batch_norm training {shape}", \
            lambda tf, x, s, o: tf.nn.fused_batch_norm(x, s, o, epsilon=1e-3)[0], \
            [x, scale, offset], dict(rtol=1e-3, atol=1e-4)
    # The moving statistics are constants here: TF's gradient gives them zeros (its
    # FusedBatchNormGrad has none for them), tenseur the derivative of the formula.
    mean, var = d.array([channels], F32), d.array([channels], F32, positive=True)
    return f"fused_batch_norm inference {shape}", \
        lambda tf, x, s, o, m=mean, v=var: tf.nn.fused_batch_norm(
            x, s, o, m, v, epsilon=1e-3, is_training=False)[0], [x, scale, offset], {}


@family(weight=1)
def gen_control(d):
    kind = d.pick(["cond", "while_loop"])
    shape = d.shape(d.int(0, 2))
    x = d.array(shape, F64)
    if kind == "cond":
        threshold = round(d.r.uniform(-1, 1), 2)
        return f"cond {shape} threshold={threshold}", \
            lambda tf, x, t=threshold: tf.cond(tf.reduce_sum(x) > t, lambda: tf.sin(x) * x,
                                               lambda: tf.exp(x) - 1.0), [x], {}
    steps = d.int(0, 4)
    return f"while_loop {shape} steps={steps}", \
        lambda tf, x, n=steps: tf.while_loop(
            lambda i, v: i < n, lambda i, v: (i + 1, tf.tanh(v) * 1.5 + 0.1),
            [tf.constant(0), x])[1], [x], {}


def eager_case(case, traced=False):
    """The same case for tf_eager_parity: run eagerly (TF 2 eager, tenseur.eager_mode) on
    constants, the outputs and a GradientTape's gradients of sum(output * R) returned, R drawn
    from each output's index and shape (the same in both frameworks). `traced`: the whole
    computation inside a `tf.function` (tenseur.function), called once."""
    import tf_eager_parity as E

    def fn(tf, v1):
        def compute(*xs):
            floats = [x for x, a in zip(xs, case.inputs) if a.dtype.kind == "f"]
            with tf.GradientTape() as tape:
                for x in floats:
                    tape.watch(x)
                own = case.fn if tf.__name__ == "tenseur" else case.tf_fn
                outs = P._flatten(own(v1, *xs))
                terms = []
                for k, out in enumerate(outs):
                    if not (case.grad and out.dtype.is_floating):
                        continue
                    if out.shape.is_fully_defined():
                        weights = np.random.default_rng(k).standard_normal(tuple(out.shape))
                        out = out * tf.constant(weights.astype(out.dtype.as_numpy_dtype))
                    terms.append(tf.reduce_sum(out))
                total = tf.add_n(terms) if terms else None
            if total is None or not floats:
                return outs
            grads = tape.gradient(total, floats,
                                  unconnected_gradients=tf.UnconnectedGradients.ZERO)
            # TF gives gather's gradients as IndexedSlices, tenseur as dense tensors.
            return outs, [tf.convert_to_tensor(g) for g in grads]
        run = tf.function(compute) if traced else compute
        return run(*[tf.constant(a) for a in case.inputs])
    return E.Case(case.name, fn, error=case.error, rtol=case.rtol)


OPTIMIZERS = [
    ("GradientDescentOptimizer", lambda r: dict(learning_rate=r.choice([0.01, 0.1, 0.5]))),
    ("MomentumOptimizer", lambda r: dict(learning_rate=r.choice([0.01, 0.1]),
                                         momentum=r.choice([0.5, 0.9]),
                                         use_nesterov=r.random() < 0.5)),
    ("AdamOptimizer", lambda r: dict(learning_rate=r.choice([0.001, 0.01, 0.1]),
                                     beta1=r.choice([0.9, 0.5]), beta2=r.choice([0.999, 0.9]),
                                     epsilon=r.choice([1e-8, 1e-3]))),
    ("RMSPropOptimizer", lambda r: dict(learning_rate=r.choice([0.001, 0.01]),
                                        decay=r.choice([0.9, 0.5]),
                                        momentum=r.choice([0.0, 0.5]),
                                        centered=r.random() < 0.5)),
    ("AdagradOptimizer", lambda r: dict(learning_rate=r.choice([0.01, 0.1]),
                                        initial_accumulator_value=r.choice([0.1, 1.0]))),
    ("AdadeltaOptimizer", lambda r: dict(learning_rate=r.choice([0.1, 1.0]),
                                         rho=r.choice([0.95, 0.5]))),
    ("FtrlOptimizer", lambda r: dict(learning_rate=r.choice([0.01, 0.1]),
                                     learning_rate_power=r.choice([-0.5, -0.3]),
                                     l1_regularization_strength=r.choice([0.0, 0.01]),
                                     l2_regularization_strength=r.choice([0.0, 0.01]))),
]


def optimizer_case(seed, index):
    """(label, run(module)): a TF 1.x optimizer with random settings trains two variables on a
    random loss for 4 steps of fed data; run returns the variables after every step."""
    d = Draw(seed * 1_000_003 + index)
    name, options = d.pick(OPTIMIZERS)
    options = options(d.r)
    n, k = d.int(1, 4), d.int(1, 3)
    w0, b0 = d.array([n, k], F32), d.array([k], F32)
    feeds = [(d.array([3, n], F32), d.array([3, k], F32)) for _ in range(4)]
    loss_kind = d.pick(["mse", "softmax", "abs"])
    clip = d.chance(0.3)

    def run(tf):
        graph = tf.Graph()
        with graph.as_default():
            x, y = tf.placeholder(tf.float32, [None, n]), tf.placeholder(tf.float32, [None, k])
            w, b = tf.Variable(w0, name="w"), tf.Variable(b0, name="b")
            z = tf.matmul(x, w) + b
            if loss_kind == "mse":
                loss = tf.reduce_mean(tf.square(z - y))
            elif loss_kind == "softmax":
                loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(
                    labels=tf.nn.softmax(y), logits=z))
            else:
                loss = tf.reduce_sum(tf.abs(z - y)) + 0.1 * tf.nn.l2_loss(w)
            optimizer = getattr(tf.train, name)(**options)
            pairs = optimizer.compute_gradients(loss, [w, b])
            if clip:
                grads, _ = tf.clip_by_global_norm([g for g, _ in pairs], 0.5)
                pairs = list(zip(grads, [v for _, v in pairs]))
            step = optimizer.apply_gradients(pairs)
            config = P.TF_CONFIG if tf is P.TF1 else None
            with tf.Session(graph=graph, config=config) as sess:
                sess.run(tf.global_variables_initializer())
                values = []
                for fx, fy in feeds:
                    sess.run(step, {x: fx, y: fy})
                    values.append(sess.run([w, b]))
        return values
    return f"#{index} {name}({options}) loss={loss_kind} clip={clip} w{[n, k]}", run


def run_optimizer_cases(seed, indices, verbose):
    """The optimizer cases: variables after each step equal TF's (float32: rtol 1e-4)."""
    counts, bad = {}, []
    for index in indices:
        label, run = optimizer_case(seed, index)
        try:
            want, got = run(P.TF1), run(P.tn)
            worst = max(float(np.max(np.abs(g - w) / (1e-5 + np.abs(w))))
                        for gs, ws in zip(got, want) for g, w in zip(gs, ws))
            status = "ok" if worst < 1e-3 else "MISMATCH"
            detail = f"max relative difference {worst:.2g}"
        except Exception as exc:                       # noqa: BLE001 - reported
            status, detail = "ERROR", P._short_exc(exc)
        counts[status] = counts.get(status, 0) + 1
        if status != "ok":
            bad.append(label)
        if verbose or status != "ok":
            print(f"{status:9s} {label}  -- {detail}", flush=True)
    return counts, bad


def draw_case(seed, index, families):
    """The `index`th case of `seed` (its own generator), from one of `families`."""
    d = Draw(seed * 1_000_003 + index)
    names = sorted(families)
    weights = [FAMILIES[n][1] for n in names]
    name = d.r.choices(names, weights)[0]
    label, fn, inputs, options = FAMILIES[name][0](d)
    return P.Case(f"#{index} {label}", fn, inputs, **options)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cases", type=int, default=300)
    parser.add_argument("--family", action="append", choices=sorted(FAMILIES),
                        help="draw only from these families (repeatable)")
    parser.add_argument("--only", type=int, action="append", help="run only case I")
    parser.add_argument("--no-dynamic", action="store_true",
                        help="skip the pass with placeholders of unknown shape")
    parser.add_argument("--eager", action="store_true",
                        help="run the cases eagerly instead (tenseur.eager_mode against TF 2)")
    parser.add_argument("--function", action="store_true",
                        help="run the cases eagerly, each inside a tf.function")
    parser.add_argument("--optimizers", action="store_true",
                        help="instead: tf.train optimizers with random settings, 4 steps each")
    parser.add_argument("-v", action="store_true", help="print every case")
    args = parser.parse_args(argv)
    if args.optimizers:
        counts, bad = run_optimizer_cases(args.seed, args.only or range(args.cases), args.v)
        print(f"\nseed {args.seed}, optimizers: "
              + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
        return 1 if bad else 0
    families = args.family or list(FAMILIES)
    indices = args.only or range(args.cases)
    counts, bad = {}, []
    args.eager = args.eager or args.function
    passes = [None] if args.eager else [False] if args.no_dynamic else [False, True]
    for dynamic in passes:
        for index in indices:
            case = draw_case(args.seed, index, families)
            try:
                if args.eager and case.error:
                    # TF's eager kernels do not all raise where its graph does (a dilated
                    # VALID window wider than the image gives an empty result): the graph
                    # passes check these cases.
                    status, detail = "skip", "error case (checked in graph mode)"
                elif args.eager:
                    import tf_eager_parity as E
                    status, detail = E.run_case(eager_case(case, args.function), args.v)
                else:
                    status, detail = P.run_case(case, args.v, dynamic=dynamic)
            except Exception as exc:                   # a checker problem, shown as such
                status, detail = "CHECKER-ERROR", P._short_exc(exc)
            counts[status] = counts.get(status, 0) + 1
            name = case.name + (" [unknown shapes]" if dynamic else "")
            if status not in ("ok", "skip"):
                bad.append(name)
            if args.v or status not in ("ok", "skip"):
                print(f"{status:9s} {name}" + (f"  -- {detail}" if detail else ""), flush=True)
    print(f"\nseed {args.seed}: {len(indices)} cases, "
          + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    if bad:
        print(f"NOT OK ({len(bad)}); rerun one with --seed {args.seed} --only I")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
