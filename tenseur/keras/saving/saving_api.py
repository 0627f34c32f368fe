"""`save_model`, `load_model`, `save_weights`, `load_weights`, `model_from_json`,
`model_from_config`, `clone_model`: the format is chosen from the file name's suffix.

    save_model / model.save      .keras → Keras 3 archive; .h5/.hdf5 → Keras 2 model file
    save_weights                 .weights.h5 → Keras 3 layout; other .h5/.hdf5 → Keras 2 layout
    load_weights                 .keras → the archive's weights; .h5/.hdf5/.weights.h5 → the
                                 layout the file holds (Keras 3 or Keras 2), found by reading it
"""
from __future__ import annotations

import io
import json
import os
import zipfile

from ..engine.functional import Functional
from ..engine.input_layer import InputLayer
from ..engine.sequential import Sequential
from ..engine.serialization import deserialize_model, functional_from_config, serialize_model
from . import hdf5, keras_archive, keras_weights, legacy_h5
from .atomic import write_bytes

_H5_SUFFIXES = (".h5", ".hdf5")


def _path(filepath) -> str | None:
    """The path as a str, or None for a file object."""
    if isinstance(filepath, io.IOBase) or hasattr(filepath, "read") or hasattr(filepath, "write"):
        return None
    return os.fspath(filepath)


def _refuse_overwrite(path: str, overwrite: bool) -> None:
    if not overwrite and os.path.exists(path):
        raise FileExistsError(f"'{path}' exists and overwrite=False: pass overwrite=True to "
                              f"replace it, or choose another name.")


