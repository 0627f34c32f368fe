"""Keras losses and metrics against NumPy formulas; reductions and sample weights; metrics
accumulated over batches equal the metric of the whole data; to_categorical."""
import numpy as np
import pytest

import tenseur as tf
from tenseur import keras
from tenseur.keras import losses, metrics

EPS = 1e-7
RNG = np.random.default_rng(0)
PROBS = RNG.dirichlet(np.ones(4), size=6).astype(np.float32)          # rows sum to 1
ONE_HOT = np.eye(4, dtype=np.float32)[RNG.integers(0, 4, size=6)]
LABELS = ONE_HOT.argmax(axis=1)
BINARY_TRUE = RNG.integers(0, 2, size=(6, 3)).astype(np.float32)
BINARY_PRED = RNG.uniform(0.05, 0.95, size=(6, 3)).astype(np.float32)
REG_TRUE = RNG.normal(size=(6, 3)).astype(np.float32)
REG_PRED = RNG.normal(size=(6, 3)).astype(np.float32)
POSITIVE_TRUE = RNG.uniform(0.1, 2.0, size=(6, 3)).astype(np.float32)
POSITIVE_PRED = RNG.uniform(0.1, 2.0, size=(6, 3)).astype(np.float32)


def evaluate(tensor):
    with tf.Session() as session:
        return session.run(tensor)


def unit(x):
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


LOSS_CASES = [
    ("mean_squared_error", REG_TRUE, REG_PRED, lambda t, p: np.mean((p - t) ** 2, -1)),
    ("mse", REG_TRUE, REG_PRED, lambda t, p: np.mean((p - t) ** 2, -1)),
    ("mean_absolute_error", REG_TRUE, REG_PRED, lambda t, p: np.mean(np.abs(p - t), -1)),
    ("mae", REG_TRUE, REG_PRED, lambda t, p: np.mean(np.abs(p - t), -1)),
    ("mape", POSITIVE_TRUE, POSITIVE_PRED,
     lambda t, p: 100 * np.mean(np.abs((t - p) / t), -1)),
    ("msle", POSITIVE_TRUE, POSITIVE_PRED,
     lambda t, p: np.mean((np.log1p(p) - np.log1p(t)) ** 2, -1)),
    ("huber", REG_TRUE, REG_PRED,
     lambda t, p: np.mean(np.where(np.abs(p - t) <= 1, 0.5 * (p - t) ** 2,
                                   np.abs(p - t) - 0.5), -1)),
    ("log_cosh", REG_TRUE, REG_PRED, lambda t, p: np.mean(np.log(np.cosh(p - t)), -1)),
    ("binary_crossentropy", BINARY_TRUE, BINARY_PRED,
     lambda t, p: -np.mean(t * np.log(p) + (1 - t) * np.log(1 - p), -1)),
    ("categorical_crossentropy", ONE_HOT, PROBS, lambda t, p: -np.sum(t * np.log(p), -1)),
    ("sparse_categorical_crossentropy", LABELS, PROBS,
     lambda t, p: -np.log(p[np.arange(len(t)), t.astype(int)])),
    ("kl_divergence", PROBS[::-1].copy(), PROBS,
     lambda t, p: np.sum(t * np.log(t / p), -1)),
    ("poisson", POSITIVE_TRUE, POSITIVE_PRED, lambda t, p: np.mean(p - t * np.log(p + EPS), -1)),
    ("hinge", BINARY_TRUE, REG_PRED,
     lambda t, p: np.mean(np.maximum(1 - (2 * t - 1) * p, 0), -1)),
    ("squared_hinge", BINARY_TRUE, REG_PRED,
     lambda t, p: np.mean(np.maximum(1 - (2 * t - 1) * p, 0) ** 2, -1)),
    ("categorical_hinge", ONE_HOT, REG_PRED[:, :1] + PROBS,
     lambda t, p: np.maximum(np.max((1 - t) * p, -1) - np.sum(t * p, -1) + 1, 0)),
    ("cosine_similarity", REG_TRUE, REG_PRED,
     lambda t, p: -np.sum(unit(t) * unit(p), -1)),
]


@pytest.mark.parametrize("name,y_true,y_pred,reference", LOSS_CASES,
                         ids=[c[0] for c in LOSS_CASES])
def test_loss_functions_match_numpy(name, y_true, y_pred, reference):
    got = evaluate(losses.get(name)(y_true, y_pred))
    np.testing.assert_allclose(got, reference(y_true.astype(np.float64),
                                              y_pred.astype(np.float64)), rtol=1e-5, atol=1e-6)


