"""NumPy kernels for 2-D convolution: arrays in, arrays out (pooling: pool_kernels.py).

The op layer (`Conv2D`, `Conv2DBackpropInput`, `Conv2DBackpropFilter`,
`DepthwiseConv2dNative` and its two backprops) wraps these functions; they know nothing of
graphs or tensors.

Layout: images are NHWC `(batch, height, width, channels)`, filters HWIO
`(kh, kw, in_channels, out_channels)`, depthwise filters `(kh, kw, in_channels, multiplier)`.
`strides`, `dilations`, `ksize` are `(h, w)` pairs; `padding` is "SAME", "VALID" or explicit
`((top, bottom), (left, right))`. Output sizes and SAME padding follow TensorFlow exactly
(see `conv_output_size`): the odd padding pixel goes bottom/right.

How it is fast (numbers: benchmarks/conv_kernels.py, 2-core Zen 3, OpenBLAS, the slides'
CNN at batch 430):
- convolution is im2col + one BLAS matrix product per block of images. The block is small
  enough (`_BLOCK_BYTES`) that its patch matrix stays in cache, so the im2col copy and the
  product both run from cache; the loop is over blocks of images, never over pixels.
  The product runs near BLAS' own speed: of a ~100 ms forward pass of the 32->32 layer at
  1 thread, the im2col copies take ~11 ms and the products ~76 ms (60 GFLOP/s, where
  OpenBLAS reaches 72-78 on a lone (3456, 288) x (288, 32) product). Measured alternatives,
  all slower for the 32->32 layer in an earlier session's measurement (its thread
  settings not recorded; the forward took 46 ms there): one whole-batch patch matrix
  (100 ms against 46), the 9 shifted (N*H*W, in) x (in, out) products accumulated tap by
  tap (65-68 ms: the accumulation passes cost more than the copy they save), and a
  row-only im2col with 3 products (same as im2col).
- the patch matrix is built by a single copy from an `as_strided` window view; for 1-3 input
  channels it is built tap-major instead (one copy of long runs per tap).
- gradients are matrix products too: dW = patches^T @ dy accumulated over blocks. dx for
  stride 1 is the forward convolution of dy with the flipped filter; for larger strides, or
  few input channels, it is col2im of dy @ W^T with one strided add per filter tap.
- 3x3 stride-1 filters with enough channels (the slides' 32 -> 32 and 32 -> 16 layers) run
  as Winograd F(4x4, 3x3) or F(2x2, 3x3) instead when numba is installed (`winograd.py`: 4x
  or 2.25x fewer multiplications; the 32 -> 32 layer's forward and gradients in about half
  the time of the im2col products).
Scratch buffers (padded blocks, patch matrices) come from a small per-thread cache keyed by
shape, so repeated calls allocate only their outputs.

Threads: with `intra_op_threads()` > 1, every kernel cuts its blocks into one contiguous share
per thread (`_shares`) and runs the shares with `backend.threads.parallel_map`, each thread
building its own patch matrices and calling BLAS (held to one thread) on its own blocks. The
blocks are the serial ones, so forward and input gradients are bit-identical to the serial
results; a filter gradient is the sum of the threads' partial sums taken in share order, the
same bits on every run, differing from the serial sum only by rounding. Measured on the 2-core
EPYC at batch 430 while two other jobs ran (load average 3-5; 2026-11-25):
- the split is even and costs no extra work: for each of the CNN's nine kernels, each of the
  two threads spends 49-57% of the serial CPU time (conv 32->32 forward 64 of 122 ms, input
  gradient 87 of 179, filter gradient 63 of 120; the 1->32 and 32->16 layers, 10-17 ms, too),
  so all three layers are split, the first one included; a hand-off to the pool and back
  costs 25-45 us, hence kernels with under `_PARALLEL_MIN_BYTES` of patches and
  `_PARALLEL_MIN_MACS` multiply-adds stay serial.
  The wall-clock gain could not be shown then: with two other busy sessions the scheduler
  (autogroups) left this process about one core, and two independent BLAS products ran only
  1.02-1.11x faster on two threads than one after the other (the kernels: 0.9-1.0x).
- two BLAS threads instead, the alternative: per block product (tenseur before this split)
  the 32->32 layer took 541/709/695 ms (forward/input/filter gradient, median) against
  192/239/191 split over two Python threads and 220/277/212 serial: OpenBLAS' second thread
  joins each of the ~70 products and busy-waits between them, and the im2col copies stay
  serial; one whole-batch patch matrix and product on two BLAS threads: 497/758/642 ms.
  `benchmarks/cnn_epoch.py --threads 2`: 286-439 s/epoch before, 111-146 after (one thread:
  100-136 s).
"""

from __future__ import annotations

import os
import threading
from typing import NamedTuple

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..backend import buffers as _buffers
from ..backend import threads as _threads

__all__ = [
    "conv_output_size",
    "conv2d",
    "conv2d_backprop_input",
    "conv2d_backprop_filter",
    "depthwise_conv2d",
    "depthwise_conv2d_backprop_input",
    "depthwise_conv2d_backprop_filter",
]

