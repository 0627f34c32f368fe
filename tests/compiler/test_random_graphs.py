"""The passes on graphs drawn at random: every plan gives the unoptimised plan's results.

Each graph chains ops from a pool of values broadcastable to (batch, n): elementwise ops
(exact identities x*1, x+0, x/1 among them), no-op casts, identities, matmul + bias_add +
activation, reductions, softmax and the cross-entropy patterns the stable pass rewrites,
repeated subexpressions (CSE), reshape round trips, concat/split, where, add_n; intermediate
values are fetched besides the last one, with the gradients of a weighted sum of it. The
optimised session must match a session without the passes (or, where the stable cross-
entropy pass removed a cancellation, be closer to the float64 result); a second run on other
data must match too and must leave the arrays the first run returned untouched (slots and
buffers are reused across runs). Half of the graphs run with the thresholds of the compiled
tail, the parallel tail and the buffer pool lowered to tiny arrays, on two threads, so those
paths run on small data as well.
"""
import random

import numpy as np
import pytest

import tenseur as tf
from tenseur.backend import buffers, threads
from tenseur.compiler import fusion, numba_tail

import os
SEEDS = range(int(os.environ.get("RANDOM_GRAPHS", 120)))


class _Builder:
    def __init__(self, seed, dtype):
        self.r = random.Random(seed)
        self.rng = np.random.default_rng(seed)
        self.dtype = dtype
        self.batch, self.n = self.r.randint(1, 5), self.r.randint(1, 5)
        dynamic = self.r.random() < 0.4
        self.x = tf.placeholder(dtype, [None if dynamic else self.batch, self.n], name="x")
        self.v = tf.placeholder(dtype, [self.n], name="v")
        self.pool = [self.x, self.v, self.x, self.x]   # (batch, n) values drawn more often

    def const(self, shape):
        return tf.constant(self.rng.uniform(-1.5, 1.5, shape).astype(self.dtype))

    def any(self):
        return self.r.choice(self.pool)

    def full(self):
        """A pool value broadcast to (batch, n)."""
        value = self.any()
        if value.shape.as_list() == self.x.shape.as_list():
            return value
        return value + tf.zeros_like(self.x)

    def step(self):
        r, a = self.r, self.any()
        kind = r.choice(["unary", "unary", "binary", "binary", "identity", "dense", "reduce",
                         "softmax", "xent", "repeat", "reshape", "concat", "where", "add_n"])
        if kind == "unary":
            op = r.choice([tf.tanh, tf.sigmoid, tf.nn.relu, tf.negative, tf.abs, tf.sin,
                           tf.nn.softplus, lambda t: tf.exp(tf.tanh(t)),
                           lambda t: tf.log(tf.abs(t) + 1.0), lambda t: tf.sqrt(tf.abs(t) + 0.1),
                           lambda t: tf.square(tf.tanh(t))])
            return op(a)
        if kind == "binary":
            b = r.choice([self.any(), self.any(), 0.0, 1.0, self.const([self.n]),
                          self.const([])])
            op = r.choice(["add", "sub", "mul", "div", "max", "min", "sqdiff"])
            if op == "div":
                return a / (tf.abs(b) + 0.5) if not isinstance(b, float) else a / 1.0
            return {"add": lambda: a + b, "sub": lambda: a - b, "mul": lambda: a * b,
                    "max": lambda: tf.maximum(a, b), "min": lambda: tf.minimum(a, b),
                    "sqdiff": lambda: tf.squared_difference(a, b)}[op]()
        if kind == "identity":
            return r.choice([tf.identity, tf.stop_gradient,
                             lambda t: tf.cast(tf.cast(t, tf.float64), self.dtype),
                             lambda t: tf.cast(t, self.dtype)])(a)
        if kind == "dense":
            h = tf.matmul(self.full(), self.const([self.n, self.n]))
            if r.random() < 0.7:
                h = tf.nn.bias_add(h, self.const([self.n]))
            return r.choice([tf.nn.relu, tf.sigmoid, tf.tanh, tf.identity])(h)
        if kind == "reduce":
            op, axis = r.choice([tf.reduce_sum, tf.reduce_mean, tf.reduce_max]), r.choice([0, 1])
            # (batch,) would not broadcast against (batch, n): over axis 1, keep the axis.
            return op(self.full(), axis=axis, keepdims=axis == 1 or r.random() < 0.5) \
                if r.random() < 0.8 else op(a)
        if kind == "softmax":
            z = self.full()
            return r.choice([tf.nn.softmax, lambda t: tf.log(tf.nn.softmax(t)),
                             tf.nn.log_softmax, lambda t: tf.log(tf.sigmoid(t)),
                             lambda t: tf.log(1 - tf.sigmoid(t))])(z)
        if kind == "xent":
            z, y = self.full(), tf.nn.softmax(self.const([self.batch, self.n]) * 2)
            if self.x.shape.dims[0] is None:
                y = tf.nn.softmax(self.full() * 0.0 + self.const([self.n]))
            return r.choice([
                lambda: -tf.reduce_sum(y * tf.log(tf.nn.softmax(z)), axis=1, keepdims=True),
                lambda: tf.expand_dims(
                    tf.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=z), 1),
                lambda: tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=z)])()
        if kind == "repeat":                     # the same op twice on the same input (CSE)
            op = r.choice([tf.tanh, tf.sigmoid, lambda t: t * 2.0])
            return op(a) + op(a)
        if kind == "reshape":
            full = self.full()
            return tf.reshape(tf.reshape(full, [-1]), tf.shape(full)) * 1.0
        if kind == "concat":
            full = self.full()
            left, right = tf.split(tf.concat([full, full * 2.0], axis=1), 2, axis=1)
            return left - right * 0.5
        if kind == "where":
            a, b = self.full(), self.full()
            return tf.where(a > b, a, b * 0.5)
        return tf.add_n([self.full() for _ in range(r.randint(1, 3))])

    def build(self, steps):
        for _ in range(steps):
            value = self.step()
            self.pool.append(value)
        last = self.pool[-1]
        weights = self.const(last.shape.as_list()) if last.shape.is_fully_defined() else 1.0
        loss = tf.reduce_sum(last * weights)
        grads = [g for g in tf.gradients(loss, [self.x, self.v]) if g is not None]
        extra = self.r.sample(self.pool[4:-1], min(2, len(self.pool) - 5))
        return [last, loss] + extra + grads

    def feed(self, rng):
        return {self.x: rng.uniform(-2, 2, (self.batch, self.n)).astype(self.dtype),
                self.v: rng.uniform(-2, 2, (self.n,)).astype(self.dtype)}


