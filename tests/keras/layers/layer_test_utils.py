"""`run_layer_test`: the checks every Keras layer goes through, and `call_with_weights` for
finite-difference gradient checks of layers.

run_layer_test builds a model around the layer on Keras Inputs and checks, in order:
the output shape (symbolic and computed), the number of weights, that the JSON
configuration re-creates (in a fresh graph, as loading a saved model does) a layer with the
same configuration that, given the same weights, produces identical outputs — and the same
outputs when built eagerly (once `tenseur.eager_mode` is public) — and — for
layers with trainable weights — that one plain gradient-descent step on
mean((output - target)²) lowers that loss on a fixed batch. It uses `tf.gradients` and the
Keras session directly, not `compile`/`fit`.
"""
from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np

import tenseur as tf
from tenseur import keras


def _inputs_for(input_shape, input_dtype, input_data, rng):
    """Keras Inputs (batch left unknown) and matching data, for one shape or a list of them."""
    several = isinstance(input_shape, list)
    shapes = input_shape if several else [input_shape]
    if input_data is None:
        datas = []
        for shape in shapes:
            if input_dtype is not None and np.dtype(input_dtype).kind in "iu":
                datas.append(rng.integers(0, 10, size=shape).astype(input_dtype))
            else:
                datas.append(rng.standard_normal(shape).astype(input_dtype or "float32"))
    else:
        datas = list(input_data) if several else [input_data]
    inputs = [keras.Input(shape=tuple(shape[1:]), dtype=input_dtype or "float32") for shape in shapes]
    return (inputs if several else inputs[0]), datas, inputs


def _check_shape(what, got, expected):
    assert tuple(got) == tuple(expected), f"{what}: got shape {tuple(got)}, expected {tuple(expected)}"


def run_layer_test(layer_cls, kwargs, input_shape, expected_output_shape, expected_num_weights,
                   input_dtype=None, input_data=None, expected_num_trainable=None,
                   learning_rate=0.01, seed=0):
    """Runs the generic layer checks; returns what a test may check further.

    Args:
        layer_cls, kwargs: the layer to test, `layer_cls(**kwargs)`.
        input_shape: the input's full shape, batch included (a list of shapes for a layer
            taking several inputs); random normal data of that shape is used unless
            `input_data` is given (integers in [0, 10) for an integer `input_dtype`).
        expected_output_shape: the output's full shape; a None batch means the input batch.
        expected_num_weights: len(layer.weights); `expected_num_trainable` likewise.
    Returns:
        A namespace with `layer`, `model`, `inputs` (data arrays), `output` (array) and
        `weights`, the weight values that produced `output` (the descent step changes them).
    """
    rng = np.random.default_rng(seed)
    call_inputs, datas, input_tensors = _inputs_for(input_shape, input_dtype, input_data, rng)
    layer = layer_cls(**kwargs)
    outputs = layer(call_inputs)
    batch = datas[0].shape[0]
    expected = tuple(expected_output_shape)
    _check_shape(f"{layer_cls.__name__} symbolic output", keras.backend.int_shape(outputs)[1:],
                 expected[1:])
    assert len(layer.weights) == expected_num_weights, \
        f"{layer_cls.__name__}: {len(layer.weights)} weights ({[w.name for w in layer.weights]}), " \
        f"expected {expected_num_weights}"
    if expected_num_trainable is not None:
        assert len(layer.trainable_weights) == expected_num_trainable

    model = keras.Model(input_tensors, outputs)
    predicted = model.predict(datas if len(datas) > 1 else datas[0], batch_size=batch)
    _check_shape(f"{layer_cls.__name__} computed output", predicted.shape,
                 (batch,) + expected[1:])
    assert np.all(np.isfinite(predicted)), f"{layer_cls.__name__}: non-finite outputs"

    weights = layer.get_weights()
    _check_config_round_trip(layer, layer_cls, input_shape, input_dtype, datas, predicted)
    if hasattr(tf, "eager_mode"):
        _check_eager_agrees(layer, layer_cls, datas, weights, predicted)
    if layer.trainable_weights:
        _check_descent_step(layer_cls, model, outputs, input_tensors, datas, rng, learning_rate)
    return SimpleNamespace(layer=layer, model=model, inputs=datas, output=predicted,
                           weights=weights)


