"""The numba-compiled transforms of winograd.py (imported only where numba is installed):
F(2x2, 3x3) first, F(4x4, 3x3) below.

Each loop runs over a contiguous axis (the channels of one tile, or a whole image row), so LLVM
vectorizes it. A loop writes one output array, or four with all its loads first: 16 in a loop
would need more run-time aliasing checks than LLVM makes, and it would not vectorize; stores
between loads make it reload after each store. The input and gradient transforms run a row of
tiles at a time, rows first (long loops), then each tile's columns: on the slides' 32 -> 32
layer the input transform takes half the time of 16 loops per tile
(`benchmarks/winograd_transforms.py` times both). The matrices, with F(2x2, 3x3)'s usual
choice of points 0, 1, -1:
    B^T = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]]
    A^T = [[1, 1, 1, 0], [0, 1, -1, -1]]
so V = B^T d B, y = A^T M A and Z = A dY A^T are sums and differences only.
Compiled on first use and cached on disk (numba's `cache=True`).
"""
import numba
import numpy as np

_jit = numba.njit(cache=True, nogil=True, fastmath=False, error_model="numpy")


@numba.njit(inline="always", nogil=True)
def _column_window(width, channels, left, wp):
    """(start, inner, first) for an image of `width` columns padded by `left` columns
    (negative: cut) into rows of `wp`: its columns land on the padded row's values start ..
    start + inner, read from offset `first` of an image row (columns outside it stay zero in
    the row buffers)."""
    c0 = max(left, 0)
    c1 = min(width + left, wp)
    return c0 * channels, max(c1 - c0, 0) * channels, (c0 - left) * channels


@numba.njit(inline="always", nogil=True)
def _source_row(x, b, r, first, inner, zero):
    """The `inner` values of row r of image b of x from offset `first` (a view), or `zero`
    where r is outside the image (the zero padding above and below it)."""
    if 0 <= r < x.shape[1]:
        return x[b, r].reshape(x.shape[2] * x.shape[3])[first:first + inner]
    return zero


@_jit
def input_transform(x, top, left, th, tw, v):
    """v[4p + q, t] = (B^T d B)[p, q] for the 4x4 tile d of tile t (row-major over images,
    tile rows, tile columns) of x zero-padded by `top` rows and `left` columns (negative: cut)
    to (n, 2 th + 2, 2 tw + 2, C): x: (n, H, W, C) -> v: (16, n th tw, C).

    Rows first, for a whole row of tiles at once (B^T d: four loops over four image rows, as
    long as a row), then the columns of each tile (d B: four outputs a loop, loads first). The
    padding is never copied: rows outside x read a row of zeros, and the columns outside it
    stay zero in the row buffers (the same sums as over an explicitly padded copy)."""
    n, _, width, channels = x.shape
    wp = 2 * tw + 2
    start, inner, first = _column_window(width, channels, left, wp)
    rows = np.zeros((4, wp, channels), x.dtype)
    flat = rows.reshape(4, wp * channels)
    r0 = flat[0, start:start + inner]
    r1 = flat[1, start:start + inner]
    r2 = flat[2, start:start + inner]
    r3 = flat[3, start:start + inner]
    zero = np.zeros(inner, x.dtype)
    t = 0
    for b in range(n):
        for i in range(th):
            source = 2 * i - top
            d0 = _source_row(x, b, source, first, inner, zero)
            d1 = _source_row(x, b, source + 1, first, inner, zero)
            d2 = _source_row(x, b, source + 2, first, inner, zero)
            d3 = _source_row(x, b, source + 3, first, inner, zero)
            for e in range(inner):
                r0[e] = d0[e] - d2[e]
            for e in range(inner):
                r1[e] = d1[e] + d2[e]
            for e in range(inner):
                r2[e] = d2[e] - d1[e]
            for e in range(inner):
                r3[e] = d1[e] - d3[e]
            for p in range(4):
                row = rows[p]
                o0, o1, o2, o3 = v[4 * p], v[4 * p + 1], v[4 * p + 2], v[4 * p + 3]
                for j in range(tw):
                    a0, a1, a2, a3 = row[2 * j], row[2 * j + 1], row[2 * j + 2], row[2 * j + 3]
                    q0, q1, q2, q3 = o0[t + j], o1[t + j], o2[t + j], o3[t + j]
                    for k in range(channels):
                        b0 = a0[k]
                        b1 = a1[k]
                        b2 = a2[k]
                        b3 = a3[k]
                        q0[k] = b0 - b2
                        q1[k] = b1 + b2
                        q2[k] = b2 - b1
                        q3[k] = b1 - b3
            t += tw


