"""Dedicated tests for tenseur.nn: kink conventions, numerical stability, error messages,
dropout statistics and seeding, gradient semantics the op-case table cannot express."""
import numpy as np
import pytest

import tenseur as tf
import tenseur.nn as nn
from tenseur.framework.errors import DTypeError, InvalidArgumentError, ShapeError
from tenseur.ops import nn_ops
from tenseur.ops.registry import get_op_def

REQUIRED_EXPORTS = [
    "relu", "relu6", "elu", "selu", "softplus", "softsign", "leaky_relu", "sigmoid", "tanh",
    "swish", "silu", "gelu", "bias_add", "softmax", "log_softmax",
    "softmax_cross_entropy_with_logits", "softmax_cross_entropy_with_logits_v2",
    "sparse_softmax_cross_entropy_with_logits", "sigmoid_cross_entropy_with_logits", "l2_loss",
    "l2_normalize", "moments", "batch_normalization", "dropout", "in_top_k", "top_k",
]


def run(fetches, feed=None):
    with tf.Session() as sess:
        return sess.run(fetches, feed)


def test_namespace_exports_the_tf_nn_functions():
    missing = [name for name in REQUIRED_EXPORTS if not callable(getattr(nn, name, None))]
    assert not missing
    assert set(REQUIRED_EXPORTS) <= set(nn.__all__)


# -- kink conventions ----------------------------------------------------------------------

def test_relu_gradient_is_exactly_zero_at_zero():
    x = tf.constant([-1.0, 0.0, 2.0])
    (grad,) = tf.gradients(tf.reduce_sum(nn.relu(x)), x)
    np.testing.assert_array_equal(run(grad), [0.0, 0.0, 1.0])


def test_relu_gradient_is_one_relu_grad_reading_the_output():
    x = tf.placeholder(tf.float32, [2, 3])
    y = nn.relu(x)
    (grad,) = tf.gradients(y, x)
    assert grad.op.type == "ReluGrad"
    assert grad.op.inputs[1] is y        # the output: x itself can be freed (as TF)


def test_relu_grad_multiplies_like_tf():
    # TF's kernel is gradients * (features > 0): a NaN or inf gradient at features <= 0
    # stays NaN instead of being masked to 0; a finite one gives exactly 0 there.
    grads = np.array([np.nan, np.inf, 5.0, np.nan, -3.0], np.float32)
    features = np.array([-1.0, 0.0, 0.0, 2.0, -2.0], np.float32)
    with np.errstate(invalid="ignore"):     # inf * 0
        got = run(nn_ops.relu_grad(tf.constant(grads), tf.constant(features)))
    np.testing.assert_array_equal(got, [np.nan, np.nan, 0.0, np.nan, 0.0])
    assert got.dtype == np.float32


def test_relu_grad_keeps_integer_dtypes_and_leaves_its_inputs_alone():
    grads = np.array([[3, -4], [5, 6]], np.int32)
    features = np.array([[1, 0], [-2, 7]], np.int32)
    kernel = get_op_def("ReluGrad").kernel
    got = kernel(np, grads, features)
    np.testing.assert_array_equal(got, [[3, 0], [0, 6]])
    assert got.dtype == np.int32 and got is not grads
    np.testing.assert_array_equal(grads, [[3, -4], [5, 6]])


def test_relu_grad_checks_dtypes_and_shapes():
    with pytest.raises(DTypeError, match=r"ReluGrad.*float32 and float64"):
        nn_ops.relu_grad(tf.zeros([2], tf.float32), tf.zeros([2], tf.float64))
    with pytest.raises(ShapeError, match=r"ReluGrad.*\(2,\).*\(3,\)"):
        nn_ops.relu_grad(tf.zeros([2]), tf.zeros([3]))


def test_relu6_gradient_is_zero_at_both_kinks():
    x = tf.constant([0.0, 3.0, 6.0, 7.0])
    (grad,) = tf.gradients(tf.reduce_sum(nn.relu6(x)), x)
    np.testing.assert_array_equal(run(grad), [0.0, 1.0, 0.0, 0.0])


def test_leaky_relu_gradient_at_zero_is_alpha():
    x = tf.constant([-2.0, 0.0, 2.0])
    (grad,) = tf.gradients(tf.reduce_sum(nn.leaky_relu(x, alpha=0.1)), x)
    np.testing.assert_allclose(run(grad), [0.1, 0.1, 1.0])


