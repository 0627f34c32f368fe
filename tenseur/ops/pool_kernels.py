"""NumPy kernels for 2-D max and average pooling and their gradients: arrays in, arrays out.

The op layer (`MaxPool`, `MaxPoolGrad`, `AvgPool`, `AvgPoolGrad`) wraps these functions.
Layout, `ksize`/`strides`/`padding` conventions and output sizes are those of
conv_kernels.py, whose geometry helpers they share.

How it is fast: pooling loops over the kh*kw window taps only, each a vectorised op on
strided views; taps that touch padding work on the sub-rectangle of outputs whose input is
real, so nothing is ever padded for pooling. Windows that tile the image reduce whole rows
first. With numba installed (`tenseur[fast]`), 2x2 stride-2 max pooling and its gradient run
as the compiled kernels of pool_numba.py instead, bit for bit the same (the slides' CNN, 1
thread: forward 6.2 -> 2.7 ms, gradient 14.8 -> 4.8 ms, benchmarks/pool_kernels.py), and so
does max pooling over windows that do not tile (ResNet50's 3x3 stride 2 on 8x114x114x64: 13
-> 3 ms); TENSEUR_NUMBA=0 turns them off.

The max-pooling gradient of tiling windows (2x2 stride 2 VALID, ...) never works tap by tap:
a tap's view runs over only `channels` contiguous values, and NumPy's per-inner-loop cost
then dominates (about 1 ns a value against 0.1-0.2 for a contiguous op). It works on image
rows instead, y and dy repeated kw times along the width so that each lines up with the
row it pools; see _tiled_max_pool_grad.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..backend import buffers, jit, threads
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
    result; per-tap strided views would run over only `channels` values at a time.
    Large batches are cut into one contiguous run of images per thread (the same
    operations on each value: the same bits as serially)."""
    n, _, _, c = x.shape
    y = buffers.empty((n, g.oh, g.ow, c), x.dtype)
    _by_images(lambda b0, b1: _tiled_reduce_into(x[b0:b1], g, ufunc, y[b0:b1]), n, x.nbytes)
    return y


def _tiled_reduce_into(x: np.ndarray, g: _Geometry, ufunc, y: np.ndarray) -> None:
    n, _, _, c = x.shape
    tiles = x[:, :g.oh * g.kh, :g.ow * g.kw].reshape(n, g.oh, g.kh, g.ow, g.kw * c)
    # Windows one column wide (kw == 1) reduce their rows straight into y.
    rows = y if g.kw == 1 else np.empty(tiles.shape[:2] + tiles.shape[3:], x.dtype)
    if g.kh == 1:
        np.copyto(rows, tiles[:, :, 0])
    else:
        ufunc(tiles[:, :, 0], tiles[:, :, 1], out=rows)
    for i in range(2, g.kh):
        ufunc(rows, tiles[:, :, i], out=rows)
    if g.kw == 1:
        return
    ufunc(rows[..., :c], rows[..., c:2 * c], out=y)
    for j in range(2, g.kw):
        ufunc(y, rows[..., j * c:(j + 1) * c], out=y)


def _compiled_2x2(g: _Geometry, *arrays):
    """pool_numba when it serves these arrays (2x2 stride-2 tiling windows, float32/64,
    C-ordered, numba installed), else None."""
    if (g.kh, g.kw, g.sh, g.sw) != (2, 2, 2, 2) or not _tiles(g):
        return None
    return _compiled(*arrays)


def _compiled(*arrays):
    """pool_numba when its kernels take these arrays (float32/64, C-ordered, not empty, numba
    installed), else None."""
    if not arrays[0].size:
        return None
    dtype = arrays[0].dtype
    if dtype not in (np.float32, np.float64) or any(
            a.dtype != dtype or not a.flags.c_contiguous for a in arrays):
        return None
    return jit.kernels("tenseur.ops.pool_numba")


