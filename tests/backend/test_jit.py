"""backend.jit: numba kernel modules load once, and a module that cannot load (numba missing,
or present but unusable) leaves the NumPy kernels in charge, with a warning in the second case."""
import sys

import pytest

from tenseur.backend import jit


def test_switched_off_by_the_environment(monkeypatch):
    monkeypatch.setenv("TENSEUR_NUMBA", "0")
    assert not jit.enabled() and jit.kernels("tenseur.ops.pool_numba") is None
    monkeypatch.setenv("TENSEUR_NUMBA", "1")
    assert jit.enabled()


def test_a_missing_module_gives_none(monkeypatch):
    monkeypatch.setattr(jit, "_modules", {})
    monkeypatch.setitem(sys.modules, "tenseur_no_such_kernels", None)     # ImportError
    assert jit.kernels("tenseur_no_such_kernels") is None


def test_a_module_failing_otherwise_gives_none_and_a_warning(default_switches, monkeypatch,
                                                              tmp_path):
    monkeypatch.setattr(jit, "_modules", {})
    (tmp_path / "tenseur_broken_kernels.py").write_text(
        "raise RuntimeError('cannot cache function: no locator available')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.warns(RuntimeWarning, match="no locator available.*NumPy kernels run"):
        assert jit.kernels("tenseur_broken_kernels") is None
    assert jit.kernels("tenseur_broken_kernels") is None      # once: no second warning
