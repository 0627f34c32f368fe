"""`tf.config`: switches of the execution context."""
from types import SimpleNamespace

from .backend import threads as _threads
from .eager.context import functions_run_eagerly, run_functions_eagerly  # noqa: F401


def _set_inter_op(count: int) -> None:
    """Accepted for TensorFlow compatibility: tenseur runs one op at a time."""
    if not isinstance(count, int) or count < 0:
        raise ValueError(f"set_inter_op_parallelism_threads: expected a thread count >= 0, "
                         f"got {count!r}.")


# tf.config.threading: the threads one kernel may use (see tenseur/backend/threads.py).
threading = SimpleNamespace(
    get_intra_op_parallelism_threads=_threads.requested_intra_op_threads,
    set_intra_op_parallelism_threads=_threads.set_intra_op_threads,
    get_inter_op_parallelism_threads=lambda: 1,
    set_inter_op_parallelism_threads=_set_inter_op,
)
