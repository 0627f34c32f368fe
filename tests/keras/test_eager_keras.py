"""Keras in eager mode: layers and models called on values, custom training loops with a
GradientTape, `compile(run_eagerly=True)` against graph-mode `fit`, and the separation of the
two modes' variables."""
import gc
import subprocess
import sys
import textwrap
import time
import weakref
from pathlib import Path

import numpy as np
import pytest

import tenseur as tf
from tenseur import keras
from tenseur.keras import backend as K


@pytest.fixture(autouse=True)
def _no_eager_leak():
    assert not tf.executing_eagerly(), "a previous test left eager mode on"
    yield
    assert not tf.executing_eagerly(), "this test left eager mode on"


@pytest.fixture
def eager():
    with tf.eager_mode():
        yield


def _data(n=96, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype(np.float32)
    y = (x[:, 0] + 0.5 * x[:, 1] - x[:, 2] > 0).astype(np.int32)
    return x, y


def _dense_reference(x, kernel, bias, activation=None):
    out = x @ kernel + bias
    return np.maximum(out, 0) if activation == "relu" else out


# -- layers and models called on values ----------------------------------------------------

def test_layer_called_on_an_array_returns_an_eager_tensor_computed_with_eager_weights(eager):
    layer = keras.layers.Dense(3, activation="relu")
    x = np.random.default_rng(1).normal(size=(2, 4)).astype(np.float32)
    y = layer(x)
    assert isinstance(y, tf.EagerTensor) and y.shape == (2, 3)
    assert [w.name for w in layer.weights] == ["dense/kernel:0", "dense/bias:0"]
    assert all(isinstance(w, tf.eager.EagerVariable) for w in layer.weights)
    kernel, bias = layer.get_weights()
    np.testing.assert_allclose(y.numpy(), _dense_reference(x, kernel, bias, "relu"), rtol=1e-6)
    layer.set_weights([np.ones((4, 3)), np.full(3, 0.5)])
    np.testing.assert_allclose(layer(tf.constant(x)).numpy(),
                               _dense_reference(x, np.ones((4, 3)), 0.5, "relu"), rtol=1e-6)
    with pytest.raises(ValueError, match=r"weight dense/kernel:0 has shape \(4, 3\)"):
        layer.set_weights([np.ones((3, 3)), np.zeros(3)])


def test_functional_model_is_described_symbolically_and_replayed_on_values(eager, capsys):
    inputs = keras.Input(shape=(4,), name="features")
    hidden = keras.layers.Dense(5, activation="relu", name="hidden")(inputs)
    outputs = keras.layers.Dense(2, name="logits")(hidden)
    model = keras.Model(inputs, outputs)
    # Keras tensors describe the model (shapes with a free batch); they hold no values.
    assert not isinstance(inputs, tf.EagerTensor) and K.is_keras_tensor(outputs)
    assert model.output_shape == (None, 2)
    x = np.random.default_rng(2).normal(size=(7, 4)).astype(np.float32)
    y = model(x)
    assert isinstance(y, tf.EagerTensor) and y.shape == (7, 2)
    k1, b1, k2, b2 = model.get_weights()
    expected = _dense_reference(_dense_reference(x, k1, b1, "relu"), k2, b2)
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model(tf.constant(x[:3])).numpy(), expected[:3], rtol=1e-5,
                               atol=1e-6)
    assert all(isinstance(w, tf.eager.EagerVariable) for w in model.weights)
    assert model.count_params() == 4 * 5 + 5 + 5 * 2 + 2
    model.summary()
    table = capsys.readouterr().out
    assert "hidden (Dense)" in table and "(None, 5)" in table and "Total params: 37" in table


def test_sequential_built_by_its_first_call_accepts_any_batch_size(eager):
    model = keras.Sequential([keras.layers.Dense(3), keras.layers.Dense(1)])
    assert model(np.ones((2, 6), np.float32)).shape == (2, 1)
    assert model(np.ones((5, 6), np.float32)).shape == (5, 1)
    assert model.input_shape == (None, 6) and model.count_params() == 6 * 3 + 3 + 3 + 1


