"""An optimizer's eager step as one traced function.

In eager mode `apply_gradients` runs every variable's update op by op, through the same code
that builds the update ops in graph mode. Through one `tenseur.function` calling that same
code (the same update ops, so the same values) the step costs half: for the slides' MLP's 8
variables on the 2-core EPYC VM at one thread, SGD 296-341 -> 151-156 µs and Adam 859-985 ->
420-437 µs, `tenseur.train` and Keras alike (`benchmarks/eager_dispatch.py`, busy host;
PyTorch's optimizer.step(): 104 and 681 µs). So from the second step over the same variables
with the same settings, both optimizer families hand the step to `traced_step`, which keeps
one traced function per (variables, settings) on the optimizer.

The first call always runs op by op: it creates the optimizer's variables (slots, step
counter) eagerly, raises any error where it happens, and keeps one-off calls from paying for
a trace. Not traced: steps taken while a GradientTape records (it must see the ops), gradients
that are not dense eager tensors, and functions run eagerly (`run_functions_eagerly(True)`).
A setting baked into the trace (a Python number such as `clipnorm`) is part of the key
(`settings_of`), so changing it traces anew; a setting that must be read at every step (a
learning rate given as a Python callable) is the optimizer's reason not to call this.
"""
from __future__ import annotations

from ..autodiff import tape as _tape
from . import context
from .tensor import EagerTensor

__all__ = ["traced_step", "settings_of"]

_MAX_STEPS = 8          # traced steps kept per optimizer (more variable lists: start over)
_SEEN = object()        # a key met once: traced on the next call
_PLAIN = (bool, int, float, str)


def settings_of(owner) -> tuple:
    """The optimizer's plain attributes (numbers, strings, None), which a trace bakes in:
    changing one between steps must trace anew. (Containers are per-step bookkeeping or fixed
    once the optimizer is built.)"""
    return tuple((name, value) for name, value in sorted(vars(owner).items())
                 if value is None or isinstance(value, _PLAIN))


class _Steps:
    """An optimizer's traced steps (`owner._traced_steps`): key -> function, or _SEEN."""

    __slots__ = ("functions", "tracing")

    def __init__(self):
        self.functions: dict = {}
        self.tracing = False        # a trace is running `build_step`: it must not come back


def traced_step(owner, variables, grads, build_step, key=()) -> bool:
    """Runs `build_step(grads)`, one optimizer step over `variables`, as a traced function
    cached on `owner` by the variables and `key`, and returns True; returns False, having run
    nothing, when the caller must run the step op by op (see the module docstring).

    `build_step` receives the gradients as a list (graph tensors while tracing) and adds the
    step's update ops; its result is ignored."""
    steps = owner.__dict__.get("_traced_steps")
    if steps is None:
        steps = owner.__dict__["_traced_steps"] = _Steps()
    if (steps.tracing or _tape._ACTIVE or context.functions_run_eagerly()
            or not all(type(g) is EagerTensor for g in grads)):
        return False
    full_key = (tuple(id(v) for v in variables), key)
    step = steps.functions.get(full_key)
    if step is None:
        if len(steps.functions) >= _MAX_STEPS:
            steps.functions.clear()
        steps.functions[full_key] = _SEEN
        return False
    if step is _SEEN:
        from .def_function import function

        def run(*gs):
            steps.tracing = True
            try:
                build_step(list(gs))
            finally:
                steps.tracing = False
        # The function (and so this cache) holds `variables`: their ids stay theirs.
        step = steps.functions[full_key] = function(run)
    step(*grads)
    return True
