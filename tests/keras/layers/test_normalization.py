"""BatchNormalization (batch statistics in training, moving ones at inference, the moving
average update, freezing) and LayerNormalization, against the formulas in NumPy."""
import numpy as np
import pytest

from tenseur import keras
from tenseur.keras import layers

from .layer_test_utils import run_layer_test

EPS = 1e-3


def _random_bn_weights(rng, channels):
    gamma = rng.uniform(0.5, 1.5, channels).astype(np.float32)
    beta = rng.normal(size=channels).astype(np.float32)
    mean = rng.normal(size=channels).astype(np.float32)
    variance = rng.uniform(0.5, 2.0, channels).astype(np.float32)
    return [gamma, beta, mean, variance]


def test_batch_normalization_weights_in_keras_order_and_defaults():
    result = run_layer_test(layers.BatchNormalization, {}, (4, 3, 5), (None, 3, 5), 4,
                            expected_num_trainable=2)
    layer = result.layer
    assert [w.name for w in layer.weights] == [
        "batch_normalization/gamma:0", "batch_normalization/beta:0",
        "batch_normalization/moving_mean:0", "batch_normalization/moving_variance:0"]
    assert [w.name for w in layer.non_trainable_weights] == [
        "batch_normalization/moving_mean:0", "batch_normalization/moving_variance:0"]
    config = layer.get_config()
    assert (config["momentum"], config["epsilon"], config["axis"]) == (0.99, 1e-3, -1)
    # Fresh layer, inference: moving mean 0, variance 1, gamma 1, beta 0.
    np.testing.assert_allclose(result.output, result.inputs[0] / np.sqrt(1 + EPS), rtol=1e-5)


def test_batch_normalization_inference_uses_the_moving_statistics():
    rng = np.random.default_rng(1)
    x = keras.Input(shape=(6, 6, 3))
    layer = layers.BatchNormalization()
    model = keras.Model(x, layer(x))
    gamma, beta, mean, variance = weights = _random_bn_weights(rng, 3)
    layer.set_weights(weights)
    data = rng.normal(size=(2, 6, 6, 3)).astype(np.float32)
    expected = gamma * (data - mean) / np.sqrt(variance + EPS) + beta
    np.testing.assert_allclose(model.predict(data), expected, rtol=1e-5, atol=1e-5)


def test_batch_normalization_training_uses_batch_statistics_and_updates_run_separately():
    rng = np.random.default_rng(2)
    x = keras.Input(shape=(4,))
    layer = layers.BatchNormalization(momentum=0.9)
    y = layer(x)
    gamma, beta, mean, variance = weights = _random_bn_weights(rng, 4)
    layer.set_weights(weights)
    data = rng.normal(2.0, 3.0, size=(16, 4)).astype(np.float32)
    session = keras.backend.get_session()
    phase = keras.backend.learning_phase()
    batch_mean, batch_var = data.mean(0), data.var(0)
    trained = session.run(y, {x: data, phase: True})
    np.testing.assert_allclose(trained, gamma * (data - batch_mean) / np.sqrt(batch_var + EPS) + beta,
                               rtol=1e-4, atol=1e-4)
    # Computing outputs does not move the statistics; running the update ops does.
    np.testing.assert_array_equal(layer.get_weights()[2], mean)
    assert len(layer.updates) == 2
    session.run(layer.updates, {x: data})
    new_mean = mean * 0.9 + batch_mean * 0.1
    new_var = variance * 0.9 + batch_var * 0.1
    np.testing.assert_allclose(layer.get_weights()[2], new_mean, rtol=1e-5)
    np.testing.assert_allclose(layer.get_weights()[3], new_var, rtol=1e-5)
    inferred = session.run(y, {x: data})
    np.testing.assert_allclose(inferred, gamma * (data - new_mean) / np.sqrt(new_var + EPS) + beta,
                               rtol=1e-4, atol=1e-4)


def test_batch_normalization_moving_statistics_converge_to_the_data():
    rng = np.random.default_rng(3)
    x = keras.Input(shape=(2, 2, 3))
    layer = layers.BatchNormalization(momentum=0.5)
    model = keras.Model(x, layer(x))
    data = rng.normal(5.0, 2.0, size=(64, 2, 2, 3)).astype(np.float32)
    session = keras.backend.get_session()
    for _ in range(30):
        session.run(model.updates, {x: data})
    np.testing.assert_allclose(layer.get_weights()[2], data.mean((0, 1, 2)), rtol=1e-4)
    np.testing.assert_allclose(layer.get_weights()[3], data.var((0, 1, 2)), rtol=1e-4)


def test_batch_normalization_channels_first_axis():
    rng = np.random.default_rng(4)
    result = run_layer_test(layers.BatchNormalization, {"axis": 1, "momentum": 0.9},
                            (2, 3, 4, 5), (None, 3, 4, 5), 4)
    assert result.layer.weights[0].shape.as_list() == [3]
    x = result.model.inputs[0]
    weights = _random_bn_weights(rng, 3)
    mean = weights[2]
    result.layer.set_weights(weights)
    data = result.inputs[0]
    shaped = [w.reshape(1, 3, 1, 1) for w in weights]
    expected = shaped[0] * (data - shaped[2]) / np.sqrt(shaped[3] + EPS) + shaped[1]
    np.testing.assert_allclose(result.model.predict(data), expected, rtol=1e-5, atol=1e-5)
    session = keras.backend.get_session()
    session.run(result.layer.updates, {x: data})
    np.testing.assert_allclose(result.layer.get_weights()[2],
                               mean * 0.9 + data.mean((0, 2, 3)) * 0.1, rtol=1e-5)


