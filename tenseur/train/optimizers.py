"""The TF 1.x optimizers: each one's slots, defaults and fused update op (`ops/training_ops`).

Hyper-parameters may be Python numbers, tensors (a placeholder, a decayed schedule) or
callables returning either; they are turned into scalar tensors of each variable's dtype once
per `apply_gradients` (`Optimizer._hyper`).
"""
from __future__ import annotations

import numbers

import numpy as np

from ..framework.graph import get_default_graph
from ..ops import array_ops, training_ops
from .optimizer import Optimizer

__all__ = ["GradientDescentOptimizer", "MomentumOptimizer", "AdamOptimizer",
           "RMSPropOptimizer", "AdagradOptimizer", "AdadeltaOptimizer", "FtrlOptimizer"]


class GradientDescentOptimizer(Optimizer):
    """Plain gradient descent: `var -= learning_rate * grad`.

    Args:
        learning_rate: a float, scalar tensor or callable.
        use_locking: accepted for TF 1.x compatibility.
        name: prefix of the created ops (default "GradientDescent").
    Example:
        >>> train_op = tenseur.train.GradientDescentOptimizer(0.01).minimize(loss)
    """

    def __init__(self, learning_rate, use_locking=False, name="GradientDescent"):
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate

    def _apply_dense(self, grad, var):
        return training_ops.apply_gradient_descent(
            var, self._hyper("learning_rate", self._learning_rate, var.dtype), grad,
            use_locking=self._use_locking)


class MomentumOptimizer(Optimizer):
    """Gradient descent with momentum: `accum = momentum * accum + grad; var -= lr * accum`.

    Args:
        learning_rate, momentum: floats, scalar tensors or callables.
        use_nesterov: Nesterov momentum, in TF's form
            `var -= lr * grad + lr * momentum * accum` (Sutskever et al., 2013).
        name: prefix of the created ops and slots (default "Momentum"); slot "momentum".
    Example:
        >>> train_op = tenseur.train.MomentumOptimizer(0.01, momentum=0.9).minimize(loss)
    """

    def __init__(self, learning_rate, momentum, use_locking=False, name="Momentum",
                 use_nesterov=False):
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._momentum = momentum
        self._use_nesterov = use_nesterov

    def _create_slots(self, var_list):
        for v in var_list:
            self._zeros_slot(v, "momentum", self._name)

    def _apply_dense(self, grad, var):
        return training_ops.apply_momentum(
            var, self._slot(var, "momentum"),
            self._hyper("learning_rate", self._learning_rate, var.dtype), grad,
            self._hyper("momentum", self._momentum, var.dtype),
            use_locking=self._use_locking, use_nesterov=self._use_nesterov)


class AdamOptimizer(Optimizer):
    """Adam (Kingma & Ba, 2014) in the "epsilon hat" form TensorFlow uses.

    With t the step number (from 1): `lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t)`,
    `m = beta1 * m + (1 - beta1) * g`, `v = beta2 * v + (1 - beta2) * g^2`,
    `var -= lr_t * m / (sqrt(v) + epsilon)`. Slots "m" and "v" (`w/Adam`, `w/Adam_1`); the
    powers beta1^t and beta2^t are the non-slot variables `beta1_power`, `beta2_power`,
    multiplied by beta1 and beta2 after each step.

    Args:
        learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-08: floats or tensors.
        name: prefix of the created ops and slots (default "Adam").
    Example:
        >>> train_op = tenseur.train.AdamOptimizer(1e-4).minimize(cross_entropy)
    """

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-08,
                 use_locking=False, name="Adam"):
        super().__init__(use_locking, name)
        self._lr = learning_rate
        self._beta1 = beta1
        self._beta2 = beta2
        self._epsilon = epsilon

    def _get_beta_accumulators(self):
        graph = get_default_graph()
        return (self._get_non_slot_variable("beta1_power", graph=graph),
                self._get_non_slot_variable("beta2_power", graph=graph))

    def _create_slots(self, var_list):
        first_var = min(var_list, key=lambda v: v.name)
        # TF makes the powers float32 whatever the variables; the first variable's dtype keeps
        # float64 models exact.
        dtype = first_var.dtype.as_numpy_dtype
        for name, beta in (("beta1_power", self._beta1), ("beta2_power", self._beta2)):
            initial_value = np.asarray(beta, dtype) if _is_number(beta) else beta
            self._create_non_slot_variable(initial_value, name, colocate_with=first_var)
        for v in var_list:
            self._zeros_slot(v, "m", self._name)
            self._zeros_slot(v, "v", self._name)

    def _apply_dense(self, grad, var):
        beta1_power, beta2_power = self._get_beta_accumulators()
        dtype = var.dtype
        return training_ops.apply_adam(
            var, self._slot(var, "m"), self._slot(var, "v"),
            self._hyper("beta1_power", beta1_power, dtype),
            self._hyper("beta2_power", beta2_power, dtype),
            self._hyper("learning_rate", self._lr, dtype),
            self._hyper("beta1", self._beta1, dtype), self._hyper("beta2", self._beta2, dtype),
            self._hyper("epsilon", self._epsilon, dtype), grad, use_locking=self._use_locking)

    def _finish(self, update_ops, name_scope):
        graph = get_default_graph()
        with graph.control_dependencies(update_ops):
            beta1_power, beta2_power = self._get_beta_accumulators()
            update_beta1 = beta1_power.assign(
                beta1_power * self._hyper("beta1", self._beta1, beta1_power.dtype))
            update_beta2 = beta2_power.assign(
                beta2_power * self._hyper("beta2", self._beta2, beta2_power.dtype))
        return array_ops.group(*update_ops, update_beta1, update_beta2, name=name_scope)


