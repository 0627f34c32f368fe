"""`keras.saving`: saving and loading models and weights, in Keras' own file formats.

- `model.save("m.keras")` / `load_model("m.keras")`: the Keras 3 archive (a zip of
  config.json, metadata.json and model.weights.h5); `model.save("m.h5")`: Keras 2's HDF5.
- `model.save_weights("w.weights.h5")` / `model.load_weights(path, skip_mismatch, by_name)`:
  Keras 3's weights layout, or Keras 2's for other `.h5` names (keras.applications' files).
- `model.to_json()` / `model_from_json`, `clone_model`.

Every file is written to a temporary name and renamed, so a crash leaves the previous file
intact. Loading never unpickles nor runs code: classes are looked up by name, and a Lambda
layer is refused unless safe_mode=False (then only a function named in custom_objects).
Optimizer variables are saved in `.keras` files when the optimizer has created them, and
restored when the re-compiled optimizer has the same variables (see compile_state).

h5py is needed for weights: pip install "tenseur[keras]".
"""
from ..engine.serialization import (CustomObjectScope, custom_object_scope,  # noqa: F401
                                    deserialize_keras_object, get_custom_objects,
                                    get_registered_name, get_registered_object,
                                    register_keras_serializable, serialize_keras_object)
from .loading import LoadReport  # noqa: F401
from .saving_api import (clone_model, load_model, load_weights, model_from_config,  # noqa: F401
                         model_from_json, model_to_json, save_model, save_weights)

__all__ = ["save_model", "load_model", "save_weights", "load_weights", "model_to_json",
           "model_from_json", "model_from_config", "clone_model", "LoadReport",
           "CustomObjectScope", "custom_object_scope", "get_custom_objects",
           "get_registered_name", "get_registered_object",
           "register_keras_serializable", "serialize_keras_object", "deserialize_keras_object"]
