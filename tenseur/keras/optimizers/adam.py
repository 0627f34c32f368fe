"""The Adam family: `Adam`, `AdamW`, `Adamax`, `Nadam` (Keras 3's update rules)."""
from __future__ import annotations

import tenseur as tf

from .optimizer import FusedRule, Optimizer


class Adam(FusedRule):
    """Adam (Kingma & Ba, 2014), with `epsilon` added to `sqrt(v)` ("epsilon hat").

    With t = iterations + 1: `m += (1 - beta_1) * (g - m)`, `v += (1 - beta_2) * (g^2 - v)`,
    `w -= lr * sqrt(1 - beta_2^t) / (1 - beta_1^t) * m / (sqrt(v) + epsilon)`: the rule of
    TF 1.x's `AdamOptimizer`, whose fused op runs it (with Keras' default epsilon, 1e-7).
    `amsgrad=True` (Reddi et al., 2018) divides by the running maximum of `v` instead.

    Args:
        learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False, plus the
        base `Optimizer` arguments.
    Example:
        >>> model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse")
    """

    _tf_class = tf.train.AdamOptimizer
    _tf_slot_names = ("m", "v")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, name="adam", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon
        self.amsgrad = bool(amsgrad)

    def _make_tf_optimizer(self, cls, learning_rate):
        return cls(learning_rate, beta1=self.beta_1, beta2=self.beta_2, epsilon=self.epsilon,
                   name=self.name)

    def _update(self, grads, variables, lr):
        if not self.amsgrad:
            return super()._update(grads, variables, lr)
        return Optimizer._update(self, grads, variables, lr)

    def _create_slots(self, var_list):
        if not self.amsgrad:
            return super()._create_slots(var_list)
        for name in ("momentum", "velocity", "velocity_hat"):
            for var in var_list:
                self.add_slot(var, name)

    def update_step(self, gradient, variable, learning_rate):
        dtype = variable.dtype
        step = self._local_step(dtype)
        alpha = learning_rate * tf.sqrt(1.0 - tf.pow(tf.cast(self.beta_2, dtype), step)) \
            / (1.0 - tf.pow(tf.cast(self.beta_1, dtype), step))
        m = self.get_slot(variable, "momentum")
        v = self.get_slot(variable, "velocity")
        v_hat = self.get_slot(variable, "velocity_hat")
        new_m = m.assign_add((gradient - m) * (1.0 - self.beta_1))
        new_v = v.assign_add((tf.square(gradient) - v) * (1.0 - self.beta_2))
        new_v_hat = v_hat.assign(tf.maximum(v_hat, new_v))
        return variable.assign_sub(new_m * alpha / (tf.sqrt(new_v_hat) + self.epsilon))

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon, "amsgrad": self.amsgrad}


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019): each step first does
    `w -= learning_rate * weight_decay * w`, then Adam's update.

    Args:
        learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
        amsgrad=False, plus the base `Optimizer` arguments.
    """

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-7, amsgrad=False, name="adamw", **kwargs):
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2,
                         epsilon=epsilon, amsgrad=amsgrad, name=name, weight_decay=weight_decay,
                         **kwargs)
        if self.weight_decay is None:
            raise ValueError("Argument `weight_decay` must be a float. Received: "
                             "weight_decay=None")


class Adamax(Optimizer):
    """Adamax, Adam with the infinity norm (Kingma & Ba, 2014, section 7.1).

    `m += (1 - beta_1) * (g - m)`, `u = max(beta_2 * u, |g|)`,
    `w -= lr * m / ((1 - beta_1^t) * (u + epsilon))`.

    Args: learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7.
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 name="adamax", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon

    def _create_slots(self, var_list):
        for name in ("momentum", "norm"):
            for var in var_list:
                self.add_slot(var, name)

    def update_step(self, gradient, variable, learning_rate):
        dtype = variable.dtype
        beta_1_power = tf.pow(tf.cast(self.beta_1, dtype), self._local_step(dtype))
        m = self.get_slot(variable, "momentum")
        u = self.get_slot(variable, "norm")
        new_m = m.assign_add((gradient - m) * (1.0 - self.beta_1))
        new_u = u.assign(tf.maximum(u * self.beta_2, tf.abs(gradient)))
        return variable.assign_sub(learning_rate * new_m
                                   / ((1.0 - beta_1_power) * (new_u + self.epsilon)))

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}


class Nadam(Optimizer):
    """Nadam: Adam with Nesterov momentum (Dozat, 2015), with Keras' momentum schedule
    `u_t = beta_1 * (1 - 0.5 * 0.96^t)` and its running product.

    Args: learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7.
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 name="nadam", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon
        self._u_product = None

    def _create_slots(self, var_list):
        if self._u_product is None:
            dtype = var_list[0].dtype
            self._u_product = self._add_variable(1.0, "u_product", dtype)
        for name in ("momentum", "velocity"):
            for var in var_list:
                self.add_slot(var, name)

    def _prepare_step(self, lr):
        super()._prepare_step(lr)
        dtype = self._u_product.dtype
        step = self._local_step(dtype)
        u_t = self.beta_1 * (1.0 - 0.5 * tf.pow(tf.constant(0.96, dtype), step))
        u_t_1 = self.beta_1 * (1.0 - 0.5 * tf.pow(tf.constant(0.96, dtype), step + 1.0))
        # Keras updates the product once per step, before the variables.
        u_product = self._u_product.assign(self._u_product * u_t)
        self._step_cache["nadam"] = (u_t, u_t_1, u_product, u_product * u_t_1)

    def update_step(self, gradient, variable, learning_rate):
        dtype = variable.dtype
        u_t, u_t_1, u_product_t, u_product_t_1 = (
            self._cast(x, dtype) for x in self._step_cache["nadam"])
        beta_2_power = tf.pow(tf.cast(self.beta_2, dtype), self._local_step(dtype))
        m = self.get_slot(variable, "momentum")
        v = self.get_slot(variable, "velocity")
        new_m = m.assign_add((gradient - m) * (1.0 - self.beta_1))
        new_v = v.assign_add((tf.square(gradient) - v) * (1.0 - self.beta_2))
        m_hat = u_t_1 * new_m / (1.0 - u_product_t_1) + (1.0 - u_t) * gradient / (1.0 - u_product_t)
        v_hat = new_v / (1.0 - beta_2_power)
        return variable.assign_sub(m_hat * learning_rate / (tf.sqrt(v_hat) + self.epsilon))

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}
