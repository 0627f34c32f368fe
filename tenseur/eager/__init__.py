"""Eager execution: ops that run at once, GradientTape over them, `function`, which traces
Python into a graph and replays it, and `cond`/`while_loop` for both modes.

Importing this package installs the eager branch of `apply_op`; nothing changes until eager
mode is entered (`enable_eager_execution()` or `with eager_mode():`).
"""
from ..autodiff.tape import GradientTape, UnconnectedGradients
from .context import (
    eager_mode,
    enable_eager_execution,
    executing_eagerly,
    functions_run_eagerly,
    graph_mode,
    init_scope,
    run_functions_eagerly,
)
from .control_flow import cond, while_loop
from .def_function import ConcreteFunction, Function, function
from .tensor import EagerTensor
from .variables import EagerVariable

__all__ = ["GradientTape", "UnconnectedGradients", "enable_eager_execution",
           "executing_eagerly", "eager_mode", "graph_mode", "init_scope",
           "run_functions_eagerly", "functions_run_eagerly", "EagerTensor", "EagerVariable",
           "function", "Function", "ConcreteFunction", "cond", "while_loop"]
