"""`tf.losses`, `tf.metrics` and `tf.initializers` (TF 1.x namespaces); the expected numbers are
TensorFlow 2.21's `tf.compat.v1` ones on the same inputs."""
import numpy as np
import pytest

import tenseur as tf

rng = np.random.default_rng(0)
X = rng.random((3, 4)).astype(np.float32)
W = rng.standard_normal((4, 3)).astype(np.float32)
Y = np.array([0, 1, 2])
P = rng.random((3, 3)).astype(np.float32)


def test_losses_match_tensorflow():
    x, w, y = tf.constant(X), tf.constant(W), tf.constant(Y)
    logits = tf.matmul(x, w)
    onehot = tf.one_hot(y, 3)
    per_row = [[1.0], [0.0], [2.0]]
    losses = [
        tf.losses.sparse_softmax_cross_entropy(labels=y, logits=logits),
        tf.losses.softmax_cross_entropy(onehot, logits, weights=[1.0, 0.0, 2.0],
                                        label_smoothing=0.1),
        tf.losses.sigmoid_cross_entropy(onehot, logits, label_smoothing=0.2),
        tf.losses.mean_squared_error(tf.ones_like(logits), logits, weights=per_row),
        tf.losses.absolute_difference(tf.ones_like(logits), logits,
                                      reduction=tf.losses.Reduction.SUM),
        tf.losses.log_loss(onehot, tf.constant(P), reduction=tf.losses.Reduction.MEAN,
                           weights=per_row),
        tf.losses.hinge_loss(onehot, logits,
                             reduction=tf.losses.Reduction.SUM_OVER_BATCH_SIZE),
        tf.losses.huber_loss(tf.ones_like(logits), logits * 3, delta=0.5),
    ]
    total = tf.losses.get_total_loss()
    with tf.Session() as sess:
        values = sess.run(losses + [total])
    expected = [1.43979, 2.57906, 0.75362, 5.92054, 17.20092, 1.57468, 0.92573, 1.74329,
                32.13762]
    np.testing.assert_allclose(values, expected, rtol=2e-5)
    assert len(tf.losses.get_losses()) == 8


def test_total_loss_adds_regularization_and_needs_a_loss():
    with pytest.raises(ValueError, match="No losses to sum"):
        tf.losses.get_total_loss()
    tf.get_variable("w", [2], initializer=tf.initializers.ones(),
                    regularizer=lambda v: 0.5 * tf.reduce_sum(v))
    loss = tf.losses.mean_squared_error([1.0, 2.0], [1.0, 4.0])        # mean of 0 and 4
    with tf.Session() as sess:
        sess.run(tf.initializers.global_variables())
        assert sess.run(loss) == pytest.approx(2.0)
        assert sess.run(tf.losses.get_regularization_loss()) == pytest.approx(1.0)
        assert sess.run(tf.losses.get_total_loss()) == pytest.approx(3.0)
        assert sess.run(tf.losses.get_total_loss(add_regularization_losses=False)) == 2.0


def test_zero_weights_do_not_count_and_bad_arguments_are_refused():
    loss = tf.losses.absolute_difference([[0.0], [0.0]], [[3.0], [5.0]], weights=[[0.0], [1.0]])
    with tf.Session() as sess:
        assert sess.run(loss) == pytest.approx(5.0)          # SUM_BY_NONZERO_WEIGHTS
        everything_zero = tf.losses.absolute_difference([1.0], [2.0], weights=0.0)
        assert sess.run(everything_zero) == 0.0
    with pytest.raises(ValueError, match="Invalid Reduction"):
        tf.losses.mean_squared_error([1.0], [2.0], reduction="mean")
    with pytest.raises(ValueError, match="weights can not be broadcast"):
        tf.losses.sparse_softmax_cross_entropy([0, 1], tf.zeros([2, 3]), weights=[[1.0], [2.0]])
    with pytest.raises(ValueError, match="same shape"):
        tf.losses.mean_squared_error([1.0, 2.0], [[1.0, 2.0, 3.0]])


