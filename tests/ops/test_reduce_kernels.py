"""Sum and Mean of float arrays call `np.add.reduce` directly (a fast path): the same bits
as np.sum / np.mean for every axis and keepdims, in graph and eager mode, and the general
kernel for other dtypes and empty arrays."""
import numpy as np
import pytest

import tenseur as tf
from tenseur import eager

AXES = [None, 0, 1, -1, (0, 2), [2, 0], (0, 1, 2)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("keepdims", [False, True])
def test_float_sums_and_means_match_numpy_bit_for_bit(dtype, keepdims):
    x = np.random.default_rng(0).normal(size=(7, 5, 3)).astype(dtype) * 1e3
    with eager.eager_mode():
        for axis in AXES:
            np_axis = tuple(axis) if isinstance(axis, list) else axis
            total = tf.reduce_sum(x, axis=axis, keepdims=keepdims).numpy()
            mean = tf.reduce_mean(x, axis=axis, keepdims=keepdims).numpy()
            for got, want in ((total, np.sum(x, axis=np_axis, keepdims=keepdims)),
                              (mean, np.mean(x, axis=np_axis, keepdims=keepdims))):
                assert got.dtype == dtype and got.shape == want.shape
                np.testing.assert_array_equal(got, want)
    tf.reset_default_graph()
    p = tf.placeholder(dtype, [None, 5, 3])
    fetches = [tf.reduce_mean(p, axis=1), tf.reduce_sum(p, keepdims=True)]
    with tf.Session() as sess:
        mean, total = sess.run(fetches, {p: x})
    np.testing.assert_array_equal(mean, np.mean(x, axis=1))
    np.testing.assert_array_equal(total, np.sum(x, keepdims=True))


def test_other_dtypes_and_empty_arrays_take_the_general_kernel():
    with eager.eager_mode():
        ints = np.array([[1, 2], [4, 7]], np.int32)
        assert tf.reduce_sum(ints).numpy() == 14 and tf.reduce_sum(ints).dtype == tf.int32
        assert tf.reduce_mean(ints, axis=1).numpy().tolist() == [1, 5]   # integer division
        half = np.array([1.5, 2.5, 3.0], np.float16)
        assert tf.reduce_mean(half).numpy() == np.mean(half)
        assert tf.reduce_sum(np.zeros((0, 3), np.float32), axis=0).numpy().tolist() == [0, 0, 0]
        with pytest.warns(RuntimeWarning):
            assert np.isnan(tf.reduce_mean(np.zeros((0,), np.float32)).numpy())
