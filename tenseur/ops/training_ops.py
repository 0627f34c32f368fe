"""Fused optimizer updates: one stateful op per variable and training step (TF 1.x `Apply*`).

Each op takes the gradient and the optimizer's hyper-parameters (scalar tensors) as inputs,
and names the variable and its slot variables in attributes (`var_name`, `slot_names`). Its
kernel reads their current values from the session (`ctx.read_variable`), computes the new
values with the formulas of TensorFlow's `training_ops.cc`, and stores them with
`ctx.write_variable`; the output is the variable's new value.

These kernels run once per variable in every training step, so they are kept lean: the
scalars are turned into Python floats once per call (array-by-float products keep the
variable's dtype), each new value is built in one freshly allocated array updated in place,
and that array is handed to the session already frozen, so `write_variable` stores it without
its defensive copy. These kernels' updates are functional: they never mutate a stored array.
(The compiler's product_updates pass, compiler/updates.py, and the zero-column rows update do,
for SGD, and only when nothing but the session holds the array.)
"""
from __future__ import annotations

import functools
import math

import numpy as np

from ..framework.errors import DTypeError, ShapeError
from ..framework.tensor import TensorSpec
from .registry import NOT_DIFFERENTIABLE, OpDef, apply_op, register_op

__all__ = ["apply_gradient_descent", "apply_momentum", "apply_adam", "apply_rms_prop",
           "apply_centered_rms_prop", "apply_adagrad", "apply_adadelta", "apply_ftrl",
           "apply_ftrl_v2"]


class _ApplyOp(OpDef):
    """Shared part of the fused updates: inference, and reading/writing the session state.

    A subclass lists its inputs (the gradient first, then scalar hyper-parameters), the number
    of slot variables it keeps, and `update(xp, grad, *hypers, var, *slots, **extra_attrs)`
    returning the new values `(var, *slots)` as fresh arrays; `hypers` arrive as Python floats.
    """

    attrs = {"var_name": None, "slot_names": (), "var_shape": None, "var_dtype": None,
             "use_locking": False}
    stateful = True
    gradient = NOT_DIFFERENTIABLE
    num_slots = 0

    def infer(self, grad, *hypers, var_name, slot_names, var_shape, var_dtype, **unused):
        if len(slot_names) != self.num_slots:
            raise ValueError(f"needs {self.num_slots} slot variables, got "
                             f"slot_names={tuple(slot_names)!r}.")
        if not var_dtype.is_floating:
            raise DTypeError(f"variable {var_name} must be floating-point to be trained, got "
                             f"{var_dtype.name}.")
        if grad.dtype != var_dtype:
            raise DTypeError(f"the gradient ({grad.dtype.name}) must have the dtype of "
                             f"variable {var_name} ({var_dtype.name}).")
        if not grad.shape.is_compatible_with(var_shape):
            raise ShapeError(f"the gradient of shape {grad.shape} does not match variable "
                             f"{var_name} of shape {var_shape}.")
        for input_name, spec in zip(self.inputs[1:], hypers):
            if spec.shape.ndims != 0:
                raise ShapeError(f"{input_name} must be a scalar, got shape {spec.shape}.")
            if spec.dtype != var_dtype:
                raise DTypeError(f"{input_name} ({spec.dtype.name}) must have the dtype of "
                                 f"variable {var_name} ({var_dtype.name}).")
        return TensorSpec(var_shape, var_dtype)

    def bind(self, op, xp, ctx):
        names = (op.attrs["var_name"], *op.attrs["slot_names"])
        extra = {k: v for k, v in op.attrs.items() if k not in _ApplyOp.attrs}
        update = functools.partial(self.update, xp, **extra)
        dtype = np.dtype(op.attrs["var_dtype"].as_numpy_dtype)
        ndarray = xp.ndarray
        freeze = xp is np           # other backends' arrays have no writeable flag
        read, write = ctx.read_variable, ctx.write_variable

        def run(grad, *hypers):
            values = [read(n) for n in names]
            scalar = grad.ndim == 0
            if scalar:
                # NumPy turns 0-d results into immutable scalars, which in-place updates and
                # `out=` cannot take: update 1-element views instead.
                grad, values = grad.reshape(1), [v.reshape(1) for v in values]
            new_values = update(grad, *[float(h) for h in hypers], *values)
            for name, value in zip(names, new_values):
                if scalar:
                    value = value.reshape(())
                if value.__class__ is not ndarray or value.dtype != dtype:
                    # e.g. NumPy 1.x promoting float32 0-d operands of Python floats.
                    value = xp.asarray(value, dtype=dtype)
                if freeze:
                    # A fresh array the session may keep as is: write_variable copies only
                    # writable arrays (which a caller could still mutate).
                    value.flags.writeable = False
                write(name, value)
            return read(names[0])

        return run

    def update(self, xp, grad, *args, **attrs):
        raise NotImplementedError(f"{self.type}: update is not implemented")


