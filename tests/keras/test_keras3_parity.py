"""Behaviours where tenseur.keras differed from Keras 3.15 (found by
benchmarks/keras_layer_parity.py, which compares ~500 layer, loss, metric and optimizer cases);
the expected numbers are Keras 3.15's own results on the same inputs."""
import numpy as np
import pytest

import tenseur as tf
from tenseur import keras


def run(t):
    with tf.Session() as sess:
        return sess.run(t)


def test_losses_and_metrics_compare_labels_n_with_predictions_n_by_1_row_by_row():
    y = np.array([0.0, 1.0, 1.0, 0.0])
    p = np.array([[0.1], [0.8], [0.6], [0.3]], np.float32)
    assert run(keras.losses.BinaryCrossentropy()(y, p)) == pytest.approx(0.29900116, rel=1e-5)
    assert run(keras.losses.MeanSquaredError()(y, p)) == pytest.approx(0.075, rel=1e-5)
    accuracy = keras.metrics.BinaryAccuracy()
    accuracy.update_state(y, p)
    assert accuracy.result() == pytest.approx(1.0)
    mse = keras.metrics.MeanSquaredError()
    mse.update_state(y, p)
    assert mse.result() == pytest.approx(0.075, rel=1e-5)


def test_precision_and_recall_at_top_k_count_every_top_k_prediction():
    y_true = np.array([[0, 1, 1], [1, 0, 0]], np.float32)
    y_pred = np.array([[0.3, 0.2, 0.1], [0.4, 0.2, 0.1]], np.float32)
    precision, recall = keras.metrics.Precision(top_k=2), keras.metrics.Recall(top_k=2)
    precision.update_state(y_true, y_pred)
    recall.update_state(y_true, y_pred)
    assert precision.result() == pytest.approx(0.5)
    assert recall.result() == pytest.approx(2 / 3)


def test_ignore_class_averages_over_the_other_labels():
    labels = np.array([0, 1, 2, 1])
    logits = np.array([[2.0, 0, 0], [0, 2, 0], [0, 0, 2], [1, 1, 1]], np.float32)
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=1)
    assert run(loss(labels, logits)) == pytest.approx(0.23954478, rel=1e-5)
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Dense(3, use_bias=False)(inputs))
    model.set_weights([np.eye(3, dtype=np.float32)])
    model.compile(loss=loss)
    assert model.evaluate(logits, labels, verbose=0) == pytest.approx(0.23954478, rel=1e-5)


def test_activity_regularization_is_divided_by_the_batch_size():
    inputs = keras.Input((2,))
    outputs = keras.layers.Dense(1, kernel_initializer="ones",
                                 activity_regularizer=keras.regularizers.l2(0.1))(inputs)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="sgd", loss="mse")
    # mse 4 + 0.1 * (4 * 2²) / 4
    assert model.evaluate(np.ones((4, 2), np.float32), np.zeros((4, 1), np.float32),
                          verbose=0) == pytest.approx(4.4, rel=1e-6)


X = np.array([-4.0, -1.0, 0.5, 1.0, 2.5, 7.0], np.float32)


@pytest.mark.parametrize("fn, expected", [
    (lambda x: keras.activations.relu(x, negative_slope=0.1, max_value=2.0, threshold=0.5),
     [-0.45, -0.15, 0.0, 1.0, 2.0, 2.0]),
    (lambda x: keras.activations.relu(x, negative_slope=0.1, max_value=2.0),
     [-0.4, -0.1, 0.5, 1.0, 2.0, 2.0]),
    (keras.activations.hard_sigmoid, [0.0, 1 / 3, 0.58333331, 2 / 3, 0.91666669, 1.0]),
    (keras.activations.get("relu6"), [0.0, 0.0, 0.5, 1.0, 2.5, 6.0]),
    (keras.activations.get("mish"),
     [-0.07259174, -0.3034015, 0.37524524, 0.8650984, 2.4713924, 6.999989]),
    (keras.activations.get("hard_silu"), [0.0, -1 / 3, 0.29166666, 2 / 3, 2.2916667, 7.0]),
])
def test_keras3_activations(fn, expected):
    np.testing.assert_allclose(run(fn(tf.constant(X))), expected, rtol=1e-5, atol=1e-7)


def test_softmax_over_several_axes_and_layer_norm_without_epsilon():
    x = np.random.default_rng(0).normal(size=(2, 3, 4)).astype(np.float32)
    inputs = keras.Input((3, 4))
    out = keras.Model(inputs, keras.layers.Softmax(axis=[1, 2])(inputs)).predict(x, verbose=0)
    expected = np.exp(x) / np.exp(x).sum(axis=(1, 2), keepdims=True)
    np.testing.assert_allclose(out, expected, rtol=1e-5)
    norm = keras.Model(inputs, keras.layers.LayerNormalization(epsilon=0.0)(inputs))
    out = norm.predict(x, verbose=0)
    expected = (x - x.mean(-1, keepdims=True)) / x.std(-1, keepdims=True)
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-5)
