"""Keras engine: Layer, Input, functional Model, Sequential, subclassing, summary, config."""
import json

import numpy as np
import pytest

import tenseur as tf
from tenseur import keras
from tenseur.keras.layers import Dense, Dropout


def slides_mlp():
    inputs = keras.Input(shape=(784,))
    x = inputs
    for size in [64, 32, 16]:
        x = Dense(size, activation="sigmoid", use_bias=True)(x)
    x = Dense(10, activation="softmax")(x)
    return keras.Model(inputs=[inputs], outputs=[x])


def test_slides_mlp_builds_with_keras_names_and_counts():
    model = slides_mlp()
    assert [layer.name for layer in model.layers] == ["input_layer", "dense", "dense_1", "dense_2", "dense_3"]
    assert model.count_params() == 784 * 64 + 64 + 64 * 32 + 32 + 32 * 16 + 16 + 16 * 10 + 10
    assert [w.name for w in model.layers[1].weights] == ["dense/kernel:0", "dense/bias:0"]
    assert model.output_shape == (None, 10)


def test_dense_output_matches_numpy_with_same_weights():
    x = keras.Input(shape=(4,))
    layer = Dense(3, activation="relu")
    model = keras.Model(x, layer(x))
    kernel = np.arange(12, dtype=np.float32).reshape(4, 3) / 10 - 0.5
    bias = np.array([0.1, -0.2, 0.3], np.float32)
    layer.set_weights([kernel, bias])
    data = np.random.default_rng(0).normal(size=(5, 4)).astype(np.float32)
    np.testing.assert_allclose(model.predict(data), np.maximum(data @ kernel + bias, 0), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="weight dense/kernel:0 has shape \\(4, 3\\)"):
        layer.set_weights([np.zeros((3, 3)), bias])


def test_summary_prints_keras_table(capsys):
    slides_mlp().summary()
    out = capsys.readouterr().out
    assert "Layer (type)" in out and "Output Shape" in out and "Param #" in out
    row = next(line for line in out.splitlines() if line.startswith("dense (Dense)"))
    assert row.split() == ["dense", "(Dense)", "(None,", "64)", "50240"]
    assert row.index("(None, 64)") == 29 and row.index("50240") == 55  # Keras' 65-column layout
    assert "Total params: 53,018" in out and "Non-trainable params: 0" in out


def test_incompatible_layers_fail_when_built_naming_layer_and_shapes():
    x = keras.Input(shape=(784,))
    h = Dense(10, name="hidden")(x)
    with pytest.raises(ValueError, match=r"Input 0 of layer 'hidden' \(Dense\).*axis -1.*784.*\(None, 10\)"):
        Dense(10, name="hidden")  # a second layer can reuse a freed name? no: reserve keeps it
        layer = keras.Model(x, h).get_layer("hidden")
        layer(keras.Input(shape=(10,)))


def test_graph_disconnected_names_the_tensor():
    a = keras.Input(shape=(2,), name="a")
    b = keras.Input(shape=(2,), name="b")
    out = Dense(1)(b)
    with pytest.raises(ValueError, match="disconnected"):
        keras.Model(a, out)


def test_config_round_trip_is_json_and_rebuilds_same_predictions():
    model = slides_mlp()
    config = model.get_config()
    text = json.dumps(config)
    rebuilt = keras.Model.from_config(json.loads(text))
    rebuilt.set_weights(model.get_weights())
    data = np.random.default_rng(1).uniform(size=(3, 784)).astype(np.float32)
    np.testing.assert_allclose(rebuilt.predict(data), model.predict(data), rtol=1e-6)
    assert config["input_layers"] == ["input_layer", 0, 0]


def test_sequential_add_list_and_config():
    model = keras.Sequential([Dense(8, input_shape=(4,), activation="relu"), Dropout(0.5)])
    model.add(Dense(2))
    assert [layer.name for layer in model.layers] == ["dense", "dropout", "dense_1"]
    assert model.output_shape == (None, 2)
    data = np.ones((5, 4), np.float32)
    first = model.predict(data)
    np.testing.assert_array_equal(first, model.predict(data))  # dropout is off at inference
    clone = keras.Sequential.from_config(model.get_config())
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(clone.predict(data), first, rtol=1e-6)


def test_deferred_sequential_builds_on_call():
    model = keras.Sequential()
    model.add(Dense(3))
    out = model(keras.Input(shape=(5,)))
    assert out.shape.as_list() == [None, 3]


def test_transfer_learning_cut_and_extend_with_frozen_base():
    base = slides_mlp()
    for layer in base.layers:
        layer.trainable = False
    head = Dense(2, name="head")(base.layers[-2].output)
    model = keras.Model(inputs=base.input, outputs=head)
    assert [layer.name for layer in model.layers][-1] == "head"
    assert [w.name for w in model.trainable_weights] == ["head/kernel:0", "head/bias:0"]
    assert len(model.non_trainable_weights) == 6


def test_subclassed_model():
    class MLP(keras.Model):
        def __init__(self):
            super().__init__(name="mlp")
            self.hidden = Dense(4, activation="tanh")
            self.out = Dense(2)

        def call(self, inputs, training=None):
            return self.out(self.hidden(inputs))

    model = MLP()
    y = model(keras.Input(shape=(3,)))
    assert y.shape.as_list() == [None, 2]
    assert len(model.weights) == 4 and [layer.name for layer in model.layers] == ["dense", "dense_1"]
    assert model.predict(np.ones((2, 3))).shape == (2, 2)


def test_nested_model_as_layer_and_shared_layers():
    inner_in = keras.Input(shape=(3,))
    inner = keras.Model(inner_in, Dense(2, name="inner_dense")(inner_in), name="inner")
    a = keras.Input(shape=(3,))
    b = keras.Input(shape=(3,))
    shared = Dense(3, name="shared")
    outer = keras.Model([a, b], [inner(shared(a)), inner(shared(b))])
    pa, pb = outer.predict([np.ones((2, 3)), np.zeros((2, 3))])
    assert pa.shape == pb.shape == (2, 2)
    np.testing.assert_allclose(pb, inner.predict(shared(keras.Input(shape=(3,))).op.graph and
                                                 np.zeros((2, 3)) @ shared.get_weights()[0]
                                                 + shared.get_weights()[1]), rtol=1e-5)
    assert len(outer.weights) == 4 and [l.name for l in outer.layers].count("shared") == 1


def test_layers_are_listed_in_keras_depth_order():
    # A residual block: Keras lists the main branch first, then same-depth layers by the
    # order a walk from the output meets them (shortcut before main at equal depth).
    x = keras.Input(shape=(4,))
    shortcut = Dense(4, name="b_0_conv")(x)
    main = Dense(4, name="b_1_conv")(x)
    main = Dense(4, name="b_2_conv")(main)
    shortcut = keras.layers.Activation("linear", name="b_0_bn")(shortcut)
    main = keras.layers.Activation("linear", name="b_2_bn")(main)
    out = keras.layers.Add(name="b_add")([shortcut, main])
    model = keras.Model(x, out)
    assert [layer.name for layer in model.layers] == [
        "input_layer", "b_1_conv", "b_0_conv", "b_2_conv", "b_0_bn", "b_2_bn", "b_add"]
