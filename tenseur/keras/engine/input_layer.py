"""`Input` / `InputLayer`: the entry points of a functional model (a placeholder; in eager
mode, a placeholder of Keras' symbolic graph, which describes the model without running)."""
from __future__ import annotations

import tenseur as tf

from .. import backend
from .base_layer import Layer, Node


class InputLayer(Layer):
    """The layer behind `Input`: owns the placeholder that `fit`/`predict` feed.

    Args: input_shape (without the batch) or batch_input_shape/batch_shape, batch_size,
        dtype, name, input_tensor (wrap an existing tensor instead of a new placeholder).
    """

    def __init__(self, input_shape=None, batch_size=None, dtype=None, input_tensor=None,
                 sparse=False, name=None, ragged=False, batch_input_shape=None, batch_shape=None,
                 optional=False, **kwargs):
        if name is None:
            name = backend.unique_object_name("input_layer")   # Keras 3's automatic name
        batch_shape = batch_shape or batch_input_shape
        if batch_shape is None and input_shape is not None:
            batch_shape = (batch_size,) + tuple(input_shape)
        if batch_shape is None and input_tensor is None:
            raise ValueError("InputLayer: pass `shape` (without the batch dimension), e.g. "
                             "Input(shape=(784,)), or `batch_shape`.")
        super().__init__(name=name, dtype=dtype or (input_tensor.dtype.name if input_tensor is not None
                                                    else None), **kwargs)
        self.built = True
        if input_tensor is None:
            # In eager mode the placeholder goes to Keras' symbolic graph (backend).
            with backend.symbolic_scope() as graph, graph.name_scope(None):
                input_tensor = tf.placeholder(self.dtype, shape=list(batch_shape), name=self.name)
        else:
            batch_shape = backend.int_shape(input_tensor)
        self._batch_input_shape = tuple(batch_shape)
        self.is_placeholder = input_tensor.op.type == "Placeholder"
        Node(self, [], {}, input_tensor)

    def get_config(self) -> dict:
        return {"batch_shape": list(self._batch_input_shape), "dtype": self.dtype,
                "sparse": False, "ragged": False, "name": self.name}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if "batch_input_shape" in config:
            config["batch_shape"] = config.pop("batch_input_shape")
        config.pop("optional", None)
        return cls(**config)


def Input(shape=None, batch_size=None, name=None, dtype=None, sparse=False, tensor=None,
          ragged=False, batch_shape=None, **kwargs):
    """A symbolic model input: `x = Input(shape=(784,))` (the batch dimension is left out).

    Returns:
        A tenseur Tensor (a placeholder) carrying its Keras history.
    Example:
        >>> inputs = keras.Input(shape=(784,))
        >>> outputs = keras.layers.Dense(10, activation="softmax")(inputs)
        >>> model = keras.Model(inputs, outputs)
    """
    if shape is not None and not isinstance(shape, (list, tuple)):
        shape = (shape,)
    layer = InputLayer(input_shape=shape, batch_size=batch_size, name=name, dtype=dtype,
                       input_tensor=tensor, batch_shape=batch_shape or kwargs.pop("batch_input_shape", None))
    return layer._inbound_nodes[0].output_tensors[0]
