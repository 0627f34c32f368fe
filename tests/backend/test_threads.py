"""The thread policy: thread counts, BLAS held to one thread inside parallel regions."""
import threading
import time

import numpy as np
import pytest

import tenseur as tf
from tenseur.backend import threads


@pytest.fixture(autouse=True)
def _default_threads():
    yield
    threads.set_intra_op_threads(0)


def test_thread_count_follows_config_then_environment(monkeypatch):
    monkeypatch.setenv("TENSEUR_NUM_THREADS", "3")
    assert threads.intra_op_threads() == 3
    assert tf.config.threading.get_intra_op_parallelism_threads() == 0   # TF: 0 = unset
    tf.config.threading.set_intra_op_parallelism_threads(2)
    assert threads.intra_op_threads() == 2
    assert tf.config.threading.get_intra_op_parallelism_threads() == 2
    tf.config.threading.set_intra_op_parallelism_threads(0)
    monkeypatch.delenv("TENSEUR_NUM_THREADS")
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")
    assert threads.intra_op_threads() == 1
    with pytest.raises(ValueError, match="thread count"):
        tf.config.threading.set_intra_op_parallelism_threads(-1)


def test_parallel_map_runs_items_on_several_threads_in_order():
    seen = set()

    def work(i):
        seen.add(threading.get_ident())
        time.sleep(0.05)
        return i * i

    assert threads.parallel_map(work, range(4), threads=2) == [0, 1, 4, 9]
    assert len(seen) == 2


def test_parallel_map_is_serial_with_one_thread_and_when_nested():
    idents = set()

    def inner(i):
        idents.add(threading.get_ident())
        return i

    def outer(i):
        return sum(threads.parallel_map(inner, range(3), threads=2))

    assert threads.parallel_map(inner, range(3), threads=1) == [0, 1, 2]
    assert idents == {threading.get_ident()}
    assert threads.parallel_map(outer, range(2), threads=2) == [3, 3]


def test_parallel_map_raises_the_first_error_after_all_items_finish():
    done = []

    def work(i):
        if i == 1:
            raise ValueError("item 1 failed")
        time.sleep(0.02)
        done.append(i)
        return i

    with pytest.raises(ValueError, match="item 1"):
        threads.parallel_map(work, range(3), threads=2)
    assert 1 not in done


def test_the_calling_thread_takes_its_share_of_many_items():
    caller = threading.get_ident()
    by_thread = {}

    def work(i):
        time.sleep(0.005)
        by_thread[threading.get_ident()] = by_thread.get(threading.get_ident(), 0) + 1
        return i

    assert threads.parallel_map(work, range(20), threads=2) == list(range(20))
    assert by_thread.get(caller, 0) >= 5 and len(by_thread) == 2


def test_blas_is_held_to_one_thread_inside_a_parallel_region():
    if threads.blas_thread_count() is None:
        pytest.skip("NumPy's BLAS is not OpenBLAS here")
    before = threads.blas_thread_count()
    with threads.blas_threads(2):
        counts = threads.parallel_map(lambda _: threads.blas_thread_count(), range(2),
                                      threads=2)
        assert threads.blas_thread_count() == 2
    assert counts == [1, 1]
    assert threads.blas_thread_count() == before
    a = np.ones((64, 64), np.float32)
    assert threads.parallel_map(lambda _: float((a @ a)[0, 0]), range(2), threads=2) == [64.0] * 2


def test_overlapping_parallel_regions_restore_blas_only_when_the_last_ends():
    if threads.blas_thread_count() is None:
        pytest.skip("NumPy's BLAS is not OpenBLAS here")
    before = threads.blas_thread_count()
    inside, release = threading.Event(), threading.Event()

    def long_region():
        threads.parallel_map(lambda i: inside.set() or release.wait(5), range(2), threads=2)

    with threads.blas_threads(2):
        other = threading.Thread(target=long_region)
        other.start()
        inside.wait(5)
        assert threads.parallel_map(lambda _: threads.blas_thread_count(), range(2),
                                    threads=2) == [1, 1]
        assert threads.blas_thread_count() == 1      # the other region still runs
        release.set()
        other.join()
        assert threads.blas_thread_count() == 2
    assert threads.blas_thread_count() == before


def test_intra_op_threads_set_the_blas_threads_too():
    if threads.blas_thread_count() is None:
        pytest.skip("NumPy's BLAS is not OpenBLAS here")
    before = threads.blas_thread_count()
    tf.config.threading.set_intra_op_parallelism_threads(2)
    assert threads.blas_thread_count() == 2
    tf.config.threading.set_intra_op_parallelism_threads(0)
    assert threads.blas_thread_count() == before


def _record_blas_threads(plan, seen):
    plan.steps = tuple((lambda *args, _fn=fn: seen.append(threads.blas_thread_count())
                        or _fn(*args), ins, kind, out) for fn, ins, kind, out in plan.steps)


