"""`Sequential`: a linear stack of layers, a Functional model built as layers are added."""
from __future__ import annotations

import numpy as np

import tenseur as tf

from .. import backend
from .base_layer import Layer
from .functional import Functional, Model
from .input_layer import Input, InputLayer


class Sequential(Functional):
    """`Sequential([Dense(64, input_shape=(784,)), Dense(10)])` or `.add(layer)` one by one.

    The graph is built as soon as the input shape is known (an `input_shape` on the first
    layer, an `InputLayer`, or the first call / `fit` / `build`).
    """

    def __init__(self, layers=None, name=None, trainable=True):
        Layer.__init__(self, name=name, trainable=trainable)
        self._stack: list = []
        self._is_graph_network = False
        self._subclassed_layers = []
        self.inputs, self.outputs = None, None
        self._layers, self._nodes_by_depth = [], []
        self._input_layer = None
        self._build_input_shape = None
        self._init_training()
        self.built = False
        for layer in layers or []:
            self.add(layer)

    def add(self, layer) -> None:
        """Appends a layer; builds the graph when the input shape is known."""
        if isinstance(layer, tf.Tensor) and backend.is_keras_tensor(layer):
            layer = layer._keras_history[0]
        if not isinstance(layer, Layer):
            raise TypeError(f"Sequential '{self.name}': the added layer must be an instance of "
                            f"class Layer, got {layer!r} of type {type(layer).__name__}.")
        if any(existing.name == layer.name for existing in self._stack):
            raise ValueError(f"Sequential '{self.name}': all layers added must have unique names; "
                             f"'{layer.name}' is already in the model.")
        if isinstance(layer, InputLayer):
            if self._stack:
                raise ValueError(f"Sequential '{self.name}': an InputLayer must come first.")
            self._input_layer = layer
            self._build_input_shape = layer._batch_input_shape
            return
        self._stack.append(layer)
        if self._build_input_shape is None and len(self._stack) == 1 \
                and layer._batch_input_shape is not None:
            self._build_input_shape = layer._batch_input_shape
        if self._is_graph_network:
            self._append_to_graph(layer)
        elif self._build_input_shape is not None:
            self._rebuild()

    def _append_to_graph(self, layer) -> None:
        """Calls the new layer on the current output: the graph grows by one node."""
        x = layer(self.outputs[0])
        self._nested_outputs = x
        self.outputs = [x]
        self._nodes_by_depth, self._layers = self._map_graph()

    def pop(self) -> None:
        if not self._stack:
            raise TypeError("There are no layers in the model.")
        self._stack.pop()
        self._is_graph_network = False
        if self._stack and self._build_input_shape is not None:
            self._rebuild()

    def _rebuild(self) -> None:
        if self._input_layer is not None and self._input_layer._inbound_nodes:
            x = self._input_layer._inbound_nodes[0].output_tensors[0]
        else:
            shape = self._build_input_shape
            x = Input(batch_shape=shape, dtype=self._stack[0].dtype)
            self._input_layer = x._keras_history[0]
        inputs = x
        for layer in self._stack:
            x = layer(x)
        self._nested_inputs, self._nested_outputs = inputs, x
        self.inputs, self.outputs = [inputs], [x]
        self._nodes_by_depth, self._layers = self._map_graph()
        self._is_graph_network = True
        self.built = True

    @property
    def layers(self) -> list:
        # Keras lists a Sequential's layers without its input layer.
        return list(self._stack)

    def _sublayers(self) -> list:
        return list(self._stack)

    def build(self, input_shape=None) -> None:
        if input_shape is None:
            input_shape = self._build_input_shape
        if input_shape is None:
            raise ValueError(f"Sequential '{self.name}': build() needs an input shape.")
        self._build_input_shape = tuple(input_shape)
        if not self._is_graph_network:
            self._rebuild()

    def __call__(self, inputs, *args, **kwargs):
        if not self._is_graph_network:
            if isinstance(inputs, tf.Tensor) and not isinstance(inputs, tf.EagerTensor):
                self.build(backend.int_shape(inputs))
            else:
                # Built from values (eager mode): for any batch size, as Keras.
                self.build((None,) + tuple(np.shape(inputs)[1:]))
        return Model.__call__(self, inputs, *args, **kwargs)

    def _ensure_built_for(self, x) -> None:
        """Builds from data (`fit`/`predict` on a model without an input shape)."""
        if not self._is_graph_network:
            self.build((None,) + np.asarray(x).shape[1:])

    def get_config(self) -> dict:
        from .serialization import serialize_layer
        config = {"name": self.name, "trainable": self.trainable,
                  "layers": [serialize_layer(layer) for layer in self._stack]}
        if self._build_input_shape is not None:
            config["build_input_shape"] = list(self._build_input_shape)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from .serialization import deserialize_layer
        model = cls(name=config.get("name"))
        layers = config["layers"]
        shape = config.get("build_input_shape")
        for i, layer_config in enumerate(layers):
            layer = deserialize_layer(layer_config, custom_objects)
            if isinstance(layer, InputLayer):
                model.add(layer)
                continue
            if i == 0 and shape is not None and model._build_input_shape is None:
                model._build_input_shape = tuple(shape)
            model.add(layer)
        if shape is not None and not model._is_graph_network:
            model.build(shape)
        return model