class _ImageBuilder:
    """Convolutional graphs: conv2d (+ bias, + ReLU), depthwise convolutions, max/avg pooling
    (a pooled ReLU's gradient is moved by the pool-gradient pass), batch normalization, 1x1
    convolutions, residual sums, and many slices of one tensor summed (the slice-gradient
    pass), over x (batch, h, w, c)."""

    def __init__(self, seed, dtype):
        self.r = random.Random(seed)
        self.rng = np.random.default_rng(seed)
        self.dtype = dtype
        self.batch, self.size, self.channels = self.r.randint(1, 3), self.r.randint(4, 9), \
            self.r.randint(1, 3)
        self.x = tf.placeholder(dtype, [None if self.r.random() < 0.3 else self.batch,
                                        self.size, self.size, self.channels], name="x")
        self.v = tf.placeholder(dtype, [self.channels], name="v")
        self.h = self.x

    def const(self, shape, scale=0.5):
        return tf.constant((self.rng.uniform(-1, 1, shape) * scale).astype(self.dtype))

    def step(self):
        r, h = self.r, self.h
        channels = h.shape.dims[-1]
        kind = r.choice(["conv", "conv", "depthwise", "pool", "norm", "residual", "slices",
                         "elementwise"])
        if kind == "conv":
            out = r.randint(1, 4)
            k = r.choice([1, 2, 3])
            y = tf.nn.conv2d(h, self.const([k, k, channels, out]), [1, r.choice([1, 1, 2]),
                             r.choice([1, 2]), 1], "SAME")
            if r.random() < 0.7:
                y = tf.nn.bias_add(y, self.const([out]))
            return r.choice([tf.nn.relu, tf.identity, tf.sigmoid])(y)
        if kind == "depthwise":
            return tf.nn.relu(tf.nn.depthwise_conv2d(h, self.const([3, 3, channels, 1]),
                                                     [1, 1, 1, 1], "SAME"))
        if kind == "pool":
            pool = r.choice([tf.nn.max_pool, tf.nn.avg_pool])
            size = r.choice([1, 2, 3])
            y = pool(tf.nn.relu(h) if r.random() < 0.6 else h, [1, size, size, 1],
                     [1, r.choice([1, 2]), r.choice([1, 2]), 1], r.choice(["SAME", "VALID"])
                     if min(h.shape.dims[1:3]) >= size else "SAME")
            return y
        if kind == "norm":
            mean, variance = tf.nn.moments(h, [0, 1, 2])
            return tf.nn.relu(tf.nn.batch_normalization(h, mean, variance,
                                                        self.const([channels]),
                                                        self.const([channels]) + 1.0, 1e-3))
        if kind == "residual":
            y = tf.nn.conv2d(h, self.const([1, 1, channels, channels]), [1, 1, 1, 1], "SAME")
            return tf.nn.relu(y + h)
        if kind == "slices":                  # x[:, :, t] for every column, summed
            width = h.shape.dims[2]
            return tf.expand_dims(tf.add_n([h[:, :, t] * float(t + 1) for t in range(width)]),
                                  2) + h * 0.5
        v = self.v if channels == self.channels else self.const([channels])
        return r.choice([lambda: tf.tanh(h) * v, lambda: tf.maximum(h, v) - h * 0.5,
                         lambda: tf.square(h) + v])()

    def build(self, steps):
        extra = []
        for _ in range(steps):
            self.h = self.step()
            if self.r.random() < 0.3:
                extra.append(self.h)
        loss = tf.reduce_sum(self.h * self.h) + tf.reduce_sum(self.h)
        grads = [g for g in tf.gradients(loss, [self.x, self.v]) if g is not None]
        return [self.h, loss] + extra[:2] + grads

    def feed(self, rng):
        return {self.x: rng.uniform(-2, 2, (self.batch, self.size, self.size, self.channels))
                .astype(self.dtype),
                self.v: rng.uniform(-2, 2, (self.channels,)).astype(self.dtype)}


