"""Product updates (compiler/updates.py): SGD's update of a weight matrix by its gradient x^T g
as one BLAS gemm into the variable's array, and the gemm binding itself (backend/blas.py).

Checked: gemm against NumPy for every transpose and layout it accepts, and its refusals; the
slides' MLP trains as without the pass (within rounding, at one and two BLAS threads; bit for
bit where the zero-column pass takes the update); the update is in place only when nothing but
the session holds the variable's array (fetched values and views keep theirs); the pass leaves
small weights, other optimizers, fetched gradients and NumPy builds without OpenBLAS alone.
"""
import sys
import weakref
from pathlib import Path

import numpy as np
import pytest

import tenseur as tf
from tenseur.backend import blas, threads
from tenseur.compiler import updates

from .conftest import fit_sigmoid_mlp, plan_of, train_slides_mlp

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))

needs_blas = pytest.mark.skipif(not blas.available(np.dtype(np.float32)),
                                reason="NumPy's BLAS is not OpenBLAS here")
CLOSE = {"rtol": 2e-5, "atol": 1e-6}


# -- gemm ------------------------------------------------------------------------------------

def _layouts(rng, rows, cols, dtype):
    """The same matrix as a C array, a Fortran array, a row slice and a column slice."""
    base = rng.standard_normal((2 * rows, 2 * cols)).astype(dtype)
    return [np.ascontiguousarray(base[:rows, :cols]), np.asfortranarray(base[:rows, :cols]),
            base[:rows, :cols], base[::2, :cols]]


@needs_blas
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("transpose_a", [False, True])
@pytest.mark.parametrize("transpose_b", [False, True])
def test_gemm_matches_numpy(dtype, transpose_a, transpose_b):
    rng = np.random.default_rng(0)
    m, k, n = 7, 5, 3
    for a in _layouts(rng, *((k, m) if transpose_a else (m, k)), dtype):
        for b in _layouts(rng, *((n, k) if transpose_b else (k, n)), dtype):
            op_a, op_b = (a.T if transpose_a else a), (b.T if transpose_b else b)
            c = rng.standard_normal((m, n)).astype(dtype)
            expected = c - 0.5 * (op_a.astype(np.float64) @ op_b)
            assert blas.gemm(-0.5, a, b, 1.0, c, transpose_a, transpose_b)
            np.testing.assert_allclose(c, expected, rtol=1e-5, atol=1e-5)
            c[:] = np.nan                                  # beta = 0: c is not read
            assert blas.gemm(1.0, a, b, 0.0, c, transpose_a, transpose_b)
            np.testing.assert_allclose(c, op_a @ op_b, rtol=1e-5, atol=1e-5)


@needs_blas
def test_gemm_refuses_what_blas_cannot_take():
    a = np.ones((4, 3), np.float32)
    b = np.ones((3, 2), np.float32)
    c = np.zeros((4, 2), np.float32)
    assert not blas.gemm(1.0, a, b.astype(np.float64), 1.0, c)         # mixed dtypes
    assert not blas.gemm(1.0, a.astype(np.int32), b, 1.0, c)
    assert not blas.gemm(1.0, a.astype(">f4"), b, 1.0, c)                 # byte order
    assert not blas.gemm(1.0, a.astype(">f4"), b.astype(">f4"), 1.0, c.astype(">f4"))
    assert not blas.gemm(1.0, a, np.ones((4, 2), np.float32), 1.0, c)  # shapes
    assert not blas.gemm(1.0, a, b, 1.0, np.zeros((2, 4), np.float32).T)  # c not C-ordered
    frozen = c.copy()
    frozen.flags.writeable = False
    assert not blas.gemm(1.0, a, b, 1.0, frozen)
    assert not blas.gemm(1.0, np.ones((4, 6), np.float32)[:, ::2], b, 1.0, c)  # strided
    assert (c == 0).all()
    # empty inner dimension: c scaled by beta (zeroed for beta = 0, NaN included)
    c[:] = np.nan
    assert blas.gemm(1.0, np.ones((4, 0), np.float32), np.ones((0, 2), np.float32), 0.0, c)
    assert (c == 0).all()


def test_gemm_without_openblas_says_so(monkeypatch):
    monkeypatch.setattr(blas, "_gemms", {"f": None, "d": None})
    c = np.zeros((2, 2), np.float32)
    assert not blas.gemm(1.0, np.ones((2, 2), np.float32), np.ones((2, 2), np.float32), 1.0, c)
    assert not blas.available(np.dtype(np.float32))


