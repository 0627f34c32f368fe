"""Learning-rate schedules (`keras.optimizers.schedules`): the learning rate as a function of
the optimizer's step count, evaluated in the training graph on `optimizer.iterations`.

Called with a tenseur Tensor or Variable (the step), a schedule builds the graph ops; called
with a Python number, it returns a Python float (what `optimizer.learning_rate` reports).

Example:
    >>> schedule = keras.optimizers.schedules.ExponentialDecay(
    ...     0.1, decay_steps=1000, decay_rate=0.96, staircase=True)
    >>> optimizer = keras.optimizers.SGD(learning_rate=schedule)
    >>> schedule(2000)
    0.0921...
"""
from __future__ import annotations

import math

import tenseur as tf


class _NumPyMath:
    """The few functions the schedules use, on Python numbers."""

    @staticmethod
    def step(value):
        return float(value)

    floor = staticmethod(math.floor)
    cos = staticmethod(math.cos)
    log = staticmethod(math.log)
    pow = staticmethod(math.pow)
    minimum = staticmethod(min)
    maximum = staticmethod(max)

    @staticmethod
    def where(condition, x, y):
        return x if condition else y

    @staticmethod
    def less_equal(x, y):
        return x <= y

    @staticmethod
    def less(x, y):
        return x < y


class _GraphMath:
    """The same functions as graph ops (float32 scalars)."""

    @staticmethod
    def step(value):
        value = value._as_tensor() if hasattr(value, "_as_tensor") else value
        return tf.cast(value, tf.float32)

    floor = staticmethod(tf.floor)
    cos = staticmethod(tf.cos)
    log = staticmethod(tf.log)
    pow = staticmethod(tf.pow)
    minimum = staticmethod(tf.minimum)
    maximum = staticmethod(tf.maximum)
    less_equal = staticmethod(tf.less_equal)
    less = staticmethod(tf.less)

    @staticmethod
    def where(condition, x, y):
        return tf.where(condition, tf.cast(x, tf.float32) if isinstance(x, tf.Tensor)
                        else tf.constant(x, tf.float32),
                        tf.cast(y, tf.float32) if isinstance(y, tf.Tensor)
                        else tf.constant(y, tf.float32))


def _math_for(step):
    if isinstance(step, (tf.Tensor, tf.Variable)) or hasattr(step, "_as_tensor"):
        return _GraphMath
    return _NumPyMath


class LearningRateSchedule:
    """Base class: `__call__(step)` returns the learning rate at `step` (0-based)."""

    def __call__(self, step):
        m = _math_for(step)
        value = self._compute(m.step(step), m)
        return value if m is _GraphMath else float(value)

    def _compute(self, step, m):
        raise NotImplementedError(f"{type(self).__name__} must implement _compute(step, m).")

    def get_config(self) -> dict:
        raise NotImplementedError

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class ExponentialDecay(LearningRateSchedule):
    """`initial_learning_rate * decay_rate ** (step / decay_steps)` (floored with `staircase`)."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="ExponentialDecay"):
        if decay_steps <= 0:
            raise ValueError(f"ExponentialDecay: decay_steps must be > 0, got {decay_steps}.")
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps, self.decay_rate = decay_steps, decay_rate
        self.staircase, self.name = staircase, name

    def _compute(self, step, m):
        exponent = step / float(self.decay_steps)
        if self.staircase:
            exponent = m.floor(exponent)
        return self.initial_learning_rate * m.pow(float(self.decay_rate), exponent)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class InverseTimeDecay(LearningRateSchedule):
    """`initial_learning_rate / (1 + decay_rate * step / decay_steps)`."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="InverseTimeDecay"):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps, self.decay_rate = decay_steps, decay_rate
        self.staircase, self.name = staircase, name

    def _compute(self, step, m):
        ratio = step / float(self.decay_steps)
        if self.staircase:
            ratio = m.floor(ratio)
        return self.initial_learning_rate / (1.0 + self.decay_rate * ratio)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class PiecewiseConstantDecay(LearningRateSchedule):
    """`values[0]` while step <= boundaries[0], `values[1]` while step <= boundaries[1], ...,
    `values[-1]` after the last boundary."""

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        if len(values) != len(boundaries) + 1:
            raise ValueError(f"PiecewiseConstantDecay: values must have one more element than "
                             f"boundaries, got {len(values)} values for {len(boundaries)} "
                             f"boundaries.")
        self.boundaries, self.values, self.name = list(boundaries), list(values), name

    def _compute(self, step, m):
        value = self.values[-1]
        for boundary, below in reversed(list(zip(self.boundaries, self.values[:-1]))):
            value = m.where(m.less_equal(step, float(boundary)), below, value)
        return value

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """From `initial_learning_rate` to `end_learning_rate` in `decay_steps` along
    `(1 - step / decay_steps) ** power` (step capped at decay_steps; `cycle` restarts)."""

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0,
                 cycle=False, name="PolynomialDecay"):
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.end_learning_rate, self.power = end_learning_rate, power
        self.cycle, self.name = cycle, name

    def _compute(self, step, m):
        decay_steps = float(self.decay_steps)
        if self.cycle:
            ceil = math.ceil if m is _NumPyMath else tf.ceil
            multiplier = m.maximum(ceil(step / decay_steps), 1.0)
            decay_steps = decay_steps * multiplier
        else:
            step = m.minimum(step, decay_steps)
        fraction = 1.0 - step / decay_steps
        span = self.initial_learning_rate - self.end_learning_rate
        return span * m.pow(fraction, float(self.power)) + self.end_learning_rate

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "end_learning_rate": self.end_learning_rate,
                "power": self.power, "cycle": self.cycle, "name": self.name}