@_jit
def output_transform(m, th, tw, y):
    """y's 2x2 tile t = A^T M A, M[p, q] = m[4p + q, t]; m: (16, n th tw, K) -> y: (n, oh, ow,
    K), the tiles' cells beyond oh or ow left out."""
    n, oh, ow, channels = y.shape
    t = 0
    for b in range(n):
        for i in range(th):
            r = 2 * i
            for j in range(tw):
                c = 2 * j
                last_row, last_col = r + 1 < oh, c + 1 < ow
                for k in range(channels):
                    # Rows first: A^T M, then its columns.
                    p0 = m[0, t, k] + m[4, t, k] + m[8, t, k]
                    p1 = m[1, t, k] + m[5, t, k] + m[9, t, k]
                    p2 = m[2, t, k] + m[6, t, k] + m[10, t, k]
                    p3 = m[3, t, k] + m[7, t, k] + m[11, t, k]
                    q0 = m[4, t, k] - m[8, t, k] - m[12, t, k]
                    q1 = m[5, t, k] - m[9, t, k] - m[13, t, k]
                    q2 = m[6, t, k] - m[10, t, k] - m[14, t, k]
                    q3 = m[7, t, k] - m[11, t, k] - m[15, t, k]
                    y[b, r, c, k] = p0 + p1 + p2
                    if last_col:
                        y[b, r, c + 1, k] = p1 - p2 - p3
                    if last_row:
                        y[b, r + 1, c, k] = q0 + q1 + q2
                        if last_col:
                            y[b, r + 1, c + 1, k] = q1 - q2 - q3
                t += 1


@_jit
def grad_transform(dy, th, tw, z):
    """z[4p + q, t] = (A dY A^T)[p, q] for the 2x2 tile dY of tile t of dy: (n, oh, ow, K) ->
    z: (16, n th tw, K); cells beyond oh or ow count as zeros.

    Rows first, as input_transform: A dY's rows g0, g0 + g1, g0 - g1, -g1 (g0, g1 the tile
    row's two rows of dy) for the whole row, then the columns of each tile."""
    n, oh, ow, channels = dy.shape
    run = 2 * tw * channels
    used = ow * channels                  # an odd ow leaves the rows' last column zero
    rows = np.zeros((4, 2 * tw, channels), dy.dtype)
    r0, r1, r2, r3 = (rows[0].reshape(run), rows[1].reshape(run), rows[2].reshape(run),
                      rows[3].reshape(run))
    t = 0
    for b in range(n):
        for i in range(th):
            g0 = dy[b, 2 * i].reshape(used)
            if 2 * i + 1 < oh:
                g1 = dy[b, 2 * i + 1].reshape(used)
                for e in range(used):
                    r0[e] = g0[e]
                for e in range(used):
                    r1[e] = g0[e] + g1[e]
                for e in range(used):
                    r2[e] = g0[e] - g1[e]
                for e in range(used):
                    r3[e] = -g1[e]
            else:
                for e in range(used):
                    r0[e] = g0[e]
                    r1[e] = g0[e]
                    r2[e] = g0[e]
                    r3[e] = 0
            for p in range(4):
                row = rows[p]
                o0, o1, o2, o3 = z[4 * p], z[4 * p + 1], z[4 * p + 2], z[4 * p + 3]
                for j in range(tw):
                    a0, a1 = row[2 * j], row[2 * j + 1]
                    q0, q1, q2, q3 = o0[t + j], o1[t + j], o2[t + j], o3[t + j]
                    for k in range(channels):
                        b0 = a0[k]
                        b1 = a1[k]
                        q0[k] = b0
                        q1[k] = b0 + b1
                        q2[k] = b0 - b1
                        q3[k] = -b1
            t += tw


