"""`keras.preprocessing` (Keras 2's location of the data utilities): `sequence.pad_sequences`."""
from . import sequence  # noqa: F401