def test_activation_gradients_are_single_backward_ops():
    x = tf.placeholder(tf.float32, [2, 3])
    for fn, op_type, reads_output in ((nn.relu6, "Relu6Grad", True), (nn.elu, "EluGrad", True),
                                      (nn.leaky_relu, "LeakyReluGrad", False)):
        y = fn(x)
        (grad,) = tf.gradients(y, x)
        assert grad.op.type == op_type
        assert grad.op.inputs[1] is (y if reads_output else x)


def test_backward_kernels_give_tf_select_bits():
    # TF's kernels select (features > 0 ? g : g * alpha, outputs < 0 ? g * (y + 1) : g);
    # the select-free kernels must give the same bits, NaN features and outputs included.
    rng = np.random.default_rng(11)
    g = rng.standard_normal(1000).astype(np.float32)
    f = rng.standard_normal(1000).astype(np.float32)
    f[:3] = [np.nan, 0.0, -0.0]
    y = np.where(f > 0, f, np.expm1(np.minimum(f, 0)))
    leaky = get_op_def("LeakyReluGrad").kernel(np, g, f, alpha=0.3)
    np.testing.assert_array_equal(leaky, np.where(f > 0, g, g * np.float32(0.3)))
    elu = get_op_def("EluGrad").kernel(np, g, y)
    np.testing.assert_array_equal(elu, np.where(y < 0, g * (y + 1), g))
    assert leaky.dtype == elu.dtype == np.float32


def test_selu_gradient_at_zero_takes_the_right_hand_slope():
    x = tf.constant([0.0])
    (grad,) = tf.gradients(nn.selu(x), x)
    np.testing.assert_allclose(run(grad), [1.0507009873554805])


# -- stability -----------------------------------------------------------------------------

_EXTREME = np.array([[1000.0, 0.0, -1000.0], [-1000.0, -1000.0, 1000.0]], dtype=np.float32)


def test_softmax_and_log_softmax_of_huge_logits_are_finite():
    logits = tf.constant(_EXTREME)
    probabilities, log_probabilities = run([nn.softmax(logits), nn.log_softmax(logits)])
    np.testing.assert_allclose(probabilities, [[1, 0, 0], [0, 0, 1]], atol=1e-30)
    assert np.all(np.isfinite(log_probabilities))     # never -inf
    np.testing.assert_allclose(log_probabilities, [[0, -1000, -2000], [-2000, -2000, 0]])


def test_cross_entropies_of_huge_logits_have_finite_values_and_gradients():
    logits = tf.constant(_EXTREME)
    dense = nn.softmax_cross_entropy_with_logits_v2(
        labels=tf.constant([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]), logits=logits)
    sparse = nn.sparse_softmax_cross_entropy_with_logits(labels=tf.constant([2, 2]),
                                                         logits=logits)
    one_hot = tf.constant(np.eye(2, 3, dtype=np.float32))
    sigmoid = nn.sigmoid_cross_entropy_with_logits(labels=one_hot, logits=logits)
    grads = tf.gradients(tf.reduce_sum(dense) + tf.reduce_sum(sparse) + tf.reduce_sum(sigmoid),
                         logits)
    dense_v, sparse_v, sigmoid_v, grad_v = run([dense, sparse, sigmoid, grads[0]])
    np.testing.assert_allclose(dense_v, [1000.0, 0.0])
    np.testing.assert_allclose(sparse_v, [2000.0, 0.0])
    np.testing.assert_allclose(sigmoid_v, [[0, np.log(2), 0], [0, 1000, 1000]], rtol=1e-6)
    assert np.all(np.isfinite(grad_v))


# -- softmax cross-entropy semantics -------------------------------------------------------

def test_softmax_xent_gradient_is_softmax_minus_labels():
    x = np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]])
    z = np.array([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0]])
    logits = tf.constant(x)
    loss = nn.softmax_cross_entropy_with_logits(labels=tf.constant(z), logits=logits)
    (grad,) = tf.gradients(tf.reduce_sum(loss * tf.constant([1.0, 2.0], tf.float64)), logits)
    e = np.exp(x - x.max(1, keepdims=True))
    expected = (e / e.sum(1, keepdims=True) - z) * np.array([[1.0], [2.0]])
    np.testing.assert_allclose(run(grad), expected, rtol=1e-12)
    assert loss.shape.as_list() == [2]


