"""AUC with several labels: one curve per label (multi_label) or weighted labels in one curve.

The expected values were computed by real Keras 3.15.1 (TensorFlow 2.21 backend) on the same
arrays, fed in the same two batches (script: the `cases` below with keras.metrics.AUC)."""
import numpy as np
import pytest

from tenseur import keras
from tenseur.keras import metrics


def _data():
    rng = np.random.default_rng(0)
    y = (rng.random((300, 3)) < [0.2, 0.5, 0.7]).astype(np.float32)
    p = np.clip(y * 0.3 + rng.random((300, 3)) * 0.7, 0, 1).astype(np.float32)
    w = rng.random(300).astype(np.float32)
    return y, p, w


KERAS_3_15 = [
    (dict(multi_label=True), 0.819341),
    (dict(multi_label=True, curve="PR"), 0.808282),
    (dict(multi_label=True, label_weights=[1, 2, 0.5]), 0.836079),
    (dict(multi_label=False, label_weights=[1, 2, 0.5]), 0.83665),
    (dict(multi_label=True, summation_method="minoring"), 0.817617),
    (dict(multi_label=True, num_labels=3, curve="PR", summation_method="majoring"), 0.810782),
]


@pytest.mark.parametrize("kwargs, expected", KERAS_3_15)
def test_auc_with_labels_matches_real_keras(kwargs, expected):
    y, p, w = _data()
    auc = metrics.AUC(**kwargs)
    auc.update_state(y[:150], p[:150], sample_weight=w[:150])
    auc.update_state(y[150:], p[150:], sample_weight=w[150:])
    assert auc.result() == pytest.approx(expected, abs=2e-6)


def test_multi_label_is_the_mean_of_one_curve_per_label():
    y, p, _ = _data()
    together = metrics.AUC(multi_label=True, curve="PR")
    together.update_state(y, p)
    apart = []
    for i in range(3):
        single = metrics.AUC(curve="PR")
        single.update_state(y[:, i], p[:, i])
        apart.append(single.result())
    assert together.result() == pytest.approx(np.mean(apart), abs=1e-12)
    together.reset_state()
    assert together.result() == 0.0


def test_label_count_mismatch_is_an_error_naming_the_shapes():
    y, p, _ = _data()
    with pytest.raises(ValueError, match=r"do not have 4 labels"):
        metrics.AUC(multi_label=True, num_labels=4).update_state(y, p)
    with pytest.raises(ValueError, match="one weight per label"):
        metrics.AUC(num_labels=3, label_weights=[1, 2])


def test_config_round_trip_and_fit_with_a_multi_label_auc():
    auc = metrics.AUC(multi_label=True, num_labels=3, label_weights=[1, 2, 0.5], name="auc_ml")
    again = metrics.AUC.from_config(auc.get_config())
    assert again.multi_label and again.num_labels == 3
    assert list(again.label_weights) == [1, 2, 0.5]
    y, p, _ = _data()
    inputs = keras.Input(shape=(3,))
    model = keras.Model(inputs, keras.layers.Dense(3, activation="sigmoid")(inputs))
    model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=[again])
    history = model.fit(p, y, batch_size=50, epochs=2, verbose=0)
    assert 0.0 < history.history["auc_ml"][-1] <= 1.0
