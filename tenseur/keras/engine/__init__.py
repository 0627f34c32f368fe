"""`keras.engine`: Layer, Input, Model, Sequential (`from keras.engine import Model` works)."""
from .base_layer import InputSpec, Layer  # noqa: F401
from .functional import Functional, Model  # noqa: F401
from .input_layer import Input, InputLayer  # noqa: F401
from .sequential import Sequential  # noqa: F401
