"""Keras callbacks: the order of the hooks, History, EarlyStopping, ModelCheckpoint,
ReduceLROnPlateau, LearningRateScheduler, TerminateOnNaN, CSVLogger, LambdaCallback and
`model.stop_training`."""
import csv
import zipfile

import numpy as np
import pytest

import tenseur as tf
from tenseur import keras
from tenseur.keras import callbacks
from tenseur.keras.layers import Dense


@pytest.fixture(autouse=True)
def _seed():
    np.random.seed(0)
    tf.set_random_seed(0)


def data(n=16, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype(np.float32)
    return x, (x.sum(axis=1) > 0).astype(np.float32)


def model(learning_rate=0.1):
    inputs = keras.Input(shape=(4,))
    net = keras.Model(inputs, Dense(1, activation="sigmoid", name="out")(inputs))
    net.compile(optimizer=keras.optimizers.SGD(learning_rate), loss="binary_crossentropy",
                metrics=["acc"])
    return net


class Scripted(callbacks.Callback):
    """Replaces the monitored value of each epoch and remembers the weights then."""

    def __init__(self, values, key="val_loss"):
        super().__init__()
        self.values, self.key, self.weights = values, key, []

    def on_epoch_end(self, epoch, logs=None):
        logs[self.key] = self.values[epoch]
        self.weights.append(self.model.get_weights())


def test_hooks_run_in_keras_order_with_running_batch_logs():
    x, y = data(8)
    x_val, y_val = data(4, seed=1)
    net = model()
    calls, batch_losses = [], []

    def hook(name):
        def record(*args):
            calls.append(name if len(args) == 1 else f"{name} {args[0]}")
        return record

    names = ["on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end",
             "on_train_batch_begin", "on_train_batch_end", "on_test_begin", "on_test_end",
             "on_test_batch_begin", "on_test_batch_end", "on_predict_begin", "on_predict_end",
             "on_predict_batch_begin", "on_predict_batch_end"]
    recorder = callbacks.LambdaCallback(**{name: hook(name[3:]) for name in names})
    losses = callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: batch_losses.append(logs["loss"]))
    history = net.fit(x, y, batch_size=4, epochs=2, validation_data=(x_val, y_val), verbose=0,
                      callbacks=[recorder, losses])
    epoch = ["train_batch_begin 0", "train_batch_end 0", "train_batch_begin 1",
             "train_batch_end 1", "test_begin", "test_batch_begin 0", "test_batch_end 0",
             "test_end"]
    assert calls == (["train_begin", "epoch_begin 0"] + epoch + ["epoch_end 0", "epoch_begin 1"]
                     + epoch + ["epoch_end 1", "train_end"])
    # Batch logs are running means: the epoch's loss is the mean of its batches' losses.
    assert history.history["loss"][0] == pytest.approx(batch_losses[1])
    calls.clear()
    net.evaluate(x, y, batch_size=8, verbose=0, callbacks=[recorder])
    net.predict(x, batch_size=8, callbacks=[recorder])
    assert calls == ["test_begin", "test_batch_begin 0", "test_batch_end 0", "test_end",
                     "predict_begin", "predict_batch_begin 0", "predict_batch_end 0",
                     "predict_end"]


def test_callback_base_has_every_hook_and_receives_model_and_params():
    seen = {}

    class Probe(callbacks.Callback):
        def on_train_begin(self, logs=None):
            seen["model"], seen["params"] = self.model, dict(self.params)

        def on_batch_end(self, batch, logs=None):          # Keras 2 name of the hook
            seen.setdefault("batches", []).append(batch)

    x, y = data(8)
    net = model()
    net.fit(x, y, batch_size=4, epochs=1, verbose=0, callbacks=[Probe()])
    assert seen["model"] is net and seen["params"] == {"verbose": 0, "epochs": 1, "steps": 2}
    assert seen["batches"] == [0, 1]
    base = callbacks.Callback()
    for hook in ["on_train_begin", "on_test_end", "on_predict_batch_end", "on_epoch_end"]:
        assert callable(getattr(base, hook))