def _check(got, want, dtype, what, exact=None):
    """`got` (optimised) equals `want` (unoptimised) within rounding; where it does not,
    `exact()` (the same graph in float64, unoptimised) must show it closer to the truth: the
    stable cross-entropy pass removes cancellations (log(1 - sigmoid(z)) near z = 11 loses
    ~3 float32 digits) that the plain plan keeps."""
    rtol, atol = (2e-5, 1e-5) if dtype == np.float32 else (1e-9, 1e-12)
    reference = None
    for k, (g, w) in enumerate(zip(got, want)):
        g, w = np.asarray(g), np.asarray(w)
        assert g.shape == w.shape and g.dtype == w.dtype, f"{what}: fetch {k}"
        finite = np.isfinite(w)
        # The stable cross-entropy pass may give a finite value where the plain plan overflows.
        assert np.isfinite(g[finite]).all(), f"{what}: fetch {k} not finite where it should be"
        close = np.isclose(g, w, rtol=rtol, atol=atol) | ~finite
        if close.all():
            continue
        assert exact is not None, f"{what}: fetch {k}: {g[~close]} against {w[~close]}"
        reference = exact() if reference is None else reference
        truth = np.asarray(reference[k], np.float64)[~close]
        error_got = np.abs(g[~close].astype(np.float64) - truth)
        error_want = np.abs(w[~close].astype(np.float64) - truth)
        assert (error_got <= error_want).all(), (
            f"{what}: fetch {k}: optimised {g[~close]}, unoptimised {w[~close]}, float64 "
            f"{truth}")


@pytest.fixture(params=["thresholds as shipped", "small thresholds, 2 threads"])
def thresholds(request, monkeypatch):
    if request.param.startswith("small"):
        monkeypatch.setattr(numba_tail, "MIN_VALUES", 4)
        monkeypatch.setattr(fusion, "PARALLEL_MIN_VALUES", 4)
        monkeypatch.setattr(buffers, "MIN_BYTES", 16)
        previous = threads.requested_intra_op_threads()
        threads.set_intra_op_threads(2)
        yield
        threads.set_intra_op_threads(previous)
        buffers.clear()
    else:
        yield


def _graph_of(seed, dtype):
    """(graph, fetches, [first feed, second feed]) of seed's graph in `dtype`: the same ops
    and constants (drawn alike whatever the dtype)."""
    graph = tf.Graph()
    with graph.as_default():
        builder = (_ImageBuilder if seed % 4 == 3 else _Builder)(seed, dtype)
        fetches = builder.build(steps=random.Random(seed).randint(2, 9))
        feeds = [builder.feed(np.random.default_rng(1)), builder.feed(np.random.default_rng(2))]
    return graph, fetches, feeds


def _float64_run(seed, run):
    """The unoptimised float64 results of seed's graph on its `run`th feed (float32 feeds
    widened, so the same inputs)."""
    _, _, feeds32 = _graph_of(seed, np.float32)
    graph, fetches, feeds = _graph_of(seed, np.float64)
    feed = {p: v.astype(np.float64) for p, v in zip(feeds[run], feeds32[run].values())}
    with tf.Session(graph=graph, config={"optimize": False}) as sess:
        return sess.run(fetches, feed)


@pytest.mark.parametrize("seed", SEEDS)
def test_random_graph_gives_the_unoptimised_results(seed, thresholds):
    dtype = np.float64 if seed % 3 else np.float32
    graph, fetches, (first, second) = _graph_of(seed, dtype)
    with graph.as_default():
        with tf.Session(graph=graph, config={"optimize": False}) as plain:
            want_first, want_second = plain.run(fetches, first), plain.run(fetches, second)
        with tf.Session(graph=graph) as optimised:
            got_first = optimised.run(fetches, first)
            kept = [np.array(a, copy=True) for a in got_first]
            _check(got_first, want_first, dtype, f"seed {seed}, first run",
                   lambda: _float64_run(seed, 0))
            got_second = optimised.run(fetches, second)
            _check(got_second, want_second, dtype, f"seed {seed}, second run",
                   lambda: _float64_run(seed, 1))
            for k, (held, copy) in enumerate(zip(got_first, kept)):
                np.testing.assert_array_equal(
                    held, copy, err_msg=f"seed {seed}: the first run's fetch {k} was "
                                        f"overwritten by the second run")
