"""Convolution layers against direct loops over output pixels and kernel taps (NumPy)."""
import numpy as np
import pytest

from tenseur import keras
from tenseur.keras import layers

from .layer_test_utils import run_layer_test


def _same_padding(size, kernel, stride, dilation=1):
    """TF's SAME padding (before, after): the odd pixel goes after."""
    dilated = (kernel - 1) * dilation + 1
    out = -(-size // stride)
    total = max((out - 1) * stride + dilated - size, 0)
    return total // 2, total - total // 2


def conv2d_reference(x, kernel, strides=(1, 1), padding="valid", dilation=(1, 1)):
    """x (n, h, w, c), kernel (kh, kw, c, f): a loop over output pixels and taps."""
    kh, kw, _, filters = kernel.shape
    if padding == "same":
        x = np.pad(x, ((0, 0), _same_padding(x.shape[1], kh, strides[0], dilation[0]),
                       _same_padding(x.shape[2], kw, strides[1], dilation[1]), (0, 0)))
    out_h = (x.shape[1] - (kh - 1) * dilation[0] - 1) // strides[0] + 1
    out_w = (x.shape[2] - (kw - 1) * dilation[1] - 1) // strides[1] + 1
    out = np.zeros((x.shape[0], out_h, out_w, filters))
    for i in range(out_h):
        for j in range(out_w):
            for a in range(kh):
                for b in range(kw):
                    pixel = x[:, i * strides[0] + a * dilation[0], j * strides[1] + b * dilation[1], :]
                    out[:, i, j, :] += pixel @ kernel[a, b]
    return out


def depthwise_reference(x, kernel, strides=(1, 1), padding="valid", dilation=(1, 1)):
    """kernel (kh, kw, c, m): channel c convolved with its m filters → channel c*m + q."""
    channels, multiplier = kernel.shape[2:]
    outs = []
    for c in range(channels):
        for q in range(multiplier):
            outs.append(conv2d_reference(x[..., c:c + 1], kernel[:, :, c:c + 1, q:q + 1],
                                         strides, padding, dilation))
    return np.concatenate(outs, axis=-1)


def conv2d_transpose_reference(x, kernel, strides, padding, out_size):
    """kernel (kh, kw, f, c): each input pixel scatters x·kernelᵀ into a stride-spaced window."""
    n, h, w, _ = x.shape
    kh, kw, filters, _ = kernel.shape
    full = np.zeros((n, (h - 1) * strides[0] + kh + out_size[0], (w - 1) * strides[1] + kw + out_size[1],
                     filters))
    for i in range(h):
        for j in range(w):
            for a in range(kh):
                for b in range(kw):
                    full[:, i * strides[0] + a, j * strides[1] + b, :] += x[:, i, j, :] @ kernel[a, b].T
    top = _same_padding(out_size[0], kh, strides[0])[0] if padding == "same" else 0
    left = _same_padding(out_size[1], kw, strides[1])[0] if padding == "same" else 0
    return full[:, top:top + out_size[0], left:left + out_size[1], :]


# (input shape, kwargs, expected spatial output): odd sizes, both paddings, strides, dilation.
CONV2D_CASES = [
    ((2, 7, 9, 3), {"kernel_size": 3}, (5, 7)),
    ((2, 7, 9, 3), {"kernel_size": 3, "strides": 2}, (3, 4)),
    ((2, 7, 9, 3), {"kernel_size": 3, "strides": 2, "padding": "same"}, (4, 5)),
    ((2, 8, 6, 2), {"kernel_size": (2, 3), "strides": (3, 1), "padding": "same"}, (3, 6)),
    ((2, 9, 7, 2), {"kernel_size": 3, "dilation_rate": 2}, (5, 3)),
    ((2, 9, 7, 2), {"kernel_size": 3, "dilation_rate": (2, 1), "padding": "same"}, (9, 7)),
]


@pytest.mark.parametrize("input_shape, kwargs, spatial", CONV2D_CASES)
def test_conv2d_matches_a_direct_loop_with_keras_output_sizes(input_shape, kwargs, spatial):
    result = run_layer_test(layers.Conv2D, {"filters": 4, **kwargs}, input_shape,
                            (None, *spatial, 4), 2)
    kernel, bias = result.weights
    expected = conv2d_reference(result.inputs[0], kernel, result.layer.strides,
                                result.layer.padding, result.layer.dilation_rate) + bias
    np.testing.assert_allclose(result.output, expected, rtol=1e-4, atol=1e-5)


def test_conv2d_weights_defaults_and_config():
    result = run_layer_test(layers.Conv2D, {"filters": 5, "kernel_size": 3, "activation": "relu"},
                            (2, 6, 6, 3), (None, 4, 4, 5), 2)
    layer = result.layer
    assert [w.name for w in layer.weights] == ["conv2d/kernel:0", "conv2d/bias:0"]
    assert layer.weights[0].shape.as_list() == [3, 3, 3, 5]            # HWIO
    config = layer.get_config()
    assert config["padding"] == "valid" and config["strides"] == [1, 1]
    assert config["kernel_initializer"]["class_name"] == "GlorotUniform"
    assert config["data_format"] == "channels_last" and config["groups"] == 1
    kernel, bias = result.weights
    np.testing.assert_allclose(result.output,
                               np.maximum(conv2d_reference(result.inputs[0], kernel) + bias, 0),
                               rtol=1e-4, atol=1e-5)


def test_conv2d_channels_first_and_without_bias():
    result = run_layer_test(layers.Conv2D, {"filters": 2, "kernel_size": 3, "strides": 2,
                                            "padding": "same", "data_format": "channels_first",
                                            "use_bias": False},
                            (2, 3, 7, 5), (None, 2, 4, 3), 1)
    (kernel,) = result.weights
    nhwc = np.transpose(result.inputs[0], (0, 2, 3, 1))
    expected = conv2d_reference(nhwc, kernel, (2, 2), "same")
    np.testing.assert_allclose(result.output, np.transpose(expected, (0, 3, 1, 2)), rtol=1e-4, atol=1e-5)


def test_conv2d_argument_and_shape_errors():
    with pytest.raises(ValueError, match="Conv2D: `filters` must be a positive integer, got filters=0"):
        layers.Conv2D(0, 3)
    with pytest.raises(ValueError, match=r"Conv2D: `kernel_size` must be a positive int or a tuple of 2"):
        layers.Conv2D(4, (3, 0))
    with pytest.raises(ValueError, match=r"Conv2D: `padding` must be one of \['valid', 'same'\], got padding='full'"):
        layers.Conv2D(4, 3, padding="full")
    with pytest.raises(ValueError, match="Conv2D: filters=5 must be a multiple of groups=2"):
        layers.Conv2D(5, 3, groups=2)
    with pytest.raises(ValueError, match="Conv2D: `groups` must be a positive integer, got groups=0"):
        layers.Conv2D(4, 3, groups=0)
    with pytest.raises(ValueError, match=r"Conv2D 'g': the input's 3 channels must be a multiple of "
                                         r"groups=2"):
        layers.Conv2D(4, 3, groups=2, name="g")(keras.Input(shape=(8, 8, 3)))
    with pytest.raises(ValueError, match="DepthwiseConv2D: only groups=1 is supported, got groups=2"):
        layers.DepthwiseConv2D(3, groups=2)
    with pytest.raises(ValueError, match="Conv2DTranspose: only groups=1 is supported"):
        layers.Conv2DTranspose(4, 3, groups=2)
    with pytest.raises(ValueError, match="Conv2D: strides > 1 cannot be combined with dilation_rate > 1"):
        layers.Conv2D(4, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match=r"Conv2D 'small': kernel_size=\(5, 5\).*does not fit inputs of "
                                         r"shape \(None, 3, 3, 1\)"):
        layers.Conv2D(4, 5, name="small")(keras.Input(shape=(3, 3, 1)))
    with pytest.raises(ValueError, match=r"Input 0 of layer 'conv' \(Conv2D\).*expected ndim=4, found ndim=3"):
        layer = layers.Conv2D(4, 3, name="conv")
        layer(keras.Input(shape=(8, 8, 3)))
        layer(keras.Input(shape=(8, 3)))


@pytest.mark.parametrize("groups, kwargs, spatial", [
    (2, {"kernel_size": 3}, (5, 7)),
    (3, {"kernel_size": 3, "strides": 2, "padding": "same"}, (4, 5)),
    (6, {"kernel_size": (2, 3), "dilation_rate": (2, 1)}, (5, 7)),
])
def test_grouped_conv2d_convolves_each_channel_group_with_its_filters(groups, kwargs, spatial):
    result = run_layer_test(layers.Conv2D, {"filters": 6, "groups": groups, **kwargs},
                            (2, 7, 9, 6), (None, *spatial, 6), 2)
    kernel, bias = result.weights
    assert kernel.shape == (*result.layer.kernel_size, 6 // groups, 6)
    assert result.layer.count_params() == kernel.size + 6
    assert result.layer.get_config()["groups"] == groups
    x, per = result.inputs[0], 6 // groups
    expected = np.concatenate(
        [conv2d_reference(x[..., g * per:(g + 1) * per], kernel[..., g * per:(g + 1) * per],
                          result.layer.strides, result.layer.padding, result.layer.dilation_rate)
         for g in range(groups)], axis=-1) + bias
    np.testing.assert_allclose(result.output, expected, rtol=1e-4, atol=1e-5)


def test_grouped_conv2d_gives_real_keras_outputs():
    # Pinned from keras 3.15.1 (TensorFlow 2.21): Conv2D(4, 2, groups=2, use_bias=False)
    x = (np.arange(2 * 3 * 3 * 4).reshape(2, 3, 3, 4) % 7 - 3).astype(np.float32)
    w = (np.arange(2 * 2 * 2 * 4).reshape(2, 2, 2, 4) % 5 - 2).astype(np.float32)
    inputs = keras.Input(shape=(3, 3, 4))
    layer = layers.Conv2D(4, 2, groups=2, use_bias=False)
    model = keras.Model(inputs, layer(inputs))
    layer.set_weights([w])
    expected = [[[-7, 10, -20, -8], [4, -22, 10, 6]], [[-9, -9, 7, -1], [16, 8, 2, 6]]]
    np.testing.assert_array_equal(model.predict(x, verbose=0)[0], expected)


def test_grouped_conv1d_and_a_grouped_model_round_trip(tmp_path):
    result = run_layer_test(layers.Conv1D, {"filters": 4, "kernel_size": 3, "groups": 2},
                            (2, 8, 4), (None, 6, 4), 2)
    kernel, bias = result.weights
    x = result.inputs[0]
    expected = np.concatenate(
        [conv2d_reference(x[:, None, :, 2 * g:2 * g + 2], kernel[None, :, :, 2 * g:2 * g + 2])[:, 0]
         for g in range(2)], axis=-1) + bias
    np.testing.assert_allclose(result.output, expected, rtol=1e-4, atol=1e-5)
    inputs = keras.Input(shape=(6, 6, 4))
    model = keras.Model(inputs, layers.Conv2D(8, 3, groups=4, activation="relu")(inputs))
    data = np.random.default_rng(0).standard_normal((3, 6, 6, 4)).astype(np.float32)
    model.save(tmp_path / "grouped.keras")
    loaded = keras.models.load_model(tmp_path / "grouped.keras")
    np.testing.assert_array_equal(loaded.predict(data, verbose=0), model.predict(data, verbose=0))


@pytest.mark.parametrize("kwargs, steps", [({"kernel_size": 3}, 6), ({"kernel_size": 3, "strides": 2, "padding": "same"}, 4),
                                           ({"kernel_size": 2, "dilation_rate": 2, "padding": "causal"}, 8)])
def test_conv1d_matches_a_direct_loop(kwargs, steps):
    result = run_layer_test(layers.Conv1D, {"filters": 3, **kwargs}, (2, 8, 2), (None, steps, 3), 2)
    kernel, bias = result.weights
    assert kernel.shape == (kwargs["kernel_size"], 2, 3)
    x = result.inputs[0]
    padding = result.layer.padding
    if padding == "causal":
        x = np.pad(x, ((0, 0), (result.layer.dilation_rate[0] * (kernel.shape[0] - 1), 0), (0, 0)))
        padding = "valid"
    expected = conv2d_reference(x[:, None], kernel[None], (1, result.layer.strides[0]), padding,
                                (1, result.layer.dilation_rate[0]))[:, 0] + bias
    np.testing.assert_allclose(result.output, expected, rtol=1e-4, atol=1e-5)


def test_conv1d_causal_output_does_not_see_the_future():
    x = keras.Input(shape=(6, 1))
    layer = layers.Conv1D(1, 3, padding="causal", kernel_initializer="ones", use_bias=False)
    model = keras.Model(x, layer(x))
    data = np.zeros((1, 6, 1), np.float32)
    data[0, 4, 0] = 1.0
    np.testing.assert_array_equal(model.predict(data)[0, :, 0], [0, 0, 0, 0, 1, 1])


@pytest.mark.parametrize("kwargs, spatial", [
    ({"kernel_size": 3}, (7, 9)),
    ({"kernel_size": 3, "strides": 2}, (11, 15)),
    ({"kernel_size": 3, "strides": 2, "padding": "same"}, (10, 14)),
    ({"kernel_size": 2, "strides": 3}, (15, 21)),
    ({"kernel_size": 3, "strides": 2, "padding": "same", "output_padding": 0}, (9, 13)),
    ({"kernel_size": 3, "strides": 2, "output_padding": 1}, (12, 16)),
])
def test_conv2d_transpose_matches_scattering_with_keras_sizes(kwargs, spatial):
    result = run_layer_test(layers.Conv2DTranspose, {"filters": 2, **kwargs}, (2, 5, 7, 3),
                            (None, *spatial, 2), 2)
    kernel, bias = result.weights
    assert kernel.shape == (*result.layer.kernel_size, 2, 3)              # (kh, kw, filters, in)
    expected = conv2d_transpose_reference(result.inputs[0], kernel, result.layer.strides,
                                          result.layer.padding, spatial) + bias
    np.testing.assert_allclose(result.output, expected, rtol=1e-4, atol=1e-5)


def test_conv2d_transpose_inverts_conv2d_shapes_and_errors():
    x = keras.Input(shape=(28, 28, 1))
    down = layers.Conv2D(8, 3, strides=2, padding="same")(x)
    up = layers.Conv2DTranspose(1, 3, strides=2, padding="same")(down)
    assert keras.backend.int_shape(up) == (None, 28, 28, 1)
    with pytest.raises(ValueError, match="Conv2DTranspose: each output_padding must be smaller than its stride"):
        layers.Conv2DTranspose(2, 3, strides=2, output_padding=2)


def test_conv2d_transpose_with_unknown_spatial_size():
    x = keras.Input(shape=(None, None, 2))
    layer = layers.Conv2DTranspose(3, 3, strides=2)
    model = keras.Model(x, layer(x))
    data = np.random.default_rng(0).normal(size=(1, 4, 5, 2)).astype(np.float32)
    kernel, bias = layer.get_weights()
    np.testing.assert_allclose(model.predict(data),
                               conv2d_transpose_reference(data, kernel, (2, 2), "valid", (9, 11)) + bias,
                               rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("kwargs, spatial", [
    ({"kernel_size": 3}, (5, 6)),
    ({"kernel_size": 3, "depth_multiplier": 2, "strides": 2, "padding": "same"}, (4, 4)),
    ({"kernel_size": (3, 2), "dilation_rate": 2}, (3, 6)),
])
def test_depthwise_conv2d_matches_per_channel_loops(kwargs, spatial):
    multiplier = kwargs.get("depth_multiplier", 1)
    result = run_layer_test(layers.DepthwiseConv2D, kwargs, (2, 7, 8, 3),
                            (None, *spatial, 3 * multiplier), 2)
    kernel, bias = result.weights
    assert [w.name for w in result.layer.weights] == ["depthwise_conv2d/depthwise_kernel:0",
                                                      "depthwise_conv2d/bias:0"]
    assert kernel.shape == (*result.layer.kernel_size, 3, multiplier)
    expected = depthwise_reference(result.inputs[0], kernel, result.layer.strides,
                                   result.layer.padding, result.layer.dilation_rate) + bias
    np.testing.assert_allclose(result.output, expected, rtol=1e-4, atol=1e-5)


def test_separable_conv2d_is_depthwise_then_pointwise():
    result = run_layer_test(layers.SeparableConv2D, {"filters": 4, "kernel_size": 3,
                                                     "depth_multiplier": 2, "padding": "same",
                                                     "strides": 2},
                            (2, 7, 6, 3), (None, 4, 3, 4), 3)
    assert [w.name for w in result.layer.weights] == [
        "separable_conv2d/depthwise_kernel:0", "separable_conv2d/pointwise_kernel:0",
        "separable_conv2d/bias:0"]
    depthwise, pointwise, bias = result.weights
    assert pointwise.shape == (1, 1, 6, 4)
    expected = depthwise_reference(result.inputs[0], depthwise, (2, 2), "same") @ pointwise[0, 0] + bias
    np.testing.assert_allclose(result.output, expected, rtol=1e-4, atol=1e-5)


def test_slides_cnn_shapes_and_parameter_counts():
    x = keras.Input(shape=(28, 28, 1))
    h = layers.Conv2D(32, (3, 3), activation="relu")(x)
    h = layers.Conv2D(32, (3, 3), activation="relu")(h)
    h = layers.MaxPooling2D((2, 2))(h)
    h = layers.Conv2D(16, (3, 3), activation="relu")(h)
    h = layers.MaxPooling2D((2, 2))(h)
    h = layers.Flatten()(h)
    model = keras.Model(x, layers.Dense(10, activation="softmax")(h))
    assert [keras.backend.int_shape(layer.output) for layer in model.layers[1:]] == [
        (None, 26, 26, 32), (None, 24, 24, 32), (None, 12, 12, 32), (None, 10, 10, 16),
        (None, 5, 5, 16), (None, 400), (None, 10)]
    assert model.count_params() == 320 + 9248 + 4624 + 4010


def test_regularizers_and_constraints_reach_the_weights():
    x = keras.Input(shape=(6, 6, 2))
    conv = layers.Conv2D(3, 3, kernel_regularizer="l2", bias_regularizer=keras.regularizers.l1(0.5),
                         activity_regularizer="l1", kernel_constraint="max_norm")
    separable = layers.SeparableConv2D(2, 3, depthwise_regularizer="l2", pointwise_constraint="non_neg")
    model = keras.Model(x, separable(conv(x)))
    assert len(conv.losses) == 3 and len(separable.losses) == 1
    assert conv.kernel.constraint is not None and conv.bias.constraint is None
    assert type(separable.pointwise_kernel.constraint).__name__ == "NonNeg"
    kernel, bias = conv.get_weights()
    session = keras.backend.get_session()
    data = np.ones((1, 6, 6, 2), np.float32)
    values = session.run(conv.losses[:2], {model.inputs[0]: data})
    np.testing.assert_allclose(values, [0.01 * (kernel ** 2).sum(), 0.5 * np.abs(bias).sum()], rtol=1e-5)
