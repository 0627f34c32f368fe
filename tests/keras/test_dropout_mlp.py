"""The workshop's dropout MLP (examples/keras_mlp.py --dropout 0.5) against what real Keras 3
does, as far as it can be pinned without TensorFlow: one SGD step with given dropout masks
equals a NumPy backpropagation (benchmarks/keras_parity.py found tenseur and Keras agree to
~3e-7 over an epoch with the same masks), and fit draws a new mask for every element of every
step of every epoch, independent between layers, as Keras' Dropout does."""
import numpy as np
import pytest

import tenseur as tf
from tenseur import keras
from tenseur.keras.layers import Dense, Dropout, Multiply

SIZES = (20, 8, 6, 4, 3)
LR = 5e-2


@pytest.fixture(autouse=True)
def _seed():
    np.random.seed(0)
    tf.set_random_seed(0)


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def numpy_sgd_step(weights, x, y, masks):
    """One SGD step of the sigmoid MLP with `h * mask` after each hidden layer, softmax, mean
    categorical cross-entropy through the logits: (loss, new weights), in float64."""
    w = [np.asarray(a, np.float64) for a in weights]
    layer_inputs, hidden = [x.astype(np.float64)], []
    for i, mask in enumerate(masks):
        hidden.append(sigmoid(layer_inputs[-1] @ w[2 * i] + w[2 * i + 1]))
        layer_inputs.append(hidden[-1] * mask)
    logits = layer_inputs[-1] @ w[-2] + w[-1]
    z = np.exp(logits - logits.max(1, keepdims=True))
    p = z / z.sum(1, keepdims=True)
    loss = float(np.mean(-np.sum(y * np.log(p), 1)))
    grads = [None] * len(w)
    d = (p - y) / len(x)                        # d loss / d logits
    for i in range(len(masks), -1, -1):
        grads[2 * i], grads[2 * i + 1] = layer_inputs[i].T @ d, d.sum(0)
        if i:
            d = (d @ w[2 * i].T) * masks[i - 1] * hidden[i - 1] * (1 - hidden[i - 1])
    return loss, [a - LR * g for a, g in zip(w, grads)]


def test_one_sgd_step_with_given_dropout_masks_matches_numpy():
    rng = np.random.default_rng(0)
    n = 16
    x = rng.random((n, SIZES[0])).astype(np.float32)
    y = np.eye(SIZES[-1], dtype=np.float32)[rng.integers(0, SIZES[-1], n)]
    masks = [((rng.random((n, k)) >= 0.5) * 2.0).astype(np.float32) for k in SIZES[1:-1]]
    inputs = [keras.Input(shape=(k,)) for k in SIZES[:-1]]
    h = inputs[0]
    for size, mask in zip(SIZES[1:-1], inputs[1:]):
        h = Multiply()([Dense(size, activation="sigmoid")(h), mask])
    model = keras.Model(inputs, Dense(SIZES[-1], activation="softmax")(h))
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=LR),
                  loss="categorical_crossentropy")
    before = model.get_weights()
    loss = model.train_on_batch([x] + masks, y)
    expected_loss, expected = numpy_sgd_step(before, x, y, masks)
    assert float(np.ravel(loss)[0]) == pytest.approx(expected_loss, rel=1e-5)
    for got, want in zip(model.get_weights(), expected):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)


def test_fit_draws_a_new_mask_every_step_and_every_epoch():
    """With lr 0 the weights stay put, so each batch loss differs only by its masks: none may
    repeat, neither within an epoch nor the same batch in the next epoch."""
    rng = np.random.default_rng(1)
    x = rng.random((4 * 32, SIZES[0])).astype(np.float32)
    y = np.eye(SIZES[-1], dtype=np.float32)[rng.integers(0, SIZES[-1], len(x))]
    inputs = keras.Input(shape=(SIZES[0],))
    h = inputs
    for size in SIZES[1:-1]:
        h = Dropout(0.5)(Dense(size, activation="sigmoid")(h))
    model = keras.Model(inputs, Dense(SIZES[-1], activation="softmax")(h))
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0),
                  loss="categorical_crossentropy")
    losses = []
    record = keras.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: losses.append(float(logs["loss"])))
    model.fit(x, y, batch_size=32, epochs=3, shuffle=False, verbose=0, callbacks=[record])
    assert len(losses) == 12 and len(set(losses)) == 12


def test_dropout_masks_of_different_layers_are_independent():
    with tf.Graph().as_default():
        tf.set_random_seed(0)
        ones = tf.ones((2000, 16))
        first, second = Dropout(0.5)(ones, training=True), Dropout(0.5)(ones, training=True)
        with tf.Session() as sess:
            a, b = sess.run([first, second])
    kept_a, kept_b = a != 0, b != 0
    assert abs(kept_a.mean() - 0.5) < 0.01
    assert set(np.unique(a)) == {0.0, 2.0}
    assert abs(np.mean(kept_a == kept_b) - 0.5) < 0.01   # independent, not the same stream
