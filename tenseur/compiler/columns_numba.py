"""numba-compiled kernels of the zero-column pass (columns.py), imported only where numba is
installed: the nonzero columns of a batch, their copy, and a gradient-descent update of the
rows they feed. The same results as columns.py's NumPy kernels, bit for bit.
"""
import numba
import numpy as np

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
def descend_rows(var, grad_rows, idx, alpha, out):
    """out = var, with out[idx[c]] = var[idx[c]] - grad_rows[c] * alpha (idx increasing):
    ApplyGradientDescent's two roundings (the product, then the difference) on the rows with
    a gradient, a copy elsewhere (var - 0 * alpha is var), in one pass."""
    k = idx.shape[0]
    c = 0
    for r in range(var.shape[0]):
        src, dst = var[r], out[r]
        if c < k and idx[c] == r:
            g = grad_rows[c]
            for e in range(src.shape[0]):
                dst[e] = src[e] - g[e] * alpha
            c += 1
        else:
            for e in range(src.shape[0]):
                dst[e] = src[e]


@_jit
def descend_rows_in_place(var, grad_rows, idx, alpha):
    """var[idx[c]] -= grad_rows[c] * alpha for each c, in place: descend_rows' arithmetic on
    the rows with a gradient, the other rows untouched."""
    for c in range(idx.shape[0]):
        dst, g = var[idx[c]], grad_rows[c]
        for e in range(dst.shape[0]):
            dst[e] = dst[e] - g[e] * alpha