# -- the updates ---------------------------------------------------------------------------

@register_op("ApplyGradientDescent")
class ApplyGradientDescent(_ApplyOp):
    """`var -= alpha * grad`."""

    inputs = ("grad", "alpha")

    def update(self, xp, grad, alpha, var):
        new_var = grad * alpha
        xp.subtract(var, new_var, out=new_var)
        return (new_var,)

    def bind(self, op, xp, ctx):
        # The update every SGD step runs once per variable: `update`'s two operations without
        # the slot and dtype bookkeeping of the shared path, the variable read and stored in
        # the session's dict directly (what read_variable / write_variable do, minus two calls
        # and write's checks: the new array is fresh and made read-only here), and the step
        # size kept a 0-d array of the variable's dtype (an array times a Python float is
        # ~0.5 us slower; the product is the same): 3.9 -> 1.8 us on a small variable.
        # 0-d variables, mixed dtypes and states with their own read/write take the shared path.
        shared = super().bind(op, xp, ctx)
        if xp is not np or not _plain_state(ctx):
            return shared
        name = op.attrs["var_name"]
        dtype = np.dtype(op.attrs["var_dtype"].as_numpy_dtype)
        variables, subtract = ctx.variables, np.subtract

        def run(grad, alpha):
            var = variables.get(name)
            if (var is None or var.dtype is not dtype or grad.dtype is not dtype
                    or getattr(alpha, "dtype", None) is not dtype or not grad.ndim):
                return shared(grad, alpha)      # and its errors (uninitialized variable...)
            new_var = grad * alpha
            subtract(var, new_var, out=new_var)
            new_var.flags.writeable = False
            variables[name] = new_var
            return new_var

        return run


def _plain_state(ctx) -> bool:
    """Whether `ctx` keeps its variables in `ctx.variables` as SessionState does (its
    read_variable and write_variable not overridden)."""
    from ..framework.session import SessionState
    cls = type(ctx)
    return (isinstance(ctx, SessionState) and cls.read_variable is SessionState.read_variable
            and cls.write_variable is SessionState.write_variable)


@register_op("ApplyMomentum")
class ApplyMomentum(_ApplyOp):
    """`accum = momentum * accum + grad; var -= lr * accum`.

    With `use_nesterov` (TF's form): `var -= lr * grad + lr * momentum * accum`.
    """

    inputs = ("grad", "lr", "momentum")
    attrs = {**_ApplyOp.attrs, "use_nesterov": False}
    num_slots = 1

    def update(self, xp, grad, lr, momentum, var, accum, *, use_nesterov):
        new_accum = accum * momentum
        new_accum += grad
        if use_nesterov:
            new_var = new_accum * (lr * momentum)
            new_var += grad * lr
        else:
            new_var = new_accum * lr
        xp.subtract(var, new_var, out=new_var)
        return new_var, new_accum


@register_op("ApplyAdam")
class ApplyAdam(_ApplyOp):
    """Adam (Kingma & Ba, 2014, section 2's "epsilon hat" form), as TF's kernel:

    alpha = lr * sqrt(1 - beta2_power) / (1 - beta1_power)
    m += (1 - beta1) * (grad - m);  v += (1 - beta2) * (grad^2 - v)
    var -= alpha * m / (sqrt(v) + epsilon)
    (use_nesterov: `m` in the last line becomes `beta1 * m + (1 - beta1) * grad`).
    """

    inputs = ("grad", "lr", "beta1_power", "beta2_power", "beta1", "beta2", "epsilon")
    attrs = {**_ApplyOp.attrs, "use_nesterov": False}
    num_slots = 2

    def update(self, xp, grad, lr, beta1_power, beta2_power, beta1, beta2, epsilon, var, m, v,
               *, use_nesterov):
        alpha = lr * math.sqrt(1.0 - beta2_power) / (1.0 - beta1_power)
        new_m = _moving_average(grad - m, m, beta1)
        new_v = xp.square(grad)
        new_v -= v
        new_v = _moving_average(new_v, v, beta2)
        new_var = xp.sqrt(new_v)
        new_var += epsilon
        if use_nesterov:
            numerator = grad * (1.0 - beta1)
            numerator += beta1 * new_m
            xp.divide(numerator, new_var, out=new_var)
        else:
            xp.divide(new_m, new_var, out=new_var)
        new_var *= alpha
        xp.subtract(var, new_var, out=new_var)
        return new_var, new_m, new_v


