"""`tf.random`: random ops under their TF 1.13+ / TF 2 names (`tf.random.normal`,
`tf.random.uniform`, `tf.random.truncated_normal`, `tf.random.shuffle`, `tf.random.set_seed`),
the same ops as `tf.random_normal` and friends."""
from .ops.random_ops import (get_seed, random_normal as normal,  # noqa: F401
                             random_shuffle as shuffle, random_uniform as uniform,
                             set_random_seed, set_random_seed as set_seed, truncated_normal)

__all__ = ["normal", "uniform", "truncated_normal", "shuffle", "set_seed", "set_random_seed",
           "get_seed"]
