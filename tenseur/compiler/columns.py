"""Zero columns: the matrix products that read a fed batch skip the columns that are zero in
every example of it.

A batch of MNIST digits (128 x 784, fed as such or flattened by a Reshape) has ~270 pixels
that are black in all 128 images: the borders. In the slides' MLP, x @ W1 and the weight gradient x^T @ g (the two products that
take 70% of a training step) multiply those zeros too. This pass finds, at each step, the
columns of the fed batch holding a value other than zero, and runs

    x @ W         as  x[:, idx] @ W[idx]            (the inner dimension shortened)
    x^T @ g       as  x[:, idx]^T @ g, its other rows zero

and the gradient-descent update that reads the latter only (`ApplyGradientDescent`) as a
subtraction of the gradient rows from W[idx], in place when nothing but the session holds W,
else in a fresh copy of W (updates.update_variable; the other rows: W - 0 = W).
Another reader of x^T @ g (Adam, momentum...) gets the full gradient, its zero rows written.

When the batch has fewer zero columns than pay for the copy of the others (dense data: the
check stops after the first rows), the products run on x as before. The copy is numba-compiled
where numba is installed (columns_numba.py), NumPy fancy indexing elsewhere; each needs its
own share of zero columns to pay (`_Budget`). Only while the products run on one BLAS thread:
with OpenBLAS' threads the copy cost more than it saved on the 2-core EPYC VM (see
`_single_threaded_products`); `TENSEUR_ZERO_COLUMNS_WITH_BLAS_THREADS=1` copies anyway, to
measure other machines (benchmarks/device_check.sh does).

Exactness: the skipped terms are 0 * w, so the results are those of the full products in real
arithmetic; in floating point x @ W moves by rounding (BLAS sums the shortened inner dimension
in other blocks), and where a skipped weight or gradient is inf or NaN the full product gives
NaN (0 * inf) and this one does not. The rows of x^T @ g and the updates are the same bits.
`TENSEUR_DISABLE_PASSES=zero_columns` switches the pass off.

Measured (`benchmarks/pass_ab.py zero_columns --workload mlp`): see benchmarks/README.md.
"""
from __future__ import annotations

import math

import numpy as np

from ..backend import jit as _jit
from ..backend import switched_on
from ..backend import threads as _threads
from ..framework import dtypes
from ..framework.shapes import TensorShape
from .ir import Node, PlanGraph, Value

# A batch narrower than this is left alone: its products are too cheap to pay for the check.
MIN_COLUMNS = 128
# What the pass's copies cost, in multiply-adds of the products (each skipped value of the
# batch saves one per output column of each product reading it). Measured on the MLP's shapes
# (EPYC, 1 thread; products ~2.1e-5 us a multiply-add): copying a kept value of the batch,
# numba 19 us (11 with AVX-512's compress) and NumPy's take 38 (+ 14 for its any()) for
# 128 x 509 values; taking a row of the weights, per value (np.take, 3.8 us for 509 x 64);
# writing a zero of a full gradient rebuilt for another reader than SGD (np.zeros).
_COPY_COST = {"compress": 8.0, "numba": 14.0, "numpy": 28.0}
_TAKE_COST = 6.0
_ZERO_COST = 2.5


