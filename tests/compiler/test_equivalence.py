"""The optimised plans train exactly as the unoptimised ones: the slides' MLP and CNN steps,
Keras fit (with dropout and batch normalisation) and predict, the example models and a
traced eager function, compared after N steps with the passes on and off.

Fusion calls the same NumPy operations in the same order, and folding runs the same kernels,
so without the stable cross-entropy pass the two runs agree bit for bit (checked on the MLP).
That pass is exact in real arithmetic, not bitwise (log-softmax for log(softmax), g - p Σg for
its gradient): where it fires (the MLP, the binary perceptron) the comparison allows a
tolerance, TOL, that a few ulps per step over N steps stays within.
"""
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import tenseur as tf
from tenseur import keras

from .conftest import plan_of

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))

TOL = {"rtol": 1e-6, "atol": 1e-7}


def _with_and_without(monkeypatch, run):
    """run() twice: passes on, then off (TENSEUR_OPTIMIZE); returns both results."""
    results = []
    for flag in ("1", "0"):
        monkeypatch.setenv("TENSEUR_OPTIMIZE", flag)
        tf.reset_default_graph()
        results.append(run())
    return results


def _assert_same(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        np.testing.assert_allclose(x, y, **TOL)


def _mlp_steps(steps=15, batch=32):
    import mlp_tf
    tf.set_random_seed(0)
    x, y, out, loss = mlp_tf.build_model()
    train_op = tf.train.GradientDescentOptimizer(5e-2).minimize(loss)
    rng = np.random.default_rng(0)
    losses = []
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(steps):
            bx = rng.uniform(0, 1, (batch, 784)).astype(np.float32)
            by = np.eye(10, dtype=np.float32)[rng.integers(0, 10, batch)]
            losses.append(sess.run([loss, train_op], {x: bx, y: by})[0])
        size = len(plan_of(sess, [loss, train_op], {x: bx, y: by}).steps)
        weights = sess.run(tf.trainable_variables())
        predictions = sess.run(out, {x: bx[:5]})
    return losses + weights + [predictions], size


def test_slides_mlp_training_steps(monkeypatch):
    (optimised, fewer), (plain, more) = _with_and_without(monkeypatch, _mlp_steps)
    _assert_same(optimised, plain)
    assert fewer < more * 0.6


def test_slides_mlp_bit_for_bit_without_the_passes_that_round(monkeypatch):
    # stable_cross_entropy and product_updates move results by rounding (documented)
    monkeypatch.setenv("TENSEUR_DISABLE_PASSES", "stable_cross_entropy,product_updates")
    (optimised, _), (plain, _) = _with_and_without(monkeypatch, _mlp_steps)
    for x, y in zip(optimised, plain):
        np.testing.assert_array_equal(x, y)


def _cnn_steps(steps=3, batch=8):
    import cnn_tf
    tf.set_random_seed(0)
    x, y, _, out, loss = cnn_tf.build_model()
    train_op = tf.train.GradientDescentOptimizer(0.05).minimize(loss)
    rng = np.random.default_rng(1)
    results = []
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(steps):
            bx = rng.uniform(0, 1, (batch, 28, 28, 1)).astype(np.float32)
            by = np.eye(10, dtype=np.float32)[rng.integers(0, 10, batch)]
            results.append(sess.run([loss, train_op], {x: bx, y: by})[0])
        results += sess.run(tf.trainable_variables())
        results.append(sess.run(out, {x: bx}))
    return results


def test_slides_cnn_training_steps(monkeypatch):
    optimised, plain = _with_and_without(monkeypatch, _cnn_steps)
    _assert_same(optimised, plain)


def _keras_fit(cnn=False):
    keras.backend.clear_session()
    tf.set_random_seed(0)
    np.random.seed(0)
    rng = np.random.default_rng(2)
    if cnn:
        import keras_cnn
        model = keras_cnn.build_model(28, 28, 10, batchnorm=True, dropout=0.5)
        images = rng.uniform(0, 1, (48, 28, 28, 1)).astype(np.float32)
    else:
        import keras_mlp
        model = keras_mlp.build_model([64, 32, 16], 10, dropout=0.5)
        images = rng.uniform(0, 1, (96, 784)).astype(np.float32)
    labels = np.eye(10, dtype=np.float32)[rng.integers(0, 10, len(images))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        optimizer = keras.optimizers.sgd(lr=0.05)
    model.compile(optimizer=optimizer, loss="categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(images, labels, batch_size=16, epochs=2, verbose=0, shuffle=False)
    results = [np.asarray(history.history["loss"])] + model.get_weights()
    results.append(model.predict(images[:20], batch_size=8))
    results.append(np.asarray(model.evaluate(images, labels, batch_size=32, verbose=0)))
    keras.backend.clear_session()
    return results


def test_keras_fit_with_dropout(monkeypatch):
    optimised, plain = _with_and_without(monkeypatch, _keras_fit)
    _assert_same(optimised, plain)


@pytest.mark.slow
def test_keras_cnn_fit_with_batch_normalization_and_dropout(monkeypatch):
    optimised, plain = _with_and_without(monkeypatch, lambda: _keras_fit(cnn=True))
    _assert_same(optimised, plain)


def _binary_perceptron(steps=10):
    import binary_perceptron
    tf.set_random_seed(0)
    built = binary_perceptron.build_model()
    x, y, loss = built[0], built[1], [t for t in built if getattr(t, "name", "") == "loss:0"]
    loss = loss[0] if loss else built[-1]
    train_op = tf.train.GradientDescentOptimizer(5e-2).minimize(loss)
    rng = np.random.default_rng(3)
    out = []
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(steps):
            bx = rng.uniform(0, 0.02, (16, 784)).astype(np.float32)   # sigmoid unsaturated
            by = rng.integers(0, 2, (16, 1)).astype(np.float32)
            out.append(sess.run([loss, train_op], {x: bx, y: by})[0])
        out += sess.run(tf.trainable_variables())
    return out


def test_binary_perceptron_example(monkeypatch):
    optimised, plain = _with_and_without(monkeypatch, _binary_perceptron)
    _assert_same(optimised, plain)


def _sparse_softmax_adam(steps=10):
    """The contrib example's model: flatten + fully_connected, sparse xent, Adam."""
    tf.set_random_seed(0)
    x = tf.placeholder(tf.float32, [None, 28, 28])
    y = tf.placeholder(tf.int32, [None])
    logits = tf.contrib.layers.fully_connected(tf.contrib.layers.flatten(x), 10, tf.nn.relu)
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y,
                                                                         logits=logits))
    train_op = tf.train.AdamOptimizer(learning_rate=0.001).minimize(loss)
    rng = np.random.default_rng(4)
    out = []
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(steps):
            bx = rng.uniform(0, 1, (16, 28, 28)).astype(np.float32)
            by = rng.integers(0, 10, 16).astype(np.int32)
            out.append(sess.run([loss, train_op], {x: bx, y: by})[0])
        out += sess.run(tf.trainable_variables())
    return out


def test_contrib_fully_connected_adam_example(monkeypatch):
    optimised, plain = _with_and_without(monkeypatch, _sparse_softmax_adam)
    _assert_same(optimised, plain)


def _eager_function_steps(steps=5):
    with tf.eager_mode():
        w = tf.Variable(np.random.default_rng(5).normal(size=(6, 3)).astype(np.float32))
        b = tf.Variable(np.zeros(3, np.float32))

        @tf.function
        def step(x, y):
            with tf.GradientTape() as tape:
                logits = tf.nn.bias_add(tf.matmul(x, w), b)
                loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(
                    labels=y, logits=tf.sigmoid(logits) * 3.0))
            gw, gb = tape.gradient(loss, [w, b])
            w.assign_sub(0.1 * gw)
            b.assign_sub(0.1 * gb)
            return loss

        rng = np.random.default_rng(6)
        losses = []
        for _ in range(steps):
            x = rng.normal(size=(4, 6)).astype(np.float32)
            y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, 4)]
            losses.append(step(tf.constant(x), tf.constant(y)).numpy())
        return losses + [w.numpy(), b.numpy()]


