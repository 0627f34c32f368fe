"""Adaptive per-coordinate rates: `RMSprop`, `Adagrad`, `Adadelta` (Keras 3's update rules)."""
from __future__ import annotations

import tenseur as tf

from .optimizer import FusedRule, Optimizer


class _ZeroStartRMSProp(tf.train.RMSPropOptimizer):
    """TF 1.x RMSProp whose mean square starts at 0, as Keras' `velocity` (TF 1.x starts at 1)."""

    def __init__(self, *args, centered=False, **kwargs):
        super().__init__(*args, centered=centered, **kwargs)
        self._keras_centered = centered

    def _create_slots(self, var_list):
        for var in var_list:
            self._zeros_slot(var, "rms", self.get_name())
            if self._keras_centered:
                self._zeros_slot(var, "mg", self.get_name())
            self._zeros_slot(var, "momentum", self.get_name())


class RMSprop(FusedRule):
    """RMSprop (Hinton, 2012): divide the gradient by a running root mean square.

    `v = rho * v + (1 - rho) * g^2` (v starts at 0), `increment = lr * g / sqrt(v + epsilon)`
    (centered: `sqrt(v - mg^2 + epsilon)` with `mg` the running mean of g), then
    `w -= increment`, or with momentum `mom = momentum * mom + increment; w -= mom`. This is
    TF 1.x's fused RMSProp op once its mean square starts at 0.

    Args: learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False.
    Example:
        >>> model.compile(optimizer="rmsprop", loss="mse")   # Keras' default optimizer
    """

    _tf_class = _ZeroStartRMSProp
    _tf_slot_names = ("rms", "momentum", "mg")

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7,
                 centered=False, name="rmsprop", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.rho, self.momentum, self.epsilon = rho, momentum, epsilon
        self.centered = bool(centered)

    def _make_tf_optimizer(self, cls, learning_rate):
        return cls(learning_rate, decay=self.rho, momentum=self.momentum, epsilon=self.epsilon,
                   centered=self.centered, name=self.name)

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "momentum": self.momentum,
                "epsilon": self.epsilon, "centered": self.centered}


class Adagrad(Optimizer):
    """Adagrad (Duchi et al., 2011): `accum += g^2; w -= lr * g / sqrt(accum + epsilon)`.

    (TF 1.x's Adagrad has no epsilon, so this one is written with slot assignments.)

    Args: learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7.
    """

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7,
                 name="adagrad", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        if initial_accumulator_value < 0:
            raise ValueError(f"Adagrad: initial_accumulator_value must be >= 0, got "
                             f"{initial_accumulator_value}.")
        self.initial_accumulator_value = initial_accumulator_value
        self.epsilon = epsilon

    def _create_slots(self, var_list):
        for var in var_list:
            self.add_slot(var, "accumulator", self.initial_accumulator_value)

    def update_step(self, gradient, variable, learning_rate):
        accumulator = self.get_slot(variable, "accumulator")
        new_accumulator = accumulator.assign_add(tf.square(gradient))
        return variable.assign_sub(learning_rate * gradient
                                   / tf.sqrt(new_accumulator + self.epsilon))

    def get_config(self):
        return {**super().get_config(),
                "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon": self.epsilon}


class Adadelta(FusedRule):
    """Adadelta (Zeiler, 2012), keeping a learning rate as Keras does (1.0 is the paper's).

    `accum = rho * accum + (1 - rho) * g^2`,
    `delta = sqrt(accum_delta + epsilon) / sqrt(accum + epsilon) * g`,
    `accum_delta = rho * accum_delta + (1 - rho) * delta^2`, `w -= lr * delta`
    (TF 1.x's fused Adadelta op).

    Args: learning_rate=0.001, rho=0.95, epsilon=1e-7.
    """

    _tf_class = tf.train.AdadeltaOptimizer
    _tf_slot_names = ("accum", "accum_update")

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, name="adadelta", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.rho, self.epsilon = rho, epsilon

    def _make_tf_optimizer(self, cls, learning_rate):
        return cls(learning_rate, rho=self.rho, epsilon=self.epsilon, name=self.name)

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}