def test_early_stopping_stops_and_restores_the_best_weights(capsys):
    x, y = data()
    net = model()
    script = Scripted([3.0, 2.0, 1.0, 1.5, 1.2, 0.5, 0.4, 0.3])
    stop = callbacks.EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True,
                                   verbose=1)
    history = net.fit(x, y, epochs=8, verbose=0, callbacks=[script, stop])
    assert history.epoch == [0, 1, 2, 3, 4] and stop.stopped_epoch == 4
    for restored, best in zip(net.get_weights(), script.weights[2]):
        np.testing.assert_array_equal(restored, best)
    out = capsys.readouterr().out
    assert "Epoch 5: early stopping" in out
    assert "Restoring model weights from the end of the best epoch: 3." in out


def test_early_stopping_min_delta_baseline_and_max_mode():
    x, y = data()
    net = model()
    stop = callbacks.EarlyStopping(monitor="val_loss", min_delta=0.5, patience=1)
    net.fit(x, y, epochs=6, verbose=0, callbacks=[Scripted([2.0, 1.8, 1.6, 1.4, 1.2, 1.0]),
                                                  stop])
    assert stop.stopped_epoch == 1                    # 0.2 better is not better enough
    stop = callbacks.EarlyStopping(monitor="val_acc", patience=1)
    history = net.fit(x, y, epochs=6, verbose=0, callbacks=[
        Scripted([0.5, 0.6, 0.7, 0.6, 0.6, 0.9], key="val_acc"), stop])
    assert stop.monitor_op is np.greater and history.epoch == [0, 1, 2, 3]
    stop = callbacks.EarlyStopping(monitor="val_loss", baseline=0.5, patience=2)
    history = net.fit(x, y, epochs=6, verbose=0, callbacks=[Scripted([1.0, 0.9] + [0.9] * 4),
                                                            stop])
    assert history.epoch == [0, 1, 2]             # the improvements never beat the baseline
    stop = callbacks.EarlyStopping(monitor="val_loss", patience=0, start_from_epoch=2)
    history = net.fit(x, y, epochs=6, verbose=0, callbacks=[Scripted([1.0, 2.0, 3.0, 4.0, 5.0]),
                                                            stop])
    assert history.epoch == [0, 1, 2, 3]          # epochs 0 and 1 are not watched
    with pytest.warns(UserWarning, match="`val_missing` which is not available"):
        net.fit(x, y, epochs=1, verbose=0,
                callbacks=[callbacks.EarlyStopping(monitor="val_missing", mode="min")])


def test_model_stop_training_ends_fit_after_the_epoch():
    x, y = data()
    net = model()
    stopper = callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: setattr(net, "stop_training", epoch == 1))
    assert net.fit(x, y, epochs=5, verbose=0, callbacks=[stopper]).epoch == [0, 1]


def test_reduce_lr_on_plateau_lowers_the_learning_rate(capsys):
    x, y = data()
    net = model(learning_rate=0.1)
    reduce = callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=2,
                                         min_lr=0.03, verbose=1)
    history = net.fit(x, y, epochs=7, verbose=0, callbacks=[Scripted([1.0] * 7), reduce])
    assert history.history["learning_rate"] == pytest.approx(
        [0.1, 0.1, 0.1, 0.05, 0.05, 0.03, 0.03])
    assert net.optimizer.learning_rate == pytest.approx(0.03)
    out = capsys.readouterr().out
    assert "Epoch 3: ReduceLROnPlateau reducing learning rate to 0.05" in out
    with pytest.raises(ValueError, match="factor >= 1.0"):
        callbacks.ReduceLROnPlateau(factor=1.5)


