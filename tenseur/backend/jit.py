"""numba-compiled kernels (`tenseur[fast]`): whether they may run, and their modules.

The modules holding them (`tenseur.ops.winograd_kernels`, `pool_numba`, `exp_numba`) import
numba at their top, so they are imported here, on first use: `import tenseur` never loads
numba. Without numba, or with `TENSEUR_NUMBA=0` (read at every call), the NumPy kernels run.
"""
from __future__ import annotations

import importlib
import warnings

from . import switched_on

_modules: dict = {}          # module name -> the module, or None when its import failed


def enabled() -> bool:
    """Whether numba kernels may run: not switched off by TENSEUR_NUMBA=0."""
    return switched_on("TENSEUR_NUMBA")


def kernels(name: str):
    """The module `name` (e.g. "tenseur.ops.pool_numba"), imported once; None when numba is
    missing, fails to load (a warning says why: e.g. no writable folder for its cache), or is
    switched off."""
    if not enabled():
        return None
    if name not in _modules:
        try:
            _modules[name] = importlib.import_module(name)
        except ImportError:
            _modules[name] = None
        except Exception as exc:    # noqa: BLE001 - numba present but unusable: NumPy kernels
            warnings.warn(f"tenseur: {name} could not be loaded ({type(exc).__name__}: {exc}); "
                          f"its NumPy kernels run instead (TENSEUR_NUMBA=0 silences this).",
                          RuntimeWarning, stacklevel=2)
            _modules[name] = None
    return _modules[name]