class _TwoLayers(keras.Model):
    def __init__(self):
        super().__init__()
        self.hidden = keras.layers.Dense(6, activation="tanh")
        self.out = keras.layers.Dense(2, activation="softmax")

    def call(self, inputs, training=None):
        return self.out(self.hidden(inputs))


def test_subclassed_model_builds_its_layers_on_the_first_eager_call(eager, capsys):
    model = _TwoLayers()
    y = model(np.ones((3, 4), np.float32))
    assert isinstance(y, tf.EagerTensor) and y.shape == (3, 2)
    assert len(model.trainable_variables) == 4 and model.inputs is None
    model.summary()
    assert "multiple" in capsys.readouterr().out       # as Keras: no symbolic call yet
    x, y_true = _data()
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y_true, epochs=2, batch_size=32, verbose=0)
    assert set(history.history) == {"loss", "accuracy"}
    assert model.output_shape == (None, 2)


# -- the backend ---------------------------------------------------------------------------

def test_backend_reads_and_writes_eager_variables_without_a_session(eager):
    layer = keras.layers.Dense(2)
    layer(np.zeros((1, 3), np.float32))
    kernel, bias = layer.weights
    K.batch_set_value([(kernel, np.arange(6).reshape(3, 2)), (bias, [1.0, -1.0])])
    values = K.batch_get_value([kernel, bias])
    np.testing.assert_array_equal(values[0], np.arange(6, dtype=np.float32).reshape(3, 2))
    np.testing.assert_array_equal(values[1], [1.0, -1.0])
    K.set_value(bias, [0.5, 0.25])
    np.testing.assert_array_equal(K.get_value(bias), [0.5, 0.25])
    np.testing.assert_array_equal(K.get_value(layer(np.ones((1, 3), np.float32))),
                                  [[6.5, 9.25]])
    assert K.learning_phase() is False
    with pytest.raises(RuntimeError, match="not available in eager mode"):
        K.get_session()


def test_graph_model_values_are_read_in_their_session_even_from_eager_code():
    model = keras.Sequential([keras.layers.Dense(2, input_shape=(3,))])
    weights = model.get_weights()
    with tf.eager_mode():
        read = K.batch_get_value(model.weights)
        K.set_value(model.weights[1], [3.0, 4.0])
    np.testing.assert_array_equal(read[0], weights[0])
    np.testing.assert_array_equal(model.get_weights()[1], [3.0, 4.0])


# -- training=True/False -------------------------------------------------------------------

def test_dropout_and_in_train_phase_follow_the_explicit_training_flag(eager):
    layer = keras.layers.Dropout(0.5, seed=3)
    x = np.ones((20, 50), np.float32)
    np.testing.assert_array_equal(layer(x).numpy(), x)                 # None: inference
    np.testing.assert_array_equal(layer(x, training=False).numpy(), x)
    dropped = layer(x, training=True).numpy()
    assert set(np.unique(dropped).tolist()) == {0.0, 2.0}
    assert K.in_train_phase(lambda: 1, lambda: 2) == 2
    assert K.in_train_phase(1, 2, training=True) == 1
    assert K.in_train_phase(1, 2, training=tf.constant(True)) == 1


