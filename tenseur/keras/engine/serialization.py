"""Layer and model configurations as JSON-ready dicts (Keras 3 layout; Keras 2 accepted).

Nothing here evaluates code. Classes are looked up by name among tenseur's Keras classes, the
objects registered with `register_keras_serializable`, and the caller's `custom_objects`
(also visible to nested deserializations through `custom_object_scope`). A `Lambda` layer's
configuration refers to a Python function: it is refused in safe mode (the default); with
`safe_mode=False`, `Lambda.from_config` accepts only a function *name* (looked up in
`custom_objects`), never stored bytecode.
"""
from __future__ import annotations

import contextlib
import contextvars
import inspect

import tenseur as tf

from .. import backend
from .base_layer import Layer

_MODULE = {"InputLayer": "keras.layers", "Functional": "keras.src.models.functional",
           "Sequential": "keras.src.models.sequential", "Model": "keras.src.models.model"}

# Names registered with `register_keras_serializable` ("Package>Name" and "Name").
_REGISTERED: dict = {}
_REGISTERED_NAMES: dict = {}          # class or function → "Package>Name"
_SCOPED_OBJECTS: contextvars.ContextVar = contextvars.ContextVar("keras_custom_objects",
                                                                 default=None)
_SAFE_MODE: contextvars.ContextVar = contextvars.ContextVar("keras_safe_mode", default=True)

# Config keys whose value may name a custom function or object (`activation="my_act"`).
_CALLABLE_KEY_SUFFIXES = ("activation", "_initializer", "_regularizer", "_constraint")


# -- custom objects and safe mode ----------------------------------------------------------

def register_keras_serializable(package="Custom", name=None):
    """Decorator registering a class or function under "package>name" for deserialization.

    Example:
        >>> @keras.saving.register_keras_serializable(package="demo")
        ... class Scale(keras.layers.Layer): ...
    """
    def register(obj):
        key = f"{package}>{name or obj.__name__}"
        if key in _REGISTERED and _REGISTERED[key] is not obj:
            raise ValueError(f"{key} has already been registered to {_REGISTERED[key]!r}.")
        _REGISTERED[key] = obj
        _REGISTERED_NAMES[obj] = key
        return obj
    return register


def get_custom_objects() -> dict:
    """The registered objects by "package>name" (Keras' global registry)."""
    return _REGISTERED


def get_registered_name(obj) -> str:
    return _REGISTERED_NAMES.get(obj, getattr(obj, "__name__", str(obj)))


def registered_key(obj):
    """The "package>name" `register_keras_serializable` gave `obj`, or None if it has none."""
    return _REGISTERED_NAMES.get(obj)


def get_registered_object(name, custom_objects=None, module_objects=None):
    """The class or function registered as `name` ("package>name" or plain), looked up in
    `custom_objects`, then the `custom_object_scope`s around the call, then the registry, then
    `module_objects`; None when none has it (Keras' lookup order)."""
    for table in (custom_objects, _SCOPED_OBJECTS.get(), _REGISTERED, module_objects):
        if table and name in table:
            return table[name]
    return None


@contextlib.contextmanager
def custom_object_scope(*scopes):
    """Makes the given `{name: class or function}` dicts visible to deserialization inside.

    Example:
        >>> with custom_object_scope({"Scale": Scale}):
        ...     model = keras.models.model_from_json(text)
    """
    merged = dict(_SCOPED_OBJECTS.get() or {})
    for scope in scopes:
        merged.update(scope or {})
    token = _SCOPED_OBJECTS.set(merged)
    try:
        yield merged
    finally:
        _SCOPED_OBJECTS.reset(token)


# Keras exports the scope under a class-like name too: `with CustomObjectScope({...}):`.
CustomObjectScope = custom_object_scope


@contextlib.contextmanager
def safe_mode_scope(safe_mode: bool = True):
    """Whether configurations that carry code (a `Lambda`'s function) are refused inside."""
    token = _SAFE_MODE.set(bool(safe_mode))
    try:
        yield
    finally:
        _SAFE_MODE.reset(token)


def in_safe_mode() -> bool:
    return _SAFE_MODE.get()


def custom_objects_in_scope(custom_objects=None) -> dict:
    """Registered objects, then the scope's, then `custom_objects` (later ones win)."""
    objects = {**_REGISTERED, **{key.split(">")[-1]: obj for key, obj in _REGISTERED.items()}}
    objects.update(_SCOPED_OBJECTS.get() or {})
    objects.update(custom_objects or {})
    return objects


def _builtin_layer_classes() -> dict:
    from .. import layers as layers_module
    from . import functional, input_layer, sequential
    classes = {}
    for module in (layers_module, functional, input_layer, sequential):
        for name in dir(module):
            obj = getattr(module, name)
            if isinstance(obj, type) and issubclass(obj, Layer):
                classes.setdefault(obj.__name__, obj)
                classes.setdefault(name, obj)       # aliases: MaxPool2D, Convolution2D...
    classes["Model"] = functional.Functional
    return classes


