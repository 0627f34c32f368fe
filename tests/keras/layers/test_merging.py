"""Merge layers: elementwise merges, Concatenate, Dot — against NumPy, and their errors."""
import numpy as np
import pytest

from tenseur import keras
from tenseur.keras import layers

from .layer_test_utils import run_layer_test

ELEMENTWISE = [
    (layers.Add, lambda a, b, c: a + b + c),
    (layers.Multiply, lambda a, b, c: a * b * c),
    (layers.Average, lambda a, b, c: (a + b + c) / 3),
    (layers.Maximum, lambda a, b, c: np.maximum(np.maximum(a, b), c)),
    (layers.Minimum, lambda a, b, c: np.minimum(np.minimum(a, b), c)),
]


@pytest.mark.parametrize("layer_cls, reference", ELEMENTWISE, ids=lambda v: getattr(v, "__name__", ""))
def test_elementwise_merges_of_three_inputs(layer_cls, reference):
    result = run_layer_test(layer_cls, {}, [(2, 3, 4)] * 3, (None, 3, 4), 0)
    np.testing.assert_allclose(result.output, reference(*result.inputs), rtol=1e-6)


def test_subtract_takes_exactly_two_inputs():
    result = run_layer_test(layers.Subtract, {}, [(2, 5), (2, 5)], (None, 5), 0)
    np.testing.assert_allclose(result.output, result.inputs[0] - result.inputs[1])
    a, b, c = (keras.Input(shape=(5,)) for _ in range(3))
    with pytest.raises(ValueError, match=r"Subtract 'subtract_1': expects exactly 2 inputs, got 3"):
        layers.Subtract()([a, b, c])


def test_merge_broadcasts_lower_rank_inputs_after_the_batch_axis():
    result = run_layer_test(layers.Add, {}, [(2, 3, 4, 5), (2, 5)], (None, 3, 4, 5), 0)
    images, vectors = result.inputs
    np.testing.assert_allclose(result.output, images + vectors[:, None, None, :], rtol=1e-6)
    result = run_layer_test(layers.Multiply, {}, [(2, 3, 4), (2, 1, 4)], (None, 3, 4), 0)
    np.testing.assert_allclose(result.output, result.inputs[0] * result.inputs[1], rtol=1e-6)


def test_incompatible_shapes_name_the_layer_and_the_shapes():
    a, b = keras.Input(shape=(3,)), keras.Input(shape=(4,))
    with pytest.raises(ValueError, match=r"Add 'add': inputs have incompatible shapes \(None, 3\), \(None, 4\)"):
        layers.Add()([a, b])
    with pytest.raises(ValueError, match=r"Maximum 'maximum': a merge layer must be called on a list"):
        layers.Maximum()(a)
    with pytest.raises(ValueError, match=r"Average 'average': expects at least 2 inputs, got 1"):
        layers.Average()([a])


def test_concatenate_along_an_axis_and_functional_form():
    result = run_layer_test(layers.Concatenate, {"axis": 1}, [(2, 3, 4), (2, 2, 4)], (None, 5, 4), 0)
    np.testing.assert_array_equal(result.output, np.concatenate(result.inputs, axis=1))
    a, b = keras.Input(shape=(3,)), keras.Input(shape=(2,))
    assert keras.backend.int_shape(layers.concatenate([a, b])) == (None, 5)
    with pytest.raises(ValueError, match=r"Concatenate 'concatenate_2': inputs must have matching shapes "
                                         r"except for the concatenation axis 1, got shapes \(None, 3, 4\), \(None, 2, 5\)"):
        layers.Concatenate(axis=1)([keras.Input(shape=(3, 4)), keras.Input(shape=(2, 5))])


def test_dot_of_vectors_is_a_batch_of_scalars():
    result = run_layer_test(layers.Dot, {"axes": 1}, [(3, 4), (3, 4)], (None, 1), 0)
    a, b = result.inputs
    np.testing.assert_allclose(result.output, np.sum(a * b, axis=1, keepdims=True), rtol=1e-5)


def test_dot_normalized_is_the_cosine_similarity():
    result = run_layer_test(layers.Dot, {"axes": -1, "normalize": True}, [(3, 4), (3, 4)], (None, 1), 0)
    a, b = result.inputs
    cosine = np.sum(a * b, 1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
    np.testing.assert_allclose(result.output[:, 0], cosine, rtol=1e-5)


def test_dot_of_matrices_along_chosen_axes_is_a_batched_product():
    result = run_layer_test(layers.Dot, {"axes": (1, 2)}, [(2, 3, 4), (2, 5, 3)], (None, 4, 5), 0)
    a, b = result.inputs
    np.testing.assert_allclose(result.output, np.einsum("bki,bjk->bij", a, b), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match=r"Dot 'dot_1': incompatible input shapes \(None, 3\), \(None, 4\)"):
        layers.Dot(axes=1)([keras.Input(shape=(3,)), keras.Input(shape=(4,))])
    with pytest.raises(ValueError, match=r"Dot 'dot_2': axes=0 is not a non-batch axis"):
        layers.Dot(axes=0)([keras.Input(shape=(3,)), keras.Input(shape=(3,))])
