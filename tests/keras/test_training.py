"""Model.compile / fit / evaluate / predict and the *_on_batch methods: learning on synthetic
data and on a slice of MNIST, results against NumPy, data formats, weights, several inputs and
outputs, frozen layers, training-only behaviour, and the errors of Keras' item 9."""
import math

import numpy as np
import pytest

import tenseur as tf
from tenseur import keras
from tenseur.keras.layers import BatchNormalization, Dense, Dropout


def blobs(n=240, features=8, classes=3, seed=0):
    """Linearly separable classes (integer labels)."""
    rng = np.random.default_rng(seed)
    teacher = rng.normal(size=(features, classes))
    x = rng.normal(size=(n, features)).astype(np.float32)
    return x, np.argmax(x @ teacher, axis=1)


def mlp(features=8, classes=3, hidden=16, name=None):
    inputs = keras.Input(shape=(features,))
    hidden_layer = Dense(hidden, activation="relu", name="hidden")(inputs)
    outputs = Dense(classes, activation="softmax", name="probs")(hidden_layer)
    return keras.Model(inputs, outputs, name=name)


def softmax_ce(probs, labels):
    return -np.log(np.clip(probs[np.arange(len(labels)), labels], 1e-7, 1))


@pytest.fixture(autouse=True)
def _seed():
    np.random.seed(0)
    tf.set_random_seed(0)


def test_fit_lowers_the_loss_and_raises_accuracy():
    x, y = blobs()
    model = mlp()
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x, y, batch_size=16, epochs=6, verbose=0)
    losses, accuracy = history.history["loss"], history.history["accuracy"]
    assert list(history.history) == ["loss", "accuracy"]
    assert history.epoch == list(range(6)) and len(losses) == 6
    assert losses[-1] < 0.6 * losses[0]
    assert accuracy[-1] > accuracy[0] and accuracy[-1] > 0.85


def test_mnist_subset_trains_in_seconds(mnist_dir):
    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data(mnist_dir)
    assert x_train.shape == (60000, 28, 28) and x_train.dtype == np.uint8
    x_train = x_train[:5000].reshape(-1, 784).astype("float32") / 255
    x_test = x_test[:2000].reshape(-1, 784).astype("float32") / 255
    y_train = keras.utils.to_categorical(y_train[:5000], 10)
    y_test = keras.utils.to_categorical(y_test[:2000], 10)
    model = keras.Sequential([Dense(64, activation="relu", input_shape=(784,)),
                              Dense(10, activation="softmax")])
    model.compile(optimizer=keras.optimizers.SGD(0.1, momentum=0.9),
                  loss="categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x_train, y_train, batch_size=100, epochs=3, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert history.history["accuracy"][-1] > history.history["accuracy"][0]
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    assert accuracy > 0.85, f"test accuracy {accuracy:.4f} after 3 epochs on 5000 images"


def test_evaluate_equals_the_metrics_of_the_whole_data():
    x, y = blobs(n=103)
    model = mlp()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy", "sparse_top_k_categorical_accuracy"])
    model.fit(x, y, epochs=1, verbose=0)
    probs = model.predict(x)
    loss, accuracy, top_k = model.evaluate(x, y, batch_size=10, verbose=0)  # last batch: 3
    assert loss == pytest.approx(softmax_ce(probs, y).mean(), rel=1e-5)
    assert accuracy == pytest.approx((probs.argmax(1) == y).mean())
    assert top_k == pytest.approx(1.0)                     # 3 classes, k=5
    assert model.metrics_names == ["loss", "accuracy", "sparse_top_k_categorical_accuracy"]
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    assert logs["loss"] == pytest.approx(loss, rel=1e-5)


def test_evaluate_returns_the_loss_alone_without_metrics():
    x, y = blobs(n=40)
    model = mlp()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    assert isinstance(model.evaluate(x, y, verbose=0), float)


def test_validation_split_holds_out_the_last_samples():
    x, y = blobs(n=200)
    model = mlp()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["acc"])
    steps = []
    probe = keras.callbacks.LambdaCallback(on_train_begin=lambda logs: steps.append(
        probe.params["steps"]))
    history = model.fit(x, y, batch_size=32, epochs=1, validation_split=0.25, verbose=0,
                        callbacks=[probe])
    assert steps == [5]                                   # 150 training samples / 32
    assert list(history.history) == ["loss", "acc", "val_loss", "val_acc"]
    val_loss, val_acc = model.evaluate(x[150:], y[150:], verbose=0)
    assert history.history["val_loss"][0] == pytest.approx(val_loss, rel=1e-5)
    assert history.history["val_acc"][0] == pytest.approx(val_acc)


