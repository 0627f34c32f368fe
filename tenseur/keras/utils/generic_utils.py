"""Keras 2's module path of `Progbar` (`from keras.utils.generic_utils import Progbar`)."""
from .progbar import Progbar

__all__ = ["Progbar"]
