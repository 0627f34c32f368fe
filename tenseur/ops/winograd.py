"""3x3 stride-1 convolutions by Winograd's minimal filtering F(2x2, 3x3), with numba-compiled
transforms: the slides' 32->32 layer and its gradients take ~25% less time than im2col.

numba is an optional dependency (`pip install "tenseur[fast]"`): without it, or with
`TENSEUR_WINOGRAD=0` (or `TENSEUR_NUMBA=0`, all numba kernels), conv_kernels keeps its im2col
products. conv_kernels calls this module
for the filters it can serve (`usable`): 3x3, stride 1, no dilation, float32 or float64, and
enough channels and tiles for the saving to pay for the transforms (`_pays`, MIN_TILES), on
images small enough to be blocks of their own (MAX_IMAGE_BYTES).

The algorithm (Lavin & Gray, 2015), per 4x4 tile d of the input (tiles overlap by 2) and 2x2
tile of the output:
    y = A^T [ (G g G^T) * (B^T d B) ] A
with g the 3x3 filter of one (input, output) channel pair and * elementwise over the 16
positions. Summed over input channels, each position s is one matrix product:
    M[s] = V[s] @ U[s],  V[s]: (tiles, C) transformed inputs, U[s]: (C, K) transformed filter,
so 16 products of (tiles x C) @ (C x K) replace im2col's (pixels x 9C) @ (9C x K): 2.25x fewer
multiplications; the transforms are additions. The filter gradient is the same in reverse:
    dU[s] = sum over tiles of V[s]^T Z[s],  Z = A dY A^T (dY: 2x2 tiles of dy),  dW = G^T dU G,
and the input gradient of a stride-1 convolution is a forward one (conv_kernels flips the
filter). Blocks of whole images keep V and M in cache; with several threads each thread takes
a share of the blocks, as conv_kernels does.

Rounding: the sums run in another order than im2col's. Measured on the 32->32 layer (float32,
430 images, against float64): forward max error 2.7e-6 (im2col 7.1e-6) on outputs up to 8.9;
filter gradient 1.2e-3 (im2col 0.8e-3) on values up to 2,000.
"""
from __future__ import annotations

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
# kron(G, G)[4p + q, 3i + j] = G[p, i] G[q, j]: (G g G^T)[p, q] = sum over i, j of that times
# g[i, j], so one matrix product transforms every filter at once (and its transpose maps the
# transformed filter gradient back: G^T dU G).
_GG = np.kron(_G, _G)


def usable(g, batch: int, cin: int, cout: int, dtype) -> bool:
    """Whether a convolution of geometry `g` (conv_kernels._Geometry) runs here."""
    th, tw = _tiles(g)
    return (g.kh == g.kw == 3 and g.sh == g.sw == 1 and g.dh == g.dw == 1
            and _pays(cin, cout) and batch * th * tw >= MIN_TILES
            and 16 * th * tw * max(cin, cout) * np.dtype(dtype).itemsize <= MAX_IMAGE_BYTES
            and np.dtype(dtype) in (np.float32, np.float64)
            and switched_on("TENSEUR_WINOGRAD") and _compiled() is not None)


def _pays(cin: int, cout: int) -> bool:
    """Whether the channels are many enough for the transforms to pay (CHANNEL_RATIO)."""
    return cin * cout >= CHANNEL_RATIO * (cin + cout)


def _compiled():
    """(input_transform, output_transform, grad_transform), numba-compiled on first use; None
    when numba is not installed or TENSEUR_NUMBA=0."""
    module = _jit.kernels("tenseur.ops.winograd_kernels")
    if module is None:
        return None
    return module.input_transform, module.output_transform, module.grad_transform


def _tiles(g) -> tuple:
    """(tile rows, tile columns) covering the output; the padded input is 2 * tiles + 2."""
    return (g.oh + 1) // 2, (g.ow + 1) // 2


