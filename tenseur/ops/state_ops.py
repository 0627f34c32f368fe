"""State ops: a variable's value in the session, and assignments to it.

A variable's value lives in the `Session` (TF 1.x semantics), keyed by the variable's name:
`VariableV2` reads it, `Assign*` replace it. Kernels reach the session through `ctx`.
"""
from __future__ import annotations

from ..framework.errors import DTypeError, ShapeError
from ..framework.tensor import TensorSpec
from .registry import NOT_DIFFERENTIABLE, OpDef, register_op


@register_op("VariableV2")
class VariableV2(OpDef):
    """The current value of the variable `var_name` in the running session."""

    attrs = {"shape": None, "dtype": None, "var_name": None}
    stateful = True

    def infer(self, *, shape, dtype, var_name):
        return TensorSpec(shape, dtype)

    def bind(self, op, xp, ctx):
        name = op.attrs["var_name"]
        return lambda: ctx.read_variable(name)

    def gradient(self, op, grad):
        return ()


class _AssignBase(OpDef):
    inputs = ("value",)
    attrs = {"var_name": None, "var_shape": None, "var_dtype": None, "validate_shape": True}
    stateful = True
    gradient = NOT_DIFFERENTIABLE

    def infer(self, value, *, var_name, var_shape, var_dtype, validate_shape):
        if value.dtype != var_dtype:
            raise DTypeError(f"cannot assign a {value.dtype.name} value to variable {var_name} "
                             f"of dtype {var_dtype.name}.",
                             hint=f"cast it: tenseur.cast(value, tenseur.{var_dtype.name})")
        if validate_shape and not value.shape.is_compatible_with(var_shape):
            raise ShapeError(f"cannot assign a value of shape {value.shape} to variable "
                             f"{var_name} of shape {var_shape}.")
        return TensorSpec(var_shape if validate_shape else value.shape, var_dtype)


@register_op("Assign")
class Assign(_AssignBase):
    """Sets the variable to `value`; outputs the new value."""

    def bind(self, op, xp, ctx):
        name = op.attrs["var_name"]
        return lambda value: ctx.write_variable(name, value)


@register_op("AssignAdd")
class AssignAdd(_AssignBase):
    """Adds `value` to the variable; outputs the new value."""

    def bind(self, op, xp, ctx):
        name = op.attrs["var_name"]
        return lambda value: ctx.write_variable(name, ctx.read_variable(name) + value, owned=True)


@register_op("AssignSub")
class AssignSub(_AssignBase):
    """Subtracts `value` from the variable; outputs the new value."""

    def bind(self, op, xp, ctx):
        name = op.attrs["var_name"]
        return lambda value: ctx.write_variable(name, ctx.read_variable(name) - value, owned=True)


@register_op("IsVariableInitialized")
class IsVariableInitialized(OpDef):
    """True when the variable has a value in the running session."""

    attrs = {"var_name": None}
    stateful = True
    gradient = NOT_DIFFERENTIABLE

    def infer(self, *, var_name):
        from ..framework import dtypes
        return TensorSpec([], dtypes.bool_)

    def bind(self, op, xp, ctx):
        import numpy as np
        name = op.attrs["var_name"]
        return lambda: np.asarray(name in ctx.variables)


@register_op("ReportUninitialized")
class ReportUninitialized(OpDef):
    """The names of the variables in `var_names` that have no value in the session."""

    attrs = {"var_names": ()}
    stateful = True
    gradient = NOT_DIFFERENTIABLE

    def infer(self, *, var_names):
        from ..framework import dtypes
        return TensorSpec([None], dtypes.string)

    def bind(self, op, xp, ctx):
        import numpy as np
        names = op.attrs["var_names"]
        return lambda: np.asarray([n.encode() for n in names if n not in ctx.variables],
                                  dtype=object)
