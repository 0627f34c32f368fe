"""Shared test setup: every test starts with a fresh default graph; MNIST comes from shared/."""
import os
from pathlib import Path

# pytest-xdist runs one worker per core: BLAS threads on top would oversubscribe the cores
# (a 64x784 @ 784x64 product took 48 ms instead of 0.3 ms on a loaded 2-core machine).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import pytest

import tenseur as tf

_SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
os.environ.setdefault("TENSEUR_DATA_DIR", str(_SHARED_DATA))


@pytest.fixture(autouse=True)
def _fresh_graph():
    tf.reset_default_graph()
    yield
    tf.reset_default_graph()


@pytest.fixture
def mnist_dir():
    path = Path(os.environ["TENSEUR_DATA_DIR"]) / "mnist"
    if not (path / "train-images-idx3-ubyte.gz").exists():
        pytest.skip(f"MNIST files not found in {path} (set TENSEUR_DATA_DIR)")
    return str(path)


@pytest.fixture
def parallel_calls(monkeypatch):
    """The items of every `backend.threads.parallel_map` call (a list per call); the calls
    still run. Kernels reach parallel_map through the threads module, so one patch sees all."""
    from tenseur.backend import threads
    calls = []
    original = threads.parallel_map

    def spy(fn, items, threads=None):
        items = list(items)
        calls.append(items)
        return original(fn, items, threads)

    monkeypatch.setattr(threads, "parallel_map", spy)
    return calls


# The environment switches that choose kernels and compiler passes (tenseur/backend/jit.py,
# ops/winograd.py, compiler/numba_tail.py, compiler/__init__.py). A suite run with one
# exported (TENSEUR_NUMBA=0 or TENSEUR_OPTIMIZE=0, to try the NumPy paths or the unoptimised
# plans everywhere else) must not fail the tests of what it switches off.
SWITCHES = ("TENSEUR_NUMBA", "TENSEUR_WINOGRAD", "TENSEUR_WINOGRAD4", "TENSEUR_NUMBA_TAIL",
            "TENSEUR_OPTIMIZE", "TENSEUR_DISABLE_PASSES",
            "TENSEUR_ZERO_COLUMNS_WITH_BLAS_THREADS")


@pytest.fixture
def default_switches(monkeypatch):
    """Every kernel and pass switch at its default (on), whatever the environment says; a
    test may still set one itself."""
    for name in SWITCHES:
        monkeypatch.delenv(name, raising=False)
