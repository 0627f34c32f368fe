"""Keras callbacks: hooks that `fit`, `evaluate` and `predict` call at the start and end of
training, epochs and batches (`keras.callbacks`).

`fit` calls, in this order, the user's callbacks, then `History`, then `ProgbarLogger` (as
tf.keras 2.x): so a callback that adds to the epoch logs (ReduceLROnPlateau's
`learning_rate`) is seen by the history and the progress bar. Batch logs hold the running
means of the epoch so far; epoch-end logs add the `val_` values.

Example:
    >>> stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=3,
    ...                                      restore_best_weights=True)
    >>> history = model.fit(x, y, validation_split=0.1, epochs=50, callbacks=[stop])
"""
from __future__ import annotations

import csv
import math
import os
import warnings

import numpy as np

from . import metrics as metrics_module
from .utils.progbar import Progbar


class Callback:
    """Base class: override the hooks you need; `self.model` and `self.params` are set by
    `fit` (`set_model`, `set_params`). `epoch` is 0-based; `logs` a dict of floats."""

    def __init__(self):
        self.model = None
        self.params = {}
        self.validation_data = None

    def set_params(self, params):
        self.params = params

    def set_model(self, model):
        self.model = model

    def on_train_begin(self, logs=None): pass

    def on_train_end(self, logs=None): pass

    def on_epoch_begin(self, epoch, logs=None): pass

    def on_epoch_end(self, epoch, logs=None): pass

    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        self.on_batch_end(batch, logs=logs)

    # Keras 2 names of the training batch hooks.
    def on_batch_begin(self, batch, logs=None): pass

    def on_batch_end(self, batch, logs=None): pass

    def on_test_begin(self, logs=None): pass

    def on_test_end(self, logs=None): pass

    def on_test_batch_begin(self, batch, logs=None): pass

    def on_test_batch_end(self, batch, logs=None): pass

    def on_predict_begin(self, logs=None): pass

    def on_predict_end(self, logs=None): pass

    def on_predict_batch_begin(self, batch, logs=None): pass

    def on_predict_batch_end(self, batch, logs=None): pass


