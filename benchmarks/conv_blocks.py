"""Block-size sweep of the convolution kernels (`conv_kernels._BLOCK_BYTES`): the slides' CNN
training step (compare.py's model, batch 430) at 2 then 1 threads, and the 32->32 layer's three
kernels alone, for each size in MiB given (default 1 2 4); two interleaved rounds, median ms.
With --winograd, the Winograd kernels' block size (`winograd._BLOCK_BYTES`: transformed inputs
and products of a block of images) instead.

    python benchmarks/conv_blocks.py [--winograd] [SIZE_MIB ...]
"""
import os
import statistics
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, ".."))
import numpy as np
import compare
from tenseur.ops import conv_kernels as ck, winograd
from tenseur.backend import threads
images, labels, *_ = compare.load_data("cnn")
train, _ = compare.tenseur_graph("cnn", compare.initial_weights("cnn"), None)
b = [(images[i:i + 430], labels[i:i + 430]) for i in range(0, len(images), 430)]
rng = np.random.default_rng(0)
x = rng.standard_normal((430, 26, 26, 32)).astype(np.float32)
w = rng.standard_normal((3, 3, 32, 32)).astype(np.float32)
dy = rng.standard_normal((430, 24, 24, 32)).astype(np.float32)
kern = {"fwd": lambda: ck.conv2d(x, w, (1, 1), "VALID"),
        "input": lambda: ck.conv2d_backprop_input(dy, w, x.shape, (1, 1), "VALID"),
        "filter": lambda: ck.conv2d_backprop_filter(x, dy, w.shape, (1, 1), "VALID")}
args = sys.argv[1:]
swept = winograd if "--winograd" in args else ck
args = [a for a in args if a != "--winograd"]
sizes = [int(float(a) * (1 << 20)) for a in (args or ["1", "2", "4"])]
print(f"block size of {swept.__name__}")
res = {}
for rnd in range(2):
    for t in (2, 1):
        threads.set_intra_op_threads(t)
        for size in sizes:
            swept._BLOCK_BYTES = size
            train(*b[0])
            for k in range(4):
                s = time.perf_counter(); train(*b[k % 8]); res.setdefault((t, size, "step"), []).append(time.perf_counter() - s)
            for name, f in kern.items():
                f()
                for _ in range(2):
                    s = time.perf_counter(); f(); res.setdefault((t, size, name), []).append(time.perf_counter() - s)
            time.sleep(0.3)
for t in (1, 2):
    for size in sizes:
        print(f"threads {t} block {size / (1 << 20):.1f} MiB: " + ", ".join(
            f"{n} {statistics.median(res[(t, size, n)]) * 1e3:.1f}" for n in ("step", "fwd", "input", "filter")), flush=True)