def test_batch_normalization_updates_its_statistics_only_when_training(eager):
    layer = keras.layers.BatchNormalization(momentum=0.5, epsilon=1e-6)
    x = np.random.default_rng(4).normal(3.0, 2.0, size=(64, 3)).astype(np.float32)
    np.testing.assert_allclose(layer(x).numpy(), x / np.sqrt(1 + 1e-6), rtol=1e-5)
    np.testing.assert_array_equal(layer.moving_mean.numpy(), np.zeros(3))
    normalized = layer(x, training=True).numpy()
    np.testing.assert_allclose(normalized.mean(axis=0), 0.0, atol=1e-5)
    np.testing.assert_allclose(layer.moving_mean.numpy(), 0.5 * x.mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(layer.moving_variance.numpy(), 0.5 + 0.5 * x.var(axis=0),
                               rtol=1e-5)
    assert layer.updates == []                # eager updates run at once; nothing is kept
    # A tenseur.function runs every update it holds: without training=True there is none.
    infer = tf.function(lambda batch: layer(batch))
    train = tf.function(lambda batch: layer(batch, training=True))
    before = layer.moving_mean.numpy()
    infer(x)
    infer(x)
    np.testing.assert_array_equal(layer.moving_mean.numpy(), before)
    train(x)
    np.testing.assert_allclose(layer.moving_mean.numpy(), 0.5 * before + 0.5 * x.mean(axis=0),
                               rtol=1e-5)


def test_regularization_losses_follow_the_weights_and_the_latest_call(eager):
    layer = keras.layers.Dense(2, kernel_regularizer=keras.regularizers.l2(0.1),
                               activity_regularizer=keras.regularizers.l1(0.01))
    x = np.ones((4, 3), np.float32)
    layer(x)
    layer(x)
    assert len(layer.losses) == 2                   # kernel penalty + the latest call's
    layer.set_weights([np.full((3, 2), 2.0), np.zeros(2)])
    layer(x)
    kernel_penalty, activity_penalty = (float(v) for v in layer.losses)
    assert kernel_penalty == pytest.approx(0.1 * 6 * 4.0)
    assert activity_penalty == pytest.approx(0.01 * 4 * 2 * 6.0 / 4)     # / batch size
    with tf.GradientTape() as tape:
        layer(x)
        total = tf.add_n(layer.losses)
    grad_kernel = tape.gradient(total, layer.kernel).numpy()
    # d/dW of 0.1 * sum(W^2) + 0.01 * sum(|x @ W|) / 4 with x all ones (4 rows) and W > 0
    np.testing.assert_allclose(grad_kernel, 0.1 * 2 * 2.0 + 0.01 * 4 / 4, rtol=1e-5)


# -- custom training loops -----------------------------------------------------------------

OPTIMIZERS = {
    "keras_sgd": lambda: keras.optimizers.SGD(learning_rate=0.1, momentum=0.9),
    "keras_adam": lambda: keras.optimizers.Adam(learning_rate=3e-3),
    "train_adam": lambda: tf.train.AdamOptimizer(3e-3),
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_custom_training_loop_with_a_tape_learns_an_mnist_slice(name, mnist_dir, eager):
    from tenseur.data.mnist import read_data_sets
    mnist = read_data_sets(mnist_dir, one_hot=False, seed=0)
    images, labels = mnist.train.images[:10000], mnist.train.labels[:10000].astype(np.int32)
    tf.set_random_seed(0)
    inputs = keras.Input(shape=(784,))
    hidden = keras.layers.Dense(64, activation="relu")(inputs)
    logits = keras.layers.Dense(10)(keras.layers.Dropout(0.1)(hidden))
    model = keras.Model(inputs, logits)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    optimizer = OPTIMIZERS[name]()
    start = time.process_time()              # CPU time: the machine may be shared
    for _ in range(2):
        for i in range(0, len(images), 64):
            x, y = images[i:i + 64], labels[i:i + 64]
            with tf.GradientTape() as tape:
                loss = loss_fn(y, model(x, training=True))
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
    seconds = time.process_time() - start
    predictions = np.argmax(model(mnist.test.images[:2000]).numpy(), axis=1)
    accuracy = np.mean(predictions == mnist.test.labels[:2000])
    assert accuracy >= 0.88, accuracy      # 0.895-0.91 measured
    assert seconds < 10, f"2 epochs of 10000 images took {seconds:.1f}s of CPU"
    if name.startswith("keras"):
        assert int(optimizer.iterations.numpy()) == 2 * 157


class _RegularizedBN(keras.Model):
    def __init__(self):
        super().__init__()
        self.hidden = keras.layers.Dense(8, activation="relu", kernel_regularizer="l2")
        self.norm = keras.layers.BatchNormalization()
        self.logits = keras.layers.Dense(2)

    def call(self, inputs, training=None):
        return self.logits(self.norm(self.hidden(inputs), training=training))


def test_a_traced_training_step_equals_the_eager_one(eager):
    x, y = _data(n=64)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    results = {}
    for traced in (False, True):
        tf.set_random_seed(0)
        model = _RegularizedBN()            # built by its first call, inside the trace
        optimizer = keras.optimizers.Adam(learning_rate=0.01)

        def train_step(x_batch, y_batch, model=model, optimizer=optimizer):
            with tf.GradientTape() as tape:
                loss = loss_fn(y_batch, model(x_batch, training=True)) + tf.add_n(model.losses)
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
            return loss

        step = tf.function(train_step) if traced else train_step
        for _ in range(3):
            for i in range(0, len(x), 16):
                loss = step(x[i:i + 16], y[i:i + 16])
        results[traced] = (float(loss), model.get_weights())
        if traced:
            assert step.experimental_get_tracing_count() == 1
    assert results[True][0] == pytest.approx(results[False][0], rel=1e-6)
    for traced_weight, eager_weight in zip(results[True][1], results[False][1]):
        np.testing.assert_allclose(traced_weight, eager_weight, rtol=1e-5, atol=1e-7)


def test_keras_optimizer_minimize_takes_a_loss_function_or_a_tape_eagerly(eager):
    w = tf.Variable([1.0, -2.0])
    optimizer = keras.optimizers.SGD(learning_rate=0.25)
    optimizer.minimize(lambda: tf.reduce_sum(w * w), [w])
    np.testing.assert_allclose(w.numpy(), [0.5, -1.0])
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(w * w)
    optimizer.minimize(loss, [w], tape=tape)
    np.testing.assert_allclose(w.numpy(), [0.25, -0.5])
    with pytest.raises(ValueError, match="pass the `tape`"):
        optimizer.minimize(tf.reduce_sum(w * w), [w])


# -- compile / fit -------------------------------------------------------------------------

def _bn_classifier():
    return keras.Sequential([
        keras.layers.Dense(8, activation="relu", input_shape=(4,),
                           kernel_regularizer=keras.regularizers.l2(0.01)),
        keras.layers.BatchNormalization(),
        keras.layers.Dense(2, activation="softmax")])


def _two_in_two_out():
    a, b = keras.Input(shape=(4,), name="a"), keras.Input(shape=(4,), name="b")
    merged = keras.layers.Concatenate()([keras.layers.Dense(6, activation="tanh")(a), b])
    classes = keras.layers.Dense(2, activation="softmax", name="classes")(merged)
    score = keras.layers.Dense(1, name="score")(merged)
    return keras.Model([a, b], [classes, score])


MODELS = {
    "sequential_bn": (_bn_classifier,
                      {"loss": "sparse_categorical_crossentropy", "metrics": ["accuracy"]},
                      lambda x, y: (x, y)),
    "two_in_two_out": (_two_in_two_out,
                       {"loss": {"classes": "sparse_categorical_crossentropy", "score": "mse"},
                        "loss_weights": {"classes": 1.0, "score": 0.5},
                        "metrics": {"classes": ["accuracy"], "score": ["mae"]}},
                       lambda x, y: ([x, x[::-1]], [y, x[:, :1]])),
}


def _train(mode, build, compile_args, arrays, initial_weights):
    K.clear_session()
    context = tf.graph_mode() if mode == "graph" else tf.eager_mode()
    with context:
        model = build()
        if initial_weights is None:
            initial_weights = model.get_weights()
        model.set_weights(initial_weights)
        run_eagerly = {"graph": None, "eager": True, "traced": False}[mode]
        model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1, momentum=0.9),
                      run_eagerly=run_eagerly, **compile_args)
        x, y = arrays
        history = model.fit(x, y, batch_size=20, epochs=3, shuffle=False, verbose=0,
                            validation_split=0.25)
        results = {"history": history.history, "weights": model.get_weights(),
                   "evaluate": model.evaluate(x, y, batch_size=32, verbose=0),
                   "predict": model.predict(x), "train": model.train_on_batch(x, y),
                   "test": model.test_on_batch(x, y)}
        return results, initial_weights