# Target size of one block's patch matrix: small enough to stay in cache between the im2col
# copy and the product. Measured on the slides' 32->32 layer (batch 430, VALID), forward +
# input gradient + filter gradient, median ms, 2026-11-26 on the 2-core EPYC (L2 1 MiB a
# core, L3 32 MiB), other jobs paused: 1 thread 0.5 MiB 402, 1 MiB 340, 2 MiB 292, 4 MiB 278,
# 8 MiB 393; 2 threads 380, 267, 186, 198, 272 (2 and 4 MiB within the run-to-run noise).
# Earlier, forward alone: whole batch (280 MiB) 100 ms against 46 at 2-4 MiB.
# On the AVX-512 Xeon (2 MiB L2 a core), whole CNN step, 1 / 2 / 4 MiB: 305 / 309 / 311 ms at
# 1 thread, 199 / 216 / 191 at 2 - no size wins there (benchmarks/conv_blocks.py;
# benchmarks/results/xeon_2026-11-26/blocks.log).
_BLOCK_BYTES = 4 << 20
# Below this many bytes of patch matrices in all, a kernel runs in the calling thread: a
# hand-off to the pool and back costs 25-45 us on the 2-core machine, more under load.
_PARALLEL_MIN_BYTES = 1 << 20
# ... unless its products make this many multiply-adds (~0.4 ms at one thread): a small input
# may still feed a large product, e.g. ResNet50's 1x1 512 -> 2048 convolutions on 7x7 images
# (0.8 MB of input, 0.4 G multiply-adds at batch 8: 11.7 -> 8.4 ms on two threads).
_PARALLEL_MIN_MACS = 1 << 24


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


# Whole-image blocks come in multiples of this many: the CPUs this process may run on.
_CPUS = _cpu_count()
_MAX_SCRATCH = 8  # scratch buffers kept per thread (least recently used goes first)
_MAX_SCRATCH_BYTES = 64 << 20  # larger ones (huge images) are not kept between calls

_local = threading.local()


def _scratch(tag: str, shape: tuple, dtype) -> np.ndarray:
    """An uninitialised buffer reused across calls; never returned to the caller."""
    cache = getattr(_local, "cache", None)
    if cache is None:
        cache = _local.cache = {}
    key = (tag, shape, np.dtype(dtype).str)
    buf = cache.pop(key, None)
    if buf is None:
        buf = np.empty(shape, dtype)
        if buf.nbytes > _MAX_SCRATCH_BYTES:
            return buf
        while len(cache) >= _MAX_SCRATCH:
            cache.pop(next(iter(cache)))
    cache[key] = buf  # re-inserted last: the cache is ordered by last use
    return buf


# ----------------------------------------------------------------------------------------
# Sizes and argument checks


