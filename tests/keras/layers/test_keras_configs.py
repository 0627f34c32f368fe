"""Layer configurations as Keras 3 and Keras 2 (tf.keras) write them re-create the layers."""
import numpy as np

from tenseur import keras
from tenseur.keras import layers

POLICY = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"},
          "registered_name": None}


def _init(class_name, **config):
    return {"module": "keras.initializers", "class_name": class_name, "config": config,
            "registered_name": None}


def test_keras3_conv2d_config():
    config = {"name": "conv2d", "trainable": True, "dtype": POLICY, "filters": 32,
              "kernel_size": [3, 3], "strides": [1, 1], "padding": "valid",
              "data_format": "channels_last", "dilation_rate": [1, 1], "groups": 1,
              "activation": "relu", "use_bias": True,
              "kernel_initializer": _init("GlorotUniform", seed=None),
              "bias_initializer": _init("Zeros"), "kernel_regularizer": None,
              "bias_regularizer": None, "activity_regularizer": None, "kernel_constraint": None,
              "bias_constraint": None}
    layer = layers.Conv2D.from_config(config)
    assert (layer.filters, layer.kernel_size, layer.activation) == (32, (3, 3), keras.activations.relu)
    assert keras.backend.int_shape(layer(keras.Input(shape=(28, 28, 1)))) == (None, 26, 26, 32)


def test_keras3_batch_normalization_config():
    config = {"name": "batch_normalization", "trainable": True, "dtype": POLICY, "axis": -1,
              "momentum": 0.99, "epsilon": 0.001, "center": True, "scale": True,
              "beta_initializer": _init("Zeros"), "gamma_initializer": _init("Ones"),
              "moving_mean_initializer": _init("Zeros"), "moving_variance_initializer": _init("Ones"),
              "beta_regularizer": None, "gamma_regularizer": None, "beta_constraint": None,
              "gamma_constraint": None, "synchronized": False}
    layer = layers.BatchNormalization.from_config(config)
    layer(keras.Input(shape=(4,)))
    assert [w.name for w in layer.weights][2:] == ["batch_normalization/moving_mean:0",
                                                   "batch_normalization/moving_variance:0"]


def test_keras2_configs_of_resnet_and_mobilenet_layers():
    bn = layers.BatchNormalization.from_config(
        {"name": "bn_conv1", "trainable": True, "dtype": "float32", "axis": [3], "momentum": 0.99,
         "epsilon": 0.001, "center": True, "scale": True,
         "beta_initializer": {"class_name": "Zeros", "config": {}},
         "gamma_initializer": {"class_name": "Ones", "config": {}},
         "moving_mean_initializer": {"class_name": "Zeros", "config": {}},
         "moving_variance_initializer": {"class_name": "Ones", "config": {}},
         "beta_regularizer": None, "gamma_regularizer": None, "beta_constraint": None,
         "gamma_constraint": None})
    assert bn.get_config()["axis"] == 3
    depthwise = layers.DepthwiseConv2D.from_config(
        {"name": "conv_dw_1", "trainable": True, "dtype": "float32", "kernel_size": [3, 3],
         "strides": [1, 1], "padding": "same", "data_format": "channels_last",
         "dilation_rate": [1, 1], "groups": 1, "activation": "linear", "use_bias": False,
         "bias_initializer": {"class_name": "Zeros", "config": {}}, "bias_regularizer": None,
         "activity_regularizer": None, "bias_constraint": None, "depth_multiplier": 1,
         "depthwise_initializer": {"class_name": "VarianceScaling",
                                   "config": {"scale": 1.0, "mode": "fan_avg",
                                              "distribution": "uniform", "seed": None}},
         "depthwise_regularizer": None, "depthwise_constraint": None})
    relu6 = layers.ReLU.from_config({"name": "conv_dw_1_relu", "trainable": True, "dtype": "float32",
                                     "max_value": 6.0, "negative_slope": 0.0, "threshold": 0.0})
    x = keras.Input(shape=(8, 8, 4))
    model = keras.Model(x, relu6(bn(depthwise(x))))
    assert model.output_shape == (None, 8, 8, 4)
    assert model.predict(np.full((1, 8, 8, 4), 100, np.float32)).max() <= 6.0
    leaky = layers.LeakyReLU.from_config({"name": "leaky", "trainable": True, "dtype": "float32",
                                          "alpha": 0.1})
    assert leaky.negative_slope == 0.1


def test_keras2_embedding_config_with_input_length():
    layer = layers.Embedding.from_config(
        {"name": "embedding", "trainable": True, "batch_input_shape": [None, 10], "dtype": "float32",
         "input_dim": 1000, "output_dim": 64,
         "embeddings_initializer": {"class_name": "RandomUniform",
                                    "config": {"minval": -0.05, "maxval": 0.05, "seed": None}},
         "embeddings_regularizer": None, "activity_regularizer": None,
         "embeddings_constraint": None, "mask_zero": False, "input_length": 10})
    model = keras.Sequential([layer, layers.GlobalAveragePooling1D()])
    assert model.output_shape == (None, 64)