@register_op("ApplyRMSProp")
class ApplyRMSProp(_ApplyOp):
    """RMSProp (Tieleman & Hinton, 2012) with momentum, as TF's kernel (slots: ms, mom):

    ms += (1 - rho) * (grad^2 - ms)
    mom = momentum * mom + lr * grad / sqrt(ms + epsilon);  var -= mom
    """

    inputs = ("grad", "lr", "rho", "momentum", "epsilon")
    num_slots = 2

    def update(self, xp, grad, lr, rho, momentum, epsilon, var, ms, mom):
        new_ms = xp.square(grad)
        new_ms -= ms
        new_ms = _moving_average(new_ms, ms, rho)
        denom = new_ms + epsilon
        new_var, new_mom = _rms_step(xp, grad, lr, momentum, var, mom, denom)
        return new_var, new_ms, new_mom


@register_op("ApplyCenteredRMSProp")
class ApplyCenteredRMSProp(_ApplyOp):
    """RMSProp whose second moment is centered by a moving mean of the gradient (Graves, 2013)
    (slots: mg, ms, mom):

    ms += (1 - rho) * (grad^2 - ms);  mg += (1 - rho) * (grad - mg)
    mom = momentum * mom + lr * grad / sqrt(ms - mg^2 + epsilon);  var -= mom
    """

    inputs = ("grad", "lr", "rho", "momentum", "epsilon")
    num_slots = 3

    def update(self, xp, grad, lr, rho, momentum, epsilon, var, mg, ms, mom):
        new_ms = xp.square(grad)
        new_ms -= ms
        new_ms = _moving_average(new_ms, ms, rho)
        new_mg = _moving_average(grad - mg, mg, rho)
        denom = xp.square(new_mg)
        xp.subtract(new_ms, denom, out=denom)
        denom += epsilon
        new_var, new_mom = _rms_step(xp, grad, lr, momentum, var, mom, denom)
        return new_var, new_mg, new_ms, new_mom


def _moving_average(difference, average, decay):
    """`average + (1 - decay) * difference`, in place in `difference` (= new - average)."""
    difference *= 1.0 - decay
    difference += average
    return difference


def _rms_step(xp, grad, lr, momentum, var, mom, denom):
    """(new var, new mom) of RMSProp, given a fresh array `denom` (whose root divides)."""
    xp.sqrt(denom, out=denom)
    new_mom = grad * lr
    new_mom /= denom
    if momentum != 0.0:
        xp.multiply(mom, momentum, out=denom)
        new_mom += denom
    xp.subtract(var, new_mom, out=denom)
    return denom, new_mom


@register_op("ApplyAdagrad")
class ApplyAdagrad(_ApplyOp):
    """Adagrad (Duchi et al., 2011): `accum += grad^2; var -= lr * grad / sqrt(accum)`."""

    inputs = ("grad", "lr")
    num_slots = 1

    def update(self, xp, grad, lr, var, accum):
        new_accum = xp.square(grad)
        new_accum += accum
        new_var = xp.sqrt(new_accum)
        xp.divide(grad, new_var, out=new_var)
        new_var *= lr
        xp.subtract(var, new_var, out=new_var)
        return new_var, new_accum


@register_op("ApplyAdadelta")
class ApplyAdadelta(_ApplyOp):
    """Adadelta (Zeiler, 2012), as TF's kernel (slots: accum, accum_update):

    accum = rho * accum + (1 - rho) * grad^2
    update = sqrt(accum_update + epsilon) / sqrt(accum + epsilon) * grad
    accum_update = rho * accum_update + (1 - rho) * update^2;  var -= lr * update
    """

    inputs = ("grad", "lr", "rho", "epsilon")
    num_slots = 2

    def update(self, xp, grad, lr, rho, epsilon, var, accum, accum_update):
        new_accum = xp.square(grad)
        new_accum -= accum
        new_accum = _moving_average(new_accum, accum, rho)
        step = accum_update + epsilon
        denom = new_accum + epsilon
        xp.divide(step, denom, out=step)
        xp.sqrt(step, out=step)
        step *= grad
        new_update = xp.square(step, out=denom)
        new_update -= accum_update
        new_update = _moving_average(new_update, accum_update, rho)
        step *= lr
        xp.subtract(var, step, out=step)
        return step, new_accum, new_update


@register_op("ApplyFtrl")
class ApplyFtrl(_ApplyOp):
    """FTRL-proximal (McMahan et al., 2013), as TF's kernel (slots: accum, linear):

    new_accum = accum + grad^2
    linear += grad - (new_accum^(-lr_power) - accum^(-lr_power)) / lr * var
    quadratic = new_accum^(-lr_power) / lr + 2 * l2
    var = (sign(linear) * l1 - linear) / quadratic if |linear| > l1 else 0;  accum = new_accum
    (lr_power = -0.5, the default, uses square roots.)
    """

    inputs = ("grad", "lr", "l1", "l2", "lr_power")
    num_slots = 2

    def update(self, xp, grad, lr, l1, l2, lr_power, var, accum, linear):
        return _ftrl(xp, grad, grad, lr, l1, l2, lr_power, var, accum, linear)


