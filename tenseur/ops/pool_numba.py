"""numba-compiled 2x2 stride-2 max pooling and its gradient (the slides' pooling) and max pooling
over any other windows (ResNet's 3x3 stride 2), imported by
pool_kernels only where numba is installed: the same values, bit for bit, as pool_kernels'
NumPy kernels, in a single pass over the input (NumPy's take several over views of `channels`
contiguous values). Each loop runs over the channels of one window, the contiguous axis, and
writes one array, so that LLVM vectorizes it.
"""
import numba
import numpy as np

_jit = numba.njit(cache=True, nogil=True, error_model="numpy")


@_jit
def max_pool_2x2(x, y):
    """y[b, i, j] = the max of x's 2x2 window at (2i, 2j), paired as NumPy's tiled kernel pairs
    them (the two rows first, then the two columns) and with np.maximum's NaN rule."""
    n, oh, ow, channels = y.shape
    for b in range(n):
        for i in range(oh):
            r = 2 * i
            for j in range(ow):
                c = 2 * j
                x00, x01 = x[b, r, c], x[b, r, c + 1]
                x10, x11 = x[b, r + 1, c], x[b, r + 1, c + 1]
                o = y[b, i, j]
                for k in range(channels):
                    o[k] = np.maximum(np.maximum(x00[k], x10[k]), np.maximum(x01[k], x11[k]))


@_jit
def max_pool_grad_2x2(x, y, dy, dx):
    """dx for max_pool_2x2: each dy[b, i, j] goes to the first cell of its window, in row-major
    order, equal to y[b, i, j] (TensorFlow's tie rule); the others get dy * 0. Cells outside
    every window are left as they are (the caller zeroes them)."""
    n, oh, ow, channels = y.shape
    taken = np.empty(channels, np.bool_)
    for b in range(n):
        for i in range(oh):
            r = 2 * i
            for j in range(ow):
                c = 2 * j
                best, grad = y[b, i, j], dy[b, i, j]
                x00, x01 = x[b, r, c], x[b, r, c + 1]
                x10, x11 = x[b, r + 1, c], x[b, r + 1, c + 1]
                o = dx[b, r, c]
                for k in range(channels):
                    hit = x00[k] == best[k]
                    o[k] = grad[k] * hit
                    taken[k] = hit
                o = dx[b, r, c + 1]
                for k in range(channels):
                    hit = (x01[k] == best[k]) & ~taken[k]
                    o[k] = grad[k] * hit
                    taken[k] |= hit
                o = dx[b, r + 1, c]
                for k in range(channels):
                    hit = (x10[k] == best[k]) & ~taken[k]
                    o[k] = grad[k] * hit
                    taken[k] |= hit
                o = dx[b, r + 1, c + 1]
                for k in range(channels):
                    o[k] = grad[k] * ((x11[k] == best[k]) & ~taken[k])


@_jit
def max_pool_windows(x, kh, kw, sh, sw, pt, pl, first, y):
    """y[b, i, j] = the max of the (kh, kw) window at (i sh - pt, j sw - pl) over its taps that
    read x (padding never takes part): tap `first` (row-major index of one that reads x for
    every output; -1 when none does: start from -inf) copied, then every other tap in
    row-major order with np.maximum, the order of pool_kernels' tap-by-tap NumPy kernel, so
    the same bits. For windows that do not tile the image (ResNet's 3x3 stride 2)."""
    n, height, width, channels = x.shape
    oh, ow = y.shape[1], y.shape[2]
    fi, fj = first // kw, first % kw
    for b in range(n):
        for i in range(oh):
            for j in range(ow):
                o = y[b, i, j]
                if first >= 0:
                    src = x[b, i * sh + fi - pt, j * sw + fj - pl]
                    for k in range(channels):
                        o[k] = src[k]
                else:
                    for k in range(channels):
                        o[k] = -np.inf
                for di in range(kh):
                    r = i * sh + di - pt
                    if r < 0 or r >= height:
                        continue
                    for dj in range(kw):
                        c = j * sw + dj - pl
                        if c < 0 or c >= width or di * kw + dj == first:
                            continue
                        src = x[b, r, c]
                        for k in range(channels):
                            o[k] = np.maximum(o[k], src[k])
