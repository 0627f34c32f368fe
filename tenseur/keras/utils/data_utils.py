"""Keras 2's module path of `Sequence` (`from keras.utils.data_utils import Sequence`)."""
from .sequence import Sequence

__all__ = ["Sequence"]
