"""`tenseur.train` (TF 1.x `tf.train`): optimizers, the global step, learning-rate schedules
and checkpoints (`Saver`).

Example:
    >>> import tenseur as tf
    >>> global_step = tf.train.get_or_create_global_step()
    >>> lr = tf.train.exponential_decay(0.1, global_step, 1000, 0.96, staircase=True)
    >>> train_op = tf.train.MomentumOptimizer(lr, 0.9).minimize(loss, global_step=global_step)
    >>> saver = tf.train.Saver(max_to_keep=3)
"""
from .checkpoint_io import (CheckpointReader, DataLossError, NewCheckpointReader,  # noqa: F401
                            checkpoint_exists, remove_checkpoint)
from .checkpoint_management import (CheckpointState, get_checkpoint_state,  # noqa: F401
                                    latest_checkpoint, list_variables, load_checkpoint,
                                    load_variable, update_checkpoint_state)
from .learning_rate_decay import (cosine_decay, exponential_decay, inverse_time_decay,  # noqa: F401
                                  natural_exp_decay, piecewise_constant, polynomial_decay)
from .optimizer import Optimizer  # noqa: F401
from .optimizers import (AdadeltaOptimizer, AdagradOptimizer, AdamOptimizer,  # noqa: F401
                         FtrlOptimizer, GradientDescentOptimizer, MomentumOptimizer,
                         RMSPropOptimizer)
from .saver import Saver  # noqa: F401
from .training_util import (assert_global_step, create_global_step, get_global_step,  # noqa: F401
                            get_or_create_global_step, global_step)

__all__ = [
    "Optimizer", "GradientDescentOptimizer", "MomentumOptimizer", "AdamOptimizer",
    "RMSPropOptimizer", "AdagradOptimizer", "AdadeltaOptimizer", "FtrlOptimizer",
    "global_step", "get_global_step", "create_global_step", "get_or_create_global_step",
    "assert_global_step",
    "exponential_decay", "natural_exp_decay", "inverse_time_decay", "polynomial_decay",
    "cosine_decay", "piecewise_constant",
    "Saver", "latest_checkpoint", "get_checkpoint_state", "update_checkpoint_state",
    "CheckpointState", "checkpoint_exists", "remove_checkpoint", "NewCheckpointReader",
    "CheckpointReader", "list_variables", "load_variable", "load_checkpoint", "DataLossError",
]


def __getattr__(name):
    # `tf.train.SummaryWriter`: the pre-0.12 name of tf.summary.FileWriter (imported on use, so
    # `tenseur.train` does not load the summary package).
    if name == "SummaryWriter":
        from ..summary import FileWriter
        return FileWriter
    raise AttributeError(f"module 'tenseur.train' has no attribute {name!r}")
