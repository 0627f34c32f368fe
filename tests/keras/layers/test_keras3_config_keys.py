"""Configs that Keras 3 reads back, and Keras 3 configs tenseur reads (found by
benchmarks/keras_layer_parity.py rebuilding each layer from the other framework's config)."""
import numpy as np

from tenseur import keras
from tenseur.keras import layers

# Keras 3.15's Conv2DTranspose(4, 3).get_config() keys (Conv1DTranspose's are the same).
KERAS3_TRANSPOSE_KEYS = {
    "activation", "activity_regularizer", "bias_constraint", "bias_initializer",
    "bias_regularizer", "data_format", "dilation_rate", "dtype", "filters", "kernel_constraint",
    "kernel_initializer", "kernel_regularizer", "kernel_size", "name", "output_padding",
    "padding", "strides", "trainable", "use_bias"}


def test_transposed_convolution_configs_have_keras3_keys():
    """tenseur wrote groups=1 into Conv2DTranspose's config, which Keras 3 refuses
    ("Unrecognized keyword arguments passed to Conv2DTranspose: {'groups': 1}"), so a model
    saved by tenseur did not load in Keras (found by keras_fuzz_parity.py --saving)."""
    for cls in (layers.Conv2DTranspose, layers.Conv1DTranspose):
        assert set(cls(4, 3).get_config()) == KERAS3_TRANSPOSE_KEYS, cls.__name__
    assert layers.Conv2D(4, 3, groups=1).get_config()["groups"] == 1


def test_keras2_transposed_config_with_groups_still_loads():
    config = layers.Conv2DTranspose(4, 3).get_config()
    layer = layers.Conv2DTranspose.from_config({**config, "groups": 1})   # tf.keras wrote it
    assert layer.filters == 4


def test_spatial_dropout_configs_have_keras3_keys():
    """Keras 3's SpatialDropout layers refuse `trainable` in their config."""
    assert set(layers.SpatialDropout1D(0.5).get_config()) == {"name", "dtype", "rate", "seed"}
    assert set(layers.SpatialDropout2D(0.5).get_config()) == {"name", "dtype", "rate", "seed",
                                                              "data_format"}


def test_zero_padding_1d_reads_keras3_config_with_data_format():
    """Keras 3 writes ZeroPadding1D's data_format; tenseur's constructor refused it ("got
    multiple values for keyword argument 'data_format'"), so such a model did not load."""
    config = {"name": "zero_padding1d", "trainable": True, "dtype": "float32",
              "padding": [1, 2], "data_format": "channels_first"}
    layer = layers.ZeroPadding1D.from_config(config)
    assert layer.get_config()["data_format"] == "channels_first"
    inputs = keras.Input((3, 4))
    model = keras.Model(inputs, layer(inputs))
    out = model.predict(np.ones((1, 3, 4), np.float32), verbose=0)
    assert out.shape == (1, 3, 7) and out[0, :, 0].sum() == 0 and out[0, :, -2:].sum() == 0


def test_dense_reads_keras3_config_with_quantization_and_initializer_axes():
    """`Dense.from_config` on a Keras 3.15 config (quantization_config=None, VarianceScaling's
    input_axes/output_axes=None) failed; only whole-model loading dropped them."""
    init = {"module": "keras.initializers", "class_name": "GlorotUniform",
            "config": {"seed": None, "input_axes": None, "output_axes": None},
            "registered_name": None}
    layer = layers.Dense.from_config({"name": "dense", "units": 3, "quantization_config": None,
                                      "kernel_initializer": init})
    assert layer.units == 3
    assert isinstance(keras.initializers.get(init), keras.initializers.GlorotUniform)
