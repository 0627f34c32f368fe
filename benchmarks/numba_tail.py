"""ResNet50's forward pass at batch 8 (tenseur.keras, random weights) with its fused tails as
one compiled pass each (compiler/numba_tail.py) and as NumPy's ufunc calls
(`TENSEUR_NUMBA_TAIL=0`), alternated in one process; the outputs must be the same bits.

    python benchmarks/numba_tail.py [THREADS] [--rounds 12]
"""
import argparse
import os
import statistics
import sys
import time

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("threads", nargs="?", type=int, default=1)
parser.add_argument("--rounds", type=int, default=12)
args = parser.parse_args()
os.environ["OPENBLAS_NUM_THREADS"] = os.environ["TENSEUR_NUM_THREADS"] = str(args.threads)
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import numpy as np  # noqa: E402

import tenseur as tf  # noqa: E402
from tenseur import keras  # noqa: E402

with tf.Graph().as_default():
    model = keras.applications.ResNet50(weights=None)
    x = np.random.default_rng(0).standard_normal((8, 224, 224, 3)).astype(np.float32)
    first = {}
    for switch in ("1", "0"):
        os.environ["TENSEUR_NUMBA_TAIL"] = switch
        start = time.perf_counter()
        model.predict_on_batch(x)
        first[switch] = time.perf_counter() - start
    times, outputs = {"1": [], "0": []}, {}
    for _ in range(args.rounds):
        for switch in ("1", "0"):
            os.environ["TENSEUR_NUMBA_TAIL"] = switch
            start = time.perf_counter()
            outputs[switch] = model.predict_on_batch(x)
            times[switch].append(time.perf_counter() - start)
assert outputs["1"].tobytes() == outputs["0"].tobytes(), "the compiled tails changed the bits"
print(f"ResNet50 forward, batch 8, {args.threads} thread(s), {args.rounds} rounds alternated "
      f"(first call with compiled tails {first['1']:.2f} s, includes the plan and compiles)")
for switch, label in (("1", "compiled tails"), ("0", "ufunc calls")):
    t = times[switch]
    print(f"  {label:15s} median {statistics.median(t) * 1e3:7.1f} ms, fastest "
          f"{min(t) * 1e3:7.1f} ms")