class CallbackList:
    """Calls a list of callbacks in order; adds `History` and `ProgbarLogger` for `fit`.

    Args:
        callbacks: the user's callbacks (None or a list).
        add_history: append a `History` (unless one is in the list).
        add_progbar: append a `ProgbarLogger` (unless one is in the list).
        model: set on every callback. **params: passed to `set_params`.
    """

    def __init__(self, callbacks=None, add_history=False, add_progbar=False, model=None,
                 **params):
        self.callbacks = list(callbacks or [])
        for callback in self.callbacks:
            if not isinstance(callback, Callback):
                raise TypeError(f"callbacks must be keras.callbacks.Callback instances, got "
                                f"{callback!r}.")
        self._history = next((c for c in self.callbacks if isinstance(c, History)), None)
        self._progbar = next((c for c in self.callbacks if isinstance(c, ProgbarLogger)), None)
        if self._history is None and add_history:
            self._history = History()
            self.callbacks.append(self._history)
        if self._progbar is None and add_progbar:
            self._progbar = ProgbarLogger()
            self.callbacks.append(self._progbar)
        if model is not None:
            self.set_model(model)
        if params:
            self.set_params(params)

    def append(self, callback):
        self.callbacks.append(callback)

    def set_params(self, params):
        self.params = params
        for callback in self.callbacks:
            callback.set_params(params)

    def set_model(self, model):
        self.model = model
        for callback in self.callbacks:
            callback.set_model(model)

    def _call(self, hook, *args):
        # Every hook gets a logs dict (Keras 3 passes {} where there is nothing to log), so
        # `logs.get(...)` works in any hook.
        if args and args[-1] is None:
            args = args[:-1] + ({},)
        for callback in self.callbacks:
            getattr(callback, hook)(*args)

    def on_train_begin(self, logs=None): self._call("on_train_begin", logs)

    def on_train_end(self, logs=None): self._call("on_train_end", logs)

    def on_epoch_begin(self, epoch, logs=None): self._call("on_epoch_begin", epoch, logs)

    def on_epoch_end(self, epoch, logs=None): self._call("on_epoch_end", epoch, logs)

    def on_train_batch_begin(self, batch, logs=None):
        self._call("on_train_batch_begin", batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        self._call("on_train_batch_end", batch, logs)

    def on_test_begin(self, logs=None): self._call("on_test_begin", logs)

    def on_test_end(self, logs=None): self._call("on_test_end", logs)

    def on_test_batch_begin(self, batch, logs=None):
        self._call("on_test_batch_begin", batch, logs)

    def on_test_batch_end(self, batch, logs=None): self._call("on_test_batch_end", batch, logs)

    def on_predict_begin(self, logs=None): self._call("on_predict_begin", logs)

    def on_predict_end(self, logs=None): self._call("on_predict_end", logs)

    def on_predict_batch_begin(self, batch, logs=None):
        self._call("on_predict_batch_begin", batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._call("on_predict_batch_end", batch, logs)

    def __iter__(self):
        return iter(self.callbacks)


class History(Callback):
    """Records the epoch-end logs: `history.history = {"loss": [...], "val_loss": [...]}`,
    `history.epoch = [0, 1, ...]`. `fit` returns it."""

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)

    def set_model(self, model):
        super().set_model(model)
        model.history = self


class ProgbarLogger(Callback):
    """Prints the progress bar: `Epoch i/N` when N > 1, then one bar per epoch (see
    `keras.utils.Progbar`); also the bar of `evaluate` and `predict` called on their own.

    Args:
        count_mode: "steps" (tf.keras 2.x's unit; the only one supported).
        stateful_metrics: accepted for compatibility (every logged value is a running mean).
    """

    def __init__(self, count_mode="steps", stateful_metrics=None):
        super().__init__()
        if count_mode != "steps":
            raise ValueError(f"ProgbarLogger: count_mode must be 'steps', got {count_mode!r}.")
        self.progbar = None
        self.seen = 0
        self._in_fit = False

    def set_params(self, params):
        super().set_params(params)
        self.verbose = params.get("verbose", 1)
        self.epochs = params.get("epochs", 1)
        self.target = params.get("steps")

    def _start_bar(self, target):
        self.seen = 0
        self.progbar = None
        if self.verbose:
            # Every logged value is already a running mean: show it as given.
            self.progbar = Progbar(target=target, verbose=self.verbose, unit_name="step",
                                   stateful_metrics=_AllNames())

    def on_train_begin(self, logs=None):
        self._in_fit = True

    def on_train_end(self, logs=None):
        self._in_fit = False

    def on_epoch_begin(self, epoch, logs=None):
        self._start_bar(self.target)
        if self.verbose and self.epochs > 1:
            print(f"Epoch {epoch + 1}/{self.epochs}", flush=True)

    def on_train_batch_end(self, batch, logs=None):
        self._update(batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        self._finish(logs)

    def on_test_begin(self, logs=None):
        if not self._in_fit:
            self._start_bar(self.params.get("steps"))

    def on_test_batch_end(self, batch, logs=None):
        if not self._in_fit:
            self._update(batch, logs)

    def on_test_end(self, logs=None):
        if not self._in_fit:
            self._finish(logs)

    def on_predict_begin(self, logs=None):
        self._start_bar(self.params.get("steps"))

    def on_predict_batch_end(self, batch, logs=None):
        self._update(batch, None)

    def on_predict_end(self, logs=None):
        self._finish(None)

    def _update(self, batch, logs):
        self.seen = batch + 1
        if self.progbar is not None and self.verbose == 1:
            self.progbar.update(self.seen, list((logs or {}).items()), finalize=False)

    def _finish(self, logs):
        if self.progbar is None:
            return
        if self.progbar.target is None:
            self.progbar.target = self.seen
        self.progbar.update(self.progbar.target, list((logs or {}).items()), finalize=True)
        self.progbar = None


class _AllNames:
    """A container holding every name (all values are running means already)."""

    def __contains__(self, item):
        return True

    def __iter__(self):
        return iter(())


class BaseLogger(Callback):
    """Kept for Keras 2 code: `fit` already averages the metrics over each epoch."""


# -- monitoring a quantity -----------------------------------------------------------------

def _monitor_op(callback, mode, monitor):
    """np.less or np.greater: how `monitor` improves under `mode` ("min", "max", "auto")."""
    if mode not in ("auto", "min", "max"):
        warnings.warn(f"{type(callback).__name__} mode {mode!r} is unknown, fallback to auto "
                      f"mode.", stacklevel=3)
        mode = "auto"
    if mode == "min":
        return np.less
    if mode == "max":
        return np.greater
    name = monitor.removeprefix("val_")
    if name.endswith("loss"):
        return np.less
    model = getattr(callback, "model", None)
    direction = None
    if model is not None and hasattr(model, "_metric_direction"):
        direction = model._metric_direction(name)
    if direction is None:
        if "acc" in name or name.startswith("fmeasure") or name.endswith(
                ("auc", "precision", "recall")):
            direction = "up"
        else:
            direction = metrics_module.direction_of(metrics_module._FUNCTIONS.get(name))
    if direction is None:
        raise ValueError(f"{type(callback).__name__} callback received monitor={monitor!r} "
                         f"with mode='auto', but cannot tell whether it should be minimised "
                         f"or maximised. Pass mode='min' or mode='max'.")
    return np.greater if direction == "up" else np.less


class EarlyStopping(Callback):
    """Stops training when a monitored quantity has stopped improving.

    Args:
        monitor: the log to watch (default "val_loss").
        min_delta: an improvement must exceed this.
        patience: epochs without improvement before stopping.
        verbose: 1 prints when stopping and restoring.
        mode: "min", "max" or "auto" (from the metric).
        baseline: stop if the quantity does not beat this within `patience` epochs.
        restore_best_weights: at the end, set the weights of the best epoch.
        start_from_epoch: epochs to wait before watching.
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto",
                 baseline=None, restore_best_weights=False, start_from_epoch=0):
        super().__init__()
        self.monitor, self.patience, self.verbose = monitor, patience, verbose
        self.baseline, self.min_delta = baseline, abs(min_delta)
        self.restore_best_weights = restore_best_weights
        self.start_from_epoch = start_from_epoch
        self.mode = mode
        self.monitor_op = None
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_weights = None
        self.best_epoch = 0

    def on_train_begin(self, logs=None):
        self.monitor_op = _monitor_op(self, self.mode, self.monitor)
        self.wait = 0
        self.stopped_epoch = 0
        self.best = np.inf if self.monitor_op is np.less else -np.inf
        self.best_weights = None
        self.best_epoch = 0

    def _is_improvement(self, current, reference):
        if reference is None:
            return True
        delta = -self.min_delta if self.monitor_op is np.less else self.min_delta
        return bool(self.monitor_op(current - delta, reference))

    def on_epoch_end(self, epoch, logs=None):
        current = _get_monitor_value(self, logs)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            # Before any improvement, the weights of this epoch are the best known.
            self.best_weights = self.model.get_weights()
            self.best_epoch = epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print(f"Restoring model weights from the end of the best epoch: "
                      f"{self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)


def _get_monitor_value(callback, logs):
    logs = logs or {}
    value = logs.get(callback.monitor)
    if value is None:
        warnings.warn(f"{type(callback).__name__} is conditioned on metric "
                      f"`{callback.monitor}` which is not available. Available metrics are: "
                      f"{', '.join(logs)}", stacklevel=3)
    return value


class ModelCheckpoint(Callback):
    """Saves the model (or its weights) after every epoch, or only when it improves.

    Args:
        filepath: path, formatted with `epoch` (1-based) and the logs:
            "ckpt-{epoch:02d}-{val_loss:.2f}.keras".
        monitor: the log compared for `save_best_only` (default "val_loss").
        verbose: 1 prints a message at each save.
        save_best_only: save only when `monitor` improves.
        save_weights_only: `model.save_weights(path)` instead of `model.save(path)`.
        mode: "auto", "min" or "max". save_freq: "epoch" or a number of batches.
        initial_value_threshold: the value to beat for the first save.
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", save_freq="epoch",
                 initial_value_threshold=None):
        super().__init__()
        self.filepath = os.fspath(filepath)
        self.monitor, self.verbose = monitor, verbose
        self.save_best_only, self.save_weights_only = save_best_only, save_weights_only
        self.mode = mode
        if save_freq != "epoch" and not (isinstance(save_freq, int) and save_freq > 0):
            raise ValueError(f"Unrecognized save_freq: {save_freq!r}; expected 'epoch' or a "
                             f"positive number of batches.")
        self.save_freq = save_freq
        self.best = initial_value_threshold
        self.monitor_op = None
        self._batches_seen = 0
        self._current_epoch = 0

    def on_train_begin(self, logs=None):
        if self.save_best_only:
            self.monitor_op = _monitor_op(self, self.mode, self.monitor)

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq != "epoch":
            self._batches_seen += 1
            if self._batches_seen % self.save_freq == 0:
                self._save(self._current_epoch, batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save(epoch, None, logs)

    def _save(self, epoch, batch, logs):
        logs = dict(logs or {})
        path = self._file_path(epoch, batch, logs)
        directory = os.path.dirname(path)
        if directory:
            os.makedirs(directory, exist_ok=True)
        if self.save_best_only:
            current = logs.get(self.monitor)
            if current is None:
                warnings.warn(f"Can save best model only with {self.monitor} available, "
                              f"skipping.", stacklevel=2)
                return
            if self.best is None or self.monitor_op(current, self.best):
                if self.verbose > 0:
                    print(f"\nEpoch {epoch + 1}: {self.monitor} improved from "
                          f"{_format_best(self.best)} to {current:.5f}, saving model to {path}")
                self.best = current
                self._write(path, epoch)
            elif self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from "
                      f"{_format_best(self.best)}")
            return
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: saving model to {path}")
        self._write(path, epoch)

    def _write(self, path, epoch):
        if self.save_weights_only:
            if not hasattr(self.model, "save_weights"):
                raise NotImplementedError("ModelCheckpoint(save_weights_only=True) needs "
                                          "Model.save_weights, which this build lacks.")
            self.model.save_weights(path)
        else:
            if not hasattr(self.model, "save"):
                raise NotImplementedError("ModelCheckpoint needs Model.save, which this build "
                                          "lacks.")
            self.model.save(path)
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: finished saving model to {path}")   # Keras 3.15

    def _file_path(self, epoch, batch, logs):
        try:
            if batch is None or "batch" in logs:
                return self.filepath.format(epoch=epoch + 1, **logs)
            return self.filepath.format(epoch=epoch + 1, batch=batch + 1, **logs)
        except KeyError as error:
            raise KeyError(f"Failed to format this callback filepath: \"{self.filepath}\". "
                           f"Reason: {error}") from None


def _format_best(best):
    return "None" if best is None else f"{best:.5f}"


class ReduceLROnPlateau(Callback):
    """Multiplies the learning rate by `factor` when `monitor` stops improving.

    Args:
        monitor (default "val_loss"), factor=0.1 (< 1), patience=10, verbose=0, mode="auto",
        min_delta=1e-4, cooldown=0 (epochs to wait after a reduction), min_lr=0.0.
    Adds the current rate to the epoch logs as `learning_rate`.
    """

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto",
                 min_delta=1e-4, cooldown=0, min_lr=0.0, **kwargs):
        super().__init__()
        if "epsilon" in kwargs:
            min_delta = kwargs.pop("epsilon")
            warnings.warn("ReduceLROnPlateau: `epsilon` is deprecated, use `min_delta`.",
                          DeprecationWarning, stacklevel=2)
        if kwargs:
            raise TypeError(f"ReduceLROnPlateau: unexpected keyword argument(s) "
                            f"{', '.join(sorted(kwargs))}.")
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau does not support a factor >= 1.0. Received "
                             f"factor={factor}")
        self.monitor, self.factor, self.patience = monitor, factor, patience
        self.verbose, self.mode, self.min_delta = verbose, mode, min_delta
        self.cooldown, self.min_lr = cooldown, min_lr
        self.wait = 0
        self.cooldown_counter = 0
        self.best = None
        self.monitor_op = None

    def on_train_begin(self, logs=None):
        op = _monitor_op(self, self.mode, self.monitor)
        if op is np.less:
            self.monitor_op = lambda a, b: np.less(a, b - self.min_delta)
            self.best = np.inf
        else:
            self.monitor_op = lambda a, b: np.greater(a, b + self.min_delta)
            self.best = -np.inf
        self.wait = 0
        self.cooldown_counter = 0

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        logs["learning_rate"] = float(self.model.optimizer.learning_rate)
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Learning rate reduction is conditioned on metric `{self.monitor}` "
                          f"which is not available. Available metrics are: "
                          f"{', '.join(logs)}.", stacklevel=2)
            return
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self.monitor_op(current, self.best):
            self.best = current
            self.wait = 0
        elif self.cooldown_counter <= 0:
            self.wait += 1
            if self.wait >= self.patience:
                old_lr = float(self.model.optimizer.learning_rate)
                if old_lr > np.float32(self.min_lr):
                    new_lr = max(old_lr * self.factor, self.min_lr)
                    self.model.optimizer.learning_rate = new_lr
                    if self.verbose > 0:
                        print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate "
                              f"to {new_lr}.")
                    self.cooldown_counter = self.cooldown
                    self.wait = 0