def test_hinge_keeps_minus_one_plus_one_labels():
    signs = 2 * BINARY_TRUE - 1
    got = evaluate(losses.hinge(signs, REG_PRED))
    np.testing.assert_allclose(got, np.mean(np.maximum(1 - signs * REG_PRED, 0), -1), rtol=1e-6)


def test_cross_entropies_from_logits_and_through_softmax_or_sigmoid_are_stable():
    logits = np.array([[60.0, -40.0, 0.0], [-3.0, 2.0, 0.5]], np.float32)
    one_hot = np.array([[0, 1, 0], [0, 1, 0]], np.float32)
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_softmax = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    exact = -np.sum(one_hot * log_softmax, axis=1)                 # 100.0 for the first row
    from_logits = evaluate(losses.categorical_crossentropy(one_hot, logits, from_logits=True))
    np.testing.assert_allclose(from_logits, exact, rtol=1e-5)
    through_softmax = evaluate(losses.categorical_crossentropy(one_hot, tf.nn.softmax(logits)))
    np.testing.assert_allclose(through_softmax, exact, rtol=1e-5)   # not clipped to 16.1
    sparse = evaluate(losses.SparseCategoricalCrossentropy(from_logits=True, reduction="none")(
        np.array([1, 1]), logits))
    np.testing.assert_allclose(sparse, exact, rtol=1e-5)
    # Probabilities not produced by a softmax op are clipped to [1e-7, 1 - 1e-7], as Keras.
    clipped = evaluate(losses.categorical_crossentropy(one_hot, np.array(
        [[1.0, 0.0, 0.0], [0.2, 0.5, 0.3]], np.float32)))
    np.testing.assert_allclose(clipped, [-np.log(EPS), -np.log(0.5)], rtol=1e-4)
    binary_logits = np.array([[30.0, -30.0]], np.float32)
    bce = evaluate(losses.binary_crossentropy(np.array([[0.0, 1.0]], np.float32),
                                              tf.sigmoid(binary_logits)))
    np.testing.assert_allclose(bce, [30.0], rtol=1e-5)


def test_loss_classes_reductions_and_sample_weights():
    per_sample = np.mean((REG_PRED - REG_TRUE) ** 2, axis=-1)
    weights = np.array([1, 0, 2, 0.5, 1, 3], np.float32)
    mse = losses.MeanSquaredError()
    assert evaluate(mse(REG_TRUE, REG_PRED)) == pytest.approx(per_sample.mean(), rel=1e-5)
    # sum_over_batch_size divides the weighted sum by the number of samples (Keras 2 and 3).
    assert evaluate(mse(REG_TRUE, REG_PRED, sample_weight=weights)) == \
        pytest.approx((per_sample * weights).sum() / 6, rel=1e-5)
    assert evaluate(losses.MeanSquaredError(reduction="sum")(REG_TRUE, REG_PRED)) == \
        pytest.approx(per_sample.sum(), rel=1e-5)
    np.testing.assert_allclose(evaluate(losses.MeanSquaredError(reduction="none")(
        REG_TRUE, REG_PRED, sample_weight=weights)), per_sample * weights, rtol=1e-5)
    smoothed = losses.CategoricalCrossentropy(label_smoothing=0.2)
    target = ONE_HOT * 0.8 + 0.2 / 4
    assert evaluate(smoothed(ONE_HOT, PROBS)) == \
        pytest.approx(np.mean(-np.sum(target * np.log(PROBS), -1)), rel=1e-5)
    assert evaluate(losses.Huber(delta=0.5)(REG_TRUE, REG_PRED)) == pytest.approx(np.mean(
        np.where(np.abs(REG_PRED - REG_TRUE) <= 0.5, 0.5 * (REG_PRED - REG_TRUE) ** 2,
                 0.5 * np.abs(REG_PRED - REG_TRUE) - 0.125)), rel=1e-5)
    with pytest.raises(ValueError, match="Unknown loss: 'msee'"):
        losses.get("msee")
    with pytest.raises(ValueError, match="reduction"):
        losses.MeanSquaredError(reduction="average")


