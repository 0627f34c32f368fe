"""Keras 2's HDF5 formats: weights files (`save_weights("w.h5")`, and keras.applications'
`resnet50_weights_tf_dim_ordering_tf_kernels.h5`) and full-model files (`save("m.h5")`).

Weights, at the root of a weights file or in the `model_weights/` group of a model file:

    attrs  layer_names = every layer of model.layers, in order (bytes); backend; keras_version
    /<layer name>/                 attr weight_names (bytes; empty for weightless layers)
    /<layer name>/<weight name>    one dataset per weight, e.g. /dense_1/dense_1/kernel:0

A model file's root also has attrs model_config (JSON {"class_name", "config"}),
training_config (JSON), keras_version and backend. A layer's weights are its trainable then its
non-trainable weights (Keras 2's order); a nested model's are those of all its layers. Loading
takes the datasets in `weight_names` order, never by name suffix (`kernel:0`, `conv1_W:0`,
`kernel` all occur), and matches layers by position (those with weights, in order) or, with
`by_name=True`, by layer name.
"""
from __future__ import annotations

import json

import numpy as np

from .. import backend
from ..engine.serialization import deserialize_model
from . import compile_state, hdf5
from .atomic import write_bytes
from .keras_archive import KERAS_VERSION, to_json
from .loading import WeightAssigner

# Keras 2 flips convolution kernels when the file's backend differs from its own: files
# tenseur writes hold TensorFlow-oriented kernels, so they say "tensorflow".
_BACKEND = "tensorflow"


def legacy_weights(layer) -> list:
    """A layer's weights in Keras 2's file order: trainable, then non-trainable."""
    return list(layer.trainable_weights) + list(layer.non_trainable_weights)


def is_legacy_weights(h5file) -> bool:
    return "layer_names" in h5file.attrs or "layer_names0" in h5file.attrs \
        or "model_weights" in h5file


def _weights_root(h5file):
    if "layer_names" not in h5file.attrs and "layer_names0" not in h5file.attrs \
            and "model_weights" in h5file:
        return h5file["model_weights"]
    return h5file


def _unique(names: list) -> list:
    seen: dict = {}
    out = []
    for name in names:
        count = seen.get(name, 0)
        seen[name] = count + 1
        out.append(name if count == 0 else f"{name}_{count}")
    return out


def write_weights(group, model) -> None:
    """Writes `model`'s weights into `group` in Keras 2's layout."""
    layers = model.layers
    hdf5.write_string_list(group, "layer_names", [layer.name for layer in layers])
    group.attrs["backend"] = np.bytes_(_BACKEND.encode("utf8"))
    group.attrs["keras_version"] = np.bytes_(KERAS_VERSION.encode("utf8"))
    per_layer = [legacy_weights(layer) for layer in layers]
    values = iter(backend.batch_get_value([w for weights in per_layer for w in weights]))
    for layer, weights in zip(layers, per_layer):
        layer_group = group.create_group(layer.name)
        names = _unique([w.name for w in weights])
        hdf5.write_string_list(layer_group, "weight_names", names)
        for name in names:
            layer_group.create_dataset(name, data=next(values))


def save_weights(model, path) -> None:
    write_bytes(path, hdf5.to_bytes(lambda f: write_weights(f, model)))


def _file_layers(root, source: str) -> list:
    """[(layer name, group)] in the file's layer_names order."""
    names = hdf5.read_string_list(root, "layer_names")
    if names is None:
        raise ValueError(f"'{source}' is not a Keras weights file: it has no 'layer_names' "
                         f"attribute (nor a model_weights group).")
    missing = [name for name in names if name not in root]
    if missing:
        raise ValueError(f"'{source}' is corrupt: layers {missing} are listed in layer_names but "
                         f"have no group.")
    return [(name, root[name]) for name in names]


def _arrays(group) -> list:
    names = hdf5.read_string_list(group, "weight_names") or []
    return [np.asarray(group[name][()]) for name in names]


