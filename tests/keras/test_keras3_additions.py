"""Keras 3 classes added after keras_layer_parity.py found them missing (that script compares
them with Keras 3.15, values and a training step); here, their equations in NumPy."""
import numpy as np
import pytest

import tenseur as tf
from tenseur import keras

rng = np.random.default_rng(0)


def run(t):
    with tf.Session() as sess:
        return sess.run(t)


def test_focal_crossentropies():
    y = np.array([[1.0, 0.0], [0.0, 1.0]], np.float32)
    p = np.array([[0.8, 0.3], [0.4, 0.9]], np.float32)
    bce = -(y * np.log(p) + (1 - y) * np.log(1 - p))
    p_t = y * p + (1 - y) * (1 - p)
    expected = ((1 - p_t) ** 2 * bce).mean(-1).mean()
    assert run(keras.losses.BinaryFocalCrossentropy()(y, p)) == pytest.approx(expected, rel=1e-5)
    balanced = ((y * 0.25 + (1 - y) * 0.75) * (1 - p_t) ** 2 * bce).mean(-1).mean()
    assert run(keras.losses.BinaryFocalCrossentropy(apply_class_balancing=True)(y, p)) == \
        pytest.approx(balanced, rel=1e-5)
    q = p / p.sum(-1, keepdims=True)
    categorical = (0.25 * (1 - q) ** 2 * -y * np.log(q)).sum(-1).mean()
    assert run(keras.losses.CategoricalFocalCrossentropy()(y, p)) == \
        pytest.approx(categorical, rel=1e-5)


def test_confusion_counts_and_logcosh():
    labels = np.array([1, 0, 1, 1, 0], np.float32)
    scores = np.array([0.9, 0.6, 0.2, 0.7, 0.1], np.float32)
    counts = {}
    for cls in (keras.metrics.TruePositives, keras.metrics.FalsePositives,
                keras.metrics.TrueNegatives, keras.metrics.FalseNegatives):
        metric = cls()
        metric.update_state(labels, scores)
        counts[cls.__name__] = metric.result()
    assert counts == {"TruePositives": 2.0, "FalsePositives": 1.0, "TrueNegatives": 1.0,
                      "FalseNegatives": 1.0}
    several = keras.metrics.TruePositives(thresholds=[0.15, 0.8])
    several.update_state(labels, scores)
    assert several.result() == [3.0, 1.0]
    logcosh = keras.metrics.LogCoshError()
    logcosh.update_state(labels, scores)
    assert logcosh.result() == pytest.approx(np.log(np.cosh(scores - labels)).mean(), rel=1e-5)


def test_unit_normalization_and_lion():
    x = rng.normal(size=(3, 4)).astype(np.float32)
    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.UnitNormalization()(inputs))
    np.testing.assert_allclose(model.predict(x, verbose=0),
                               x / np.linalg.norm(x, axis=-1, keepdims=True), rtol=1e-5)
    dense = keras.Model(inputs, keras.layers.Dense(1, use_bias=False)(inputs))
    dense.compile(optimizer=keras.optimizers.Lion(learning_rate=0.1), loss="mse")
    w0 = dense.get_weights()[0]
    y = np.zeros((3, 1), np.float32)
    grad = 2 * x.T @ (x @ w0 - y) / 3                 # first step: m = 0
    dense.train_on_batch(x, y)
    np.testing.assert_allclose(dense.get_weights()[0], w0 - 0.1 * np.sign(0.1 * grad), rtol=1e-5)
    with pytest.raises(ValueError, match="beta_1"):
        keras.optimizers.Lion(beta_1=0.0)