def test_sole_reference_sees_every_other_holder():
    held = {"w": np.zeros((3, 4), np.float32)}

    def alone(name):
        var = held[name]
        return updates.sole_reference(var)
    assert alone("w")
    fetched = held["w"]
    assert not alone("w")
    del fetched
    view = held["w"][1:]
    assert not alone("w")
    del view
    assert alone("w")
    held["v"] = held["w"][:, :2].copy()[:, :1]          # not owning its data
    assert not alone("v")


# -- plans -----------------------------------------------------------------------------------

def _batches(n=3, rows=64, seed=3, zero=100):
    rng = np.random.default_rng(seed)
    labels = np.eye(10, dtype=np.float32)[rng.integers(0, 10, (n, rows))]
    images = rng.uniform(0, 1, (n, rows, 784)) * (rng.random((n, rows, 784)) < 0.4)
    images[:, :, :zero] = 0                       # zero columns, as MNIST's borders
    return [(images[k].astype(np.float32), labels[k]) for k in range(n)]


def _train_mlp(steps, batches, optimizer=None, fetch_grad=False, hold=False):
    """train_slides_mlp, and whether the session kept one array for W1 through the steps
    ("same_array": updated in place; checked inside the session, which lets go of its arrays
    when closed); with `hold`, W1's stored array held before each step with a copy of its
    values ("held"), as another holder would (sess.run hands back copies; a plan running in
    another thread, an eager tensor of the value hold the array itself)."""
    first = []

    def watch(sess, w1):
        stored = sess._state.read_variable(w1.op.name)
        if not first:
            first.append(weakref.ref(stored))
        return first[0]() is stored, ((stored, stored.copy()) if hold else None)
    result = train_slides_mlp(steps, batches, optimizer, fetch_grad, watch)
    result["same_array"] = all(same for same, _ in result["watched"])
    result["held"] = [pair for _, pair in result["watched"] if pair is not None]
    return result


def _on_and_off(monkeypatch, run, also_off=""):
    monkeypatch.setenv("TENSEUR_DISABLE_PASSES", also_off)
    on = run()
    monkeypatch.setenv("TENSEUR_DISABLE_PASSES", ",".join(filter(None, [also_off,
                                                                          "product_updates"])))
    off = run()
    return on, off


@needs_blas
@pytest.mark.parametrize("blas_count", [1, 2])
def test_slides_mlp_trains_as_without_the_pass(monkeypatch, blas_count):
    batches = _batches()

    def run():
        with threads.blas_threads(blas_count):
            if threads.blas_thread_count() != blas_count:
                pytest.skip("OpenBLAS' thread count cannot be set here")
            return _train_mlp(6, batches)
    # zero_columns off: the dense gemm update at either thread count
    on, off = _on_and_off(monkeypatch, run, also_off="zero_columns")
    assert on["stats"]["updates by products"] == 1        # W1, 784 x 64; the others are small
    assert "updates by products" not in off["stats"]
    np.testing.assert_allclose(on["losses"], off["losses"], **CLOSE)
    for a, b in zip(on["weights"], off["weights"]):
        np.testing.assert_allclose(a, b, **CLOSE)
    assert not np.array_equal(on["weights"][0], off["weights"][0])   # the gemm did round
    # in place: the session kept one array for W1 through the steps; without the pass a
    # fresh one each step
    assert on["same_array"] and not off["same_array"]


@needs_blas
@pytest.mark.parametrize("numba", ["1", "0"])
def test_with_the_zero_column_pass(monkeypatch, numba):
    if numba == "1":
        pytest.importorskip("numba")
    monkeypatch.setenv("TENSEUR_NUMBA", numba)     # the rows' in-place update: both kernels
    monkeypatch.setattr(updates, "MAX_BIAS_VALUES", 0)     # biases as without the pass
    batches = _batches(zero=500)                   # few enough nonzero columns to be copied

    def run():
        with threads.single_threaded_blas():             # where the columns are copied
            return _train_mlp(6, batches)
    on, off = _on_and_off(monkeypatch, run)
    assert on["stats"]["updates by products"] == 1
    assert on["stats"]["updates of nonzero rows"] == 1 == off["stats"]["updates of nonzero rows"]
    # the same product of the kept columns, its rows subtracted in place: the same bits
    for a, b in zip(on["losses"] + on["weights"], off["losses"] + off["weights"]):
        np.testing.assert_array_equal(a, b)
    assert on["same_array"] and off["same_array"]


