"""Masks (Keras 3): Embedding(mask_zero=True) and Masking make them, layers that support
masking pass them on, merges combine them, GlobalAveragePooling1D averages the real steps,
and compile/fit/evaluate leave masked steps out of the loss and the mean metrics.

The reference numbers were computed by real Keras 3.15.1 (TensorFlow 2.21) on the same
weights and data (`keras.layers.Embedding(7, 3, mask_zero=True)` and `Dense(2, "softmax")` with
the E, W, B below; the numbers are quoted where they are checked)."""
import warnings

import numpy as np
import pytest

from tenseur import keras
from tenseur.keras import layers

IDS = np.array([[3, 5, 0, 0], [2, 0, 0, 0], [1, 4, 6, 2]], dtype="int32")
LABELS = np.array([[1, 0, 1, 1], [0, 1, 1, 0], [1, 1, 0, 1]], dtype="int32")
_rng = np.random.default_rng(0)
E = _rng.normal(0, 1, (7, 3)).astype("float32")
W = _rng.normal(0, 1, (3, 2)).astype("float32")
B = np.array([0.1, -0.2], "float32")


def _tagger():
    inputs = keras.Input(shape=(4,), dtype="int32")
    embedding = layers.Embedding(7, 3, mask_zero=True)
    dense = layers.Dense(2, activation="softmax")
    model = keras.Model(inputs, dense(embedding(inputs)))
    embedding.set_weights([E])
    dense.set_weights([W, B])
    return model, embedding, dense


def test_embedding_mask_reaches_the_output_and_masks_loss_and_accuracy_as_keras():
    model, _, dense = _tagger()
    mask = model.output._keras_mask
    assert mask.dtype.name == "bool" and mask.shape.as_list() == [None, 4]
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.01),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    loss, accuracy = model.evaluate(IDS, LABELS, verbose=0)
    # keras 3.15.1: evaluate -> [0.7989585995674133, 0.5714285969734192] (4 of 7 real steps)
    assert loss == pytest.approx(0.7989586, abs=2e-6)
    assert accuracy == pytest.approx(4 / 7, abs=1e-6)
    model.fit(IDS, LABELS, epochs=1, batch_size=3, shuffle=False, verbose=0)
    # keras 3.15.1, one SGD(0.01) step on the masked loss:
    kernel = [[1.3646857738494873, -0.6634170413017273], [0.35121068358421326, 0.9037695527076721],
              [0.09393869340419769, -0.7434256672859192]]
    bias = [0.09933590143918991, -0.19933590292930603]
    np.testing.assert_allclose(dense.get_weights()[0], kernel, atol=2e-6)
    np.testing.assert_allclose(dense.get_weights()[1], bias, atol=2e-6)


def test_without_mask_zero_every_step_counts():
    inputs = keras.Input(shape=(4,), dtype="int32")
    embedding = layers.Embedding(7, 3)
    dense = layers.Dense(2, activation="softmax")
    model = keras.Model(inputs, dense(embedding(inputs)))
    embedding.set_weights([E])
    dense.set_weights([W, B])
    assert getattr(model.output, "_keras_mask", None) is None
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    p = model.predict(IDS, verbose=0)
    ce = -np.log(np.take_along_axis(p, LABELS[..., None], -1)[..., 0])
    loss, accuracy = model.evaluate(IDS, LABELS, verbose=0)
    assert loss == pytest.approx(ce.mean(), rel=1e-5)
    assert accuracy == pytest.approx((p.argmax(-1) == LABELS).mean())


def test_masked_loss_with_sample_weights_weights_each_sequence():
    model, _, _ = _tagger()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    p = model.predict(IDS, verbose=0)
    ce = -np.log(np.take_along_axis(p, LABELS[..., None], -1)[..., 0])
    real = IDS != 0
    weights = np.array([1.0, 2.0, 0.5], "float32")
    loss = model.evaluate(IDS, LABELS, sample_weight=weights, verbose=0)
    expected = (ce * real * weights[:, None]).sum() / real.sum()
    assert loss == pytest.approx(expected, rel=1e-5)


def test_global_average_pooling_1d_averages_the_real_steps_only():
    inputs = keras.Input(shape=(4,), dtype="int32")
    embedding = layers.Embedding(7, 3, mask_zero=True)
    pooled = layers.GlobalAveragePooling1D()(embedding(inputs))
    assert getattr(pooled, "_keras_mask", None) is None          # consumed
    model = keras.Model(inputs, pooled)
    embedding.set_weights([E])
    got = model.predict(IDS, verbose=0)
    expected = np.stack([E[row[row != 0]].mean(0) for row in IDS])
    np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_masking_layer_zeroes_padded_steps_and_masks_them():
    x = np.array([[[1.0, 2.0], [0.0, 0.0], [3.0, 0.0]]], "float32")
    inputs = keras.Input(shape=(3, 2))
    masked = layers.Masking(0.0)(inputs)
    mean = layers.GlobalAveragePooling1D()(layers.Dense(2, kernel_initializer="ones",
                                                        bias_initializer="ones")(masked))
    model = keras.Model(inputs, mean)
    # real steps 0 and 2: Dense gives (1+2+1)=4 and (3+0+1)=4 per unit
    np.testing.assert_allclose(model.predict(x, verbose=0), [[4.0, 4.0]])
    config = layers.Masking(-1.0).get_config()
    assert config["mask_value"] == -1.0


