"""GFLOP/s of NumPy's float32 matrix product (OpenBLAS sgemm) on the shapes of the slides' CNN
convolutions and MLP, against large square products (the peak), and the im2col copy of one
block. Tells whether a convolution is bound by its products or by its copies on a given CPU.

    OPENBLAS_NUM_THREADS=1 python benchmarks/sgemm_shapes.py
"""
import time

import numpy as np

rng = np.random.default_rng(0)
def t(f, flop, n=20, unit="GF/s"):
    f()
    r = []
    for _ in range(n):
        s = time.perf_counter(); f(); r.append(time.perf_counter() - s)
    r.sort()
    return (f"{flop / r[0] / 1e9:6.1f} {unit} best, {flop / r[len(r)//2] / 1e9:6.1f} median "
            f"({r[0]*1e3:.2f} ms)")
def case(name, m, k, n, ta=False):
    a = rng.random((k, m) if ta else (m, k), dtype=np.float32)
    b = rng.random((k, n), dtype=np.float32)
    A = a.T if ta else a
    o = np.empty((m, n), np.float32)
    print(f"{name:40s} ({m}x{k})@({k}x{n}){' A^T' if ta else ''}: {t(lambda: np.matmul(A, b, out=o), 2*m*k*n)}", flush=True)
case("peak 1024^3", 1024, 1024, 1024)
case("peak 2000^3", 2000, 2000, 2000)
for rows in (3456, 6912, 13824):
    case(f"conv2 fwd block rows={rows}", rows, 288, 32)
    case(f"conv2 fwd transposed (W^T @ cols^T)", 32, 288, rows)
    case(f"conv2 dW (cols^T @ dy)", 288, rows, 32, ta=True)
    case(f"conv2 dW as dy^T @ cols", 32, rows, 288, ta=True)
case("conv3 fwd 32->16 rows=3456", 3456, 288, 16)
case("mlp x@w1", 128, 784, 64)
case("mlp x^T@g", 784, 128, 64, ta=True)
# im2col copy for one block of conv2 (6 images, 26x26x32 -> 24x24 x 288)
from numpy.lib.stride_tricks import as_strided
x = rng.random((6, 26, 26, 32), dtype=np.float32)
s = x.strides
win = as_strided(x, (6, 24, 24, 3, 3, 32), (s[0], s[1], s[2], s[1], s[2], s[3]), writeable=False)
cols = np.empty((6*576, 288), np.float32)
def im2col(): np.copyto(cols.reshape(6, 24, 24, 3, 3, 32), win)
print("im2col of a 6-image block, bytes written:", t(im2col, cols.nbytes, unit="GB/s"))
