"""3x3 stride-1 convolutions by Winograd's minimal filtering, F(4x4, 3x3) or F(2x2, 3x3), with
numba-compiled transforms: the slides' 32->32 layer and its gradients take about half the time
of im2col's products (F(2x2, 3x3) alone: ~25-35% less; `benchmarks/winograd_transforms.py
--variants` times the three).

numba is an optional dependency (`pip install "tenseur[fast]"`): without it, or with
`TENSEUR_WINOGRAD=0` (or `TENSEUR_NUMBA=0`, all numba kernels), conv_kernels keeps its im2col
products. conv_kernels calls this module
for the filters it can serve (`usable`): 3x3, stride 1, no dilation, float32 or float64, and
enough channels and tiles for the saving to pay for the transforms (`_pays`, MIN_TILES), on
images small enough to be blocks of their own (MAX_IMAGE_BYTES).

The algorithm (Lavin & Gray, 2015), per (m+2)x(m+2) tile d of the input (tiles overlap by 2)
and m x m tile of the output (m = 2 or 4):
    y = A^T [ (G g G^T) * (B^T d B) ] A
with g the 3x3 filter of one (input, output) channel pair and * elementwise over the (m+2)^2
positions. Summed over input channels, each position s is one matrix product:
    M[s] = V[s] @ U[s],  V[s]: (tiles, C) transformed inputs, U[s]: (C, K) transformed filter,
so 16 (F2) or 36 (F4) products of (tiles x C) @ (C x K) replace im2col's (pixels x 9C) @
(9C x K): 2.25x (F2) or 4x (F4) fewer multiplications; the transforms are additions and
multiplications by small integers. The filter gradient is the same in reverse:
    dU[s] = sum over tiles of V[s]^T Z[s],  Z = A dY A^T (dY: m x m tiles of dy),  dW = G^T dU G,
and the input gradient of a stride-1 convolution is a forward one (conv_kernels flips the
filter). Blocks of whole images keep V and M in cache; with several threads each thread takes
a share of the blocks, as conv_kernels does. F4 runs where the output's sides waste few of its
larger tiles (`variant`: the slides' 24x24 and ResNet's 56x56 and 28x28 layers; not 10x10 or
14x14); `TENSEUR_WINOGRAD4=0` keeps F2 everywhere.

Rounding: the sums run in another order than im2col's, and F4's transforms multiply by up to
8 (its points 2 and -2), which costs it precision. Measured on the 32->32 layer (float32, 430
images, against float64, `benchmarks/winograd_transforms.py --variants`): forward max error F2
1.9e-6, F4 2.5e-5, im2col 6.3e-6 on outputs up to 6.6; input gradient 4.3e-6, 1.0e-4,
1.3e-5 on values up to 16; filter gradient 4.9e-4, 3.2e-3, 3.9e-4 on values up to 1,000: F4
errs by ~4e-6 of the largest value, about 30 units in its last float32 place. Training does
not notice (benchmarks/README.md: the talk's CNN at 98.72% after 25 epochs).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..backend import buffers as _buffers
from ..backend import jit as _jit
from ..backend import switched_on
from . import conv_kernels as _ck

# Per tile, the products save work in proportion to C * K and the transforms cost work in
# proportion to C + K. Measured (1 thread, EPYC, ms winograd / im2col, forward, input and
# filter gradient): 32 -> 32 on 26x26: 61/82, 74/96, 70/88; 32 -> 16 on 12x12: 8.5/9.9,
# 12/17, 12/14; 64 -> 64 on 56x56: 175/283, 172/269, 152/281; 16 -> 16 on 28x28: 53/46,
# 40/41, 42/41 (no gain); 8 -> 8: 30/24, 30/25, 37/27 (slower). So Winograd runs where
# C K / (C + K) >= CHANNEL_RATIO (10.7 for 32 -> 16, 8 for 16 -> 16).
CHANNEL_RATIO = 10
# And only with this many 2x2 output tiles in all: few tiles make thin products, the filter's
# transform is paid per call, and odd sizes waste a row and a column of tiles. ResNet50's 3x3
# layers at batch 8, forward, 1 thread: 56x56 64 -> 64 (6,272 tiles) 17 against 26 ms, 28x28
# (1,568) 13 against 24, 14x14 (392) 18 against 25, 7x7 512 -> 512 (128 tiles) 22 against 22.
MIN_TILES = 256
# Bytes of transformed inputs and products (V and M) per block of images: a block's passes
# stay in L2 (measured on the 32->32 layer: 4-6 images a block, ~1.6 MB, fastest).
_BLOCK_BYTES = 2 << 20
# Blocks are whole images: larger images (VGG's 224x224x64: 51 MB of V alone) keep im2col,
# which cuts an image into bands of rows.
MAX_IMAGE_BYTES = 8 << 20

_G = np.array([[1.0, 0.0, 0.0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0.0, 0.0, 1.0]])
# F(4x4, 3x3)'s filter matrix, points 0, 1, -1, 2, -2 (winograd_kernels has its B^T and A^T).
_G4 = np.array([[1 / 4, 0, 0], [-1 / 6, -1 / 6, -1 / 6], [-1 / 6, 1 / 6, -1 / 6],
                [1 / 24, 1 / 12, 1 / 6], [1 / 24, -1 / 12, 1 / 6], [0, 0, 1]])


class _Variant(NamedTuple):
    """F(m x m, 3x3): output tiles of m x m from input tiles of (m + 2) x (m + 2)."""
    m: int
    kernels: tuple     # names of (input, output, gradient) transforms in winograd_kernels
    # kron(G, G)[(m+2) p + q, 3i + j] = G[p, i] G[q, j]: (G g G^T)[p, q] = sum over i, j of
    # that times g[i, j], so one matrix product transforms every filter at once (and its
    # transpose maps the transformed filter gradient back: G^T dU G).
    gg: np.ndarray
    exact: bool        # G's entries are exact in float32 (F(2x2, 3x3): 0, 1 and 1/2)

    @property
    def positions(self) -> int:
        return (self.m + 2) ** 2


F2 = _Variant(2, ("input_transform", "output_transform", "grad_transform"),
              np.kron(_G, _G), True)
F4 = _Variant(4, ("input_transform4", "output_transform4", "grad_transform4"),
              np.kron(_G4, _G4), False)
# F(4x4, 3x3) runs where its products make at most this share of F(2x2, 3x3)'s
# multiplications (36 per 4x4 tile against 16 per 2x2 tile: 0.5625 when the output's sides
# are multiples of 4; output sides of 10 round up to 12 and make it 0.81).
F4_SHARE = 0.7


def usable(g, batch: int, cin: int, cout: int, dtype) -> bool:
    """Whether a convolution of geometry `g` (conv_kernels._Geometry) runs here."""
    th, tw = _tiles(g, F2)
    return (g.kh == g.kw == 3 and g.sh == g.sw == 1 and g.dh == g.dw == 1
            and _pays(cin, cout) and batch * th * tw >= MIN_TILES
            and 16 * th * tw * max(cin, cout) * np.dtype(dtype).itemsize <= MAX_IMAGE_BYTES
            and np.dtype(dtype) in (np.float32, np.float64)
            and switched_on("TENSEUR_WINOGRAD") and _compiled(F2) is not None)


def variant(g) -> _Variant:
    """F4 where its products are few enough against F2's (F4_SHARE), unless
    TENSEUR_WINOGRAD4=0; else F2."""
    th2, tw2 = _tiles(g, F2)
    th4, tw4 = _tiles(g, F4)
    if (36 * th4 * tw4 <= F4_SHARE * 16 * th2 * tw2 and switched_on("TENSEUR_WINOGRAD4")):
        return F4
    return F2


def _pays(cin: int, cout: int) -> bool:
    """Whether the channels are many enough for the transforms to pay (CHANNEL_RATIO)."""
    return cin * cout >= CHANNEL_RATIO * (cin + cout)


def _compiled(v: _Variant):
    """(input_transform, output_transform, grad_transform) of variant v, numba-compiled on
    first use; None when numba is not installed or TENSEUR_NUMBA=0."""
    module = _jit.kernels("tenseur.ops.winograd_kernels")
    if module is None:
        return None
    return tuple(getattr(module, name) for name in v.kernels)


def _tiles(g, v: _Variant) -> tuple:
    """(tile rows, tile columns) covering the output; the padded input is m * tiles + 2."""
    return -(-g.oh // v.m), -(-g.ow // v.m)


def _image_blocks(batch: int, th: int, tw: int, channels: int, itemsize: int,
                  v: _Variant) -> tuple:
    """([(b0, b1)], threads): blocks of whole images within _BLOCK_BYTES of V and M."""
    per_image = v.positions * th * tw * channels * itemsize
    images = max(1, min(batch, _BLOCK_BYTES // max(per_image, 1)))
    blocks = [(b0, min(batch, b0 + images)) for b0 in range(0, batch, images)]
    parts = _ck._parts(per_image * batch)
    return blocks, max(1, min(parts, len(blocks)))


def _run(fn, blocks, parts) -> list:
    """fn(share) for contiguous shares of the blocks, on `parts` threads (conv_kernels')."""
    return _ck._run_shares(fn, [(b0, b1, 0, 0) for b0, b1 in blocks], parts, whole_images=True)


def _filter_transform(w: np.ndarray, v: _Variant) -> np.ndarray:
    """U = G g G^T for every (input, output) pair: (positions, C, K), one product of
    kron(G, G) (positions x 9) with the filter as a (9, C K) matrix. F2's entries are 0, 1,
    1/2 and 1/4, exact in w's dtype; F4's (1/6, 1/24...) are not, so its product runs in
    float64, rounded once. ResNet50's 3x3 filters at 256 channels: 0.7 ms for F2, against
    3.3 for G's two products over the filter rows, then its columns, and the transpose they
    need."""
    if v.exact:
        u = v.gg.astype(w.dtype) @ w.reshape(9, -1)
    else:
        u = (v.gg @ w.reshape(9, -1).astype(np.float64)).astype(w.dtype)
    return u.reshape(v.positions, w.shape[2], w.shape[3])


def conv(x: np.ndarray, w: np.ndarray, g, epilogue=None) -> np.ndarray:
    """conv_kernels' forward convolution for a `usable` geometry: (N, oh, ow, K); `epilogue`
    runs in place on each block of images of the output once it is written (conv2d's)."""
    v = variant(g)
    input_transform, output_transform, _ = _compiled(v)
    x = np.ascontiguousarray(x)           # the kernels are compiled for C-ordered arrays
    batch, cin, cout = x.shape[0], x.shape[3], w.shape[3]
    th, tw = _tiles(g, v)
    u = _filter_transform(w, v)
    y = _buffers.empty((batch, g.oh, g.ow, cout), x.dtype)
    blocks, parts = _image_blocks(batch, th, tw, max(cin, cout), x.dtype.itemsize, v)
    # F(4x4)'s output transform adds the bias of a fused Conv2D + BiasAdd + Relu and applies
    # its ReLU itself, to each tile while it is in registers (the 32->32 layer's forward ~2 ms
    # faster at 1 thread than the same epilogue over each block after the transform).
    bias = getattr(epilogue, "relu_bias", None)
    in_tiles = v is F4 and bias is not None and bias.dtype == x.dtype and bias.shape == (cout,)
    if in_tiles:
        epilogue, extra = None, (np.ascontiguousarray(bias), True)
    else:
        extra = (np.zeros(0, x.dtype), False) if v is F4 else ()

    def run(share):
        for b0, b1, _, _ in share:
            tiles = (b1 - b0) * th * tw
            vv = _ck._scratch("winograd V", (v.positions, tiles, cin), x.dtype)
            m = _ck._scratch("winograd M", (v.positions, tiles, cout), x.dtype)
            input_transform(x[b0:b1], g.pt, g.pl, th, tw, vv)
            np.matmul(vv, u, out=m)
            output_transform(m, th, tw, y[b0:b1], *extra)
            if epilogue is not None:
                epilogue(y[b0:b1])

    _run(run, blocks, parts)
    return y


def filter_grad(x: np.ndarray, dy: np.ndarray, g) -> np.ndarray:
    """conv_kernels' filter gradient for a `usable` geometry: (3, 3, C, K)."""
    v = variant(g)
    input_transform, _, grad_transform = _compiled(v)
    x, dy = np.ascontiguousarray(x), np.ascontiguousarray(dy)
    batch, cin, cout = x.shape[0], x.shape[3], dy.shape[3]
    th, tw = _tiles(g, v)
    blocks, parts = _image_blocks(batch, th, tw, max(cin, cout), x.dtype.itemsize, v)

    def run(share):
        du = np.zeros((v.positions, cin, cout), x.dtype)
        partial = np.empty_like(du)
        for b0, b1, _, _ in share:
            tiles = (b1 - b0) * th * tw
            vv = _ck._scratch("winograd V", (v.positions, tiles, cin), x.dtype)
            z = _ck._scratch("winograd Z", (v.positions, tiles, cout), x.dtype)
            input_transform(x[b0:b1], g.pt, g.pl, th, tw, vv)
            grad_transform(dy[b0:b1], th, tw, z)
            np.matmul(vv.transpose(0, 2, 1), z, out=partial)
            du += partial
        return du

    du = _ck._sum_in_order(_run(run, blocks, parts)).reshape(v.positions, -1)
    if v.exact:                                                  # G^T dU G
        dw = v.gg.T.astype(x.dtype) @ du
    else:
        dw = (v.gg.T @ du.astype(np.float64)).astype(x.dtype)
    return dw.reshape(3, 3, cin, cout)
