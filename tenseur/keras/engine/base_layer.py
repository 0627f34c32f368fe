"""`Layer`: the building block of Keras models, on tenseur's public ops.

`Layer.__call__` owns, in one linear path, what every layer shares: converting inputs,
building on first call (`build(input_shape)` creates weights with `add_weight`), checking
the `InputSpec`, calling `call` inside the layer's name scope, wrapping errors with the
layer's class, name and input shapes, and recording a `Node` when called on symbolic Keras
tensors so `Model(inputs, outputs)` can walk the graph of layer calls.

In eager mode the same path runs on values: weights are eager Variables, `call` runs op by op
and returns eager tensors. Keras tensors made there live in the backend's symbolic graph
(`backend.symbolic_graph()`), which `__call__` enters to record a call on them. Losses added
by an eager call (activity regularization) are those of the latest call: the outermost layer
call clears them first, as Keras does; weight regularization is kept as a function of the
weights, evaluated whenever `losses` is read.
"""
from __future__ import annotations

import contextlib
import functools
import inspect
import warnings

import numpy as np

import tenseur as tf
from tenseur.framework.errors import TenseurError

from .. import backend


# -- nested structures ------------------------------------------------------------------------

# Nested structures: the one implementation, `tf.nest` (dicts in sorted key order).
flatten = tf.nest.flatten
pack_like = tf.nest.pack_sequence_as


def shape_of(tensors):
    """Static shapes (tuples with None) of a tensor or structure of tensors."""
    if isinstance(tensors, (list, tuple)):
        return [shape_of(t) for t in tensors]
    if isinstance(tensors, dict):
        return {k: shape_of(v) for k, v in tensors.items()}
    return backend.int_shape(tensors)


class InputSpec:
    """What a layer accepts: dtype, rank (`ndim`, `min_ndim`, `max_ndim`), known `axes` sizes."""

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None, axes=None):
        self.dtype = dtype
        self.shape = shape
        self.ndim = len(shape) if shape is not None else ndim
        self.max_ndim, self.min_ndim = max_ndim, min_ndim
        self.axes = axes or {}

    def __repr__(self):
        parts = [f"{k}={v}" for k, v in (("dtype", self.dtype), ("shape", self.shape),
                                          ("ndim", self.ndim), ("max_ndim", self.max_ndim),
                                          ("min_ndim", self.min_ndim), ("axes", self.axes)) if v]
        return f"InputSpec({', '.join(parts)})"


# The updates (e.g. BatchNormalization's moving averages) made during each `Layer.__call__`
# in progress, innermost last: a node keeps exactly the updates of its own call, so a model
# runs only the updates built on its own inputs.
_UPDATE_FRAMES: list[list] = []

# How many eager `Layer.__call__` are in progress: the outermost one clears the losses of the
# previous call.
_EAGER_CALL_DEPTH = [0]


def _regularization_loss(regularizer, variable, scope):
    """A weight's regularization loss now (eager mode keeps this function, not a tensor)."""
    with tf.name_scope(scope):
        return regularizer(variable)


def symbolic_graph_of(flat):
    """The backend's symbolic graph when `flat` holds its tensors (Keras tensors made in
    eager mode, or placeholders a model is built on there)."""
    for t in flat:
        if isinstance(t, tf.Tensor) and not isinstance(t, tf.EagerTensor) \
                and backend.is_symbolic_graph(t.graph):
            return t.graph
    return None


def input_masks(inputs):
    """The masks attached to `inputs` (`_keras_mask`), in their structure: one mask or None
    for a single tensor, a list for a list of tensors."""
    if isinstance(inputs, (list, tuple)):
        return [getattr(t, "_keras_mask", None) for t in inputs]
    if isinstance(inputs, dict):
        return None
    return getattr(inputs, "_keras_mask", None)


def _any_mask(masks) -> bool:
    if isinstance(masks, (list, tuple)):
        return any(m is not None for m in masks)
    return masks is not None


