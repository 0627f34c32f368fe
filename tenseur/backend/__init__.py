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


def _environment_reader():
    """A get(variable) for os.environ that skips its mapping layer where CPython has one (the
    dict of encoded names it keeps in step with the process environment): 0.05 against 0.7
    us. Kernels read their switches at every call (TENSEUR_NUMBA: a few times a step)."""
    environ = os.environ
    try:
        data, encode, decode = environ._data, environ.encodekey, environ.decodevalue
    except AttributeError:          # another Python: the mapping itself
        return environ.get
    keys: dict = {}

    def get(variable):
        key = keys.get(variable)
        if key is None:
            key = keys[variable] = encode(variable)
        value = data.get(key)
        return None if value is None else decode(value)
    return get


_getenv = _environment_reader()


def switched_on(variable: str, default: bool = True) -> bool:
    """Whether the environment switch `variable` is on: set to anything but 0, false, no or
    off, or unset when `default` is on (read at every call, so a switch may change while a
    program runs)."""
    value = _getenv(variable)
    if value is None:
        return default
    return value.strip().lower() not in ("0", "false", "no", "off")


def to_numpy(array):
    """A NumPy array from an array of the active module (a no-op on NumPy)."""
    get = getattr(array, "get", None)
    return get() if get is not None and not isinstance(array, np.ndarray) else array