def load_weights(h5file, model, *, source: str, by_name=False, skip_mismatch=False):
    """Sets `model`'s weights from a Keras 2 weights file (or a model file's model_weights).

    Raises:
        ValueError: positional load with a different number of layers with weights (naming
            both lists), or a layer whose weight count/shapes differ (unless skip_mismatch,
            which warns and skips it).
    """
    root = _weights_root(h5file)
    file_layers = _file_layers(root, source)
    assigner = WeightAssigner(source, skip_mismatch)
    if by_name:
        index = {}
        for layer in model.layers:
            index.setdefault(layer.name, layer)
        found = set()
        for name, group in file_layers:
            layer = index.get(name)
            if layer is None:
                if hdf5.read_string_list(group, "weight_names"):
                    assigner.report.unused_in_file.append(name)
                continue
            found.add(name)
            assigner.add(layer, legacy_weights(layer), _arrays(group), where=f"group '{name}'")
        assigner.report.missing_in_file.extend(layer.name for layer in model.layers
                                               if layer.name not in found and legacy_weights(layer))
        return assigner.finish()
    with_weights = [(name, group) for name, group in file_layers
                    if hdf5.read_string_list(group, "weight_names")]
    model_layers = [layer for layer in model.layers if legacy_weights(layer)]
    if len(with_weights) != len(model_layers):
        raise ValueError(
            f"Could not load '{source}' into model '{model.name}' by position: the file has "
            f"{len(with_weights)} layers with weights {[name for name, _ in with_weights]}, the "
            f"model has {len(model_layers)} {[layer.name for layer in model_layers]}. If the "
            f"layer names match, load with by_name=True (and skip_mismatch=True to skip layers "
            f"whose shapes differ).")
    for (name, group), layer in zip(with_weights, model_layers):
        assigner.add(layer, legacy_weights(layer), _arrays(group), where=f"file layer '{name}'")
    return assigner.finish()


# -- full models ---------------------------------------------------------------------------

def save_model(model, path, include_optimizer: bool = True) -> None:
    """Writes a Keras 2 full-model HDF5 file (configuration, weights, training config)."""
    config = {"class_name": type(model).__name__, "config": model.get_config()}
    model_config = to_json(config, f"model '{model.name}'")
    compile_config = compile_state.get_compile_config(model) if include_optimizer else None

    def write(f):
        f.attrs["backend"] = np.bytes_(_BACKEND.encode("utf8"))
        f.attrs["keras_version"] = np.bytes_(KERAS_VERSION.encode("utf8"))
        # Variable-length strings: a fixed-length one over 64 KiB (a ResNet's config) does
        # not fit an HDF5 object header.
        f.attrs["model_config"] = model_config.encode("utf8")
        if compile_config:
            training = {key: value for key, value in compile_config.items() if key != "optimizer"}
            training["optimizer_config"] = compile_config.get("optimizer")
            f.attrs["training_config"] = to_json(training, "the compile config").encode("utf8")
        write_weights(f.create_group("model_weights"), model)
    write_bytes(path, hdf5.to_bytes(write))


def _json_attr(h5file, name: str, source: str):
    text = hdf5.read_string(h5file, name)
    if text is None:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"'{source}': attribute {name} is not valid JSON ({exc}).") from None


def load_model(path, custom_objects=None, compile=True, safe_mode=True):
    """The model saved in a Keras 2 full-model HDF5 file."""
    source = str(path)
    with hdf5.open_for_reading(path, source) as f:
        config = _json_attr(f, "model_config", source)
        if config is None:
            raise ValueError(f"'{source}' holds no model configuration (no model_config "
                             f"attribute): it is a weights file. Build the model in code and "
                             f"call model.load_weights('{source}').")
        model = deserialize_model(config, custom_objects, safe_mode=safe_mode)
        load_weights(f, model, source=source)
        training = _json_attr(f, "training_config", source)
    if compile and training:
        compile_config = {key: value for key, value in training.items()
                          if key != "optimizer_config"}
        compile_config["optimizer"] = training.get("optimizer_config")
        compile_state.compile_from_config(model, compile_config, custom_objects)
    return model