def test_validation_data_and_validation_freq():
    x, y = blobs(n=120)
    x_val, y_val = blobs(n=30, seed=1)
    model = mlp()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    history = model.fit(x, y, epochs=4, validation_data=(x_val, y_val), validation_freq=2,
                        verbose=0)
    assert len(history.history["loss"]) == 4 and len(history.history["val_loss"]) == 2
    assert history.history["val_loss"][-1] == pytest.approx(
        model.evaluate(x_val, y_val, verbose=0), rel=1e-5)


def test_sample_weight_class_weight_and_weighted_metrics():
    x, y = blobs(n=12)
    weights = np.linspace(0.0, 2.0, 12).astype(np.float32)
    model = mlp()
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"], weighted_metrics=["accuracy"])
    probs = model.predict(x)
    per_sample = softmax_ce(probs, y)
    correct = (probs.argmax(1) == y).astype(np.float64)
    loss, accuracy, weighted_accuracy = model.test_on_batch(x, y, sample_weight=weights)
    assert loss == pytest.approx((per_sample * weights).sum() / 12, rel=1e-5)
    assert accuracy == pytest.approx(correct.mean())
    assert weighted_accuracy == pytest.approx((correct * weights).sum() / weights.sum())
    assert model.metrics_names == ["loss", "accuracy", "weighted_accuracy"]
    class_weight = {0: 2.0, 1: 0.0, 2: 0.5}
    mapped = np.array([class_weight[c] for c in y])
    loss = model.train_on_batch(x, y, class_weight=class_weight)[0]
    assert loss == pytest.approx((per_sample * mapped).sum() / 12, rel=1e-5)
    with pytest.raises(ValueError, match="must contain all classes"):
        model.train_on_batch(x, y, class_weight={0: 1.0})


def test_zero_sample_weights_leave_the_weights_unchanged():
    x, y = blobs(n=64)
    model = mlp()
    model.compile(optimizer=keras.optimizers.SGD(0.5), loss="sparse_categorical_crossentropy")
    before = model.get_weights()
    model.fit(x, y, sample_weight=np.zeros(64), epochs=1, verbose=0)
    for old, new in zip(before, model.get_weights()):
        np.testing.assert_array_equal(old, new)