@register_op("ApplyFtrlV2")
class ApplyFtrlV2(_ApplyOp):
    """FTRL-proximal with shrinkage-type L2: the linear term sees `grad + 2 * l2_shrinkage * var`
    while the accumulator still sums `grad^2` (TF's kernel); otherwise as `ApplyFtrl`."""

    inputs = ("grad", "lr", "l1", "l2", "l2_shrinkage", "lr_power")
    num_slots = 2

    def update(self, xp, grad, lr, l1, l2, l2_shrinkage, lr_power, var, accum, linear):
        shrunk = var * (2.0 * l2_shrinkage)
        shrunk += grad
        return _ftrl(xp, grad, shrunk, lr, l1, l2, lr_power, var, accum, linear)


def _ftrl(xp, grad, linear_grad, lr, l1, l2, lr_power, var, accum, linear):
    new_accum = xp.square(grad)
    new_accum += accum
    if lr_power == -0.5:
        new_power = xp.sqrt(new_accum)
        sigma = new_power - xp.sqrt(accum)
    else:
        new_power = xp.power(new_accum, -lr_power)
        sigma = new_power - xp.power(accum, -lr_power)
    sigma /= lr
    sigma *= var
    new_linear = linear_grad - sigma
    new_linear += linear
    # quadratic = new_accum^(-lr_power) / lr + 2 * l2, built in `new_power`.
    new_power /= lr
    new_power += 2.0 * l2
    new_var = xp.sign(new_linear)
    new_var *= l1
    new_var -= new_linear
    new_var /= new_power
    new_var[xp.abs(new_linear) <= l1] = 0
    return new_var, new_accum, new_linear


# -- functions adding the ops (TF 1.x `training_ops.apply_*`, used by the optimizers) -------

def _apply(op_type, var, slots, grad, hypers, name, **attrs):
    """Adds the update of Variable `var` (with slot Variables `slots`); returns its output."""
    return apply_op(op_type, grad, *hypers, var_name=var._var_name,
                    slot_names=tuple(s._var_name for s in slots), var_shape=var.shape,
                    var_dtype=var.dtype, name=name or op_type, **attrs)


def apply_gradient_descent(var, alpha, delta, use_locking=False, name=None):
    """Adds `ApplyGradientDescent` updating Variable `var` by the gradient `delta`."""
    return _apply("ApplyGradientDescent", var, (), delta, (alpha,), name, use_locking=use_locking)


def apply_momentum(var, accum, lr, grad, momentum, use_locking=False, use_nesterov=False,
                   name=None):
    return _apply("ApplyMomentum", var, (accum,), grad, (lr, momentum), name,
                  use_locking=use_locking, use_nesterov=use_nesterov)


def apply_adam(var, m, v, beta1_power, beta2_power, lr, beta1, beta2, epsilon, grad,
               use_locking=False, use_nesterov=False, name=None):
    return _apply("ApplyAdam", var, (m, v), grad,
                  (lr, beta1_power, beta2_power, beta1, beta2, epsilon), name,
                  use_locking=use_locking, use_nesterov=use_nesterov)


def apply_rms_prop(var, ms, mom, lr, rho, momentum, epsilon, grad, use_locking=False,
                   name=None):
    return _apply("ApplyRMSProp", var, (ms, mom), grad, (lr, rho, momentum, epsilon), name,
                  use_locking=use_locking)


def apply_centered_rms_prop(var, mg, ms, mom, lr, rho, momentum, epsilon, grad,
                            use_locking=False, name=None):
    return _apply("ApplyCenteredRMSProp", var, (mg, ms, mom), grad,
                  (lr, rho, momentum, epsilon), name, use_locking=use_locking)


def apply_adagrad(var, accum, lr, grad, use_locking=False, name=None):
    return _apply("ApplyAdagrad", var, (accum,), grad, (lr,), name, use_locking=use_locking)


def apply_adadelta(var, accum, accum_update, lr, rho, epsilon, grad, use_locking=False,
                   name=None):
    return _apply("ApplyAdadelta", var, (accum, accum_update), grad, (lr, rho, epsilon), name,
                  use_locking=use_locking)


def apply_ftrl(var, accum, linear, grad, lr, l1, l2, lr_power, use_locking=False, name=None):
    return _apply("ApplyFtrl", var, (accum, linear), grad, (lr, l1, l2, lr_power), name,
                  use_locking=use_locking)


def apply_ftrl_v2(var, accum, linear, grad, lr, l1, l2, l2_shrinkage, lr_power,
                  use_locking=False, name=None):
    return _apply("ApplyFtrlV2", var, (accum, linear), grad,
                  (lr, l1, l2, l2_shrinkage, lr_power), name, use_locking=use_locking)