class RMSPropOptimizer(Optimizer):
    """RMSProp (Tieleman & Hinton, 2012), with optional momentum and centering.

    `ms = decay * ms + (1 - decay) * g^2; mom = momentum * mom + lr * g / sqrt(ms + epsilon);
    var -= mom`. Centered: `mg = decay * mg + (1 - decay) * g` and the root is taken of
    `ms - mg^2 + epsilon`. Slots: "rms" (starts at ONES, as TF), "mg" if centered, then
    "momentum" (`w/RMSProp`, `w/RMSProp_1`[, `w/RMSProp_2`]).

    Args:
        learning_rate, decay=0.9, momentum=0.0, epsilon=1e-10: floats or tensors.
        centered: normalise by the centered second moment (estimated variance).
        name: prefix of the created ops and slots (default "RMSProp").
    Example:
        >>> train_op = tenseur.train.RMSPropOptimizer(0.001, decay=0.9).minimize(loss)
    """

    def __init__(self, learning_rate, decay=0.9, momentum=0.0, epsilon=1e-10, use_locking=False,
                 centered=False, name="RMSProp"):
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._decay = decay
        self._momentum = momentum
        self._epsilon = epsilon
        self._centered = centered

    def _create_slots(self, var_list):
        for v in var_list:
            self._filled_slot(v, 1.0, "rms", self._name)
            if self._centered:
                self._zeros_slot(v, "mg", self._name)
            self._zeros_slot(v, "momentum", self._name)

    def _apply_dense(self, grad, var):
        dtype = var.dtype
        hypers = (self._hyper("learning_rate", self._learning_rate, dtype),
                  self._hyper("decay", self._decay, dtype),
                  self._hyper("momentum", self._momentum, dtype),
                  self._hyper("epsilon", self._epsilon, dtype))
        rms, mom = self._slot(var, "rms"), self._slot(var, "momentum")
        if self._centered:
            return training_ops.apply_centered_rms_prop(
                var, self._slot(var, "mg"), rms, mom, *hypers, grad,
                use_locking=self._use_locking)
        return training_ops.apply_rms_prop(var, rms, mom, *hypers, grad,
                                           use_locking=self._use_locking)


class AdagradOptimizer(Optimizer):
    """Adagrad (Duchi et al., 2011): `accum += g^2; var -= lr * g / sqrt(accum)`.

    Args:
        learning_rate: a float or tensor.
        initial_accumulator_value: the start value of the "accumulator" slot (must be > 0).
        name: prefix of the created ops and slots (default "Adagrad").
    Raises:
        ValueError: `initial_accumulator_value` is not positive.
    Example:
        >>> train_op = tenseur.train.AdagradOptimizer(0.1).minimize(loss)
    """

    def __init__(self, learning_rate, initial_accumulator_value=0.1, use_locking=False,
                 name="Adagrad"):
        if _is_number(initial_accumulator_value) and initial_accumulator_value <= 0.0:
            raise ValueError(f"initial_accumulator_value must be positive: "
                             f"{initial_accumulator_value}")
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._initial_accumulator_value = initial_accumulator_value

    def _create_slots(self, var_list):
        for v in var_list:
            self._filled_slot(v, self._initial_accumulator_value, "accumulator", self._name)

    def _apply_dense(self, grad, var):
        return training_ops.apply_adagrad(
            var, self._slot(var, "accumulator"),
            self._hyper("learning_rate", self._learning_rate, var.dtype), grad,
            use_locking=self._use_locking)


