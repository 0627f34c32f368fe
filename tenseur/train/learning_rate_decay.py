"""Learning-rate schedules of the global step (TF 1.x `tf.train.*_decay`), built from ops.

Each returns a scalar tensor to pass as an optimizer's learning rate; it is recomputed from
the current global step every time the training op runs. The step is cast to the learning
rate's dtype (float32 for a Python float) before dividing.
"""
from __future__ import annotations

import math

from ..framework import dtypes
from ..framework.graph import name_scope
from ..ops import array_ops, math_ops
from ..ops.registry import convert_to_tensor

__all__ = ["exponential_decay", "piecewise_constant", "inverse_time_decay", "polynomial_decay",
           "natural_exp_decay", "cosine_decay"]


def _step_and_rate(learning_rate, global_step, schedule):
    if global_step is None:
        raise ValueError(f"global_step is required for {schedule}.")
    learning_rate = convert_to_tensor(learning_rate, name="learning_rate",
                                      preferred_dtype=dtypes.float32)
    if not learning_rate.dtype.is_floating:
        learning_rate = math_ops.cast(learning_rate, dtypes.float32)
    return learning_rate, math_ops.cast(convert_to_tensor(global_step), learning_rate.dtype)


def _decay_progress(step, decay_steps, staircase, dtype):
    """`step / decay_steps`, floored when `staircase`."""
    progress = step / math_ops.cast(convert_to_tensor(decay_steps), dtype)
    return math_ops.floor(progress) if staircase else progress


def exponential_decay(learning_rate, global_step, decay_steps, decay_rate, staircase=False,
                      name=None):
    """`learning_rate * decay_rate ^ (global_step / decay_steps)` (exponent floored when
    `staircase`).

    Raises:
        ValueError: `global_step` is None.
    Example:
        >>> lr = tenseur.train.exponential_decay(0.1, gs, 100000, 0.96, staircase=True)
    """
    with name_scope(name, "ExponentialDecay") as scope:
        lr, step = _step_and_rate(learning_rate, global_step, "exponential_decay")
        progress = _decay_progress(step, decay_steps, staircase, lr.dtype)
        rate = math_ops.cast(convert_to_tensor(decay_rate), lr.dtype)
        return math_ops.multiply(lr, math_ops.pow(rate, progress), name=scope)


def natural_exp_decay(learning_rate, global_step, decay_steps, decay_rate, staircase=False,
                      name=None):
    """`learning_rate * exp(-decay_rate * global_step / decay_steps)` (floored when staircase)."""
    with name_scope(name, "NaturalExpDecay") as scope:
        lr, step = _step_and_rate(learning_rate, global_step, "natural_exp_decay")
        progress = _decay_progress(step, decay_steps, staircase, lr.dtype)
        rate = math_ops.cast(convert_to_tensor(decay_rate), lr.dtype)
        return math_ops.multiply(lr, math_ops.exp(math_ops.negative(rate * progress)),
                                 name=scope)


def inverse_time_decay(learning_rate, global_step, decay_steps, decay_rate, staircase=False,
                       name=None):
    """`learning_rate / (1 + decay_rate * global_step / decay_steps)` (floored when staircase)."""
    with name_scope(name, "InverseTimeDecay") as scope:
        lr, step = _step_and_rate(learning_rate, global_step, "inverse_time_decay")
        progress = _decay_progress(step, decay_steps, staircase, lr.dtype)
        rate = math_ops.cast(convert_to_tensor(decay_rate), lr.dtype)
        return math_ops.truediv(lr, 1.0 + rate * progress, name=scope)


def polynomial_decay(learning_rate, global_step, decay_steps, end_learning_rate=0.0001,
                     power=1.0, cycle=False, name=None):
    """From `learning_rate` to `end_learning_rate` over `decay_steps` steps:
    `(lr - end) * (1 - min(step, decay_steps) / decay_steps) ^ power + end`.

    With `cycle`, `decay_steps` grows to the next multiple of itself past the step (restarts).
    """
    with name_scope(name, "PolynomialDecay") as scope:
        lr, step = _step_and_rate(learning_rate, global_step, "polynomial_decay")
        dtype = lr.dtype
        end = math_ops.cast(convert_to_tensor(end_learning_rate), dtype)
        power = math_ops.cast(convert_to_tensor(power), dtype)
        steps = math_ops.cast(convert_to_tensor(decay_steps), dtype)
        if cycle:
            # TF: the multiplier is 1 at step 0 (ceil(0) would make it 0).
            multiplier = math_ops.where_(math_ops.equal(step, 0.0), array_ops.ones_like(step),
                                         math_ops.ceil(step / steps))
            steps = steps * multiplier
        else:
            step = math_ops.minimum(step, steps)
        fraction = 1.0 - step / steps
        return math_ops.add((lr - end) * math_ops.pow(fraction, power), end, name=scope)


def cosine_decay(learning_rate, global_step, decay_steps, alpha=0.0, name=None):
    """Cosine annealing (Loshchilov & Hutter, 2016) without restarts:
    `lr * ((1 - alpha) * 0.5 * (1 + cos(pi * min(step, decay_steps) / decay_steps)) + alpha)`.
    """
    with name_scope(name, "CosineDecay") as scope:
        lr, step = _step_and_rate(learning_rate, global_step, "cosine_decay")
        steps = math_ops.cast(convert_to_tensor(decay_steps), lr.dtype)
        fraction = math_ops.minimum(step, steps) / steps
        cosine = 0.5 * (1.0 + math_ops.cos(math.pi * fraction))
        return math_ops.multiply(lr, (1.0 - alpha) * cosine + alpha, name=scope)


def piecewise_constant(x, boundaries, values, name=None):
    """`values[0]` while `x <= boundaries[0]`, `values[i]` while
    `boundaries[i-1] < x <= boundaries[i]`, and `values[-1]` past the last boundary.

    Args:
        x: a scalar tensor (typically the global step).
        boundaries: increasing numbers or scalar tensors, compared with `x` in its dtype.
        values: one more value than boundaries, all of one dtype.
    Raises:
        ValueError: `len(values) != len(boundaries) + 1`, or values of different dtypes.
    Example:
        >>> lr = tenseur.train.piecewise_constant(gs, [100000, 110000], [1.0, 0.5, 0.1])
    """
    if len(values) != len(boundaries) + 1:
        raise ValueError(f"The length of boundaries should be 1 less than the length of "
                         f"values, got {len(boundaries)} boundaries and {len(values)} values.")
    with name_scope(name, "PiecewiseConstant") as scope:
        x = convert_to_tensor(x)
        value_tensors = [convert_to_tensor(v, preferred_dtype=dtypes.float32) for v in values]
        dtype = value_tensors[0].dtype
        if any(v.dtype != dtype for v in value_tensors):
            raise ValueError(f"piecewise_constant: values must all have the same dtype, got "
                             f"{[v.dtype.name for v in value_tensors]}.")
        # Innermost is the last interval; each earlier boundary takes precedence below it.
        result = value_tensors[-1]
        for i in reversed(range(len(boundaries))):
            bound = math_ops.cast(convert_to_tensor(boundaries[i]), x.dtype)
            name_i = scope if i == 0 else None
            result = math_ops.where_(math_ops.less_equal(x, bound), value_tensors[i], result,
                                     name=name_i or "Select")
        if not boundaries:
            result = array_ops.identity(result, name=scope)
        return result