class CosineDecay(LearningRateSchedule):
    """Cosine decay (Loshchilov & Hutter, SGDR 2017), with an optional linear warmup.

    Without warmup: `initial_learning_rate * ((1 - alpha) * 0.5 * (1 + cos(pi * t)) + alpha)`
    with `t = min(step, decay_steps) / decay_steps`. With `warmup_steps` and `warmup_target`,
    the rate first rises linearly from `initial_learning_rate` to `warmup_target`, then decays
    from `warmup_target` over the next `decay_steps` steps.
    """

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay",
                 warmup_target=None, warmup_steps=0):
        if decay_steps <= 0:
            raise ValueError(f"CosineDecay: decay_steps must be > 0, got {decay_steps}.")
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.alpha, self.name = alpha, name
        self.warmup_target, self.warmup_steps = warmup_target, warmup_steps

    def _decayed(self, step, m, start):
        step = m.minimum(step, float(self.decay_steps))
        cosine = 0.5 * (1.0 + m.cos(math.pi * step / float(self.decay_steps)))
        return start * ((1.0 - self.alpha) * cosine + self.alpha)

    def _compute(self, step, m):
        if self.warmup_target is None or not self.warmup_steps:
            return self._decayed(step, m, self.initial_learning_rate)
        warmup = float(self.warmup_steps)
        rising = self.initial_learning_rate + (
            self.warmup_target - self.initial_learning_rate) * (step / warmup)
        decayed = self._decayed(m.maximum(step - warmup, 0.0), m, self.warmup_target)
        return m.where(m.less(step, warmup), rising, decayed)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "alpha": self.alpha, "name": self.name,
                "warmup_target": self.warmup_target, "warmup_steps": self.warmup_steps}


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR, Loshchilov & Hutter 2017): a cosine decay over
    `first_decay_steps`, then again from the start over periods `t_mul` times longer, each
    starting `m_mul` times lower; `alpha` the floor as a fraction of the rate."""

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0,
                 alpha=0.0, name="SGDRDecay"):
        if first_decay_steps <= 0:
            raise ValueError(f"CosineDecayRestarts: first_decay_steps must be > 0, got "
                             f"{first_decay_steps}.")
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self.t_mul, self.m_mul, self.alpha, self.name = t_mul, m_mul, alpha, name

    def _compute(self, step, m):
        fraction = step / float(self.first_decay_steps)
        if self.t_mul == 1.0:
            restart = m.floor(fraction)
            fraction = fraction - restart
        else:
            restart = m.floor(m.log(1.0 - fraction * (1.0 - self.t_mul)) / math.log(self.t_mul))
            done = (1.0 - m.pow(self.t_mul, restart)) / (1.0 - self.t_mul)
            fraction = (fraction - done) / m.pow(self.t_mul, restart)
        cosine = 0.5 * m.pow(self.m_mul, restart) * (1.0 + m.cos(math.pi * fraction))
        return self.initial_learning_rate * ((1.0 - self.alpha) * cosine + self.alpha)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "first_decay_steps": self.first_decay_steps, "t_mul": self.t_mul,
                "m_mul": self.m_mul, "alpha": self.alpha, "name": self.name}


_CLASSES = {cls.__name__: cls for cls in (ExponentialDecay, InverseTimeDecay,
                                          PiecewiseConstantDecay, PolynomialDecay, CosineDecay,
                                          CosineDecayRestarts)}


def serialize(schedule) -> dict:
    return {"module": "keras.optimizers.schedules", "class_name": type(schedule).__name__,
            "config": schedule.get_config(), "registered_name": None}


def deserialize(config, custom_objects=None):
    name = config.get("class_name")
    cls = (custom_objects or {}).get(name) or _CLASSES.get(name)
    if cls is None:
        raise ValueError(f"Unknown learning rate schedule: {name!r}.")
    return cls.from_config(dict(config.get("config", {})))


__all__ = [
    "CosineDecay",
    "CosineDecayRestarts",
    "ExponentialDecay",
    "InverseTimeDecay",
    "LearningRateSchedule",
    "PiecewiseConstantDecay",
    "PolynomialDecay",
    "deserialize",
    "serialize",
]
