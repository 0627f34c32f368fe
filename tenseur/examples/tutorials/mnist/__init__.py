"""`tensorflow.examples.tutorials.mnist`: `from ... import input_data`."""
from . import input_data  # noqa: F401
