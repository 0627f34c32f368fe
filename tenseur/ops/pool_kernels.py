"""NumPy kernels for 2-D max and average pooling and their gradients: arrays in, arrays out.

The op layer (`MaxPool`, `MaxPoolGrad`, `AvgPool`, `AvgPoolGrad`) wraps these functions.
Layout, `ksize`/`strides`/`padding` conventions and output sizes are those of
conv_kernels.py, whose geometry helpers they share.

How it is fast: pooling loops over the kh*kw window taps only, each a vectorised op on
strided views; taps that touch padding work on the sub-rectangle of outputs whose input is
real, so nothing is ever padded for pooling. Windows that tile the image reduce whole rows
first. numba was measured for max pooling and not adopted: alone, a parallel kernel is 2-3x
faster, but right after a BLAS call (where pooling sits in a network) OpenBLAS' idle workers
still spin on both cores and it is no faster than NumPy; serially it is not clearly faster.
"""

from __future__ import annotations

import numpy as np

from .conv_kernels import (_as_array, _check_dy, _Geometry, _geometry, _pair, _same_dtype,
                           _shape4)

__all__ = ["max_pool", "max_pool_grad", "avg_pool", "avg_pool_grad"]


# ----------------------------------------------------------------------------------------
# Pooling. Taps that reach into padding act on the sub-rectangle of outputs whose input
# cell is real, so padding never takes part: it never wins a max and is never counted in
# an average (TensorFlow's rule).


def _pool_geometry(fn: str, x_shape: tuple, ksize, strides, padding) -> _Geometry:
    kh, kw = _pair(ksize, "ksize", fn)
    g = _geometry(fn, x_shape[1:3], (kh, kw), strides, padding, (1, 1))
    if max(g.pt, g.pb) >= kh or max(g.pl, g.pr) >= kw:
        raise ValueError(f"{fn}: padding must be smaller than the window so that every "
                         f"window holds a real cell, got padding={padding!r} with "
                         f"ksize={ksize!r}.")
    return g


