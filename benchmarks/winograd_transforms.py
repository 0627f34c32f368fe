"""The Winograd transforms of tenseur/ops/winograd_kernels.py, a layer's worth of each (one
block of images at a time, as winograd.py calls them), against their earlier per-tile form
(16 loops over the channels per tile, on a zero-padded copy of the input, kept below): same
bits, milliseconds a layer, fastest / median of --repeat runs, one thread. Then the filter
transform (one product by kron(G, G)) against its earlier two tensordots, on square layers.

Layers: the slides' CNN's Winograd layers at batch 430 (the input transform runs in a layer's
forward pass, its filter gradient and its input gradient, a forward convolution of the padded
output gradient; the gradient transform in the filter gradient), and two of ResNet50's layers
at batch 8.

    python benchmarks/winograd_transforms.py [--repeat 200]

--variants instead: the slides' 32->32 layer (430 images, float32) by F(4x4, 3x3), F(2x2, 3x3)
and im2col, each pass's max error against the float64 result and its time (fastest of
--rounds, the three methods in alternation, at --threads):

    python benchmarks/winograd_transforms.py --variants [--threads 1] [--rounds 7]
"""
import argparse
import os
import sys
import time

import numba
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from tenseur.backend import threads as _threads  # noqa: E402
from tenseur.ops import conv_kernels as ck, winograd, winograd_kernels as wk  # noqa: E402

_jit = numba.njit(nogil=True, fastmath=False, error_model="numpy")

# (layer, transform, images, output side, channels transformed, channels of the layer's
# larger side, padding): the input transform's input is output side + 2 with the padding;
# blocks as winograd.py cuts them.
CASES = [("slides conv2 32->32 forward, filter grad", "input", 430, 24, 32, 32, 0),
         ("slides conv2 32->32 filter grad", "gradient", 430, 24, 32, 32, 0),
         ("slides conv2 32->32 input grad", "input", 430, 26, 32, 32, 2),
         ("slides conv3 32->16 forward, filter grad", "input", 430, 10, 32, 32, 0),
         ("slides conv3 32->16 filter grad", "gradient", 430, 10, 16, 32, 0),
         ("slides conv3 32->16 input grad", "input", 430, 12, 16, 32, 2),
         ("ResNet50 56x56 64->64 (batch 8)", "input", 8, 56, 64, 64, 1),
         ("ResNet50 56x56 64->64 (batch 8)", "gradient", 8, 56, 64, 64, 0),
         ("ResNet50 14x14 256->256 (batch 8)", "input", 8, 14, 256, 256, 1)]


@_jit
def tile_input_transform(x, th, tw, v):
    """winograd_kernels.input_transform as 16 loops per tile (its form before 2026-11-26)."""
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
def tile_grad_transform(dy, th, tw, z):
    """winograd_kernels.grad_transform as 16 loops per tile (its form before 2026-11-26)."""
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