@needs_blas
def test_values_the_user_holds_are_never_changed(monkeypatch):
    monkeypatch.setenv("TENSEUR_DISABLE_PASSES", "zero_columns")
    result = _train_mlp(4, _batches(), hold=True)
    assert result["stats"]["updates by products"] == 1
    assert not result["same_array"]                      # each step wrote a fresh array
    for value, copy in result["held"]:
        np.testing.assert_array_equal(value, copy)
        assert not value.flags.writeable
    for (before, _), (after, _) in zip(result["held"], result["held"][1:]):
        assert not np.array_equal(before, after)


@needs_blas
def test_fetched_gradients_and_other_optimizers_keep_the_product(monkeypatch):
    monkeypatch.setenv("TENSEUR_DISABLE_PASSES", "zero_columns")
    batches = _batches(2)
    fetched = _train_mlp(2, batches, fetch_grad=True)
    assert "updates by products" not in fetched["stats"]
    adam = _train_mlp(2, batches, optimizer=lambda: tf.train.AdamOptimizer(1e-3))
    assert "updates by products" not in adam["stats"]


def test_without_openblas_the_plan_runs_the_product_and_the_update(monkeypatch):
    monkeypatch.setattr(blas, "_gemms", {"f": None, "d": None})
    monkeypatch.setattr(updates, "MAX_BIAS_VALUES", 0)     # biases as without the pass
    batches = _batches(2)
    on, off = _on_and_off(monkeypatch, lambda: _train_mlp(3, batches),
                          also_off="zero_columns")
    assert on["stats"]["updates by products"] == 1
    for a, b in zip(on["losses"] + on["weights"], off["losses"] + off["weights"]):
        np.testing.assert_array_equal(a, b)


@needs_blas
def test_float64_and_transposed_products(monkeypatch):
    rng = np.random.default_rng(5)
    x_value = rng.standard_normal((6, 200))
    w_value = rng.standard_normal((100, 200))

    def run():
        with tf.Graph().as_default():
            x = tf.placeholder(tf.float64, [None, 200])
            w = tf.Variable(w_value)
            loss = tf.reduce_sum(tf.sin(tf.matmul(x, w, transpose_b=True)))
            # d loss / d w is g^T x: a product with transpose_a, then SGD
            train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
            with tf.Session() as sess:
                sess.run(w.initializer)
                for _ in range(3):
                    sess.run(train, {x: x_value})
                stats = plan_of(sess, train, {x: x_value}).graph.stats
                return sess.run(w), stats
    monkeypatch.setenv("TENSEUR_DISABLE_PASSES", "")
    on, stats = run()
    monkeypatch.setenv("TENSEUR_DISABLE_PASSES", "product_updates")
    off, _ = run()
    assert stats["updates by products"] == 1
    np.testing.assert_allclose(on, off, rtol=1e-12, atol=1e-12)


@needs_blas
def test_keras_fit_with_sgd(monkeypatch):
    rng = np.random.default_rng(7)
    x = rng.uniform(0, 1, (256, 300)).astype(np.float32)
    labels = (x[:, :150].sum(axis=1) > x[:, 150:].sum(axis=1)).astype(np.float32)

    def fit():
        return fit_sigmoid_mlp(x, labels, units=64, learning_rate=0.1, epochs=5)
    (losses, stats), (plain, _) = _on_and_off(monkeypatch, fit)
    assert any(s.get("updates by products") for s in stats)
    np.testing.assert_allclose(losses, plain, **CLOSE)
    assert losses[-1] < losses[0]