class LearningRateScheduler(Callback):
    """Sets the learning rate at the start of each epoch to `schedule(epoch, lr)` (or
    `schedule(epoch)`); adds it to the epoch logs as `learning_rate`."""

    def __init__(self, schedule, verbose=0):
        super().__init__()
        self.schedule, self.verbose = schedule, verbose

    def on_epoch_begin(self, epoch, logs=None):
        optimizer = self.model.optimizer
        try:
            lr = self.schedule(epoch, float(optimizer.learning_rate))
        except TypeError:
            lr = self.schedule(epoch)
        if not isinstance(lr, (float, int, np.floating, np.integer)):
            message = f"The output of the `schedule` function should be a float. Got: {lr!r}"
            raise ValueError(message)  # noqa: TRY004 (Keras raises ValueError here)
        optimizer.learning_rate = float(lr)
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to "
                  f"{float(lr)}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = float(self.model.optimizer.learning_rate)


class TerminateOnNaN(Callback):
    """Stops training as soon as the loss of a batch is NaN or infinite."""

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and (math.isnan(loss) or math.isinf(loss)):
            print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True


class CSVLogger(Callback):
    """Writes the epoch logs to a CSV file: a header `epoch,<sorted log names>` once, then one
    row per epoch (flushed at once).

    Args: filename, separator=",", append=False (keep the file's rows; no second header).
    """

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.filename = os.fspath(filename)
        self.sep, self.append = separator, append
        self.keys = None
        self.writer = None
        self.csv_file = None

    def on_train_begin(self, logs=None):
        has_rows = self.append and os.path.exists(self.filename) \
            and os.path.getsize(self.filename) > 0
        self._write_header = not has_rows
        # Open for the whole run (closed in on_train_end): one row is flushed per epoch.
        self.csv_file = open(self.filename, "a" if self.append else "w", newline="")  # noqa: SIM115
        self.writer = None
        self.keys = None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
            # An epoch without validation (validation_freq > 1, or none at all) still makes
            # room for the val_ columns later epochs may bring (Keras 3: "NA" until then).
            if not any(key.startswith("val_") for key in self.keys):
                self.keys += ["val_" + key for key in self.keys]
        if self.writer is None:
            self.writer = csv.DictWriter(self.csv_file, fieldnames=["epoch"] + self.keys,
                                         delimiter=self.sep)
            if self._write_header:
                self.writer.writeheader()
        row = {"epoch": epoch}
        row.update((key, logs.get(key, "NA")) for key in self.keys)
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        if self.csv_file is not None:
            self.csv_file.close()
            self.csv_file = None
        self.writer = None


