"""2x2 stride-2 max pooling and its gradient on the slides' CNN activation (430x24x24x32
float32, ReLU outputs), and ResNet50's 3x3 stride-2 pooling (8x114x114x64, after its zero
padding): NumPy's kernels (TENSEUR_NUMBA=0) against pool_numba's, fastest of 15,
alternated, at the thread count of $TENSEUR_NUM_THREADS (default: the CPUs).
Run: TENSEUR_NUM_THREADS=1 python benchmarks/pool_kernels.py"""
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from tenseur.ops import pool_kernels as pk  # noqa: E402

rng = np.random.default_rng(0)
x = np.maximum(rng.standard_normal((430, 24, 24, 32), dtype=np.float32), 0)
y = pk.max_pool(x, (2, 2), (2, 2), "VALID")
dy = rng.standard_normal(y.shape, dtype=np.float32)
stem = np.maximum(rng.standard_normal((8, 114, 114, 64), dtype=np.float32), 0)
cases = {"forward": lambda: pk.max_pool(x, (2, 2), (2, 2), "VALID"),
         "gradient": lambda: pk.max_pool_grad(x, y, dy, (2, 2), (2, 2), "VALID"),
         "ResNet50 3x3/2 forward": lambda: pk.max_pool(stem, (3, 3), (2, 2), "VALID")}
best = {}
for _ in range(15):
    for engine, switch in (("numpy", "0"), ("numba", "1")):
        os.environ["TENSEUR_NUMBA"] = switch
        for name, fn in cases.items():
            start = time.perf_counter()
            fn()
            key = (name, engine)
            best[key] = min(best.get(key, 1e9), time.perf_counter() - start)
for name in cases:
    print(f"{name}: numpy {best[(name, 'numpy')] * 1e3:.2f} ms, "
          f"numba {best[(name, 'numba')] * 1e3:.2f} ms")
