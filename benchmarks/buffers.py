"""What reusing large arrays (tenseur.backend.buffers) saves.

1. A ReLU over the slides' first convolution output (430x26x26x32 float32, 37 MB: over
   glibc's mmap threshold, so every new array gets fresh pages that fault on first write)
   into a new array against into an old one.
2. The slides' CNN training step (benchmarks/cnn_epoch.py's graph, batch 430) with the pool
   on for arrays of 32 MiB and more (the default), on from 1 MiB (TENSEUR_BUFFER_MIN_MB=1) and
   off (TENSEUR_BUFFER_POOL_MB=0), each in its own process, alternating: ms per step (min and
   median), CPU ms in the kernel (page faults), minor page faults per step, peak RSS.

Run: python benchmarks/buffers.py [--steps 10] [--rounds 2] [--threads 1]
"""
import argparse
import os
import resource
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def relu_into_new_or_old(repeat=20):
    shape = (430, 26, 26, 32)
    x = np.random.default_rng(0).standard_normal(shape, dtype=np.float32)
    old = np.empty(shape, np.float32)
    for label, fn in (("a new array", lambda: np.maximum(x, 0)),
                      ("an old array", lambda: np.maximum(x, 0, out=old))):
        fn()
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        print(f"  ReLU of 37 MB into {label}: {1e3 * min(times):6.2f} ms min, "
              f"{1e3 * np.median(times):6.2f} ms median")


def cnn_steps(steps):
    """Runs in a child process: one line of numbers for this process' pool setting."""
    sys.path.insert(0, HERE)
    sys.path.insert(0, os.path.dirname(HERE))
    import cnn_epoch
    runner = cnn_epoch.TenseurRunner(cnn_epoch.random_batches())
    for _ in range(2):
        runner.step()
    before = resource.getrusage(resource.RUSAGE_SELF)
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        runner.step()
        times.append(time.perf_counter() - start)
    after = resource.getrusage(resource.RUSAGE_SELF)
    print(f"{1e3 * min(times):.0f} {1e3 * np.median(times):.0f} "
          f"{1e3 * (after.ru_stime - before.ru_stime) / steps:.0f} "
          f"{(after.ru_minflt - before.ru_minflt) / steps:.0f} {after.ru_maxrss / 1024:.0f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        cnn_steps(args.steps)
        return
    print("ReLU over a 37 MB activation:")
    relu_into_new_or_old()
    print(f"\nslides' CNN step, batch 430, {args.threads} thread(s), {args.steps} steps a run:")
    print("  pool           min ms  median ms  sys ms/step  minor faults/step  peak RSS MB")
    for _ in range(args.rounds):
        for megabytes, smallest, label in (("512", "32", "on, >= 32 MiB"), ("512", "1", "on, >= 1 MiB"),
                                           ("0", "32", "off")):
            env = dict(os.environ, TENSEUR_BUFFER_POOL_MB=megabytes,
                       TENSEUR_BUFFER_MIN_MB=smallest,
                       TENSEUR_NUM_THREADS=str(args.threads), OPENBLAS_NUM_THREADS="1")
            out = subprocess.run([sys.executable, __file__, "--child", "--steps",
                                  str(args.steps)], env=env, capture_output=True, text=True,
                                 check=True).stdout.split()
            print(f"  {label:<14} {out[0]:>6}  {out[1]:>9}  {out[2]:>11}  {out[3]:>17}  {out[4]:>12}")


if __name__ == "__main__":
    main()
