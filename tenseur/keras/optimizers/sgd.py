"""`SGD`: gradient descent, with (Nesterov) momentum."""
from __future__ import annotations

import tenseur as tf

from .optimizer import FusedRule, Optimizer


class SGD(FusedRule):
    """Gradient descent (with momentum).

    `w -= learning_rate * g` when `momentum` is 0 (TF 1.x's fused `ApplyGradientDescent`);
    otherwise Keras' rule `velocity = momentum * velocity - learning_rate * g; w += velocity`,
    or with `nesterov=True`: `w += momentum * velocity - learning_rate * g`. (Keras keeps the
    learning rate inside the velocity; TF 1.x's MomentumOptimizer multiplies it outside, which
    differs as soon as the rate changes, so momentum is not delegated to it.)

    Args:
        learning_rate: default 0.01. momentum: float in [0, 1], default 0.
        nesterov: Nesterov momentum. Plus the base `Optimizer` arguments.
    Example:
        >>> model.compile(optimizer=keras.optimizers.SGD(learning_rate=5e-2), loss="mse")
    """

    _tf_class = tf.train.GradientDescentOptimizer

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, name="SGD", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        if not isinstance(momentum, (int, float)) or isinstance(momentum, bool) \
                or not 0 <= momentum <= 1:
            raise ValueError(f"`momentum` must be a float between [0, 1]. Received: "
                             f"momentum={momentum!r}")
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)

    def _make_tf_optimizer(self, cls, learning_rate):
        return cls(learning_rate, name=self.name)

    def _update(self, grads, variables, lr):
        if self.momentum == 0:
            return super()._update(grads, variables, lr)
        return Optimizer._update(self, grads, variables, lr)

    def _create_slots(self, var_list):
        if self.momentum == 0:
            return super()._create_slots(var_list)
        for var in var_list:
            self.add_slot(var, "momentum")

    def update_step(self, gradient, variable, learning_rate):
        velocity = self.get_slot(variable, "momentum")
        new_velocity = velocity.assign(velocity * self.momentum - gradient * learning_rate)
        if self.nesterov:
            return variable.assign_add(new_velocity * self.momentum - gradient * learning_rate)
        return variable.assign_add(new_velocity)

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}