def test_v1_stops_the_gradient_into_labels_and_v2_propagates_it():
    x = np.array([[1.0, 2.0, 0.5]])
    logits = tf.constant(x)
    labels = tf.constant([[0.2, 0.3, 0.5]], tf.float64)
    v1 = nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    v2 = nn.softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits)
    assert tf.gradients(v1, labels) == [None]
    (grad_v2,) = tf.gradients(v2, labels)
    log_softmax = x - x.max() - np.log(np.exp(x - x.max()).sum())
    np.testing.assert_allclose(run(grad_v2), -log_softmax, rtol=1e-12)


def test_xent_functions_reject_positional_arguments():
    logits = tf.constant([[1.0, 2.0]])
    labels = tf.constant([[0.0, 1.0]])
    message = r"Only call `softmax_cross_entropy_with_logits` with named arguments " \
              r"\(labels=\.\.\., logits=\.\.\., \.\.\.\)"
    with pytest.raises(ValueError, match=message):
        nn.softmax_cross_entropy_with_logits(labels, logits)
    with pytest.raises(ValueError, match=message):
        nn.softmax_cross_entropy_with_logits_v2(labels, logits)
    with pytest.raises(ValueError, match="Only call `sparse_softmax_cross_entropy_with_logits`"):
        nn.sparse_softmax_cross_entropy_with_logits(tf.constant([1]), logits)
    with pytest.raises(ValueError, match="Only call `sigmoid_cross_entropy_with_logits`"):
        nn.sigmoid_cross_entropy_with_logits(labels, logits)
    with pytest.raises(ValueError, match="both labels and logits"):
        nn.softmax_cross_entropy_with_logits(logits=logits)


def test_softmax_xent_shape_mismatch_names_both_shapes():
    with pytest.raises(ShapeError, match=r"SoftmaxCrossEntropyWithLogits.*\(2, 3\).*\(2, 4\)"):
        nn.softmax_cross_entropy_with_logits_v2(labels=tf.zeros([2, 4]), logits=tf.zeros([2, 3]))


def test_sparse_xent_label_out_of_range_fails_at_run_time_naming_value_and_classes():
    logits = tf.placeholder(tf.float32, [None, 10])
    labels = tf.placeholder(tf.int32, [None])
    loss = nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits, name="xent")
    with tf.Session() as sess:
        ok = sess.run(loss, {logits: np.zeros((2, 10)), labels: [0, 9]})
        np.testing.assert_allclose(ok, [np.log(10)] * 2, rtol=1e-6)
        for bad in (10, -1):
            with pytest.raises(InvalidArgumentError,
                               match=rf"'xent'.*label value of {bad} .*\[0, 10\)") as info:
                sess.run(loss, {logits: np.zeros((2, 10)), labels: [3, bad]})
            assert info.value.node_name == "xent"


def test_sparse_xent_static_checks():
    logits = tf.zeros([4, 3])
    with pytest.raises(ShapeError, match=r"rank of labels \(received 2\).*logits minus 1 "
                                         r"\(received 2\)"):
        nn.sparse_softmax_cross_entropy_with_logits(labels=tf.zeros([4, 3], tf.int32),
                                                    logits=logits)
    with pytest.raises(DTypeError, match="int32 or int64"):
        nn.sparse_softmax_cross_entropy_with_logits(labels=tf.zeros([4]), logits=logits)


def test_sigmoid_xent_shape_mismatch():
    with pytest.raises(ShapeError, match=r"\(2, 3\).*\(3, 2\)"):
        nn.sigmoid_cross_entropy_with_logits(labels=tf.zeros([3, 2]), logits=tf.zeros([2, 3]))


# -- bias_add ------------------------------------------------------------------------------

def test_bias_add_length_mismatch_names_both_sizes():
    value = tf.placeholder(tf.float32, [None, 4], name="h")
    with pytest.raises(ShapeError, match=r"BiasAdd 'BiasAdd'.*bias has 3 elements.*4 channels"):
        nn.bias_add(value, tf.zeros([3]))
    with pytest.raises(ShapeError, match=r"bias has 4 elements.*3 channels.*NCHW"):
        nn.bias_add(tf.zeros([2, 3, 5, 5]), tf.zeros([4]), data_format="NCHW")


def test_bias_add_rejects_bad_data_format_and_rank():
    with pytest.raises(ValueError, match="data_format='HWCN'"):
        nn.bias_add(tf.zeros([2, 3]), tf.zeros([3]), data_format="HWCN")
    with pytest.raises(ShapeError, match="rank >= 2"):
        nn.bias_add(tf.zeros([3]), tf.zeros([3]))


