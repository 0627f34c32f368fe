"""`tf.summary.experimental`: the default step of the TF2 summary functions."""
from .writer import get_step, set_step  # noqa: F401

__all__ = ["get_step", "set_step"]