def test_group_normalization_dice_and_tversky():
    x = rng.normal(size=(2, 3, 3, 4)).astype(np.float32)
    inputs = keras.Input((3, 3, 4))
    layer = keras.layers.GroupNormalization(groups=2, epsilon=1e-3)
    model = keras.Model(inputs, layer(inputs))
    gamma, beta = rng.normal(size=4).astype(np.float32), rng.normal(size=4).astype(np.float32)
    model.set_weights([gamma, beta])
    grouped = x.reshape(2, 3, 3, 2, 2)
    mean = grouped.mean(axis=(1, 2, 4), keepdims=True)
    var = grouped.var(axis=(1, 2, 4), keepdims=True)
    expected = ((grouped - mean) / np.sqrt(var + 1e-3)).reshape(x.shape) * gamma + beta
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="multiple of groups=3"):
        keras.layers.GroupNormalization(groups=3)(inputs)
    y = np.array([[1.0, 0.0, 1.0]], np.float32)
    p = np.array([[0.7, 0.2, 0.4]], np.float32)
    assert run(keras.losses.Dice()(y, p)) == pytest.approx(
        1 - 2 * (y * p).sum() / (y.sum() + p.sum()), rel=1e-5)
    tp, a, b = (y * p).sum(), ((1 - p) * y).sum(), (p * (1 - y)).sum()
    assert run(keras.losses.Tversky(alpha=0.7, beta=0.2)(y, p)) == pytest.approx(
        1 - tp / (tp + 0.7 * a + 0.2 * b), rel=1e-5)


def test_r2_score():
    y = rng.normal(size=(20, 2)).astype(np.float32)
    p = (y + rng.normal(size=(20, 2)) * 0.3).astype(np.float32)
    metric = keras.metrics.R2Score()
    metric.update_state(y[:10], p[:10])
    metric.update_state(y[10:], p[10:])
    per_column = 1 - ((y - p) ** 2).sum(0) / ((y - y.mean(0)) ** 2).sum(0)
    assert metric.result() == pytest.approx(per_column.mean(), rel=1e-5)
    columns = keras.metrics.R2Score(class_aggregation=None)
    columns.update_state(y, p)
    np.testing.assert_allclose(columns.result(), per_column, rtol=1e-5)
    adjusted = keras.metrics.R2Score(num_regressors=3)
    adjusted.update_state(y, p)
    n = y.size
    assert adjusted.result() == pytest.approx(
        1 - (1 - per_column.mean()) * (n - 1) / (n - 3 - 1), rel=1e-5)


def test_f1_and_fbeta_scores():
    y = np.array([[1, 0, 1], [0, 1, 0], [1, 1, 0], [0, 0, 1]], np.float32)
    p = np.array([[0.9, 0.2, 0.6], [0.3, 0.4, 0.1], [0.8, 0.7, 0.2], [0.1, 0.6, 0.5]],
                 np.float32)
    predicted = (p > 0.5).astype(np.float32)
    tp = (predicted * y).sum(0)
    fp = (predicted * (1 - y)).sum(0)
    fn = ((1 - predicted) * y).sum(0)
    precision, recall = tp / (tp + fp + 1e-7), tp / (tp + fn + 1e-7)
    f1 = 2 * precision * recall / (precision + recall + 1e-7)
    per_class = keras.metrics.F1Score(threshold=0.5)
    per_class.update_state(y, p)
    np.testing.assert_allclose(per_class.result(), f1, rtol=1e-5)
    macro = keras.metrics.F1Score(average="macro", threshold=0.5)
    macro.update_state(y[:2], p[:2])
    macro.update_state(y[2:], p[2:])
    assert macro.result() == pytest.approx(f1.mean(), rel=1e-5)
    f2 = keras.metrics.FBetaScore(beta=2.0, threshold=0.5)
    f2.update_state(y, p)
    np.testing.assert_allclose(f2.result(),
                               5 * precision * recall / (4 * precision + recall + 1e-7),
                               rtol=1e-5)
    with pytest.raises(ValueError, match="average must be"):
        keras.metrics.F1Score(average="mean")


