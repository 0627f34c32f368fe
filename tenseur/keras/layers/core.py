"""Core layers: Dense, Activation, Dropout, Flatten, Identity, Lambda, Embedding."""
from __future__ import annotations

import inspect

import numpy as np

import tenseur as tf

from .. import activations, backend, constraints, initializers, regularizers
from ..engine.base_layer import InputSpec, Layer


def _known_last_dim(layer, input_shape) -> int:
    if input_shape is None or input_shape[-1] is None:
        raise ValueError(f"{type(layer).__name__} '{layer.name}': the last dimension of the "
                         f"inputs must be known, got input shape {input_shape}.")
    return int(input_shape[-1])


class Dense(Layer):
    """Densely connected layer: `activation(inputs @ kernel + bias)`.

    Args: units (positive int), activation (name or callable), use_bias,
        kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
        activity_regularizer, kernel_constraint, bias_constraint (names or objects).
    Input shape `(batch, ..., input_dim)`; output shape `(batch, ..., units)`.
    """

    _passes_masks = True

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(units, (int, np.integer)) or isinstance(units, bool) or units <= 0:
            raise ValueError(f"Dense: `units` must be a positive integer, got units={units!r}.")
        self.units, self.use_bias = int(units), use_bias
        self.activation = activations.get(activation)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=2)

    def build(self, input_shape):
        input_dim = _known_last_dim(self, input_shape)
        self.kernel = self.add_weight("kernel", (input_dim, self.units), initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = (self.add_weight("bias", (self.units,), initializer=self.bias_initializer,
                                     regularizer=self.bias_regularizer,
                                     constraint=self.bias_constraint)
                     if self.use_bias else None)
        self.input_spec = InputSpec(min_ndim=2, axes={-1: input_dim})
        self.built = True

    def call(self, inputs):
        rank = inputs.shape.ndims
        if rank == 2:
            outputs = tf.matmul(inputs, self.kernel)
        else:
            outputs = tf.tensordot(inputs, self.kernel, [[rank - 1], [0]])
        if self.bias is not None:
            outputs = tf.nn.bias_add(outputs, self.bias)
        outputs = self.activation(outputs)
        if self.activity_regularizer is not None:
            self._add_activity_loss(outputs)
        return outputs

    def get_config(self):
        return {**super().get_config(), "units": self.units,
                "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "activity_regularizer": regularizers.serialize(self.activity_regularizer),
                "kernel_constraint": constraints.serialize(self.kernel_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint)}


class Activation(Layer):
    """Applies an activation function: `Activation("relu")`."""

    _passes_masks = True

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)

    def call(self, inputs):
        return self.activation(inputs)

    def get_config(self):
        return {**super().get_config(), "activation": activations.serialize(self.activation)}


class Dropout(Layer):
    """Sets a fraction `rate` of inputs to 0 during training, scaling the rest by 1/(1-rate).

    At inference (predict, evaluate) it is the identity.
    """

    _passes_masks = True

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= float(rate) < 1:
            raise ValueError(f"Dropout: `rate` must be in [0, 1), got rate={rate!r}.")
        self.rate, self.noise_shape, self.seed = float(rate), noise_shape, seed

    def call(self, inputs, training=None):
        if self.rate == 0:
            return inputs
        return backend.in_train_phase(
            lambda: tf.nn.dropout(inputs, rate=self.rate, noise_shape=self.noise_shape,
                                  seed=self.seed), inputs, training=training)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "noise_shape": self.noise_shape,
                "seed": self.seed}


