"""Activation layers (ReLU, LeakyReLU, PReLU, ELU, Softmax) and the regularisation layers
(ActivityRegularization, GaussianNoise, GaussianDropout, SpatialDropout)."""
import numpy as np
import pytest

from tenseur import keras
from tenseur.keras import layers

from .layer_test_utils import run_layer_test


def test_relu_with_cap_slope_and_threshold():
    result = run_layer_test(layers.ReLU, {"max_value": 1.0, "negative_slope": 0.1, "threshold": 0.5},
                            (3, 4), (None, 4), 0)
    x = result.inputs[0]
    expected = np.where(x >= 1.0, 1.0, np.where(x >= 0.5, x, 0.1 * (x - 0.5)))
    np.testing.assert_allclose(result.output, expected, rtol=1e-6)
    with pytest.raises(ValueError, match="ReLU: `negative_slope` must be a number >= 0.0, got negative_slope=-1"):
        layers.ReLU(negative_slope=-1)


def test_leaky_relu_keras3_default_and_keras2_alpha():
    result = run_layer_test(layers.LeakyReLU, {}, (3, 4), (None, 4), 0)
    x = result.inputs[0]
    np.testing.assert_allclose(result.output, np.where(x >= 0, x, 0.3 * x), rtol=1e-6)
    assert layers.LeakyReLU(alpha=0.1).get_config()["negative_slope"] == 0.1


def test_elu_and_softmax():
    result = run_layer_test(layers.ELU, {"alpha": 0.5}, (3, 4), (None, 4), 0)
    x = result.inputs[0]
    np.testing.assert_allclose(result.output, np.where(x > 0, x, 0.5 * np.expm1(x)), rtol=1e-5, atol=1e-7)
    result = run_layer_test(layers.Softmax, {"axis": 1}, (2, 3, 4), (None, 3, 4), 0)
    x = result.inputs[0]
    e = np.exp(x - x.max(1, keepdims=True))
    np.testing.assert_allclose(result.output, e / e.sum(1, keepdims=True), rtol=1e-5)


def test_prelu_learns_one_slope_per_channel_with_shared_axes():
    result = run_layer_test(layers.PReLU, {"shared_axes": [1, 2], "alpha_initializer": "ones"},
                            (2, 3, 4, 5), (None, 3, 4, 5), 1)
    assert result.layer.weights[0].shape.as_list() == [1, 1, 5]
    rng = np.random.default_rng(0)
    alpha = rng.uniform(0.1, 0.5, (1, 1, 5)).astype(np.float32)
    result.layer.set_weights([alpha])
    x = result.inputs[0]
    np.testing.assert_allclose(result.model.predict(x), np.where(x >= 0, x, alpha * x), rtol=1e-6)
    result = run_layer_test(layers.PReLU, {}, (2, 3), (None, 3), 1)
    np.testing.assert_allclose(result.output, np.maximum(result.inputs[0], 0))   # alpha starts at 0


def test_activity_regularization_adds_a_loss_and_passes_inputs_through():
    result = run_layer_test(layers.ActivityRegularization, {"l1": 0.1, "l2": 0.01}, (3, 4), (None, 4), 0)
    x = result.inputs[0]
    np.testing.assert_array_equal(result.output, x)
    (loss,) = result.layer.losses
    value = keras.backend.get_session().run(loss, {result.model.inputs[0]: x})
    # Divided by the batch size (3), as Keras 3 and tf.keras 2 do.
    np.testing.assert_allclose(value, (0.1 * np.abs(x).sum() + 0.01 * (x ** 2).sum()) / 3,
                               rtol=1e-5)


@pytest.mark.parametrize("layer_cls, kwargs", [(layers.GaussianNoise, {"stddev": 0.5, "seed": 1}),
                                               (layers.GaussianDropout, {"rate": 0.3, "seed": 1})])
def test_noise_layers_act_only_in_training(layer_cls, kwargs):
    result = run_layer_test(layer_cls, kwargs, (64, 32), (None, 32), 0)
    x = result.inputs[0]
    np.testing.assert_array_equal(result.output, x)                   # inference: identity
    session = keras.backend.get_session()
    noisy = session.run(result.model.outputs[0], {result.model.inputs[0]: x,
                                                  keras.backend.learning_phase(): True})
    if layer_cls is layers.GaussianNoise:
        assert abs(np.std(noisy - x) - 0.5) < 0.05
    else:
        ratio = noisy / x
        assert abs(ratio.mean() - 1) < 0.05 and abs(ratio.std() - np.sqrt(0.3 / 0.7)) < 0.05


def test_spatial_dropout_drops_whole_channels_in_training():
    result = run_layer_test(layers.SpatialDropout2D, {"rate": 0.5, "seed": 3}, (8, 4, 4, 16),
                            (None, 4, 4, 16), 0)
    x = np.ones((8, 4, 4, 16), np.float32)
    np.testing.assert_array_equal(result.model.predict(x), x)
    session = keras.backend.get_session()
    out = session.run(result.model.outputs[0], {result.model.inputs[0]: x,
                                                keras.backend.learning_phase(): True})
    per_channel = out.transpose(0, 3, 1, 2).reshape(8, 16, 16)
    assert set(np.unique(per_channel)) <= {0.0, 2.0}
    assert np.all(per_channel.min(-1) == per_channel.max(-1))         # a channel is all kept or all dropped
    assert 0.25 < (per_channel[..., 0] == 0).mean() < 0.75
    result = run_layer_test(layers.SpatialDropout1D, {"rate": 0.2}, (2, 5, 3), (None, 5, 3), 0)
    np.testing.assert_array_equal(result.output, result.inputs[0])
    with pytest.raises(ValueError, match=r"SpatialDropout2D: `data_format` must be"):
        layers.SpatialDropout2D(0.5, data_format="NHWC")