def test_learning_rate_scheduler_sets_the_rate_used_by_the_steps(capsys):
    x, y = data()
    net = model()
    script = Scripted([0.0] * 3, key="unused")
    scheduler = callbacks.LearningRateScheduler(
        lambda epoch, lr: 0.0 if epoch == 1 else 0.2, verbose=1)
    history = net.fit(x, y, epochs=3, verbose=0, callbacks=[scheduler, script])
    assert history.history["learning_rate"] == pytest.approx([0.2, 0.0, 0.2])
    for before, after in zip(script.weights[0], script.weights[1]):
        np.testing.assert_array_equal(before, after)          # lr 0: nothing moved
    assert not np.allclose(script.weights[1][0], script.weights[2][0])
    assert "Epoch 2: LearningRateScheduler setting learning rate to 0.0." in \
        capsys.readouterr().out
    one_argument = callbacks.LearningRateScheduler(lambda epoch: 0.01 * (epoch + 1))
    net.fit(x, y, epochs=2, verbose=0, callbacks=[one_argument])
    assert net.optimizer.learning_rate == pytest.approx(0.02)


def test_terminate_on_nan_stops_at_the_first_bad_batch(capsys):
    x, y = data()
    x[0, 0] = np.nan
    net = model()
    batches = []
    history = net.fit(x, y, batch_size=4, epochs=3, verbose=0, shuffle=False, callbacks=[
        callbacks.TerminateOnNaN(),
        callbacks.LambdaCallback(on_train_batch_end=lambda b, logs: batches.append(b))])
    assert batches == [0] and history.epoch == [0]
    assert "Batch 0: Invalid loss, terminating training" in capsys.readouterr().out


def test_csv_logger_writes_a_header_once_and_a_row_per_epoch(tmp_path):
    x, y = data()
    path = tmp_path / "log.csv"
    net = model()
    net.fit(x, y, epochs=2, validation_split=0.25, verbose=0,
            callbacks=[callbacks.CSVLogger(str(path))])
    rows = list(csv.reader(path.open()))
    assert rows[0] == ["epoch", "acc", "loss", "val_acc", "val_loss"]
    assert [row[0] for row in rows[1:]] == ["0", "1"]
    history = net.fit(x, y, epochs=1, validation_split=0.25, verbose=0,
                      callbacks=[callbacks.CSVLogger(str(path), append=True)])
    rows = list(csv.reader(path.open()))
    assert len(rows) == 4 and rows[3][0] == "0"
    assert float(rows[3][2]) == pytest.approx(history.history["loss"][0])


@pytest.mark.skipif(not hasattr(keras.Model, "save_weights"),
                    reason="Model.save/save_weights are not available in this build")
def test_model_checkpoint_files_appear(tmp_path, capsys):
    x, y = data()
    net = model()
    pattern = str(tmp_path / "w-{epoch:02d}-{val_loss:.2f}.weights.h5")
    best = callbacks.ModelCheckpoint(pattern, save_best_only=True, save_weights_only=True,
                                     verbose=1)
    net.fit(x, y, epochs=3, verbose=0, callbacks=[Scripted([1.0, 2.0, 0.5]), best])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w-01-1.00.weights.h5",
                                                          "w-03-0.50.weights.h5"]
    out = capsys.readouterr().out
    assert "Epoch 1: val_loss improved from None to 1.00000, saving model to" in out
    assert "Epoch 2: val_loss did not improve from 1.00000" in out
    every = callbacks.ModelCheckpoint(str(tmp_path / "model-{epoch}.keras"))
    net.fit(x, y, epochs=2, validation_split=0.25, verbose=0, callbacks=[every])
    for epoch in (1, 2):
        assert zipfile.is_zipfile(tmp_path / f"model-{epoch}.keras")
    with pytest.raises(KeyError, match="Failed to format this callback filepath"):
        net.fit(x, y, epochs=1, verbose=0,
                callbacks=[callbacks.ModelCheckpoint(str(tmp_path / "{nope}.keras"))])


def test_history_is_returned_and_attached_to_the_model():
    x, y = data()
    net = model()
    history = net.fit(x, y, epochs=2, verbose=0)
    assert isinstance(history, callbacks.History) and net.history is history
    assert list(history.history) == ["loss", "acc"] and history.epoch == [0, 1]
    assert all(isinstance(v, float) for v in history.history["loss"])
