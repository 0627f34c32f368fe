"""`Ftrl`: Follow The Regularized Leader (McMahan et al., 2013)."""
from __future__ import annotations

import tenseur as tf

from .optimizer import FusedRule


class Ftrl(FusedRule):
    """FTRL-proximal with L1, L2 and shrinkage-type L2 regularization (TF 1.x's fused op).

    Per coordinate: `n += g^2`, `z += g' - (n^-p - n_prev^-p) / lr * w` (with
    `g' = g + 2 * l2_shrinkage * w`), then `w = (sign(z) * l1 - z) / (n^-p / lr + 2 * l2)`
    where |z| > l1, else 0; `p = learning_rate_power`, and `beta` adds `beta / (2 lr)` to l2.

    Args:
        learning_rate=0.001, learning_rate_power=-0.5, initial_accumulator_value=0.1,
        l1_regularization_strength=0.0, l2_regularization_strength=0.0,
        l2_shrinkage_regularization_strength=0.0, beta=0.0.
    Raises:
        ValueError: a negative strength or accumulator start, or a positive power.
    """

    _tf_class = tf.train.FtrlOptimizer
    _tf_slot_names = ("accum", "linear")

    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5,
                 initial_accumulator_value=0.1, l1_regularization_strength=0.0,
                 l2_regularization_strength=0.0, l2_shrinkage_regularization_strength=0.0,
                 beta=0.0, name="ftrl", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        checks = {"initial_accumulator_value": initial_accumulator_value,
                  "l1_regularization_strength": l1_regularization_strength,
                  "l2_regularization_strength": l2_regularization_strength,
                  "l2_shrinkage_regularization_strength": l2_shrinkage_regularization_strength}
        for key, value in checks.items():
            if value < 0.0:
                raise ValueError(f"`{key}` needs to be positive or zero. Received: "
                                 f"{key}={value}.")
        if learning_rate_power > 0.0:
            raise ValueError(f"`learning_rate_power` needs to be negative or zero. Received: "
                             f"learning_rate_power={learning_rate_power}.")
        self.learning_rate_power = learning_rate_power
        self.initial_accumulator_value = initial_accumulator_value
        self.l1_regularization_strength = l1_regularization_strength
        self.l2_regularization_strength = l2_regularization_strength
        self.l2_shrinkage_regularization_strength = l2_shrinkage_regularization_strength
        self.beta = beta

    def _make_tf_optimizer(self, cls, learning_rate):
        l2 = self.l2_regularization_strength
        if self.beta:
            def l2_with_beta():
                return l2 + self.beta / (2.0 * learning_rate())
        return cls(learning_rate, learning_rate_power=self.learning_rate_power,
                   initial_accumulator_value=self.initial_accumulator_value,
                   l1_regularization_strength=self.l1_regularization_strength,
                   l2_regularization_strength=l2_with_beta if self.beta else l2,
                   l2_shrinkage_regularization_strength=(
                       self.l2_shrinkage_regularization_strength),
                   name=self.name)

    def get_config(self):
        return {**super().get_config(), "learning_rate_power": self.learning_rate_power,
                "initial_accumulator_value": self.initial_accumulator_value,
                "l1_regularization_strength": self.l1_regularization_strength,
                "l2_regularization_strength": self.l2_regularization_strength,
                "l2_shrinkage_regularization_strength":
                    self.l2_shrinkage_regularization_strength,
                "beta": self.beta}
