"""A seeded Keras program repeats itself: `keras.utils.set_random_seed(0)` twice gives the same
initial weights, training (dropout and noise masks, shuffling) and predictions, bit for bit,
for every kind of layer that draws random numbers. (The orthogonal initializer, an LSTM's
recurrent kernel, once ignored the seed.)"""
import numpy as np
import pytest

from tenseur import keras

L = keras.layers


def _model(kind):
    if kind == "recurrent":
        inputs = keras.Input((6, 5))
        h = L.GRU(3)(L.LSTM(4, return_sequences=True)(inputs))
        h = L.concatenate([h, L.Bidirectional(L.SimpleRNN(2))(inputs)])
    elif kind == "convolutional":
        inputs = keras.Input((8, 8, 2))
        h = L.BatchNormalization()(L.Conv2D(3, 3)(inputs))
        h = L.DepthwiseConv2D(2)(L.SeparableConv2D(2, 3)(h))
        h = L.Dropout(0.3)(L.GaussianNoise(0.1)(L.Flatten()(h)))
    elif kind == "embedding":
        inputs = keras.Input((5,), dtype="int32")
        h = L.GlobalAveragePooling1D()(L.Conv1D(3, 2)(L.Embedding(10, 4)(inputs)))
        h = L.GaussianDropout(0.2)(L.AlphaDropout(0.2)(h))
        h = L.Dense(4, kernel_initializer="orthogonal")(h)
    else:
        inputs = keras.Input((7,))
        h = L.LayerNormalization()(L.Dense(6, kernel_initializer="he_normal")(inputs))
        h = L.Dense(5, kernel_initializer="lecun_uniform")(h)
        h = L.Flatten()(L.GroupNormalization(groups=5)(L.Reshape((1, 5))(h)))
        h = L.Flatten()(L.SpatialDropout1D(0.2)(L.Reshape((5, 1))(h)))
    outputs = L.Dense(2, kernel_initializer=keras.initializers.RandomNormal())(h)
    return keras.Model(inputs, outputs)


def _seeded_run(kind):
    keras.backend.clear_session()
    keras.utils.set_random_seed(0)
    model = _model(kind)
    model.compile("adam", "mse")
    rng = np.random.default_rng(0)
    shape = (16, *model.inputs[0].shape.as_list()[1:])
    x = rng.integers(0, 10, shape).astype(np.int32) if kind == "embedding" \
        else rng.normal(size=shape).astype(np.float32)
    y = rng.normal(size=(16, 2)).astype(np.float32)
    initial = model.get_weights()
    model.fit(x, y, batch_size=4, epochs=2, verbose=0)
    results = initial + model.get_weights() + [model.predict(x, verbose=0)]
    keras.backend.clear_session()
    return results


@pytest.mark.parametrize("kind", ["recurrent", "convolutional", "embedding", "dense"])
def test_seeded_training_repeats_bit_for_bit(kind):
    first, second = _seeded_run(kind), _seeded_run(kind)
    assert len(first) == len(second)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
