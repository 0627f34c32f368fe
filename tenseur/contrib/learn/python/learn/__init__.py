"""`tf.contrib.learn.python.learn`: `from tenseur.contrib.learn.python.learn import datasets`."""
from . import datasets  # noqa: F401
