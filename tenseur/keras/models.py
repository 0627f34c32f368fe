"""`keras.models`: Model, Sequential, and (from the saving work) load_model / clone_model."""
from .engine import Functional, Model, Sequential  # noqa: F401


def __getattr__(name):
    if name in ("load_model", "save_model", "clone_model", "model_from_json", "model_from_config"):
        from . import saving
        return getattr(saving, name)
    raise AttributeError(f"module 'tenseur.keras.models' has no attribute {name!r}")
