"""`keras.utils`: Progbar, to_categorical, normalize, Sequence (PyDataset)."""
from .np_utils import normalize, to_categorical
from .progbar import Progbar
from .sequence import PyDataset, Sequence
from .random_utils import set_random_seed
from .sequence_utils import pad_sequences

__all__ = ["Progbar", "PyDataset", "Sequence", "normalize", "pad_sequences", "set_random_seed",
           "to_categorical"]