def test_accuracy_metrics_match_numpy():
    scores = RNG.normal(size=(8, 5)).astype(np.float32)
    labels = RNG.integers(0, 5, size=8)
    one_hot = np.eye(5, dtype=np.float32)[labels]
    argmax_match = (scores.argmax(1) == labels).mean()
    top3 = np.mean([label in np.argsort(-row)[:3] for row, label in zip(scores, labels)])
    cases = [(metrics.CategoricalAccuracy(), one_hot, argmax_match),
             (metrics.SparseCategoricalAccuracy(), labels, argmax_match),
             (metrics.SparseCategoricalAccuracy(), labels[:, None], argmax_match),
             (metrics.TopKCategoricalAccuracy(k=3), one_hot, top3),
             (metrics.SparseTopKCategoricalAccuracy(k=3), labels, top3)]
    for metric, y_true, expected in cases:
        metric.update_state(y_true, scores)
        assert metric.result() == pytest.approx(expected), metric.name
    binary = metrics.BinaryAccuracy(threshold=0.3)
    binary.update_state(BINARY_TRUE, BINARY_PRED)
    assert binary.result() == pytest.approx(np.mean(BINARY_TRUE == (BINARY_PRED > 0.3)))
    exact = metrics.Accuracy()
    assert exact([1, 2, 3, 4], [1, 2, 0, 4]) == pytest.approx(0.75)


def test_regression_and_mean_metrics_with_weights():
    weights = np.array([1, 0, 2, 0.5, 1, 3], np.float32)
    mse = metrics.MeanSquaredError()
    mse.update_state(REG_TRUE, REG_PRED, sample_weight=weights)
    per_sample = np.mean((REG_PRED - REG_TRUE) ** 2, -1)
    # A weighted metric is sum(w * value) / sum(w) (unlike a loss, which divides by n).
    assert mse.result() == pytest.approx((per_sample * weights).sum() / weights.sum(), rel=1e-5)
    mae = metrics.MeanAbsoluteError()
    mae.update_state(REG_TRUE, REG_PRED)
    assert mae.result() == pytest.approx(np.mean(np.abs(REG_PRED - REG_TRUE)), rel=1e-5)
    rmse = metrics.RootMeanSquaredError()
    rmse.update_state(REG_TRUE, REG_PRED)
    assert rmse.result() == pytest.approx(np.sqrt(np.mean((REG_PRED - REG_TRUE) ** 2)), rel=1e-5)
    mean = metrics.Mean()
    mean.update_state([1.0, 2.0, 3.0], sample_weight=[1.0, 0.0, 1.0])
    mean.update_state([10.0])
    assert mean.result() == pytest.approx((1 + 3 + 10) / 3)
    mean.reset_state()
    assert mean.result() == 0.0


def test_precision_recall_and_auc():
    labels = RNG.integers(0, 2, size=400)
    scores = np.clip(0.35 * labels + RNG.uniform(0, 0.65, size=400), 0, 1).astype(np.float32)
    predicted = scores > 0.5
    precision, recall = metrics.Precision(), metrics.Recall()
    precision.update_state(labels, scores)
    recall.update_state(labels, scores)
    assert precision.result() == pytest.approx((predicted & (labels == 1)).sum() / predicted.sum())
    assert recall.result() == pytest.approx((predicted & (labels == 1)).sum() / (labels == 1).sum())
    several = metrics.Precision(thresholds=[0.3, 0.7])
    several.update_state(labels, scores)
    assert several.result() == pytest.approx(
        [((scores > t) & (labels == 1)).sum() / (scores > t).sum() for t in (0.3, 0.7)])
    positives, negatives = scores[labels == 1], scores[labels == 0]
    exact_auc = np.mean(positives[:, None] > negatives[None, :])
    auc = metrics.AUC()
    for part in np.array_split(np.arange(400), 7):       # accumulated over batches
        auc.update_state(labels[part], scores[part])
    assert auc.result() == pytest.approx(exact_auc, abs=5e-3)
    pr = metrics.AUC(curve="PR")
    pr.update_state(labels, scores)
    order = np.argsort(-scores)
    hits = labels[order] == 1
    average_precision = np.sum(np.cumsum(hits)[hits] / (np.flatnonzero(hits) + 1)) / hits.sum()
    assert pr.result() == pytest.approx(average_precision, abs=0.02)
    logits_auc = metrics.AUC(from_logits=True)
    logits_auc.update_state(labels, np.log(scores + 1e-3) - np.log(1 - scores + 1e-3))
    assert logits_auc.result() == pytest.approx(exact_auc, abs=5e-3)


