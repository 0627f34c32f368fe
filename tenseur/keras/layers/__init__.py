"""`keras.layers`: every layer class (`from tenseur.keras.layers import Dense`)."""
from ..engine.base_layer import InputSpec, Layer  # noqa: F401
from ..engine.input_layer import Input, InputLayer  # noqa: F401
from .core import Activation, Dense, Dropout, Flatten  # noqa: F401
