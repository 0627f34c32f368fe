"""Metric, initializer and constraint configs read both ways with Keras 3.15 (found by
rebuilding each object from the other framework's get_config())."""
import numpy as np
import pytest

import tenseur as tf
from tenseur import keras


def test_count_metrics_write_only_what_keras_takes():
    """Keras 3's TruePositives(thresholds, name, dtype) refused tenseur's top_k/class_id."""
    for cls in (keras.metrics.TruePositives, keras.metrics.FalsePositives,
                keras.metrics.TrueNegatives, keras.metrics.FalseNegatives):
        assert set(cls().get_config()) == {"name", "dtype", "thresholds"}
        assert cls(top_k=2).get_config()["top_k"] == 2          # tenseur's extension kept


def test_crossentropy_metrics_read_keras3_configs():
    config = {"name": "categorical_crossentropy", "dtype": "float32", "from_logits": False,
              "label_smoothing": 0, "axis": -1}
    assert keras.metrics.CategoricalCrossentropy.from_config(config).get_config()["axis"] == -1
    sparse = keras.metrics.SparseCategoricalCrossentropy.from_config(
        {"name": "scce", "dtype": "float32", "from_logits": False, "ignore_class": None,
         "axis": -1})
    sparse.update_state([0, 1], [[0.9, 0.1], [0.2, 0.8]])
    np.testing.assert_allclose(sparse.result(), -np.log([0.9, 0.8]).mean(), rtol=1e-6)


def test_variance_scaling_takes_keras_fan_axes_when_unset():
    for cls in (keras.initializers.GlorotUniform, keras.initializers.VarianceScaling):
        init = cls.from_config({"seed": None, "input_axes": None, "output_axes": None})
        assert "input_axes" not in init.get_config()           # readable by older Keras too
    with pytest.raises(NotImplementedError, match="input_axes"):
        keras.initializers.HeNormal(input_axes=[0])


def test_min_max_norm_constraint():
    w = np.random.RandomState(0).randn(4, 3).astype(np.float32) * 2
    constraint = keras.constraints.MinMaxNorm(min_value=1.0, max_value=2.0, rate=0.5, axis=1)
    with tf.Session() as sess:
        got = sess.run(constraint(tf.constant(w)))
    norms = np.sqrt((w * w).sum(axis=1, keepdims=True))
    desired = 0.5 * np.clip(norms, 1.0, 2.0) + 0.5 * norms
    np.testing.assert_allclose(got, w * desired / (1e-7 + norms), rtol=1e-6)
    again = keras.constraints.MinMaxNorm.from_config(constraint.get_config())
    assert again.get_config() == constraint.get_config()
    assert isinstance(keras.constraints.get("min_max_norm"), keras.constraints.MinMaxNorm)
