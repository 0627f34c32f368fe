"""tenseur: a small, readable deep-learning framework on NumPy.

A TensorFlow 1.x program runs with its import changed: `import tenseur as tf`.

Example:
    >>> import tenseur as tf
    >>> a = tf.placeholder(tf.float32, shape=(), name="a")
    >>> b = tf.placeholder(tf.float32, shape=(), name="b")
    >>> y = tf.sqrt(a + tf.sin(b))
    >>> with tf.Session() as sess:
    ...     print(sess.run(y, feed_dict={a: 3, b: 3.141592653589793 / 2}))
    2.0
"""
__version__ = "0.1.0"

from .framework.dtypes import (DType, as_dtype, bool_ as bool, double, float16, float32,  # noqa: F401
                               float64, half, int8, int16, int32, int64, string, uint8, uint16)
from .framework.errors import (DTypeError, FailedPreconditionError, GraphMismatchError,  # noqa: F401
                               InvalidArgumentError, NotFoundError, OpError, ShapeError,
                               TenseurError)
from .framework.graph import (Graph, GraphKeys, add_to_collection, add_to_collections,  # noqa: F401
                              control_dependencies, get_collection, get_collection_ref,
                              get_default_graph, name_scope, reset_default_graph)
from .framework.operation import Operation  # noqa: F401
from .framework.session import InteractiveSession, Session, get_default_session  # noqa: F401
from .framework import nest  # noqa: F401
from .framework.shapes import TensorShape  # noqa: F401
from .framework.tensor import Tensor, TensorSpec  # noqa: F401

from .ops.registry import NOT_DIFFERENTIABLE, OpDef, apply_op, register_op  # noqa: F401
from .ops.array_ops import *  # noqa: F401,F403
from .ops.math_ops import *  # noqa: F401,F403
from .ops.array_ops_indexing import *  # noqa: F401,F403
from .ops.sequence_ops import *  # noqa: F401,F403  (range shadows the builtin here)
from .ops.clip_ops import *  # noqa: F401,F403
from .ops.nd_indexing_ops import *  # noqa: F401,F403
from .ops import dynamic_slice_ops as _dynamic_slice_ops  # noqa: F401  (registers its ops)
from .ops.legacy_names import *  # noqa: F401,F403
from .ops.logging_ops import Print, print_v2 as print  # noqa: F401,A001
from .ops.script_ops import numpy_function, py_func  # noqa: F401
from .ops.random_ops import *  # noqa: F401,F403
from .ops.state_ops import *  # noqa: F401,F403
from .ops.variables import *  # noqa: F401,F403
from .ops.init_ops import *  # noqa: F401,F403
from .ops.variable_scope import *  # noqa: F401,F403
from .autodiff.gradients import gradients  # noqa: F401
from .eager import (ConcreteFunction, EagerTensor, Function, GradientTape,  # noqa: F401
                    UnconnectedGradients, cond, eager_mode, enable_eager_execution,
                    executing_eagerly, function, graph_mode, init_scope, while_loop)
from .ops import nn_ops as _nn_ops  # noqa: F401  (registers the tf.nn op types)
from .ops import batch_norm_ops as _batch_norm_ops  # noqa: F401  (registers conv, pooling
from .ops import conv_ops as _conv_ops  # noqa: F401        and batch-norm op types, so
from .ops import pooling_ops as _pooling_ops  # noqa: F401  imported graphs can run them)

from .ops import variables as _variables
_variables._install_operators()
del _variables

# Submodules imported on first use, so `import tenseur` stays fast (`tf.nn`, `tf.train`...).
_LAZY_SUBMODULES = {"nn", "train", "contrib", "data", "layers", "keras", "summary", "examples",
                    "math", "random",
                    "testing", "losses", "initializers", "metrics", "compiler", "backend",
                    "config", "errors"}


def __getattr__(name):
    if name in _LAZY_SUBMODULES:
        import importlib
        module = importlib.import_module(f"{__name__}.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'tenseur' has no attribute {name!r}")
