"""The array module kernels are written against (`xp`): NumPy, or CuPy on a GPU."""
import numpy as np

_xp = np


def get_array_module():
    """The active array module (numpy by default)."""
    return _xp


def set_array_module(module) -> None:
    """Switches the array module (e.g. to cupy); kernels use it from the next plan built."""
    global _xp
    _xp = module


def to_numpy(array):
    """A NumPy array from an array of the active module (a no-op on NumPy)."""
    get = getattr(array, "get", None)
    return get() if get is not None and not isinstance(array, np.ndarray) else array
