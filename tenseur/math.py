"""`tf.math`: the math functions under their TF 1.13+ / TF 2 namespace (`tf.math.log`,
`tf.math.reduce_sum`, `tf.math.cumsum`...), the same functions as at the top level."""
from .ops.clip_ops import *  # noqa: F401,F403
from .ops.math_ops import *  # noqa: F401,F403
from .ops.math_ops import __all__ as _math_names
from .ops.sequence_ops import cumprod, cumsum  # noqa: F401
from .ops.nn_ops import in_top_k, log_softmax, softmax, top_k  # noqa: F401
from .ops.elementwise_ops import softplus as softplus  # noqa: F401

__all__ = sorted(set(_math_names) | {"cumsum", "cumprod", "in_top_k", "log_softmax", "softmax",
                                     "top_k", "clip_by_norm", "global_norm",
                                     "clip_by_global_norm", "softplus"})