def timed(fn, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    times.sort()
    return times[0], times[len(times) // 2]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--variants", action="store_true",
                        help="F4, F2 and im2col on the 32->32 layer: errors and times")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    if args.variants:
        return variants(args.threads, args.rounds)
    rng = np.random.default_rng(0)
    print(f"{'layer':42s} {'transform':9s} {'per tile':>15s} {'rows first':>15s}  ms a layer")
    for name, transform, images, side, channels, widest, pad in CASES:
        tiles = (side + 1) // 2
        (b0, b1), *_ = winograd._image_blocks(images, tiles, tiles, widest, 4,
                                                   winograd.F2)[0]
        block = b1 - b0
        out = np.empty((16, block * tiles * tiles, channels), np.float32)
        if transform == "input":
            # The per-tile form reads a zero-padded copy, made per block as before (none
            # without padding).
            size = 2 * tiles + 2 - 2 * pad
            source = rng.standard_normal((block, size, size, channels)).astype(np.float32)
            edges = ((0, 0), (pad, pad), (pad, pad), (0, 0))
            calls = (lambda: tile_input_transform(np.pad(source, edges) if pad else source,
                                                  tiles, tiles, out),
                     lambda: wk.input_transform(source, pad, pad, tiles, tiles, out))
        else:
            source = rng.standard_normal((block, side, side, channels)).astype(np.float32)
            calls = (lambda: tile_grad_transform(source, tiles, tiles, out),
                     lambda: wk.grad_transform(source, tiles, tiles, out))
        calls[0]()
        expected = out.copy()
        calls[1]()
        assert np.array_equal(out, expected), (name, transform)
        cells = []
        for fn in calls:
            fastest, median = timed(fn, args.repeat)
            scale = images / block * 1e3
            cells.append(f"{fastest * scale:6.2f} / {median * scale:6.2f}")
        print(f"{name:42s} {transform:9s} {cells[0]:>15s} {cells[1]:>15s}")
    print(f"\n{'filter transform (3x3, C -> K)':42s} {'two tensordots':>25s} {'kron(G, G)':>15s}"
          f"  ms a call")
    for channels in (32, 64, 128, 256, 512):
        w = rng.standard_normal((3, 3, channels, channels)).astype(np.float32)
        assert np.allclose(tensordot_filter_transform(w),
                           winograd._filter_transform(w, winograd.F2),
                           rtol=1e-6, atol=1e-6)
        cells = [f"{a * 1e3:6.2f} / {b * 1e3:6.2f}" for a, b in (
            timed(lambda: tensordot_filter_transform(w), args.repeat // 10),
            timed(lambda: winograd._filter_transform(w, winograd.F2), args.repeat // 10))]
        print(f"{f'{channels} -> {channels}':42s} {cells[0]:>25s} {cells[1]:>15s}")


# method -> environment switches (read at every convolution)
VARIANTS = {"F4": {}, "F2": {"TENSEUR_WINOGRAD4": "0"}, "im2col": {"TENSEUR_WINOGRAD": "0"}}


def variants(threads, rounds):
    """The slides' 32->32 layer by each of VARIANTS: errors against float64, then times."""
    _threads.set_intra_op_threads(threads)
    rng = np.random.default_rng(0)
    x = rng.random((430, 26, 26, 32))                    # ReLU outputs: >= 0
    w = rng.normal(size=(3, 3, 32, 32)) * np.sqrt(2 / (9 * 64)) * 3
    dy = rng.normal(size=(430, 24, 24, 32))
    passes = {"forward": lambda x, w, dy: ck.conv2d(x, w, (1, 1), "VALID"),
              "input grad": lambda x, w, dy: ck.conv2d_backprop_input(dy, w, x.shape, (1, 1),
                                                                      "VALID"),
              "filter grad": lambda x, w, dy: ck.conv2d_backprop_filter(x, dy, w.shape, (1, 1),
                                                                        "VALID")}
    exact = {name: fn(x, w, dy) for name, fn in passes.items()}
    x, w, dy = (a.astype(np.float32) for a in (x, w, dy))
    times = {}
    print(f"slides' conv2 32->32, batch 430, float32, {threads} thread(s): max error against "
          f"float64, then fastest of {rounds} ms")
    for r in range(rounds + 1):
        for method, switches in VARIANTS.items():
            saved = {k: os.environ.get(k) for k in switches}
            os.environ.update(switches)
            try:
                for name, fn in passes.items():
                    start = time.perf_counter()
                    got = fn(x, w, dy)
                    if r:                                # the first round compiles and warms
                        times.setdefault((method, name), []).append(time.perf_counter() - start)
                    else:
                        err = np.abs(got - exact[name]).max()
                        print(f"  {method:7s} {name:12s} error {err:8.2g} "
                              f"(values up to {np.abs(exact[name]).max():.4g})")
            finally:
                for k, v in saved.items():
                    os.environ.pop(k) if v is None else os.environ.update({k: v})
    for method in VARIANTS:
        print(f"  {method:7s} " + "  ".join(f"{name} {min(times[method, name]) * 1e3:6.1f}"
                                           for name in passes))


def tensordot_filter_transform(w):
    """winograd._filter_transform as G's two products over the filter's rows, then its
    columns, and a transposing copy (its form before 2026-11-26 13:00)."""
    g = winograd._G.astype(w.dtype)
    rows = np.tensordot(g, w, axes=(1, 0))                   # (4, 3, C, K): G g
    u = np.tensordot(g, rows, axes=(1, 1))                   # (4 cols, 4 rows, C, K)
    return np.ascontiguousarray(u.transpose(1, 0, 2, 3)).reshape(16, w.shape[2], w.shape[3])


if __name__ == "__main__":
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    main()
