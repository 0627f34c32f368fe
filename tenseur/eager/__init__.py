"""Eager execution: ops that run at once, GradientTape over them, and `function`, which
traces Python into a graph and replays it.

Importing this package installs the eager branch of `apply_op` (nothing changes until eager
mode is entered: `enable_eager_execution()` or `with eager_mode():`).
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
from .tensor import EagerTensor
from .variables import EagerVariable

__all__ = ["GradientTape", "UnconnectedGradients", "enable_eager_execution",
           "executing_eagerly", "eager_mode", "graph_mode", "init_scope",
           "run_functions_eagerly", "functions_run_eagerly", "EagerTensor", "EagerVariable"]