def test_merges_combine_masks_and_layers_without_masking_drop_them_with_a_warning():
    a = keras.Input(shape=(4,), dtype="int32")
    b = keras.Input(shape=(4,), dtype="int32")
    ea = layers.Embedding(7, 3, mask_zero=True)(a)
    eb = layers.Embedding(7, 3, mask_zero=True)(b)
    plain = layers.Embedding(7, 3)(b)
    added = layers.Add()([ea, eb])
    joined = layers.Concatenate()([ea, plain])
    model = keras.Model([a, b], [added, joined])
    ids_b = np.array([[3, 0, 5, 0]], "int32")
    add_mask, concat_mask = keras.backend.get_session().run(
        [added._keras_mask, joined._keras_mask], {a: IDS[:1], b: ids_b})
    np.testing.assert_array_equal(add_mask, [[True, False, False, False]])   # and
    np.testing.assert_array_equal(concat_mask, [[True, True, True, True]])   # any over features
    assert len(model.outputs) == 2
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        flat = layers.Flatten()(ea)
    assert getattr(flat, "_keras_mask", None) is None
    assert any("does not support masking" in str(w.message) for w in caught)


def test_masks_survive_a_model_called_on_new_inputs_and_saving(tmp_path):
    model, _, _ = _tagger()
    outer_in = keras.Input(shape=(4,), dtype="int32")
    outer = keras.Model(outer_in, model(outer_in))
    assert outer.output._keras_mask is not None
    outer.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    assert outer.evaluate(IDS, LABELS, verbose=0)[1] == pytest.approx(4 / 7, abs=1e-6)
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.save(tmp_path / "tagger.keras")
    loaded = keras.models.load_model(tmp_path / "tagger.keras")
    assert loaded.output._keras_mask is not None
    assert loaded.evaluate(IDS, LABELS, verbose=0)[1] == pytest.approx(4 / 7, abs=1e-6)


def _sequential_tagger():
    model = keras.Sequential([keras.Input(shape=(4,), dtype="int32"),
                              layers.Embedding(7, 3, mask_zero=True),
                              layers.Dense(2, activation="softmax")])
    model.layers[0].set_weights([E])
    model.layers[1].set_weights([W, B])
    return model


@pytest.mark.parametrize("eager", [False, True])
def test_sequential_and_eager_models_mask_too(eager):
    import tenseur as tf
    with tf.eager_mode() if eager else _nothing():
        model = _sequential_tagger()
        model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"], run_eagerly=eager)
        loss, accuracy = model.evaluate(IDS, LABELS, verbose=0)
    assert loss == pytest.approx(0.7989586, abs=2e-6)
    assert accuracy == pytest.approx(4 / 7, abs=1e-6)


def _nothing():
    import contextlib
    return contextlib.nullcontext()


def test_lambda_computes_its_mask_from_a_function():
    inputs = keras.Input(shape=(3,))
    out = layers.Lambda(lambda x: x * 2, mask=lambda x, m: x > 0)(inputs)
    value, mask = keras.backend.get_session().run(
        [out, out._keras_mask], {inputs: np.array([[1.0, -1.0, 2.0]], "float32")})
    np.testing.assert_array_equal(value, [[2.0, -2.0, 4.0]])
    np.testing.assert_array_equal(mask, [[True, False, True]])


def test_softmax_layer_gives_masked_positions_no_probability():
    inputs = keras.Input(shape=(3,))
    mask = keras.Input(shape=(3,), dtype="bool")
    layer = layers.Softmax()
    out = layer(inputs, mask=mask)
    got = keras.backend.get_session().run(
        out, {inputs: np.array([[1.0, 2.0, 1.0]], "float32"),
              mask: np.array([[True, False, True]])})
    np.testing.assert_allclose(got, [[0.5, 0.0, 0.5]], atol=1e-7)    # Keras' docstring example
    plain = keras.backend.get_session().run(layer(inputs), {inputs: np.array([[1.0, 2.0, 1.0]],
                                                                             "float32")})
    np.testing.assert_allclose(plain, [[0.21194157, 0.5761169, 0.21194157]], rtol=1e-6)


def test_batch_normalization_takes_its_training_statistics_over_real_steps():
    import tenseur as tf
    ids = IDS
    inputs = keras.Input(shape=(4,), dtype="int32")
    embedding = layers.Embedding(7, 3, mask_zero=True)
    norm = layers.BatchNormalization(momentum=0.0)     # moving statistics = the last batch's
    out = norm(embedding(inputs), training=True)
    assert out._keras_mask is not None                  # passed on
    embedding.set_weights([E])
    sess = keras.backend.get_session()
    sess.run(tf.global_variables_initializer())
    embedding.set_weights([E])
    values = sess.run(out, {inputs: ids})
    real = E[ids[ids != 0]]                             # the 7 real steps' vectors
    mean, var = real.mean(0), real.var(0)
    expected = (E[ids] - mean) / np.sqrt(var + norm.epsilon)
    np.testing.assert_allclose(values[ids != 0], expected[ids != 0], rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="one axis less than the inputs"):
        layers.BatchNormalization()(keras.Input(shape=(4, 3)), mask=keras.Input(shape=(4, 3)))
