"""Layer and model configurations as JSON-ready dicts (Keras 3 layout; Keras 2 accepted).

Nothing here evaluates code: classes are looked up by name among tenseur's Keras classes and
the caller's `custom_objects`.
"""
from __future__ import annotations

import tenseur as tf

from .base_layer import Layer, flatten

_MODULE = {"InputLayer": "keras.layers", "Functional": "keras.src.models.functional",
           "Sequential": "keras.src.models.sequential", "Model": "keras.src.models.model"}


def _registry(custom_objects=None) -> dict:
    from .. import layers as layers_module
    from . import functional, input_layer, sequential
    classes = {}
    for module in (layers_module, functional, input_layer, sequential):
        for name in dir(module):
            obj = getattr(module, name)
            if isinstance(obj, type) and issubclass(obj, Layer):
                classes[obj.__name__] = obj
    classes["Model"] = functional.Functional
    classes.update(custom_objects or {})
    return classes


def serialize_layer(layer) -> dict:
    """{'module', 'class_name', 'config', 'registered_name', 'name'} for one layer."""
    config = layer.get_config()
    out = {"module": _MODULE.get(type(layer).__name__, "keras.layers"),
           "class_name": type(layer).__name__, "config": config, "registered_name": None,
           "name": layer.name}
    if layer.built and type(layer).__name__ != "InputLayer" and layer._inbound_nodes:
        try:
            out["build_config"] = {"input_shape": _json_shape(layer._inbound_nodes[0].input_tensors)}
        except (AttributeError, IndexError):
            pass
    return out


def _json_shape(tensors):
    shapes = [None if t.shape.dims is None else list(t.shape.dims) for t in tensors]
    return shapes[0] if len(shapes) == 1 else shapes


def deserialize_layer(config: dict, custom_objects=None):
    """The layer described by `config` (looked up by class name; never evaluates code)."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Not a layer configuration: {config!r}")
    classes = _registry(custom_objects)
    class_name = config["class_name"]
    cls = classes.get(class_name)
    if cls is None:
        raise ValueError(f"Unknown layer: '{class_name}'. Please ensure you are using a "
                         f"keras.utils.custom_object_scope and that this object is included "
                         f"in the scope (or pass custom_objects={{'{class_name}': cls}}).")
    inner = config.get("config", {})
    if hasattr(cls, "from_config") and issubclass(cls, (__import__(
            "tenseur.keras.engine.functional", fromlist=["Model"]).Model)):
        return cls.from_config(inner, custom_objects=custom_objects)
    return cls.from_config(inner)


def _history_triple(t):
    layer, node_index, tensor_index = t._keras_history
    return [layer.name, node_index, tensor_index]


def _keras_tensor(t) -> dict:
    return {"class_name": "__keras_tensor__",
            "config": {"shape": None if t.shape.dims is None else list(t.shape.dims),
                       "dtype": t.dtype.name, "keras_history": _history_triple(t)}}


def _serialize_args(args):
    if isinstance(args, (list, tuple)):
        return [_serialize_args(a) for a in args]
    if isinstance(args, tf.Tensor):
        return _keras_tensor(args)
    return args


def functional_config(model) -> dict:
    """Keras 3's Functional config: layers with their inbound nodes, input/output triples."""
    layers = []
    for layer in model.layers:
        entry = serialize_layer(layer)
        nodes = []
        for node in layer._inbound_nodes:
            if node not in model._nodes_by_depth or not node.input_tensors:
                continue
            args = node.call_args
            nodes.append({"args": [_serialize_args(args)],
                          "kwargs": {k: v for k, v in node.call_kwargs.items()
                                     if isinstance(v, (int, float, str, bool, type(None)))}})
        entry["inbound_nodes"] = nodes
        layers.append(entry)

    def triples(tensors):
        out = [_history_triple(t) for t in tensors]
        return out[0] if len(out) == 1 else out
    return {"name": model.name, "trainable": model.trainable, "layers": layers,
            "input_layers": triples(model.inputs), "output_layers": triples(model.outputs)}


def functional_from_config(config: dict, custom_objects=None):
    """Rebuilds a Functional model from its config (Keras 3 or Keras 2 layout)."""
    from .functional import Functional
    created: dict = {}
    pending = []
    for layer_config in config["layers"]:
        layer = deserialize_layer(layer_config, custom_objects)
        created[layer_config.get("name", layer.name)] = layer
        pending.append((layer, layer_config.get("inbound_nodes", [])))

    def output_of(name, node_index, tensor_index):
        layer = created[name]
        node = layer._inbound_nodes[node_index] if type(layer).__name__ != "InputLayer" \
            else layer._inbound_nodes[0]
        return node.output_tensors[tensor_index]

    def rebuild_arg(arg):
        if isinstance(arg, dict) and arg.get("class_name") == "__keras_tensor__":
            return output_of(*arg["config"]["keras_history"])
        if isinstance(arg, list):
            return [rebuild_arg(a) for a in arg]
        return arg

    # Layers are listed so that inputs precede users, but a shared layer may need several
    # passes: call each node once all its inputs exist.
    done = {id(layer): 0 for layer, _ in pending}
    progress = True
    while progress:
        progress = False
        for layer, nodes in pending:
            while done[id(layer)] < len(nodes):
                node = nodes[done[id(layer)]]
                try:
                    if isinstance(node, dict):          # Keras 3
                        args = [rebuild_arg(a) for a in node["args"]]
                        kwargs = node.get("kwargs", {})
                        inputs = args[0] if len(args) == 1 else args
                    else:                               # Keras 2: [[name, node, tensor, kwargs]...]
                        tensors = [output_of(e[0], e[1], e[2]) for e in node]
                        kwargs = node[0][3] if len(node[0]) > 3 else {}
                        inputs = tensors[0] if len(tensors) == 1 else tensors
                except (KeyError, IndexError):
                    break
                layer(inputs, **kwargs)
                done[id(layer)] += 1
                progress = True

    def resolve(spec):
        if spec and isinstance(spec[0], str):
            return [output_of(*spec[:3])]
        return [output_of(*s[:3]) for s in spec]
    inputs = resolve(config["input_layers"])
    outputs = resolve(config["output_layers"])
    single_out = config["output_layers"] and isinstance(config["output_layers"][0], str)
    single_in = config["input_layers"] and isinstance(config["input_layers"][0], str)
    return Functional(inputs=inputs[0] if single_in and len(inputs) == 1 else inputs,
                      outputs=outputs[0] if single_out and len(outputs) == 1 else outputs,
                      name=config.get("name"))