def save_model(model, filepath, overwrite=True, save_format=None, include_optimizer=True,
               **kwargs):
    """Saves a model: `.keras` (Keras 3 archive) or `.h5` (Keras 2 HDF5 model file).

    Args:
        model: a Functional or Sequential model (a subclassed one needs get_config()).
        filepath: a path ending in .keras, .h5 or .hdf5, or a binary file object (.keras).
        overwrite: replace an existing file (default) or raise FileExistsError.
        save_format: "keras" or "h5" to override the suffix (Keras 2's argument).
        include_optimizer: save the compile arguments and optimizer variables.
    Raises:
        ValueError: another suffix (the TF SavedModel format is not supported).
    Example:
        >>> model.save("mnist.keras")
        >>> model = keras.models.load_model("mnist.keras")
    """
    if kwargs:
        raise TypeError(f"save_model: unexpected keyword argument(s) {sorted(kwargs)}.")
    path = _path(filepath)
    if path is None:
        return keras_archive.save_model(model, filepath, include_optimizer)
    if save_format == "tf":
        raise ValueError("The TensorFlow SavedModel format (save_format='tf') is not supported: "
                         "save to a `.keras` file (or `.h5`).")
    if save_format == "h5" or (save_format is None and path.endswith(_H5_SUFFIXES)):
        fmt = "h5"
    elif save_format in ("keras", None) and path.endswith(".keras"):
        fmt = "keras"
    else:
        raise ValueError(f"Invalid filepath extension for saving: {path!r}. Add a `.keras` "
                         f"extension for the native Keras format (recommended) or a `.h5` "
                         f"extension for the legacy HDF5 format.")
    _refuse_overwrite(path, overwrite)
    if fmt == "keras":
        keras_archive.save_model(model, path, include_optimizer)
    else:
        legacy_h5.save_model(model, path, include_optimizer)


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Loads a model saved by `save_model` (or by Keras: `.keras`, or legacy `.h5`).

    Args:
        custom_objects: {name: class or function} for the classes and functions that are not
            tenseur.keras's (custom layers, losses, a Lambda's function).
        compile: re-compile the model with the saved compile arguments.
        safe_mode: refuse configurations carrying code (a Lambda layer). Even when False, only
            functions named in custom_objects are accepted: no bytecode is ever loaded.
    Raises:
        FileNotFoundError; ValueError: the file is corrupt, not a Keras model, or unsafe.
    """
    path = _path(filepath)
    if path is None:
        return keras_archive.load_model(filepath, custom_objects, compile, safe_mode)
    if not os.path.exists(path):
        raise FileNotFoundError(f"File not found: filepath={path}. Please ensure the file is an "
                                f"accessible `.keras` zip file.")
    if path.endswith(".keras") or (not path.endswith(_H5_SUFFIXES) and _is_zip(path)):
        return keras_archive.load_model(path, custom_objects, compile, safe_mode)
    if path.endswith(_H5_SUFFIXES):
        return legacy_h5.load_model(path, custom_objects, compile, safe_mode)
    raise ValueError(f"File format not supported: filepath={path}. tenseur loads Keras 3 `.keras` "
                     f"files and legacy HDF5 (`.h5`) model files; a TensorFlow SavedModel "
                     f"directory is not supported.")


def _is_zip(path: str) -> bool:
    return os.path.isfile(path) and zipfile.is_zipfile(path)


def save_weights(model, filepath, overwrite=True, save_format=None):
    """Saves the weights: `.weights.h5` in Keras 3's layout, another `.h5`/`.hdf5` in Keras 2's.

    Raises:
        ValueError: the name ends in neither (Keras 3 requires `.weights.h5`).
    """
    path = os.fspath(filepath)
    if save_format == "tf":
        raise ValueError("TensorFlow checkpoints (save_format='tf') are not supported: save the "
                         "weights to a `.weights.h5` file.")
    if not path.endswith(_H5_SUFFIXES):
        raise ValueError(f"The filename must end in `.weights.h5`. Received: filepath={path} "
                         f"(a legacy Keras 2 `.h5` weights file is also accepted).")
    _refuse_overwrite(path, overwrite)
    if path.endswith(".weights.h5"):
        write_bytes(path, hdf5.to_bytes(lambda f: keras_weights.write_weights(f, model)))
    else:
        legacy_h5.save_weights(model, path)


def load_weights(model, filepath, skip_mismatch=False, by_name=False, **kwargs):
    """Loads weights into a built model from a `.keras`, `.weights.h5` or legacy `.h5` file.

    Args:
        skip_mismatch: skip (with a warning naming them) the layers whose weight count or
            shapes differ, instead of raising.
        by_name: match layers by name (legacy files: group names; Keras 3 files: the `name`
            attribute), ignoring the file's layers the model does not have. Default: by
            position (Keras 3 layout: slots; legacy: the layers that have weights, in order).
    Returns:
        A LoadReport: layers loaded, skipped, and present on one side only.
    Raises:
        ValueError: a mismatch (nothing is changed then), a corrupt file, an unknown suffix.
    """
    if kwargs:
        raise TypeError(f"load_weights: unexpected keyword argument(s) {sorted(kwargs)}.")
    path = os.fspath(filepath)
    if not model.built:
        raise ValueError(f"Model '{model.name}' is not built yet, so it has no weights to load "
                         f"into: call it on data or build() it first.")
    if not os.path.exists(path):
        raise FileNotFoundError(f"File not found: filepath={path}.")
    if path.endswith(".keras"):
        return keras_archive.load_weights(path, model, skip_mismatch=skip_mismatch,
                                          by_name=by_name)
    if not path.endswith(_H5_SUFFIXES):
        raise ValueError(f"Cannot load weights from {path!r}: expected a `.keras`, `.weights.h5` "
                         f"or legacy `.h5`/`.hdf5` file (TensorFlow checkpoints are not "
                         f"supported by keras load_weights; use tf.train.Saver).")
    with hdf5.open_for_reading(path) as f:
        if legacy_h5.is_legacy_weights(f):
            return legacy_h5.load_weights(f, model, source=path, by_name=by_name,
                                          skip_mismatch=skip_mismatch)
        return keras_weights.load_weights(f, model, source=path, skip_mismatch=skip_mismatch,
                                          by_name=by_name)


def model_to_json(model, **kwargs) -> str:
    """The model's configuration as JSON (Keras 3's layout); `kwargs` go to json.dumps."""
    config = serialize_model(model)
    if kwargs:
        return json.dumps(json.loads(keras_archive.to_json(config, f"model '{model.name}'")),
                          **kwargs)
    return keras_archive.to_json(config, f"model '{model.name}'")


def model_from_json(json_string, custom_objects=None, safe_mode=True):
    """A new model (fresh weights) from `model.to_json()` (or Keras 2's `to_json`)."""
    try:
        config = json.loads(json_string)
    except (TypeError, json.JSONDecodeError) as exc:
        raise ValueError(f"model_from_json: not a JSON model configuration ({exc}).") from None
    return model_from_config(config, custom_objects, safe_mode)


def model_from_config(config, custom_objects=None, safe_mode=True):
    """A new model from `{"class_name": ..., "config": ...}` (Keras 2 or 3)."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"model_from_config expects a dict with 'class_name' and 'config' (as "
                         f"written by to_json), got {str(config)[:200]}. To rebuild from "
                         f"model.get_config(), use keras.Model.from_config(config).")
    return deserialize_model(config, custom_objects, safe_mode=safe_mode)


def _clone_layer(layer):
    return type(layer).from_config(layer.get_config())


def clone_model(model, input_tensors=None, clone_function=None):
    """A new model with the same architecture and freshly initialised weights.

    Args:
        input_tensors: optional Keras tensors to build the clone on instead of new Inputs.
        clone_function: optional `f(layer) -> new layer` (default: a layer from its config).
    Raises:
        ValueError: a subclassed model (it has no layer graph to copy).
    Example:
        >>> fresh = keras.models.clone_model(model)     # same layers, new initial weights
    """
    clone_function = clone_function or _clone_layer
    if isinstance(model, Sequential):
        clone = Sequential(name=model.name)
        if input_tensors is not None:
            tensor = input_tensors[0] if isinstance(input_tensors, (list, tuple)) else input_tensors
            clone.add(InputLayer(input_tensor=tensor))
        elif model._build_input_shape is not None:
            clone._build_input_shape = model._build_input_shape
        for layer in model.layers:
            clone.add(clone_function(layer))
        return clone
    if not isinstance(model, Functional) or not model._is_graph_network:
        raise ValueError(f"clone_model: model '{model.name}' is a subclassed model, which has no "
                         f"layer graph to copy; create a new instance of its class instead.")
    originals = {layer.name: layer for layer in model.layers}

    def make_layer(layer_config):
        original = originals[layer_config["name"]]
        if isinstance(original, InputLayer):
            return _clone_layer(original)
        return clone_function(original)
    return functional_from_config(model.get_config(), make_layer=make_layer,
                                  input_tensors=input_tensors)
