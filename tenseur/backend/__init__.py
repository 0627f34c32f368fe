"""The array module kernels are written against (`xp`): NumPy, or CuPy on a GPU; and the
on/off environment switches (`TENSEUR_OPTIMIZE`, `TENSEUR_NUMBA`, `TENSEUR_WINOGRAD`)."""
import os

import numpy as np

_xp = np


def get_array_module():
    """The active array module (numpy by default)."""
    return _xp


def set_array_module(module) -> None:
    """Switches the array module (e.g. to cupy); kernels use it from the next plan built."""
    global _xp
    _xp = module


def switched_on(variable: str) -> bool:
    """Whether the environment switch `variable` is on: unset, or anything but 0, false, no
    or off (read at every call, so a switch may change while a program runs)."""
    return os.environ.get(variable, "1").strip().lower() not in ("0", "false", "no", "off")


def to_numpy(array):
    """A NumPy array from an array of the active module (a no-op on NumPy)."""
    get = getattr(array, "get", None)
    return get() if get is not None and not isinstance(array, np.ndarray) else array