def test_metric_over_batches_equals_metric_over_all_data():
    scores = RNG.normal(size=(50, 4)).astype(np.float32)
    labels = RNG.integers(0, 4, size=50)
    whole = metrics.SparseCategoricalAccuracy()
    whole.update_state(labels, scores)
    batched = metrics.SparseCategoricalAccuracy()
    for start in range(0, 50, 16):                      # batches of 16, 16, 16, 2
        batched.update_state(labels[start:start + 16], scores[start:start + 16])
    assert batched.result() == pytest.approx(whole.result())
    assert whole.result() == pytest.approx((scores.argmax(1) == labels).mean())


def test_metric_lookup_and_config():
    assert metrics.get("mae") is metrics.mean_absolute_error
    assert isinstance(metrics.get("auc"), metrics.AUC)
    with pytest.raises(ValueError, match="Unknown metric: 'acuracy'"):
        metrics.get("acuracy")
    top = metrics.TopKCategoricalAccuracy(k=2, name="top2")
    clone = metrics.deserialize(metrics.serialize(top))
    assert isinstance(clone, metrics.TopKCategoricalAccuracy) and clone.name == "top2"
    assert clone.get_config()["k"] == 2


def test_to_categorical():
    np.testing.assert_array_equal(keras.utils.to_categorical([0, 2, 1], num_classes=4),
                                  np.eye(4, dtype=np.float32)[[0, 2, 1]])
    column = keras.utils.to_categorical(np.array([[1], [0]]))
    assert column.shape == (2, 2) and column.dtype == np.float32
    assert keras.utils.to_categorical([[0, 1], [1, 1]]).shape == (2, 2, 2)
    with pytest.raises(ValueError, match="out of range for num_classes=2"):
        keras.utils.to_categorical([0, 2], num_classes=2)
    with pytest.raises(ValueError, match="integer class indices"):
        keras.utils.to_categorical([0.5, 1.0])



def test_a_metric_on_graph_tensors_returns_its_update_op():
    # TF 1.x graph mode: update_state on tensors builds an op merging each batch when run.
    y_true = np.array([1, 2, 0, 1])
    logits = np.array([[0, 1, 0], [1, 0, 0], [1, 0, 0], [0, 0, 1]], np.float32)
    metric = keras.metrics.SparseCategoricalAccuracy()
    with tf.Graph().as_default():
        y_pred = tf.placeholder(tf.float32, [None, 3])
        update = metric.update_state(y_true[:2], y_pred)
        result = metric(y_true[2:], y_pred)             # update, then a result tensor
        with tf.Session() as sess:
            assert metric.result() == 0.0               # nothing merged while building
            sess.run(update, {y_pred: logits[:2]})      # 1 of 2 right
            assert metric.result() == 0.5
            assert sess.run(result, {y_pred: logits[2:]}) == np.float32(0.5)   # 2 of 4


def test_a_metric_updated_inside_a_tf_function_matches_one_updated_outside():
    rng = np.random.default_rng(3)
    batches = [(rng.integers(0, 3, 16), rng.standard_normal((16, 3)).astype(np.float32))
               for _ in range(4)]
    inside, outside = keras.metrics.SparseCategoricalAccuracy(), keras.metrics.Mean()
    reference = keras.metrics.SparseCategoricalAccuracy()
    with tf.eager_mode():
        @tf.function
        def step(labels, logits):
            inside.update_state(labels, logits)
            outside.update_state(tf.reduce_sum(logits))
            return logits

        for labels, logits in batches:
            step(labels, logits)
            reference.update_state(labels, logits)
    assert inside.result() == reference.result() and 0 < inside.result() < 1
    np.testing.assert_allclose(outside.result(), np.mean([l.sum() for _, l in batches]),
                               rtol=1e-6)


def test_a_metric_result_read_inside_a_tf_function_follows_its_updates():
    metric = keras.metrics.Mean()
    with tf.eager_mode():
        @tf.function
        def step(value):
            metric.update_state(value)
            return metric.result()          # a tensor read when the function runs

        assert [float(step(np.float32(v))) for v in (2, 4, 9)] == [2.0, 3.0, 5.0]
        metric.reset_state()
        assert float(step(np.float32(1))) == 1.0
    assert metric.result() == 1.0           # outside: the Python number


def test_metrics_survive_a_deep_copy_and_pickling():
    import copy
    import pickle
    metric = keras.metrics.SparseCategoricalAccuracy()
    metric.update_state([1], [[0.1, 0.9]])
    for clone in (copy.deepcopy(metric), pickle.loads(pickle.dumps(metric))):
        assert clone.result() == 1.0
        clone.update_state([0], [[0.1, 0.9]])          # its own state, its own evaluators
        assert clone.result() == 0.5 and metric.result() == 1.0
