"""The global step: the int64 scalar variable `global_step` counting training steps (TF 1.x).

`minimize(loss, global_step=gs)` increments it once per run of the training op; learning-rate
schedules and checkpoint names (`model.ckpt-1000`) read it.
"""
from __future__ import annotations

from ..framework import dtypes
from ..framework.graph import GraphKeys, get_default_graph
from ..ops import init_ops
from ..ops.variable_scope import get_variable

__all__ = ["global_step", "get_global_step", "create_global_step", "get_or_create_global_step",
           "assert_global_step"]

_NAME = "global_step"


def global_step(sess, global_step_tensor) -> int:
    """The value of `global_step_tensor` in session `sess`, as a Python int.

    Example:
        >>> tenseur.train.global_step(sess, gs)
        1000
    """
    return int(sess.run(global_step_tensor))


def get_global_step(graph=None):
    """The global step of `graph` (default graph): the variable in the GLOBAL_STEP collection,
    else a variable named `global_step` (as `tf.Variable(0, name="global_step")` makes), else
    None.

    Raises:
        TypeError: the found global step is not an integer scalar.
        ValueError: the GLOBAL_STEP collection holds more than one variable.
    """
    graph = graph if graph is not None else get_default_graph()
    found = graph.get_collection(GraphKeys.GLOBAL_STEP)
    if len(found) > 1:
        raise ValueError(f"Multiple tensors in global_step collection: "
                         f"{[getattr(v, 'name', v) for v in found]}.")
    if found:
        step = found[0]
    else:
        try:
            tensor = graph.get_tensor_by_name(_NAME + ":0")
        except KeyError:
            return None
        step = getattr(tensor.op, "_variable", tensor)
    assert_global_step(step)
    return step


def assert_global_step(global_step_tensor) -> None:
    """Raises TypeError unless `global_step_tensor` is an integer scalar Variable or Tensor."""
    dtype = getattr(global_step_tensor, "dtype", None)
    shape = getattr(global_step_tensor, "shape", None)
    if dtype is None or not dtype.is_integer:
        raise TypeError(f"Existing \"global_step\" does not have integer type: "
                        f"{getattr(dtype, 'name', dtype)} ({global_step_tensor!r}).")
    if shape is not None and shape.ndims not in (0, None):
        raise TypeError(f"Existing \"global_step\" is not scalar: {shape}.")


def create_global_step(graph=None):
    """Creates the global step of `graph`: an int64 scalar Variable starting at 0, not
    trainable, in the GLOBAL_VARIABLES and GLOBAL_STEP collections.

    Raises:
        ValueError: the graph already has a global step.
    Example:
        >>> gs = tenseur.train.create_global_step()
        >>> gs.name
        'global_step:0'
    """
    graph = graph if graph is not None else get_default_graph()
    if get_global_step(graph) is not None:
        raise ValueError("\"global_step\" already exists.")
    with graph.as_default(), graph.name_scope(None):
        return get_variable(_NAME, shape=[], dtype=dtypes.int64,
                            initializer=init_ops.Zeros(dtypes.int64), trainable=False,
                            collections=[GraphKeys.GLOBAL_VARIABLES, GraphKeys.GLOBAL_STEP])


def get_or_create_global_step(graph=None):
    """The global step of `graph` (default graph), created if there is none yet."""
    graph = graph if graph is not None else get_default_graph()
    step = get_global_step(graph)
    return step if step is not None else create_global_step(graph)