class LambdaCallback(Callback):
    """A callback made of functions: `LambdaCallback(on_epoch_end=lambda epoch, logs: ...)`.

    Args: on_epoch_begin/on_epoch_end(epoch, logs), on_train_batch_begin/end and
    on_batch_begin/end(batch, logs), on_train_begin/on_train_end(logs), and the test and
    predict hooks likewise.
    """

    _HOOKS = ("on_epoch_begin", "on_epoch_end", "on_train_begin", "on_train_end",
              "on_train_batch_begin", "on_train_batch_end", "on_batch_begin", "on_batch_end",
              "on_test_begin", "on_test_end", "on_test_batch_begin", "on_test_batch_end",
              "on_predict_begin", "on_predict_end", "on_predict_batch_begin",
              "on_predict_batch_end")

    def __init__(self, **hooks):
        super().__init__()
        unknown = set(hooks) - set(self._HOOKS)
        if unknown:
            raise TypeError(f"LambdaCallback: unknown hook(s) {', '.join(sorted(unknown))}; "
                            f"expected some of {', '.join(self._HOOKS)}.")
        for name, function in hooks.items():
            if function is not None:
                setattr(self, name, function)


__all__ = [
    "BaseLogger",
    "CSVLogger",
    "Callback",
    "CallbackList",
    "EarlyStopping",
    "History",
    "LambdaCallback",
    "LearningRateScheduler",
    "ModelCheckpoint",
    "ProgbarLogger",
    "ReduceLROnPlateau",
    "TerminateOnNaN",
]


def __getattr__(name):
    # The TensorBoard callback lives in its own module (it needs the `board` extra).
    if name == "TensorBoard":
        from .callbacks_tensorboard import TensorBoard
        return TensorBoard
    raise AttributeError(f"module 'tenseur.keras.callbacks' has no attribute {name!r}")
