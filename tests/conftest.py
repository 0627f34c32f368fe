"""Shared test setup: every test starts with a fresh default graph; MNIST comes from shared/."""
import os
from pathlib import Path

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
