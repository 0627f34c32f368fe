"""Pooling layers against loops over windows (NumPy); global poolings against reductions."""
import numpy as np
import pytest

from tenseur import keras
from tenseur.keras import layers

from .layer_test_utils import run_layer_test


def pool2d_reference(x, pool, strides, padding, how):
    """x (n, h, w, c). "same" pads as TF (odd pixel after); the average counts real pixels."""
    n, h, w, c = x.shape
    if padding == "same":
        out_h, out_w = -(-h // strides[0]), -(-w // strides[1])
        top = max((out_h - 1) * strides[0] + pool[0] - h, 0) // 2
        left = max((out_w - 1) * strides[1] + pool[1] - w, 0) // 2
    else:
        out_h, out_w = (h - pool[0]) // strides[0] + 1, (w - pool[1]) // strides[1] + 1
        top = left = 0
    out = np.zeros((n, out_h, out_w, c))
    for i in range(out_h):
        for j in range(out_w):
            r0, c0 = i * strides[0] - top, j * strides[1] - left
            window = x[:, max(r0, 0):r0 + pool[0], max(c0, 0):c0 + pool[1], :]
            out[:, i, j] = window.max((1, 2)) if how == "max" else window.mean((1, 2))
    return out


CASES = [
    ({}, (3, 4)),                                                     # pool 2, strides = pool
    ({"pool_size": 3}, (2, 3)),
    ({"pool_size": 3, "strides": 2}, (3, 4)),
    ({"pool_size": 2, "padding": "same"}, (4, 5)),
    ({"pool_size": (3, 2), "strides": (2, 3), "padding": "same"}, (4, 3)),
]


@pytest.mark.parametrize("kwargs, spatial", CASES)
@pytest.mark.parametrize("layer_cls, how", [(layers.MaxPooling2D, "max"), (layers.AveragePooling2D, "avg")])
def test_pooling_2d_matches_window_loops(layer_cls, how, kwargs, spatial):
    result = run_layer_test(layer_cls, kwargs, (2, 7, 9, 3), (None, *spatial, 3), 0)
    layer = result.layer
    if "strides" not in kwargs:
        assert layer.strides == layer.pool_size
    expected = pool2d_reference(result.inputs[0], layer.pool_size, layer.strides, layer.padding, how)
    np.testing.assert_allclose(result.output, expected, rtol=1e-5, atol=1e-6)


def test_pooling_channels_first():
    result = run_layer_test(layers.MaxPooling2D, {"pool_size": 2, "data_format": "channels_first"},
                            (2, 3, 6, 5), (None, 3, 3, 2), 0)
    nhwc = np.transpose(result.inputs[0], (0, 2, 3, 1))
    expected = pool2d_reference(nhwc, (2, 2), (2, 2), "valid", "max")
    np.testing.assert_allclose(result.output, np.transpose(expected, (0, 3, 1, 2)))


@pytest.mark.parametrize("layer_cls, how", [(layers.MaxPooling1D, "max"), (layers.AveragePooling1D, "avg")])
def test_pooling_1d_matches_window_loops(layer_cls, how):
    result = run_layer_test(layer_cls, {"pool_size": 3, "strides": 2, "padding": "same"},
                            (2, 7, 4), (None, 4, 4), 0)
    expected = pool2d_reference(result.inputs[0][:, None], (1, 3), (1, 2), "same", how)[:, 0]
    np.testing.assert_allclose(result.output, expected, rtol=1e-5, atol=1e-6)
    assert result.layer.get_config()["pool_size"] == 3


def test_pooling_argument_errors():
    with pytest.raises(ValueError, match=r"MaxPooling2D: `pool_size` must be a positive int or a tuple of 2 "
                                         r"positive ints, got pool_size=\(2, 2, 2\)"):
        layers.MaxPooling2D((2, 2, 2))
    with pytest.raises(ValueError, match="AveragePooling2D: `padding` must be one of"):
        layers.AveragePooling2D(padding="causal")
    with pytest.raises(ValueError, match="expected ndim=4, found ndim=3"):
        layers.MaxPooling2D()(keras.Input(shape=(4, 4)))


@pytest.mark.parametrize("layer_cls, reduce", [(layers.GlobalAveragePooling2D, np.mean),
                                               (layers.GlobalMaxPooling2D, np.max)])
def test_global_pooling_2d(layer_cls, reduce):
    result = run_layer_test(layer_cls, {}, (2, 5, 3, 4), (None, 4), 0)
    np.testing.assert_allclose(result.output, reduce(result.inputs[0], axis=(1, 2)), rtol=1e-5)
    result = run_layer_test(layer_cls, {"keepdims": True}, (2, 5, 3, 4), (None, 1, 1, 4), 0)
    np.testing.assert_allclose(result.output, reduce(result.inputs[0], axis=(1, 2), keepdims=True),
                               rtol=1e-5)
    result = run_layer_test(layer_cls, {"data_format": "channels_first"}, (2, 4, 5, 3), (None, 4), 0)
    np.testing.assert_allclose(result.output, reduce(result.inputs[0], axis=(2, 3)), rtol=1e-5)


@pytest.mark.parametrize("layer_cls, reduce", [(layers.GlobalAveragePooling1D, np.mean),
                                               (layers.GlobalMaxPooling1D, np.max)])
def test_global_pooling_1d(layer_cls, reduce):
    result = run_layer_test(layer_cls, {}, (2, 5, 3), (None, 3), 0)
    np.testing.assert_allclose(result.output, reduce(result.inputs[0], axis=1), rtol=1e-5)
