"""TF 1.x dataset path kept for old course material: `datasets.mnist.read_data_sets(...)`."""
from . import mnist  # noqa: F401