def _layer_class(class_name, registered_name, custom_objects):
    objects = custom_objects_in_scope(custom_objects)
    for key in (registered_name, class_name):
        if key and key in objects:
            cls = objects[key]
            if not (isinstance(cls, type) and issubclass(cls, Layer)):
                raise TypeError(f"custom_objects[{key!r}] must be a Layer subclass to rebuild a "
                                f"'{class_name}' layer, got {cls!r}.")
            return cls
    cls = _builtin_layer_classes().get(class_name)
    if cls is None:
        raise ValueError(f"Unknown layer: '{class_name}'. It is not a tenseur.keras layer: pass "
                         f"its class as custom_objects={{'{class_name}': {class_name}}} (or "
                         f"decorate it with keras.saving.register_keras_serializable()).")
    return cls


# -- serializing ---------------------------------------------------------------------------

def _is_builtin(cls) -> bool:
    return cls.__module__.startswith("tenseur.keras")


def serialize_layer(layer) -> dict:
    """{'module', 'class_name', 'config', 'registered_name', 'name'} (+ 'build_config')."""
    cls = type(layer)
    config = layer.get_config()
    builtin = _is_builtin(cls)
    out = {"module": _MODULE.get(cls.__name__, "keras.layers") if builtin else cls.__module__,
           "class_name": cls.__name__, "config": config,
           "registered_name": None if builtin else get_registered_name(cls), "name": layer.name}
    if layer.built and cls.__name__ != "InputLayer" and layer._inbound_nodes:
        try:
            input_tensors = layer._inbound_nodes[0].input_tensors
            out["build_config"] = {"input_shape": _json_shape(input_tensors)}
        except (AttributeError, IndexError):
            pass
    return out


def serialize_model(model) -> dict:
    """The Keras 3 top-level object: module, class_name, config, registered_name, build_config."""
    out = serialize_layer(model)
    out.pop("name")
    inputs = model.inputs if getattr(model, "inputs", None) else None
    out["build_config"] = {"input_shape": _json_shape(inputs) if inputs else None}
    return out


def serialize_keras_object(obj) -> dict:
    """Keras 3's `serialize_keras_object` for layers and models."""
    from .functional import Model
    return serialize_model(obj) if isinstance(obj, Model) else serialize_layer(obj)


def deserialize_keras_object(config: dict, custom_objects=None, safe_mode=True):
    """Keras 3's `deserialize_keras_object` for layer and model configurations."""
    with safe_mode_scope(safe_mode):
        return deserialize_layer(config, custom_objects)


def _json_shape(tensors):
    shapes = [None if t.shape.dims is None else list(t.shape.dims) for t in tensors]
    return shapes[0] if len(shapes) == 1 else shapes


# -- deserializing -------------------------------------------------------------------------

def deserialize_layer(config: dict, custom_objects=None):
    """The layer (or model) described by `config`, looked up by class name; never runs code.

    Raises:
        ValueError: unknown class name, or a `Lambda` layer while in safe mode.
    """
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Not a layer configuration (expected a dict with 'class_name' and "
                         f"'config'): {config!r:.200}")
    class_name = config["class_name"]
    inner = config.get("config", {})
    if class_name == "Sequential" and isinstance(inner, list):      # Keras 2.0/2.1
        inner = {"layers": inner}
    with custom_object_scope(custom_objects) as objects:
        if class_name == "Lambda" and in_safe_mode():
            _refuse_lambda(config)
        cls = _layer_class(class_name, config.get("registered_name"), objects)
        # (Keras 3's extra constructor arguments are dropped by Layer.from_config.)
        inner = _resolve_custom_callables(inner, objects)
        if "custom_objects" in inspect.signature(cls.from_config).parameters:
            return cls.from_config(inner, custom_objects=objects)
        return cls.from_config(inner)


def deserialize_model(config: dict, custom_objects=None, safe_mode=True):
    """A model from its top-level config (`{"class_name", "config", ...}`), built if possible."""
    with safe_mode_scope(safe_mode):
        model = deserialize_layer(config, custom_objects)
    build_config = config.get("build_config") or {}
    shape = build_config.get("input_shape")
    if not model.built and shape is not None:
        model.build(_tuple_shape(shape))
    return model


def _tuple_shape(shape):
    if shape and isinstance(shape[0], (list, tuple)):
        return [tuple(s) for s in shape]
    return tuple(shape)