def test_steps_without_sample_weights_feed_none_and_train_as_with_unit_weights():
    """No sample weights: the step graph has no weight placeholder (the loss is the plain
    mean); a weighted call on the same model gets its own graph; unit weights and no weights
    take the same steps."""
    x, y = blobs(n=32)
    twins = []
    for weights in (None, np.ones(32, np.float32)):
        tf.reset_default_graph()
        tf.set_random_seed(4)
        model = mlp()
        model.compile(optimizer=keras.optimizers.SGD(0.3), loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"], weighted_metrics=["accuracy"])
        losses = [model.train_on_batch(x, y, sample_weight=weights)[0] for _ in range(3)]
        graphs = {id(g): g for g in model._step_graphs.values()}
        assert len(graphs) == 1
        (graph,) = graphs.values()
        assert (graph.sample_weights[0] is None) == (weights is None)
        twins.append((losses, model.get_weights(), model))
    (plain, plain_weights, model), (unit, unit_weights, _) = twins
    np.testing.assert_allclose(plain, unit, rtol=1e-6)
    for a, b in zip(plain_weights, unit_weights):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
    # The unweighted model then trained with weights: a second graph, the weighted loss.
    weights = np.linspace(0.0, 2.0, 32).astype(np.float32)
    per_sample = softmax_ce(model.predict(x), y)
    loss = model.test_on_batch(x, y, sample_weight=weights)[0]
    assert loss == pytest.approx((per_sample * weights).sum() / 32, rel=1e-5)
    assert len({id(g) for g in model._step_graphs.values()}) == 2
    assert model.test_on_batch(x, y)[0] == pytest.approx(per_sample.mean(), rel=1e-5)


def test_several_inputs_and_outputs_with_loss_weights():
    rng = np.random.default_rng(3)
    image = keras.Input(shape=(4,), name="image")
    meta = keras.Input(shape=(2,), name="meta")
    merged = keras.layers.Concatenate()([Dense(8, activation="tanh")(image), meta])
    score = Dense(1, name="score")(merged)
    label = Dense(3, activation="softmax", name="label")(merged)
    model = keras.Model([image, meta], [score, label])
    model.compile(optimizer=keras.optimizers.SGD(0.05),
                  loss={"score": "mse", "label": "sparse_categorical_crossentropy"},
                  loss_weights={"score": 0.5, "label": 2.0},
                  metrics={"label": ["accuracy"]})
    x_image = rng.normal(size=(50, 4)).astype(np.float32)
    x_meta = rng.normal(size=(50, 2)).astype(np.float32)
    y_score = x_image.sum(axis=1)                            # (n,) for a (None, 1) output
    y_label = rng.integers(0, 3, size=50)
    history = model.fit({"image": x_image, "meta": x_meta}, [y_score, y_label], batch_size=10,
                        epochs=3, verbose=0)
    assert list(history.history) == ["loss", "score_loss", "label_loss", "label_accuracy"]
    assert history.history["loss"][-1] < history.history["loss"][0]
    logs = model.evaluate([x_image, x_meta], {"score": y_score, "label": y_label}, verbose=0,
                          return_dict=True)
    score, probs = model.predict([x_image, x_meta])
    assert score.shape == (50, 1) and probs.shape == (50, 3)
    assert logs["score_loss"] == pytest.approx(np.mean((score[:, 0] - y_score) ** 2), rel=1e-4)
    assert logs["label_loss"] == pytest.approx(softmax_ce(probs, y_label).mean(), rel=1e-4)
    assert logs["loss"] == pytest.approx(0.5 * logs["score_loss"] + 2.0 * logs["label_loss"],
                                         rel=1e-5)
    assert logs["label_accuracy"] == pytest.approx((probs.argmax(1) == y_label).mean())


class Batches(keras.utils.Sequence):
    def __init__(self, x, y, batch_size):
        super().__init__()
        self.x, self.y, self.batch_size = x, y, batch_size
        self.epochs_ended = 0

    def __len__(self):
        return math.ceil(len(self.x) / self.batch_size)

    def __getitem__(self, index):
        part = slice(index * self.batch_size, (index + 1) * self.batch_size)
        return self.x[part], self.y[part]

    def on_epoch_end(self):
        self.epochs_ended += 1


def test_generators_and_sequences_train_like_the_same_batches_of_arrays():
    x, y = blobs(n=60)
    first = mlp()
    initial = first.get_weights()
    trained = []
    sequence = Batches(x, y, 20)

    def generator():
        while True:
            for start in range(0, 60, 20):
                yield x[start:start + 20], y[start:start + 20]

    for data in ("arrays", "sequence", "generator"):
        model = first if data == "arrays" else mlp()
        model.set_weights(initial)
        model.compile(optimizer=keras.optimizers.SGD(0.1),
                      loss="sparse_categorical_crossentropy")
        if data == "arrays":
            model.fit(x, y, batch_size=20, epochs=2, shuffle=False, verbose=0)
        elif data == "sequence":
            model.fit(sequence, epochs=2, shuffle=False, verbose=0)
        else:
            model.fit(generator(), steps_per_epoch=3, epochs=2, verbose=0)
        trained.append(model.get_weights())
    assert sequence.epochs_ended == 2
    for other in trained[1:]:
        for a, b in zip(trained[0], other):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    predictions = first.predict(iter([x[:25], x[25:]]))
    np.testing.assert_allclose(predictions, first.predict(x), rtol=1e-6)
    with pytest.raises(ValueError, match="not supported when using a generator"):
        first.fit(sequence, y, verbose=0)
    with pytest.warns(DeprecationWarning, match="use `Model.fit`"):
        history = first.fit_generator(generator(), steps_per_epoch=3, epochs=1, verbose=0)
    assert len(history.history["loss"]) == 1
    with pytest.warns(DeprecationWarning, match="use `Model.evaluate`"):
        loss = first.evaluate_generator(sequence)
    assert loss == pytest.approx(first.evaluate(x, y, batch_size=20, verbose=0), rel=1e-5)


def test_a_finite_generator_ends_the_epoch_when_exhausted():
    x, y = blobs(n=40)
    model = mlp()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    batches = ((x[i:i + 10], y[i:i + 10]) for i in range(0, 40, 10))
    seen = []
    history = model.fit(batches, epochs=1, verbose=0, callbacks=[keras.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: seen.append(batch))])
    assert seen == [0, 1, 2, 3] and len(history.history["loss"]) == 1


