"""`OpCase`: one row of the table that drives the generic op tests.

A case names a public function, NumPy inputs and an independent NumPy reference. The
generic tests run it through `Session.run` in float32 and float64, check the inferred static
shape and dtype against the computed value, and check gradients with `check_gradients`.
"""
from __future__ import annotations

import dataclasses
from typing import Callable

import numpy as np

from ..framework.graph import Graph
from ..framework.session import Session
from .gradient_check import check_gradients, check_second_order


@dataclasses.dataclass
class OpCase:
    """One test case: `fn(*tensors)` against `reference(*arrays)`.

    Fields:
        name: a readable id ("Add/broadcast").
        fn: builds the op(s) from placeholders.
        inputs: NumPy arrays (float inputs are cast to each dtype in `dtypes`).
        reference: NumPy function computing the expected output(s) (never the kernel).
        grad: check gradients (float64, finite differences); indices in `wrt` (default all floats).
        second_order: also check the gradient of the gradient (w.r.t. input 0).
        dtypes: float dtypes the forward pass is checked in.
        rtol, atol: forward tolerance for float32 (float64 uses 1e-10-ish).
    """

    name: str
    fn: Callable
    inputs: list
    reference: Callable
    grad: bool = True
    wrt: list | None = None
    second_order: bool = False
    dtypes: tuple = ("float32", "float64")
    rtol: float = 1e-5
    atol: float = 1e-6
    ops: tuple = ()

    def __repr__(self) -> str:
        return self.name


def _cast_inputs(inputs, dtype):
    return [np.asarray(x, dtype=dtype) if np.asarray(x).dtype.kind == "f" else np.asarray(x)
            for x in inputs]


def run_forward_case(case: OpCase) -> set[str]:
    """Checks the forward values and static inference of a case; returns the op types built."""
    from .. import ops  # noqa: F401
    from ..ops.array_ops import placeholder
    op_types: set[str] = set()
    for dtype in case.dtypes:
        inputs = _cast_inputs(case.inputs, dtype)
        graph = Graph()
        with graph.as_default():
            phs = [placeholder(x.dtype, shape=x.shape, name=f"x{i}") for i, x in enumerate(inputs)]
            outs = case.fn(*phs)
        op_types |= {op.type for op in graph.get_operations()}
        single = not isinstance(outs, (list, tuple))
        outs = [outs] if single else list(outs)
        with Session(graph=graph) as sess:
            got = sess.run(outs, {p: x for p, x in zip(phs, inputs)})
        expected = case.reference(*inputs)
        expected = [expected] if single else list(expected)
        assert len(got) == len(expected), f"{case.name}: {len(got)} outputs, expected {len(expected)}"
        for k, (out, g, e) in enumerate(zip(outs, got, expected)):
            g = np.asarray(g)
            e = np.asarray(e)
            assert out.shape.is_compatible_with(g.shape), (
                f"{case.name} [{dtype}] output {k}: inferred shape {out.shape} but the kernel "
                f"gave {g.shape}")
            assert np.dtype(out.dtype.as_numpy_dtype) == g.dtype, (
                f"{case.name} [{dtype}] output {k}: inferred dtype {out.dtype.name} but the "
                f"kernel gave {g.dtype}")
            assert g.shape == e.shape, f"{case.name} [{dtype}] output {k}: shape {g.shape} vs reference {e.shape}"
            if g.dtype.kind == "f":
                rtol, atol = (case.rtol, case.atol) if dtype != "float64" else (1e-9, 1e-12)
                np.testing.assert_allclose(g, e, rtol=rtol, atol=atol,
                                           err_msg=f"{case.name} [{dtype}] output {k}")
            else:
                np.testing.assert_array_equal(g, e, err_msg=f"{case.name} [{dtype}] output {k}")
    return op_types


def run_gradient_case(case: OpCase) -> None:
    """Checks a case's gradients (and second order when asked) in float64."""
    inputs = _cast_inputs(case.inputs, "float64")
    check_gradients(case.fn, inputs, wrt=case.wrt)
    if case.second_order:
        check_second_order(case.fn, inputs)


def case_op_types(case: OpCase) -> set[str]:
    """The op types a case builds (graph construction only, nothing runs)."""
    from .. import ops  # noqa: F401
    from ..ops.array_ops import placeholder
    graph = Graph()
    inputs = _cast_inputs(case.inputs, "float64")
    with graph.as_default():
        phs = [placeholder(x.dtype, shape=x.shape, name=f"x{i}") for i, x in enumerate(inputs)]
        case.fn(*phs)
    return {op.type for op in graph.get_operations()}
