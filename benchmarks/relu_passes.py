"""The ReLU passes over the slides' convolution outputs (float32, batch 430), NumPy's two passes
against relu_numba's one (tenseur/ops/relu_numba.py), alternated, fastest / median of --repeat,
in place as the fused kernels run them, one thread:

- bias add + ReLU of conv1 (430x26x26x32) and conv2 (430x24x24x32): add_bias_last then
  np.maximum, against bias_ops.add_bias_relu;
- the ReLU gradient on conv1's output (the input gradient of conv2, fused after it):
  np.multiply(g, f > 0), against activation_ops.relu_grad_array.

    python benchmarks/relu_passes.py [--repeat 30]
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from tenseur.ops.activation_ops import relu_grad_array  # noqa: E402
from tenseur.ops.bias_ops import add_bias_last, add_bias_relu  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    bias = rng.standard_normal(32, dtype=np.float32)
    conv1 = rng.standard_normal((430, 26, 26, 32), dtype=np.float32)
    conv2 = rng.standard_normal((430, 24, 24, 32), dtype=np.float32)
    grad = rng.standard_normal(conv1.shape, dtype=np.float32)

    def two_passes(y):
        add_bias_last(y, bias, out=y)
        np.maximum(y, 0, out=y)

    cases = {
        "conv1 bias + ReLU": (lambda: two_passes(conv1), lambda: add_bias_relu(conv1, bias, conv1)),
        "conv2 bias + ReLU": (lambda: two_passes(conv2), lambda: add_bias_relu(conv2, bias, conv2)),
        "ReLU gradient (conv1)": (lambda: np.multiply(grad, conv1 > 0, out=grad),
                                  lambda: relu_grad_array(grad, conv1, out=grad)),
    }
    for numpy_fn, numba_fn in cases.values():
        numba_fn()                                   # numba's import and compilation
    times = {(name, k): [] for name in cases for k in (0, 1)}
    for _ in range(args.repeat):
        for name, fns in cases.items():
            for k, fn in enumerate(fns):
                start = time.perf_counter()
                fn()
                times[(name, k)].append(time.perf_counter() - start)
    print(f"{'pass':24s} {'NumPy, 2 passes':>18s} {'numba, 1 pass':>18s}   ms, fastest / median")
    for name in cases:
        cells = []
        for k in (0, 1):
            t = sorted(times[(name, k)])
            cells.append(f"{t[0] * 1e3:6.2f} / {t[len(t) // 2] * 1e3:6.2f}")
        print(f"{name:24s} {cells[0]:>18s} {cells[1]:>18s}")


if __name__ == "__main__":
    main()
