"""keras.callbacks.TensorBoard: the runs, tags and values TensorBoard itself reads back."""
import glob
import os

import numpy as np
import pytest

from tenseur import keras

pytest.importorskip("tensorboard")
from tensorboard.backend.event_processing import event_accumulator  # noqa: E402


@pytest.fixture(autouse=True)
def _clear():
    keras.backend.clear_session()
    yield
    keras.backend.clear_session()


def load(run_dir):
    files = glob.glob(os.path.join(run_dir, "events.out.tfevents.*"))
    assert files, f"no event file in {run_dir}"
    acc = event_accumulator.EventAccumulator(run_dir, size_guidance={"scalars": 0, "histograms": 0,
                                                                     "tensors": 0})
    acc.Reload()
    return acc


def scalar_values(acc, tag):
    if tag in acc.Tags().get("scalars", []):
        return [(e.step, e.value) for e in acc.Scalars(tag)]
    return [(e.step, float(np.asarray(__import__("tensorboard").util.tensor_util.make_ndarray(e.tensor_proto))))
            for e in acc.Tensors(tag)]


def test_fit_writes_train_and_validation_runs_histograms_and_graph(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype(np.float32)
    y = (x.sum(axis=1) > 0).astype(np.float32)
    inputs = keras.Input(shape=(4,))
    outputs = keras.layers.Dense(1, activation="sigmoid", name="out")(keras.layers.Dense(8, name="hidden")(inputs))
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["accuracy"])
    callback = keras.callbacks.TensorBoard(str(tmp_path), histogram_freq=1, update_freq="batch")
    history = model.fit(x, y, epochs=3, batch_size=16, verbose=0, validation_split=0.25,
                        callbacks=[callback])
    train = load(str(tmp_path / "train"))
    validation = load(str(tmp_path / "validation"))
    losses = scalar_values(train, "epoch_loss")
    assert [step for step, _ in losses] == [0, 1, 2]
    np.testing.assert_allclose([v for _, v in losses], history.history["loss"], rtol=1e-5)
    val_acc = scalar_values(validation, "epoch_accuracy")
    np.testing.assert_allclose([v for _, v in val_acc], history.history["val_accuracy"], rtol=1e-5)
    assert len(scalar_values(train, "batch_loss")) == 3 * 3     # 48 training rows / 16
    tags = train.Tags()
    histograms = tags.get("histograms", []) + tags.get("tensors", [])
    assert "hidden/kernel" in histograms and "out/bias" in histograms
    graph = train.Graph()
    assert any(node.name.startswith("hidden/") for node in graph.node)
