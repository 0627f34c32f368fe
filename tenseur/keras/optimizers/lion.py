"""Lion (Chen et al., 2023, "Symbolic Discovery of Optimization Algorithms"), Keras 3's rule."""
from __future__ import annotations

import tenseur as tf

from .optimizer import Optimizer


class Lion(Optimizer):
    """The sign of an interpolated momentum as the step:
    `w -= lr * sign(beta_1 * m + (1 - beta_1) * g)`, then `m = beta_2 * m + (1 - beta_2) * g`.
    Steps all have size lr per weight, so Lion wants a learning rate 3-10x smaller than Adam's.

    Args: learning_rate=0.001, beta_1=0.9, beta_2=0.99.

    Raises:
        ValueError: beta_1 outside (0, 1].
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99, name="lion", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        if not 0.0 < float(beta_1) <= 1.0:
            raise ValueError(f"Lion: `beta_1` must be in (0, 1], got beta_1={beta_1!r}.")
        self.beta_1, self.beta_2 = float(beta_1), float(beta_2)

    def _create_slots(self, var_list):
        for var in var_list:
            self.add_slot(var, "momentum")

    def update_step(self, gradient, variable, learning_rate):
        m = self.get_slot(variable, "momentum")
        direction = tf.sign(m * self.beta_1 + gradient * (1.0 - self.beta_1))
        update = variable.assign_sub(learning_rate * direction)
        with tf.control_dependencies([update]):
            return m.assign(m * self.beta_2 + gradient * (1.0 - self.beta_2))

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2}
