"""SimpleRNN, LSTM, GRU and Bidirectional against a NumPy implementation of Keras' equations
(benchmarks/keras_layer_parity.py compares them with Keras 3 itself, training step included)."""
import numpy as np
import pytest

import tenseur as tf
from tenseur import keras
from tenseur.testing import check_gradients

rng = np.random.default_rng(0)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def run_numpy(kind, x, weights, mask=None, go_backwards=False, reset_after=True):
    """Keras' recurrences step by step: (all outputs, final states)."""
    kernel, recurrent, bias = weights
    batch, steps, _ = x.shape
    units = recurrent.shape[0]
    h = np.zeros((batch, units))
    c = np.zeros((batch, units))
    outputs = []
    order = range(steps - 1, -1, -1) if go_backwards else range(steps)
    for t in order:
        xt = x[:, t]
        if kind == "SimpleRNN":
            new_h, new_c = np.tanh(xt @ kernel + h @ recurrent + bias), c
        elif kind == "LSTM":
            z = xt @ kernel + h @ recurrent + bias
            i, f, g, o = (z[:, k * units:(k + 1) * units] for k in range(4))
            new_c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
            new_h = sigmoid(o) * np.tanh(new_c)
        else:
            if reset_after:
                xz = xt @ kernel + bias[0]
                hz = h @ recurrent + bias[1]
                zg = sigmoid(xz[:, :units] + hz[:, :units])
                r = sigmoid(xz[:, units:2 * units] + hz[:, units:2 * units])
                hh = np.tanh(xz[:, 2 * units:] + r * hz[:, 2 * units:])
            else:
                xz = xt @ kernel + bias
                hz = h @ recurrent[:, :2 * units]
                zg = sigmoid(xz[:, :units] + hz[:, :units])
                r = sigmoid(xz[:, units:2 * units] + hz[:, units:])
                hh = np.tanh(xz[:, 2 * units:] + (r * h) @ recurrent[:, 2 * units:])
            new_h, new_c = zg * h + (1 - zg) * hh, c
        if mask is not None:
            keep = mask[:, t:t + 1]
            new_h = np.where(keep, new_h, h)
            new_c = np.where(keep, new_c, c)
            out = np.where(keep, new_h, outputs[-1] if outputs else np.zeros_like(new_h))
        else:
            out = new_h
        h, c = new_h, new_c
        outputs.append(out)
    return np.stack(outputs, axis=1), (h, c)


def random_weights(model):
    weights = [w + rng.normal(size=w.shape) * 0.4 for w in model.get_weights()]
    model.set_weights(weights)
    return weights


