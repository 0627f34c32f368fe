"""`Model`: a graph of layer calls from `inputs` to `outputs`, itself usable as a layer.

`Model(inputs, outputs)` walks the Keras history of `outputs` back to `inputs`, ordering the
nodes by depth; calling the model on new tensors replays those nodes (on eager tensors or
NumPy arrays in eager mode: op by op, returning eager tensors). A subclass that
overrides `call` (and passes no inputs/outputs) is a subclassed model: its layers are the
Layer attributes set in `__init__`.
"""
from __future__ import annotations

import tenseur as tf

from .. import backend
from .base_layer import Layer, flatten, pack_like, shape_of, symbolic_graph_of
from .training import TrainingMixin


def _as_list(x) -> list:
    if x is None:
        return []
    if isinstance(x, dict):
        return [x[k] for k in sorted(x)]
    return list(x) if isinstance(x, (list, tuple)) else [x]


class Model(TrainingMixin, Layer):
    """Groups layers into an object with training and inference features.

    Functional: `Model(inputs=x, outputs=y, name=None)` with Keras tensors from `Input`.
    Subclassed: override `__init__` (create layers as attributes) and `call(inputs, training)`.

    Raises:
        ValueError: an output is not reachable from the inputs (naming the missing input).
    """

    def __new__(cls, *args, **kwargs):
        if cls is Model and (args or "inputs" in kwargs or "outputs" in kwargs):
            return super().__new__(Functional)
        return super().__new__(cls)

    def __init__(self, *args, **kwargs):
        if type(self) is Functional or (args or "inputs" in kwargs) and isinstance(self, Functional):
            Functional._init_graph(self, *args, **kwargs)
            return
        name = kwargs.pop("name", None)
        trainable = kwargs.pop("trainable", True)
        super().__init__(name=name, trainable=trainable, **kwargs)
        self._subclassed_layers: list = []
        self._is_graph_network = False
        self.inputs, self.outputs = None, None
        self._init_training()

    def __setattr__(self, name, value):
        if isinstance(value, Layer) and name != "_outer" and hasattr(self, "_subclassed_layers"):
            if value not in self._subclassed_layers:
                self._subclassed_layers.append(value)
        elif isinstance(value, (list, tuple)) and value and all(isinstance(v, Layer) for v in value) \
                and hasattr(self, "_subclassed_layers"):
            for v in value:
                if v not in self._subclassed_layers:
                    self._subclassed_layers.append(v)
        super().__setattr__(name, value)

    @property
    def layers(self) -> list:
        return list(self._subclassed_layers)

    @property
    def input(self):
        """The model's input tensor (a list when it has several)."""
        if self.inputs is None:
            raise AttributeError(f"Model '{self.name}' has no input yet: build it or call it first.")
        return self.inputs[0] if len(self.inputs) == 1 else list(self.inputs)

    @property
    def output(self):
        """The model's output tensor (a list when it has several)."""
        if self.outputs is None:
            raise AttributeError(f"Model '{self.name}' has no output yet: build it or call it first.")
        return self.outputs[0] if len(self.outputs) == 1 else list(self.outputs)

    @property
    def input_shape(self):
        return shape_of(self.input)

    @property
    def output_shape(self):
        return shape_of(self.output)

    def _sublayers(self) -> list:
        return self.layers

    def get_layer(self, name=None, index=None):
        """The layer called `name` (or at `index` in `layers`)."""
        if index is not None:
            if not -len(self.layers) <= index < len(self.layers):
                raise ValueError(f"Model '{self.name}': get_layer index {index} is out of range; "
                                 f"the model has {len(self.layers)} layers.")
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name}. Existing layers are: "
                         f"{[layer.name for layer in self.layers]}.")

    def build(self, input_shape) -> None:
        if self._is_graph_network:
            self.built = True
            return
        if input_shape is None:
            raise ValueError(f"Model '{self.name}': build() needs an input shape.")
        shapes = input_shape if isinstance(input_shape, list) and input_shape \
            and isinstance(input_shape[0], (list, tuple)) else [input_shape]
        with backend.symbolic_scope():
            inputs = [tf.placeholder(self.dtype, shape=[None] + list(s[1:]),
                                     name=f"{self.name}_build_input") for s in shapes]
        self.built = True
        self(inputs if len(inputs) > 1 else inputs[0])

    def _maybe_build(self, inputs) -> None:
        if not self._is_graph_network and backend.eager_context() \
                and symbolic_graph_of(flatten(inputs)) is None:
            # Called on values (eager mode, or a function traced there): the layers build as
            # the call reaches them, as in Keras; `build` (a symbolic call) is left for
            # fit/predict to ask for.
            self.built = True
            return
        super()._maybe_build(inputs)

    def _set_graph_from_call(self, inputs, outputs) -> None:
        """A subclassed model called on Keras Inputs records them, so fit/predict can feed them."""
        if self.inputs is None and all(backend.is_keras_tensor(t) for t in flatten(inputs)):
            self.inputs, self.outputs = flatten(inputs), flatten(outputs)

    def __call__(self, inputs, *args, **kwargs):
        outputs = super().__call__(inputs, *args, **kwargs)
        if not self._is_graph_network:
            flat_inputs = flatten(inputs)
            if all(isinstance(t, tf.Tensor) and t.op.type == "Placeholder" for t in flat_inputs):
                if self.inputs is None:
                    self.inputs, self.outputs = flat_inputs, flatten(outputs)
        return outputs

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False):
        """Prints Keras' table: layer (type), output shape, params (and connections)."""
        from .summary import print_summary
        print_summary(self, line_length=line_length, positions=positions, print_fn=print_fn)

    # -- saving (implemented in keras.saving, which builds on the engine) -------------------

    def save(self, filepath, overwrite=True, save_format=None, **kwargs):
        """Saves the model: `.keras` (Keras 3 archive) or `.h5` (Keras 2 HDF5 model file)."""
        from ..saving import save_model
        save_model(self, filepath, overwrite=overwrite, save_format=save_format, **kwargs)

    def save_weights(self, filepath, overwrite=True, save_format=None):
        """Saves the weights: `.weights.h5` (Keras 3 layout) or another `.h5` (Keras 2)."""
        from ..saving import save_weights
        save_weights(self, filepath, overwrite=overwrite, save_format=save_format)

    def load_weights(self, filepath, skip_mismatch=False, by_name=False, **kwargs):
        """Loads weights from a `.keras`, `.weights.h5` or legacy `.h5` file."""
        from ..saving import load_weights
        return load_weights(self, filepath, skip_mismatch=skip_mismatch, by_name=by_name, **kwargs)

    def to_json(self, **kwargs) -> str:
        """The model's configuration as a JSON string (`keras.models.model_from_json`)."""
        from ..saving import model_to_json
        return model_to_json(self, **kwargs)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        if "layers" in config and "input_layers" in config:
            from .serialization import functional_from_config
            return functional_from_config(config, custom_objects)
        return cls(**config)

    def get_config(self) -> dict:
        if not self._is_graph_network:
            raise NotImplementedError(f"Model '{self.name}' is a subclassed model: write its "
                                      f"get_config() to make it serialisable.")
        return Functional.get_config(self)


