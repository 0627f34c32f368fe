"""Recurrent layers: SimpleRNN, LSTM and GRU (and their cells), the generic RNN over a cell,
and the wrappers Bidirectional and TimeDistributed; Keras 3's weights, formulas and
defaults, built on tenseur's public ops.

A layer runs its cell once per time step over `(batch, timesteps, features)` inputs: unrolled
in the graph when `timesteps` is known (`keras.Input((timesteps, features))`), as a
`tenseur.while_loop` when it is not (`keras.Input((None, features))`: sequences of any length).
The inputs' projection through `kernel` is one matrix product for all the steps; each step
then adds the state's projection through `recurrent_kernel`. Options, as Keras: `return_sequences` (every step's output, else the last
one), `return_state` (also the final states), `go_backwards` (the steps in reverse order,
outputs in that order), masks (a masked step keeps the previous state and output, e.g. after
`Embedding(mask_zero=True)`), `initial_state=` when calling, and `dropout` /
`recurrent_dropout` (one mask per sequence, in training only).

Weights, in Keras' order and shapes (so `set_weights` takes Keras' arrays):
  SimpleRNN: kernel (in, u), recurrent_kernel (u, u), bias (u,)
  LSTM:      kernel (in, 4u), recurrent_kernel (u, 4u), bias (4u,)   gates i, f, c, o
  GRU:       kernel (in, 3u), recurrent_kernel (u, 3u), bias (2, 3u) gates z, r, h
             (reset_after=True, Keras 3's default; bias (3u,) with reset_after=False)
"""
from __future__ import annotations

import numpy as np

import tenseur as tf

from .. import activations, backend, constraints, initializers, regularizers
from ..engine.base_layer import InputSpec, Layer


def _positive_units(layer_name, units):
    if not isinstance(units, (int, np.integer)) or isinstance(units, bool) or units <= 0:
        raise ValueError(f"{layer_name}: `units` must be a positive integer, got "
                         f"units={units!r}.")
    return int(units)


def _rate(layer_name, name, value):
    value = float(value)
    if not 0.0 <= value < 1.0:
        raise ValueError(f"{layer_name}: `{name}` must be in [0, 1), got {name}={value!r}.")
    return value


def _layer_argument(value, expected, owner, what):
    """A layer given as an object or as its config dict (from a saved model), checked."""
    if isinstance(value, dict):
        from ..engine.serialization import deserialize_layer
        value = deserialize_layer(value)
    if not isinstance(value, expected):
        raise TypeError(f"{owner}: `{what[0]}` must be {what[1]}, got {value!r}.")
    return value


# -- cells ---------------------------------------------------------------------------------