@pytest.mark.parametrize("kind", ["SimpleRNN", "LSTM", "GRU"])
@pytest.mark.parametrize("go_backwards", [False, True])
def test_outputs_and_states_follow_keras_equations(kind, go_backwards):
    x = rng.normal(size=(3, 6, 4)).astype(np.float32)
    inputs = keras.Input((6, 4))
    layer = getattr(keras.layers, kind)(5, return_sequences=True, return_state=True,
                                        go_backwards=go_backwards)
    model = keras.Model(inputs, layer(inputs))
    weights = random_weights(model)
    got = model.predict(x, verbose=0)
    sequence, (h, c) = run_numpy(kind, x.astype(np.float64), weights, go_backwards=go_backwards)
    np.testing.assert_allclose(got[0], sequence, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(got[1], h, rtol=1e-4, atol=1e-5)
    if kind == "LSTM":
        np.testing.assert_allclose(got[2], c, rtol=1e-4, atol=1e-5)
    assert len(got) == (3 if kind == "LSTM" else 2)
    assert [w.shape for w in layer.weights] == [(4, 5 * layer.cell._gates),
                                                (5, 5 * layer.cell._gates),
                                                (2, 15) if kind == "GRU" else
                                                (5 * layer.cell._gates,)]


def test_masked_steps_keep_the_state_and_the_last_output():
    ids = np.array([[3, 4, 0, 0, 0], [1, 2, 3, 4, 5], [0, 0, 2, 0, 1]])
    inputs = keras.Input((5,), dtype="int32")
    embedded = keras.layers.Embedding(8, 3, mask_zero=True)(inputs)
    sequences = keras.layers.LSTM(4, return_sequences=True)(embedded)
    last = keras.layers.LSTM(4)(embedded)
    model = keras.Model(inputs, [sequences, last])
    weights = random_weights(model)
    got_sequences, got_last = model.predict(ids, verbose=0)
    vectors = weights[0][ids]
    expected, _ = run_numpy("LSTM", vectors, weights[1:4], mask=ids != 0)
    np.testing.assert_allclose(got_sequences, expected, rtol=1e-4, atol=1e-5)
    _, (h, _) = run_numpy("LSTM", vectors, weights[4:7], mask=ids != 0)
    np.testing.assert_allclose(got_last, h, rtol=1e-4, atol=1e-5)
    assert getattr(sequences, "_keras_mask", None) is not None     # passed on with sequences


def test_gru_without_reset_after_and_lstm_forget_bias_start():
    x = rng.normal(size=(2, 4, 3)).astype(np.float32)
    inputs = keras.Input((4, 3))
    model = keras.Model(inputs, keras.layers.GRU(2, reset_after=False)(inputs))
    weights = random_weights(model)
    _, (h, _) = run_numpy("GRU", x.astype(np.float64), weights, reset_after=False)
    np.testing.assert_allclose(model.predict(x, verbose=0), h, rtol=1e-4, atol=1e-5)
    lstm = keras.layers.LSTM(3)
    keras.Model(inputs, lstm(inputs))
    np.testing.assert_array_equal(lstm.get_weights()[2], [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0])
    assert lstm.units == 3 and lstm.get_config()["unit_forget_bias"] is True


def test_bidirectional_concatenates_both_directions():
    x = rng.normal(size=(2, 5, 3)).astype(np.float32)
    inputs = keras.Input((5, 3))
    layer = keras.layers.Bidirectional(keras.layers.SimpleRNN(2, return_sequences=True))
    model = keras.Model(inputs, layer(inputs))
    weights = random_weights(model)
    forward, _ = run_numpy("SimpleRNN", x.astype(np.float64), weights[:3])
    backward, _ = run_numpy("SimpleRNN", x.astype(np.float64), weights[3:], go_backwards=True)
    expected = np.concatenate([forward, backward[:, ::-1]], axis=-1)
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("kind, gates, bias_shape", [("LSTM", 4, (12,)), ("GRU", 3, (2, 9)),
                                                     ("SimpleRNN", 1, (3,))])
def test_gradients_match_finite_differences(kind, gates, bias_shape):
    """With respect to the inputs and the three weights (fed in place of the variables, which
    the checker's fresh session does not initialize)."""
    def fn(x, kernel, recurrent, bias):
        layer = getattr(keras.layers, kind)(3, return_sequences=True, dtype="float64")
        layer.build((None, 4, 2))
        layer.cell.kernel, layer.cell.recurrent_kernel, layer.cell.bias = kernel, recurrent, bias
        return layer.call(x)
    check_gradients(fn, [rng.normal(size=(2, 4, 2)), rng.normal(size=(2, 3 * gates)) * 0.5,
                         rng.normal(size=(3, 3 * gates)) * 0.5, rng.normal(size=bias_shape)])


def test_an_lstm_learns_which_half_of_a_sequence_is_larger():
    tf.set_random_seed(0)
    np.random.seed(0)
    x = rng.normal(size=(256, 8, 1)).astype(np.float32)
    y = (x[:, :4].sum(axis=(1, 2)) > x[:, 4:].sum(axis=(1, 2))).astype(np.float32)
    inputs = keras.Input((8, 1))
    outputs = keras.layers.Dense(1, activation="sigmoid")(keras.layers.LSTM(8)(inputs))
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(0.02), loss="binary_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x, y, batch_size=32, epochs=12, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    assert history.history["accuracy"][-1] > 0.85


def test_recurrent_layers_in_eager_mode():
    with tf.eager_mode():
        layer = keras.layers.GRU(3, return_sequences=True)
        x = tf.constant(rng.normal(size=(2, 4, 5)).astype(np.float32))
        with tf.GradientTape() as tape:
            y = layer(x)
            loss = tf.reduce_sum(y * y)
        grads = tape.gradient(loss, layer.trainable_weights)
        assert y.shape == (2, 4, 3) and len(grads) == 3
        assert all(g is not None and np.isfinite(g.numpy()).all() for g in grads)


@pytest.mark.parametrize("kind", ["SimpleRNN", "LSTM", "GRU"])
def test_sequences_of_unknown_length_run_as_a_loop_with_the_same_results(kind):
    ids = np.array([[3, 4, 0, 0, 0, 0], [1, 2, 3, 4, 5, 6], [0, 0, 2, 0, 1, 7]])
    models = []
    for length in (None, 6):
        inputs = keras.Input((length,), dtype="int32")
        embedded = keras.layers.Embedding(8, 3, mask_zero=True)(inputs)
        outputs = getattr(keras.layers, kind)(4, return_sequences=True, go_backwards=True,
                                              return_state=True)(embedded)
        models.append(keras.Model(inputs, outputs))
    assert models[0].outputs[0].shape.as_list() == [None, None, 4]
    models[1].set_weights(random_weights(models[0]))
    for a, b in zip(models[0].predict(ids, verbose=0), models[1].predict(ids, verbose=0)):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    longer = np.concatenate([ids, ids], axis=1)                  # any length, one model
    assert models[0].predict(longer, verbose=0)[0].shape == (3, 12, 4)


def test_gradients_through_the_loop_match_finite_differences():
    def fn(x, kernel, recurrent, bias):
        layer = keras.layers.GRU(3, return_sequences=True, dtype="float64")
        layer.build((None, None, 2))
        layer.cell.kernel, layer.cell.recurrent_kernel, layer.cell.bias = kernel, recurrent, bias
        out = layer.call(tf.placeholder_with_default(x, [None, None, 2]))
        return tf.reshape(out, [2, 4, 3])
    check_gradients(fn, [rng.normal(size=(2, 4, 2)), rng.normal(size=(2, 9)) * 0.5,
                         rng.normal(size=(3, 9)) * 0.5, rng.normal(size=(2, 9))])


def test_errors_name_the_layer_and_the_fix():
    with pytest.raises(NotImplementedError, match="stateful=True"):
        keras.layers.GRU(2, stateful=True)
    with pytest.raises(ValueError, match="positive integer"):
        keras.layers.SimpleRNN(0)
    with pytest.raises(ValueError, match=r"`dropout` must be in \[0, 1\)"):
        keras.layers.LSTM(2, dropout=1.5)
    with pytest.raises(TypeError, match="must be an RNN layer"):
        keras.layers.Bidirectional(keras.layers.Dense(2))


def test_dropout_only_in_training():
    x = rng.normal(size=(4, 5, 3)).astype(np.float32)
    inputs = keras.Input((5, 3))
    layer = keras.layers.LSTM(4, dropout=0.5, recurrent_dropout=0.5)
    model = keras.Model(inputs, layer(inputs))
    plain = keras.Model(inputs, keras.layers.LSTM(4)(inputs))
    plain.set_weights(model.get_weights())
    np.testing.assert_allclose(model.predict(x, verbose=0), plain.predict(x, verbose=0),
                               rtol=1e-6)
    with tf.eager_mode():
        eager_layer = keras.layers.GRU(4, dropout=0.5, recurrent_dropout=0.3)
        xe = tf.constant(x)
        inference = eager_layer(xe).numpy()
        np.testing.assert_array_equal(eager_layer(xe, training=False).numpy(), inference)
        assert not np.allclose(eager_layer(xe, training=True).numpy(), inference)


def test_time_distributed_applies_one_layer_to_every_step():
    x = rng.normal(size=(2, 5, 3)).astype(np.float32)
    inputs = keras.Input((5, 3))
    sequences = keras.layers.SimpleRNN(4, return_sequences=True)(inputs)
    outputs = keras.layers.TimeDistributed(keras.layers.Dense(2, activation="tanh"))(sequences)
    model = keras.Model(inputs, outputs)
    weights = random_weights(model)
    hidden, _ = run_numpy("SimpleRNN", x.astype(np.float64), weights[:3])
    expected = np.tanh(hidden @ weights[3] + weights[4])
    assert outputs.shape.as_list() == [None, 5, 2]
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-4, atol=1e-5)
    assert keras.layers.TimeDistributed(keras.layers.Dense(2))(
        keras.Input((None, 3))).shape.as_list() == [None, None, 2]