# -- F(4x4, 3x3) -----------------------------------------------------------------------------
# 6x6 input tiles (overlapping by 2) give 4x4 output tiles: 36 products of (tiles x C) @ (C x K)
# for 16 outputs, against F(2x2, 3x3)'s 16 for 4 (4x fewer multiplications than direct, 2.25x
# for F(2x2, 3x3)), and 2.25 transformed values per output instead of 4. Points 0, 1, -1, 2,
# -2 (Lavin & Gray's):
#     B^T = [[4, 0, -5, 0, 1, 0], [0, -4, -4, 1, 1, 0], [0, 4, -4, -1, 1, 0],
#            [0, -2, -1, 2, 1, 0], [0, 2, -1, -2, 1, 0], [0, 4, 0, -5, 0, 1]]
#     A^T = [[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0], [0, 1, -1, 8, -8, 1]]
# The same layout as above: rows first for a whole row of tiles, then each tile's columns,
# at most three outputs a loop (loads first).


@_jit
def _constants(dtype):
    """2, 4, 5 and 8 in `dtype`: a Python int times a float32 would be a float64 in numba
    (slower, and rounded otherwise than NumPy's float32 arithmetic)."""
    c = np.empty(4, dtype)
    c[0], c[1], c[2], c[3] = 2, 4, 5, 8
    return c[0], c[1], c[2], c[3]


@_jit
def input_transform4(x, top, left, th, tw, v):
    """v[6p + q, t] = (B^T d B)[p, q] for the 6x6 tile d of tile t of x zero-padded by `top`
    rows and `left` columns (negative: cut) to (n, 4 th + 2, 4 tw + 2, C): x: (n, H, W, C) ->
    v: (36, n th tw, C). Padding as input_transform: never copied."""
    n, _, width, channels = x.shape
    two, four, five, _ = _constants(x.dtype)
    wp = 4 * tw + 2
    start, inner, first = _column_window(width, channels, left, wp)
    rows = np.zeros((6, wp, channels), x.dtype)
    flat = rows.reshape(6, wp * channels)
    r0 = flat[0, start:start + inner]
    r1 = flat[1, start:start + inner]
    r2 = flat[2, start:start + inner]
    r3 = flat[3, start:start + inner]
    r4 = flat[4, start:start + inner]
    r5 = flat[5, start:start + inner]
    zero = np.zeros(inner, x.dtype)
    t = 0
    for b in range(n):
        for i in range(th):
            source = 4 * i - top
            d0 = _source_row(x, b, source, first, inner, zero)
            d1 = _source_row(x, b, source + 1, first, inner, zero)
            d2 = _source_row(x, b, source + 2, first, inner, zero)
            d3 = _source_row(x, b, source + 3, first, inner, zero)
            d4 = _source_row(x, b, source + 4, first, inner, zero)
            d5 = _source_row(x, b, source + 5, first, inner, zero)
            for e in range(inner):
                r0[e] = four * d0[e] - five * d2[e] + d4[e]
            for e in range(inner):
                r1[e] = d3[e] + d4[e] - four * (d1[e] + d2[e])
            for e in range(inner):
                r2[e] = d4[e] - d3[e] + four * (d1[e] - d2[e])
            for e in range(inner):
                r3[e] = d4[e] - d2[e] + two * (d3[e] - d1[e])
            for e in range(inner):
                r4[e] = d4[e] - d2[e] + two * (d1[e] - d3[e])
            for e in range(inner):
                r5[e] = four * d1[e] - five * d3[e] + d5[e]
            for p in range(6):
                row = rows[p]
                o0, o1, o2 = v[6 * p], v[6 * p + 1], v[6 * p + 2]
                o3, o4, o5 = v[6 * p + 3], v[6 * p + 4], v[6 * p + 5]
                for j in range(tw):
                    a0, a1, a2 = row[4 * j], row[4 * j + 1], row[4 * j + 2]
                    a3, a4, a5 = row[4 * j + 3], row[4 * j + 4], row[4 * j + 5]
                    q0, q1, q2 = o0[t + j], o1[t + j], o2[t + j]
                    for k in range(channels):
                        b0 = a0[k]
                        b1 = a1[k]
                        b2 = a2[k]
                        b3 = a3[k]
                        b4 = a4[k]
                        q0[k] = four * b0 - five * b2 + b4
                        q1[k] = b3 + b4 - four * (b1 + b2)
                        q2[k] = b4 - b3 + four * (b1 - b2)
                    q3, q4, q5 = o3[t + j], o4[t + j], o5[t + j]
                    for k in range(channels):
                        b1 = a1[k]
                        b2 = a2[k]
                        b3 = a3[k]
                        b4 = a4[k]
                        b5 = a5[k]
                        q3[k] = b4 - b2 + two * (b3 - b1)
                        q4[k] = b4 - b2 + two * (b1 - b3)
                        q5[k] = four * b1 - five * b3 + b5
            t += tw


