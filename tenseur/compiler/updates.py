"""Product updates: the gradient-descent update of a weight matrix by its gradient x^T g runs
as one BLAS call, W -= lr x^T g (gemm with beta = 1), into the variable's own array.

In a training step each weight's gradient is a matrix product (x^T g, the layer's inputs by
the gradient of its outputs) read by SGD's update alone (`ApplyGradientDescent`). Unfused,
the product writes a gradient array, and the update reads it with the weights and writes new
weights: two passes over memory the size of W, on the main thread, between BLAS calls that
read W on every core. As one gemm the product is added to W where BLAS' threads compute it.
On the slides' MLP at 2 threads (EPYC VM) the step went from 303.8 to 287.7 us median, the
784 x 64 first layer's update (`benchmarks/pass_ab.py product_updates --workload mlp
--processes`; benchmarks/README.md).

In place, so only when nothing but the session holds the variable's array (its reference
count: a value fetched earlier, a view of it, another plan's slot all keep the array as it
was, and the update then writes a fresh copy, as ApplyGradientDescent does; see
`sole_reference`). Like TensorFlow's own in-place update, a plan reading the variable in
another thread at that moment may see it half updated (`use_locking` is not honoured).

Also when the zero-column pass (columns.py) made the product read the batch's nonzero columns:
at a step where it copied them, the gradient's rows are computed and subtracted in place from
W's rows; at a step where it did not, the update is the gemm above.

A bias' gradient is a product too, by a vector of ones (BiasAddGrad): read only by SGD's
update, the two run as one compiled pass over the layer's output gradient, its column sums
in float64 subtracted from the bias (in place under the same rule): `_descend_bias_kernel`.

Exactness: gemm adds lr x^T g to W in one rounding per multiply-add block (W + (-lr) acc,
fused) where the unfused update rounds the gradient, its product by lr and the difference:
results move by rounding (a few units in the last place of W; tests/compiler/
test_product_updates.py compares training with the pass on and off within 2e-5 relative).
Without OpenBLAS (NumPy on MKL or Accelerate), for other dtypes than float32/float64, and
inside a plan that holds BLAS to one thread while large products are split over tenseur's
threads, the kernels run the product and the update as before.
`TENSEUR_DISABLE_PASSES=product_updates` switches the pass off.
"""
from __future__ import annotations

import math
import sys

import numpy as np

from ..backend import blas as _blas
from ..backend import jit as _jit
from ..backend import threads as _threads
from .ir import PlanGraph

# Smaller weights keep the product and the update apart: the gemm call through ctypes costs
# ~3 us more than NumPy's matmul and the lean update together (64 x 32: 8.7 against 7.5 us).
MIN_ELEMENTS = 1 << 14
# A bias gradient of more values than this keeps BiasAddGrad's blocked BLAS sums (a compiled
# loop over a convolution's whole output would be slower); the MLP's are 128 x 64 at most.
MAX_BIAS_VALUES = 1 << 16


def fuse_product_updates(graph: PlanGraph) -> None:
    """Merges each MatMul read only by an ApplyGradientDescent (dense, or of nonzero rows) into
    the update, and each bias gradient (BiasAddGrad) read only by one."""
    readers = graph.consumers()
    fetched = graph.fetched_values()
    merged = set()
    for update in graph.nodes:
        rows = update.type == "ApplyGradientDescent[nonzero rows]"
        if not (update.type == "ApplyGradientDescent" or rows) or update.op is None:
            continue
        grad = update.inputs[0]
        product = grad.producer
        if (product is None or product.op is None or product.control or product.pinned
                or grad in fetched or readers.get(grad) != [update]
                or grad.dtype.name not in ("float32", "float64")
                or update.attrs["var_dtype"] != grad.dtype):
            continue
        if (product.type == "BiasAddGrad" and not rows and grad.rank == 1
                and product.inputs[0].rank == 2):
            update.inputs = list(product.inputs) + update.inputs[1:]
            update.type = "ApplyGradientDescent[column sums]"
            update.make = (lambda xp, ctx, update=update, sums=product:
                           _descend_bias_kernel(update, sums, xp, ctx))
            merged.add(id(product))
            graph.count("updates by column sums")
            continue
        if (product.type != "MatMul" or grad.rank != 2
                or any(v.rank != 2 for v in product.inputs)
                or not _large(update.attrs["var_shape"])):
            continue
        update.inputs = list(product.inputs) + update.inputs[1:]
        update.type = update.type.replace("ApplyGradientDescent",
                                          "ApplyGradientDescent[product]")
        if rows:
            descend_rows = update.make
            update.make = (lambda xp, ctx, update=update, product=product, rows=descend_rows:
                           _descend_product_kernel(update, product, xp, ctx, rows(xp, ctx)))
        else:
            update.make = (lambda xp, ctx, update=update, product=product:
                           _descend_product_kernel(update, product, xp, ctx))
        merged.add(id(product))
        graph.count("updates by products")
    if merged:
        graph.nodes = [n for n in graph.nodes if id(n) not in merged]


def _large(shape) -> bool:
    dims = getattr(shape, "dims", None)
    return (dims is not None and all(d is not None for d in dims)
            and math.prod(dims) >= MIN_ELEMENTS)


def _calibrate() -> int:
    """The reference count `sole_reference` sees for an array a dict and its caller's local
    variable hold (the dict, the variable, getrefcount's argument: 3 on CPython 3.11)."""
    held = {"value": np.empty(1)}
    array = held["value"]
    return sys.getrefcount(array)


_HELD_BY_ONE = _calibrate()


