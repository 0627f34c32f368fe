"""`keras.datasets`: the datasets of `keras.datasets` (MNIST)."""
from . import mnist  # noqa: F401