def test_a_plan_with_split_kernels_runs_all_its_products_on_one_blas_thread():
    # OpenBLAS' workers busy-wait after each product they share; between the convolution
    # threads' kernels they would take the cores the convolutions need.
    if threads.blas_thread_count() is None:
        pytest.skip("NumPy's BLAS is not OpenBLAS here")
    tf.config.threading.set_intra_op_parallelism_threads(2)
    graph = tf.Graph()
    with graph.as_default():
        x = tf.placeholder(tf.float32, [None, 8, 8, 1])
        y = tf.nn.conv2d(x, tf.ones([3, 3, 1, 4]), [1, 1, 1, 1], "VALID")
        z = tf.matmul(tf.reshape(y, [-1, 144]), tf.ones([144, 2]))
        a = tf.placeholder(tf.float32, [None, 3])
        product = tf.matmul(a, tf.ones([3, 2]))
        with tf.Session() as sess:
            feed = {x: np.ones((2, 8, 8, 1), np.float32)}
            sess.run(z, feed)
            sess.run(product, {a: np.ones((2, 3), np.float32)})
            split, = [p for p in sess._plans.values() if p.splits]
            plain, = [p for p in sess._plans.values() if not p.splits]
            in_split, in_plain = [], []
            _record_blas_threads(split, in_split)
            _record_blas_threads(plain, in_plain)
            np.testing.assert_allclose(sess.run(z, feed), np.full((2, 2), 144 * 9.0))
            sess.run(product, {a: np.ones((2, 3), np.float32)})
    assert in_split and set(in_split) == {1}
    assert in_plain and set(in_plain) == {2}      # a single product keeps BLAS' threads
    assert threads.blas_thread_count() == 2


def test_a_tape_that_records_a_split_kernel_holds_blas_until_its_gradient():
    if threads.blas_thread_count() is None:
        pytest.skip("NumPy's BLAS is not OpenBLAS here")
    from tenseur import eager
    tf.config.threading.set_intra_op_parallelism_threads(2)
    seen = {}
    with eager.eager_mode():
        w = tf.Variable(np.ones((3, 3, 1, 4), np.float32))
        v = tf.Variable(np.ones((144, 2), np.float32))
        x = tf.constant(np.ones((2, 8, 8, 1), np.float32))
        for persistent in (False, True):
            with tf.GradientTape(persistent=persistent) as tape:
                seen["before"] = threads.blas_thread_count()
                y = tf.nn.conv2d(x, w, [1, 1, 1, 1], "VALID")
                seen["dense"] = threads.blas_thread_count()   # the dense layer's product
                z = tf.reduce_sum(tf.matmul(tf.reshape(y, [-1, 144]), v))
            seen["exit"] = threads.blas_thread_count()
            grads = tape.gradient(z, [w, v])
            seen["after"] = threads.blas_thread_count()
            np.testing.assert_allclose(grads[1].numpy(), np.full((144, 2), 2 * 9.0))
            assert seen == {"before": 2, "dense": 1, "exit": 2 if persistent else 1,
                            "after": 2}, (persistent, seen)
        with tf.GradientTape() as tape:          # never asked: freeing the tape ends the hold
            tf.nn.conv2d(x, w, [1, 1, 1, 1], "VALID")
        assert threads.blas_thread_count() == 1
        del tape
        assert threads.blas_thread_count() == 2
        with tf.GradientTape() as tape:          # no split kernel: no hold
            tf.matmul(tf.ones([2, 3]), tf.ones([3, 2]))
            assert threads.blas_thread_count() == 2


def test_a_thread_count_set_during_a_hold_applies_when_the_hold_ends():
    if threads.blas_thread_count() is None:
        pytest.skip("NumPy's BLAS is not OpenBLAS here")
    tf.config.threading.set_intra_op_parallelism_threads(2)
    with threads.single_threaded_blas():
        tf.config.threading.set_intra_op_parallelism_threads(3)
        assert threads.blas_thread_count() == 1
    assert threads.blas_thread_count() == 3


def test_a_large_product_in_a_held_plan_splits_its_rows_over_the_threads(parallel_calls):
    calls = parallel_calls
    rng = np.random.default_rng(0)
    a = rng.standard_normal((512, 256)).astype(np.float32)
    b = rng.standard_normal((256, 256)).astype(np.float32)   # 2^25 multiply-adds
    from tenseur.ops.registry import get_op_def
    matmul = get_op_def("MatMul")
    tf.config.threading.set_intra_op_parallelism_threads(2)
    plain = matmul.kernel(np, a, b, transpose_a=False, transpose_b=False)
    assert calls == []                          # BLAS not held: one product on BLAS' threads
    with threads.single_threaded_blas():
        split = matmul.kernel(np, a, b, transpose_a=False, transpose_b=False)
        small = matmul.kernel(np, a[:8], b, transpose_a=False, transpose_b=False)
    assert calls == [[(0, 256), (256, 512)]]    # the small product stays whole
    np.testing.assert_allclose(split, plain, rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(small, plain[:8], rtol=1e-5, atol=1e-4)
