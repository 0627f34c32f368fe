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


def _kernel_module(tmp_path, name, cached):
    (tmp_path / f"{name}.py").write_text("VALUE = 1\n")
    (tmp_path / "__pycache__").mkdir(exist_ok=True)
    if cached:      # what numba leaves after compiling a kernel of that module once
        (tmp_path / "__pycache__" / f"{name}.kernel-12.py311.nbi").write_bytes(b"")


def test_the_first_compilation_is_announced_once(default_switches, monkeypatch, tmp_path,
                                                 capsys):
    monkeypatch.setattr(jit, "_modules", {})
    monkeypatch.setattr(jit, "_announced", [])
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    monkeypatch.syspath_prepend(str(tmp_path))
    _kernel_module(tmp_path, "tenseur_cached_kernels", cached=True)
    _kernel_module(tmp_path, "tenseur_fresh_kernels", cached=False)
    _kernel_module(tmp_path, "tenseur_fresh_kernels_2", cached=False)
    assert jit.kernels("tenseur_cached_kernels").VALUE == 1
    assert capsys.readouterr().err == ""
    assert jit.kernels("tenseur_fresh_kernels").VALUE == 1
    assert "numba is compiling kernels for this machine (first run only" in \
        capsys.readouterr().err
    jit.kernels("tenseur_fresh_kernels")
    jit.kernels("tenseur_fresh_kernels_2")
    assert capsys.readouterr().err == ""            # once a process


def test_no_announcement_where_the_cache_is_elsewhere(default_switches, monkeypatch, tmp_path,
                                                      capsys):
    monkeypatch.setattr(jit, "_modules", {})
    monkeypatch.setattr(jit, "_announced", [])
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.syspath_prepend(str(tmp_path))
    _kernel_module(tmp_path, "tenseur_elsewhere_kernels", cached=False)
    assert jit.kernels("tenseur_elsewhere_kernels").VALUE == 1
    assert capsys.readouterr().err == ""


def test_no_announcement_for_modules_that_are_not_tenseurs(default_switches, monkeypatch,
                                                           capsys):
    # compiler/numba_tail.py loads numba itself through jit.kernels: it has no cached kernels
    # of its own, and its generated tails are compiled every run anyway.
    monkeypatch.setattr(jit, "_modules", {})
    monkeypatch.setattr(jit, "_announced", [])
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    import json
    monkeypatch.setattr(jit.importlib, "import_module", lambda name: json)
    assert jit.kernels("json") is json
    assert capsys.readouterr().err == ""