@numba.njit(inline="always", nogil=True)
def _a_transpose(s0, s1, s2, s3, s4, s5, o0, o1, o2, o3, two, four, eight):
    """(o0, o1, o2, o3) = A^T (s0, ..., s5), channel by channel: F(4x4, 3x3)'s A^T applied
    along one axis of a tile (its rows, then its columns)."""
    for k in range(o0.shape[0]):
        e0 = s0[k]
        e1 = s1[k]
        e2 = s2[k]
        e3 = s3[k]
        e4 = s4[k]
        e5 = s5[k]
        o0[k] = e0 + e1 + e2 + e3 + e4
        o1[k] = e1 - e2 + two * (e3 - e4)
        o2[k] = e1 + e2 + four * (e3 + e4)
        o3[k] = e1 - e2 + eight * (e3 - e4) + e5


@numba.njit(inline="always", nogil=True)
def _bias_relu(o, bias, zero):
    """o = max(o + bias, 0) in place (NaN kept, -0.0 to +0.0: np.maximum's bits, as
    relu_numba.bias_relu), for one output cell's channels."""
    for k in range(o.shape[0]):
        v = o[k] + bias[k]
        o[k] = v if (v > zero or v != v) else zero


@_jit
def output_transform4(m, th, tw, y, bias, relu):
    """y's 4x4 tile t = A^T M A, M[p, q] = m[6p + q, t]; m: (36, n th tw, K) -> y: (n, oh, ow,
    K), the tiles' cells beyond oh or ow left out. Per tile, A^T M's four rows (one loop per
    column of M), then each row's four outputs. With `relu`, each output cell becomes
    max(cell + bias, 0) while it is in registers and L1 (a fused Conv2D + BiasAdd + Relu: the
    bits of the separate passes); `bias` (K,) is read only then."""
    n, oh, ow, channels = y.shape
    two, four, _, eight = _constants(m.dtype)
    zero = np.zeros(1, m.dtype)[0]
    rows = np.empty((4, 6, channels), m.dtype)       # A^T M of one tile
    cut = np.empty((4, channels), m.dtype)           # one row of an edge tile
    t = 0
    for b in range(n):
        for i in range(th):
            r = 4 * i
            rr = min(4, oh - r)
            for j in range(tw):
                c = 4 * j
                cc = min(4, ow - c)
                for q in range(6):
                    m0, m1, m2 = m[q, t], m[6 + q, t], m[12 + q, t]
                    m3, m4, m5 = m[18 + q, t], m[24 + q, t], m[30 + q, t]
                    _a_transpose(m0, m1, m2, m3, m4, m5,
                                 rows[0, q], rows[1, q], rows[2, q], rows[3, q], two, four, eight)
                for s in range(rr):
                    row = rows[s]
                    if cc == 4:
                        y0, y1, y2, y3 = y[b, r + s, c], y[b, r + s, c + 1], \
                            y[b, r + s, c + 2], y[b, r + s, c + 3]
                    else:
                        y0, y1, y2, y3 = cut[0], cut[1], cut[2], cut[3]
                    _a_transpose(row[0], row[1], row[2], row[3], row[4], row[5],
                                 y0, y1, y2, y3, two, four, eight)
                    if relu:
                        _bias_relu(y0, bias, zero)
                        _bias_relu(y1, bias, zero)
                        _bias_relu(y2, bias, zero)
                        _bias_relu(y3, bias, zero)
                    if cc < 4:
                        for u in range(cc):
                            y[b, r + s, c + u] = cut[u]
                t += 1


