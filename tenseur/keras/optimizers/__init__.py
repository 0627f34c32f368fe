"""`keras.optimizers`: SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax, Nadam, Ftrl, Lion
(Keras 3 names, defaults and update rules), learning-rate `schedules`, lookup by name, and the
Keras 2 lowercase factories of the course material (`keras.optimizers.sgd(lr=5e-2)`).

Example:
    >>> model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.05, momentum=0.9), ...)
    >>> model.compile(optimizer="adam", ...)
"""
from __future__ import annotations

import warnings

import tenseur as tf

from .. import backend
from . import schedules
from .adam import Adam, Adamax, AdamW, Nadam
from .ftrl import Ftrl
from .lion import Lion
from .optimizer import FusedRule, Optimizer
from .rmsprop import Adadelta, Adagrad, RMSprop
from .sgd import SGD

_CLASSES = {cls.__name__.lower(): cls for cls in
            (SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax, Nadam, Ftrl, Lion)}


class TFOptimizer(FusedRule):
    """Wraps a TF 1.x optimizer (`tenseur.train.AdamOptimizer(...)`) for `model.compile`.

    Its learning rate is the one given to the TF 1.x optimizer and cannot be changed by
    callbacks; variable constraints are not applied.
    """

    def __init__(self, optimizer, name=None):
        super().__init__(learning_rate=lambda: None, name=name or optimizer.get_name())
        self.optimizer = optimizer
        self._tf_optimizer = optimizer

    @property
    def learning_rate(self):
        raise AttributeError(f"TFOptimizer '{self.name}': the learning rate belongs to the "
                             f"wrapped TF 1.x optimizer and cannot be read or set here; use "
                             f"a keras.optimizers optimizer to change it from callbacks.")

    @learning_rate.setter
    def learning_rate(self, value):
        raise AttributeError(f"TFOptimizer '{self.name}': the learning rate of a wrapped TF 1.x "
                             f"optimizer cannot be set.")

    def _learning_rate_tensor(self):
        return None

    def _update(self, grads, variables, lr):
        for var in variables:
            if getattr(var, "constraint", None) is not None:
                raise NotImplementedError(f"TFOptimizer: variable {var.name} has a constraint, "
                                          f"which a wrapped TF 1.x optimizer does not apply; "
                                          f"use a keras.optimizers optimizer.")
        update = self.optimizer.apply_gradients(list(zip(grads, variables)))
        self._step_ops.append(update)
        known = {id(v) for v in self._own_variables}
        for variable in self.optimizer.variables():
            if id(variable) not in known:
                backend.track_variable(variable)
        return {var: update for var in variables}

    def get_config(self):
        raise NotImplementedError("TFOptimizer cannot be serialized.")


def get(identifier):
    """An optimizer from a name ("sgd", "adam", "rmsprop"... any case), a config dict, a
    Keras optimizer (returned as is) or a TF 1.x `tenseur.train` optimizer (wrapped).

    Raises:
        ValueError: an unknown name (the message lists the known ones).
    """
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str):
        cls = _CLASSES.get(identifier.lower())
        if cls is None:
            raise ValueError(f"Could not interpret optimizer identifier: {identifier!r}. Known "
                             f"optimizers: {', '.join(repr(k) for k in sorted(_CLASSES))}.")
        return cls()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, tf.train.Optimizer):
        return TFOptimizer(identifier)
    raise ValueError(f"Could not interpret optimizer identifier: {identifier!r}.")


def serialize(optimizer) -> dict:
    return {"module": "keras.optimizers", "class_name": type(optimizer).__name__,
            "config": optimizer.get_config(), "registered_name": None}


def deserialize(config, custom_objects=None):
    name = config.get("class_name", "")
    cls = (custom_objects or {}).get(name) or _CLASSES.get(name.lower())
    if cls is None:
        raise ValueError(f"Unknown optimizer: {name!r}.")
    return cls.from_config(dict(config.get("config", {})), custom_objects=custom_objects)


# -- Keras 2 spellings ---------------------------------------------------------------------

def _legacy_factory(cls, arg_names, defaults):
    """`keras.optimizers.<name>(lr=..., ...)` of Keras 2.0-2.2 (with its default rates)."""
    name = cls.__name__.lower()

    def factory(*args, **kwargs):
        options = dict(defaults)
        options.update(zip(arg_names, args))
        options.update(kwargs)
        lr = options.pop("lr", options.pop("learning_rate", None))
        if options.get("epsilon", 0) is None:
            options.pop("epsilon")
        options.pop("schedule_decay", None)
        warnings.warn(f"keras.optimizers.{name}(lr=...) is the Keras 2 spelling; use "
                      f"keras.optimizers.{cls.__name__}(learning_rate={lr!r}) instead.",
                      DeprecationWarning, stacklevel=2)
        return cls(learning_rate=lr, **options)

    factory.__name__ = name
    factory.__doc__ = (f"Keras 2's `{name}`: returns `{cls.__name__}` (deprecated; defaults as "
                       f"Keras 2.2: {defaults}).")
    return factory


sgd = _legacy_factory(SGD, ("lr", "momentum", "decay", "nesterov"), {"lr": 0.01})
rmsprop = _legacy_factory(RMSprop, ("lr", "rho", "epsilon", "decay"), {"lr": 0.001})
adagrad = _legacy_factory(Adagrad, ("lr", "epsilon", "decay"), {"lr": 0.01})
adadelta = _legacy_factory(Adadelta, ("lr", "rho", "epsilon", "decay"), {"lr": 1.0})
adam = _legacy_factory(Adam, ("lr", "beta_1", "beta_2", "epsilon", "decay", "amsgrad"),
                       {"lr": 0.001})
adamax = _legacy_factory(Adamax, ("lr", "beta_1", "beta_2", "epsilon", "decay"), {"lr": 0.002})
nadam = _legacy_factory(Nadam, ("lr", "beta_1", "beta_2", "epsilon", "schedule_decay"),
                        {"lr": 0.002})

__all__ = [
    "SGD",
    "Adadelta",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "Ftrl",
    "Lion",
    "Nadam",
    "Optimizer",
    "RMSprop",
    "TFOptimizer",
    "adadelta",
    "adagrad",
    "adam",
    "adamax",
    "deserialize",
    "get",
    "nadam",
    "rmsprop",
    "schedules",
    "serialize",
    "sgd",
]