def test_sequential_without_input_shape_and_subclassed_models_build_from_data():
    x, y = blobs(n=32)
    sequential = keras.Sequential([Dense(5, activation="relu"), Dense(3, activation="softmax")])
    sequential.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    sequential.fit(x, y, epochs=1, verbose=0)
    assert sequential.built and sequential.predict(x).shape == (32, 3)

    class TwoLayers(keras.Model):
        def __init__(self):
            super().__init__()
            self.hidden = Dense(6, activation="relu")
            self.out = Dense(3, activation="softmax")

        def call(self, inputs):
            return self.out(self.hidden(inputs))

    subclassed = TwoLayers()
    subclassed.compile(optimizer="sgd", loss="sparse_categorical_crossentropy",
                       metrics=["accuracy"])
    history = subclassed.fit(x, y, epochs=1, verbose=0)
    assert list(history.history) == ["loss", "accuracy"]
    assert subclassed.predict(x).shape == (32, 3)


def test_frozen_layers_are_not_updated():
    x, y = blobs(n=64)
    base = Dense(16, activation="relu", name="base")
    inputs = keras.Input(shape=(8,))
    model = keras.Model(inputs, Dense(3, activation="softmax", name="head")(base(inputs)))
    base.trainable = False
    model.compile(optimizer=keras.optimizers.SGD(0.5), loss="sparse_categorical_crossentropy")
    assert [w.name for w in model.trainable_weights] == ["head/kernel:0", "head/bias:0"]
    frozen = base.get_weights()
    head = model.get_layer("head").get_weights()
    model.fit(x, y, epochs=2, verbose=0)
    for old, new in zip(frozen, base.get_weights()):
        np.testing.assert_array_equal(old, new)
    assert not np.allclose(head[0], model.get_layer("head").get_weights()[0])


def test_dropout_acts_in_training_steps_only():
    x, y = blobs(n=64)
    inputs = keras.Input(shape=(8,))
    hidden = Dropout(0.5)(Dense(32, activation="relu")(inputs))
    model = keras.Model(inputs, Dense(3, activation="softmax")(hidden))
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="sparse_categorical_crossentropy")
    test_losses = {round(model.test_on_batch(x, y), 6) for _ in range(3)}
    train_losses = {round(model.train_on_batch(x, y), 6) for _ in range(3)}
    assert len(test_losses) == 1 and len(train_losses) == 3
    np.testing.assert_array_equal(model.predict(x), model.predict(x))
    probs = model.predict_on_batch(x)
    assert test_losses.pop() == pytest.approx(softmax_ce(probs, y).mean(), rel=1e-5)