def test_traced_eager_function(monkeypatch):
    optimised, plain = _with_and_without(monkeypatch, _eager_function_steps)
    _assert_same(optimised, plain)


def test_keras_predict_skips_dropout_and_batch_statistics():
    keras.backend.clear_session()
    inputs = keras.Input(shape=(12,))
    h = keras.layers.Dense(8, activation="relu")(inputs)
    h = keras.layers.Dropout(0.5)(h)
    h = keras.layers.BatchNormalization()(h)
    model = keras.Model(inputs, keras.layers.Dense(3)(h))
    model.compile(optimizer="sgd", loss="mse")
    images = np.random.default_rng(0).normal(size=(10, 12)).astype(np.float32)
    model.predict(images, batch_size=10)
    sess = keras.backend.get_session()
    predict_plans = [plan for ((_, fed), _), plan in sess._plans.items() if fed]
    assert predict_plans          # (the initializers' plan feeds nothing)
    for plan in predict_plans:
        types = [getattr(op, "type", "") for op in plan.ops]
        members = [m.type for op in plan.ops for m in getattr(op, "members", ())]
        assert "RandomUniform" not in types + members
        assert "Mean" not in types + members            # no batch moments
    model.fit(images, np.zeros((10, 3), np.float32), batch_size=10, epochs=1, verbose=0)
    trained = [plan for ((_, fed), _), plan in sess._plans.items()
               if fed and plan not in predict_plans]
    assert any("RandomUniform" in [getattr(op, "type", "") for op in p.ops] for p in trained)
    keras.backend.clear_session()