def _resolve_custom_callables(config, objects):
    """`activation="my_act"` and the like: names found in custom objects become the objects."""
    if not isinstance(config, dict) or not objects:
        return config
    out = dict(config)
    for key, value in config.items():
        if not key.endswith(_CALLABLE_KEY_SUFFIXES):
            continue
        name = value if isinstance(value, str) else (
            value.get("registered_name") or value.get("class_name")
            if isinstance(value, dict) else None)
        if name is None or name not in objects:
            continue
        obj = objects[name]
        if isinstance(obj, type):
            params = value.get("config", {}) if isinstance(value, dict) else {}
            obj = obj.from_config(params) if hasattr(obj, "from_config") else obj(**params)
        out[key] = obj
    return out


def _refuse_lambda(config) -> None:
    name = config.get("config", {}).get("name", "lambda")
    raise ValueError(
        f"Refusing to deserialize Lambda layer '{name}': its configuration refers to a Python "
        f"function, and loading code from a file could run anything. If you trust the file, "
        f"load it with safe_mode=False and pass the function by name, e.g. "
        f"custom_objects={{'my_function': my_function}} (stored bytecode is never loaded).")


# -- functional models ---------------------------------------------------------------------

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


def functional_from_config(config: dict, custom_objects=None, *, make_layer=None,
                           input_tensors=None):
    """Rebuilds a Functional model from its config (Keras 3 or Keras 2 layout).

    Args:
        make_layer: optional `f(layer_config) -> Layer` used instead of `deserialize_layer`
            (clone_model passes one that applies its clone_function).
        input_tensors: optional tensors that replace the model's Input layers, in order.
    """
    from .functional import Functional
    from .input_layer import Input
    if make_layer is None:
        def make_layer(layer_config):
            return deserialize_layer(layer_config, custom_objects)
    input_specs = _triples(config["input_layers"])
    provided = {}
    if input_tensors is not None:
        tensors = input_tensors if isinstance(input_tensors, (list, tuple)) else [input_tensors]
        if len(tensors) != len(input_specs):
            raise ValueError(f"Model '{config.get('name')}' has {len(input_specs)} input(s), got "
                             f"{len(tensors)} input tensors.")
        provided = {spec[0]: t if backend.is_keras_tensor(t) else Input(tensor=t)
                    for spec, t in zip(input_specs, tensors)}
    created: dict = {}
    pending = []
    for layer_config in config["layers"]:
        name = layer_config.get("name") or layer_config.get("config", {}).get("name")
        if name in provided:
            continue
        layer = make_layer(layer_config)
        created[name or layer.name] = layer
        pending.append((layer, layer_config.get("inbound_nodes", [])))

    def output_of(name, node_index, tensor_index):
        if name in provided:
            return provided[name]
        layer = created[name]
        node = layer._inbound_nodes[node_index] if type(layer).__name__ != "InputLayer" \
            else layer._inbound_nodes[0]
        return node.output_tensors[tensor_index]

    def rebuild_arg(arg):
        if isinstance(arg, dict) and arg.get("class_name") == "__keras_tensor__":
            return output_of(*arg["config"]["keras_history"])
        if isinstance(arg, list):
            return [rebuild_arg(a) for a in arg]
        if isinstance(arg, dict):
            return {k: rebuild_arg(v) for k, v in arg.items()}
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
                    if isinstance(node, dict):          # Keras 3: {"args": [...], "kwargs": {...}}
                        args = [rebuild_arg(a) for a in node["args"]]
                        kwargs = rebuild_arg(node.get("kwargs", {}))
                    else:                               # Keras 2: [[name, node, tensor, kwargs]...]
                        tensors = [output_of(e[0], e[1], e[2]) for e in node]
                        kwargs = node[0][3] if len(node[0]) > 3 else {}
                        args = [tensors[0] if len(tensors) == 1 else tensors]
                except (KeyError, IndexError):
                    break
                # Keras 3 records defaults such as mask=None that tenseur's call() may not take.
                kwargs = {k: v for k, v in kwargs.items()
                          if v is not None or layer._call_accepts(k)}
                layer(*args, **kwargs)
                done[id(layer)] += 1
                progress = True
    stuck = [layer.name for layer, nodes in pending if done[id(layer)] < len(nodes)]
    if stuck:
        raise ValueError(f"Model '{config.get('name')}': the configuration is inconsistent, layers "
                         f"{stuck} are called on tensors that no layer of the model produces.")

    def resolve(specs):
        try:
            return [output_of(*spec[:3]) for spec in specs]
        except (KeyError, IndexError) as exc:
            raise ValueError(f"Model '{config.get('name')}': input/output {exc} is not a layer "
                             f"output of the configuration.") from None
    inputs = resolve(input_specs)
    outputs = resolve(_triples(config["output_layers"]))
    single_in = _is_triple(config["input_layers"])
    single_out = _is_triple(config["output_layers"])
    return Functional(inputs=inputs[0] if single_in else inputs,
                      outputs=outputs[0] if single_out else outputs,
                      name=config.get("name"))


def _is_triple(spec) -> bool:
    return bool(spec) and isinstance(spec[0], str)


def _triples(spec) -> list:
    return [spec] if _is_triple(spec) else list(spec)
