"""NHWC bias add on the slides' conv1 output (430x26x26x32 float32): NumPy's broadcasting
`np.add(y, b)` against `add_bias_last` (tenseur's BiasAdd kernel: rows of whole images against
the bias repeated), in place, fastest of 20, alternated. Run: python benchmarks/bias_add.py"""
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from tenseur.ops.bias_ops import add_bias_last  # noqa: E402

rng = np.random.default_rng(0)
y = rng.standard_normal((430, 26, 26, 32), dtype=np.float32)
b = rng.standard_normal(32, dtype=np.float32)
best = {"np.add": 1e9, "add_bias_last": 1e9}
for _ in range(20):
    for name, fn in (("np.add", np.add), ("add_bias_last", add_bias_last)):
        start = time.perf_counter()
        fn(y, b, out=y)
        best[name] = min(best[name], time.perf_counter() - start)
print("  ".join(f"{name} {seconds * 1e3:.2f} ms" for name, seconds in best.items()))
