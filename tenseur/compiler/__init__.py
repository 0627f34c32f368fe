"""The graph compiler: passes over the pruned graph of one execution plan.

`Session.run` builds a plan once per (fetches, feeds) pair, and per shapes of the fed arrays:
it prunes the graph to what the fetches need, then hands the operations to `optimize`, which
works on a plan-local copy (`ir.PlanGraph`; the user's Graph is never changed) and returns the
nodes to bind, in order. The passes, in the order they run:

1. shape specialization: the fed arrays' shapes are propagated through every op's `infer`;
2. pass-through removal: identity, stop_gradient, no-op casts, unfed placeholder_with_default,
   shape-preserving broadcasts and reshapes; readers read the source value;
3. constant folding: pure ops on constants run once at plan time, shape queries of known
   shapes become constants, selects on a constant condition become the chosen branch (so the
   other branch is pruned: Keras' predict skips dropout and batch statistics), and exact
   algebraic identities (x*1, x+0, x-0, x/1, a and True, a or False, a and False...) disappear;
4. common-subexpression elimination: equal pure ops on equal inputs run once;
5. dead-node elimination, then slice gradients (`slices.py`): an AddN of the gradients of
   many slices of one tensor (`x[:, t]` for every step of a hand-written RNN) writes each
   into one zero array instead of summing zero-padded copies; and the ReLU gradient of a
   max-pooled ReLU moves before the pooling gradient (ReluGrad(MaxPoolGrad(x, y, dy), x) =
   MaxPoolGrad(x, y, ReluGrad(dy, y)), on a quarter of the values for 2x2 windows);
6. stable cross-entropy (`stable.py`): log(softmax(z)) and log(sigmoid(z)), log(1 - sigmoid(z))
   become their stable forms, and the gradient through them its simple form
   (g - p Σg for softmax). Exact in real arithmetic, not bitwise: results move by rounding
   where the unfused plan is finite, and stay finite where it gives -inf or NaN;
7. zero columns (`columns.py`): the matrix products reading a fed batch skip the columns that
   are zero in all its examples (MNIST's borders: a third of the pixels of a batch of 128),
   and the gradient-descent update of the weights they meet touches only the rows that have
   a gradient. Exact in real arithmetic; x @ W moves by rounding where it fires (not on
   dense data). Every other pass but the next gives the unfused plan's results bit for bit;
8. product updates (`updates.py`): a weight's gradient x^T g read only by SGD's update becomes
   part of it, one BLAS call W -= lr x^T g into the variable's array when nothing else holds
   it (results move by rounding);
9. fusion: elementwise chains (ReLU gradients included), with the matmul, convolution, input
   or max-pool gradient feeding them, into one kernel;
10. scheduling (`schedule.mark_async`): heavy steps whose value is read later start on a
   helper thread when BLAS runs single-threaded (inter-op parallelism).

Switches: `tenseur.Session(config={"optimize": False})` or the environment variable
`TENSEUR_OPTIMIZE=0` turn the passes off; `TENSEUR_DISABLE_PASSES=name,name` turns single
passes off (names in `PASSES`: "pass_through", "constant_folding", "cse", "slice_gradients",
"pool_gradients", "stable_cross_entropy", "zero_columns", "product_updates", "fusion");
`TENSEUR_PRINT_PLAN=1` prints each plan before and after them, and
`describe_plan(sess, fetches, feed_dict)` returns that text.
"""
from __future__ import annotations

import os
from collections.abc import Mapping

import numpy as np

from ..backend import switched_on
from .columns import skip_zero_columns
from .updates import fuse_product_updates
from .fusion import fuse_elementwise
from .ir import Node, PlanGraph, Value
from .schedule import inter_op_threads, mark_async
from .slices import merge_slice_gradients
from .stable import stabilize_cross_entropy
from .simplify import (
    eliminate_common_subexpressions,
    fold_absorbing,
    relu_gradients_before_max_pool_gradients,
    fold_constants,
    remove_pass_through,
    specialize_shapes,
)

__all__ = ["optimize", "describe_plan", "optimization_enabled", "disabled_passes", "PASSES",
           "inter_op_threads", "mark_async", "PlanGraph", "Node", "Value"]

# The passes TENSEUR_DISABLE_PASSES can switch off one by one.
PASSES = ("pass_through", "constant_folding", "cse", "slice_gradients", "pool_gradients",
          "stable_cross_entropy", "zero_columns", "product_updates", "fusion")