@pytest.mark.parametrize("name", sorted(MODELS))
def test_eager_fit_matches_graph_fit_from_the_same_weights(name):
    build, compile_args, arrange = MODELS[name]
    arrays = arrange(*_data())
    graph, weights = _train("graph", build, compile_args, arrays, None)
    for mode in ("eager", "traced"):
        eager_run, _ = _train(mode, build, compile_args, arrays, weights)
        assert eager_run["history"].keys() == graph["history"].keys()
        for key, values in graph["history"].items():
            np.testing.assert_allclose(eager_run["history"][key], values, rtol=1e-5,
                                       atol=1e-6, err_msg=f"{mode} {key}")
        for got, expected in zip(eager_run["weights"], graph["weights"]):
            np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
        for key in ("evaluate", "train", "test"):
            np.testing.assert_allclose(eager_run[key], graph[key], rtol=1e-5, atol=1e-6)
        predictions = zip(*(r["predict"] if isinstance(r["predict"], list) else [r["predict"]]
                            for r in (eager_run, graph)))
        for got, expected in predictions:
            np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("activation,loss,label", [
    ("softmax", "categorical_crossentropy", [[0.0, 1.0]]),
    ("softmax", "sparse_categorical_crossentropy", [1]),
    ("sigmoid", "binary_crossentropy", [[0.0, 1.0]]),
])
def test_cross_entropy_of_an_activation_uses_its_logits_in_eager_mode_too(activation, loss,
                                                                           label):
    """Keras 3 marks a softmax or sigmoid output with its logits, so the loss of saturated
    probabilities is the logits' (100 here), not that of probabilities clipped to 1e-7 (16.1),
    eagerly as in a graph."""
    def value():
        inputs = keras.Input((2,))
        model = keras.Model(inputs, keras.layers.Activation(activation)(inputs))
        fn = keras.losses.get(loss)
        labels = np.array(label, np.int32 if "sparse" in loss else np.float32)
        return fn(tf.constant(labels), model(tf.constant([[100.0, 0.0]])))
    with tf.eager_mode():
        eager_loss = float(np.sum(value().numpy()))
    graph = tf.Graph()
    with graph.as_default():
        loss_tensor = value()
        with tf.Session(graph=graph) as sess:
            graph_loss = float(np.sum(sess.run(loss_tensor)))
    # sigmoid: the mean of 100 (label 0, logit 100) and log 2 (label 1, logit 0)
    expected = 100.0 if activation == "softmax" else (100.0 + np.log(2.0)) / 2
    assert eager_loss == pytest.approx(expected, rel=1e-5)
    assert graph_loss == pytest.approx(expected, rel=1e-5)


