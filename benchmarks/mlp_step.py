"""Graph-mode training steps of the slides' MLP (784-64-32-16-10, sigmoid, SGD, batch 128).

Prints microseconds per step (median and fastest of 20 blocks of steps: the machine is shared,
the fastest block is the least disturbed) and the share of the step spent outside kernels
(executor overhead: Python dispatch, feeds, fetches). Run: python benchmarks/mlp_step.py
[--steps N] [--fetch-loss] (the loss fetched with the update, as examples/mlp_tf.py does).
"""
import argparse
import os
import platform
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "examples"))

import tenseur as tf  # noqa: E402
from mlp_tf import build_model  # noqa: E402


def instrumented(plan):
    """Wraps each kernel of a plan with a timer; returns the list collecting kernel seconds."""
    spent = [0.0]
    wrapped = []
    for fn, ins, kind, out in plan.steps:
        def timed(*args, _fn=fn):
            start = time.perf_counter()
            try:
                return _fn(*args)
            finally:
                spent[0] += time.perf_counter() - start
        wrapped.append((timed, ins, kind, out))
    plan.steps = wrapped
    return spent


def main(steps=2000, batch_size=128, seed=0, fetch_loss=False, blocks=20):
    tf.reset_default_graph()
    tf.set_random_seed(seed)
    x, y, out, loss = build_model()
    train_op = tf.train.GradientDescentOptimizer(5e-2).minimize(loss)
    rng = np.random.default_rng(seed)
    images = rng.uniform(0, 1, (batch_size * 16, 784)).astype(np.float32)
    labels = np.eye(10, dtype=np.float32)[rng.integers(0, 10, batch_size * 16)]
    batches = [(images[i:i + batch_size], labels[i:i + batch_size])
               for i in range(0, len(images), batch_size)]
    fetches = [loss, train_op] if fetch_loss else train_op
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for bx, by in batches:      # warm-up: plan built, caches filled
            sess.run(fetches, {x: bx, y: by})
        block = max(steps // blocks, 1)
        times, cpu_times = [], []
        for b in range(blocks):
            start, cpu_start = time.perf_counter(), time.process_time()
            for i in range(block):
                bx, by = batches[i % len(batches)]
                sess.run(fetches, {x: bx, y: by})
            times.append((time.perf_counter() - start) / block)
            cpu_times.append((time.process_time() - cpu_start) / block)
        per_step, fastest = float(np.median(times)), min(times)
        cpu = float(np.median(cpu_times))
        plan = max(sess._plans.values(), key=lambda p: len(p.ops))
        spent = instrumented(plan)
        start = time.perf_counter()
        for i in range(steps):
            bx, by = batches[i % len(batches)]
            sess.run(fetches, {x: bx, y: by})
        instrumented_total = time.perf_counter() - start
        kernels = spent[0] / steps
        n_ops = len(plan.ops)
    overhead = max(instrumented_total / steps - kernels, 0.0) / (instrumented_total / steps)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"numpy {np.__version__}")
    print(f"MLP 784-64-32-16-10 SGD batch {batch_size}: {per_step * 1e6:.0f} us/step median, "
          f"{fastest * 1e6:.0f} fastest ({n_ops} ops in the plan), "
          f"{55000 / batch_size * per_step:.2f} s/epoch of 55,000; load average "
          f"{os.getloadavg()[0]:.2f}")
    print(f"CPU time (less disturbed by other processes on a shared machine): {cpu * 1e6:.0f} "
          f"us/step median, {min(cpu_times) * 1e6:.0f} fastest")
    print(f"kernels: {kernels * 1e6:.0f} us/step; outside kernels: {overhead:.0%} of the step")
    return per_step, overhead


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--fetch-loss", action="store_true")
    args = parser.parse_args()
    main(args.steps, fetch_loss=args.fetch_loss)