def disabled_passes() -> frozenset:
    """The passes named in TENSEUR_DISABLE_PASSES (comma-separated), checked against PASSES."""
    names = {n.strip() for n in os.environ.get("TENSEUR_DISABLE_PASSES", "").split(",")}
    names.discard("")
    unknown = names - set(PASSES)
    if unknown:
        raise ValueError(f"TENSEUR_DISABLE_PASSES names unknown passes {sorted(unknown)}; "
                         f"the passes are {', '.join(PASSES)}.")
    return frozenset(names)


def optimization_enabled(config=None) -> bool:
    """Whether the passes run for a session made with `config`: the config's "optimize"
    entry when given, else the environment variable TENSEUR_OPTIMIZE (default on)."""
    if isinstance(config, Mapping) and "optimize" in config:
        return bool(config["optimize"])
    if config is not None and hasattr(config, "optimize"):
        return bool(config.optimize)
    return switched_on("TENSEUR_OPTIMIZE")


def optimize(ops, leaves, fed, xp, ctx, *, enabled=True, fed_shapes=None) -> PlanGraph:
    """The plan graph of the pruned `ops` (in execution order) for fetches `leaves` and fed
    tensors `fed`, after the passes when `enabled`. `fed_shapes`: the shapes of the fed arrays
    the plan will run with (None: any shape)."""
    graph = PlanGraph(ops, leaves, fed)
    printing = os.environ.get("TENSEUR_PRINT_PLAN", "") not in ("", "0")
    if printing:
        print(format_graph(graph, "before the passes"))
    if enabled:
        run_passes(graph, xp, ctx, fed_shapes)
        if printing:
            print(format_graph(graph, "after the passes"))
    return graph


def run_passes(graph: PlanGraph, xp, ctx, fed_shapes=None) -> None:
    off = disabled_passes()
    if fed_shapes is not None:
        specialize_shapes(graph, fed_shapes)
    if "pass_through" not in off:
        remove_pass_through(graph)
    if "constant_folding" not in off:
        fold_constants(graph, ctx, xp)
        fold_absorbing(graph)
        fold_constants(graph, ctx, xp)
    if "pass_through" not in off:
        remove_pass_through(graph)
    if "cse" not in off:
        eliminate_common_subexpressions(graph)
    graph.eliminate_dead()
    if xp is np and "slice_gradients" not in off:
        merge_slice_gradients(graph)
    if "pool_gradients" not in off:
        relu_gradients_before_max_pool_gradients(graph)
    if xp is np and "stable_cross_entropy" not in off:
        stabilize_cross_entropy(graph)
    if xp is np and "zero_columns" not in off:
        skip_zero_columns(graph)
    if xp is np and "product_updates" not in off:
        fuse_product_updates(graph)
    if xp is np and "fusion" not in off:
        fuse_elementwise(graph)


def format_graph(graph: PlanGraph, title: str) -> str:
    """The nodes of a plan graph, one per line: type, name, inputs -> outputs."""
    names: dict = {}

    def name(value):
        if value.const is not None:
            shown = np.array2string(value.const, threshold=4, edgeitems=1) \
                if value.const.size <= 4 else f"{value.const.dtype}{list(value.const.shape)}"
            return f"const {shown}"
        return value.name or names.setdefault(value, f"%{len(names)}")

    lines = [f"plan {title}: {len(graph.nodes)} nodes"]
    for node in graph.nodes:
        ins = ", ".join(name(v) for v in node.inputs)
        outs = ", ".join(name(v) for v in node.outputs)
        lines.append(f"  {node.type:24s} {node.name}  ({ins}) -> ({outs})")
    fetched = ", ".join("None" if f is None else name(f) if isinstance(f, Value) else f.name
                        for f in graph.fetches)
    lines.append(f"  fetches: {fetched}")
    if graph.stats:
        lines.append("  " + ", ".join(f"{k}: {v}" for k, v in sorted(graph.stats.items())))
    return "\n".join(lines)


def describe_plan(sess, fetches, feed_dict=None) -> str:
    """The plan `sess.run(fetches, feed_dict)` would run, before and after the passes.

    Example:
        >>> print(tenseur.compiler.describe_plan(sess, loss, {x: batch_x, y: batch_y}))
    """
    before = sess._plan_graph(fetches, feed_dict, optimize=False)
    after = sess._plan_graph(fetches, feed_dict, optimize=True)
    return format_graph(before, "before the passes") + "\n" + format_graph(after,
                                                                          "after the passes")