class _Probe(keras.layers.Layer):
    """Identity that records whether each call ran eagerly."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seen = []

    def call(self, inputs):
        self.seen.append(tf.executing_eagerly())
        return inputs


@pytest.mark.parametrize("run_eagerly", [True, False])
def test_run_eagerly_runs_every_step_op_by_op_otherwise_steps_are_traced(run_eagerly, eager):
    probe = _Probe()
    model = keras.Sequential([keras.layers.Dense(3, input_shape=(4,)), probe,
                              keras.layers.Dense(2, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", run_eagerly=run_eagerly)
    probe.seen.clear()
    x, y = _data(n=64)
    model.fit(x, y, batch_size=16, epochs=2, verbose=0)      # 8 steps
    model.evaluate(x, y, batch_size=16, verbose=0)           # 4 steps
    model.predict(x, batch_size=16)                          # 4 steps
    if run_eagerly:
        assert probe.seen == [True] * 16
    else:
        assert probe.seen == [False] * 3                     # one trace per kind of step


def test_run_eagerly_needs_a_model_built_in_eager_mode():
    model = keras.Sequential([keras.layers.Dense(1, input_shape=(2,))])
    with pytest.raises(ValueError, match="run_eagerly=True needs a model built in eager mode"):
        model.compile("sgd", "mse", run_eagerly=True)


def test_eager_fit_runs_callbacks_that_change_the_learning_rate(eager):
    model = _bn_classifier()
    model.compile(keras.optimizers.SGD(learning_rate=0.5), "sparse_categorical_crossentropy",
                  run_eagerly=True)
    schedule = keras.callbacks.LearningRateScheduler(lambda epoch, lr: 0.0 if epoch else lr)
    x, y = _data()
    model.fit(x, y, epochs=1, verbose=0, callbacks=[schedule])
    trainable = [w.numpy() for w in model.trainable_weights]
    model.fit(x, y, epochs=2, initial_epoch=1, verbose=0, callbacks=[schedule])
    assert model.optimizer.learning_rate == 0.0
    for before, variable in zip(trainable, model.trainable_weights):
        np.testing.assert_array_equal(variable.numpy(), before)


def test_eager_model_weights_round_trip_through_a_file(tmp_path, eager):
    model = _bn_classifier()
    x, y = _data()
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(x, y, epochs=1, verbose=0)
    path = str(tmp_path / "model.weights.h5")
    model.save_weights(path)
    clone = _bn_classifier()
    clone.load_weights(path)
    np.testing.assert_allclose(clone.predict(x), model.predict(x), rtol=1e-6)


# -- the two modes stay apart --------------------------------------------------------------

def test_eager_and_graph_keras_objects_do_not_leak_into_each_other():
    with tf.eager_mode():
        eager_model = keras.Sequential([keras.layers.Dense(2, input_shape=(3,))])
        eager_names = [layer.name for layer in eager_model.layers]
    graph_model = keras.Sequential([keras.layers.Dense(2, input_shape=(3,))])
    # Names are counted per mode, and graph-mode Keras sees none of the eager variables.
    assert [layer.name for layer in graph_model.layers] == eager_names == ["dense"]
    assert tf.global_variables() == graph_model.weights
    assert not any(isinstance(w, tf.eager.EagerVariable) for w in graph_model.weights)
    graph_model.predict(np.ones((1, 3)))
    with tf.eager_mode():
        again = keras.layers.Dense(2)
        assert again.name == "dense_1"          # the eager context's own counter
    # An eager model's variables go with it.
    probe = weakref.ref(eager_model.weights[0])
    del eager_model
    gc.collect()
    assert probe() is None
    K.clear_session()
    with tf.eager_mode():
        assert keras.layers.Dense(1).name == "dense"


def test_keras_after_enable_eager_execution_in_a_fresh_process(tmp_path):
    script = textwrap.dedent("""
        import numpy as np
        import tenseur as tf
        from tenseur import keras
        tf.enable_eager_execution()
        rng = np.random.default_rng(0)
        x = rng.normal(size=(64, 4)).astype(np.float32)
        y = (x.sum(axis=1) > 0).astype(np.int32)
        inputs = keras.Input(shape=(4,))
        outputs = keras.layers.Dense(2, activation="softmax")(
            keras.layers.Dense(8, activation="relu")(inputs))
        model = keras.Model(inputs, outputs)
        assert isinstance(model(x), tf.EagerTensor)
        model.compile(keras.optimizers.Adam(0.05), "sparse_categorical_crossentropy",
                      metrics=["accuracy"], run_eagerly=True)
        history = model.fit(x, y, epochs=5, batch_size=16, verbose=0)
        print(history.history["accuracy"][-1])
    """)
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True,
                          text=True, timeout=60, check=False,
                          env={"PYTHONPATH": str(root), "OPENBLAS_NUM_THREADS": "1",
                               "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    assert float(done.stdout.strip()) > 0.8
