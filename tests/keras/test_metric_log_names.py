"""The names fit/evaluate log metrics under, as Keras 3 (found by keras_fit_fuzz_parity.py)."""
import numpy as np

from tenseur import keras


def test_metric_strings_name_their_logs_and_duplicates_are_numbered():
    """metrics=["AUC"] logs "AUC" in Keras 3 (tenseur logged "auc", tf.keras 2's name), and
    two metrics of one name log "auc" and "auc_1" (tenseur kept one key for both)."""
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile("sgd", "binary_crossentropy",
                  metrics=["AUC", "Precision", "auc", "binary_accuracy", "acc",
                           keras.metrics.AUC(), "mean_squared_error", "MeanSquaredError"])
    rng = np.random.RandomState(0)
    x, y = rng.randn(8, 4).astype(np.float32), (rng.rand(8, 1) > 0.5).astype(np.float32)
    history = model.fit(x, y, verbose=0, validation_data=(x, y))
    assert sorted(k for k in history.history if not k.startswith("val_")) == [
        "AUC", "MeanSquaredError", "Precision", "acc", "auc", "auc_1", "binary_accuracy",
        "loss", "mean_squared_error"]
    assert history.history["auc"] == history.history["auc_1"]
    assert "val_auc_1" in history.history
    assert set(model.evaluate(x, y, verbose=0, return_dict=True)) == {
        k for k in history.history if not k.startswith("val_")}
