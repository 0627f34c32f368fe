"""The numba-compiled transforms of winograd.py (imported only where numba is installed).

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


@_jit
def input_transform(x, top, left, th, tw, v):
    """v[4p + q, t] = (B^T d B)[p, q] for the 4x4 tile d of tile t (row-major over images,
    tile rows, tile columns) of x zero-padded by `top` rows and `left` columns (negative: cut)
    to (n, 2 th + 2, 2 tw + 2, C): x: (n, H, W, C) -> v: (16, n th tw, C).

    Rows first, for a whole row of tiles at once (B^T d: four loops over four image rows, as
    long as a row), then the columns of each tile (d B: four outputs a loop, loads first). The
    padding is never copied: rows outside x read a row of zeros, and the columns outside it
    stay zero in the row buffers (the same sums as over an explicitly padded copy)."""
    n, height, width, channels = x.shape
    wp = 2 * tw + 2
    c0 = max(left, 0)                                # x's columns land on c0 .. c1 - 1
    c1 = min(width + left, wp)
    inner = max(c1 - c0, 0) * channels
    first = (c0 - left) * channels                   # where they start in an x row
    rows = np.zeros((4, wp, channels), x.dtype)
    r0, r1, r2, r3 = (rows[0].reshape(wp * channels)[c0 * channels:c0 * channels + inner],
                      rows[1].reshape(wp * channels)[c0 * channels:c0 * channels + inner],
                      rows[2].reshape(wp * channels)[c0 * channels:c0 * channels + inner],
                      rows[3].reshape(wp * channels)[c0 * channels:c0 * channels + inner])
    zero = np.zeros(inner, x.dtype)
    t = 0
    for b in range(n):
        for i in range(th):
            d0 = d1 = d2 = d3 = zero
            source = 2 * i - top
            if 0 <= source < height:
                d0 = x[b, source].reshape(width * channels)[first:first + inner]
            if 0 <= source + 1 < height:
                d1 = x[b, source + 1].reshape(width * channels)[first:first + inner]
            if 0 <= source + 2 < height:
                d2 = x[b, source + 2].reshape(width * channels)[first:first + inner]
            if 0 <= source + 3 < height:
                d3 = x[b, source + 3].reshape(width * channels)[first:first + inner]
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