def test_frozen_batch_normalization_has_no_trainable_weights_and_runs_in_inference_mode():
    rng = np.random.default_rng(5)
    x = keras.Input(shape=(4,))
    layer = layers.BatchNormalization()
    y = layer(x)
    gamma, beta, mean, variance = weights = _random_bn_weights(rng, 4)
    layer.set_weights(weights)
    data = rng.normal(size=(8, 4)).astype(np.float32)
    session = keras.backend.get_session()
    phase = keras.backend.learning_phase()
    inference = gamma * (data - mean) / np.sqrt(variance + EPS) + beta
    assert not np.allclose(session.run(y, {x: data, phase: True}), inference, atol=1e-3)

    model = keras.Model(x, y)
    model.trainable = False      # freezing after the graph was built (transfer learning)
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 4
    assert model.trainable_weights == [] and model.updates == []
    np.testing.assert_allclose(session.run(y, {x: data, phase: True}), inference, rtol=1e-5, atol=1e-5)
    model.trainable = True
    assert len(model.trainable_weights) == 2 and len(model.updates) == 2

    frozen = layers.BatchNormalization(trainable=False)
    z = frozen(x, training=True)
    frozen.set_weights(weights)
    assert frozen.trainable_weights == []
    np.testing.assert_allclose(session.run(z, {x: data}), inference, rtol=1e-5, atol=1e-5)


def test_batch_normalization_without_center_and_scale():
    result = run_layer_test(layers.BatchNormalization, {"center": False, "scale": False},
                            (3, 4), (None, 4), 2, expected_num_trainable=0)
    assert [w.name for w in result.layer.weights] == [
        "batch_normalization/moving_mean:0", "batch_normalization/moving_variance:0"]


def test_batch_normalization_argument_errors():
    with pytest.raises(ValueError, match="BatchNormalization: `momentum` must be a number in \\[0, 1\\], got momentum=1.5"):
        layers.BatchNormalization(momentum=1.5)
    with pytest.raises(ValueError, match="BatchNormalization: `epsilon` must be a number >= 0"):
        layers.BatchNormalization(epsilon=-1e-3)
    layers.BatchNormalization(epsilon=0)          # allowed, as in Keras 3
    with pytest.raises(ValueError, match=r"BatchNormalization 'batch_normalization_3': axis=3 is not an "
                                         r"axis after the batch of inputs of shape \(None, 4\)"):
        layers.BatchNormalization(axis=3)(keras.Input(shape=(4,)))


def test_layer_normalization_normalizes_each_example():
    result = run_layer_test(layers.LayerNormalization, {}, (3, 5, 6), (None, 5, 6), 2)
    assert [w.name for w in result.layer.weights] == ["layer_normalization/gamma:0",
                                                      "layer_normalization/beta:0"]
    data = result.inputs[0]
    expected = (data - data.mean(-1, keepdims=True)) / np.sqrt(data.var(-1, keepdims=True) + EPS)
    np.testing.assert_allclose(result.output, expected, rtol=1e-4, atol=1e-5)


def test_layer_normalization_over_several_axes_with_weights():
    rng = np.random.default_rng(6)
    result = run_layer_test(layers.LayerNormalization, {"axis": [1, 2], "epsilon": 1e-5},
                            (2, 3, 4), (None, 3, 4), 2)
    gamma, beta = rng.normal(size=(3, 4)).astype(np.float32), rng.normal(size=(3, 4)).astype(np.float32)
    result.layer.set_weights([gamma, beta])
    data = result.inputs[0]
    mean = data.mean((1, 2), keepdims=True)
    variance = data.var((1, 2), keepdims=True)
    np.testing.assert_allclose(result.model.predict(data),
                               gamma * (data - mean) / np.sqrt(variance + 1e-5) + beta,
                               rtol=1e-4, atol=1e-5)


def test_layer_normalization_rms_scaling_is_keras_3s():
    """Keras 3.15 divides by sqrt(variance + eps) (and warns that this is not the RMS); for
    [1, 2, 3, 6] it gives [0.535, 1.069, 1.604, 3.207]."""
    with pytest.warns(DeprecationWarning, match="rms_scaling"):
        result = run_layer_test(layers.LayerNormalization, {"rms_scaling": True}, (3, 4),
                                (None, 4), 1)
    data = result.inputs[0]
    np.testing.assert_allclose(result.output, data / np.sqrt(data.var(-1, keepdims=True) + EPS),
                               rtol=1e-5)
    inputs = keras.Input((4,))
    with pytest.warns(DeprecationWarning):
        model = keras.Model(inputs, layers.LayerNormalization(rms_scaling=True,
                                                              epsilon=0.0)(inputs))
    np.testing.assert_allclose(model.predict(np.array([[1.0, 2, 3, 6]], np.float32), verbose=0),
                               [[0.5345225, 1.069045, 1.6035675, 3.20713]], rtol=1e-5)


def test_updates_of_a_model_called_on_new_inputs_need_only_those_inputs():
    x = keras.Input(shape=(3,))
    base = keras.Model(x, layers.BatchNormalization()(layers.Dense(4)(x)))
    new_input = keras.Input(shape=(3,))
    model = keras.Model(new_input, layers.Dense(1)(base(new_input)))
    session = keras.backend.get_session()
    session.run(model.updates, {new_input: np.ones((2, 3), np.float32)})
