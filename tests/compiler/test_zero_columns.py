"""The zero-column pass (compiler/columns.py): products reading a fed batch skip the columns
that are zero in every example, and SGD updates only the weight rows they meet.

Checked: the kernels (numba and NumPy) against their definitions; training the slides' MLP on
a batch with zero columns gives the unoptimised plan's results within rounding, and the rows
of W1 that meet zero columns keep their bits; Adam (the full gradient rebuilt), a fetched
gradient, transpose_b, dense batches and BLAS threads (the products on the whole batch, bit
for bit); Keras' fit on such data.
"""
import sys
from pathlib import Path

import numpy as np
import pytest

import tenseur as tf
from tenseur.backend import threads
from tenseur.compiler import columns

from .conftest import fit_sigmoid_mlp, plan_of, train_slides_mlp

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))

CLOSE = {"rtol": 2e-5, "atol": 1e-6}


@pytest.fixture(params=["numba", "numpy"])
def kernels(request, monkeypatch):
    """Each test runs with the numba kernels and with the NumPy ones (TENSEUR_NUMBA=0)."""
    if request.param == "numba":
        pytest.importorskip("numba")
    monkeypatch.setenv("TENSEUR_NUMBA", "1" if request.param == "numba" else "0")
    return request.param


@pytest.fixture
def one_blas_thread():
    """The products on one thread, where the pass compacts (columns._single_threaded_products)."""
    with threads.single_threaded_blas():
        yield