class Functional(Model):
    """A Model defined by the graph of layer calls between `inputs` and `outputs`."""

    def _init_graph(self, inputs=None, outputs=None, name=None, trainable=True, **kwargs):
        if inputs is None or outputs is None:
            raise ValueError("Model: pass both `inputs` and `outputs` (Keras tensors).")
        Layer.__init__(self, name=name, trainable=trainable)
        self._nested_inputs, self._nested_outputs = inputs, outputs
        self.inputs, self.outputs = _as_list(inputs), _as_list(outputs)
        for t in self.inputs + self.outputs:
            if not backend.is_keras_tensor(t):
                raise ValueError(f"Model '{self.name}': inputs and outputs must be Keras tensors "
                                 f"(made by Input() and by calling layers), got {t!r}.")
        for t in self.inputs:
            layer = t._keras_history[0]
            if type(layer).__name__ != "InputLayer":
                raise ValueError(f"Model '{self.name}': input {t.name} is not an Input: it comes "
                                 f"from layer '{layer.name}'. Model inputs must come from "
                                 f"keras.Input (to cut a model, use its layers' outputs as "
                                 f"outputs, not inputs).")
        self._is_graph_network = True
        self._subclassed_layers = []
        self._nodes_by_depth, self._layers = self._map_graph()
        self.built = True
        self._init_training()

    def _map_graph(self):
        """(nodes in execution order, layers in Keras' order) for the graph inputs → outputs."""
        input_ids = {id(t) for t in self.inputs}
        order: list = []
        seen: set = set()
        visiting: set = set()

        def visit(tensor):
            layer, node_index, _ = tensor._keras_history
            node = layer._inbound_nodes[node_index]
            if id(node) in seen:
                return
            if id(node) in visiting:
                raise ValueError(f"Model '{self.name}': the layer graph has a cycle at "
                                 f"'{layer.name}'.")
            visiting.add(id(node))
            if id(tensor) not in input_ids:
                if not node.input_tensors and type(layer).__name__ == "InputLayer":
                    raise ValueError(
                        f"Model '{self.name}': graph disconnected — cannot obtain the value of "
                        f"tensor {tensor.name} at layer '{layer.name}'. The following previous "
                        f"layers were accessed without issue: "
                        f"{[n.layer.name for n in order]}. Add it to the model's inputs.")
                for t in node.input_tensors:
                    if not backend.is_keras_tensor(t):
                        raise ValueError(f"Model '{self.name}': layer '{layer.name}' was called "
                                         f"on {t.name}, which is not a Keras tensor.")
                    visit(t)
            visiting.discard(id(node))
            seen.add(id(node))
            order.append(node)

        for t in self.inputs:
            visit(t)
        for t in self.outputs:
            visit(t)
        return order, self._layers_in_keras_order(order)

    def _layers_in_keras_order(self, order) -> list:
        """Layers sorted as Keras lists them: by depth from the outputs (inputs first), ties
        by the order a walk from the outputs first meets them."""
        first_seen: dict = {}

        def walk(tensor):
            layer, node_index, _ = tensor._keras_history
            if layer in first_seen:
                return
            first_seen[layer] = len(first_seen)
            node = layer._inbound_nodes[node_index]
            if id(tensor) not in {id(t) for t in self.inputs}:
                for t in node.input_tensors:
                    walk(t)
        for t in self.outputs:
            walk(t)
        for t in self.inputs:
            walk(t)
        node_depth: dict = {}
        layer_depth: dict = {}
        for node in reversed(order):
            depth = max(node_depth.setdefault(id(node), 0), layer_depth.get(node.layer, 0))
            layer_depth[node.layer] = depth
            node_depth[id(node)] = depth
            for parent in node.parent_nodes:
                node_depth[id(parent)] = max(depth + 1, node_depth.get(id(parent), 0))
        # Inputs come first even when an input feeds only a late layer (as Keras).
        inputs = [t._keras_history[0] for t in self.inputs]
        rest = sorted((layer for layer in layer_depth if layer not in inputs),
                      key=lambda layer: (-layer_depth[layer], first_seen.get(layer, 0)))
        return inputs + rest

    @property
    def layers(self) -> list:
        return list(self._layers)

    def _sublayers(self) -> list:
        return self._layers

    @property
    def updates(self) -> list:
        """The updates built by this model's own layer calls (not by calls on other inputs)."""
        if not self.trainable:
            return []
        out: list = []
        for node in self._nodes_by_depth:
            if node.layer.trainable:
                out += [u for u in node.updates if u not in out]
        return out

    def call(self, inputs, training=None, mask=None):
        """Replays the layer graph on new `inputs` (same structure as the model's inputs)."""
        new_inputs = _as_list(inputs) if not isinstance(inputs, tf.Tensor) else [inputs]
        if len(new_inputs) != len(self.inputs):
            raise ValueError(f"Model '{self.name}' expects {len(self.inputs)} input(s), but it "
                             f"received {len(new_inputs)} input tensors.")
        if all(a is b for a, b in zip(new_inputs, self.inputs)):
            outputs = self.outputs
        else:
            mapping = {id(old): new for old, new in zip(self.inputs, new_inputs)}
            for node in self._nodes_by_depth:
                if not node.input_tensors:
                    continue
                args = pack_like(node.call_args, [mapping.get(id(t), t) if isinstance(t, tf.Tensor)
                                                  else t for t in flatten(node.call_args)])
                kwargs = dict(node.call_kwargs)
                if training is not None and node.layer._call_accepts("training"):
                    kwargs["training"] = training
                kwargs, masks = node.layer._with_input_masks(args, kwargs)
                # Call `call` directly: the nested graph is internal to this model's node.
                with tf.get_default_graph().name_scope(node.layer.name):
                    out = node.layer.call(args, **kwargs)
                node.layer._set_output_masks(args, out, masks)
                for old, new in zip(node.output_tensors, flatten(out)):
                    mapping[id(old)] = new
            outputs = [mapping[id(t)] for t in self.outputs]
        if isinstance(self._nested_outputs, (list, tuple)):
            return list(outputs)
        return outputs[0]

    def _mark_outputs(self, outputs):
        # Reusing a model on its own inputs returns its outputs: give them fresh identities.
        return super()._mark_outputs(outputs)

    def _set_output_masks(self, inputs, outputs, previous_mask) -> None:
        """Replaying the layers (`call`) already attached the outputs' masks, if any."""

    def get_config(self) -> dict:
        from .serialization import functional_config
        return functional_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from .serialization import functional_from_config
        return functional_from_config(config, custom_objects)