def sole_reference(array) -> bool:
    """Whether `array`, read from a dict into the caller's local variable and passed here, is
    held by nothing else (no fetched result, view, plan slot or other variable), owns its data
    and is C-contiguous: then it may be updated in place. (Called from the caller's frame as
    `sole_reference(var)`; one frame deeper than the calibration, so one reference more.)"""
    return (sys.getrefcount(array) == _HELD_BY_ONE + 1 and array.base is None
            and array.flags.owndata and array.flags.c_contiguous)


def update_variable(variables, name, apply):
    """Runs `apply(target)`, which writes the variable `name`'s new value into `target`, on the
    stored array itself when nothing but the session holds it (`sole_reference`), else on a
    fresh copy then stored read-only in its place (as ApplyGradientDescent.bind stores); the
    array stored, or None when `apply` returned False (it could not take these arrays, and
    wrote nothing). The caller must not hold the stored array itself (`del` its local read):
    that reference would make every update a copy."""
    var = variables[name]
    if sole_reference(var):
        var.flags.writeable = True
        try:
            done = apply(var)
        finally:
            var.flags.writeable = False
        return None if done is False else var
    new_var = var.copy()
    if apply(new_var) is False:
        return None
    new_var.flags.writeable = False
    variables[name] = new_var
    return new_var


def _descend_product_kernel(update, product, xp, ctx, rows_update=None):
    """(a, b, [idx,] alpha) -> the variable after var -= alpha * op(a) @ op(b), the product's
    transposes being the MatMul's. `rows_update(rows, idx, alpha)` (the zero-column pass'
    kernel) takes a step where the batch's nonzero columns were copied (idx not None)."""
    from ..ops.training_ops import _plain_state
    transpose_a = bool(product.attrs.get("transpose_a"))
    transpose_b = bool(product.attrs.get("transpose_b"))
    multiply = product.bind(xp, ctx)
    full_update = update.op_def.bind(update.op, xp, ctx)

    def unfused(a, b, alpha):
        return full_update(multiply(a, b), alpha)

    if xp is not np or not _plain_state(ctx):
        if rows_update is None:
            return unfused
        return lambda a, b, idx, alpha: (unfused(a, b, alpha) if idx is None
                                         else rows_update(multiply(a, b), idx, alpha))
    name = update.attrs["var_name"]
    dtype = np.dtype(update.attrs["var_dtype"].as_numpy_dtype)
    variables = ctx.variables
    split_macs = _split_macs()

    def descend(a, b, alpha):
        var = variables.get(name)
        if (var is None or var.dtype is not dtype or a.dtype is not dtype
                or b.dtype is not dtype or getattr(alpha, "dtype", None) is not dtype
                or var.ndim != 2 or not math.isfinite(alpha)
                or (_threads.blas_held() and var.size * (b.shape[1] if transpose_b
                                                        else b.shape[0]) >= split_macs)):
            return unfused(a, b, alpha)
        del var
        step = -float(alpha)
        stored = update_variable(variables, name, lambda target: _blas.gemm(
            step, a, b, 1.0, target, transpose_a, transpose_b))
        return stored if stored is not None else unfused(a, b, alpha)

    if rows_update is None:
        return descend

    def descend_rows(a, b, idx, alpha):
        if idx is None:
            return descend(a, b, alpha)
        return rows_update(multiply(a, b), idx, alpha)
    return descend_rows


def _descend_bias_kernel(update, sums, xp, ctx):
    """(d, alpha) -> the bias after b -= alpha * (d's column sums), d the 2-D gradient of the
    layer's output: one compiled pass (columns_numba.descend_by_column_sums; in place when
    nothing but the session holds b) instead of BiasAddGrad's product by ones, a fresh sum
    array and the update's two operations: ~2.5 us less a bias on the slides' MLP. The sums
    are accumulated in float64 (BiasAddGrad's BLAS product rounds as it goes: the results
    move by rounding). Larger gradients than MAX_BIAS_VALUES, other states and NumPy without
    numba run the two kernels."""
    from ..ops.training_ops import _plain_state
    column_sums = sums.bind(xp, ctx)
    full_update = update.op_def.bind(update.op, xp, ctx)

    def unfused(d, alpha):
        return full_update(column_sums(d), alpha)

    if xp is not np or not _plain_state(ctx):
        return unfused
    name = update.attrs["var_name"]
    dtype = np.dtype(update.attrs["var_dtype"].as_numpy_dtype)
    variables = ctx.variables

    def descend(d, alpha):
        var = variables.get(name)
        if (var is None or var.dtype is not dtype or d.dtype is not dtype
                or getattr(alpha, "dtype", None) is not dtype or var.ndim != 1
                or d.ndim != 2 or d.shape[1] != var.shape[0] or d.size > MAX_BIAS_VALUES
                or not math.isfinite(alpha)):
            return unfused(d, alpha)
        fast = _jit.kernels("tenseur.compiler.columns_numba")
        if fast is None:
            return unfused(d, alpha)
        del var
        step = alpha[()]
        return update_variable(variables, name,
                               lambda target: fast.descend_by_column_sums(target, d, step))
    return descend


def _split_macs() -> int:
    from ..ops.math_ops import _SPLIT_MACS
    return _SPLIT_MACS


def descend_rows_in_place(var, rows, idx, alpha) -> None:
    """var[idx] -= rows * alpha in place, ApplyGradientDescent's two roundings (the product,
    then the difference) on each row (idx increasing, no repeats)."""
    fast = _jit.kernels("tenseur.compiler.columns_numba")
    if fast is not None and var.ndim == 2 and rows.flags.c_contiguous:
        fast.descend_rows_in_place(var, rows, idx, alpha[()])
        return
    step = rows * alpha
    np.subtract(var[idx], step, out=step)
    var[idx] = step
