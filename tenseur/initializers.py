"""`tf.initializers` of TensorFlow 1.x: the initializer classes under their short names, and
the initializer ops of variable groups (`tf.initializers.global_variables()`).

Example:
    >>> w = tf.get_variable("w", [784, 64], initializer=tf.initializers.glorot_uniform())
"""
from .ops.init_ops import (Constant as constant, GlorotNormal as glorot_normal,  # noqa: F401
                           GlorotUniform as glorot_uniform, Identity as identity, Ones as ones,
                           Orthogonal as orthogonal, RandomNormal as random_normal,
                           RandomUniform as random_uniform, TruncatedNormal as truncated_normal,
                           VarianceScaling as variance_scaling, Zeros as zeros, he_normal,
                           he_uniform, lecun_normal, lecun_uniform)
from .ops.variables import (global_variables_initializer as global_variables,  # noqa: F401
                            local_variables_initializer as local_variables,
                            variables_initializer as variables)

__all__ = ["constant", "glorot_normal", "glorot_uniform", "identity", "ones", "orthogonal", "random_normal",
           "random_uniform", "truncated_normal", "variance_scaling", "zeros", "he_normal",
           "he_uniform", "lecun_normal", "lecun_uniform", "global_variables", "local_variables",
           "variables"]
