"""Core layers: Dense, Identity, Lambda, Embedding (Activation/Dropout/Flatten: test_engine)."""
import json

import numpy as np
import pytest

from tenseur import keras
from tenseur.keras import layers

from .layer_test_utils import run_layer_test


def test_dense_through_the_generic_checks_matches_numpy():
    result = run_layer_test(layers.Dense, {"units": 3, "activation": "tanh"}, (4, 5), (None, 3), 2)
    kernel, bias = result.weights
    np.testing.assert_allclose(result.output, np.tanh(result.inputs[0] @ kernel + bias),
                               rtol=1e-5, atol=1e-6)


def test_dense_on_rank_3_inputs_applies_to_the_last_axis():
    result = run_layer_test(layers.Dense, {"units": 2}, (3, 4, 5), (None, 4, 2), 2)
    kernel, bias = result.weights
    np.testing.assert_allclose(result.output, result.inputs[0] @ kernel + bias, rtol=1e-5, atol=1e-6)


def test_identity_returns_its_inputs():
    result = run_layer_test(layers.Identity, {}, (2, 3, 4), (None, 3, 4), 0)
    np.testing.assert_array_equal(result.output, result.inputs[0])


def test_lambda_applies_a_named_function_and_stores_only_its_name():
    result = run_layer_test(layers.Lambda, {"function": keras.activations.softplus,
                                            "output_shape": (3, 4)}, (2, 3, 4), (None, 3, 4), 0)
    np.testing.assert_allclose(result.output, np.log1p(np.exp(result.inputs[0])), rtol=1e-5)
    config = result.layer.get_config()
    assert config["function"] == {"module": "tenseur.keras.activations", "class_name": "function",
                                  "config": "softplus", "registered_name": "softplus"}
    assert "code" not in json.dumps(config)


def double_it(x, factor=2.0):
    return x * factor


def test_lambda_arguments_and_custom_function_need_custom_objects():
    x = keras.Input(shape=(3,))
    layer = layers.Lambda(double_it, arguments={"factor": 3.0})
    model = keras.Model(x, layer(x))
    data = np.arange(6, dtype=np.float32).reshape(2, 3)
    np.testing.assert_allclose(model.predict(data), 3 * data)
    config = json.loads(json.dumps(layer.get_config()))
    with pytest.raises(ValueError, match=r"Lambda: cannot re-create function 'double_it'.*custom_objects"):
        layers.Lambda.from_config(config)
    clone = layers.Lambda.from_config(config, custom_objects={"double_it": double_it})
    assert clone.function is double_it and clone.arguments == {"factor": 3.0}


def test_lambda_never_runs_stored_code():
    keras3_lambda = {"name": "lambda", "trainable": True, "dtype": "float32",
                     "function": {"class_name": "__lambda__",
                                  "config": {"code": "4wEAAAAAAAAA", "defaults": None,
                                             "closure": None}},
                     "output_shape": None, "arguments": {}}
    with pytest.raises(ValueError, match="bytecode.*never runs stored code"):
        layers.Lambda.from_config(keras3_lambda)
    keras2_lambda = {"name": "lambda", "function": ["4wEAAAAAAAAA", None, None],
                     "function_type": "lambda", "output_shape": None, "arguments": {}}
    with pytest.raises(ValueError, match="stored code"):
        layers.Lambda.from_config(keras2_lambda)


def test_lambda_output_shape_contradicting_the_function_is_an_error():
    x = keras.Input(shape=(3,))
    with pytest.raises(ValueError, match=r"Lambda 'lambda'.*\(None, 3\).*output_shape=\(4,\)"):
        layers.Lambda(lambda t: t * 2, output_shape=(4,))(x)
    with pytest.raises(ValueError, match="Lambda: `function` must be callable"):
        layers.Lambda("tanh")


def test_embedding_looks_up_rows_of_its_weights():
    result = run_layer_test(layers.Embedding, {"input_dim": 10, "output_dim": 3}, (4, 5),
                            (None, 5, 3), 1, input_dtype="int32")
    (embeddings,) = result.weights
    assert result.layer.weights[0].name == "embedding/embeddings:0"
    np.testing.assert_array_equal(result.output, embeddings[result.inputs[0]])
    assert np.all(np.abs(embeddings) <= 0.05)        # Keras' default: uniform(-0.05, 0.05)


def test_embedding_config_and_errors():
    layer = layers.Embedding(100, 8, mask_zero=True, input_length=12)
    config = layer.get_config()
    assert config["embeddings_initializer"]["class_name"] == "RandomUniform"
    assert config["mask_zero"] is True and config["batch_input_shape"] == [None, 12]
    with pytest.raises(ValueError, match="Embedding: `output_dim` must be a positive integer, got output_dim=0"):
        layers.Embedding(10, 0)


def test_embedding_float_inputs_are_cast_to_indices():
    x = keras.Input(shape=(2,))
    layer = layers.Embedding(4, 2)
    model = keras.Model(x, layer(x))
    (embeddings,) = layer.get_weights()
    np.testing.assert_array_equal(model.predict(np.array([[3.0, 1.0]], np.float32)),
                                  embeddings[[[3, 1]]])
