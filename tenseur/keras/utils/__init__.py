"""`keras.utils`: Progbar, to_categorical, normalize, Sequence (PyDataset), and the custom-object
registry that Keras 3 also exports here (`register_keras_serializable`, `custom_object_scope`...).
"""
from ..engine.serialization import (CustomObjectScope, custom_object_scope,  # noqa: F401
                                    deserialize_keras_object, get_custom_objects,
                                    get_registered_name, get_registered_object,
                                    register_keras_serializable, serialize_keras_object)
from .np_utils import normalize, to_categorical
from .progbar import Progbar
from .sequence import PyDataset, Sequence
from .random_utils import set_random_seed
from .sequence_utils import pad_sequences

__all__ = ["Progbar", "PyDataset", "Sequence", "normalize", "pad_sequences", "set_random_seed",
           "to_categorical", "CustomObjectScope", "custom_object_scope", "get_custom_objects",
           "get_registered_name", "get_registered_object", "register_keras_serializable",
           "serialize_keras_object", "deserialize_keras_object"]