def sparse_batch(rows=64, cols=784, zero=(0, 200), seed=0, density=0.3):
    """A batch like MNIST's: columns `zero[0]:zero[1]` and every third column zero in every
    row, the others nonzero with probability `density` (a column that happens to be zero in
    every row is zero too)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.1, 1, (rows, cols)) * (rng.random((rows, cols)) < density)
    x[:, zero[0]:zero[1]] = 0
    x[:, ::3] = 0
    return x.astype(np.float32)


# -- kernels ---------------------------------------------------------------------------------

class _Always(columns._Budget):
    """A budget under which any share of zero columns pays."""

    def __init__(self):
        super().__init__(1, 0)

    def limit(self, rows, columns, kind):
        return columns


_ALWAYS = _Always()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_nonzero_columns_kernel(kernels, one_blas_thread, dtype):
    x = sparse_batch().astype(dtype)
    x[5, 1] = np.nan                    # NaN is not zero: its column is kept
    x[7, 4] = -0.0                      # -0.0 is
    compact, idx = columns._nonzero_columns_kernel(_ALWAYS)(x)
    expected = np.flatnonzero((x != 0).any(axis=0))
    np.testing.assert_array_equal(idx, expected)
    assert 1 in idx and 4 not in idx
    np.testing.assert_array_equal(compact, x[:, expected])
    assert compact.dtype == dtype and compact.flags.c_contiguous


def test_nonzero_columns_kernel_odd_rows_views_and_empty(kernels, one_blas_thread):
    kernel = columns._nonzero_columns_kernel(_ALWAYS)
    x = sparse_batch(rows=7)[:, ::2]                 # 7 rows (not a multiple of 4), strided
    compact, idx = kernel(x)
    np.testing.assert_array_equal(compact, x[:, np.flatnonzero(x.any(axis=0))])
    compact, idx = kernel(np.zeros((3, 300), np.float32))       # every column zero
    assert compact.shape == (3, 0) and idx.shape == (0,)
    compact, idx = kernel(np.zeros((0, 300), np.float32))       # no examples
    assert compact.shape == (0, 0) and idx.shape == (0,)


@pytest.mark.parametrize("shape", [(1, 130), (7, 300), (128, 784), (5, 785), (3, 16)])
def test_the_vector_compress_copy(one_blas_thread, shape):
    numba_kernels = pytest.importorskip("tenseur.compiler.columns_numba")
    if not numba_kernels.compress_works():
        pytest.skip("no AVX-512 compress here: gather_columns copies")
    rows, cols = shape
    base = sparse_batch(rows=2 * rows, cols=cols, zero=(0, cols // 3), density=0.5)
    base[:, -1] = 1.0                                   # the last (partial) chunk kept
    for x in (base[:rows], base[::2]):                  # rows apart: unit stride within rows
        compact, idx = columns._nonzero_columns_kernel(_ALWAYS)(x)
        np.testing.assert_array_equal(idx, np.flatnonzero(x.any(axis=0)))
        np.testing.assert_array_equal(compact, x[:, idx])
        assert compact.flags.c_contiguous and compact.shape == (rows, len(idx))


def test_dense_batches_and_blas_threads_skip_the_copy(kernels):
    kernel = columns._nonzero_columns_kernel(columns._Budget(128, 64))
    dense = np.random.default_rng(1).uniform(0.1, 1, (32, 784)).astype(np.float32)
    with threads.single_threaded_blas():
        x, idx = kernel(dense)
        assert x is dense and idx is None
        x, idx = kernel(sparse_batch())
        assert idx is not None
    with threads.blas_threads(2):
        if threads.blas_thread_count() == 2:
            x, idx = kernel(sparse_batch())
            assert idx is None


def test_the_copy_with_blas_threads_when_asked(kernels, monkeypatch):
    monkeypatch.setenv("TENSEUR_ZERO_COLUMNS_WITH_BLAS_THREADS", "1")      # read at bind time
    kernel = columns._nonzero_columns_kernel(columns._Budget(128, 64))
    with threads.blas_threads(2):
        x, idx = kernel(sparse_batch())
    assert idx is not None


def test_the_budget_weighs_the_products_saved_against_the_copies():
    mlp = columns._Budget(128, 64)                  # x @ W1 and x^T g, 64 columns each
    for kind in ("numba", "numpy"):
        # MNIST's batches of 128 (~510 nonzero columns of 784) pay; a batch of one does not.
        assert 600 < mlp.limit(128, 784, kind) < 784
        assert mlp.limit(1, 784, kind) < 300
        assert columns._Budget(16, 8).limit(128, 784, kind) < mlp.limit(128, 784, kind)
    assert mlp.limit(128, 784, "numpy") < mlp.limit(128, 784, "numba") < mlp.limit(
        128, 784, "compress")
    # Few examples against wide weights: taking the weights' rows costs about what skipping
    # saves, so only batches with few nonzero columns are copied.
    wide = columns._Budget(4096, 4096)
    assert wide.limit(1, 4096, "numba") < 0.2 * 4096 < wide.limit(32, 4096, "numba")
    # A gradient rebuilt full size for Adam costs a fixed share.
    adam = columns._Budget(128, 64)
    adam.scattered = 64
    assert adam.limit(128, 784, "numba") < mlp.limit(128, 784, "numba")


def test_descend_rows_gives_apply_gradient_descents_bits(kernels, one_blas_thread):
    rng = np.random.default_rng(2)
    w = rng.standard_normal((300, 17)).astype(np.float32)
    idx = np.array([0, 3, 4, 150, 299])
    rows = rng.standard_normal((5, 17)).astype(np.float32)
    alpha = np.array(0.05, np.float32)
    full = np.zeros_like(w)
    full[idx] = rows
    expected = full * alpha
    np.subtract(w, expected, out=expected)         # ApplyGradientDescent's two roundings
    with tf.Graph().as_default():
        var = tf.Variable(w, name="w")
        grad_rows = tf.placeholder(tf.float32, [None, 17])
        update = tf.train.GradientDescentOptimizer(0.05).apply_gradients([(grad_rows, var)])
        with tf.Session() as sess:
            sess.run(var.initializer)
            node = next(n for n in sess._plan_graph(update, {grad_rows: rows}).nodes
                        if n.type == "ApplyGradientDescent")
            descend = columns._descend_rows_kernel(node, 300, np, sess._state)
            new = descend(rows, idx, alpha)
            np.testing.assert_array_equal(new.view(np.int32), expected.view(np.int32))
            assert not new.flags.writeable
            np.testing.assert_array_equal(sess.run(var), expected)
            # no compaction this step: the full gradient, the op's own kernel
            np.testing.assert_array_equal(descend(full, None, alpha), expected - full * alpha)


# -- plans -----------------------------------------------------------------------------------

def _train_mlp(steps, batches, optimizer=None, fetch_grad=False):
    return train_slides_mlp(steps, batches, optimizer, fetch_grad)


def _batches(n=3, rows=64, dense=False):
    rng = np.random.default_rng(3)
    labels = np.eye(10, dtype=np.float32)[rng.integers(0, 10, (n, rows))]
    if dense:
        return [(rng.uniform(0.1, 1, (rows, 784)).astype(np.float32), labels[k])
                for k in range(n)]
    return [(sparse_batch(rows, seed=k, zero=(0, 150 + 20 * k)), labels[k]) for k in range(n)]


def _on_and_off(monkeypatch, run):
    monkeypatch.setenv("TENSEUR_DISABLE_PASSES", "")
    on = run()
    monkeypatch.setenv("TENSEUR_DISABLE_PASSES", "zero_columns")
    off = run()
    return on, off


def test_slides_mlp_trains_as_without_the_pass(monkeypatch, kernels, one_blas_thread):
    batches = _batches()
    on, off = _on_and_off(monkeypatch, lambda: _train_mlp(6, batches))
    assert on["stats"]["products skipping zero columns"] == 2
    assert on["stats"]["updates of nonzero rows"] == 1
    assert "products skipping zero columns" not in off["stats"]
    np.testing.assert_allclose(on["losses"], off["losses"], **CLOSE)
    for a, b in zip(on["weights"], off["weights"]):
        np.testing.assert_allclose(a, b, **CLOSE)
    # The rows of W1 that only ever met zero columns: untouched, as without the pass (w - 0).
    never = ~np.any([(bx != 0).any(axis=0) for bx, _ in batches], axis=0)
    assert never.sum() > 150
    np.testing.assert_array_equal(on["weights"][0][never], on["initial"][never])
    np.testing.assert_array_equal(on["weights"][0][never], off["weights"][0][never])
    assert not np.array_equal(on["weights"][0][~never], on["initial"][~never])


def test_other_optimizers_and_fetched_gradients_get_the_full_gradient(
        monkeypatch, kernels, one_blas_thread):
    batches = _batches(2)
    on, off = _on_and_off(monkeypatch, lambda: _train_mlp(
        4, batches, optimizer=lambda: tf.train.AdamOptimizer(1e-2), fetch_grad=True))
    assert on["stats"]["products skipping zero columns"] == 2
    assert "updates of nonzero rows" not in on["stats"]
    for a, b in zip(on["grads"], off["grads"]):
        np.testing.assert_allclose(a, b, **CLOSE)
    for a, b in zip(on["weights"], off["weights"]):     # Adam divides rounding by sqrt(v)
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    zero = ~(batches[0][0] != 0).any(axis=0)
    assert on["grads"][0].shape == (784, 64)
    np.testing.assert_array_equal(on["grads"][0][zero], 0)


@pytest.mark.parametrize("case", ["dense", "blas threads"])
def test_bit_for_bit_when_nothing_is_skipped(monkeypatch, kernels, case):
    batches = _batches(2, dense=case == "dense")

    def run():
        if case == "dense":
            with threads.single_threaded_blas():
                return _train_mlp(3, batches)
        with threads.blas_threads(2):
            if threads.blas_thread_count() != 2:
                pytest.skip("OpenBLAS' thread count cannot be set here")
            return _train_mlp(3, batches)
    on, off = _on_and_off(monkeypatch, run)
    assert on["stats"]["products skipping zero columns"] == 2
    for a, b in zip(on["losses"] + on["weights"], off["losses"] + off["weights"]):
        np.testing.assert_array_equal(a, b)


def test_transposed_weights_and_plain_products(kernels, one_blas_thread):
    x_value = sparse_batch(rows=10, zero=(0, 400))     # compacted by both kernels
    w_value = np.random.default_rng(4).standard_normal((20, 784)).astype(np.float32)
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [None, 784])
        w = tf.constant(w_value)
        y = tf.matmul(x, w, transpose_b=True)           # the kept columns of w
        g = tf.matmul(x, tf.ones([10, 3]), transpose_a=True)      # x^T @ ones, fetched
        with tf.Session() as sess:
            got_y, got_g = sess.run([y, g], {x: x_value})
            stats = plan_of(sess, [y, g], {x: x_value}).graph.stats
    assert stats["products skipping zero columns"] == 2
    np.testing.assert_allclose(got_y, x_value @ w_value.T, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(got_g, x_value.T @ np.ones((10, 3), np.float32))


def test_narrow_batches_are_left_alone(one_blas_thread):
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [None, 100])
        y = tf.matmul(x, tf.ones([100, 4]))
        with tf.Session() as sess:
            stats = plan_of(sess, y, {x: np.zeros((5, 100), np.float32)}).graph.stats
    assert "products skipping zero columns" not in stats


def test_keras_fit_on_sparse_inputs_as_without_the_pass(monkeypatch, kernels, one_blas_thread):
    x = sparse_batch(rows=256, density=0.5)
    score = x[:, 400:].sum(axis=1)
    labels = (score > np.median(score)).astype(np.float32)

    def fit():
        return fit_sigmoid_mlp(x, labels, units=16, learning_rate=0.05, epochs=6)
    (losses, stats), (plain_losses, _) = _on_and_off(monkeypatch, fit)
    assert any(s.get("updates of nonzero rows") for s in stats)
    np.testing.assert_allclose(losses, plain_losses, **CLOSE)
    assert losses[-1] < losses[0]


def test_flattened_batches_too(kernels, one_blas_thread):
    # The traffic-sign slides: tf.contrib.layers.flatten(x) of a [None, 28, 28] placeholder.
    images = sparse_batch(rows=12).reshape(12, 28, 28)
    w_value = np.random.default_rng(6).standard_normal((784, 8)).astype(np.float32)
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [None, 28, 28])
        y = tf.matmul(tf.contrib.layers.flatten(x), tf.constant(w_value))
        with tf.Session() as sess:
            got = sess.run(y, {x: images})
            stats = plan_of(sess, y, {x: images}).graph.stats
    assert stats["products skipping zero columns"] == 1
    np.testing.assert_allclose(got, images.reshape(12, 784) @ w_value, rtol=1e-5, atol=1e-5)


# -- random graphs ---------------------------------------------------------------------------

def _random_case(seed):
    """A random graph reading a batch with zero columns: one or two products of the batch
    (weights as given or transposed), a tail, an optimizer, sometimes a fetched gradient."""
    rng = np.random.default_rng(seed)
    rows, cols = int(rng.integers(1, 40)), int(rng.integers(128, 300))
    x = rng.uniform(-1, 1, (rows, cols)) * (rng.random((rows, cols)) < rng.uniform(0.05, 1))
    x[:, rng.random(cols) < rng.uniform(0, 0.9)] = 0               # zero columns, any share
    if rng.random() < 0.1:
        x[:] = 0
    x = x.astype(np.float32)
    widths = [int(w) for w in rng.integers(1, 40, size=int(rng.integers(1, 3)))]
    transposed = [bool(t) for t in rng.random(len(widths)) < 0.3]
    optimizer = rng.choice(["sgd", "sgd", "adam", "momentum"])
    fetch_grad = bool(rng.random() < 0.3)
    w_values = [rng.standard_normal((w, cols) if t else (cols, w)).astype(np.float32)
                for w, t in zip(widths, transposed)]
    target = rng.standard_normal((rows, sum(widths))).astype(np.float32)
    return x, w_values, transposed, optimizer, fetch_grad, target


def _run_case(case, steps=3):
    x_value, w_values, transposed, optimizer, fetch_grad, target = case
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [None, x_value.shape[1]])
        ws = [tf.Variable(w) for w in w_values]
        outs = [tf.matmul(x, w, transpose_b=t) for w, t in zip(ws, transposed)]
        y = tf.tanh(tf.concat(outs, axis=1)) if len(outs) > 1 else tf.tanh(outs[0])
        loss = tf.reduce_mean(tf.square(y - target))
        opt = {"sgd": lambda: tf.train.GradientDescentOptimizer(0.1),
               "adam": lambda: tf.train.AdamOptimizer(0.01),
               "momentum": lambda: tf.train.MomentumOptimizer(0.1, 0.9)}[optimizer]()
        train = opt.minimize(loss)
        fetches = [loss, train] + (tf.gradients(loss, ws) if fetch_grad else [])
        results = []
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for _ in range(steps):
                results += [r for r in sess.run(fetches, {x: x_value}) if r is not None]
            results += sess.run(ws)
    return results


@pytest.mark.parametrize("seed", range(24))
def test_random_graphs_match_the_plan_without_the_pass(monkeypatch, kernels, one_blas_thread,
                                                       seed):
    case = _random_case(seed)
    on, off = _on_and_off(monkeypatch, lambda: _run_case(case))
    assert len(on) == len(off)
    for a, b in zip(on, off):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    # Weight rows (or columns, transposed) that meet only zero columns never move under SGD.
    x_value, w_values, transposed, optimizer, *_ = case
    if optimizer == "sgd":
        zero = ~(x_value != 0).any(axis=0)
        for w0, w_on, t in zip(w_values, on[-len(w_values):], transposed):
            if t:
                np.testing.assert_array_equal(w_on[:, zero], w0[:, zero])
            else:
                np.testing.assert_array_equal(w_on[zero], w0[zero])
