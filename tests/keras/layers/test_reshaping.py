"""Reshape, Permute, RepeatVector, ZeroPadding, Cropping, UpSampling against NumPy."""
import numpy as np
import pytest

from tenseur import keras
from tenseur.keras import layers

from .layer_test_utils import run_layer_test


def test_reshape_infers_the_minus_one_dimension():
    result = run_layer_test(layers.Reshape, {"target_shape": (-1, 3)}, (2, 4, 6), (None, 8, 3), 0)
    np.testing.assert_array_equal(result.output, result.inputs[0].reshape(2, 8, 3))


def test_reshape_with_an_unknown_input_dimension_reshapes_at_run_time():
    x = keras.Input(shape=(None, 4))
    y = layers.Reshape((-1, 2))(x)
    data = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    np.testing.assert_array_equal(keras.Model(x, y).predict(data), data.reshape(2, 6, 2))


def test_reshape_errors_name_the_layer_and_the_shapes():
    x = keras.Input(shape=(4, 6))
    with pytest.raises(ValueError, match=r"Reshape 'reshape'.*total size.*\[4, 6\].*\[5\]"):
        layers.Reshape((5,))(x)
    with pytest.raises(ValueError, match=r"Reshape 'reshape_1'.*\[4, 6\].*\[-1, 5\]"):
        layers.Reshape((-1, 5))(x)
    with pytest.raises(ValueError, match="Reshape: `target_shape` must be .* got target_shape=\\(-1, -1\\)"):
        layers.Reshape((-1, -1))


def test_permute_matches_numpy_transpose():
    result = run_layer_test(layers.Permute, {"dims": (3, 1, 2)}, (2, 3, 4, 5), (None, 5, 3, 4), 0)
    np.testing.assert_array_equal(result.output, np.transpose(result.inputs[0], (0, 3, 1, 2)))
    with pytest.raises(ValueError, match=r"Permute: `dims` must be a permutation of 1..n.*\(0, 1\)"):
        layers.Permute((0, 1))


def test_repeat_vector_repeats_along_a_new_axis():
    result = run_layer_test(layers.RepeatVector, {"n": 3}, (2, 4), (None, 3, 4), 0)
    np.testing.assert_array_equal(result.output, np.repeat(result.inputs[0][:, None, :], 3, axis=1))
    with pytest.raises(ValueError, match="expected ndim=2, found ndim=3"):
        layers.RepeatVector(2)(keras.Input(shape=(3, 4)))


@pytest.mark.parametrize("padding, pads", [(1, ((1, 1), (1, 1))), ((2, 0), ((2, 2), (0, 0))),
                                           (((0, 1), (2, 3)), ((0, 1), (2, 3)))])
def test_zero_padding_2d_forms(padding, pads):
    (top, bottom), (left, right) = pads
    result = run_layer_test(layers.ZeroPadding2D, {"padding": padding}, (2, 3, 4, 2),
                            (None, 3 + top + bottom, 4 + left + right, 2), 0)
    expected = np.pad(result.inputs[0], ((0, 0), (top, bottom), (left, right), (0, 0)))
    np.testing.assert_array_equal(result.output, expected)


def test_zero_padding_channels_first_and_1d():
    result = run_layer_test(layers.ZeroPadding2D, {"padding": (1, 2), "data_format": "channels_first"},
                            (2, 3, 4, 5), (None, 3, 6, 9), 0)
    np.testing.assert_array_equal(result.output, np.pad(result.inputs[0], ((0, 0), (0, 0), (1, 1), (2, 2))))
    result = run_layer_test(layers.ZeroPadding1D, {"padding": (1, 2)}, (2, 3, 4), (None, 6, 4), 0)
    np.testing.assert_array_equal(result.output, np.pad(result.inputs[0], ((0, 0), (1, 2), (0, 0))))
    with pytest.raises(ValueError, match="ZeroPadding2D: `padding` must be .* got padding=-1"):
        layers.ZeroPadding2D(-1)


