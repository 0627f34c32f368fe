"""Gradients through layers, with respect to inputs and weights, against float64 central
differences (`tenseur.testing.check_gradients`). The layers are built in float64 inside the
checked function; `call_with_weights` feeds their weights as checked inputs."""
import numpy as np
import pytest

from tenseur.keras import layers
from tenseur.testing import check_gradients

from .layer_test_utils import call_with_weights

RNG = np.random.default_rng(0)


def normal(*shape):
    return RNG.standard_normal(shape)


def spread(*shape):
    """Distinct values at least 0.05 apart (no ties for max pooling, off ReLU kinks)."""
    values = (RNG.permutation(int(np.prod(shape))) + 1) * 0.05
    return (values * RNG.choice([-1, 1], values.size)).reshape(shape)


CASES = [
    ("dense", lambda: layers.Dense(3, activation="tanh", dtype="float64"),
     [normal(2, 4), normal(4, 3), normal(3)]),
    ("conv2d grouped", lambda: layers.Conv2D(4, 3, groups=2, padding="same", dtype="float64"),
     [normal(1, 4, 5, 4), normal(3, 3, 2, 4), normal(4)]),
    ("conv2d same strided", lambda: layers.Conv2D(2, 3, strides=2, padding="same", dtype="float64"),
     [normal(1, 5, 4, 2), normal(3, 3, 2, 2), normal(2)]),
    ("conv2d dilated channels_first", lambda: layers.Conv2D(2, 2, dilation_rate=2, data_format="channels_first",
                                                            dtype="float64"),
     [normal(1, 2, 4, 5), normal(2, 2, 2, 2), normal(2)]),
    ("conv1d causal", lambda: layers.Conv1D(2, 3, padding="causal", dtype="float64"),
     [normal(2, 5, 2), normal(3, 2, 2), normal(2)]),
    ("conv2d_transpose", lambda: layers.Conv2DTranspose(2, 3, strides=2, padding="same", dtype="float64"),
     [normal(1, 3, 2, 2), normal(3, 3, 2, 2), normal(2)]),
    ("depthwise", lambda: layers.DepthwiseConv2D(3, depth_multiplier=2, padding="same", dtype="float64"),
     [normal(1, 4, 3, 2), normal(3, 3, 2, 2), normal(4)]),
    ("separable", lambda: layers.SeparableConv2D(2, 2, dtype="float64"),
     [normal(1, 3, 4, 2), normal(2, 2, 2, 1), normal(1, 1, 2, 2), normal(2)]),
    ("max pooling same", lambda: layers.MaxPooling2D(2, padding="same", dtype="float64"), [spread(1, 5, 3, 2)]),
    ("average pooling", lambda: layers.AveragePooling2D(2, strides=1, dtype="float64"), [normal(1, 3, 4, 2)]),
    ("layer normalization", lambda: layers.LayerNormalization(dtype="float64"),
     [normal(3, 4), normal(4), normal(4)]),
    ("prelu", lambda: layers.PReLU(dtype="float64"), [spread(2, 3), normal(3)]),
    ("bilinear upsampling", lambda: layers.UpSampling2D(2, interpolation="bilinear", dtype="float64"),
     [normal(1, 2, 3, 2)]),
]


@pytest.mark.parametrize("make_layer, inputs", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_layer_gradients_match_finite_differences(make_layer, inputs):
    def fn(x, *weights):
        return call_with_weights(make_layer(), x, list(weights))
    check_gradients(fn, inputs)


@pytest.mark.parametrize("training", [True, False])
def test_batch_normalization_gradients_in_training_and_inference(training):
    def fn(x, gamma, beta, mean, variance):
        layer = layers.BatchNormalization(axis=1, dtype="float64")
        return call_with_weights(layer, x, [gamma, beta, mean, variance], training=training)
    check_gradients(fn, [normal(4, 3, 2), normal(3), normal(3), normal(3), RNG.uniform(0.5, 2, 3)],
                    wrt=[0, 1, 2] if training else None)


def test_merge_gradients():
    check_gradients(lambda a, b: call_with_weights(layers.Dot(axes=1, normalize=True, dtype="float64"),
                                                   [a, b], []), [normal(2, 3), normal(2, 3)])
    check_gradients(lambda a, b: call_with_weights(layers.Maximum(dtype="float64"), [a, b], []),
                    [spread(2, 3), spread(2, 3) + 0.025])


def test_embedding_gradient_with_respect_to_its_table():
    indices = np.array([[0, 2, 2], [1, 0, 3]])

    def fn(ids, table):
        return call_with_weights(layers.Embedding(4, 2, dtype="float64"), ids, [table])
    check_gradients(fn, [indices, normal(4, 2)])
