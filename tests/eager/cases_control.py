"""Op cases for the control-flow ops (`If`, `While`, `WhileGrad`), in the format of
tests/ops/cases_*.py: forward against NumPy, gradients by finite differences."""
import numpy as np

import tenseur as tf
from tenseur.eager.control_flow import cond, while_loop
from tenseur.testing import OpCase

rng = np.random.default_rng(77)


def _cubic_sum(x):
    # s <- s * x + 1 three times from ones: x^3 + x^2 + x + 1.
    return while_loop(lambda i, s: i < 3, lambda i, s: (i + 1, s * x + 1.0),
                      [tf.constant(0), tf.ones_like(x)])[1]


CASES = [
    OpCase("If/true", lambda x: cond(tf.reduce_sum(x) > 0, lambda: tf.exp(x) * 2.0,
                                     lambda: tf.sin(x)),
           [rng.uniform(0.5, 1.5, (2, 3))], lambda x: np.exp(x) * 2, second_order=True,
           ops=("If",)),
    OpCase("If/false", lambda x: cond(tf.reduce_sum(x) > 0, lambda: tf.exp(x) * 2.0,
                                      lambda: tf.sin(x)),
           [rng.uniform(-1.5, -0.5, (2, 3))], np.sin, second_order=True),
    OpCase("If/captures-two", lambda x, y: cond(tf.reduce_max(x) > 10, lambda: x * y,
                                                lambda: x + tf.square(y)),
           [rng.uniform(-1, 1, (3,)), rng.uniform(-1, 1, (3,))], lambda x, y: x + y * y),
    OpCase("If/two-outputs", lambda x: cond(tf.reduce_sum(x) > 0, lambda: (x * 3.0, tf.tanh(x)),
                                            lambda: (x, x)),
           [rng.uniform(0.1, 1, (4,))], lambda x: (x * 3, np.tanh(x))),
    OpCase("While", _cubic_sum, [rng.uniform(-1.5, 1.5, (3,))],
           lambda x: x ** 3 + x ** 2 + x + 1, ops=("While", "WhileGrad")),
    OpCase("While/maximum-iterations",
           lambda x: while_loop(lambda v: tf.reduce_sum(v) < 1e9, lambda v: v * x,
                                tf.ones_like(x), maximum_iterations=4),
           [rng.uniform(0.5, 1.5, (2, 2))], lambda x: x ** 4),
]
