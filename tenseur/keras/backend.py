"""The Keras backend: one Session per graph, unique layer names, the learning phase, and
reading/writing variable values, in graph mode and in eager mode.

Graph mode: Keras layers create ordinary tenseur Variables in the default graph;
`get_session()` returns that graph's Keras session and initializes the variables Keras
created since the last call (as TF 1.x Keras did), so `model.predict` works right after
`Model(...)`.

Eager mode (`tenseur.eager_mode()`, `enable_eager_execution()`, and the functions traced
inside them): layers create eager Variables, which hold their values, so no session is
involved; names and the learning phase are kept for the eager context as a whole. Keras
tensors (`keras.Input` and the layer calls on it) still describe a model symbolically, as in
Keras 3: they live in a private graph (`symbolic_graph()`) that is never run — calling the
model on values replays its layers eagerly.
"""
from __future__ import annotations

import contextlib
import re
import weakref

import numpy as np

import tenseur as tf
from tenseur.eager import EagerTensor, EagerVariable
from tenseur.eager.func_graph import FuncGraph

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


class _Forgetful(list):
    """A list that keeps nothing (see `_SymbolicGraph`)."""

    def append(self, item) -> None:
        pass


class _SymbolicGraph(FuncGraph):
    """Where Keras tensors live in eager mode (TF 2's "keras_graph"): `keras.Input`'s
    placeholders and the layer calls on them, which fix a model's structure and shapes. It is
    a function graph, so layers read their eager Variables in it; it is never run. Its
    operations keep the layers called in it alive, as a graph-mode graph does, until
    `clear_session()` or until no Keras tensor, model or layer call of it is left (the backend
    holds it weakly)."""

    def __init__(self):
        super().__init__("keras_graph")
        self.variable_reads = _Forgetful()
        self.variables_created = _Forgetful()

    def __repr__(self) -> str:
        return "<Keras symbolic graph (eager mode)>"


_EAGER_STATE = _GraphState()
_SYMBOLIC_GRAPH = [lambda: None]        # a weak reference to the current symbolic graph


def eager_context() -> bool:
    """Whether Keras runs in the eager context now: eager mode, or a `tenseur.function` (or
    Keras' symbolic graph) traced inside it. Layers made there get eager Variables."""
    with tf.init_scope():
        return tf.executing_eagerly()


def symbolic_graph() -> _SymbolicGraph:
    """The graph of the eager context's Keras tensors (a new one after `clear_session`)."""
    graph = _SYMBOLIC_GRAPH[0]()
    if graph is None:
        graph = _SymbolicGraph()
        _SYMBOLIC_GRAPH[0] = weakref.ref(graph)
    return graph


def is_symbolic_graph(graph) -> bool:
    return isinstance(graph, _SymbolicGraph)


@contextlib.contextmanager
def symbolic_scope():
    """Where Keras tensors are made: the default graph, or in eager mode `symbolic_graph()`."""
    if eager_context():
        graph = symbolic_graph()
        with graph.as_default(), graph.name_scope(None):
            yield graph
    else:
        yield tf.get_default_graph()


def is_eager_variable(variable) -> bool:
    return isinstance(variable, EagerVariable)


def _state(graph=None) -> _GraphState:
    if graph is None:
        if eager_context():
            return _EAGER_STATE
        graph = tf.get_default_graph()
    state = _GRAPH_STATE.get(graph)
    if state is None:
        state = getattr(graph, "_keras_cleared", (None, None))[1]
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
    """Remembers a graph variable for `get_session()` to initialize (eager ones hold values)."""
    if not is_eager_variable(variable):
        _state(variable.graph).variables.append(variable)


def get_session():
    """The Keras session of the default graph, with every Keras variable initialized.

    Raises:
        RuntimeError: in eager mode, where variables hold their values and no session runs.
    """
    if eager_context():
        raise RuntimeError("keras.backend.get_session() is not available in eager mode: "
                           "variables hold their values (read them with v.numpy() or "
                           "keras.backend.get_value(v)). Use it in graph mode, e.g. inside "
                           "`with tenseur.graph_mode():`.")
    graph = tf.get_default_graph()
    session = _SESSIONS.get(graph) or getattr(graph, "_keras_cleared", (None, None))[0]
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
    """Forgets every model and layer: fresh names, a new symbolic graph for eager mode, and
    (in graph mode) a new default graph and session.

    Models built before keep working, as in Keras 3: the old graph keeps its session and Keras
    state itself (not this module), so they all go with the last model or tensor of that graph.
    (TF 1.x Keras closed the session instead: an old model then failed with "Attempting to use
    uninitialized value".)"""
    global _EAGER_STATE
    _EAGER_STATE = _GraphState()
    _SYMBOLIC_GRAPH[0] = lambda: None
    if tf.executing_eagerly():
        return
    graph = tf.get_default_graph()
    old = _SESSIONS.pop(graph, None)
    state = _GRAPH_STATE.pop(graph, None)
    if old is not None or state is not None:
        graph._keras_cleared = (old, state)
    tf.reset_default_graph()


def learning_phase():
    """A bool scalar tensor: True while `fit` runs a training step, False otherwise.

    In eager mode the phase is not a tensor: layers get `training=True/False` explicitly
    (`model(x, training=True)`, as `fit` does), and without it they infer, so this is False.
    """
    if eager_context():
        return False
    state = _state()
    if state.learning_phase is None:
        graph = tf.get_default_graph()
        with graph.name_scope(None):
            state.learning_phase = tf.placeholder_with_default(False, shape=(),
                                                               name="keras_learning_phase")
    return state.learning_phase


def in_train_phase(x, alt, training=None):
    """`x` when training, `alt` otherwise; `training` None means the learning phase (in eager
    mode: inference, as Keras)."""
    if isinstance(training, EagerTensor):
        training = bool(training.numpy())
    if training is True or training == 1:
        return x() if callable(x) else x
    if training is False or training == 0 or (training is None and eager_context()):
        return alt() if callable(alt) else alt
    x = x() if callable(x) else x
    alt = alt() if callable(alt) else alt
    return tf.where(learning_phase(), x, alt)


def _holds_value(x) -> bool:
    return isinstance(x, (EagerVariable, EagerTensor))


def batch_get_value(variables) -> list:
    """The current values (NumPy) of `variables`: eager ones directly, graph ones in the
    Keras session of their graph."""
    variables = list(variables)
    values = [np.array(v.numpy()) if _holds_value(v) else None for v in variables]
    pending = [i for i, v in enumerate(values) if v is None]
    if pending:
        with variables[pending[0]].graph.as_default():
            session = get_session()
        fetched = session.run([variables[i] for i in pending])
        for i, value in zip(pending, fetched):
            values[i] = np.array(value)
    return values


def get_value(variable):
    """The value of a variable (or a plain number, e.g. `optimizer.learning_rate`)."""
    if isinstance(variable, (int, float, np.number, np.ndarray)):
        return variable
    return batch_get_value([variable])[0]


def batch_set_value(pairs) -> None:
    """Sets variables to NumPy values without adding ops to a graph (eager variables are
    assigned at once)."""
    pairs = list(pairs)
    session = None
    for variable, value in pairs:
        value = np.asarray(value, dtype=variable.dtype.as_numpy_dtype)
        if is_eager_variable(variable):
            with tf.eager_mode():
                variable.assign(value)
            continue
        if session is None:
            with variable.graph.as_default():
                session = get_session()
        variable.load(value, session)


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