class _Cell(Layer):
    """What the three cells share: units, activations, the three weights' options, dropout."""

    _gates = 1

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        owner = type(self).__name__
        self.units = _positive_units(owner, units)
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = _rate(owner, "dropout", dropout)
        self.recurrent_dropout = _rate(owner, "recurrent_dropout", recurrent_dropout)
        self.seed = seed

    @property
    def state_size(self):
        return self.units

    def _bias_shape(self):
        return (self._gates * self.units,)

    def _bias_initializer(self):
        return self.bias_initializer

    def build(self, input_shape):
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError(f"{type(self).__name__} '{self.name}': the last dimension of the "
                             f"inputs (features) must be known, got {input_shape}.")
        width = self._gates * self.units
        self.kernel = self.add_weight("kernel", (int(input_dim), width),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight("recurrent_kernel", (self.units, width),
                                                initializer=self.recurrent_initializer,
                                                regularizer=self.recurrent_regularizer,
                                                constraint=self.recurrent_constraint)
        self.bias = (self.add_weight("bias", self._bias_shape(),
                                     initializer=self._bias_initializer(),
                                     regularizer=self.bias_regularizer,
                                     constraint=self.bias_constraint)
                     if self.use_bias else None)
        self.built = True

    def project_inputs(self, inputs):
        """inputs (..., features) @ kernel (+ the input bias): the part of every step that
        does not depend on the state, computed for all the steps at once by the RNN layer."""
        rank = inputs.shape.ndims
        out = tf.tensordot(inputs, self.kernel, [[rank - 1], [0]]) if rank != 2 else \
            tf.matmul(inputs, self.kernel)
        bias = self._input_bias()
        return out + bias if bias is not None else out

    def _input_bias(self):
        return self.bias

    def get_config(self):
        return {**super().get_config(), "units": self.units,
                "activation": activations.serialize(self.activation),
                "recurrent_activation": activations.serialize(self.recurrent_activation),
                "use_bias": self.use_bias,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "kernel_constraint": constraints.serialize(self.kernel_constraint),
                "recurrent_constraint": constraints.serialize(self.recurrent_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint),
                "dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout,
                "seed": self.seed}


class SimpleRNNCell(_Cell):
    """h = activation(x @ kernel + h_prev @ recurrent_kernel + bias)."""

    def __init__(self, units, activation="tanh", **kwargs):
        kwargs.pop("recurrent_activation", None)
        super().__init__(units, activation=activation, **kwargs)

    def step(self, projected, states):
        (h,) = states
        out = self.activation(projected + tf.matmul(h, self.recurrent_kernel))
        return out, [out]

    def get_config(self):
        config = super().get_config()
        config.pop("recurrent_activation")
        return config


class LSTMCell(_Cell):
    """Gates i, f, o = recurrent_activation(...), candidate g = activation(...) from
    x @ kernel + h_prev @ recurrent_kernel + bias; c = f c_prev + i g; h = o activation(c).
    `unit_forget_bias` starts the forget gate's bias at 1 (Keras' default)."""

    _gates = 4

    def __init__(self, units, unit_forget_bias=True, **kwargs):
        super().__init__(units, **kwargs)
        self.unit_forget_bias = bool(unit_forget_bias)

    @property
    def state_size(self):
        return [self.units, self.units]

    def _bias_initializer(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        base, units = self.bias_initializer, self.units

        def forget_bias_one(shape, dtype=None):
            init = base(shape, dtype=dtype)
            forget = np.zeros(shape, np.float32)          # 1 on the forget gate's units
            forget[units:2 * units] = 1.0
            return init * tf.constant(1.0 - forget, dtype=init.dtype) + \
                tf.constant(forget, dtype=init.dtype)
        return forget_bias_one

    def step(self, projected, states):
        h, c = states
        z = projected + tf.matmul(h, self.recurrent_kernel)
        # split (its gradient a concat), not four slices (each gradient a zero-padded copy)
        i, f, g, o = tf.split(z, 4, axis=1)
        i, f, o = (self.recurrent_activation(v) for v in (i, f, o))
        g = self.activation(g)
        c = f * c + i * g
        h = o * self.activation(c)
        return h, [h, c]

    def get_config(self):
        return {**super().get_config(), "unit_forget_bias": self.unit_forget_bias}


class GRUCell(_Cell):
    """Gates z, r = recurrent_activation(...); candidate hh = activation(x_h + r * (h_prev @
    recurrent_kernel_h + b_h)) with `reset_after` (Keras 3's default; else r is applied to
    h_prev before the product); h = z h_prev + (1 - z) hh."""

    _gates = 3

    def __init__(self, units, reset_after=True, **kwargs):
        super().__init__(units, **kwargs)
        self.reset_after = bool(reset_after)

    def _bias_shape(self):
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def _input_bias(self):
        if self.bias is None:
            return None
        return self.bias[0] if self.reset_after else self.bias

    def step(self, projected, states):
        (h,) = states
        u = self.units
        x_z, x_r, x_h = tf.split(projected, 3, axis=1)
        if self.reset_after:
            inner = tf.matmul(h, self.recurrent_kernel)
            if self.bias is not None:
                inner = inner + self.bias[1]
            h_z, h_r, h_h = tf.split(inner, 3, axis=1)
            z = self.recurrent_activation(x_z + h_z)
            r = self.recurrent_activation(x_r + h_r)
            hh = self.activation(x_h + r * h_h)
        else:
            inner = tf.matmul(h, self.recurrent_kernel[:, :2 * u])
            h_z, h_r = tf.split(inner, 2, axis=1)
            z = self.recurrent_activation(x_z + h_z)
            r = self.recurrent_activation(x_r + h_r)
            hh = self.activation(x_h + tf.matmul(r * h, self.recurrent_kernel[:, 2 * u:]))
        h = z * h + (1.0 - z) * hh
        return h, [h]

    def get_config(self):
        return {**super().get_config(), "reset_after": self.reset_after}


# -- the layer over time -------------------------------------------------------------------

def _dropout_mask(shape_like, rate, seed):
    """A dropout mask (0 or 1 / (1 - rate)) shaped like `shape_like`, drawn once per call."""
    keep = tf.cast(tf.random_uniform(tf.shape(shape_like), seed=seed) >= rate,
                   shape_like.dtype)
    return keep / (1.0 - rate)


class RNN(Layer):
    """Runs `cell` over the time steps of `(batch, timesteps, features)` inputs (see the
    module's docstring for the options). `cell` is one of the cells here."""

    _passes_masks = False

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, zero_output_for_mask=False, **kwargs):
        super().__init__(**kwargs)
        cell = _layer_argument(cell, _Cell, type(self).__name__,
                               ("cell", "a SimpleRNNCell, LSTMCell or GRUCell"))
        if stateful:
            raise NotImplementedError(f"{type(self).__name__}: stateful=True is not supported "
                                      f"(states carried across batches); pass the states with "
                                      f"initial_state= and return_state=True instead.")
        self.cell = cell
        self.return_sequences, self.return_state = bool(return_sequences), bool(return_state)
        self.go_backwards, self.unroll = bool(go_backwards), bool(unroll)
        self.stateful = False
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.input_spec = InputSpec(ndim=3)

    def _sublayers(self) -> list:
        return [self.cell]

    def build(self, input_shape):
        with tf.name_scope(None):
            self.cell.build((input_shape[0], input_shape[2]))
        self.built = True

    def compute_mask(self, inputs, mask=None):
        mask = mask[0] if isinstance(mask, (list, tuple)) else mask
        out = mask if self.return_sequences else None
        if self.return_state:
            states = self.cell.state_size
            count = len(states) if isinstance(states, list) else 1
            return [out] + [None] * count
        return out

    def call(self, inputs, mask=None, training=None, initial_state=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        cell = self.cell
        steps = inputs.shape.dims[1]
        sizes = cell.state_size if isinstance(cell.state_size, list) else [cell.state_size]
        if initial_state is None:
            zeros = tf.zeros_like(inputs[:, 0, :1]) * 0.0          # (batch, 1)
            states = [tf.tile(zeros, [1, size]) for size in sizes]
        else:
            states = list(initial_state) if isinstance(initial_state, (list, tuple)) \
                else [initial_state]
            if len(states) != len(sizes):
                raise ValueError(f"{type(self).__name__} '{self.name}': initial_state needs "
                                 f"{len(sizes)} tensors (the cell's states), got {len(states)}.")
            states = [tf.convert_to_tensor(s) for s in states]
        if cell.dropout:
            inputs = backend.in_train_phase(
                lambda: inputs * _dropout_mask(inputs[:, :1, :], cell.dropout, cell.seed),
                inputs, training=training)
        if cell.recurrent_dropout:
            recurrent_mask = backend.in_train_phase(
                lambda: _dropout_mask(states[0], cell.recurrent_dropout, cell.seed),
                tf.ones_like(states[0]), training=training)
        projected = cell.project_inputs(inputs)                     # (batch, steps, gates * u)

        def step(x_t, mask_t, states, output):
            """One step: (output, states), a masked step keeping the previous ones."""
            step_states = list(states)
            if cell.recurrent_dropout:
                step_states[0] = step_states[0] * recurrent_mask
            new_output, new_states = cell.step(x_t, step_states)
            if mask_t is not None:
                keep = tf.expand_dims(tf.cast(mask_t, tf.bool), -1)
                previous = output if output is not None and not self.zero_output_for_mask \
                    else tf.zeros_like(new_output)
                new_output = tf.where(keep, new_output, previous)
                new_states = [tf.where(keep, n, s) for n, s in zip(new_states, states)]
            return new_output, new_states

        if steps is None:
            result, states = self._run_loop(step, projected, mask, states)
        else:
            # One unstack of the steps (its gradient one stack), not a slice per step (whose
            # gradients would each be a zero-padded copy of the whole sequence to add up).
            inputs_t = tf.unstack(projected, axis=1)
            masks_t = [None] * steps if mask is None else tf.unstack(mask, axis=1)
            order = range(steps - 1, -1, -1) if self.go_backwards else range(steps)
            outputs, output = [], None
            for t in order:
                output, states = step(inputs_t[t], masks_t[t], states, output)
                outputs.append(output)
            result = tf.stack(outputs, axis=1) if self.return_sequences else output
        if self.return_state:
            return [result] + list(states)
        return result

    def _run_loop(self, step, projected, mask, states):
        """The steps as a `tenseur.while_loop` when their number is known only when running
        (inputs of shape (batch, None, features)); the cell's weights are read once, outside
        the loop. Returns (outputs or last output, final states)."""
        cell = self.cell
        saved = {name: getattr(cell, name) for name in ("kernel", "recurrent_kernel", "bias")}
        for name, weight in saved.items():
            if weight is not None:
                setattr(cell, name, tf.identity(tf.convert_to_tensor(weight)))
        try:
            steps = tf.shape(projected)[1]
            units = cell.units
            first = tf.zeros_like(projected[:, 0, :1]) * 0.0
            output0 = tf.tile(first, [1, units])
            outputs0 = tf.zeros_like(tf.expand_dims(output0, 1)[:, :0])   # (batch, 0, units)

            def body(t, output, outputs, *states_in):
                index = steps - 1 - t if self.go_backwards else t
                x_t = tf.gather(projected, index, axis=1)
                mask_t = None if mask is None else tf.gather(mask, index, axis=1)
                previous = tf.where(t > 0, output, tf.zeros_like(output))
                new_output, new_states = step(x_t, mask_t, list(states_in), previous)
                if self.return_sequences:
                    outputs = tf.concat([outputs, tf.expand_dims(new_output, 1)], axis=1)
                return (t + 1, new_output, outputs) + tuple(new_states)

            invariants = ([tf.TensorShape([]), tf.TensorShape([None, units]),
                           tf.TensorShape([None, None, units])]
                          + [tf.TensorShape([None, s.shape.dims[-1]]) for s in states])
            final = tf.while_loop(lambda t, *rest: t < steps, body,
                                  [tf.constant(0), output0, outputs0] + list(states),
                                  shape_invariants=invariants)
        finally:
            for name, weight in saved.items():
                setattr(cell, name, weight)
        _, output, outputs, *final_states = final
        return (outputs if self.return_sequences else output), final_states

    def get_config(self):
        from ..engine.serialization import serialize_layer
        return {**super().get_config(), "cell": serialize_layer(self.cell),
                "return_sequences": self.return_sequences, "return_state": self.return_state,
                "go_backwards": self.go_backwards, "stateful": self.stateful,
                "unroll": self.unroll, "zero_output_for_mask": self.zero_output_for_mask}


class _RecurrentLayer(RNN):
    """A layer made of its own cell type from the cell's arguments (SimpleRNN, LSTM, GRU)."""

    _cell_class = None
    _layer_options = ("return_sequences", "return_state", "go_backwards", "stateful", "unroll",
                      "zero_output_for_mask")
    _base_options = ("name", "trainable", "dtype", "input_shape", "batch_input_shape",
                     "input_dim", "batch_size", "activity_regularizer")

    def __init__(self, units, **kwargs):
        layer_kwargs = {k: kwargs.pop(k) for k in self._layer_options + self._base_options
                        if k in kwargs}
        kwargs.pop("cell", None)
        kwargs.pop("implementation", None)       # Keras' implementation switch: same results
        cell_name = (layer_kwargs.get("name") or "") + "_cell" if "name" in layer_kwargs \
            else None
        if "dtype" in layer_kwargs:
            kwargs["dtype"] = layer_kwargs["dtype"]           # the cell's weights' dtype too
        cell = self._cell_class(units, name=cell_name, **kwargs)
        super().__init__(cell, **layer_kwargs)

    def __getattr__(self, name):
        # The cell's options read from the layer (layer.units, layer.dropout...), as Keras.
        if name != "cell" and "cell" in self.__dict__ and hasattr(self.__dict__["cell"], name):
            return getattr(self.__dict__["cell"], name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def get_config(self):
        config = super().get_config()
        cell_config = config.pop("cell")["config"]
        for key in ("name", "trainable", "dtype"):
            cell_config.pop(key, None)
        return {**config, **cell_config}


class SimpleRNN(_RecurrentLayer):
    """A fully connected RNN: h_t = activation(x_t @ kernel + h_{t-1} @ recurrent_kernel + bias).

    Example:
        >>> x = keras.Input((20, 8))
        >>> h = keras.layers.SimpleRNN(16, return_sequences=True)(x)    # (None, 20, 16)
    """

    _cell_class = SimpleRNNCell


class LSTM(_RecurrentLayer):
    """Long short-term memory (Hochreiter, 1997), Keras 3's gates and defaults.

    Example:
        >>> x = keras.Input((28, 28))                  # 28 rows of 28 pixels as a sequence
        >>> h = keras.layers.LSTM(64)(x)                # (None, 64): the last output
    """

    _cell_class = LSTMCell


class GRU(_RecurrentLayer):
    """Gated recurrent unit (Cho et al., 2014), Keras 3's `reset_after=True` by default."""

    _cell_class = GRUCell


class Bidirectional(Layer):
    """Runs `layer` (an RNN) forwards and a copy of it backwards over the steps, and merges
    their outputs (`merge_mode`: "concat" (default), "sum", "mul", "ave" or None for both)."""

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        super().__init__(**kwargs)
        from ..engine.serialization import deserialize_layer, serialize_layer
        layer = _layer_argument(layer, RNN, "Bidirectional",
                                ("layer", "an RNN layer (LSTM, GRU, SimpleRNN, RNN)"))
        if merge_mode not in ("concat", "sum", "mul", "ave", None):
            raise ValueError(f"Bidirectional: merge_mode must be one of 'concat', 'sum', "
                             f"'mul', 'ave' or None, got {merge_mode!r}.")
        self.merge_mode = merge_mode
        self._layer_config = serialize_layer(layer)        # what get_config gives back
        config = serialize_layer(layer)
        config["config"] = {**config["config"], "name": "forward_" + layer.name}
        self.forward_layer = deserialize_layer(config)
        if backward_layer is None:
            config = serialize_layer(layer)
            config["config"] = {**config["config"], "name": "backward_" + layer.name,
                                "go_backwards": not layer.go_backwards}
            backward_layer = deserialize_layer(config)
        elif isinstance(backward_layer, dict):
            backward_layer = deserialize_layer(backward_layer)
        self.backward_layer = backward_layer
        self.return_sequences = self.forward_layer.return_sequences
        self.return_state = self.forward_layer.return_state
        # Keras: masked steps give zeros in the returned sequences of both directions.
        for part in (self.forward_layer, self.backward_layer):
            part.zero_output_for_mask = part.return_sequences
        self._initial_weights = weights

    def _sublayers(self) -> list:
        return [self.forward_layer, self.backward_layer]

    def build(self, input_shape):
        self.forward_layer.build(input_shape)
        self.backward_layer.build(input_shape)
        self.built = True

    def compute_mask(self, inputs, mask=None):
        mask = mask[0] if isinstance(mask, (list, tuple)) else mask
        out = mask if self.return_sequences else None
        if self.return_state:
            return [out] + [None] * (2 * (len(self.forward_layer.cell.state_size)
                                          if isinstance(self.forward_layer.cell.state_size,
                                                        list) else 1))
        return out

    def call(self, inputs, mask=None, training=None, initial_state=None):
        forward_state = backward_state = None
        if initial_state is not None:
            half = len(initial_state) // 2
            forward_state, backward_state = initial_state[:half], initial_state[half:]
        forward = self.forward_layer.call(inputs, mask=mask, training=training,
                                          initial_state=forward_state)
        backward = self.backward_layer.call(inputs, mask=mask, training=training,
                                            initial_state=backward_state)
        states = []
        if self.return_state:
            forward, *forward_states = forward
            backward, *backward_states = backward
            states = forward_states + backward_states
        if self.return_sequences:
            backward = tf.reverse(backward, [1])      # back in the inputs' time order
        if self.merge_mode == "concat":
            out = tf.concat([forward, backward], axis=-1)
        elif self.merge_mode == "sum":
            out = forward + backward
        elif self.merge_mode == "mul":
            out = forward * backward
        elif self.merge_mode == "ave":
            out = (forward + backward) / 2.0
        else:
            out = [forward, backward]
        if self.return_state:
            return (out if isinstance(out, list) else [out]) + states
        return out

    def get_config(self):
        from ..engine.serialization import serialize_layer
        return {**super().get_config(), "layer": self._layer_config,
                "backward_layer": serialize_layer(self.backward_layer),
                "merge_mode": self.merge_mode}


class TimeDistributed(Layer):
    """Applies `layer` to every time step of `(batch, timesteps, ...)` inputs, with the same
    weights: the steps are folded into the batch, `layer` runs once, and they are unfolded.

    Example:
        >>> h = keras.layers.LSTM(16, return_sequences=True)(x)           # (None, 10, 16)
        >>> y = keras.layers.TimeDistributed(keras.layers.Dense(3))(h)    # (None, 10, 3)
    """

    _passes_masks = True

    def __init__(self, layer, **kwargs):
        super().__init__(**kwargs)
        self.layer = _layer_argument(layer, Layer, "TimeDistributed", ("layer", "a Keras layer"))
        self.input_spec = InputSpec(min_ndim=3)

    def _sublayers(self) -> list:
        return [self.layer]

    def build(self, input_shape):
        with tf.name_scope(None):
            self.layer.build((input_shape[0],) + tuple(input_shape[2:]))
        self.layer.built = True
        self.built = True

    def call(self, inputs, training=None):
        dims = inputs.shape.dims
        batch, steps = tf.shape(inputs)[0], tf.shape(inputs)[1]
        folded = tf.reshape(inputs, tf.concat([[-1], tf.shape(inputs)[2:]], 0))
        if dims is not None and None not in dims[2:]:
            folded = tf.reshape(inputs, [-1] + list(dims[2:]))
        kwargs = {"training": training} if "training" in self.layer._call_parameters() else {}
        out = self.layer.call(folded, **kwargs)
        inner = out.shape.dims[1:] if out.shape.dims is not None else None
        if inner is not None and None not in inner:
            shape = tf.stack([batch, steps] + [tf.constant(d) for d in inner])
        else:
            shape = tf.concat([tf.stack([batch, steps]), tf.shape(out)[1:]], 0)
        result = tf.reshape(out, shape)
        if dims is not None and inner is not None:
            result.set_shape([dims[0], dims[1]] + list(inner))
        return result

    def get_config(self):
        from ..engine.serialization import serialize_layer
        return {**super().get_config(), "layer": serialize_layer(self.layer)}