def _by_images(fn, batch: int, nbytes: int) -> None:
    """fn(b0, b1) over contiguous runs of images, one a thread for large arrays."""
    parts = threads.intra_op_threads() if nbytes >= _PARALLEL_MIN_BYTES else 1
    parts = max(1, min(parts, batch))
    if parts == 1:
        fn(0, batch)
    else:
        threads.parallel_map(lambda b: fn(*b), threads.even_ranges(batch, parts), parts)


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
    compiled = _compiled_2x2(g, x)
    if compiled is not None:
        y = buffers.empty((x.shape[0], g.oh, g.ow, x.shape[3]), x.dtype)
        _by_images(lambda b0, b1: compiled.max_pool_2x2(x[b0:b1], y[b0:b1]), x.shape[0],
                   x.nbytes)
        return y
    if _tiles(g):
        return _tiled_reduce(x, g, np.maximum)
    y = buffers.empty((x.shape[0], g.oh, g.ow, x.shape[3]), x.dtype)
    taps = list(_pool_taps(x.shape, g))
    # Start from a tap that covers every output (there is one unless padding is wide):
    # it is copied, which saves a fill pass.
    first = next((t for t, tap in enumerate(taps) if tap[2]), None)
    compiled = _compiled(x) if y.size else None
    if compiled is not None:     # the same taps in the same order, in one pass
        _by_images(lambda b0, b1: compiled.max_pool_windows(
            x[b0:b1], g.kh, g.kw, g.sh, g.sw, g.pt, g.pl, -1 if first is None else first,
            y[b0:b1]), x.shape[0], x.nbytes)
        return y

    def pool(b0, b1):               # images b0..b1 (the taps' slices take every image)
        xs, ys = x[b0:b1], y[b0:b1]
        if first is None:
            ys.fill(_lowest(x.dtype))
        else:
            np.copyto(ys, xs[taps[first][1]])
        for t, (out, src, _) in enumerate(taps):
            if t != first:
                np.maximum(ys[out], xs[src], out=ys[out])

    _by_images(pool, x.shape[0], x.nbytes)
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
    compiled = _compiled_2x2(g, x, y, dy) if y.size else None
    if compiled is not None:
        covered = x.shape[1:3] == (g.oh * 2, g.ow * 2)
        dx = (buffers.empty if covered else buffers.zeros)(x.shape, x.dtype)
        _by_images(lambda b0, b1: compiled.max_pool_grad_2x2(x[b0:b1], y[b0:b1], dy[b0:b1],
                                                             dx[b0:b1]), x.shape[0], x.nbytes)
        return dx
    if _tiles(g) and y.size:
        return _tiled_max_pool_grad(x, y, dy, g)
    taps = list(_pool_taps(x.shape, g))
    disjoint = g.sh >= g.kh and g.sw >= g.kw  # each input in at most one window
    covered = _tiles(g) and x.shape[1:3] == (g.oh * g.kh, g.ow * g.kw)
    # every cell written when the windows cover the image: no zeroing
    dx = (buffers.empty if covered else buffers.zeros)(x.shape, x.dtype)
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


# Pieces of about this many input values (1 MiB of float32): a piece's masks stay in cache
# between the few passes over them, and pieces are what threads share out. Measured on the
# CNN's 430x24x24x32 gradient: 2^16 values 19 ms, 2^18 14.5, 2^20 16, the whole batch 38.
_PIECE_VALUES = 1 << 18
# Below this many input bytes a kernel stays in the calling thread (a hand-off to the pool
# costs tens of microseconds).
_PARALLEL_MIN_BYTES = 1 << 20


def _window_rows(a: np.ndarray, g: _Geometry) -> np.ndarray:
    """(batch, oh, kh, ow*kw*channels) view of `a` (NHWC) under tiling windows: [b, o, i] is
    image row o*kh + i of the windows of output row o, one contiguous run (columns past the
    last whole window left out)."""
    s = a.strides
    run = g.ow * g.kw * a.shape[3]
    # The run's step is the item size, not s[3]: NumPy reports any stride for an axis of size
    # 1 (a transposed NCHW image of one channel has s[3] = its whole image row).
    return as_strided(a, (a.shape[0], g.oh, g.kh, run), (s[0], g.kh * s[1], s[1], a.itemsize),
                      writeable=a.flags.writeable)


