"""The numba-compiled transforms of winograd.py (imported only where numba is installed).

Each loop runs over the channels of one tile, the contiguous axis, so LLVM vectorizes it; one
output array per loop (16 in a loop would need more run-time aliasing checks than LLVM makes,
and it would not vectorize). The matrices, with F(2x2, 3x3)'s usual choice of points 0, 1, -1:
    B^T = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]]
    A^T = [[1, 1, 1, 0], [0, 1, -1, -1]]
so V = B^T d B, y = A^T M A and Z = A dY A^T are sums and differences only.
Compiled on first use and cached on disk (numba's `cache=True`).
"""
import numba
import numpy as np

_jit = numba.njit(cache=True, nogil=True, fastmath=False, error_model="numpy")


@_jit
def input_transform(x, th, tw, v):
    """v[4p + q, t] = (B^T d B)[p, q] for the 4x4 tile d of tile t (row-major over images,
    tile rows, tile columns) of x: (n, 2 th + 2, 2 tw + 2, C) -> v: (16, n th tw, C)."""
    n, _, _, channels = x.shape
    t = 0
    for b in range(n):
        for i in range(th):
            r = 2 * i
            for j in range(tw):
                c = 2 * j
                d00, d01, d02, d03 = x[b, r, c], x[b, r, c + 1], x[b, r, c + 2], x[b, r, c + 3]
                d10, d11, d12, d13 = (x[b, r + 1, c], x[b, r + 1, c + 1], x[b, r + 1, c + 2],
                                      x[b, r + 1, c + 3])
                d20, d21, d22, d23 = (x[b, r + 2, c], x[b, r + 2, c + 1], x[b, r + 2, c + 2],
                                      x[b, r + 2, c + 3])
                d30, d31, d32, d33 = (x[b, r + 3, c], x[b, r + 3, c + 1], x[b, r + 3, c + 2],
                                      x[b, r + 3, c + 3])
                o = v[0, t]
                for k in range(channels):
                    o[k] = (d00[k] - d20[k]) - (d02[k] - d22[k])
                o = v[1, t]
                for k in range(channels):
                    o[k] = (d01[k] - d21[k]) + (d02[k] - d22[k])
                o = v[2, t]
                for k in range(channels):
                    o[k] = (d02[k] - d22[k]) - (d01[k] - d21[k])
                o = v[3, t]
                for k in range(channels):
                    o[k] = (d01[k] - d21[k]) - (d03[k] - d23[k])
                o = v[4, t]
                for k in range(channels):
                    o[k] = (d10[k] + d20[k]) - (d12[k] + d22[k])
                o = v[5, t]
                for k in range(channels):
                    o[k] = (d11[k] + d21[k]) + (d12[k] + d22[k])
                o = v[6, t]
                for k in range(channels):
                    o[k] = (d12[k] + d22[k]) - (d11[k] + d21[k])
                o = v[7, t]
                for k in range(channels):
                    o[k] = (d11[k] + d21[k]) - (d13[k] + d23[k])
                o = v[8, t]
                for k in range(channels):
                    o[k] = (d20[k] - d10[k]) - (d22[k] - d12[k])
                o = v[9, t]
                for k in range(channels):
                    o[k] = (d21[k] - d11[k]) + (d22[k] - d12[k])
                o = v[10, t]
                for k in range(channels):
                    o[k] = (d22[k] - d12[k]) - (d21[k] - d11[k])
                o = v[11, t]
                for k in range(channels):
                    o[k] = (d21[k] - d11[k]) - (d23[k] - d13[k])
                o = v[12, t]
                for k in range(channels):
                    o[k] = (d10[k] - d30[k]) - (d12[k] - d32[k])
                o = v[13, t]
                for k in range(channels):
                    o[k] = (d11[k] - d31[k]) + (d12[k] - d32[k])
                o = v[14, t]
                for k in range(channels):
                    o[k] = (d12[k] - d32[k]) - (d11[k] - d31[k])
                o = v[15, t]
                for k in range(channels):
                    o[k] = (d11[k] - d31[k]) - (d13[k] - d33[k])
                t += 1


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
    z: (16, n th tw, K); cells beyond oh or ow count as zeros."""
    n, oh, ow, channels = dy.shape
    zero = np.zeros(channels, dy.dtype)
    t = 0
    for b in range(n):
        for i in range(th):
            r = 2 * i
            for j in range(tw):
                c = 2 * j
                g00 = dy[b, r, c]
                g01 = dy[b, r, c + 1] if c + 1 < ow else zero
                g10 = dy[b, r + 1, c] if r + 1 < oh else zero
                g11 = dy[b, r + 1, c + 1] if r + 1 < oh and c + 1 < ow else zero
                o = z[0, t]
                for k in range(channels):
                    o[k] = g00[k]
                o = z[1, t]
                for k in range(channels):
                    o[k] = g00[k] + g01[k]
                o = z[2, t]
                for k in range(channels):
                    o[k] = g00[k] - g01[k]
                o = z[3, t]
                for k in range(channels):
                    o[k] = -g01[k]
                o = z[4, t]
                for k in range(channels):
                    o[k] = g00[k] + g10[k]
                o = z[5, t]
                for k in range(channels):
                    o[k] = (g00[k] + g10[k]) + (g01[k] + g11[k])
                o = z[6, t]
                for k in range(channels):
                    o[k] = (g00[k] + g10[k]) - (g01[k] + g11[k])
                o = z[7, t]
                for k in range(channels):
                    o[k] = -(g01[k] + g11[k])
                o = z[8, t]
                for k in range(channels):
                    o[k] = g00[k] - g10[k]
                o = z[9, t]
                for k in range(channels):
                    o[k] = (g00[k] - g10[k]) + (g01[k] - g11[k])
                o = z[10, t]
                for k in range(channels):
                    o[k] = (g00[k] - g10[k]) - (g01[k] - g11[k])
                o = z[11, t]
                for k in range(channels):
                    o[k] = g11[k] - g01[k]
                o = z[12, t]
                for k in range(channels):
                    o[k] = -g10[k]
                o = z[13, t]
                for k in range(channels):
                    o[k] = -(g10[k] + g11[k])
                o = z[14, t]
                for k in range(channels):
                    o[k] = g11[k] - g10[k]
                o = z[15, t]
                for k in range(channels):
                    o[k] = g11[k]
                t += 1
