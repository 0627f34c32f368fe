"""`variable_scope` and `get_variable`: variables shared by name (TF 1.x).

`get_variable("w", shape)` inside `variable_scope("layer1")` creates (or, with reuse,
returns) `layer1/w`. Unlike `name_scope`, variable scopes name variables; entering one also
opens a name scope for the ops created inside.
"""
from __future__ import annotations

import contextlib

from ..framework import dtypes
from ..framework.graph import GraphKeys, get_default_graph
from ..framework.shapes import TensorShape
from . import init_ops
from .variables import Variable

__all__ = ["variable_scope", "get_variable", "get_variable_scope", "AUTO_REUSE", "VariableScope"]


class _AutoReuse:
    def __repr__(self):
        return "tf.AUTO_REUSE"


AUTO_REUSE = _AutoReuse()


class VariableScope:
    """A scope's name and defaults (reuse, initializer, regularizer, dtype)."""

    def __init__(self, name="", reuse=None, initializer=None, regularizer=None, dtype=dtypes.float32,
                 original_name_scope=""):
        self.name, self.reuse, self.initializer = name, reuse, initializer
        self.regularizer, self.dtype = regularizer, dtypes.as_dtype(dtype)
        self.original_name_scope = original_name_scope

    def reuse_variables(self) -> None:
        self.reuse = True

    def set_initializer(self, initializer) -> None:
        self.initializer = initializer

    def get_variable(self, name, *args, **kwargs):
        return get_variable(name, *args, **kwargs)


def get_variable_scope() -> VariableScope:
    stack = get_default_graph()._var_scope_stack
    return stack[-1] if stack else VariableScope()


@contextlib.contextmanager
def variable_scope(name_or_scope, default_name=None, values=None, initializer=None,
                   regularizer=None, caching_device=None, partitioner=None, custom_getter=None,
                   reuse=None, dtype=None, use_resource=None, constraint=None,
                   auxiliary_name_scope=True):
    """Prefixes `get_variable` names with the scope and opens a name scope for ops.

    Example:
        >>> with tenseur.variable_scope("hidden_1"):
        ...     w = tenseur.get_variable("weights", [784, 64])   # hidden_1/weights
    """
    graph = get_default_graph()
    parent = get_variable_scope()
    if isinstance(name_or_scope, VariableScope):
        full_name = name_or_scope.name
        base = name_or_scope
        name_scope_name = name_or_scope.original_name_scope or (full_name + "/")
        op_scope = graph.name_scope(name_scope_name)
    else:
        if name_or_scope is None:
            if default_name is None:
                raise ValueError("variable_scope: pass a name or a default_name.")
            # A default name is made unique among variable scopes (dense, dense_1...).
            name_or_scope = _unique_var_scope(graph, parent.name, default_name)
        full_name = f"{parent.name}/{name_or_scope}" if parent.name else name_or_scope
        base = parent
        op_scope = graph.name_scope(name_or_scope)
    if reuse is False:
        reuse_value = None
    else:
        reuse_value = reuse if reuse is not None else parent.reuse
        if isinstance(name_or_scope, VariableScope) and reuse is None:
            reuse_value = name_or_scope.reuse or parent.reuse
    scope = VariableScope(
        full_name, reuse_value,
        initializer if initializer is not None else base.initializer,
        regularizer if regularizer is not None else base.regularizer,
        dtype if dtype is not None else base.dtype)
    with op_scope as ns:
        scope.original_name_scope = ns
        graph._var_scope_stack.append(scope)
        counts = graph.__dict__.setdefault("_var_scope_counts", {})
        counts[full_name] = counts.get(full_name, 0) + 1
        try:
            yield scope
        finally:
            graph._var_scope_stack.pop()


def _unique_var_scope(graph, parent_name, base):
    counts = graph.__dict__.setdefault("_var_scope_counts", {})
    prefix = f"{parent_name}/" if parent_name else ""
    if counts.get(prefix + base, 0) == 0:
        return base
    i = 1
    while counts.get(f"{prefix}{base}_{i}", 0):
        i += 1
    return f"{base}_{i}"


def get_variable(name, shape=None, dtype=None, initializer=None, regularizer=None,
                 trainable=True, collections=None, caching_device=None, partitioner=None,
                 validate_shape=True, use_resource=None, custom_getter=None, constraint=None,
                 **kwargs):
    """Returns the variable `<scope>/<name>`, creating it unless the scope reuses variables.

    Without an initializer: the scope's, else glorot_uniform for floats and zeros otherwise.

    Raises:
        ValueError: it exists and reuse is off; it does not exist and reuse=True; or the
            shape differs from the existing variable's.
    """
    graph = get_default_graph()
    scope = get_variable_scope()
    full_name = f"{scope.name}/{name}" if scope.name else name
    store = graph._var_store
    reuse = scope.reuse
    if full_name in store:
        if reuse is None or reuse is False:
            raise ValueError(f"Variable {full_name} already exists, disallowed. Did you mean to "
                             f"set reuse=True or reuse=tf.AUTO_REUSE in VarScope?")
        var = store[full_name]
        if shape is not None and not var.shape.is_compatible_with(shape):
            raise ValueError(f"Trying to share variable {full_name}, but specified shape "
                             f"{TensorShape(shape)} and found shape {var.shape}.")
        return var
    if reuse is True:
        raise ValueError(f"Variable {full_name} does not exist, or was not created with "
                         f"tf.get_variable(). Did you mean to set reuse=tf.AUTO_REUSE in VarScope?")
    dtype = dtypes.as_dtype(dtype) if dtype is not None else scope.dtype
    if initializer is None:
        initializer = scope.initializer
    if initializer is None:
        initializer = (init_ops.GlorotUniform() if dtype.is_floating else init_ops.Zeros(dtype))
    if isinstance(initializer, type):
        initializer = initializer()
    if shape is None and not callable(initializer):
        value = initializer
    else:
        if shape is None:
            raise ValueError(f"get_variable: the shape of new variable {full_name} must be "
                             f"fully defined, got None.")
        shape = TensorShape(shape)
        if not shape.is_fully_defined():
            raise ValueError(f"get_variable: the shape of new variable {full_name} must be "
                             f"fully defined, but got {shape}.")
        init = initializer
        value = lambda: init(shape.as_list(), dtype=dtype)  # noqa: E731
    # Variables are named by the variable scope, not the current name scope.
    with graph.name_scope(None):
        var = Variable(value, trainable=trainable, collections=collections, name=full_name,
                       dtype=dtype if not callable(value) else None, validate_shape=validate_shape,
                       constraint=constraint)
    store[full_name] = var
    regularizer = regularizer or scope.regularizer
    if regularizer is not None:
        with graph.name_scope(full_name + "/Regularizer/"):
            loss = regularizer(var)
        if loss is not None:
            graph.add_to_collection(GraphKeys.REGULARIZATION_LOSSES, loss)
    return var