def test_bias_gradient_sums_over_all_but_the_channel_axis():
    value = tf.constant(np.ones((2, 3, 4, 5), np.float32))
    bias = tf.constant(np.zeros(3, np.float32))
    (grad,) = tf.gradients(nn.bias_add(value, bias, data_format="NCHW"), bias)
    assert grad.op.type == "BiasAddGrad"
    np.testing.assert_array_equal(run(grad), [40.0, 40.0, 40.0])


@pytest.mark.parametrize("shape, data_format", [
    ((3, 5), "NHWC"),
    ((2 * 4096 + 7, 3), "NHWC"),            # whole blocks of rows plus a remainder
    ((40, 26, 26, 8), "NHWC"),              # 27,040 rows: 6 blocks + remainder
    ((40, 8, 26, 26), "NCHW"),
    ((3, 4), "NCHW"),                       # rank 2: the channels are the last axis
])
def test_bias_add_grad_in_float32_is_close_to_the_float64_sum(shape, data_format):
    # The sum runs in blocks through BLAS: the float32 error must stay near one rounding
    # (NumPy's row-after-row sum over axis 0 was 2e-5 relative on a CNN-sized gradient).
    rng = np.random.default_rng(5)
    grad = (rng.standard_normal(shape) + 0.3).astype(np.float32)
    axis = 1 if data_format == "NCHW" else len(shape) - 1
    others = tuple(a for a in range(len(shape)) if a != axis)
    expected = grad.astype(np.float64).sum(axis=others)
    got = get_op_def("BiasAddGrad").kernel(np, grad, data_format=data_format)
    assert got.dtype == np.float32 and got.shape == expected.shape
    assert np.max(np.abs(got - expected)) <= 2e-6 * np.max(np.abs(expected))


@pytest.mark.parametrize("dtype", [np.int32, np.float16])
def test_bias_add_grad_of_dtypes_blas_lacks(dtype):
    grad = np.arange(2 * 3 * 4 * 5).reshape(2, 3, 4, 5).astype(dtype)
    kernel = get_op_def("BiasAddGrad").kernel
    for data_format, axes in (("NHWC", (0, 1, 2)), ("NCHW", (0, 2, 3))):
        got = kernel(np, grad, data_format=data_format)
        assert got.dtype == dtype
        np.testing.assert_array_equal(got, grad.astype(np.float64).sum(axis=axes))


# -- dropout -------------------------------------------------------------------------------

def test_dropout_keeps_the_mean_and_drops_the_rate():
    x = tf.ones([100_000])
    dropped = nn.dropout(x, rate=0.3, seed=5)
    value = run(dropped)
    assert abs(np.mean(value == 0) - 0.3) < 0.01
    assert abs(value.mean() - 1.0) < 0.02
    np.testing.assert_allclose(np.unique(value), [0.0, 1 / 0.7], rtol=1e-6)


def test_dropout_same_seeds_give_the_same_mask_in_every_session():
    tf.set_random_seed(42)
    dropped = nn.dropout(tf.ones([1000]), keep_prob=0.5)
    first, second = run(dropped), run(dropped)
    np.testing.assert_array_equal(first, second)
    tf.reset_default_graph()
    tf.set_random_seed(42)
    rebuilt = run(nn.dropout(tf.ones([1000]), keep_prob=0.5))
    np.testing.assert_array_equal(first, rebuilt)
    tf.reset_default_graph()
    tf.set_random_seed(43)
    assert not np.array_equal(first, run(nn.dropout(tf.ones([1000]), keep_prob=0.5)))


def test_dropout_with_fed_keep_prob_is_identity_at_one():
    x_value = np.random.default_rng(0).standard_normal((50, 20)).astype(np.float32)
    x = tf.placeholder(tf.float32, [None, 20])
    keep_prob = tf.placeholder(tf.float32)
    dropped = nn.dropout(x, keep_prob)
    assert dropped.shape.as_list() == [None, 20]
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(dropped, {x: x_value, keep_prob: 1.0}), x_value)
        half = sess.run(dropped, {x: x_value, keep_prob: 0.5})
    kept = half != 0
    assert 0.3 < kept.mean() < 0.7
    np.testing.assert_allclose(half[kept], 2 * x_value[kept], rtol=1e-6)


