"""A fused group's elementwise tail as one numba-compiled pass (fusion.py calls it first, after
the group's head: a convolution or product).

The generated Python kernels run a tail as a sequence of NumPy ufunc calls, one pass over the
output each: on ResNet50's conv + bias + batch norm (+ residual) + ReLU groups, four to six
passes over activations of megabytes. Here the tail becomes one loop computing every member per
value in registers, with the same operations in the same order on the same dtype, so the bits
are the ufuncs' (only exactly rounded operations take part: + - * /, negation, |x|, x², and
max/min, ReLU and the ReLU gradient with NumPy's NaN rules). Operands are the head's output and
arrays of its shape (C-ordered), per-channel vectors along the last axis (repeated along a
row, as bias_ops.add_bias_last does) and scalars; anything else at run time returns None and
the ufunc calls run instead. Used for outputs of at least MIN_VALUES values, float32/float64,
where numba is installed (`TENSEUR_NUMBA_TAIL=0` or `TENSEUR_NUMBA=0` switches it off); several
threads split the rows. Tails of fewer than MIN_MEMBERS members keep their own single-pass
kernels. A residual block's two convolutions (fusion runs every head of a group first) are
operands like the others. ResNet50's forward at batch 8 (EPYC, `benchmarks/numba_tail.py`, 12
rounds alternated): 1052 against 1096 ms median at 1 thread (fastest 966 / 1042), 687 against
763 at 2 (583 / 612); the activations' passes are memory-bound, so one pass saves less than
the passes it replaces. The first call takes ~1 s more (its kernels compiled).

The kernel of each tail shape is compiled once per process, on its first large call (~0.3 s;
numba cannot cache generated functions on disk).
"""
from __future__ import annotations

import numpy as np

from ..backend import buffers as _buffers
from ..backend import jit as _jit
from ..backend import switched_on
from ..backend import threads as _threads
from ..ops.bias_ops import row_width

# Smaller outputs keep the ufunc calls (their passes run in cache; a compile would not pay).
MIN_VALUES = 1 << 18
# Shorter tails keep theirs too: bias + ReLU and the ReLU gradient already run as one compiled
# pass each (bias_ops.add_bias_relu, activation_ops.relu_grad_array), with no compile per plan.
MIN_MEMBERS = 3

_BINARY = {np.add: "{0} + {1}", np.subtract: "{0} - {1}", np.multiply: "{0} * {1}",
           np.true_divide: "{0} / {1}",
           # np.maximum / np.minimum: NaN from either side, else the larger / smaller (as its
           # SIMD loops: the second operand when they compare equal).
           np.maximum: "({0} if {0} != {0} else ({1} if ({1} != {1} or {1} >= {0}) else {0}))",
           np.minimum: "({0} if {0} != {0} else ({1} if ({1} != {1} or {1} <= {0}) else {0}))"}
_UNARY = {np.negative: "-{0}", np.absolute: "abs({0})", np.square: "{0} * {0}"}
_KINDS = {"BiasAdd": "{0} + {1}",
          "Relu": "({0} if ({0} > zero or {0} != {0}) else zero)",
          "ReluGrad": "{0} * (one if {1} > zero else zero)"}


def expression(node, ufunc_of) -> str | None:
    """The member's per-value formula over {0}, {1} (its inputs), or None if it cannot take
    part. `ufunc_of(node)` is fusion's (ufunc, arity) reader."""
    if node.type in _KINDS:
        if node.type == "BiasAdd" and node.attrs.get("data_format") == "NCHW":
            return None
        return _KINDS[node.type]
    found = ufunc_of(node)
    if found is None:
        return None
    ufunc, arity = found
    table = _BINARY if arity == 2 else _UNARY
    return table.get(ufunc)


class Tail:
    """One group's tail: `members` [(formula, input refs, output ref)], refs naming operands
    ("a3") or earlier results ("t2"); operand 0 is the head's output."""

    def __init__(self, members, operand_count, result, dtype):
        self.members, self.count, self.result = members, operand_count, result
        self.dtype = np.dtype(dtype)
        self._by_kinds: dict = {}       # operand kinds -> compiled kernel (no source rebuilt)

    def __call__(self, owned, *operands):
        """The tail's result, or None when these operands need the ufunc path."""
        head = operands[0]
        if type(head) is not np.ndarray or head.dtype != self.dtype or head.size < MIN_VALUES \
                or head.ndim < 1 or not head.flags.c_contiguous \
                or not switched_on("TENSEUR_NUMBA_TAIL"):
            return None
        numba = _jit.kernels("numba")
        if numba is None:
            return None
        shape, channels = head.shape, head.shape[-1]
        kinds, args = [], []
        width = row_width(shape)
        for x in operands:
            if type(x) is not np.ndarray or x.dtype != self.dtype:
                return None
            if x.shape == shape and x.flags.c_contiguous:
                kinds.append("f")
                args.append(x.reshape(-1, width))
            elif x.size == 1:
                kinds.append("s")
                args.append(x.reshape(-1)[0])
            elif x.size == channels and x.shape[-1] == channels and x.ndim <= len(shape):
                kinds.append("c")
                args.append(np.tile(x.reshape(-1), width // channels))
            else:
                return None
        kinds = tuple(kinds)
        kernel = self._by_kinds.get(kinds)
        if kernel is None:
            kernel = self._by_kinds[kinds] = self._kernel(numba, kinds)
        out = head if owned else _buffers.empty(shape, self.dtype)
        rows_out = out.reshape(-1, width)
        rows = rows_out.shape[0]
        parts = min(_threads.intra_op_threads(), rows)
        one, zero = self.dtype.type(1), self.dtype.type(0)
        if parts <= 1:
            kernel(0, rows, rows_out, one, zero, *args)
        else:
            _threads.parallel_map(lambda b: kernel(b[0], b[1], rows_out, one, zero, *args),
                                  _threads.even_ranges(rows, parts), parts)
        return out

    def _kernel(self, numba, kinds):
        source = self._source(kinds)
        kernel = _kernels.get(source)
        if kernel is None:
            env: dict = {}
            exec(compile(source, "<numba tail>", "exec"), env)  # noqa: S102
            kernel = _kernels[source] = numba.njit(
                nogil=True, fastmath=False, error_model="numpy")(env["tail"])
        return kernel

    def _source(self, kinds) -> str:
        """The kernel's Python source for these operand kinds (groups of one shape share it,
        and its compiled kernel)."""
        names = [f"a{i}" for i in range(self.count)]
        loads = {}
        lines = [f"def tail(lo, hi, out, one, zero, {', '.join(names)}):",
                 "    width = out.shape[1]",
                 "    for r in range(lo, hi):",
                 "        o = out[r]"]
        for i, kind in enumerate(kinds):
            if kind == "f":
                lines.append(f"        r{i} = a{i}[r]")
                loads[f"a{i}"] = f"r{i}[e]"
            elif kind == "c":
                loads[f"a{i}"] = f"a{i}[e]"
            else:
                loads[f"a{i}"] = f"a{i}"
        lines.append("        for e in range(width):")
        # Operands read once each, first (a store between loads makes LLVM reload).
        for i in range(self.count):
            lines.append(f"            v{i} = {loads[f'a{i}']}")
        for formula, refs, out_ref in self.members:
            args = [f"v{ref[1:]}" if ref.startswith("a") else ref for ref in refs]
            lines.append(f"            {out_ref} = {formula.format(*args)}")
        lines.append(f"            o[e] = {self.result}")
        return "\n".join(lines) + "\n"


_kernels: dict = {}     # source -> compiled kernel, for the process