class Flatten(Layer):
    """Flattens every dimension but the batch: (batch, 7, 7, 16) → (batch, 784)."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = data_format or backend.image_data_format()
        self.input_spec = InputSpec(min_ndim=1)

    def call(self, inputs):
        dims = inputs.shape.dims
        if self.data_format == "channels_first" and len(dims) > 2:
            inputs = tf.transpose(inputs, [0] + list(range(2, len(dims))) + [1])
            dims = inputs.shape.dims
        rest = dims[1:]
        if all(d is not None for d in rest):
            size = int(np.prod(rest)) if rest else 1
            return tf.reshape(inputs, [-1, size])
        return tf.reshape(inputs, tf.stack([tf.shape(inputs)[0], -1]))

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}


class Identity(Layer):
    """Returns its inputs unchanged (a placeholder in a model, e.g. an optional block)."""

    _passes_masks = True

    def call(self, inputs):
        return inputs


def _function_config(function):
    """A named function as Keras 3 serialises it: its name, never its code."""
    name = getattr(function, "__name__", None)
    if name is None:
        raise ValueError(f"Lambda: cannot serialise {function!r}: it has no __name__.")
    return {"module": getattr(function, "__module__", None), "class_name": "function",
            "config": name, "registered_name": name}


def _function_from_config(spec, what, custom_objects):
    """The function a configuration names: from custom_objects, else a Keras activation.

    Stored code (Keras 3's `__lambda__` bytecode, Keras 2's marshalled lambdas) is never run.
    """
    if isinstance(spec, dict):
        if spec.get("class_name") == "__lambda__":
            raise ValueError(f"Lambda: the configuration's {what} is a Python lambda stored as "
                             f"bytecode; tenseur never runs stored code. Rewrite it as a named "
                             f"function and pass it as custom_objects={{'name': function}}.")
        name = spec.get("config") if isinstance(spec.get("config"), str) else spec.get("registered_name")
    elif isinstance(spec, str):
        name = spec
    else:
        raise ValueError(f"Lambda: the configuration's {what} ({type(spec).__name__}) is stored "
                         f"code; tenseur never runs stored code. Rewrite it as a named function "
                         f"and pass it as custom_objects={{'name': function}}.")
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    try:
        return activations.get(name)
    except ValueError:
        pass
    raise ValueError(f"Lambda: cannot re-create {what} {name!r} from its name: configurations "
                     f"hold names, not code. Pass custom_objects={{{name!r}: {name}}} when "
                     f"loading the model.")


class Lambda(Layer):
    """Wraps a function of tensors as a layer: `Lambda(lambda x: x ** 2)`.

    Args:
        function: called as `function(inputs, **arguments)`; it receives `training` too when
            its signature names it.
        output_shape: the output shape without the batch dimension (a tuple), or a function
            of the full input shape returning the full output shape; refines the static shape.
        arguments: a dict of extra keyword arguments (JSON values) for `function`.
    The configuration stores the function's *name* only, never its code: re-creating the layer
    needs `custom_objects={name: function}` (a Keras activation name also resolves), and
    loading a saved model containing a Lambda is refused unless `safe_mode=False`.
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise ValueError(f"Lambda: `function` must be callable, got function={function!r}.")
        if output_shape is not None and not callable(output_shape):
            if not isinstance(output_shape, (list, tuple)) or not all(
                    d is None or isinstance(d, (int, np.integer)) for d in output_shape):
                raise ValueError(f"Lambda: `output_shape` must be a tuple of ints (without the "
                                 f"batch dimension) or a function, got output_shape={output_shape!r}.")
            output_shape = tuple(output_shape)
        if arguments is not None and not isinstance(arguments, dict):
            raise ValueError(f"Lambda: `arguments` must be a dict, got arguments={arguments!r}.")
        self.function = function
        self._output_shape = output_shape
        self.mask = mask
        self.supports_masking = mask is not None
        self.arguments = dict(arguments or {})

    def compute_mask(self, inputs, mask=None):
        """`mask(inputs, previous_mask)` when `mask` is callable, else the `mask` given."""
        return self.mask(inputs, mask) if callable(self.mask) else self.mask

    def call(self, inputs, training=None):
        kwargs = dict(self.arguments)
        try:
            if "training" in inspect.signature(self.function).parameters:
                kwargs["training"] = training
        except (TypeError, ValueError):     # builtins without a signature
            pass
        outputs = self.function(inputs, **kwargs)
        if self._output_shape is not None and isinstance(outputs, tf.Tensor):
            if callable(self._output_shape):
                shape = tuple(self._output_shape(backend.int_shape(inputs)
                                                 if isinstance(inputs, tf.Tensor)
                                                 else [backend.int_shape(t) for t in inputs]))
            else:
                shape = (outputs.shape.dims[0] if outputs.shape.dims else None,) + self._output_shape
            try:
                outputs.set_shape(list(shape))
            except ValueError:
                raise ValueError(f"Lambda '{self.name}': the function returned a tensor of shape "
                                 f"{backend.int_shape(outputs)}, which contradicts "
                                 f"output_shape={self._output_shape!r}.") from None
        return outputs

    def get_config(self):
        output_shape = self._output_shape
        if callable(output_shape):
            output_shape = _function_config(output_shape)
        elif output_shape is not None:
            output_shape = list(output_shape)
        return {**super().get_config(), "function": _function_config(self.function),
                "output_shape": output_shape, "arguments": self.arguments}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        config["function"] = _function_from_config(config["function"], "function", custom_objects)
        # Keras 2 spellings: the function's and output shape's kinds are separate keys.
        for legacy in ("function_type", "module", "output_shape_module"):
            config.pop(legacy, None)
        shape_type = config.pop("output_shape_type", "raw")
        output_shape = config.get("output_shape")
        if isinstance(output_shape, dict) or shape_type != "raw" and output_shape is not None:
            config["output_shape"] = _function_from_config(output_shape, "output_shape",
                                                           custom_objects)
        return cls(**config)


