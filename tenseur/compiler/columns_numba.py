"""numba-compiled kernels of the zero-column pass (columns.py), imported only where numba is
installed: the nonzero columns of a batch, their copy, and a gradient-descent update of the
rows they feed. The same results as columns.py's NumPy kernels, bit for bit.

On CPUs with AVX-512 the float32 copy packs each row 16 values at a time with the vector
compress instruction (`compress_rows`): one load, one compress in registers and one store per
16 columns, where `gather_columns` moves one value at a time (MNIST batch of 128, 509 of 784
columns kept: 11 against 21 us on the EPYC VM). The compress goes through a register: its
form that stores to memory takes ~140 cycles on AMD Zen 4. `compress_works()` says whether
this numba build can compile it here.
"""
import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

_jit = numba.njit(cache=True, nogil=True, fastmath=False, error_model="numpy")


@_jit
def nonzero_columns(x, idx, limit):
    """Writes the indices of the columns of `x` (rows, columns) holding a value other than 0
    (NaN included) into idx[:k], in order, and returns k; returns -1 instead once more than
    `limit` columns are found (checked after rows 1, 2, 4, 8...: dense data stops early)."""
    rows, cols = x.shape
    mask = np.zeros(cols, np.bool_)
    check = 1
    for i in range(rows):
        row = x[i]
        for j in range(cols):
            mask[j] |= row[j] != 0
        if i + 1 == check or i + 1 == rows:
            check *= 2
            k = 0
            for j in range(cols):
                k += mask[j]
            if k > limit:
                return -1
    k = 0
    for j in range(cols):
        if mask[j]:
            idx[k] = j
            k += 1
    return k


@_jit
def gather_columns(x, idx, out):
    """out[i, c] = x[i, idx[c]], four rows at a time (each index loaded once for four)."""
    rows, k = out.shape
    i = 0
    while i + 4 <= rows:
        r0, r1, r2, r3 = x[i], x[i + 1], x[i + 2], x[i + 3]
        o0, o1, o2, o3 = out[i], out[i + 1], out[i + 2], out[i + 3]
        for c in range(k):
            j = idx[c]
            o0[c] = r0[j]
            o1[c] = r1[j]
            o2[c] = r2[j]
            o3[c] = r3[j]
        i += 4
    while i < rows:
        r0, o0 = x[i], out[i]
        for c in range(k):
            o0[c] = r0[idx[c]]
        i += 1


@_jit
def descend_rows_in_place(var, grad_rows, idx, alpha):
    """var[idx[c]] -= grad_rows[c] * alpha for each c, in place: ApplyGradientDescent's two
    roundings (the product, then the difference) on the rows with a gradient, the other rows
    untouched (var - 0 * alpha is var)."""
    for c in range(idx.shape[0]):
        dst, g = var[idx[c]], grad_rows[c]
        for e in range(dst.shape[0]):
            dst[e] = dst[e] - g[e] * alpha


# -- the AVX-512 copy -------------------------------------------------------------------------

@intrinsic
def _compress16(typingctx, src, src_start, dst, dst_start, mask):
    """Stores the values of src[src_start:src_start + 16] whose bit is set in `mask`, in order,
    at dst[dst_start:], then 16 - popcount(mask) values of no meaning after them (the next
    store overwrites them; the caller leaves room for the last). float32 1-D arrays."""
    sig = types.void(src, src_start, dst, dst_start, mask)

    def codegen(context, builder, signature, args):
        src_value, src_index, dst_value, dst_index, bits = args
        source = context.make_array(signature.args[0])(context, builder, value=src_value)
        target = context.make_array(signature.args[2])(context, builder, value=dst_value)
        f32 = ir.FloatType()
        vector = ir.VectorType(f32, 16)
        lanes = ir.VectorType(ir.IntType(1), 16)
        loaded = builder.load(builder.bitcast(builder.gep(source.data, [src_index]),
                                              vector.as_pointer()), align=4)
        chosen = builder.bitcast(builder.trunc(bits, ir.IntType(16)), lanes)
        compress = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(vector, [vector, vector, lanes]),
            "llvm.x86.avx512.mask.compress.v16f32")
        packed = builder.call(compress, [loaded, ir.Constant(vector, None), chosen])
        builder.store(packed, builder.bitcast(builder.gep(target.data, [dst_index]),
                                              vector.as_pointer()), align=4)
        return context.get_dummy_value()
    return sig, codegen


@_jit
def chunk_masks(idx, masks, counts):
    """For each 16 columns c: the bits of the kept ones (idx) in masks[c], their count in
    counts[c]."""
    masks[:] = 0
    counts[:] = 0
    for i in range(idx.shape[0]):
        j = idx[i]
        masks[j >> 4] |= np.int64(1) << (j & 15)
        counts[j >> 4] += 1


@_jit
def compress_rows(x, masks, counts, flat, width):
    """flat[i * width:(i + 1) * width] = the kept columns of row i of the float32 x (rows of
    unit stride), `masks` and `counts` from chunk_masks; `flat` has 16 values of room after
    rows * width."""
    rows, cols = x.shape
    whole = cols >> 4
    for i in range(rows):
        src = x[i]
        k = i * width
        for c in range(whole):
            if counts[c]:
                _compress16(src, c * 16, flat, k, masks[c])
                k += counts[c]
        for j in range(whole * 16, cols):
            if (masks[j >> 4] >> (j & 15)) & 1:
                flat[k] = src[j]
                k += 1


_compress_checked = []


def compress_works() -> bool:
    """Whether compress_rows compiles and runs right here (AVX-512 in the CPU numba targets);
    checked once, on a small batch against gather_columns."""
    if not _compress_checked:
        works = False
        try:
            import llvmlite.binding as llvm
            features = llvm.get_host_cpu_features()
            if features.get("avx512f") and not numba.config.CPU_NAME:
                x = np.arange(3 * 37, dtype=np.float32).reshape(3, 37) % 5
                idx = np.flatnonzero(x.any(axis=0))
                masks, counts = np.empty(3, np.int64), np.empty(3, np.int64)
                chunk_masks(idx, masks, counts)
                flat = np.empty(3 * len(idx) + 16, np.float32)
                compress_rows(x, masks, counts, flat, len(idx))
                works = bool(np.array_equal(flat[:3 * len(idx)].reshape(3, -1), x[:, idx]))
        except Exception:       # noqa: BLE001 - another CPU or numba: the one-value copy
            works = False
        _compress_checked.append(works)
    return _compress_checked[0]


@_jit
def descend_by_column_sums(var, grad, alpha):
    """var -= (the column sums of the 2-D grad) * alpha, in place: a bias' SGD update from the
    gradient of the layer's output (BiasAddGrad), each sum accumulated in float64 and rounded
    once, then ApplyGradientDescent's two roundings (the product, then the difference)."""
    rows, cols = grad.shape
    sums = np.zeros(cols, np.float64)
    for i in range(rows):
        row = grad[i]
        for j in range(cols):
            sums[j] += row[j]
    for j in range(cols):
        step = var.dtype.type(sums[j]) * alpha
        var[j] = var[j] - step
