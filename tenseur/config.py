"""`tf.config`: switches of the execution context."""
from .eager.context import functions_run_eagerly, run_functions_eagerly  # noqa: F401