def _tiled_max_pool_grad(x, y, dy, g: _Geometry) -> np.ndarray:
    """max_pool_grad for windows that tile the image, row by row.

    For each piece of the batch: hits = (x == y repeated kw times) over whole window rows;
    keep each window's first hit (_keep_first_hits); dx = hits * dy repeated the same way,
    written once. With several threads, each takes one contiguous share of the pieces
    (`threads.parallel_map` runs the first share in the calling thread and waits on the
    others, so one piece an item would leave the calling thread nearly idle)."""
    batch, channels = x.shape[0], x.shape[3]
    if (channels > 1 and x.strides[3] != x.itemsize) or (
            x.shape[2] > 1 and x.strides[2] != channels * x.itemsize):
        x = np.array(x, order="C")            # a row's (width, channels) must be one run
    covered = x.shape[1:3] == (g.oh * g.kh, g.ow * g.kw)
    dx = (buffers.empty if covered else buffers.zeros)(x.shape, x.dtype)
    x_rows, dx_rows = _window_rows(x, g), _window_rows(dx, g)
    run = x_rows.shape[3]
    images = max(1, _PIECE_VALUES // (g.oh * g.kh * run))
    masks = _tap_masks(min(images, batch) * g.oh * g.kh * run, channels, g.kw)

    def piece(start):
        stop = min(start + images, batch)
        y_run = np.repeat(y[start:stop], g.kw, axis=2).reshape(stop - start, g.oh, 1, run)
        hits = np.equal(x_rows[start:stop], y_run)
        _keep_first_hits(hits, channels, g.kw, masks)
        dy_run = np.repeat(dy[start:stop], g.kw, axis=2).reshape(stop - start, g.oh, 1, run)
        np.multiply(hits, dy_run, out=dx_rows[start:stop])

    starts = range(0, batch, images)
    parts = threads.intra_op_threads() if x.nbytes >= _PARALLEL_MIN_BYTES else 1
    parts = max(1, min(parts, len(starts)))
    shares = [starts[len(starts) * k // parts:len(starts) * (k + 1) // parts]
              for k in range(parts)]
    threads.parallel_map(lambda share: [piece(start) for start in share], shares,
                         threads=parts)
    return dx


def _tap_masks(size: int, channels: int, kw: int) -> list:
    """For s = 1 .. kw-1, over `size` positions of window-row runs: (the positions with a tap
    s to their left in the same window, those with one s to their right)."""
    tap = np.arange(kw * channels) // channels         # one window row; the runs repeat it
    reps = size // (kw * channels)
    return [(np.tile(tap >= s, reps), np.tile(tap <= kw - 1 - s, reps)) for s in range(1, kw)]


def _neighbour_hits(flat: np.ndarray, channels: int, masks: list, side: int) -> np.ndarray:
    """Whether the same window row holds a hit to the left (side 0) or right (side 1) of each
    position: `flat` shifted by s taps (s*channels values), masked to the taps that have an
    s-th neighbour on that side, for every s."""
    size = flat.size
    near = np.empty_like(flat)
    for s, mask_pair in enumerate(masks, start=1):
        shift, mask = s * channels, mask_pair[side]
        if side == 0:
            src, dst, valid = flat[:-shift], near[shift:], mask[shift:size]
        else:
            src, dst, valid = flat[shift:], near[:-shift], mask[:size - shift]
        if s == 1:
            np.logical_and(src, valid, out=dst)
            if side == 0:
                near[:shift] = False
            else:
                near[-shift:] = False
        else:
            dst |= src & valid
    return near


def _keep_first_hits(hits: np.ndarray, channels: int, kw: int, masks: list) -> None:
    """hits: (pieces, oh, kh, run) C-contiguous, True where a cell equals its window's max.
    Keeps in place only each window's first hit in row-major order, TensorFlow's tie rule:
    a hit loses to one further left in its window row, and to any hit in an earlier row."""
    kh = hits.shape[2]
    flat = hits.reshape(-1)
    if kw > 1:
        left = _neighbour_hits(flat, channels, masks, 0)
        if kh > 1:
            # Whether each window row holds a hit at all, spread over the row's kw taps.
            right = _neighbour_hits(flat, channels, masks, 1).reshape(hits.shape)
            row_has = hits[:, :, :-1] | left.reshape(hits.shape)[:, :, :-1]
            row_has |= right[:, :, :-1]
        np.greater(flat, left, out=flat)          # hit and no hit to its left
    else:
        row_has = hits      # rows below are changed only after they are read as "above"
    if kh > 1:
        above = row_has[:, :, 0]
        for i in range(1, kh):
            np.greater(hits[:, :, i], above, out=hits[:, :, i])
            if i < kh - 1:
                above = above | row_has[:, :, i]


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
    dx = buffers.zeros(x_shape, dy.dtype)
    disjoint = g.sh >= g.kh and g.sw >= g.kw
    for out, src, _ in _pool_taps(x_shape, g):
        if disjoint:
            dx[src] = share[out]
        else:
            dx[src] += share[out]
    return dx

