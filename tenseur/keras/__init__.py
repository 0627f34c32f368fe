"""`tenseur.keras`: the Keras API on tenseur's public ops (`from tenseur import keras`).

Example:
    >>> from tenseur import keras
    >>> inputs = keras.Input(shape=(784,))
    >>> x = keras.layers.Dense(64, activation="sigmoid")(inputs)
    >>> model = keras.Model(inputs=[inputs], outputs=[keras.layers.Dense(10, activation="softmax")(x)])
"""
from . import activations, backend, constraints, engine, initializers, layers, regularizers  # noqa: F401
from .engine import Input, InputLayer, Layer, Model, Sequential  # noqa: F401

models = engine  # `keras.models.Model` / `Sequential`; the saving work adds load_model here