def test_cropping_2d_and_1d_match_slicing():
    result = run_layer_test(layers.Cropping2D, {"cropping": ((1, 0), (2, 1))}, (2, 5, 6, 3),
                            (None, 4, 3, 3), 0)
    np.testing.assert_array_equal(result.output, result.inputs[0][:, 1:, 2:-1, :])
    result = run_layer_test(layers.Cropping2D, {"cropping": 1, "data_format": "channels_first"},
                            (2, 3, 5, 6), (None, 3, 3, 4), 0)
    np.testing.assert_array_equal(result.output, result.inputs[0][:, :, 1:-1, 1:-1])
    result = run_layer_test(layers.Cropping1D, {"cropping": (2, 1)}, (2, 6, 3), (None, 3, 3), 0)
    np.testing.assert_array_equal(result.output, result.inputs[0][:, 2:-1])


def test_cropping_everything_is_an_error_at_build():
    with pytest.raises(ValueError, match=r"Cropping2D 'cropping2d': cropping=\(\(2, 2\), \(0, 0\)\) removes everything"):
        layers.Cropping2D(((2, 2), (0, 0)))(keras.Input(shape=(4, 4, 1)))


def test_upsampling_nearest_repeats_rows_and_columns():
    result = run_layer_test(layers.UpSampling2D, {"size": (2, 3)}, (2, 3, 4, 2), (None, 6, 12, 2), 0)
    expected = np.repeat(np.repeat(result.inputs[0], 2, axis=1), 3, axis=2)
    np.testing.assert_array_equal(result.output, expected)
    result = run_layer_test(layers.UpSampling2D, {"size": 2, "data_format": "channels_first"},
                            (2, 2, 3, 4), (None, 2, 6, 8), 0)
    np.testing.assert_array_equal(result.output,
                                  np.repeat(np.repeat(result.inputs[0], 2, axis=2), 2, axis=3))
    result = run_layer_test(layers.UpSampling1D, {"size": 3}, (2, 4, 2), (None, 12, 2), 0)
    np.testing.assert_array_equal(result.output, np.repeat(result.inputs[0], 3, axis=1))


def test_upsampling_with_unknown_spatial_size():
    x = keras.Input(shape=(None, None, 2))
    y = layers.UpSampling2D(2)(x)
    assert keras.backend.int_shape(y) == (None, None, None, 2)
    data = np.arange(24, dtype=np.float32).reshape(1, 3, 4, 2)
    np.testing.assert_array_equal(keras.Model(x, y).predict(data),
                                  data.repeat(2, axis=1).repeat(2, axis=2))


def _bilinear_reference(image, scale):
    """tf.image.resize(method="bilinear") with half-pixel centres, written per pixel."""
    batch, height, width, channels = image.shape
    out = np.zeros((batch, height * scale, width * scale, channels))
    for i in range(height * scale):
        for j in range(width * scale):
            y = min(max((i + 0.5) / scale - 0.5, 0), height - 1)
            x = min(max((j + 0.5) / scale - 0.5, 0), width - 1)
            y0, x0 = int(np.floor(y)), int(np.floor(x))
            y1, x1 = min(y0 + 1, height - 1), min(x0 + 1, width - 1)
            dy, dx = y - y0, x - x0
            out[:, i, j] = ((1 - dy) * (1 - dx) * image[:, y0, x0] + (1 - dy) * dx * image[:, y0, x1]
                            + dy * (1 - dx) * image[:, y1, x0] + dy * dx * image[:, y1, x1])
    return out


def test_upsampling_bilinear_matches_half_pixel_interpolation():
    result = run_layer_test(layers.UpSampling2D, {"size": 2, "interpolation": "bilinear"},
                            (2, 3, 4, 2), (None, 6, 8, 2), 0)
    np.testing.assert_allclose(result.output, _bilinear_reference(result.inputs[0], 2),
                               rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="UpSampling2D: `interpolation` must be 'nearest' or 'bilinear'"):
        layers.UpSampling2D(interpolation="bicubic")
