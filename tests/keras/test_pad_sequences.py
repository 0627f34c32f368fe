"""keras.utils.pad_sequences (and Keras 2's keras.preprocessing.sequence.pad_sequences), and
keras.utils.set_random_seed;
expected values are Keras 3.15's on the same sequences."""
import numpy as np
import pytest

from tenseur import keras

SEQS = [[1, 2, 3], [4], [], [5, 6, 7, 8, 9]]


@pytest.mark.parametrize("kwargs, expected", [
    ({}, [[0, 0, 1, 2, 3], [0, 0, 0, 0, 4], [0, 0, 0, 0, 0], [5, 6, 7, 8, 9]]),
    ({"maxlen": 3}, [[1, 2, 3], [0, 0, 4], [0, 0, 0], [7, 8, 9]]),
    ({"maxlen": 3, "padding": "post"}, [[1, 2, 3], [4, 0, 0], [0, 0, 0], [7, 8, 9]]),
    ({"maxlen": 2, "truncating": "post"}, [[1, 2], [0, 4], [0, 0], [5, 6]]),
    ({"maxlen": 4, "padding": "post", "truncating": "post", "value": 9},
     [[1, 2, 3, 9], [4, 9, 9, 9], [9, 9, 9, 9], [5, 6, 7, 8]]),
])
def test_pad_sequences_as_keras(kwargs, expected):
    out = keras.utils.pad_sequences(SEQS, **kwargs)
    assert out.dtype == np.int32
    np.testing.assert_array_equal(out, expected)


def test_items_with_a_shape_floats_and_errors():
    out = keras.preprocessing.sequence.pad_sequences([np.ones((2, 3)), np.zeros((1, 3))],
                                                     maxlen=3, dtype="float32", value=-1.0)
    assert out.shape == (2, 3, 3) and out.dtype == np.float32
    np.testing.assert_array_equal(out[1, :2], -np.ones((2, 3)))
    with pytest.raises(ValueError, match='padding must be "pre" or "post"'):
        keras.utils.pad_sequences(SEQS, padding="middle")
    with pytest.raises(ValueError, match="must all agree"):
        keras.utils.pad_sequences([np.ones((2, 3)), np.ones((1, 2))])
    with pytest.raises(ValueError, match="not compatible with the string"):
        keras.utils.pad_sequences(SEQS, value="x")


def test_set_random_seed_makes_weights_and_shuffles_repeatable():
    def draw():
        keras.backend.clear_session()
        keras.utils.set_random_seed(3)
        inputs = keras.Input((4,))
        model = keras.Model(inputs, keras.layers.Dense(2)(inputs))
        return model.get_weights()[0], np.random.permutation(10)
    (w1, p1), (w2, p2) = draw(), draw()
    np.testing.assert_array_equal(w1, w2)
    np.testing.assert_array_equal(p1, p2)
    with pytest.raises(ValueError, match="must be an int"):
        keras.utils.set_random_seed(1.5)