def test_batch_normalization_updates_its_moving_statistics_during_fit():
    rng = np.random.default_rng(1)
    x = (rng.normal(size=(64, 4)) * 3 + 5).astype(np.float32)
    y = rng.integers(0, 2, size=64)
    norm = BatchNormalization(momentum=0.5)
    inputs = keras.Input(shape=(4,))
    model = keras.Model(inputs, Dense(1, activation="sigmoid")(norm(inputs)))
    model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(x, y, batch_size=64, epochs=5, verbose=0)
    moving_mean = keras.backend.get_value(norm.moving_mean)
    np.testing.assert_allclose(moving_mean, x.mean(axis=0) * (1 - 0.5 ** 5), rtol=1e-4)
    assert model.metrics[0].name == "accuracy"
    assert type(model.metrics[0]).__name__ == "BinaryAccuracy"


def test_regularization_losses_are_part_of_the_loss():
    x, y = blobs(n=20)
    inputs = keras.Input(shape=(8,))
    layer = Dense(3, activation="softmax", kernel_regularizer=keras.regularizers.l2(0.1))
    model = keras.Model(inputs, layer(inputs))
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    kernel = layer.get_weights()[0]
    expected = softmax_ce(model.predict(x), y).mean() + 0.1 * np.sum(kernel ** 2)
    assert model.evaluate(x, y, verbose=0) == pytest.approx(expected, rel=1e-5)


def test_custom_loss_and_metric_functions_and_learning_rate_schedules():
    x, y = blobs(n=48)
    targets = keras.utils.to_categorical(y, 3)

    def squared_error_sum(y_true, y_pred):
        return tf.reduce_sum(tf.square(y_true - y_pred), axis=-1)

    def max_probability(y_true, y_pred):
        return tf.reduce_max(y_pred, axis=-1)

    model = mlp()
    schedule = keras.optimizers.schedules.ExponentialDecay(0.5, decay_steps=3, decay_rate=0.5)
    model.compile(optimizer=keras.optimizers.SGD(schedule), loss=squared_error_sum,
                  metrics=[max_probability])
    history = model.fit(x, targets, batch_size=16, epochs=2, verbose=0)
    assert list(history.history) == ["loss", "max_probability"]
    assert model.optimizer.learning_rate == pytest.approx(0.5 * 0.5 ** 2)   # after 6 steps
    probs = model.predict(x)
    loss, top = model.evaluate(x, targets, verbose=0)
    assert loss == pytest.approx(np.mean(np.sum((targets - probs) ** 2, axis=1)), rel=1e-5)
    assert top == pytest.approx(probs.max(axis=1).mean(), rel=1e-5)


def test_history_initial_epoch_steps_per_epoch_and_seeded_shuffle():
    x, y = blobs(n=50)
    batches = []
    counter = keras.callbacks.LambdaCallback(
        on_epoch_begin=lambda epoch, logs: batches.append(0),
        on_train_batch_end=lambda batch, logs: batches.__setitem__(-1, batches[-1] + 1))
    results = []
    for _ in range(2):
        keras.backend.clear_session()
        tf.set_random_seed(0)
        np.random.seed(7)
        model = mlp()
        model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
        history = model.fit(x, y, batch_size=8, epochs=4, initial_epoch=2, steps_per_epoch=3,
                            verbose=0, callbacks=[counter])
        results.append(history.history["loss"])
    assert history.epoch == [2, 3] and batches == [3, 3, 3, 3]
    assert history.params == {"verbose": 0, "epochs": 4, "steps": 3}
    assert model.history is history
    assert results[0] == results[1]              # np.random seeds the shuffling