def _image_blocks(batch: int, th: int, tw: int, channels: int, itemsize: int) -> tuple:
    """([(b0, b1)], threads): blocks of whole images within _BLOCK_BYTES of V and M."""
    per_image = 16 * th * tw * channels * itemsize
    images = max(1, min(batch, _BLOCK_BYTES // max(per_image, 1)))
    blocks = [(b0, min(batch, b0 + images)) for b0 in range(0, batch, images)]
    parts = _ck._parts(per_image * batch)
    return blocks, max(1, min(parts, len(blocks)))


def _run(fn, blocks, parts) -> list:
    """fn(share) for contiguous shares of the blocks, on `parts` threads (conv_kernels')."""
    return _ck._run_shares(fn, [(b0, b1, 0, 0) for b0, b1 in blocks], parts, whole_images=True)


def _filter_transform(w: np.ndarray) -> np.ndarray:
    """U = G g G^T for every (input, output) pair: (16, C, K), one product of kron(G, G)
    (16 x 9) with the filter as a (9, C K) matrix, in w's dtype (the entries are 0, 1, 1/2 and
    1/4, exact). ResNet50's 3x3 filters at 256 channels: 0.7 ms, against 3.3 for G's two
    products over the filter rows, then its columns, and the transpose they need."""
    return (_GG.astype(w.dtype) @ w.reshape(9, -1)).reshape(16, w.shape[2], w.shape[3])


def conv(x: np.ndarray, w: np.ndarray, g) -> np.ndarray:
    """conv_kernels' forward convolution for a `usable` geometry: (N, oh, ow, K)."""
    input_transform, output_transform, _ = _compiled()
    x = np.ascontiguousarray(x)           # the kernels are compiled for C-ordered arrays
    batch, cin, cout = x.shape[0], x.shape[3], w.shape[3]
    th, tw = _tiles(g)
    u = _filter_transform(w)
    y = _buffers.empty((batch, g.oh, g.ow, cout), x.dtype)
    blocks, parts = _image_blocks(batch, th, tw, max(cin, cout), x.dtype.itemsize)

    def run(share):
        for b0, b1, _, _ in share:
            tiles = (b1 - b0) * th * tw
            v = _ck._scratch("winograd V", (16, tiles, cin), x.dtype)
            m = _ck._scratch("winograd M", (16, tiles, cout), x.dtype)
            input_transform(x[b0:b1], g.pt, g.pl, th, tw, v)
            np.matmul(v, u, out=m)
            output_transform(m, th, tw, y[b0:b1])

    _run(run, blocks, parts)
    return y


def filter_grad(x: np.ndarray, dy: np.ndarray, g) -> np.ndarray:
    """conv_kernels' filter gradient for a `usable` geometry: (3, 3, C, K)."""
    input_transform, _, grad_transform = _compiled()
    x, dy = np.ascontiguousarray(x), np.ascontiguousarray(dy)
    batch, cin, cout = x.shape[0], x.shape[3], dy.shape[3]
    th, tw = _tiles(g)
    blocks, parts = _image_blocks(batch, th, tw, max(cin, cout), x.dtype.itemsize)

    def run(share):
        du = np.zeros((16, cin, cout), x.dtype)
        partial = np.empty_like(du)
        for b0, b1, _, _ in share:
            tiles = (b1 - b0) * th * tw
            v = _ck._scratch("winograd V", (16, tiles, cin), x.dtype)
            z = _ck._scratch("winograd Z", (16, tiles, cout), x.dtype)
            input_transform(x[b0:b1], g.pt, g.pl, th, tw, v)
            grad_transform(dy[b0:b1], th, tw, z)
            np.matmul(v.transpose(0, 2, 1), z, out=partial)
            du += partial
        return du

    du = _ck._sum_in_order(_run(run, blocks, parts))
    return (_GG.T.astype(x.dtype) @ du.reshape(16, -1)).reshape(3, 3, cin, cout)  # G^T dU G