@_jit
def grad_transform4(dy, th, tw, z):
    """z[6p + q, t] = (A dY A^T)[p, q] for the 4x4 tile dY of tile t of dy: (n, oh, ow, K) ->
    z: (36, n th tw, K); cells beyond oh or ow count as zeros. A dY's rows g0, g0 + g1 + g2 +
    g3, g0 - g1 + g2 - g3, g0 + 2 g1 + 4 g2 + 8 g3, g0 - 2 g1 + 4 g2 - 8 g3, g3 for a whole row
    of tiles, then each tile's columns alike."""
    n, oh, ow, channels = dy.shape
    two, four, _, eight = _constants(dy.dtype)
    run = 4 * tw * channels
    used = ow * channels                  # columns beyond ow stay zero in the row buffers
    rows = np.zeros((6, 4 * tw, channels), dy.dtype)
    flat = rows.reshape(6, run)
    r0, r1, r2, r3, r4, r5 = flat[0], flat[1], flat[2], flat[3], flat[4], flat[5]
    zero = np.zeros(used, dy.dtype)
    t = 0
    for b in range(n):
        for i in range(th):
            g0 = dy[b, 4 * i].reshape(used)
            g1 = g2 = g3 = zero
            if 4 * i + 1 < oh:
                g1 = dy[b, 4 * i + 1].reshape(used)
            if 4 * i + 2 < oh:
                g2 = dy[b, 4 * i + 2].reshape(used)
            if 4 * i + 3 < oh:
                g3 = dy[b, 4 * i + 3].reshape(used)
            for e in range(used):
                r0[e] = g0[e]
            for e in range(used):
                r1[e] = g0[e] + g1[e] + g2[e] + g3[e]
            for e in range(used):
                r2[e] = g0[e] - g1[e] + g2[e] - g3[e]
            for e in range(used):
                r3[e] = g0[e] + two * g1[e] + four * g2[e] + eight * g3[e]
            for e in range(used):
                r4[e] = g0[e] - two * g1[e] + four * g2[e] - eight * g3[e]
            for e in range(used):
                r5[e] = g3[e]
            for p in range(6):
                row = rows[p]
                o0, o1, o2 = z[6 * p], z[6 * p + 1], z[6 * p + 2]
                o3, o4, o5 = z[6 * p + 3], z[6 * p + 4], z[6 * p + 5]
                for j in range(tw):
                    a0, a1, a2, a3 = row[4 * j], row[4 * j + 1], row[4 * j + 2], row[4 * j + 3]
                    q0, q1, q2 = o0[t + j], o1[t + j], o2[t + j]
                    for k in range(channels):
                        b0 = a0[k]
                        b1 = a1[k]
                        b2 = a2[k]
                        b3 = a3[k]
                        q0[k] = b0
                        q1[k] = b0 + b1 + b2 + b3
                        q2[k] = b0 - b1 + b2 - b3
                    q3, q4, q5 = o3[t + j], o4[t + j], o5[t + j]
                    for k in range(channels):
                        b0 = a0[k]
                        b1 = a1[k]
                        b2 = a2[k]
                        b3 = a3[k]
                        q3[k] = b0 + two * b1 + four * b2 + eight * b3
                        q4[k] = b0 - two * b1 + four * b2 - eight * b3
                        q5[k] = b3
            t += tw
