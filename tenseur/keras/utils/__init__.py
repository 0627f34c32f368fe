"""`keras.utils`: Progbar, to_categorical, normalize, Sequence (PyDataset)."""
from .np_utils import normalize, to_categorical  # noqa: F401
from .progbar import Progbar  # noqa: F401
from .sequence import PyDataset, Sequence  # noqa: F401

__all__ = ["Progbar", "to_categorical", "normalize", "Sequence", "PyDataset"]
