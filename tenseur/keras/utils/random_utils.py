"""`keras.utils.set_random_seed`: one call that makes a Keras program repeatable."""
from __future__ import annotations

import random

import numpy as np


def set_random_seed(seed):
    """Seeds Python's `random`, NumPy's global generator (batch shuffling in `fit`) and
    tenseur's graph-level seed (weight initializers, dropout), as Keras 3 seeds Python, NumPy
    and its backend.

    Raises:
        ValueError: `seed` is not an int.
    """
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise ValueError(f"set_random_seed: `seed` must be an int, got {seed!r}.")
    import tenseur
    random.seed(int(seed))
    np.random.seed(int(seed))
    tenseur.set_random_seed(int(seed))