def test_dropout_keep_prob_one_returns_the_input():
    x = tf.constant([1.0, 2.0])
    assert nn.dropout(x, keep_prob=1.0) is x
    assert nn.dropout(x, rate=0.0) is x


def test_dropout_noise_shape_drops_whole_rows():
    value = run(nn.dropout(tf.ones([200, 8]), keep_prob=0.5, noise_shape=[200, 1], seed=3))
    row_kept = value[:, 0] != 0
    np.testing.assert_array_equal(value, np.where(row_kept[:, None], 2.0, np.zeros((200, 8))))
    assert 0 < row_kept.sum() < 200
    value = run(nn.dropout(tf.ones([3, 500]), keep_prob=0.5, noise_shape=[1, None], seed=3))
    np.testing.assert_array_equal(value[0], value[1])


def test_dropout_argument_errors():
    x = tf.ones([4])
    with pytest.raises(ValueError, match="exactly one of keep_prob and rate"):
        nn.dropout(x)
    with pytest.raises(ValueError, match="exactly one of keep_prob and rate"):
        nn.dropout(x, keep_prob=0.5, rate=0.5)
    with pytest.raises(ValueError, match=r"range \(0, 1\], got keep_prob=0"):
        nn.dropout(x, keep_prob=0.0)
    with pytest.raises(ValueError, match=r"range \[0, 1\), got rate=1"):
        nn.dropout(x, rate=1.0)
    with pytest.raises(DTypeError, match="floating-point"):
        nn.dropout(tf.ones([4], tf.int32), keep_prob=0.5)


def test_dropout_gradient_is_the_scaled_mask():
    x = tf.ones([1000])
    dropped = nn.dropout(x, keep_prob=0.25, seed=1)
    (grad,) = tf.gradients(tf.reduce_sum(dropped), x)
    value, grad_value = run([dropped, grad])
    np.testing.assert_array_equal(grad_value, value)   # x = 1, so y = mask / keep_prob


# -- moments, top-k, names -----------------------------------------------------------------

def test_moments_variance_gradient_through_the_stopped_mean_is_exact():
    x_value = np.array([[1.0, 2.0], [3.0, 7.0], [-1.0, 0.5]])
    x = tf.constant(x_value)
    _, variance = nn.moments(x, axes=[0])
    (grad,) = tf.gradients(tf.reduce_sum(variance), x)
    expected = 2 * (x_value - x_value.mean(0)) / 3
    np.testing.assert_allclose(run(grad), expected, rtol=1e-12)


def test_top_k_gradient_scatters_to_the_chosen_positions():
    x = tf.constant([[0.5, 3.0, 1.0, 2.0]])
    values, indices = nn.top_k(x, k=2)
    (grad,) = tf.gradients(tf.reduce_sum(values * tf.constant([[10.0, 1.0]])), x)
    assert run(indices).tolist() == [[1, 3]]
    np.testing.assert_array_equal(run(grad), [[0.0, 10.0, 0.0, 1.0]])


def test_top_k_needs_k_columns():
    with pytest.raises(ShapeError, match=r"at least k=5 columns.*had 3"):
        nn.top_k(tf.zeros([2, 3]), k=5)


def test_default_node_names_follow_tf():
    x = tf.placeholder(tf.float32, [2, 3])
    names = [nn.relu(x).op.name, nn.relu(x).op.name, nn.softmax(x).op.name,
             nn.sigmoid_cross_entropy_with_logits(labels=x, logits=x).op.name,
             nn.dropout(x, 0.5).op.name, nn.l2_loss(x, name="decay").op.name]
    assert names == ["Relu", "Relu_1", "Softmax", "logistic_loss", "dropout", "decay"]


@pytest.mark.parametrize("shape", [(128, 10), (4, 40, 10), (64, 32), (64, 33), (31, 10), (128, 1),
                                   (430, 10)])
def test_max_over_a_short_last_axis_is_numpys_max(shape):
    # max_keepdims turns short rows into columns first (faster); the values must not change,
    # NaN and -inf included.
    max_keepdims = nn_ops.max_keepdims
    a = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    a.flat[5] = np.nan
    a.flat[-1] = -np.inf
    got = max_keepdims(np, a, -1)
    expected = a.max(axis=-1, keepdims=True)
    assert got.shape == expected.shape and got.dtype == expected.dtype
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(max_keepdims(np, a[..., ::2], -1),
                                  a[..., ::2].max(axis=-1, keepdims=True))
