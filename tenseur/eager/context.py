"""The execution context: whether ops run at once (eager) or add nodes to a graph.

Eager mode is a property of the default graph stack, so there is one source of truth:
ops execute eagerly when the innermost default graph is the eager context's graph
(`eager_mode()` pushes it; `enable_eager_execution()` makes it the process-wide default), and
build a graph whenever a real `Graph` is the default: `with tenseur.Graph().as_default():`,
`graph_mode()`, or a `tenseur.function` being traced. The eager graph holds no operations; it
lends eager code its name scopes (without making names unique, as TF 2 does) and its random
seed (`set_random_seed` then restarts the op-seed counter, so a seeded eager program replays).

Eager variable values and eager random generators live in one `EagerState` (a `SessionState`),
which functions share, so a variable read or assigned inside a traced function is the same
eager Variable.
"""
from __future__ import annotations

import contextlib

import numpy as np

from ..framework import graph as graph_module
from ..framework.errors import TenseurError
from ..framework.graph import Graph
from ..framework.session import SessionState

__all__ = ["enable_eager_execution", "executing_eagerly", "eager_mode", "graph_mode",
           "init_scope", "run_functions_eagerly", "functions_run_eagerly"]


class EagerState(SessionState):
    """Eager variable values (keyed by each variable's unique storage name) and generators.

    A random op's generator is keyed by (op type, seed, seed2): re-running an op with the same
    explicit seeds continues its stream, as TF's eager kernel cache does. Unseeded ops of one
    type share a generator. `set_random_seed` clears the generators so a seeded run replays.
    """

    _MAX_GENERATORS = 4096

    def rng(self, key, seed, seed2):
        gen = self._rngs.get((key, seed, seed2))
        if gen is None:
            if len(self._rngs) >= self._MAX_GENERATORS:
                self._rngs.clear()
            gen = (np.random.default_rng() if seed is None and seed2 is None
                   else np.random.default_rng([int(seed or 0), int(seed2 or 0)]))
            self._rngs[(key, seed, seed2)] = gen
        return gen


class FunctionState(SessionState):
    """The state a traced function runs with: the eager variables, its own random streams."""

    def __init__(self, shared: SessionState):
        super().__init__()
        self.variables = shared.variables


STATE = EagerState()


class EagerGraph(Graph):
    """The eager context's graph: name scopes and the random seed, never operations."""

    def __init__(self):
        super().__init__()

    @property
    def seed(self):
        return self.__dict__.get("_seed")

    @seed.setter
    def seed(self, value):
        # TF 2's set_seed: restart the op-seed counter and the seeded streams, so the same
        # seed replays the same numbers in the same process.
        self.__dict__["_seed"] = value
        self._seed_counter = 0
        STATE._rngs.clear()

    def unique_name(self, name: str, mark_as_used: bool = True) -> str:
        # Eager names are not made unique (TF 2): nothing to remember, nothing that grows.
        return f"{self._name_stack}/{name}" if self._name_stack else name

    def _add_op(self, op) -> None:
        raise TenseurError(f"Operation {op.name!r} ({op.type}) was added to the eager "
                           f"context's graph; in eager mode ops run at once. This is a bug in "
                           f"tenseur.eager.")

    def __repr__(self) -> str:
        return "<tenseur eager context>"


EAGER_GRAPH = EagerGraph()
_process_eager = False
_graph_mode_graph = None          # the default graph of graph_mode() once eager is process-wide


_run_functions_eagerly = False


def executing_eagerly() -> bool:
    """True when ops run at once; False while a graph is built (a Graph's `as_default()`,
    `graph_mode()`, or a `tenseur.function` being traced).

    Example:
        >>> with tenseur.eager_mode():
        ...     tenseur.executing_eagerly()
        True
    """
    stack = graph_module._stack()
    if stack:
        return stack[-1] is EAGER_GRAPH
    return _process_eager


def enable_eager_execution(config=None, device_policy=None, execution_mode=None) -> None:
    """Makes eager execution the default for the rest of the process (TF 1.x).

    Call it at program startup: ops then run at once and return values. Graphs can still be
    built inside `with tenseur.Graph().as_default():` or `with tenseur.graph_mode():`.

    Raises:
        ValueError: graph operations were already created in the default graph.
    """
    global _process_eager, _graph_mode_graph
    if _process_eager:
        return
    default = graph_module.get_default_graph()
    if graph_module._stack() or default.get_operations():
        raise ValueError("tf.enable_eager_execution must be called at program startup: the "
                         f"default graph already holds {len(default.get_operations())} "
                         f"operations (or another graph is the default).")
    _graph_mode_graph = default
    graph_module._global_default = EAGER_GRAPH
    _process_eager = True


@contextlib.contextmanager
def eager_mode():
    """Runs the ops created inside the block eagerly, whatever the process default.

    Example:
        >>> with tenseur.eager_mode():
        ...     print(tenseur.constant([1.0, 2.0]) * 2)
        tf.Tensor([2. 4.], shape=(2,), dtype=float32)
    """
    with EAGER_GRAPH.as_default():
        yield


@contextlib.contextmanager
def graph_mode():
    """Builds graphs inside the block (ops go to the global default graph), even when eager
    execution is on: the way back from `eager_mode()` or `enable_eager_execution()`."""
    graph = graph_module._global_default
    if graph is EAGER_GRAPH:
        graph = _graph_mode_graph
    with graph.as_default():
        yield graph


@contextlib.contextmanager
def init_scope():
    """Leaves any function being traced: ops inside run eagerly (TF's `init_scope`), used to
    create variables and optimizer slots once, outside the traced graph."""
    stack = graph_module._stack()
    outer_eager = any(g is EAGER_GRAPH for g in stack) or _process_eager
    if stack and outer_eager and getattr(stack[-1], "_building_function", False):
        with EAGER_GRAPH.as_default():
            yield
    else:
        yield


def run_functions_eagerly(run_eagerly: bool) -> None:
    """With True, `tenseur.function`s run their Python body op by op (for debugging) instead
    of replaying their traced graph (`tf.config.run_functions_eagerly`)."""
    global _run_functions_eagerly
    _run_functions_eagerly = bool(run_eagerly)


def functions_run_eagerly() -> bool:
    return _run_functions_eagerly
