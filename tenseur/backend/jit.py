"""numba-compiled kernels (`tenseur[fast]`): whether they may run, and their modules.

The modules holding them (`tenseur.ops.winograd_kernels`, `pool_numba`, `exp_numba`) import
numba at their top, so they are imported here, on first use: `import tenseur` never loads
numba. Without numba, or with `TENSEUR_NUMBA=0` (read at every call), the NumPy kernels run.
"""
from __future__ import annotations

import importlib
import os
import sys
import warnings

from . import switched_on

_modules: dict = {}          # module name -> the module, or None when its import failed


def enabled() -> bool:
    """Whether numba kernels may run: not switched off by TENSEUR_NUMBA=0."""
    return switched_on("TENSEUR_NUMBA")


def _compiles_first(module) -> bool:
    """Whether numba has cached no machine code for `module` yet, so its first calls compile
    (seconds per kernel). Looks in the module's __pycache__, where numba writes when it can;
    says False where it cannot tell (another cache folder, a read-only install)."""
    if os.environ.get("NUMBA_CACHE_DIR") or not module.__name__.startswith("tenseur"):
        return False            # numba itself (compiler/numba_tail.py asks for it) caches nothing
    folder = os.path.join(os.path.dirname(getattr(module, "__file__", "") or "."), "__pycache__")
    stem = module.__name__.rsplit(".", 1)[-1] + "."
    try:
        if not os.access(folder, os.W_OK):
            return False
        names = os.listdir(folder)
    except OSError:
        return False
    return not any(n.startswith(stem) and n.endswith(".nbi") for n in names)


_announced = []


def _announce(module) -> None:
    """Says once per process, on stderr, that numba is compiling: a fresh install's first CNN
    step waits 10-20 s for it with nothing on the screen."""
    if not _announced and _compiles_first(module):
        _announced.append(module.__name__)
        print("tenseur: numba is compiling kernels for this machine (first run only: "
              "10-20 s before the first convolution step; cached on disk for later runs; "
              "TENSEUR_NUMBA=0 runs without them)", file=sys.stderr, flush=True)


def kernels(name: str):
    """The module `name` (e.g. "tenseur.ops.pool_numba"), imported once; None when numba is
    missing, fails to load (a warning says why: e.g. no writable folder for its cache), or is
    switched off."""
    if not enabled():
        return None
    if name not in _modules:
        try:
            _modules[name] = importlib.import_module(name)
            _announce(_modules[name])
        except ImportError:
            _modules[name] = None
        except Exception as exc:    # noqa: BLE001 - numba present but unusable: NumPy kernels
            warnings.warn(f"tenseur: {name} could not be loaded ({type(exc).__name__}: {exc}); "
                          f"its NumPy kernels run instead (TENSEUR_NUMBA=0 silences this).",
                          RuntimeWarning, stacklevel=2)
            _modules[name] = None
    return _modules[name]
