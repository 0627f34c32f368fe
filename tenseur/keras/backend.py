"""The Keras backend on tenseur's graph mode: one Session per graph, unique layer names,
the learning phase, and reading/writing variable values.

Keras layers create ordinary tenseur Variables in the default graph; `get_session()`
returns that graph's Keras session and initializes the variables Keras created since the
last call (as TF 1.x Keras did), so `model.predict` works right after `Model(...)`.
"""
from __future__ import annotations

import re
import weakref

import numpy as np

import tenseur as tf

_SESSIONS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_GRAPH_STATE: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_FLOATX = "float32"
_EPSILON = 1e-7
_IMAGE_DATA_FORMAT = "channels_last"


class _GraphState:
    """What Keras keeps per graph: name counters, its variables, the learning phase."""

    def __init__(self):
        self.uids: dict[str, int] = {}
        self.variables: list = []
        self.learning_phase = None


def _state(graph=None) -> _GraphState:
    graph = graph or tf.get_default_graph()
    state = _GRAPH_STATE.get(graph)
    if state is None:
        state = _GraphState()
        _GRAPH_STATE[graph] = state
    return state


def floatx() -> str:
    return _FLOATX


def set_floatx(value: str) -> None:
    global _FLOATX
    tf.as_dtype(value)
    _FLOATX = value


def epsilon() -> float:
    return _EPSILON


def set_epsilon(value: float) -> None:
    global _EPSILON
    _EPSILON = float(value)


def image_data_format() -> str:
    return _IMAGE_DATA_FORMAT


def set_image_data_format(value: str) -> None:
    global _IMAGE_DATA_FORMAT
    if value not in ("channels_last", "channels_first"):
        raise ValueError(f"image_data_format must be 'channels_last' or 'channels_first', got {value!r}.")
    _IMAGE_DATA_FORMAT = value


def snake_case(name: str) -> str:
    """`Conv2D` → `conv2d`, `BatchNormalization` → `batch_normalization` (Keras' rule)."""
    intermediate = re.sub("(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    insecure = re.sub("([a-z])([A-Z])", r"\1_\2", intermediate).lower()
    return insecure if insecure[0] != "_" else "private" + insecure


def unique_object_name(prefix: str) -> str:
    """`dense`, then `dense_1`, `dense_2`... per graph (Keras' automatic layer names)."""
    uids = _state().uids
    count = uids.get(prefix, 0)
    uids[prefix] = count + 1
    return prefix if count == 0 else f"{prefix}_{count}"


def reserve_name(name: str) -> None:
    """Marks an explicit layer name as used so automatic names skip it."""
    uids = _state().uids
    base, _, suffix = name.rpartition("_")
    if base and suffix.isdigit():
        uids[base] = max(uids.get(base, 0), int(suffix) + 1)
    else:
        uids[name] = max(uids.get(name, 0), 1)


def track_variable(variable) -> None:
    _state(variable.graph).variables.append(variable)


def get_session():
    """The Keras session of the default graph, with every Keras variable initialized."""
    graph = tf.get_default_graph()
    session = _SESSIONS.get(graph)
    if session is None:
        session = tf.Session(graph=graph)
        session._keras_initialized = 0
        _SESSIONS[graph] = session
    variables = _state(graph).variables
    if session._keras_initialized < len(variables):
        pending = variables[session._keras_initialized:]
        with graph.as_default():
            missing = set(session.run(tf.report_uninitialized_variables(pending)).tolist())
            to_init = [v for v in pending if v._var_name.encode() in missing]
            if to_init:
                session.run(tf.variables_initializer(to_init))
        session._keras_initialized = len(variables)
    return session


def set_session(session) -> None:
    session._keras_initialized = 0
    _SESSIONS[session.graph] = session


def clear_session() -> None:
    """Forgets every model and layer: a new default graph, fresh names, a new session."""
    graph = tf.get_default_graph()
    old = _SESSIONS.pop(graph, None)
    if old is not None:
        old.close()
    _GRAPH_STATE.pop(graph, None)
    tf.reset_default_graph()


def learning_phase():
    """A bool scalar tensor: True while `fit` runs a training step, False otherwise."""
    state = _state()
    if state.learning_phase is None:
        graph = tf.get_default_graph()
        with graph.name_scope(None):
            state.learning_phase = tf.placeholder_with_default(False, shape=(),
                                                               name="keras_learning_phase")
    return state.learning_phase


def in_train_phase(x, alt, training=None):
    """`x` when training, `alt` otherwise; `training` None means the learning phase."""
    if training is True or training == 1:
        return x() if callable(x) else x
    if training is False or training == 0:
        return alt() if callable(alt) else alt
    x = x() if callable(x) else x
    alt = alt() if callable(alt) else alt
    return tf.where(learning_phase(), x, alt)


def batch_get_value(variables) -> list:
    """The current values (NumPy) of `variables` in the Keras session."""
    if not variables:
        return []
    return [np.array(v) for v in get_session().run(list(variables))]


def get_value(variable):
    """The value of a variable (or a plain number, e.g. `optimizer.learning_rate`)."""
    if isinstance(variable, (int, float, np.number, np.ndarray)):
        return variable
    return batch_get_value([variable])[0]


def batch_set_value(pairs) -> None:
    """Sets variables to NumPy values without adding ops to the graph."""
    session = get_session()
    for variable, value in pairs:
        variable.load(np.asarray(value, dtype=variable.dtype.as_numpy_dtype), session)


def set_value(variable, value) -> None:
    if isinstance(variable, (int, float, np.number)):
        raise TypeError("set_value: got a plain number, not a variable. To change an "
                        "optimizer's learning rate, assign it: model.optimizer.learning_rate = x.")
    batch_set_value([(variable, value)])


def int_shape(x):
    shape = x.shape
    return None if shape.dims is None else tuple(shape.dims)


def is_keras_tensor(x) -> bool:
    return getattr(x, "_keras_history", None) is not None