def _check_config_round_trip(layer, layer_cls, input_shape, input_dtype, datas, predicted):
    """JSON config → from_config in a fresh graph → same config, same outputs with same weights."""
    config = layer.get_config()
    text = json.dumps(config, sort_keys=True)
    weights = layer.get_weights()
    with tf.Graph().as_default():
        clone = layer_cls.from_config(json.loads(text))
        assert json.dumps(clone.get_config(), sort_keys=True) == text, \
            f"{layer_cls.__name__}: get_config after from_config differs:\n{text}\n" \
            f"{json.dumps(clone.get_config(), sort_keys=True)}"
        call_inputs, _, input_tensors = _inputs_for(input_shape, input_dtype, datas, None)
        clone_model = keras.Model(input_tensors, clone(call_inputs))
        clone.set_weights(weights)
        again = clone_model.predict(datas if len(datas) > 1 else datas[0], batch_size=len(datas[0]))
        np.testing.assert_array_equal(again, predicted,
                                      err_msg=f"{layer_cls.__name__}: re-created layer differs")


def _check_eager_agrees(layer, layer_cls, datas, weights, predicted):
    """The same layer built eagerly, given the same weights, computes the same outputs."""
    with tf.eager_mode():
        clone = layer_cls.from_config(layer.get_config())
        inputs = [tf.constant(d) for d in datas]
        clone(inputs if len(inputs) > 1 else inputs[0])
        for variable, value in zip(clone.weights, weights):
            variable.assign(value)
        outputs = clone(inputs if len(inputs) > 1 else inputs[0])
        np.testing.assert_allclose(np.asarray(outputs), predicted, rtol=1e-5, atol=1e-6,
                                   err_msg=f"{layer_cls.__name__}: eager and graph outputs differ")


def _check_descent_step(layer_cls, model, outputs, input_tensors, datas, rng, learning_rate):
    """One step w -= lr * dL/dw on L = mean((y - target)²) lowers L on the same batch."""
    target = rng.standard_normal((datas[0].shape[0],) + tuple(outputs.shape.as_list()[1:]))
    loss = tf.reduce_mean(tf.square(outputs - target.astype(outputs.dtype.as_numpy_dtype)))
    weights = model.trainable_weights
    grads = tf.gradients(loss, weights)
    missing = [w.name for w, g in zip(weights, grads) if g is None]
    assert not missing, f"{layer_cls.__name__}: no gradient for {missing}"
    step = tf.group(*[tf.assign_sub(w, learning_rate * g) for w, g in zip(weights, grads)])
    session = keras.backend.get_session()
    feed = dict(zip(input_tensors, datas))
    before = session.run(loss, feed)
    session.run(step, feed)
    after = session.run(loss, feed)
    assert after < before, f"{layer_cls.__name__}: a gradient step did not lower the loss " \
                           f"({before:.6g} -> {after:.6g})"


def call_with_weights(layer, inputs, weights, **call_kwargs):
    """Builds `layer` for `inputs`, then computes it with `weights` (tensors, in
    `layer.weights` order) in place of its variables — so `tenseur.testing.check_gradients`
    can differentiate with respect to them (its fresh session initializes no variable).
    Other variables a layer keeps (BatchNormalization's trainable flag) read as their
    initial values, and state updates (moving averages) are not made: they would assign to
    the replaced variables and play no part in the gradient."""
    shapes = ([keras.backend.int_shape(t) for t in inputs] if isinstance(inputs, list)
              else keras.backend.int_shape(inputs))
    layer.build(shapes)
    layer.built = True
    replacement = {id(v): t for v, t in zip(layer.weights, weights)}
    assert len(weights) == len(layer.weights), \
        f"{type(layer).__name__} has {len(layer.weights)} weights, got {len(weights)}"
    for name, value in list(vars(layer).items()):
        if isinstance(value, tf.Variable):
            setattr(layer, name, replacement.get(id(value), value.initial_value))
    if hasattr(layer, "_update_moving_statistics"):
        layer._update_moving_statistics = lambda mean, variance, inputs: None
    return layer.call(inputs, **call_kwargs)
