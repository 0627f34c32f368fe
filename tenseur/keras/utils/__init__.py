"""`keras.utils`: Progbar, to_categorical, normalize, Sequence (PyDataset)."""
from .np_utils import normalize, to_categorical
from .progbar import Progbar
from .sequence import PyDataset, Sequence

__all__ = ["Progbar", "PyDataset", "Sequence", "normalize", "to_categorical"]