def test_fit_errors_say_what_is_wrong_and_how_to_fix_it():
    x, y = blobs(n=100)
    model = mlp()
    with pytest.raises(RuntimeError, match=r"You must call compile\(\) before fit\(\)"):
        model.fit(x, y)
    with pytest.raises(RuntimeError, match=r"You must call compile\(\) before evaluate\(\)"):
        model.evaluate(x, y)
    model.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
    with pytest.raises(ValueError, match=r"Data cardinality is ambiguous: x sizes: 100, y sizes: "
                                         r"90\. Make sure all arrays contain the same number "
                                         r"of samples\."):
        model.fit(x, keras.utils.to_categorical(y[:90], 3), verbose=0)
    for labels in (y, y[:, None]):
        with pytest.raises(ValueError, match=r"integer class labels of shape .*"
                                             r"sparse_categorical_crossentropy.*"
                                             r"to_categorical\(y, num_classes=3\)"):
            model.fit(x, labels, verbose=0)
    with pytest.raises(ValueError, match=r"shape \(100, 4\).*output shape \(None, 3\)"):
        model.fit(x, np.zeros((100, 4), np.float32), verbose=0)
    with pytest.raises(ValueError, match="expects 1 input array .*received 2"):
        model.fit([x, x], keras.utils.to_categorical(y, 3), verbose=0)
    sparse = mlp()
    sparse.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match=r"look one-hot encoded: shape \(100, 3\).*"
                                         r"loss='categorical_crossentropy'"):
        sparse.fit(x, keras.utils.to_categorical(y, 3), verbose=0)
    with pytest.raises(ValueError, match="Target data is missing"):
        sparse.fit(x, verbose=0)
    with pytest.raises(ValueError, match="no input data; pass `x`"):
        sparse.fit(y=y, verbose=0)
    with pytest.raises(ValueError, match="Unknown loss: 'categorical_crossentropyy'"):
        sparse.compile(optimizer="sgd", loss="categorical_crossentropyy")
    first, second = keras.Input(shape=(2,), name="a"), keras.Input(shape=(2,), name="b")
    two_inputs = keras.Model([first, second], Dense(1)(keras.layers.Add()([first, second])))
    two_inputs.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match=r"expects 2 input arrays \(a, b\), but it received 1"):
        two_inputs.fit(np.zeros((4, 2)), np.zeros(4), verbose=0)


def test_train_test_and_predict_on_batch():
    x, y = blobs(n=16)
    model = mlp()
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    before = model.test_on_batch(x, y)
    first = model.train_on_batch(x, y, return_dict=True)
    assert first["loss"] == pytest.approx(before[0], rel=1e-6)   # loss before the update
    after = model.test_on_batch(x, y)
    assert after[0] < before[0]
    np.testing.assert_allclose(model.predict_on_batch(x), model.predict(x), rtol=1e-6)


def test_one_step_graph_is_built_once_and_reused():
    x, y = blobs(n=64)
    model = mlp()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    graph = tf.get_default_graph()
    model.fit(x, y, batch_size=16, epochs=1, validation_split=0.25, verbose=0)
    model.evaluate(x, y, verbose=0)
    count = len(graph.get_operations())
    model.fit(x, y, batch_size=8, epochs=2, validation_split=0.25, verbose=0)
    model.evaluate(x, y, batch_size=5, verbose=0)
    model.train_on_batch(x[:4], y[:4])
    assert len(graph.get_operations()) == count


def test_a_model_built_before_clear_session_keeps_working_and_then_goes():
    # Keras 3: clear_session resets names and the default graph; models already built still
    # train and predict (TF 1.x Keras closed their session: "uninitialized value" errors).
    import gc
    import weakref
    rng = np.random.default_rng(0)
    x, y = rng.random((32, 4)).astype("float32"), rng.integers(0, 2, 32)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy")
    model.fit(x, y, verbose=0)
    before = model.predict(x[:4], verbose=0)
    graph = weakref.ref(tf.get_default_graph())
    keras.backend.clear_session()
    np.testing.assert_array_equal(model.predict(x[:4], verbose=0), before)
    assert len(model.fit(x, y, verbose=0).history["loss"]) == 1
    fresh = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    assert fresh.layers[0].name == "dense" and tf.get_default_graph() is not graph()
    del model
    gc.collect()
    assert graph() is None                  # its graph and session went with the last model
