"""`keras.callbacks.TensorBoard`: epoch (and batch) scalars, weight histograms and the model
graph, written as TensorBoard event files under `log_dir/train` and `log_dir/validation`.

It uses only `tenseur.summary`'s TF2-style writers (the same files TensorFlow's Keras writes:
tags `epoch_loss`, `epoch_accuracy`...; `val_` metrics go to the validation run without the
prefix), so `tensorboard --logdir log_dir` shows train and validation curves together.
"""
from __future__ import annotations

import os

import numpy as np

from .callbacks import Callback


class TensorBoard(Callback):
    """Writes TensorBoard logs while `fit` runs.

    Args:
        log_dir: where `train/` and `validation/` runs are written.
        histogram_freq: every N epochs, a histogram of each weight (0: never).
        write_graph: write the model's graph (the Keras session's graph) once.
        update_freq: "epoch", "batch", or an int N (batch scalars every N batches).
    Example:
        >>> model.fit(x, y, epochs=5, callbacks=[keras.callbacks.TensorBoard("./logs")])
    """

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True, write_images=False,
                 write_steps_per_second=False, update_freq="epoch", profile_batch=0,
                 embeddings_freq=0, embeddings_metadata=None):
        super().__init__()
        if histogram_freq < 0:
            raise ValueError(f"TensorBoard: histogram_freq must be >= 0, got {histogram_freq}.")
        if update_freq not in ("epoch", "batch") and not (isinstance(update_freq, int)
                                                          and update_freq > 0):
            raise ValueError(f"TensorBoard: update_freq must be 'epoch', 'batch' or a positive "
                             f"int, got {update_freq!r}.")
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = histogram_freq
        self.write_graph = write_graph
        self.update_freq = 1 if update_freq == "batch" else update_freq
        self._writers: dict = {}
        self._train_step = 0

    def _writer(self, run):
        writer = self._writers.get(run)
        if writer is None:
            from tenseur import summary
            writer = summary.create_file_writer(os.path.join(self.log_dir, run))
            self._writers[run] = writer
        return writer

    def on_train_begin(self, logs=None):
        self._train_step = 0
        import tenseur as tf
        # An eager model has no session graph: its steps are traced functions (not written).
        if self.write_graph and not tf.executing_eagerly():
            from tenseur import summary
            from . import backend
            with self._writer("train").as_default():
                summary.graph(backend.get_session().graph)

    def on_train_batch_end(self, batch, logs=None):
        self._train_step += 1
        if self.update_freq == "epoch" or self._train_step % self.update_freq:
            return
        self._write_scalars("train", {k: v for k, v in (logs or {}).items()
                                      if k not in ("batch", "size")},
                            "batch_", self._train_step)

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        train = {k: v for k, v in logs.items() if not k.startswith("val_")}
        validation = {k[4:]: v for k, v in logs.items() if k.startswith("val_")}
        self._write_scalars("train", train, "epoch_", epoch)
        if validation:
            self._write_scalars("validation", validation, "epoch_", epoch)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._write_histograms(epoch)
        for writer in self._writers.values():
            writer.flush()

    def _write_scalars(self, run, values, prefix, step):
        from tenseur import summary
        with self._writer(run).as_default():
            for name, value in values.items():
                if isinstance(value, (int, float, np.number)):
                    summary.scalar(prefix + name, float(value), step=step)

    def _write_histograms(self, epoch):
        from tenseur import summary
        weights = self.model.weights
        values = self.model.get_weights()
        with self._writer("train").as_default():
            for weight, value in zip(weights, values):
                name = weight.name.split(":")[0]
                summary.histogram(name, np.asarray(value), step=epoch)

    def on_train_end(self, logs=None):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}
