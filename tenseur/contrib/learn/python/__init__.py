"""`tf.contrib.learn.python`."""
from . import learn  # noqa: F401