def test_initializers_namespace():
    v = tf.get_variable("v", [3, 2], initializer=tf.initializers.constant(0.5))
    u = tf.get_variable("u", [64, 64], initializer=tf.initializers.glorot_uniform(seed=1))
    with tf.Session() as sess:
        sess.run(tf.initializers.variables([v, u]))
        np.testing.assert_array_equal(sess.run(v), np.full((3, 2), 0.5, np.float32))
        assert np.abs(sess.run(u)).max() <= np.sqrt(6 / 128)


def test_streaming_metrics_match_tensorflow():
    """Two batches through the update ops; TensorFlow 2.21's tf.compat.v1.metrics give the
    same values and the same local variable names."""
    y = tf.placeholder(tf.int64, [None])
    p = tf.placeholder(tf.int64, [None])
    w = tf.placeholder(tf.float32, [None])
    yf, pf = tf.cast(y, tf.float32), tf.cast(p, tf.float32)
    metrics = [tf.metrics.accuracy(y, p, weights=w), tf.metrics.mean_squared_error(yf, pf),
               tf.metrics.root_mean_squared_error(yf, pf),
               tf.metrics.precision(tf.greater(y, 0), tf.greater(p, 0)),
               tf.metrics.recall(tf.greater(y, 0), tf.greater(p, 0)), tf.metrics.mean(pf)]
    values = [m[0] for m in metrics]
    updates = [m[1] for m in metrics]
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        assert sess.run(values) == [0.0] * 6                     # nothing seen yet
        for labels, predictions, weights in (([0, 1, 2, 1], [0, 2, 2, 1], [1, 1, 0, 2]),
                                             ([1, 0], [1, 1], [1, 1])):
            last = sess.run(updates, {y: labels, p: predictions, w: weights})
        expected = [0.66667, 0.33333, 0.57735, 0.8, 1.0, 1.16667]
        np.testing.assert_allclose(last, expected, rtol=1e-4)
        np.testing.assert_allclose(sess.run(values), expected, rtol=1e-4)
        sess.run(tf.local_variables_initializer())               # a reset
        assert sess.run(values) == [0.0] * 6
    assert "accuracy/total:0" in {v.name for v in tf.local_variables()}
    assert len(tf.get_collection(tf.GraphKeys.METRIC_VARIABLES)) == 12
    assert tf.trainable_variables() == []
    with pytest.raises(ValueError, match="must have the same shape"):
        tf.metrics.accuracy(tf.zeros([4], tf.int64), tf.zeros([4, 10], tf.int64))


def test_clipping_by_norm_matches_tensorflow():
    a = tf.constant([[3.0, 4.0], [0.0, 0.0]])
    b = tf.constant([1.0, 2.0, 2.0])
    clipped, norm = tf.clip_by_global_norm([a, None, b], 3.0)
    grad = tf.gradients(tf.reduce_sum(tf.clip_by_norm(a, 2.0) * [[1.0, 2.0], [3.0, 4.0]]), a)[0]
    with tf.Session() as sess:
        out = sess.run([tf.clip_by_norm(a, 2.0), tf.clip_by_norm(tf.zeros([2]), 1.0),
                        tf.global_norm([a, None, b]), clipped[0], clipped[2], norm, grad])
    assert clipped[1] is None
    np.testing.assert_allclose(out[0], [[1.2, 1.6], [0.0, 0.0]], rtol=1e-6)
    np.testing.assert_array_equal(out[1], [0.0, 0.0])                 # a zero tensor stays 0
    assert out[2] == pytest.approx(5.83095, rel=1e-5) and out[5] == pytest.approx(5.83095)
    np.testing.assert_allclose(out[3], [[1.54349, 2.05798], [0.0, 0.0]], rtol=1e-5)
    np.testing.assert_allclose(out[4], [0.5145, 1.02899, 1.02899], rtol=1e-4)
    np.testing.assert_allclose(out[6], [[-0.128, 0.096], [1.2, 1.6]], rtol=1e-5)   # TF's too
    with pytest.raises(TypeError, match="list of tensors"):
        tf.clip_by_global_norm(a, 1.0)