def skip_zero_columns(graph: PlanGraph) -> None:
    """Rewrites the products reading a fed 2-D float batch (or a reshape of one) as above."""
    readers = graph.consumers()
    fetched = graph.fetched_values()
    changed = False
    inserted_before: dict = {}       # id(node) -> nodes to run just before it
    inserted_after: dict = {}
    # The fed batches, and their flattened views (tf.contrib.layers.flatten, Keras' Flatten).
    batches = list(graph.fed) + [node.outputs[0] for node in graph.nodes
                                 if node.type == "Reshape" and node.inputs[0].fed]
    for x in batches:
        dims = x.shape.dims
        if (dims is None or len(dims) != 2 or dims[1] is None or dims[1] < MIN_COLUMNS
                or x.dtype.name not in ("float32", "float64")):
            continue
        forward, backward = [], []
        for node in readers.get(x, ()):
            if (node.type != "MatMul" or node.op is None or node.control or node.pinned
                    or node.inputs[0] is not x or node.inputs[1] is x
                    or node.inputs[1].rank != 2):
                continue
            (backward if node.attrs["transpose_a"] else forward).append(node)
        if not forward and not backward:
            continue
        budget = _Budget(sum(_other_width(n) for n in forward + backward),
                         sum(_other_width(n) for n in forward))
        compact_x = Value(x.dtype, TensorShape([dims[0], None]), name=f"{x.name}/nonzero_columns")
        columns = Value(dtypes.int64, TensorShape([None]),
                        name=f"{x.name}/nonzero_column_indices")
        first = min(forward + backward, key=graph.nodes.index)
        compact = Node("NonzeroColumns", compact_x.name, [x], [compact_x, columns],
                       order=first.order)
        compact.make = lambda xp, ctx, budget=budget: _nonzero_columns_kernel(budget)
        compact_x.producer = columns.producer = compact
        inserted_before.setdefault(id(first), []).append(compact)
        for node in forward:
            w = node.inputs[1]
            axis = 1 if node.attrs["transpose_b"] else 0
            shape = list(w.shape.dims)
            shape[axis] = None
            taken = Value(w.dtype, TensorShape(shape), name=f"{node.name}/nonzero_rows")
            take = Node("TakeNonzeroRows" if axis == 0 else "TakeNonzeroColumns", taken.name,
                        [w, columns], [taken], order=node.order)
            take.make = lambda xp, ctx, axis=axis: _take_kernel(axis)
            taken.producer = take
            inserted_before.setdefault(id(node), []).append(take)
            node.inputs = [compact_x, taken]
        for node in backward:
            full = node.outputs[0]
            rows = Value(full.dtype, TensorShape([None, full.shape.dims[1]]) if full.rank == 2
                         else TensorShape(None), name=f"{node.name}/nonzero_rows")
            node.inputs = [compact_x] + node.inputs[1:]
            node.outputs = [rows]
            rows.producer, full.producer = node, None
            users = readers.get(full, [])
            update = users[0] if len(users) == 1 else None
            if (update is not None and update.type == "ApplyGradientDescent"
                    and update.op is not None and update.inputs[0] is full
                    and full not in fetched and full.rank == 2):
                update.inputs = [rows, columns] + update.inputs[1:]
                update.make = (lambda xp, ctx, update=update, n=dims[1]:
                               _descend_rows_kernel(update, n, xp, ctx))
                update.type = "ApplyGradientDescent[nonzero rows]"
                graph.count("updates of nonzero rows")
            else:
                budget.scattered += _other_width(node)
                expand = Node("ScatterNonzeroRows", full.name, [rows, columns], [full],
                              order=node.order)
                expand.make = lambda xp, ctx, n=dims[1]: _scatter_kernel(n)
                full.producer = expand
                inserted_after.setdefault(id(node), []).append(expand)
        graph.count("products skipping zero columns", len(forward) + len(backward))
        changed = True
    if not changed:
        return
    nodes = []
    for node in graph.nodes:
        nodes += inserted_before.get(id(node), [])
        nodes.append(node)
        nodes += inserted_after.get(id(node), [])
    graph.nodes = nodes


def _other_width(node: Node) -> int:
    """The output columns of a product reading the batch (what each skipped column saves)."""
    other = node.inputs[1]
    dims = other.shape.dims
    width = dims[0] if node.attrs["transpose_b"] else dims[1]
    return width if width is not None else 64


class _Budget:
    """When skipping pays: the output columns of the products reading the batch (`width`:
    what each skipped value saves), of those whose weights' rows are taken (`taken`), and of
    the gradients rebuilt full size (`scattered`)."""

    def __init__(self, width: int, taken: int):
        self.width, self.taken, self.scattered = width, taken, 0

    def limit(self, rows: int, columns: int, kind: str) -> int:
        """The most nonzero columns of a (rows, columns) batch for which the products saved on
        the others outweigh the copies, with `kind`'s copy ("compress", "numba" or "numpy"):
        k columns kept when rows (columns - k) width >= rows k copy + k taken take + columns
        scattered zero."""
        saved = rows * columns * self.width - columns * self.scattered * _ZERO_COST
        per_kept = rows * (self.width + _COPY_COST[kind]) + self.taken * _TAKE_COST
        return max(int(saved / per_kept), -1) if per_kept > 0 else -1