@needs_blas
def test_traced_eager_steps_and_the_tensors_they_handed_out(monkeypatch):
    from tenseur import eager
    rng = np.random.default_rng(8)
    x_value = rng.standard_normal((64, 300)).astype(np.float32)
    w_value = rng.standard_normal((300, 64)).astype(np.float32)

    def run(hold):
        with eager.eager_mode():
            w = tf.Variable(w_value)
            opt = tf.train.GradientDescentOptimizer(0.01)

            @tf.function
            def step(x):
                with tf.GradientTape() as tape:
                    loss = tf.reduce_sum(tf.sin(tf.matmul(x, w)))
                opt.apply_gradients(zip(tape.gradient(loss, [w]), [w]))
                return loss
            held = [w.value() for _ in range(1 if hold else 0)]   # the stored array itself
            for _ in range(3):
                step(tf.constant(x_value))
            for tensor in held:
                np.testing.assert_array_equal(tensor.numpy(), w_value)
            return w.numpy()
    monkeypatch.setenv("TENSEUR_DISABLE_PASSES", "zero_columns")
    held, free = run(True), run(False)
    monkeypatch.setenv("TENSEUR_DISABLE_PASSES", "zero_columns,product_updates")
    plain = run(False)
    assert not np.array_equal(free, w_value)
    np.testing.assert_allclose(held, plain, **CLOSE)
    np.testing.assert_allclose(free, plain, **CLOSE)


# -- biases: BiasAddGrad's column sums and the update in one compiled pass -------------------

def test_bias_updates_by_column_sums(monkeypatch):
    pytest.importorskip("numba")
    monkeypatch.setenv("TENSEUR_DISABLE_PASSES", "zero_columns")
    batches = _batches()

    previous = [None]

    def watch_bias(sess, w1):
        # whether b1's stored array is the one stored before the previous step (read in the
        # session: a closed session lets go of its arrays)
        array = sess._state.read_variable(tf.trainable_variables()[1].op.name)
        same = previous[0] is not None and previous[0]() is array
        previous[0] = weakref.ref(array)
        return same
    on = train_slides_mlp(5, batches, watch=watch_bias)
    monkeypatch.setenv("TENSEUR_DISABLE_PASSES", "zero_columns,product_updates")
    off = train_slides_mlp(5, batches, watch=watch_bias)
    assert on["stats"]["updates by column sums"] == 4
    assert "updates by column sums" not in off["stats"]
    np.testing.assert_allclose(on["losses"], off["losses"], **CLOSE)
    for a, b in zip(on["weights"], off["weights"]):
        np.testing.assert_allclose(a, b, **CLOSE)
    # In place from the second step: the first writes a fresh array, as the zeros the
    # initializer stored are also the init plan's folded constant (another holder).
    assert on["watched"] == [False, False, True, True, True, True]
    assert off["watched"] == [False] * 6                          # a fresh array each step


def test_bias_column_sums_kernel():
    numba_kernels = pytest.importorskip("tenseur.compiler.columns_numba")
    g = rng_values((300, 7), np.float32)
    for dtype in (np.float32, np.float64):
        bias = rng_values((7,), dtype)
        grad = g.astype(dtype)
        alpha = np.array(0.25, dtype)
        want = bias - grad.astype(np.float64).sum(axis=0).astype(dtype) * alpha
        got = bias.copy()
        numba_kernels.descend_by_column_sums(got, grad, alpha[()])
        assert got.dtype == dtype
        np.testing.assert_array_equal(got, want)       # float64 sums rounded once: exact here
        got = bias.copy()
        numba_kernels.descend_by_column_sums(got, grad[::3], alpha[()])  # strided rows
        np.testing.assert_allclose(got, bias - grad[::3].sum(axis=0) * alpha, rtol=1e-6)


def rng_values(shape, dtype):
    return np.random.default_rng(9).standard_normal(shape).astype(dtype)


def test_bias_updates_keep_held_values_and_leave_large_gradients_alone(monkeypatch):
    pytest.importorskip("numba")
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [None, 8])
        b = tf.Variable(np.zeros(8, np.float32))
        loss = tf.reduce_sum(tf.sin(tf.nn.bias_add(x, b)))
        train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
        feed = {x: rng_values((40, 8), np.float32)}
        with tf.Session() as sess:
            sess.run(b.initializer)
            held = sess._state.read_variable(b.op.name)
            sess.run(train, feed)
            np.testing.assert_array_equal(held, 0)          # a fresh array was written
            assert sess._state.read_variable(b.op.name) is not held
            assert plan_of(sess, train, feed).graph.stats["updates by column sums"] == 1
            after_two = sess.run(b)
        monkeypatch.setattr(updates, "MAX_BIAS_VALUES", 100)   # 40 x 8 values: unfused
        with tf.Session() as sess:
            sess.run(b.initializer)
            sess.run(train, feed)
            sess.run(train, feed)
            unfused = sess.run(b)
    np.testing.assert_allclose(after_two, unfused, rtol=1e-5, atol=1e-7)
