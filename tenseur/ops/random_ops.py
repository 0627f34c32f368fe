"""Random ops, seeded the TF 1.x way: a graph seed (`set_random_seed`) plus per-op seeds.

With a seed, every new session replays the same sequence; without one, each session draws
fresh numbers. Each op keeps its own generator per session, advanced by every run.
"""
from __future__ import annotations

import numpy as np

from ..framework import dtypes
from ..framework.errors import DTypeError, ShapeError
from ..framework.graph import get_default_graph
from ..framework.shapes import TensorShape
from ..framework.tensor import TensorSpec
from .array_ops import _static_value
from .registry import NOT_DIFFERENTIABLE, OpDef, apply_op, convert_to_tensor, register_op

__all__ = ["set_random_seed", "random_normal", "truncated_normal", "random_uniform",
           "random_shuffle", "get_seed"]

DEFAULT_GRAPH_SEED = 87654321
_MAXINT32 = 2 ** 31 - 1


def set_random_seed(seed) -> None:
    """Sets the graph-level seed of the default graph: later random ops become repeatable."""
    get_default_graph().seed = None if seed is None else int(seed)


def get_seed(op_seed):
    """The (graph seed, op seed) pair TF 1.x derives for a new random op."""
    graph = get_default_graph()
    global_seed = graph.seed
    if global_seed is not None:
        if op_seed is None:
            op_seed = graph._next_op_seed()
        return global_seed % _MAXINT32, int(op_seed) % _MAXINT32
    if op_seed is not None:
        return DEFAULT_GRAPH_SEED, int(op_seed) % _MAXINT32
    return None, None


class _RandomOp(OpDef):
    """Random op base: input `shape` (int vector); attrs dtype, seed, seed2 and parameters."""

    inputs = ("shape",)
    stateful = True
    gradient = NOT_DIFFERENTIABLE

    def infer(self, shape, **attrs):
        if not shape.dtype.is_integer:
            raise DTypeError(f"shape must be an integer vector, got {shape.dtype.name}.")
        rank = shape.shape[0] if shape.shape.ndims == 1 else None
        return TensorSpec(None if rank is None else [None] * rank, attrs["dtype"])

    def bind(self, op, xp, ctx):
        attrs = op.attrs
        key = op.name
        draw = self.draw

        def run(shape):
            rng = ctx.rng(key, attrs["seed"], attrs["seed2"])
            out = draw(rng, tuple(int(d) for d in shape), **attrs)
            return xp.asarray(out, dtype=attrs["dtype"].as_numpy_dtype)
        return run


@register_op("RandomStandardNormal")
class RandomStandardNormal(_RandomOp):
    """Samples of N(mean, stddev²)."""

    attrs = {"dtype": dtypes.float32, "seed": None, "seed2": None, "mean": 0.0, "stddev": 1.0}

    @staticmethod
    def draw(rng, shape, *, mean, stddev, **_):
        return rng.standard_normal(shape) * stddev + mean


@register_op("TruncatedNormal")
class TruncatedNormal(_RandomOp):
    """N(mean, stddev²) samples, re-drawn until within 2 stddev of the mean (as TensorFlow)."""

    attrs = {"dtype": dtypes.float32, "seed": None, "seed2": None, "mean": 0.0, "stddev": 1.0}

    @staticmethod
    def draw(rng, shape, *, mean, stddev, **_):
        out = rng.standard_normal(shape)
        bad = np.abs(out) > 2
        while bad.any():
            out[bad] = rng.standard_normal(int(bad.sum()))
            bad = np.abs(out) > 2
        return out * stddev + mean


@register_op("RandomUniform")
class RandomUniform(_RandomOp):
    """Uniform samples in [minval, maxval) (integers for integer dtypes)."""

    attrs = {"dtype": dtypes.float32, "seed": None, "seed2": None, "minval": 0.0, "maxval": 1.0}

    @staticmethod
    def draw(rng, shape, *, minval, maxval, dtype, **_):
        if dtype.is_integer:
            return rng.integers(int(minval), int(maxval), size=shape)
        return rng.uniform(minval, maxval, size=shape)


@register_op("RandomShuffle")
class RandomShuffle(OpDef):
    """Its input with the first dimension randomly permuted."""

    inputs = ("value",)
    attrs = {"seed": None, "seed2": None}
    stateful = True
    gradient = NOT_DIFFERENTIABLE

    def infer(self, x, *, seed, seed2):
        return TensorSpec(x.shape, x.dtype)

    def bind(self, op, xp, ctx):
        key, seed, seed2 = op.name, op.attrs["seed"], op.attrs["seed2"]
        return lambda x: ctx.rng(key, seed, seed2).permutation(x) if x.ndim else x


def _random(op_type, shape, dtype, seed, name, **params):
    dtype = dtypes.as_dtype(dtype)
    if not (dtype.is_floating or (op_type == "RandomUniform" and dtype.is_integer)):
        raise DTypeError(f"{op_type}: dtype must be floating-point, got {dtype.name}.")
    shape_t = convert_to_tensor(list(shape) if isinstance(shape, (tuple, TensorShape)) else shape,
                                dtype=dtypes.int32)
    seed1, seed2 = get_seed(seed)
    out = apply_op(op_type, shape_t, dtype=dtype, seed=seed1, seed2=seed2, name=name, **params)
    static = _static_value(shape_t)
    if static is not None:
        if np.any(np.asarray(static) < 0):
            raise ShapeError(f"{op_type}: shape must not have negative dimensions, got "
                             f"{list(static)}.")
        out.set_shape([int(d) for d in np.atleast_1d(static)] if np.ndim(static) else [])
    return out


def random_normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None, name="random_normal"):
    """Samples from N(mean, stddev²). Example: `tenseur.random_normal([784, 10], stddev=0.1)`."""
    return _random("RandomStandardNormal", shape, dtype, seed, name, mean=float(mean),
                   stddev=float(stddev))


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None,
                     name="truncated_normal"):
    """Samples from N(mean, stddev²), re-drawn beyond 2 stddev (actual std ≈ 0.88 stddev)."""
    return _random("TruncatedNormal", shape, dtype, seed, name, mean=float(mean),
                   stddev=float(stddev))


def random_uniform(shape, minval=0, maxval=None, dtype=dtypes.float32, seed=None,
                   name="random_uniform"):
    """Uniform samples in [minval, maxval) (maxval defaults to 1 for floats; required for ints)."""
    dtype = dtypes.as_dtype(dtype)
    if maxval is None:
        if dtype.is_integer:
            raise ValueError("random_uniform: maxval must be given for integer dtypes.")
        maxval = 1.0
    return _random("RandomUniform", shape, dtype, seed, name, minval=float(minval),
                   maxval=float(maxval))


def random_shuffle(value, seed=None, name="RandomShuffle"):
    """`value` with its first dimension shuffled."""
    seed1, seed2 = get_seed(seed)
    return apply_op("RandomShuffle", value, seed=seed1, seed2=seed2, name=name)