def _nonzero_columns_kernel(budget: _Budget):
    """(x) -> (x[:, idx], idx), or (x, None) when too many columns are nonzero for the copy
    to pay (`budget`), or when the products run on BLAS' threads (unless
    TENSEUR_ZERO_COLUMNS_WITH_BLAS_THREADS=1, read when the plan is built: to measure a
    machine whose cores share written memory faster than the EPYC VM's)."""
    any_threads = switched_on("TENSEUR_ZERO_COLUMNS_WITH_BLAS_THREADS", default=False)

    def nonzero_columns(x):
        if x.ndim != 2 or not (any_threads or _single_threaded_products()):
            return x, None
        rows, columns = x.shape
        fast = _jit.kernels("tenseur.compiler.columns_numba")
        if fast is not None and x.dtype.kind == "f":
            compress = (x.dtype == np.float32 and x.strides[1] == 4 and fast.compress_works())
            limit = budget.limit(rows, columns, "compress" if compress else "numba")
            if limit < 0:
                return x, None
            idx = np.empty(columns, np.intp)
            k = fast.nonzero_columns(x, idx, limit)
            if k < 0:
                return x, None
            idx = idx[:k]
            if compress:
                masks = np.empty((columns + 15) >> 4, np.int64)
                counts = np.empty_like(masks)
                fast.chunk_masks(idx, masks, counts)
                flat = np.empty(rows * k + 16, x.dtype)
                fast.compress_rows(x, masks, counts, flat, k)
                return flat[:rows * k].reshape(rows, k), idx
            out = np.empty((rows, k), x.dtype)
            fast.gather_columns(x, idx, out)
            return out, idx
        limit = budget.limit(rows, columns, "numpy")
        if limit < 0 or (rows and np.count_nonzero(x[0]) > limit):
            return x, None
        idx = np.flatnonzero(x.any(axis=0))
        if len(idx) > limit:
            return x, None
        return x.take(idx, axis=1), idx
    return nonzero_columns


def _single_threaded_products() -> bool:
    """Whether the products run on one thread now (OpenBLAS at one thread, or held there by a
    plan with split kernels). With BLAS' threads the copy did not pay on the EPYC VM: the main
    thread writes the copy that the other core's BLAS thread read a step before, and its
    cache lines cross cores at every step (MLP step 336.8 against 308.5 us median with the
    copy against without the pass: `pass_ab.py zero_columns --threads 2 --processes` with
    TENSEUR_ZERO_COLUMNS_WITH_BLAS_THREADS=1)."""
    if _threads.blas_held():
        return True
    count = _threads.blas_thread_count()
    return (count if count is not None else _threads.intra_op_threads()) == 1


def _take_kernel(axis):
    """(w, idx) -> the rows (axis 0) or columns (axis 1) of w that meet the kept columns."""
    def take(w, idx):
        return w if idx is None else w.take(idx, axis=axis)
    return take


def _scatter(rows, idx, n):
    full = np.zeros((n,) + rows.shape[1:], rows.dtype)
    full[idx] = rows
    return full


def _scatter_kernel(n):
    """(rows, idx) -> the full x^T @ g: `rows` at idx, zeros elsewhere."""
    def scatter(rows, idx):
        return rows if idx is None else _scatter(rows, idx, n)
    return scatter


def _descend_rows_kernel(update: Node, n: int, xp, ctx):
    """ApplyGradientDescent reading the nonzero rows of its gradient: (rows, idx, alpha), the
    full gradient having `n` rows (the batch's columns).

    The variable's rows are updated in place when nothing but the session holds its array,
    else in a fresh copy stored in its place (updates.update_variable); anything else (no
    compaction this step, another state, dtypes, a non-finite step size) runs the op's own
    kernel on the full gradient."""
    from ..ops.training_ops import _plain_state
    from .updates import descend_rows_in_place, update_variable
    full_update = update.op_def.bind(update.op, xp, ctx)
    if xp is not np or not _plain_state(ctx):
        return lambda rows, idx, alpha: full_update(
            rows if idx is None else _scatter(rows, idx, n), alpha)
    name = update.attrs["var_name"]
    dtype = np.dtype(update.attrs["var_dtype"].as_numpy_dtype)
    variables = ctx.variables

    def descend(rows, idx, alpha):
        if idx is None:
            return full_update(rows, alpha)
        var = variables.get(name)
        if (var is None or var.dtype is not dtype or rows.dtype is not dtype
                or getattr(alpha, "dtype", None) is not dtype or var.shape[1:] != rows.shape[1:]
                or not math.isfinite(alpha) or var.shape[0] != n):
            return full_update(_scatter(rows, idx, n), alpha)
        del var
        return update_variable(variables, name,
                               lambda target: descend_rows_in_place(target, rows, idx, alpha))
    return descend