class Node:
    """One call of a layer on symbolic inputs: which tensors went in and came out."""

    def __init__(self, layer, call_args, call_kwargs, outputs, updates=()):
        self.layer = layer
        self.updates = list(updates)
        self.call_args = call_args          # the inputs structure as passed
        self.call_kwargs = call_kwargs
        self.input_tensors = [t for t in flatten(call_args) if isinstance(t, tf.Tensor)]
        self.outputs = outputs
        self.output_tensors = flatten(outputs)
        self.inbound_layers = [t._keras_history[0] for t in self.input_tensors
                               if backend.is_keras_tensor(t)]
        layer._inbound_nodes.append(self)
        node_index = len(layer._inbound_nodes) - 1
        for i, t in enumerate(self.output_tensors):
            t._keras_history = (layer, node_index, i)

    @property
    def parent_nodes(self) -> list:
        parents = []
        for t in self.input_tensors:
            if backend.is_keras_tensor(t):
                layer, node_index, _ = t._keras_history
                parents.append(layer._inbound_nodes[node_index])
        return parents


class Layer:
    """Base class of every Keras layer.

    Subclasses set configuration in `__init__`, create weights in `build(input_shape)` with
    `add_weight`, compute in `call(inputs, training=None)` with tenseur ops, and return their
    constructor arguments from `get_config()`.

    Args (common to every layer): name, trainable, dtype, input_shape / batch_input_shape /
        input_dim / batch_size (for the first layer of a Sequential model).
    """

    _passes_masks = False      # True: the output keeps the input's mask (supports_masking)
    _ALLOWED_KWARGS = {"input_shape", "batch_input_shape", "batch_size", "input_dim", "weights",
                       "activity_regularizer", "autocast", "batch_shape", "input_dtype"}

    def __init__(self, trainable=True, name=None, dtype=None, **kwargs):
        unknown = set(kwargs) - self._ALLOWED_KWARGS
        if unknown:
            raise TypeError(f"{type(self).__name__}: unexpected keyword argument(s) "
                            f"{', '.join(sorted(unknown))}.")
        if name is None:
            name = backend.unique_object_name(backend.snake_case(type(self).__name__))
        else:
            if not isinstance(name, str) or not name:
                raise ValueError(f"{type(self).__name__}: name must be a non-empty string, got {name!r}.")
            backend.reserve_name(name)
        self.name = name
        self._trainable = trainable
        self.dtype = tf.as_dtype(dtype or backend.floatx()).name if not isinstance(dtype, dict) \
            else dtype.get("config", {}).get("name", backend.floatx())
        self.built = False
        self.input_spec = None
        self.supports_masking = type(self)._passes_masks   # Keras' attribute, settable
        self._trainable_weights: list = []
        self._non_trainable_weights: list = []
        self._losses: list = []
        self._call_losses: list = []      # eager mode: the losses of the latest call
        self._updates: list = []
        self._inbound_nodes: list = []
        self._initial_weights = kwargs.get("weights")
        batch_shape = kwargs.get("batch_input_shape") or kwargs.get("batch_shape")
        if batch_shape is None and ("input_shape" in kwargs or "input_dim" in kwargs):
            input_shape = kwargs.get("input_shape")
            if input_shape is None:
                input_shape = (kwargs["input_dim"],)
            batch_shape = (kwargs.get("batch_size"),) + tuple(input_shape)
        self._batch_input_shape = tuple(batch_shape) if batch_shape is not None else None

    # -- weights -----------------------------------------------------------------------------

    def add_weight(self, name=None, shape=None, dtype=None, initializer=None, regularizer=None,
                   trainable=True, constraint=None, **kwargs):
        """Creates a variable `<layer name>/<name>` owned by this layer.

        Args:
            name: the weight's name ("kernel", "bias"...). shape: a tuple of ints.
            initializer, regularizer, constraint: names or objects (keras.initializers...).
            trainable: whether optimizers update it (also requires `layer.trainable`).
        """
        from .. import constraints, initializers, regularizers
        if shape is None:
            shape = ()
        shape = tuple(int(d) for d in shape)
        dtype = tf.as_dtype(dtype or self.dtype)
        init = initializers.get(initializer if initializer is not None else
                                ("glorot_uniform" if dtype.is_floating else "zeros"))
        graph = tf.get_default_graph()
        with graph.name_scope(None):
            variable = tf.Variable(lambda: init(shape, dtype=dtype), name=f"{self.name}/{name}",
                                   trainable=trainable, dtype=dtype)
        variable.constraint = constraints.get(constraint)
        backend.track_variable(variable)
        if trainable:
            self._trainable_weights.append(variable)
        else:
            self._non_trainable_weights.append(variable)
        regularizer = regularizers.get(regularizer)
        if regularizer is not None:
            scope = f"{self.name}/{name}/Regularizer"
            if backend.eager_context():
                # Eagerly a tensor would be a value frozen now: keep how to compute it.
                self._losses.append(functools.partial(_regularization_loss, regularizer,
                                                      variable, scope))
            else:
                with graph.name_scope(None), graph.name_scope(scope):
                    self._losses.append(regularizer(variable))
        return variable

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self._trainable = bool(value)
        for layer in self._sublayers():
            layer.trainable = value

    def _sublayers(self) -> list:
        return []

    @property
    def trainable_weights(self) -> list:
        if not self.trainable:
            return []
        weights = list(self._trainable_weights)
        for layer in self._sublayers():
            weights += [w for w in layer.trainable_weights if w not in weights]
        return weights

    @property
    def non_trainable_weights(self) -> list:
        weights = list(self._non_trainable_weights)
        if not self.trainable:
            weights = list(self._trainable_weights) + weights
        for layer in self._sublayers():
            weights += [w for w in layer.non_trainable_weights if w not in weights]
        return weights

    @property
    def weights(self) -> list:
        """All weights: trainable first, then non-trainable (Keras' order)."""
        if self.trainable:
            own = self._trainable_weights + self._non_trainable_weights
        else:
            own = self._trainable_weights + self._non_trainable_weights
        out = list(own)
        for layer in self._sublayers():
            out += [w for w in layer.weights if w not in out]
        return out

    variables = weights
    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights

    def get_weights(self) -> list:
        """The weights' values as NumPy arrays, in `weights` order."""
        return backend.batch_get_value(self.weights)

    def set_weights(self, weights) -> None:
        """Sets the weights from NumPy arrays, in `weights` order (shapes must match)."""
        params = self.weights
        if len(params) != len(weights):
            raise ValueError(f"{type(self).__name__} '{self.name}': set_weights got {len(weights)} "
                             f"arrays but the layer has {len(params)} weights "
                             f"({', '.join(p.name for p in params) or 'none'}).")
        pairs = []
        for p, w in zip(params, weights):
            w = np.asarray(w)
            if tuple(p.shape.as_list()) != w.shape:
                raise ValueError(f"{type(self).__name__} '{self.name}': weight {p.name} has shape "
                                 f"{tuple(p.shape.as_list())}, got an array of shape {w.shape}.")
            pairs.append((p, w))
        backend.batch_set_value(pairs)

    def count_params(self) -> int:
        if not self.built:
            raise ValueError(f"You tried to call count_params on layer {self.name}, but the layer "
                             f"isn't built. Call it on an input first (or call build()).")
        return int(sum(np.prod(w.shape.as_list()) for w in self.weights))

    # -- losses and updates ------------------------------------------------------------------

    def add_loss(self, loss, inputs=None) -> None:
        """Adds loss tensors (or zero-argument functions returning one) to `losses`.

        In eager mode a tensor added while the layer is called belongs to that call (the next
        call replaces it); a function is kept and evaluated each time `losses` is read.
        """
        losses = list(loss) if isinstance(loss, (list, tuple)) else [loss]
        if not backend.eager_context():
            self._losses.extend(x() if callable(x) else x for x in losses)
            return
        if backend.is_symbolic_graph(tf.get_default_graph()):
            # Recorded while a model is described symbolically: every eager call of the
            # model computes it again.
            losses = [x for x in losses if callable(x)]
        self._losses.extend(x for x in losses if callable(x))
        self._call_losses.extend(x for x in losses if not callable(x))

    def _add_activity_loss(self, outputs, regularizer=None) -> None:
        """Adds `regularizer(outputs)` (default: the layer's activity_regularizer) divided by
        the batch size, as Keras (3 and tf.keras 2) does, so the strength does not grow with
        the batch; a batch of 0 adds 0."""
        penalty = (regularizer or self.activity_regularizer)(outputs)
        if penalty is None:
            return
        if outputs.shape.ndims:
            size = tf.cast(tf.shape(outputs)[0], penalty.dtype)
            penalty = penalty / tf.maximum(size, tf.ones_like(size))
        self.add_loss(penalty)

    def add_update(self, updates, inputs=None) -> None:
        """Registers updates (ops, or `(variable, new value)` pairs) run by training steps.

        In eager mode an update has run already when it is added; a pair is assigned now.
        """
        updates = list(updates) if isinstance(updates, (list, tuple)) else [updates]
        if backend.eager_context():
            if not backend.is_symbolic_graph(tf.get_default_graph()):
                for update in updates:
                    if isinstance(update, tuple):
                        variable, value = update
                        variable.assign(value)
            return
        self._updates.extend(updates)
        for frame in _UPDATE_FRAMES:
            frame.extend(updates)

    def _loss_entries(self) -> list:
        out = list(self._losses) + list(self._call_losses)
        for layer in self._sublayers():
            out += [x for x in layer._loss_entries() if all(x is not y for y in out)]
        return out

    @property
    def losses(self) -> list:
        """The losses of this layer and its sublayers (regularization, `add_loss`)."""
        return [x() if callable(x) else x for x in self._loss_entries()]

    def _clear_call_losses(self) -> None:
        self._call_losses = []
        for layer in self._sublayers():
            layer._clear_call_losses()

    @property
    def updates(self) -> list:
        if not self.trainable:
            return []
        out = list(self._updates)
        for layer in self._sublayers():
            out += [x for x in layer.updates if x not in out]
        return out

    # -- calling -----------------------------------------------------------------------------

    def build(self, input_shape) -> None:
        """Creates the weights for inputs of `input_shape` (override; call super or set built)."""
        self.built = True

    def call(self, inputs, **kwargs):
        return inputs

    def _call_parameters(self) -> set:
        """The names `call` takes, plus "**" when it takes any keyword (cached per class)."""
        cache = type(self).__dict__.get("_call_args_cache")
        if cache is None:
            params = inspect.signature(self.call).parameters
            cache = set(params) | ({"**"} if any(p.kind is p.VAR_KEYWORD
                                                 for p in params.values()) else set())
            type(self)._call_args_cache = cache
        return cache

    def _call_accepts(self, arg: str) -> bool:
        cache = self._call_parameters()
        return arg in cache or "**" in cache

    def __call__(self, inputs, *args, **kwargs):
        inputs = self._convert_inputs(inputs)
        flat = flatten(inputs)
        # Keras tensors made in eager mode: the call is recorded in their graph (weights are
        # still built eagerly, outside it).
        symbolic = symbolic_graph_of(flat)
        if not self.built:
            self._maybe_build(inputs)
        self._check_input_spec(flat)
        if "training" in kwargs and not self._call_accepts("training"):
            kwargs.pop("training")
        outermost_eager = (symbolic is None and _EAGER_CALL_DEPTH[0] == 0
                           and backend.eager_context())
        if outermost_eager:
            self._clear_call_losses()
        with symbolic.as_default() if symbolic is not None else contextlib.nullcontext():
            return self._call_in_graph(inputs, flat, outermost_eager, args, kwargs)

    def _call_in_graph(self, inputs, flat, outermost_eager, args, kwargs):
        """`__call__` once the layer is built, in the graph where its ops go."""
        graph = tf.get_default_graph()
        frame: list = []
        _UPDATE_FRAMES.append(frame)
        if outermost_eager:
            _EAGER_CALL_DEPTH[0] += 1
        call_kwargs, previous_mask = self._with_input_masks(inputs, kwargs)  # node keeps kwargs
        try:
            with graph.name_scope(self.name):
                outputs = self.call(inputs, *args, **call_kwargs)
        except TenseurError as exc:
            raise type(exc)(f"{type(self).__name__} '{self.name}' called on inputs of shape "
                            f"{shape_of(inputs)}: {exc.message}", hint=exc.hint) from None
        finally:
            _UPDATE_FRAMES.pop()
            if outermost_eager:
                _EAGER_CALL_DEPTH[0] -= 1
        if outputs is None:
            raise TypeError(f"{type(self).__name__} '{self.name}': call() returned None; it must "
                            f"return the output tensor(s).")
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)
            self._initial_weights = None
        if flat and all(backend.is_keras_tensor(t) for t in flat if isinstance(t, tf.Tensor)) \
                and any(isinstance(t, tf.Tensor) for t in flat):
            outputs = self._mark_outputs(outputs)
            Node(self, inputs, dict(kwargs), outputs, frame)
        self._set_output_masks(inputs, outputs, previous_mask)
        return outputs

    # -- masks (Keras 3: a boolean tensor on `t._keras_mask`, True where a step is real) ----

    def compute_mask(self, inputs, mask=None):
        """The mask of this layer's output given its input's: the input's own for a layer
        that supports masking (`supports_masking`), else None."""
        return mask if self.supports_masking else None

    def _with_input_masks(self, inputs, kwargs):
        """(kwargs for `call`, the inputs' masks): the masks go in as `mask=` when `call`
        names a `mask` parameter and none was given."""
        masks = input_masks(inputs)
        if "mask" not in kwargs and "mask" in self._call_parameters() and _any_mask(masks):
            kwargs = dict(kwargs, mask=masks)
        return kwargs, masks

    def _set_output_masks(self, inputs, outputs, previous_mask) -> None:
        """Attaches `compute_mask`'s masks to the outputs (unless `call` already did, as a
        model replaying its layers does). A layer that does not support masking drops a mask
        it is given, with Keras' warning."""
        leaves = flatten(outputs)
        if leaves and all(getattr(t, "_keras_mask", None) is not None for t in leaves):
            return
        overridden = type(self).compute_mask is not Layer.compute_mask
        if not (self.supports_masking or overridden):
            if _any_mask(previous_mask):
                warnings.warn(f"Layer '{self.name}' (of type {type(self).__name__}) was passed "
                              f"an input with a mask attached to it. However, this layer does "
                              f"not support masking and will therefore destroy the mask "
                              f"information. Downstream layers will not see the mask.",
                              stacklevel=4)
            return
        masks = self.compute_mask(inputs, previous_mask)
        if masks is None:
            return
        mask_leaves = list(masks) if isinstance(masks, (list, tuple)) else [masks] * len(leaves)
        for tensor, mask in zip(leaves, mask_leaves):
            if mask is not None and isinstance(tensor, tf.Tensor):
                tensor._keras_mask = mask

    def _mark_outputs(self, outputs):
        """Outputs that are inputs passed through unchanged get an Identity so each tensor has
        exactly one producing node in the layer graph."""
        leaves = flatten(outputs)
        fresh = []
        for t in leaves:
            if backend.is_keras_tensor(t):
                mask = getattr(t, "_keras_mask", None)
                t = tf.identity(t, name=self.name + "_out")
                if mask is not None:
                    t._keras_mask = mask
            fresh.append(t)
        return pack_like(outputs, fresh) if isinstance(outputs, (list, tuple, dict)) else fresh[0]

    def _convert_inputs(self, inputs):
        if isinstance(inputs, (list, tuple, dict)):
            leaves = flatten(inputs)
            converted = [self._convert_one(x) for x in leaves]
            return pack_like(inputs, converted)
        return self._convert_one(inputs)

    def _convert_one(self, x):
        if isinstance(x, tf.Tensor) or x is None:
            return x
        if hasattr(x, "_as_tensor"):
            return x._as_tensor()
        if isinstance(x, (np.ndarray, list, float, int)):
            return tf.constant(np.asarray(x, dtype=tf.as_dtype(self.dtype).as_numpy_dtype
                                          if np.asarray(x).dtype.kind == "f" else None))
        return x

    def _maybe_build(self, inputs) -> None:
        input_shapes = shape_of(inputs)
        graph = tf.get_default_graph()
        with graph.name_scope(None):
            try:
                self.build(input_shapes)
            except TenseurError as exc:
                raise type(exc)(f"{type(self).__name__} '{self.name}' could not be built for "
                                f"inputs of shape {input_shapes}: {exc.message}",
                                hint=exc.hint) from None
        self.built = True

    def _check_input_spec(self, flat) -> None:
        spec = self.input_spec
        if spec is None:
            return
        specs = spec if isinstance(spec, (list, tuple)) else [spec]
        tensors = [t for t in flat if isinstance(t, tf.Tensor)]
        if len(specs) != len(tensors) and len(specs) > 1:
            raise ValueError(f"{type(self).__name__} '{self.name}' expects {len(specs)} inputs, "
                             f"but it received {len(tensors)} input tensors.")
        for s, t in zip(specs, tensors):
            if s is None:
                continue
            shape = backend.int_shape(t)
            if shape is None:
                continue
            where = f"Input 0 of layer '{self.name}' ({type(self).__name__})"
            if s.ndim is not None and len(shape) != s.ndim:
                raise ValueError(f"{where} is incompatible with the layer: expected ndim={s.ndim}, "
                                 f"found ndim={len(shape)}. Full shape received: {shape}")
            if s.min_ndim is not None and len(shape) < s.min_ndim:
                raise ValueError(f"{where} is incompatible with the layer: expected "
                                 f"min_ndim={s.min_ndim}, found ndim={len(shape)}. Full shape "
                                 f"received: {shape}")
            if s.max_ndim is not None and len(shape) > s.max_ndim:
                raise ValueError(f"{where} is incompatible with the layer: expected "
                                 f"max_ndim={s.max_ndim}, found ndim={len(shape)}. Full shape "
                                 f"received: {shape}")
            for axis, value in s.axes.items():
                if shape[axis] is not None and value is not None and shape[axis] != value:
                    raise ValueError(f"{where} is incompatible with the layer: expected axis "
                                     f"{axis} of input shape to have value {value}, but received "
                                     f"input with shape {shape}")

    # -- symbolic introspection --------------------------------------------------------------

    def _node_attr(self, attr, what):
        if not self._inbound_nodes:
            raise AttributeError(f"Layer {self.name} is not connected, no {what} to return.")
        if len(self._inbound_nodes) > 1:
            raise AttributeError(f"Layer {self.name} has multiple inbound nodes; use "
                                 f"get_{what}_at(node_index) instead.")
        values = getattr(self._inbound_nodes[0], attr)
        return values[0] if len(values) == 1 else values

    @property
    def input(self):
        return self._node_attr("input_tensors", "input")

    @property
    def output(self):
        return self._node_attr("output_tensors", "output")

    def get_input_at(self, node_index):
        values = self._inbound_nodes[node_index].input_tensors
        return values[0] if len(values) == 1 else values

    def get_output_at(self, node_index):
        values = self._inbound_nodes[node_index].output_tensors
        return values[0] if len(values) == 1 else values

    @property
    def input_shape(self):
        return shape_of(self.input)

    @property
    def output_shape(self):
        return shape_of(self.output)

    def compute_output_shape(self, input_shape):
        """Output shape for `input_shape`, found by building the layer on a placeholder."""
        graph = tf.Graph()
        with graph.as_default():
            shapes = input_shape if isinstance(input_shape, list) else [input_shape]
            phs = [tf.placeholder(self.dtype, shape=list(s)) for s in shapes]
            probe = type(self).from_config(self.get_config())
            out = probe(phs if isinstance(input_shape, list) else phs[0])
        return shape_of(out)

    # -- configuration -----------------------------------------------------------------------

    def get_config(self) -> dict:
        """The constructor arguments (JSON-serialisable) that re-create this layer."""
        config = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype}
        if self._batch_input_shape is not None:
            config["batch_input_shape"] = list(self._batch_input_shape)
        return config

    @classmethod
    def from_config(cls, config: dict):
        return cls(**without_keras3_extras(cls, config))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


# Constructor arguments that Keras 3 writes but tenseur's layers do not take; they are
# dropped on load when they hold their "feature off" value. (The initializers take Keras 3's
# extra keys themselves: keras.initializers.VarianceScaling.)
_KERAS3_EXTRAS = {"lora_rank": (None, 0), "lora_alpha": (None,), "quantization_config": (None,),
                  "gradient_checkpointing": (None, False), "renorm_clipping": (None,),
                  "renorm_momentum": (0.99,)}


def without_keras3_extras(cls, config):
    """`config` without the constructor arguments Keras 3 writes and `cls` does not take, when
    they hold their "feature off" value (`quantization_config=None`...): what `from_config`
    gives the constructor."""
    if not isinstance(config, dict):
        return config
    accepted = inspect.signature(cls.__init__).parameters
    return {k: v for k, v in config.items()
            if not (k in _KERAS3_EXTRAS and k not in accepted and v in _KERAS3_EXTRAS[k])}
