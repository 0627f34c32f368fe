"""What `compile` was given, as JSON (`compile_config`), re-applied on load; optimizer variables.

The compile arguments are read from `model.get_compile_config()` when the model has it,
else from `model._compile_config` (the raw arguments `compile` received), else from
`model.optimizer` and `model.loss`. Strings stay strings; functions are saved by name; objects
with `get_config` (optimizers, loss and metric objects) as `{"class_name", "config"}`. On load
they are looked up by name among `custom_objects`, then in tenseur.keras.optimizers / losses /
metrics; no code is run. A compile config that cannot be saved or re-applied gives a warning,
not an error: the model itself is still saved or loaded (uncompiled), as Keras does.
"""
from __future__ import annotations

import importlib
import inspect
import warnings

from .. import backend
from ..engine.serialization import custom_objects_in_scope, registered_key
from .keras_weights import read_vars

_KINDS = {"optimizer": "optimizers", "loss": "losses", "metrics": "metrics",
          "weighted_metrics": "metrics"}


def is_compiled(model) -> bool:
    return bool(getattr(model, "_is_compiled", False)) \
        or getattr(model, "optimizer", None) is not None


def get_compile_config(model):
    """The JSON-ready compile config of `model`, or None if it is not compiled (or cannot be
    serialised, with a warning)."""
    if not is_compiled(model):
        return None
    getter = getattr(model, "get_compile_config", None)
    if callable(getter):
        config = getter()
        if config is not None:
            return config
    raw = getattr(model, "_compile_config", None)
    raw = getattr(raw, "config", raw)                      # Keras 3 keeps a SerializableDict
    if not isinstance(raw, dict):
        raw = {"optimizer": getattr(model, "optimizer", None), "loss": getattr(model, "loss", None)}
    try:
        config = {key: _serialize(raw.get(key), _KINDS.get(key, ""))
                  for key in ("optimizer", "loss", "metrics", "loss_weights", "weighted_metrics")}
    except (TypeError, ValueError, NotImplementedError) as exc:
        warnings.warn(f"Model '{model.name}': its compile arguments are not serialisable ({exc}); "
                      f"it is saved without them, so it loads uncompiled.", stacklevel=3)
        return None
    return config


def _serialize(obj, kind: str):
    if obj is None or isinstance(obj, (str, bool, int, float)):
        return obj
    if isinstance(obj, (list, tuple)):
        return [_serialize(item, kind) for item in obj]
    if isinstance(obj, dict):
        return {str(key): _serialize(value, kind) for key, value in obj.items()}
    if hasattr(obj, "get_config") and not inspect.isfunction(obj):
        return {"module": f"keras.{kind}", "class_name": type(obj).__name__,
                "config": obj.get_config(), "registered_name": registered_key(type(obj))}
    if callable(obj) and getattr(obj, "__name__", "<lambda>") != "<lambda>":
        return obj.__name__
    raise TypeError(f"cannot serialise {obj!r}")


def compile_from_config(model, config, custom_objects=None) -> bool:
    """Re-compiles `model` from a saved compile config; warns and returns False if it cannot.
    Names are looked up in `custom_objects`, the `custom_object_scope`s around the load and the
    objects registered with `register_keras_serializable`, then among tenseur.keras' own."""
    if not config:
        return False
    custom_objects = custom_objects_in_scope(custom_objects)
    try:
        restore = getattr(model, "compile_from_config", None)
        if callable(restore):
            restore(config)
            return True
        if not callable(getattr(model, "compile", None)):
            raise TypeError("this tenseur.keras has no Model.compile")
        arguments = {key: _deserialize(config.get(key), _KINDS.get(key, ""), custom_objects)
                     for key in ("optimizer", "loss", "metrics", "loss_weights",
                                 "weighted_metrics")}
        accepted = inspect.signature(model.compile).parameters
        model.compile(**{key: value for key, value in arguments.items()
                         if value is not None and (key in accepted or "kwargs" in accepted)})
    except Exception as exc:    # noqa: BLE001 — an uncompilable config must not lose the model
        warnings.warn(f"Model '{model.name}' could not be re-compiled from its saved compile "
                      f"config ({type(exc).__name__}: {exc}); it is returned uncompiled: call "
                      f"model.compile(...) before training it.", stacklevel=3)
        return False
    return True


def _deserialize(obj, kind: str, custom_objects):
    custom_objects = custom_objects or {}
    if isinstance(obj, str):
        return custom_objects.get(obj, obj)
    if isinstance(obj, list):
        return [_deserialize(item, kind, custom_objects) for item in obj]
    if not isinstance(obj, dict):
        return obj
    if "class_name" not in obj:
        return {key: _deserialize(value, kind, custom_objects) for key, value in obj.items()}
    class_name, params = obj["class_name"], obj.get("config", {})
    if class_name == "function":                    # Keras 3's reference to a named function
        return _deserialize(obj.get("registered_name") or params, kind, custom_objects)
    found = custom_objects.get(obj.get("registered_name") or class_name) \
        or custom_objects.get(class_name)
    if found is None and kind:
        module = importlib.import_module(f"tenseur.keras.{kind}")
        if callable(getattr(module, "deserialize", None)):      # the module's own lookup
            return module.deserialize(obj, custom_objects=custom_objects)
        found = getattr(module, class_name, None)
    if not isinstance(found, type):
        raise ValueError(f"unknown {kind[:-1] or 'object'} class '{class_name}' (pass it in "
                         f"custom_objects)")
    if not hasattr(found, "from_config"):
        return found(**params)
    if "custom_objects" in inspect.signature(found.from_config).parameters:
        return found.from_config(params, custom_objects=custom_objects)
    return found.from_config(params)


# -- optimizer variables -------------------------------------------------------------------

def optimizer_state(model):
    """(name, variables) of the model's optimizer, or None when it has no variables yet."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None:
        return None
    variables = getattr(optimizer, "variables", None)
    if callable(variables):
        variables = variables()
    if not variables:
        return None
    name = getattr(optimizer, "name", None) or backend.snake_case(type(optimizer).__name__)
    return str(name), list(variables)


def restore_optimizer_variables(model, h5file, source: str) -> bool:
    """Loads `optimizer/vars` into the model's optimizer if it has matching variables now.

    Optimizers in graph mode create their slots when the training step is built (the first
    `fit`); if the counts or shapes differ, a warning says the state was not restored.
    """
    group = h5file.get("optimizer/vars")
    if group is None or not len(group) or getattr(model, "optimizer", None) is None:
        return False
    optimizer = model.optimizer
    state = optimizer_state(model)
    build = getattr(optimizer, "build", None)
    if (state is None or len(state[1]) < len(group)) and callable(build):
        try:
            build(model.trainable_variables)
        except Exception:       # noqa: BLE001 — best effort: the warning below explains
            pass
        state = optimizer_state(model)
    arrays = read_vars(group)
    variables = state[1] if state else []
    if len(variables) != len(arrays) or any(tuple(v.shape.as_list()) != a.shape
                                            for v, a in zip(variables, arrays)):
        warnings.warn(f"Skipping variable loading for optimizer "
                      f"'{getattr(optimizer, 'name', type(optimizer).__name__)}', because it has "
                      f"{len(variables)} variables whereas the saved optimizer in '{source}' has "
                      f"{len(arrays)} variables; it starts from a fresh state.", stacklevel=3)
        return False
    backend.batch_set_value(list(zip(variables, arrays)))
    return True