def conv_output_size(in_size: int, k: int, stride: int, dilation: int, padding) -> tuple:
    """Output size and padding of one spatial dimension, with TensorFlow's rules.

    Args:
        in_size: input size along the dimension.
        k: kernel (window) size; the dilated kernel spans `(k - 1) * dilation + 1` inputs.
        stride, dilation: positive integers.
        padding: "SAME", "VALID" or an explicit `(before, after)` pair.

    Returns:
        `(out_size, pad_before, pad_after)`. SAME: `out = ceil(in / stride)`, total padding
        `max((out - 1) * stride + k_eff - in, 0)`, the odd pixel after. VALID:
        `out = ceil((in - k_eff + 1) / stride)`, no padding. Explicit:
        `out = (in + before + after - k_eff) // stride + 1`.

    Raises:
        ValueError: when the output would be empty, or an argument is out of range.

    Example:
        >>> conv_output_size(7, 3, 2, 1, "SAME")
        (4, 1, 1)
    """
    for name, value, low in (("in_size", in_size, 0), ("k", k, 1), ("stride", stride, 1),
                             ("dilation", dilation, 1)):
        if not isinstance(value, (int, np.integer)) or value < low:
            raise ValueError(f"conv_output_size: {name} must be an integer >= {low}, "
                             f"got {name}={value!r}.")
    k_eff = (k - 1) * dilation + 1
    if isinstance(padding, str):
        if padding == "SAME":
            out = -(-in_size // stride)
            total = max((out - 1) * stride + k_eff - in_size, 0)
            before, after = total // 2, total - total // 2
        elif padding == "VALID":
            out = -(-(in_size - k_eff + 1) // stride)
            before = after = 0
        else:
            raise ValueError(f"padding must be 'SAME', 'VALID' or an explicit (before, after) "
                             f"pair, got padding={padding!r}.")
    else:
        before, after = _explicit_pair(padding)
        out = (in_size + before + after - k_eff) // stride + 1
    if out <= 0:
        raise ValueError(
            f"the output would be empty: input size {in_size}, kernel {k} (dilated to "
            f"{k_eff}), stride {stride}, padding {padding!r} give an output size of {out}. "
            f"Use a smaller kernel or stride, or SAME padding.")
    return out, before, after


def _explicit_pair(padding) -> tuple:
    try:
        before, after = padding
    except (TypeError, ValueError):
        raise ValueError(f"explicit padding must be a (before, after) pair of integers, "
                         f"got {padding!r}.") from None
    if not all(isinstance(p, (int, np.integer)) and p >= 0 for p in (before, after)):
        raise ValueError(f"explicit padding must be non-negative integers, got {padding!r}.")
    return int(before), int(after)


def _pair(value, name: str, fn: str) -> tuple:
    try:
        a, b = value
    except (TypeError, ValueError):
        raise ValueError(f"{fn}: {name} must be an (h, w) pair, got {name}={value!r}.") from None
    if not all(isinstance(v, (int, np.integer)) and v >= 1 for v in (a, b)):
        raise ValueError(f"{fn}: {name} must be positive integers, got {name}={value!r}.")
    return int(a), int(b)


class _Geometry(NamedTuple):
    """Sizes of one windowed op along height and width (pads may be negative: crops)."""

    oh: int
    ow: int
    kh: int
    kw: int
    sh: int
    sw: int
    dh: int
    dw: int
    pt: int
    pb: int
    pl: int
    pr: int


def _geometry(fn: str, in_hw, k_hw, strides, padding, dilations) -> _Geometry:
    sh, sw = _pair(strides, "strides", fn)
    dh, dw = _pair(dilations, "dilations", fn)
    if isinstance(padding, str):
        pad_h = pad_w = padding
    else:
        try:
            pad_h, pad_w = padding
        except (TypeError, ValueError):
            raise ValueError(f"{fn}: padding must be 'SAME', 'VALID' or "
                             f"((top, bottom), (left, right)), got padding={padding!r}.") from None
    try:
        oh, pt, pb = conv_output_size(in_hw[0], k_hw[0], sh, dh, pad_h)
        ow, pl, pr = conv_output_size(in_hw[1], k_hw[1], sw, dw, pad_w)
    except ValueError as err:
        raise ValueError(f"{fn}: {err}") from None
    return _Geometry(oh, ow, k_hw[0], k_hw[1], sh, sw, dh, dw, pt, pb, pl, pr)


def _as_array(value, name: str, fn: str, rank: int) -> np.ndarray:
    array = np.asarray(value)
    if array.ndim != rank:
        raise ValueError(f"{fn}: {name} must have rank {rank}, got shape {array.shape}.")
    return array


def _same_dtype(fn: str, **arrays) -> None:
    dtypes = {name: a.dtype for name, a in arrays.items()}
    if len(set(dtypes.values())) > 1:
        listed = ", ".join(f"{name}: {dtype}" for name, dtype in dtypes.items())
        raise TypeError(f"{fn}: inputs must have the same dtype, got {listed}; cast one of "
                        f"them.")


def _shape4(value, name: str, fn: str) -> tuple:
    shape = tuple(int(d) for d in value)
    if len(shape) != 4 or min(shape) < 0:
        raise ValueError(f"{fn}: {name} must be 4 non-negative sizes, got {name}={value!r}.")
    return shape


# ----------------------------------------------------------------------------------------
# Blocks and padding


def _blocks(batch: int, out_rows: int, row_bytes: int):
    """Split (batch, out_rows) into blocks of about _BLOCK_BYTES: (b0, b1, r0, r1).

    Whole images are grouped while one image fits, in blocks of equal size whose count is
    rounded up to a multiple of the CPUs (`_CPUS`), so that the default thread count splits
    them evenly (`_shares`); a larger image is cut into row bands (one image at a time, so
    each step still does a large vectorised piece of work). The blocks never depend on the
    thread count: OpenBLAS rounds the last rows of a product differently from the others, so
    a row's result depends on where its block ends, and equal blocks give equal results.
    """
    image_bytes = max(out_rows * row_bytes, 1)
    if image_bytes <= _BLOCK_BYTES:
        count = _ceil_div(batch, max(_BLOCK_BYTES // image_bytes, 1))
        count = min(_ceil_div(count, _CPUS) * _CPUS, batch)
        per_block = _ceil_div(batch, max(count, 1))
        for b0 in range(0, batch, per_block):
            yield b0, min(batch, b0 + per_block), 0, out_rows
    else:
        rows = max(_BLOCK_BYTES // max(row_bytes, 1), 1)
        for b in range(batch):
            for r0 in range(0, out_rows, rows):
                yield b, b + 1, r0, min(out_rows, r0 + rows)


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def _shares(blocks: list, parts: int, whole_images: bool) -> list:
    """The blocks cut into at most `parts` contiguous runs of about equal work, in order.

    A block goes to the share its midpoint falls in (work = output pixels). With
    `whole_images`, the row bands of one image stay in one share (col2im accumulates them on
    one canvas), so the midpoint is counted in images instead.
    """
    if parts <= 1:
        return [blocks]
    if whole_images:
        batch = blocks[-1][1]
        midpoints = [(b0 + b1) / (2 * batch) for b0, b1, _, _ in blocks]
    else:
        work = [(b1 - b0) * (r1 - r0) for b0, b1, r0, r1 in blocks]
        total, done, midpoints = sum(work), 0, []
        for size in work:
            midpoints.append((done + size / 2) / total)
            done += size
    shares = [[] for _ in range(parts)]
    for block, midpoint in zip(blocks, midpoints):
        shares[min(int(midpoint * parts), parts - 1)].append(block)
    return [share for share in shares if share]


def _run_shares(fn, blocks: list, parts: int, whole_images: bool = False) -> list:
    """[fn(share) for each share of the blocks], the shares on `parts` threads at once."""
    if parts <= 1:
        return [fn(blocks)]
    shares = _shares(blocks, parts, whole_images)
    return _threads.parallel_map(fn, shares, threads=len(shares))


def _parts(patch_bytes: int, macs: int = 0) -> int:
    """Threads for a kernel whose patch matrices total `patch_bytes` and whose products make
    `macs` multiply-adds (1: run serially)."""
    if patch_bytes < _PARALLEL_MIN_BYTES and macs < _PARALLEL_MIN_MACS:
        return 1
    return max(_threads.intra_op_threads(), 1)


def _padded_band(x: np.ndarray, b0: int, b1: int, hp0: int, hp1: int, pt: int, pl: int,
                 pr: int, tag: str, max_shape: tuple) -> np.ndarray:
    """Rows [hp0, hp1) (padded coordinates) of x[b0:b1] zero-padded by pt on top, pl on the
    left and pr on the right; negative pads crop. A view of x when no zero is needed, else
    a scratch buffer sliced from one of `max_shape`."""
    _, height, width, channels = x.shape
    h0, h1 = hp0 - pt, hp1 - pt  # the band in real rows
    if h0 >= 0 and h1 <= height and pl <= 0 and pr <= 0:
        return x[b0:b1, h0:h1, -pl:width + pr]
    wp = width + pl + pr
    band = _scratch(tag, max_shape, x.dtype)[:b1 - b0, :hp1 - hp0, :wp]
    if h1 <= 0 or h0 >= height:  # a band of padding only (wide explicit padding)
        band[...] = 0
        return band
    r0, r1 = max(h0, 0), min(h1, height)  # real rows inside the band
    c0, c1 = max(-pl, 0), min(width, wp - pl)  # real columns inside the padded width
    top, bottom = r0 - h0, r1 - h0
    left, right = c0 + pl, c1 + pl
    band[:, :top] = 0
    band[:, bottom:] = 0
    band[:, top:bottom, :left] = 0
    band[:, top:bottom, right:] = 0
    band[:, top:bottom, left:right] = x[b0:b1, r0:r1, c0:c1]
    return band


def _band_bounds(g: _Geometry, r0: int, r1: int) -> tuple:
    """Padded input rows [hp0, hp1) read by output rows [r0, r1)."""
    return r0 * g.sh, (r1 - 1) * g.sh + (g.kh - 1) * g.dh + 1


def _max_band_shape(x_shape: tuple, g: _Geometry, blocks) -> tuple:
    b_max = max(b1 - b0 for b0, b1, _, _ in blocks)
    rows_max = max(_band_bounds(g, r0, r1)[1] - _band_bounds(g, r0, r1)[0]
                   for _, _, r0, r1 in blocks)
    return b_max, rows_max, x_shape[2] + g.pl + g.pr, x_shape[3]


def _windows(band: np.ndarray, g: _Geometry, rows: int) -> np.ndarray:
    """Read-only view (n, rows, ow, kh, kw, c) of the windows of a padded band."""
    n, _, _, c = band.shape
    s = band.strides
    return as_strided(band, (n, rows, g.ow, g.kh, g.kw, c),
                      (s[0], g.sh * s[1], g.sw * s[2], g.dh * s[1], g.dw * s[2], s[3]),
                      writeable=False)


def _im2col(band: np.ndarray, g: _Geometry, rows: int, max_rows: int) -> np.ndarray:
    """Patch matrix of a band: (m, kh*kw*c) in HWIO order. For 1-3 input channels (gray or
    RGB images) it is stored transposed, tap-major ((kh*kw*c, m) contiguous, read back as an
    F-ordered (m, k)): runs of a whole output row per copy instead of kw*c values, 1.5-2x
    faster to build."""
    n, _, _, c = band.shape
    m = n * rows * g.ow
    k = g.kh * g.kw * c
    if g.kh == g.kw == g.sh == g.sw == 1 and band.shape[1:3] == (rows, g.ow):
        return band.reshape(m, k)   # 1x1, stride 1: the pixels are the patches
    windows = _windows(band, g, rows)
    if c <= 3:
        cols_t = _scratch("cols_t", (k, max_rows), band.dtype)[:, :m]
        for i in range(g.kh):
            for j in range(g.kw):
                tap = (i * g.kw + j) * c
                np.copyto(cols_t[tap:tap + c].reshape(c, n, rows, g.ow),
                          windows[:, :, :, i, j].transpose(3, 0, 1, 2))
        return cols_t.T
    cols = _scratch("cols", (max_rows, k), band.dtype)[:m]
    np.copyto(cols.reshape(n, rows, g.ow, g.kh, g.kw, c), windows)
    return cols


def _conv_blocks(x_shape: tuple, g: _Geometry, itemsize: int, cout: int) -> tuple:
    """(blocks, rows of the largest patch matrix, threads to use) of a convolution with
    `cout` output channels."""
    k = g.kh * g.kw * x_shape[3]
    row_bytes = g.ow * k * itemsize
    rows = x_shape[0] * g.oh * g.ow
    parts = _parts(rows * k * itemsize, rows * k * cout)
    blocks = list(_blocks(x_shape[0], g.oh, row_bytes))
    max_rows = max((b1 - b0) * (r1 - r0) * g.ow for b0, b1, r0, r1 in blocks)
    return blocks, max_rows, parts


# ----------------------------------------------------------------------------------------
# Convolution


def _check_conv(fn: str, x_shape: tuple, w_shape: tuple) -> None:
    if x_shape[3] != w_shape[2]:
        raise ValueError(
            f"{fn}: the input has {x_shape[3]} channels but the filter expects {w_shape[2]} "
            f"(input shape {x_shape}, filter shape {w_shape} as (kh, kw, in, out)).")


def _conv_forward(x: np.ndarray, w: np.ndarray, g: _Geometry, epilogue=None) -> np.ndarray:
    """y = conv(x, w) for a checked geometry (pads may be negative); `epilogue(block)`, when
    given, runs in place on each block of y right after the block is written (see conv2d)."""
    batch, _, _, cin = x.shape
    cout = w.shape[3]
    if batch and g.oh and g.ow and cout and cin:
        winograd = _winograd(g, batch, cin, cout, x.dtype)
        if winograd is not None:
            return winograd.conv(x, w, g, epilogue)
    y = _buffers.empty((batch, g.oh, g.ow, cout), x.dtype)
    if 0 in y.shape or cin == 0:
        y[...] = 0
        if epilogue is not None:
            epilogue(y)
        return y
    w_mat = w.reshape(-1, cout)
    blocks, max_rows, parts = _conv_blocks(x.shape, g, x.dtype.itemsize, cout)
    if g.kh == g.kw == g.sh == g.sw == 1 and g.pt == g.pb == g.pl == g.pr == 0:
        def run_1x1(share):   # no patches: the input rows are the patch matrix
            for b0, b1, r0, r1 in share:
                np.matmul(x[b0:b1, r0:r1].reshape(-1, cin), w_mat,
                          out=y[b0:b1, r0:r1].reshape(-1, cout))
                if epilogue is not None:
                    epilogue(y[b0:b1, r0:r1])

        _run_shares(run_1x1, blocks, parts)
        return y
    band_shape = _max_band_shape(x.shape, g, blocks)

    def run(share):
        for b0, b1, r0, r1 in share:
            hp0, hp1 = _band_bounds(g, r0, r1)
            band = _padded_band(x, b0, b1, hp0, hp1, g.pt, g.pl, g.pr, "band", band_shape)
            cols = _im2col(band, g, r1 - r0, max_rows)
            np.matmul(cols, w_mat, out=y[b0:b1, r0:r1].reshape(-1, cout))
            if epilogue is not None:
                epilogue(y[b0:b1, r0:r1])

    _run_shares(run, blocks, parts)
    return y


def _winograd(g: _Geometry, batch: int, cin: int, cout: int, dtype):
    """The `winograd` module when it computes this convolution (3x3, stride 1, numba
    installed: see winograd.usable), else None; nothing is imported for other filters."""
    if (g.kh, g.kw, g.sh, g.sw) != (3, 3, 1, 1):
        return None
    from . import winograd
    return winograd if winograd.usable(g, batch, cin, cout, dtype) else None


def conv2d(x, w, strides, padding, dilations=(1, 1), epilogue=None) -> np.ndarray:
    """2-D convolution (cross-correlation, as TensorFlow's `Conv2D`).

    Args:
        x: input `(batch, height, width, in_channels)`.
        w: filter `(kh, kw, in_channels, out_channels)`, same dtype as x.
        strides: `(sh, sw)`.
        padding: "SAME", "VALID" or `((top, bottom), (left, right))`.
        dilations: `(dh, dw)`.
        epilogue: None, or a function applied in place to each block of the output (a
            C-contiguous view `(images, rows, out_width, out_channels)`) right after the block
            is written, by the thread that wrote it, while the block is still in its cache:
            the fused Conv2D + BiasAdd + Relu adds its bias and applies the ReLU there instead
            of in a second pass over the whole output. Elementwise epilogues give the bits of
            that second pass.

    Returns:
        `(batch, out_height, out_width, out_channels)` array of x's dtype.

    Raises:
        ValueError: bad ranks, channel mismatch, empty output. TypeError: dtypes differ.

    Example:
        >>> y = conv2d(np.ones((1, 5, 5, 1)), np.ones((3, 3, 1, 2)), (1, 1), "SAME")
        >>> y.shape, float(y[0, 2, 2, 0])
        ((1, 5, 5, 2), 9.0)
    """
    fn = "conv2d"
    x = _as_array(x, "x", fn, 4)
    w = _as_array(w, "w", fn, 4)
    _same_dtype(fn, x=x, w=w)
    _check_conv(fn, x.shape, w.shape)
    g = _geometry(fn, x.shape[1:3], w.shape[:2], strides, padding, dilations)
    return _conv_forward(x, w, g, epilogue)


def conv2d_backprop_input(dy, w, input_shape, strides, padding, dilations=(1, 1)) -> np.ndarray:
    """Gradient of `conv2d` with respect to its input (also `conv2d_transpose`'s forward).

    Args:
        dy: gradient of the output `(batch, out_height, out_width, out_channels)`.
        w: filter `(kh, kw, in_channels, out_channels)`.
        input_shape: the input's shape `(batch, height, width, in_channels)`.
        strides, padding, dilations: as given to `conv2d`.

    Returns:
        dx of shape `input_shape`, dy's dtype.

    Raises:
        ValueError: when dy's shape is not conv2d's output shape for `input_shape`.
    """
    fn = "conv2d_backprop_input"
    dy = _as_array(dy, "dy", fn, 4)
    w = _as_array(w, "w", fn, 4)
    _same_dtype(fn, dy=dy, w=w)
    x_shape = _shape4(input_shape, "input_shape", fn)
    _check_conv(fn, x_shape, w.shape)
    g = _geometry(fn, x_shape[1:3], w.shape[:2], strides, padding, dilations)
    _check_dy(fn, dy.shape, (x_shape[0], g.oh, g.ow, w.shape[3]))
    if 0 in x_shape or 0 in dy.shape:
        return np.zeros(x_shape, dy.dtype)
    # Stride 1: a forward convolution of dy (copies kh*kw*out values per input pixel).
    # col2im instead adds kh*kw*in values per output pixel: cheaper when the input has few
    # channels (the slides' first layer, 1 -> 32: 8 ms instead of 33 ms) and for strides.
    if g.sh == g.sw == 1 and 4 * x_shape[3] > w.shape[3]:
        return _conv_forward(dy, _flipped(w), _transposed_geometry(g, x_shape))
    return _col2im_backprop_input(dy, w, x_shape, g)


def _check_dy(fn: str, got: tuple, expected: tuple) -> None:
    if tuple(got) != tuple(expected):
        raise ValueError(f"{fn}: dy must have the output's shape {expected} for these "
                         f"input shape, filter, strides and padding, got {tuple(got)}.")


def _flipped(w: np.ndarray) -> np.ndarray:
    """The filter rotated by 180 degrees with in/out swapped: (kh, kw, out, in)."""
    return np.ascontiguousarray(w[::-1, ::-1].transpose(0, 1, 3, 2))


def _transposed_geometry(g: _Geometry, x_shape: tuple) -> _Geometry:
    """For stride 1: dx = conv(dy padded by (k_eff - 1 - pad_before, ...), flipped w).

    dx[h] = sum_i dy[h + pt - i*d] w[i]; with i' = kh-1-i this is a VALID correlation of dy
    padded by k_eff-1-pt before (negative: cropped) and sized to give back the input size.
    """
    keh = (g.kh - 1) * g.dh + 1
    kew = (g.kw - 1) * g.dw + 1
    top, left = keh - 1 - g.pt, kew - 1 - g.pl
    bottom = x_shape[1] - g.oh - top + keh - 1
    right = x_shape[2] - g.ow - left + kew - 1
    return _Geometry(x_shape[1], x_shape[2], g.kh, g.kw, 1, 1, g.dh, g.dw,
                     top, bottom, left, right)


def _col2im_backprop_input(dy: np.ndarray, w: np.ndarray, x_shape: tuple,
                           g: _Geometry) -> np.ndarray:
    """dx for any stride: per block, patches = dy @ W^T, then one strided add per tap."""
    batch, height, width, cin = x_shape
    cout = dy.shape[3]
    dx = _buffers.empty(x_shape, dy.dtype)
    w_mat_t = w.reshape(-1, cout).T
    blocks, max_rows, parts = _conv_blocks(x_shape, g, dy.dtype.itemsize, cout)
    b_max = max(b1 - b0 for b0, b1, _, _ in blocks)
    hp, wp = height + g.pt + g.pb, width + g.pl + g.pr
    k = g.kh * g.kw * cin

    def run(share):
        canvas = _scratch("canvas", (b_max, hp, wp, cin), dy.dtype)  # this thread's
        for b0, b1, r0, r1 in share:
            n, rows = b1 - b0, r1 - r0
            acc = canvas[:n]
            if r0 == 0:
                acc[...] = 0
            cols = _scratch("cols", (max_rows, k), dy.dtype)[:n * rows * g.ow]
            np.matmul(dy[b0:b1, r0:r1].reshape(-1, cout), w_mat_t, out=cols)
            patches = cols.reshape(n, rows, g.ow, g.kh, g.kw, cin)
            for i in range(g.kh):
                h0 = r0 * g.sh + i * g.dh
                for j in range(g.kw):
                    w0 = j * g.dw
                    acc[:, h0:h0 + (rows - 1) * g.sh + 1:g.sh,
                        w0:w0 + (g.ow - 1) * g.sw + 1:g.sw] += patches[:, :, :, i, j]
            if r1 == g.oh:
                dx[b0:b1] = acc[:, g.pt:g.pt + height, g.pl:g.pl + width]

    _run_shares(run, blocks, parts, whole_images=True)  # an image's bands share a canvas
    return dx


def conv2d_backprop_filter(x, dy, filter_shape, strides, padding,
                           dilations=(1, 1)) -> np.ndarray:
    """Gradient of `conv2d` with respect to its filter: dW = patches(x)^T @ dy.

    Args:
        x: the input `(batch, height, width, in_channels)`.
        dy: gradient of the output `(batch, out_height, out_width, out_channels)`.
        filter_shape: `(kh, kw, in_channels, out_channels)`.
        strides, padding, dilations: as given to `conv2d`.

    Returns:
        dw of shape `filter_shape`, x's dtype.
    """
    fn = "conv2d_backprop_filter"
    x = _as_array(x, "x", fn, 4)
    dy = _as_array(dy, "dy", fn, 4)
    _same_dtype(fn, x=x, dy=dy)
    w_shape = _shape4(filter_shape, "filter_shape", fn)
    _check_conv(fn, x.shape, w_shape)
    g = _geometry(fn, x.shape[1:3], w_shape[:2], strides, padding, dilations)
    cout = w_shape[3]
    _check_dy(fn, dy.shape, (x.shape[0], g.oh, g.ow, cout))
    dw_shape = (g.kh * g.kw * x.shape[3], cout)
    if 0 in x.shape or 0 in dy.shape:
        return np.zeros(w_shape, x.dtype)
    winograd = _winograd(g, x.shape[0], x.shape[3], cout, x.dtype)
    if winograd is not None:
        return winograd.filter_grad(x, dy, g)
    blocks, max_rows, parts = _conv_blocks(x.shape, g, x.dtype.itemsize, cout)
    band_shape = _max_band_shape(x.shape, g, blocks)

    def run(share):
        dw = np.zeros(dw_shape, x.dtype)
        partial = np.empty_like(dw)
        for b0, b1, r0, r1 in share:
            hp0, hp1 = _band_bounds(g, r0, r1)
            band = _padded_band(x, b0, b1, hp0, hp1, g.pt, g.pl, g.pr, "band", band_shape)
            cols = _im2col(band, g, r1 - r0, max_rows)
            # np.dot, not np.matmul: matmul keeps the GIL through products of 500 outputs or
            # fewer (the slides' first layer: 9 x 32), so the threads ran one at a time.
            np.dot(cols.T, dy[b0:b1, r0:r1].reshape(-1, cout), out=partial)
            dw += partial
        return dw

    return _sum_in_order(_run_shares(run, blocks, parts)).reshape(w_shape)


def _sum_in_order(partials: list) -> np.ndarray:
    """Per-thread partial sums added in share order, never in order of completion, so a
    result does not depend on the threads' timing."""
    total = partials[0]
    for partial in partials[1:]:
        total += partial
    return total


# ----------------------------------------------------------------------------------------
# Depthwise convolution: y[..., c * multiplier + m] = sum_taps x[..., c] * w[i, j, c, m]
# Loops over the kh*kw taps, each a broadcast multiply-add over a block of images.


def _check_depthwise(fn: str, x_shape: tuple, w_shape: tuple) -> None:
    if x_shape[3] != w_shape[2]:
        raise ValueError(
            f"{fn}: the input has {x_shape[3]} channels but the filter expects {w_shape[2]} "
            f"(input shape {x_shape}, filter shape {w_shape} as (kh, kw, in, multiplier)).")


def _depthwise_blocks(x_shape: tuple, g: _Geometry, multiplier: int, itemsize: int):
    """Blocks, padded band shape, per-block product shape (n, rows, ow, c, m), threads."""
    row_bytes = g.ow * x_shape[3] * max(multiplier, 1) * itemsize * 2
    parts = _parts(x_shape[0] * g.oh * row_bytes * g.kh * g.kw // 2)
    blocks = list(_blocks(x_shape[0], g.oh, row_bytes))
    band_shape = _max_band_shape(x_shape, g, blocks)
    rows_max = max(r1 - r0 for _, _, r0, r1 in blocks)
    return blocks, band_shape, (band_shape[0], rows_max, g.ow, x_shape[3], multiplier), parts


def depthwise_conv2d(x, w, strides, padding, dilations=(1, 1)) -> np.ndarray:
    """Depthwise 2-D convolution (TensorFlow's `DepthwiseConv2dNative`).

    Args:
        x: input `(batch, height, width, in_channels)`.
        w: filter `(kh, kw, in_channels, multiplier)`.
        strides, padding, dilations: as for `conv2d`.

    Returns:
        `(batch, out_height, out_width, in_channels * multiplier)`; output channel
        `c * multiplier + m` is input channel c filtered by w[:, :, c, m].
    """
    fn = "depthwise_conv2d"
    x = _as_array(x, "x", fn, 4)
    w = _as_array(w, "w", fn, 4)
    _same_dtype(fn, x=x, w=w)
    _check_depthwise(fn, x.shape, w.shape)
    g = _geometry(fn, x.shape[1:3], w.shape[:2], strides, padding, dilations)
    batch, _, _, channels = x.shape
    mult = w.shape[3]
    y = np.zeros((batch, g.oh, g.ow, channels, mult), x.dtype)
    if 0 in y.shape:
        return y.reshape(batch, g.oh, g.ow, channels * mult)
    blocks, band_shape, tmp_shape, parts = _depthwise_blocks(x.shape, g, mult,
                                                             x.dtype.itemsize)

    def run(share):
        for b0, b1, r0, r1 in share:
            hp0, hp1 = _band_bounds(g, r0, r1)
            band = _padded_band(x, b0, b1, hp0, hp1, g.pt, g.pl, g.pr, "band", band_shape)
            windows = _windows(band, g, r1 - r0)
            out = y[b0:b1, r0:r1]
            tmp = _scratch("dw_tmp", tmp_shape, x.dtype)[:b1 - b0, :r1 - r0]
            for i in range(g.kh):
                for j in range(g.kw):
                    np.multiply(windows[:, :, :, i, j, :, None], w[i, j], out=tmp)
                    out += tmp

    _run_shares(run, blocks, parts)
    return y.reshape(batch, g.oh, g.ow, channels * mult)


def depthwise_conv2d_backprop_input(dy, w, input_shape, strides, padding,
                                    dilations=(1, 1)) -> np.ndarray:
    """Gradient of `depthwise_conv2d` with respect to its input.

    Args:
        dy: `(batch, out_height, out_width, in_channels * multiplier)`.
        w: filter `(kh, kw, in_channels, multiplier)`.
        input_shape: `(batch, height, width, in_channels)`.
        strides, padding, dilations: as given to `depthwise_conv2d`.

    Returns:
        dx of shape `input_shape`.
    """
    fn = "depthwise_conv2d_backprop_input"
    dy = _as_array(dy, "dy", fn, 4)
    w = _as_array(w, "w", fn, 4)
    _same_dtype(fn, dy=dy, w=w)
    x_shape = _shape4(input_shape, "input_shape", fn)
    _check_depthwise(fn, x_shape, w.shape)
    g = _geometry(fn, x_shape[1:3], w.shape[:2], strides, padding, dilations)
    batch, height, width, channels = x_shape
    mult = w.shape[3]
    _check_dy(fn, dy.shape, (batch, g.oh, g.ow, channels * mult))
    dx = np.zeros(x_shape, dy.dtype)
    if 0 in x_shape or 0 in dy.shape:
        return dx
    grad = dy.reshape(batch, g.oh, g.ow, channels, mult)
    blocks, _, tmp_shape, parts = _depthwise_blocks(x_shape, g, mult, dy.dtype.itemsize)
    canvas_shape = (tmp_shape[0], height + g.pt + g.pb, width + g.pl + g.pr, channels)

    def run(share):
        canvas = _scratch("canvas", canvas_shape, dy.dtype)  # this thread's
        for b0, b1, r0, r1 in share:
            n, rows = b1 - b0, r1 - r0
            acc = canvas[:n]
            if r0 == 0:
                acc[...] = 0
            block_grad = grad[b0:b1, r0:r1]
            tmp = _scratch("dw_tmp", tmp_shape, dy.dtype)[:n, :rows]
            for i in range(g.kh):
                h0 = r0 * g.sh + i * g.dh
                for j in range(g.kw):
                    w0 = j * g.dw
                    target = acc[:, h0:h0 + (rows - 1) * g.sh + 1:g.sh,
                                 w0:w0 + (g.ow - 1) * g.sw + 1:g.sw]
                    np.multiply(block_grad, w[i, j], out=tmp)
                    target += tmp[..., 0] if mult == 1 else tmp.sum(axis=-1)
            if r1 == g.oh:
                dx[b0:b1] = acc[:, g.pt:g.pt + height, g.pl:g.pl + width]

    _run_shares(run, blocks, parts, whole_images=True)  # an image's bands share a canvas
    return dx


def depthwise_conv2d_backprop_filter(x, dy, filter_shape, strides, padding,
                                     dilations=(1, 1)) -> np.ndarray:
    """Gradient of `depthwise_conv2d` with respect to its filter.

    Args:
        x: the input `(batch, height, width, in_channels)`.
        dy: `(batch, out_height, out_width, in_channels * multiplier)`.
        filter_shape: `(kh, kw, in_channels, multiplier)`.
        strides, padding, dilations: as given to `depthwise_conv2d`.

    Returns:
        dw of shape `filter_shape`.
    """
    fn = "depthwise_conv2d_backprop_filter"
    x = _as_array(x, "x", fn, 4)
    dy = _as_array(dy, "dy", fn, 4)
    _same_dtype(fn, x=x, dy=dy)
    w_shape = _shape4(filter_shape, "filter_shape", fn)
    _check_depthwise(fn, x.shape, w_shape)
    g = _geometry(fn, x.shape[1:3], w_shape[:2], strides, padding, dilations)
    batch, _, _, channels = x.shape
    mult = w_shape[3]
    _check_dy(fn, dy.shape, (batch, g.oh, g.ow, channels * mult))
    if 0 in x.shape or 0 in dy.shape:
        return np.zeros(w_shape, x.dtype)
    grad = dy.reshape(batch, g.oh, g.ow, channels, mult)
    blocks, band_shape, _, parts = _depthwise_blocks(x.shape, g, mult, x.dtype.itemsize)

    def run(share):
        dw = np.zeros(w_shape, x.dtype)
        for b0, b1, r0, r1 in share:
            hp0, hp1 = _band_bounds(g, r0, r1)
            band = _padded_band(x, b0, b1, hp0, hp1, g.pt, g.pl, g.pr, "band", band_shape)
            windows = _windows(band, g, r1 - r0)
            block_grad = grad[b0:b1, r0:r1]
            for i in range(g.kh):
                for j in range(g.kw):
                    dw[i, j] += np.einsum("nhwc,nhwcm->cm", windows[:, :, :, i, j], block_grad)
        return dw

    return _sum_in_order(_run_shares(run, blocks, parts))