def _tap_range(out_size: int, in_size: int, stride: int, pad: int, offset: int) -> tuple:
    """Outputs [o0, o1) whose tap at `offset` reads a real input, and that input's slice."""
    o0 = max(-(-(pad - offset) // stride), 0)
    o1 = min((in_size - 1 + pad - offset) // stride + 1, out_size)
    o1 = max(o1, o0)
    start = o0 * stride - pad + offset
    return o0, o1, slice(start, start + (o1 - o0 - 1) * stride + 1 if o1 > o0 else start,
                         stride)


def _pool_taps(x_shape: tuple, g: _Geometry):
    """(output slices, input slices) for each window tap, in row-major window order."""
    for i in range(g.kh):
        oh0, oh1, rows = _tap_range(g.oh, x_shape[1], g.sh, g.pt, i)
        for j in range(g.kw):
            ow0, ow1, cols = _tap_range(g.ow, x_shape[2], g.sw, g.pl, j)
            out = (slice(None), slice(oh0, oh1), slice(ow0, ow1))
            yield out, (slice(None), rows, cols), (oh1 - oh0) * (ow1 - ow0) == g.oh * g.ow


def _lowest(dtype) -> object:
    return -np.inf if np.issubdtype(dtype, np.floating) else np.iinfo(dtype).min


def _tiles(g: _Geometry) -> bool:
    """Windows that tile the image without padding (2x2 stride 2 VALID, ...)."""
    return (g.kh, g.kw) == (g.sh, g.sw) and g.pt == g.pb == g.pl == g.pr == 0


def _tiled_reduce(x: np.ndarray, g: _Geometry, ufunc) -> np.ndarray:
    """Reduce tiling windows with `ufunc`: first across the window's rows, where a whole
    image row is one contiguous run, then across its columns on the kh-times smaller
    result; per-tap strided views would run over only `channels` values at a time."""
    n, _, _, c = x.shape
    tiles = x[:, :g.oh * g.kh, :g.ow * g.kw].reshape(n, g.oh, g.kh, g.ow, g.kw * c)
    rows = tiles[:, :, 0].copy() if g.kh == 1 else ufunc(tiles[:, :, 0], tiles[:, :, 1])
    for i in range(2, g.kh):
        ufunc(rows, tiles[:, :, i], out=rows)
    if g.kw == 1:
        return rows
    y = ufunc(rows[..., :c], rows[..., c:2 * c])
    for j in range(2, g.kw):
        ufunc(y, rows[..., j * c:(j + 1) * c], out=y)
    return y


def max_pool(x, ksize, strides, padding) -> np.ndarray:
    """Max pooling over (kh, kw) windows (TensorFlow's `MaxPool`, NHWC).

    Args:
        x: `(batch, height, width, channels)`.
        ksize: `(kh, kw)`; strides: `(sh, sw)`; padding: "SAME", "VALID" or explicit.

    Returns:
        `(batch, out_height, out_width, channels)`; padding never wins.
    """
    fn = "max_pool"
    x = _as_array(x, "x", fn, 4)
    g = _pool_geometry(fn, x.shape, ksize, strides, padding)
    if _tiles(g):
        return _tiled_reduce(x, g, np.maximum)
    y = np.empty((x.shape[0], g.oh, g.ow, x.shape[3]), x.dtype)
    taps = list(_pool_taps(x.shape, g))
    # Start from a tap that covers every output (there is one unless padding is wide):
    # it is copied, which saves a fill pass.
    first = next((t for t, tap in enumerate(taps) if tap[2]), None)
    if first is None:
        y.fill(_lowest(x.dtype))
    else:
        np.copyto(y, x[taps[first][1]])
    for t, (out, src, _) in enumerate(taps):
        if t != first:
            np.maximum(y[out], x[src], out=y[out])
    return y


def max_pool_grad(x, y, dy, ksize, strides, padding) -> np.ndarray:
    """Gradient of `max_pool`: each dy goes to the position of its window's max.

    Ties: TensorFlow's CPU kernel (maxpooling_op.cc, SpatialMaxPoolWithArgMaxHelper) scans
    the inputs in row-major order and replaces the argmax only when `max < value`, so the
    FIRST maximum in row-major window order wins; this kernel does the same, finding the max
    as the cell equal to y. A window whose max is NaN passes no gradient (NaN != NaN).

    Args:
        x: the pooled input; y: `max_pool(x, ...)`; dy: gradient of y.
        ksize, strides, padding: as given to `max_pool`.

    Returns:
        dx, x's shape and dtype.
    """
    fn = "max_pool_grad"
    x = _as_array(x, "x", fn, 4)
    y = _as_array(y, "y", fn, 4)
    dy = _as_array(dy, "dy", fn, 4)
    _same_dtype(fn, x=x, y=y, dy=dy)
    g = _pool_geometry(fn, x.shape, ksize, strides, padding)
    expected = (x.shape[0], g.oh, g.ow, x.shape[3])
    _check_dy(fn, y.shape, expected)
    _check_dy(fn, dy.shape, expected)
    taps = list(_pool_taps(x.shape, g))
    disjoint = g.sh >= g.kh and g.sw >= g.kw  # each input in at most one window
    covered = _tiles(g) and x.shape[1:3] == (g.oh * g.kh, g.ow * g.kw)
    dx = np.empty_like(x) if covered else np.zeros_like(x)  # every cell written: no zeroing
    taken = np.zeros(expected, bool)  # window's gradient already routed
    hit = np.empty(expected, bool)
    routed = np.empty(expected, dx.dtype)
    for t, (out, src, _) in enumerate(taps):
        is_max = np.equal(x[src], y[out], out=hit[out])
        if t > 0:
            np.greater(is_max, taken[out], out=is_max)  # is_max and not taken
        if t < len(taps) - 1:
            taken[out] |= is_max
        if disjoint:
            np.multiply(dy[out], is_max, out=dx[src])
        else:
            dx[src] += np.multiply(dy[out], is_max, out=routed[out])
    return dx


def _real_counts(in_size: int, out_size: int, k: int, stride: int, pad: int) -> np.ndarray:
    starts = np.arange(out_size) * stride - pad
    return np.minimum(starts + k, in_size) - np.maximum(starts, 0)


def _avg_divisor(x_shape: tuple, g: _Geometry, dtype) -> np.ndarray:
    """Number of real cells in each window, (oh, ow, 1): TensorFlow divides by it."""
    rows = _real_counts(x_shape[1], g.oh, g.kh, g.sh, g.pt)
    cols = _real_counts(x_shape[2], g.ow, g.kw, g.sw, g.pl)
    return np.multiply.outer(rows, cols).astype(dtype)[:, :, None]


def _require_float(fn: str, dtype) -> None:
    if not np.issubdtype(dtype, np.floating):
        raise TypeError(f"{fn}: needs a floating-point input, got dtype {dtype}; cast it "
                        f"to float32 first.")


def avg_pool(x, ksize, strides, padding) -> np.ndarray:
    """Average pooling (TensorFlow's `AvgPool`): the mean of each window's REAL cells.

    With SAME padding a border window is divided by the number of input cells it covers,
    not by kh*kw.

    Args:
        x: `(batch, height, width, channels)`, floating point.
        ksize, strides, padding: as for `max_pool`.
    """
    fn = "avg_pool"
    x = _as_array(x, "x", fn, 4)
    _require_float(fn, x.dtype)
    g = _pool_geometry(fn, x.shape, ksize, strides, padding)
    if _tiles(g):
        y = _tiled_reduce(x, g, np.add)
        y /= np.asarray(g.kh * g.kw, x.dtype)
        return y
    y = np.zeros((x.shape[0], g.oh, g.ow, x.shape[3]), x.dtype)
    for out, src, _ in _pool_taps(x.shape, g):
        y[out] += x[src]
    if g.pt == g.pb == g.pl == g.pr == 0:
        y /= np.asarray(g.kh * g.kw, x.dtype)
    else:
        y /= _avg_divisor(x.shape, g, x.dtype)
    return y


def avg_pool_grad(input_shape, dy, ksize, strides, padding) -> np.ndarray:
    """Gradient of `avg_pool`: each dy, divided by its window's real-cell count, is added
    to every real cell of the window.

    Args:
        input_shape: the pooled input's shape `(batch, height, width, channels)`.
        dy: gradient of the output.
        ksize, strides, padding: as given to `avg_pool`.
    """
    fn = "avg_pool_grad"
    dy = _as_array(dy, "dy", fn, 4)
    _require_float(fn, dy.dtype)
    x_shape = _shape4(input_shape, "input_shape", fn)
    g = _pool_geometry(fn, x_shape, ksize, strides, padding)
    _check_dy(fn, dy.shape, (x_shape[0], g.oh, g.ow, x_shape[3]))
    if g.pt == g.pb == g.pl == g.pr == 0:
        share = dy / np.asarray(g.kh * g.kw, dy.dtype)
    else:
        share = dy / _avg_divisor(x_shape, g, dy.dtype)
    dx = np.zeros(x_shape, dy.dtype)
    disjoint = g.sh >= g.kh and g.sw >= g.kw
    for out, src, _ in _pool_taps(x_shape, g):
        if disjoint:
            dx[src] = share[out]
        else:
            dx[src] += share[out]
    return dx

