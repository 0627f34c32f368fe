"""`tenseur.keras`: the Keras API on tenseur's public ops (`from tenseur import keras`).

Example:
    >>> from tenseur import keras
    >>> inputs = keras.Input(shape=(784,))
    >>> x = keras.layers.Dense(64, activation="sigmoid")(inputs)
    >>> model = keras.Model(inputs=[inputs], outputs=[keras.layers.Dense(10, activation="softmax")(x)])
"""
from . import activations, backend, constraints, engine, initializers, layers, regularizers  # noqa: F401
from .engine import Input, InputLayer, Layer, Model, Sequential  # noqa: F401

# Submodules loaded on first use (`keras.optimizers.SGD`, `keras.callbacks.EarlyStopping`...).
_LAZY = {"losses", "metrics", "optimizers", "callbacks", "utils", "datasets", "saving",
         "applications", "models", "preprocessing"}


def __getattr__(name):
    if name in _LAZY:
        import importlib
        module = importlib.import_module(f"{__name__}.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'tenseur.keras' has no attribute {name!r}")
