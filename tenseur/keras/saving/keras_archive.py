"""The Keras 3 `.keras` archive: a zip, entries stored uncompressed, holding

    metadata.json      {"keras_version", "date_saved" (%Y-%m-%d@%H:%M:%S), "tenseur_version"}
    config.json        the model's configuration (module, class_name, config, registered_name,
                       build_config) plus its compile_config
    model.weights.h5   the weights in Keras 3's layout (see keras_weights)

Loading reads only these entries, refuses entry names that are absolute or contain `..`, and
never unpickles: Keras' alternative `model.weights.npz` stores pickled objects, so it is refused.
"""
from __future__ import annotations

import datetime
import json
import warnings
import zipfile

import numpy as np

import tenseur as tf

from ..engine.serialization import deserialize_model, serialize_model
from . import compile_state, hdf5, keras_weights
from .atomic import atomic_write

# The Keras release whose file layouts tenseur writes (readers look at it to pick conversions).
KERAS_VERSION = "3.15.1"
CONFIG, METADATA, WEIGHTS = "config.json", "metadata.json", "model.weights.h5"
_NPZ_WEIGHTS = "model.weights.npz"


def to_json(obj, what: str) -> str:
    """JSON text of a configuration; NumPy values become numbers/lists, dtypes their names."""
    def default(value):
        if isinstance(value, np.generic):
            return value.item()
        if isinstance(value, np.ndarray):
            return value.tolist()
        if isinstance(value, tf.DType):
            return value.name
        raise TypeError(f"the configuration of {what} holds {value!r} (a "
                        f"{type(value).__name__}), which is not JSON-serialisable: its layer's "
                        f"get_config() must return plain values")
    return json.dumps(obj, default=default)


def save_model(model, destination, include_optimizer: bool = True) -> None:
    """Writes `model` as a `.keras` archive to a path (atomically) or a binary file object."""
    if not model.built:
        warnings.warn(f"Model '{model.name}' is saved before it was built: the file holds no "
                      f"weights. Build it first (call it on data, or give an input shape).",
                      stacklevel=3)
    config = serialize_model(model)
    config["compile_config"] = compile_state.get_compile_config(model)
    config_json = to_json(config, f"model '{model.name}'")
    metadata = {"keras_version": KERAS_VERSION,
                "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
                "tenseur_version": tf.__version__}
    optimizer = compile_state.optimizer_state(model) if include_optimizer else None
    weights = hdf5.to_bytes(lambda f: keras_weights.write_weights(f, model, optimizer))

    def write(fileobj):
        with zipfile.ZipFile(fileobj, "w", compression=zipfile.ZIP_STORED) as archive:
            archive.writestr(METADATA, json.dumps(metadata))
            archive.writestr(CONFIG, config_json)
            archive.writestr(WEIGHTS, weights)
    if hasattr(destination, "write"):
        write(destination)
    else:
        with atomic_write(destination) as f:
            write(f)


class _Archive:
    """A `.keras` file opened for reading, with every error naming the file."""

    def __init__(self, source, name: str):
        self.name = name
        try:
            self.zip = zipfile.ZipFile(source, "r")
        except zipfile.BadZipFile:
            raise ValueError(f"'{name}' is not a valid .keras file: it is not a zip archive, or "
                             f"it is truncated.") from None
        for entry in self.zip.namelist():
            parts = entry.replace("\\", "/").split("/")
            if entry.startswith(("/", "\\")) or ".." in parts or ":" in parts[0]:
                self.zip.close()
                raise ValueError(f"'{name}' holds an entry with an unsafe path {entry!r} "
                                 f"(absolute or with '..'): refusing to load it.")

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.zip.close()

    def has(self, entry: str) -> bool:
        return entry in self.zip.namelist()

    def read(self, entry: str) -> bytes:
        if not self.has(entry):
            raise ValueError(f"'{self.name}' is not a Keras 3 model archive: it has no "
                             f"{entry} (entries: {self.zip.namelist()}).")
        try:
            return self.zip.read(entry)
        except (zipfile.BadZipFile, EOFError, OSError) as exc:
            raise ValueError(f"'{self.name}' is corrupt: reading {entry} failed ({exc}).") from None

    def read_json(self, entry: str):
        try:
            return json.loads(self.read(entry))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValueError(f"'{self.name}': {entry} is not valid JSON ({exc}).") from None

    def weights(self) -> bytes:
        if not self.has(WEIGHTS) and self.has(_NPZ_WEIGHTS):
            raise ValueError(f"'{self.name}' stores its weights as {_NPZ_WEIGHTS}, whose entries "
                             f"are pickled objects, which tenseur never loads: re-save the model "
                             f"with Keras' default weights format (HDF5).")
        return self.read(WEIGHTS)


def _name(source) -> str:
    return str(getattr(source, "name", source))


def load_model(source, custom_objects=None, compile=True, safe_mode=True):
    """The model saved in a `.keras` archive (a path or a binary file object)."""
    name = _name(source)
    with _Archive(source, name) as archive:
        config = archive.read_json(CONFIG)
        if not isinstance(config, dict) or "class_name" not in config:
            raise ValueError(f"'{name}': {CONFIG} does not describe a model (no class_name).")
        weights = archive.weights()
    model = deserialize_model(config, custom_objects, safe_mode=safe_mode)
    with hdf5.open_for_reading(weights, f"{name}/{WEIGHTS}") as f:
        keras_weights.load_weights(f, model, source=f"{name}/{WEIGHTS}")
        if compile and compile_state.compile_from_config(model, config.get("compile_config"),
                                                         custom_objects):
            compile_state.restore_optimizer_variables(model, f, name)
    return model


def load_weights(source, model, skip_mismatch=False, by_name=False):
    """Loads the weights of a `.keras` archive into `model` (a built model of the same shape)."""
    name = _name(source)
    with _Archive(source, name) as archive:
        weights = archive.weights()
    with hdf5.open_for_reading(weights, f"{name}/{WEIGHTS}") as f:
        return keras_weights.load_weights(f, model, source=f"{name}/{WEIGHTS}",
                                          skip_mismatch=skip_mismatch, by_name=by_name)
