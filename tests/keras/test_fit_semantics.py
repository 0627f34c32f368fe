"""fit's data and callback semantics where tenseur differed from Keras 3.15 (found by
benchmarks/keras_training_parity.py, which compares ~175 training-API cases)."""
import numpy as np
import pytest

import tenseur as tf
from tenseur import keras


def tiny_model(loss="mse"):
    tf.set_random_seed(0)
    inputs = keras.Input((2,))
    model = keras.Model(inputs, keras.layers.Dense(1, kernel_initializer="ones")(inputs))
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss=loss)
    return model


class Recorder(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.batches, self.logs = [], []

    def on_train_batch_begin(self, batch, logs=None):
        self.batches.append(batch)

    def on_train_begin(self, logs=None):
        self.logs.append(logs)

    def on_epoch_begin(self, epoch, logs=None):
        self.logs.append(logs)


def test_class_weight_does_not_weigh_the_validation_split():
    x = np.arange(20, dtype=np.float32).reshape(10, 2) / 10
    y = np.array([0, 1] * 5, np.float32).reshape(-1, 1)
    model = tiny_model("binary_crossentropy")
    history = model.fit(x, y, validation_split=0.3, class_weight={0: 5.0, 1: 0.1},
                        epochs=1, verbose=0)
    assert history.history["val_loss"][0] == pytest.approx(
        model.evaluate(x[7:], y[7:], verbose=0), rel=1e-6)


def first_values_trained_on(model):
    """The first input value of every training batch `model` runs (a spy on its step)."""
    firsts = []
    original = model._run_step

    def spy(xs, ys, weights, training, cache):
        if training:
            firsts.append(float(xs[0][0, 0]))
        return original(xs, ys, weights, training, cache)
    model._run_step = spy
    return firsts


def test_steps_per_epoch_ends_an_epoch_with_the_data():
    x = np.arange(10, dtype=np.float32).reshape(5, 2)
    y = np.zeros((5, 1), np.float32)
    model = tiny_model()
    firsts = first_values_trained_on(model)
    model.fit(x, y, batch_size=1, steps_per_epoch=2, epochs=4, shuffle=False, verbose=0)
    # 5 batches, 2 a step: [b0 b1] [b2 b3] [b4] (the data ran out) [b0 b1], as Keras 3
    assert firsts == [0.0, 2.0, 4.0, 6.0, 8.0, 0.0, 2.0]


def test_a_pydataset_with_steps_per_epoch_goes_on_where_the_last_epoch_stopped():
    class Items(keras.utils.PyDataset):
        def __len__(self):
            return 3

        def __getitem__(self, i):
            return np.full((1, 2), float(i), np.float32), np.zeros((1, 1), np.float32)
    model = tiny_model()
    firsts = first_values_trained_on(model)
    model.fit(Items(), steps_per_epoch=2, epochs=3, shuffle=False, verbose=0)
    assert firsts == [0.0, 1.0, 2.0, 0.0, 1.0]


def test_validation_steps_evaluate_the_same_first_batches_every_epoch():
    x = np.arange(12, dtype=np.float32).reshape(6, 2)
    y = np.zeros((6, 1), np.float32)
    model = tiny_model()
    history = model.fit(x, y, validation_data=(x, y), validation_steps=1, batch_size=2,
                        epochs=3, verbose=0)
    assert len(set(history.history["val_loss"])) == 1        # SGD(0): the model never moves


def test_every_hook_gets_a_logs_dict_and_predict_outputs_are_the_array():
    recorder = Recorder()
    outputs = []

    class Predicted(keras.callbacks.Callback):
        def on_predict_batch_end(self, batch, logs=None):
            outputs.append(logs["outputs"])
    model = tiny_model()
    x = np.ones((4, 2), np.float32)
    model.fit(x, np.zeros((4, 1), np.float32), epochs=1, verbose=0, callbacks=[recorder])
    assert all(isinstance(logs, dict) for logs in recorder.logs)
    model.predict(x, batch_size=2, verbose=0, callbacks=[Predicted()])
    assert all(isinstance(o, np.ndarray) and o.shape == (2, 1) for o in outputs)


def test_csv_logger_keeps_room_for_validation_columns(tmp_path):
    path = tmp_path / "log.csv"
    x = np.ones((6, 2), np.float32)
    y = np.zeros((6, 1), np.float32)
    tiny_model().fit(x, y, validation_data=(x, y), validation_freq=2, epochs=2, verbose=0,
                     callbacks=[keras.callbacks.CSVLogger(str(path))])
    header, first, second = path.read_text().splitlines()
    assert header == "epoch,loss,val_loss"
    assert first.endswith(",NA") and not second.endswith(",NA")