def test_math_and_random_namespaces():
    assert tf.math.log is tf.log and tf.math.reduce_sum is tf.reduce_sum
    assert tf.math.cumsum is tf.cumsum and tf.math.is_finite is tf.is_finite
    assert tf.random.normal is tf.random_normal and tf.random.set_seed is tf.set_random_seed
    tf.random.set_seed(3)
    first = tf.random.uniform([3])
    with tf.Session() as sess:
        a = sess.run(first)
    tf.reset_default_graph()
    tf.random.set_seed(3)
    again = tf.random.uniform([3])
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(again), a)


def test_print_ops_print_when_run(capsys):
    x = tf.placeholder(tf.float32, [None])
    y = tf.Print(x * 2, [x, tf.reduce_sum(x)], message="x, sum: ", first_n=1)
    op = tf.print("values:", x, "end", summarize=2)
    grad = tf.gradients(tf.reduce_sum(y), x)[0]
    assert capsys.readouterr().err == ""                     # nothing when building
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(y, {x: [1.0, 2.0, 3.0]}), [2.0, 4.0, 6.0])
        assert capsys.readouterr().err == "x, sum: [1. 2. 3.]6.\n"
        sess.run(y, {x: [1.0]})                                # first_n=1: printed once
        sess.run(op, {x: np.arange(10.0)})
        assert capsys.readouterr().err == "values: [0. 1. ... 8. 9.] end\n"
        np.testing.assert_array_equal(sess.run(grad, {x: [1.0, 2.0]}), [2.0, 2.0])
    with tf.eager_mode():
        @tf.function
        def step(a):
            tf.print("step", a)
            return a + 1
        step(tf.constant([1, 2]))
        step(tf.constant([3, 4]))                                # traced once, printed twice
        assert tf.print("eager", 5) is None
    assert capsys.readouterr().err == "step [1 2]\nstep [3 4]\neager 5\n"


def test_spellings_from_before_tensorflow_1(tmp_path):
    a, b = tf.constant([1.0, 2.0]), tf.constant([3.0, 4.0])
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(tf.concat(0, [a, b])), [1.0, 2.0, 3.0, 4.0])
        np.testing.assert_array_equal(sess.run(tf.pack([a, b], axis=1)), [[1, 3], [2, 4]])
        assert len(tf.unpack(tf.pack([a, b]))) == 2
    tf.scalar_summary("loss", tf.reduce_sum(a))
    tf.histogram_summary("a", a)
    merged = tf.merge_all_summaries()
    writer = tf.train.SummaryWriter(str(tmp_path), tf.get_default_graph())
    assert isinstance(writer, tf.summary.FileWriter)
    with tf.Session() as sess:
        writer.add_summary(sess.run(merged), 1)
    writer.close()
    assert [p.name.startswith("events.out.tfevents.") for p in tmp_path.iterdir()] == [True]
    assert tf.merge_summary is not None


def test_a_graph_variable_says_how_to_read_its_value():
    v = tf.Variable(3)
    for convert in (int, float, np.asarray):
        with pytest.raises(TypeError, match=r"sess.run\(v\)"):
            convert(v)


def test_errors_namespace_catches_what_a_run_raises():
    assert tf.errors.OpError is tf.OpError
    w = tf.Variable(1.0, name="never_initialized")
    with tf.Session() as sess:
        with pytest.raises(tf.errors.FailedPreconditionError, match="never_initialized"):
            sess.run(w)
        x = tf.placeholder(tf.float32, [2])
        with pytest.raises(tf.errors.InvalidArgumentError):
            sess.run(x + 1, {x: [1.0, 2.0, 3.0]})
    assert issubclass(tf.errors.InvalidArgumentError, tf.errors.OpError)
    assert issubclass(tf.errors.NotFoundError, tf.errors.OpError)