class Embedding(Layer):
    """Turns integer indices into dense vectors: `embeddings[inputs]`.

    Args: input_dim (vocabulary size), output_dim, embeddings_initializer (Keras' default
        "uniform": U(-0.05, 0.05)), embeddings_regularizer, activity_regularizer,
        embeddings_constraint, mask_zero, input_length (Keras 2: sets the input shape).
    Input shape `(batch, ...)` of integers in [0, input_dim); output `(batch, ..., output_dim)`.
    With `mask_zero=True` index 0 means padding: the output carries the mask `inputs != 0`
    (`compute_mask`), which layers that support masking pass on and which compile/fit use
    to leave padded steps out of the loss and metrics (index 0 is still embedded, as in
    Keras, so input_dim must count it).
    """

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 embeddings_regularizer=None, activity_regularizer=None,
                 embeddings_constraint=None, mask_zero=False, input_length=None, **kwargs):
        if input_length is not None and "input_shape" not in kwargs \
                and "batch_input_shape" not in kwargs:
            length = tuple(input_length) if isinstance(input_length, (list, tuple)) else (input_length,)
            kwargs["batch_input_shape"] = (kwargs.pop("batch_size", None),) + length
        super().__init__(**kwargs)
        for arg, value in (("input_dim", input_dim), ("output_dim", output_dim)):
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"Embedding: `{arg}` must be a positive integer, got "
                                 f"{arg}={value!r}.")
        self.input_dim, self.output_dim = int(input_dim), int(output_dim)
        self.embeddings_initializer = initializers.get(
            "random_uniform" if embeddings_initializer == "uniform" else
            "random_normal" if embeddings_initializer == "normal" else embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = bool(mask_zero)
        self.supports_masking = self.mask_zero

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return tf.not_equal(inputs, tf.cast(0, inputs.dtype))

    def build(self, input_shape):
        self.embeddings = self.add_weight("embeddings", (self.input_dim, self.output_dim),
                                          initializer=self.embeddings_initializer,
                                          regularizer=self.embeddings_regularizer,
                                          constraint=self.embeddings_constraint)
        self.built = True

    def call(self, inputs):
        if inputs.dtype not in (tf.int32, tf.int64):
            inputs = tf.cast(inputs, tf.int32)
        outputs = tf.gather(self.embeddings, inputs)
        if self.activity_regularizer is not None:
            self._add_activity_loss(outputs)
        return outputs

    def get_config(self):
        return {**super().get_config(), "input_dim": self.input_dim, "output_dim": self.output_dim,
                "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
                "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer),
                "activity_regularizer": regularizers.serialize(self.activity_regularizer),
                "embeddings_constraint": constraints.serialize(self.embeddings_constraint),
                "mask_zero": self.mask_zero}


class Masking(Layer):
    """Marks the steps whose features all equal `mask_value` as padding: they are zeroed and
    the output carries the mask `any(inputs != mask_value, axis=-1)` (Keras' layer).

    Args: mask_value (default 0.0).
    Example:
        >>> x = keras.Input(shape=(None, 3))
        >>> y = Masking(0.0)(x)        # y._keras_mask: (batch, steps) booleans
    """

    _passes_masks = True

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        self.mask_value = mask_value

    def _real_steps(self, inputs, keepdims=False):
        return tf.reduce_any(tf.not_equal(inputs, tf.cast(self.mask_value, inputs.dtype)),
                             axis=-1, keepdims=keepdims)

    def compute_mask(self, inputs, mask=None):
        return self._real_steps(inputs)

    def call(self, inputs):
        return inputs * tf.cast(self._real_steps(inputs, keepdims=True), inputs.dtype)

    def get_config(self):
        return {**super().get_config(), "mask_value": self.mask_value}