class AdadeltaOptimizer(Optimizer):
    """Adadelta (Zeiler, 2012), as TF 1.x (which keeps a learning rate, default 0.001).

    `accum = rho * accum + (1 - rho) * g^2`,
    `update = sqrt(accum_update + epsilon) / sqrt(accum + epsilon) * g`,
    `accum_update = rho * accum_update + (1 - rho) * update^2`, `var -= lr * update`.
    Slots "accum", "accum_update" (`w/Adadelta`, `w/Adadelta_1`).

    Args:
        learning_rate=0.001, rho=0.95, epsilon=1e-08: floats or tensors.
        name: prefix of the created ops and slots (default "Adadelta").
    Example:
        >>> train_op = tenseur.train.AdadeltaOptimizer(1.0).minimize(loss)
    """

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-8, use_locking=False,
                 name="Adadelta"):
        super().__init__(use_locking, name)
        self._lr = learning_rate
        self._rho = rho
        self._epsilon = epsilon

    def _create_slots(self, var_list):
        for v in var_list:
            self._zeros_slot(v, "accum", self._name)
            self._zeros_slot(v, "accum_update", self._name)

    def _apply_dense(self, grad, var):
        dtype = var.dtype
        return training_ops.apply_adadelta(
            var, self._slot(var, "accum"), self._slot(var, "accum_update"),
            self._hyper("lr", self._lr, dtype), self._hyper("rho", self._rho, dtype),
            self._hyper("epsilon", self._epsilon, dtype), grad, use_locking=self._use_locking)


class FtrlOptimizer(Optimizer):
    """FTRL-proximal (McMahan et al., 2013, "Ad Click Prediction"), as TF's `ApplyFtrl`.

    Keeps per coordinate `accum` (sum of g^2, starting at `initial_accumulator_value`) and
    `linear`; the new weight is the closed-form proximal step with L1 and L2 penalties:
    zero where |linear| <= l1. `learning_rate_power` -0.5 gives the paper's 1/sqrt(n) rates.

    Args:
        learning_rate: a float or tensor.
        learning_rate_power: <= 0 (default -0.5).
        initial_accumulator_value: >= 0 (default 0.1).
        l1_regularization_strength, l2_regularization_strength: >= 0 (default 0).
        accum_name, linear_name: slot variable suffixes (default: name, then name + "_1").
        l2_shrinkage_regularization_strength: >= 0; when positive, an L2 penalty added to the
            loss's gradient in the linear term (TF's `ApplyFtrlV2`).
        name: prefix of the created ops and slots (default "Ftrl").
    Raises:
        ValueError: a strength, the accumulator start or the power is out of range.
    Example:
        >>> optimizer = tenseur.train.FtrlOptimizer(0.1, l1_regularization_strength=0.01)
        >>> train_op = optimizer.minimize(loss)
    """

    def __init__(self, learning_rate, learning_rate_power=-0.5, initial_accumulator_value=0.1,
                 l1_regularization_strength=0.0, l2_regularization_strength=0.0,
                 use_locking=False, name="Ftrl", accum_name=None, linear_name=None,
                 l2_shrinkage_regularization_strength=0.0):
        super().__init__(use_locking, name)
        _check_range("initial_accumulator_value", initial_accumulator_value, "positive or zero")
        if _is_number(learning_rate_power) and learning_rate_power > 0.0:
            raise ValueError(f"learning_rate_power {learning_rate_power} needs to be negative "
                             f"or zero")
        _check_range("l1_regularization_strength", l1_regularization_strength, "positive or zero")
        _check_range("l2_regularization_strength", l2_regularization_strength, "positive or zero")
        _check_range("l2_shrinkage_regularization_strength",
                     l2_shrinkage_regularization_strength, "positive or zero")
        self._learning_rate = learning_rate
        self._learning_rate_power = learning_rate_power
        self._initial_accumulator_value = initial_accumulator_value
        self._l1_regularization_strength = l1_regularization_strength
        self._l2_regularization_strength = l2_regularization_strength
        self._l2_shrinkage_regularization_strength = l2_shrinkage_regularization_strength
        self._accum_name = accum_name
        self._linear_name = linear_name

    def _create_slots(self, var_list):
        for v in var_list:
            self._filled_slot(v, self._initial_accumulator_value, "accum",
                              self._accum_name or self._name)
            self._zeros_slot(v, "linear", self._linear_name or self._name)

    def _apply_dense(self, grad, var):
        dtype = var.dtype
        accum, linear = self._slot(var, "accum"), self._slot(var, "linear")
        lr = self._hyper("learning_rate", self._learning_rate, dtype)
        l1 = self._hyper("l1_regularization_strength", self._l1_regularization_strength, dtype)
        l2 = self._hyper("l2_regularization_strength", self._l2_regularization_strength, dtype)
        power = self._hyper("learning_rate_power", self._learning_rate_power, dtype)
        shrinkage = self._l2_shrinkage_regularization_strength
        if _is_number(shrinkage) and shrinkage <= 0.0:
            return training_ops.apply_ftrl(var, accum, linear, grad, lr, l1, l2, power,
                                           use_locking=self._use_locking)
        return training_ops.apply_ftrl_v2(
            var, accum, linear, grad, lr, l1, l2,
            self._hyper("l2_shrinkage_regularization_strength", shrinkage, dtype), power,
            use_locking=self._use_locking)


def _is_number(value) -> bool:
    return isinstance(value, numbers.Real)


def _check_range(name, value, wanted):
    """Raises TF's ValueError when a Python-number argument is negative (tensors pass)."""
    if _is_number(value) and value < 0.0:
        raise ValueError(f"{name} {value} needs to be {wanted}")