@pytest.mark.parametrize("t_mul, m_mul", [(2.0, 1.0), (1.0, 0.5)])
def test_cosine_decay_restarts_in_python_and_in_graphs(t_mul, m_mul):
    schedule = keras.optimizers.schedules.CosineDecayRestarts(0.1, 4, t_mul=t_mul, m_mul=m_mul,
                                                              alpha=0.1)
    step = tf.placeholder(tf.int64, [])
    in_graph = schedule(step)

    def expected(s):
        fraction, restart = s / 4, 0
        if t_mul == 1.0:
            restart = np.floor(fraction)
            fraction -= restart
        else:
            restart = np.floor(np.log(1 - fraction * (1 - t_mul)) / np.log(t_mul))
            fraction = (fraction - (1 - t_mul ** restart) / (1 - t_mul)) / t_mul ** restart
        return 0.1 * (0.9 * 0.5 * m_mul ** restart * (1 + np.cos(np.pi * fraction)) + 0.1)
    with tf.Session() as sess:
        for s in (0, 1, 3, 4, 5, 11, 12, 13):
            assert schedule(s) == pytest.approx(expected(s), rel=1e-6)
            assert sess.run(in_graph, {step: s}) == pytest.approx(expected(s), rel=1e-5)
    assert keras.optimizers.schedules.deserialize(
        keras.optimizers.schedules.serialize(schedule)).get_config() == schedule.get_config()


def test_mean_iou():
    labels = np.array([0, 0, 1, 1, 2, 2])
    predictions = np.array([0, 1, 1, 1, 0, 0])
    metric = keras.metrics.MeanIoU(num_classes=4)        # class 3 never occurs: left out
    metric.update_state(labels, predictions)
    # class 0: tp 1, fp 2, fn 1 -> 1/4; class 1: tp 2, fp 1 -> 2/3; class 2: tp 0, fn 2 -> 0
    assert metric.result() == pytest.approx((1 / 4 + 2 / 3 + 0) / 3, rel=1e-5)
    ignoring = keras.metrics.MeanIoU(num_classes=3, ignore_class=2)
    ignoring.update_state(labels, predictions)
    assert ignoring.result() == pytest.approx((1 / 2 + 2 / 3) / 2, rel=1e-5)


def test_alpha_dropout_keeps_mean_and_variance_in_training_only():
    with tf.eager_mode():
        layer = keras.layers.AlphaDropout(0.2, seed=1)
        x = tf.constant(rng.normal(size=(100000,)).astype(np.float32))
        y = layer(x, training=True).numpy()
        assert abs(y.mean()) < 0.02 and abs(y.std() - 1) < 0.02
        alpha_p = -1.6732632423543772 * 1.0507009873554805
        a = ((1 - 0.2) * (1 + 0.2 * alpha_p ** 2)) ** -0.5
        dropped = np.isclose(y, a * alpha_p - a * alpha_p * 0.2)
        assert 0.18 < dropped.mean() < 0.22
        np.testing.assert_array_equal(layer(x).numpy(), x.numpy())


def test_rates_at_a_constraint_on_another_rate():
    labels = np.array([1, 1, 1, 0, 0, 0], np.float32)
    scores = np.array([0.9, 0.6, 0.3, 0.7, 0.2, 0.1], np.float32)
    # thresholds 0, 0.25, 0.5, 0.75, 1 (num_thresholds=5); positive when score > threshold
    metric = keras.metrics.PrecisionAtRecall(recall=0.6, num_thresholds=5)
    metric.update_state(labels, scores)
    assert metric.result() == pytest.approx(3 / 4)       # at 0.25: tp 3, fp 1, recall 1
    sensitivity = keras.metrics.SensitivityAtSpecificity(specificity=1.0, num_thresholds=5)
    sensitivity.update_state(labels, scores)
    assert sensitivity.result() == pytest.approx(1 / 3)  # at 0.75: only 0.9 is positive
    with pytest.raises(ValueError, match="must be in"):
        keras.metrics.RecallAtPrecision(precision=1.5)