def _keras_example_fit(module, images, build, one_hot=True):
    """A Keras example's model fit for a few steps, then predicted."""
    keras.backend.clear_session()
    tf.set_random_seed(0)
    np.random.seed(0)
    rng = np.random.default_rng(4)
    labels = rng.integers(0, 10, len(images))
    if one_hot:
        labels = np.eye(10, dtype=np.float32)[labels]
    model = build(__import__(module))
    history = model.fit(images, labels, batch_size=8, epochs=1, verbose=0, shuffle=False)
    results = [np.asarray(history.history["loss"])] + model.get_weights()
    results.append(model.predict(images[:6], batch_size=3))
    keras.backend.clear_session()
    return results


def test_keras_lstm_example(monkeypatch):
    """examples/keras_lstm_mnist.py's LSTM (its steps through unstack/split, the slice
    gradients pass) trains the same with the passes on and off."""
    def build(example):
        model = example.build_model(units=8)
        model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="categorical_crossentropy")
        return model
    images = np.random.default_rng(5).uniform(0, 1, (24, 28, 28)).astype(np.float32)
    optimised, plain = _with_and_without(
        monkeypatch, lambda: _keras_example_fit("keras_lstm_mnist", images, build))
    _assert_same(optimised, plain)


@pytest.mark.slow
def test_transfer_learning_example(monkeypatch):
    """examples/transfer_learning.py's model: a frozen ResNet50 base (convolution + batch norm
    + ReLU blocks with residual adds, in inference mode) and a trained head."""
    def build(example):
        return example.build_model(size=32)[0]
    images = np.random.default_rng(7).uniform(-100, 100, (8, 32, 32, 3)).astype(np.float32)
    optimised, plain = _with_and_without(
        monkeypatch, lambda: _keras_example_fit("transfer_learning", images, build, one_hot=False))
    _assert_same(optimised, plain)
