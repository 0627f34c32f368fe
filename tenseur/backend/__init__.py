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


def switched_on(variable: str, default: bool = True) -> bool:
    """Whether the environment switch `variable` is on: set to anything but 0, false, no or
    off, or unset when `default` is on (read at every call, so a switch may change while a
    program runs)."""
    value = os.environ.get(variable, "1" if default else "0")
    return value.strip().lower() not in ("0", "false", "no", "off")


def to_numpy(array):
    """A NumPy array from an array of the active module (a no-op on NumPy)."""
    get = getattr(array, "get", None)
    return get() if get is not None and not isinstance(array, np.ndarray) else array
